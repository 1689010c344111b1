"""The linkage model: a readable file, complete, and shaped against household merges."""

from __future__ import annotations

import json
import math

import pytest

from lantern.linkage import model as linkage_model
from lantern.linkage.frames import source_records_frame
from lantern.linkage.model import DEFAULT_PATH, LinkageModel, load, save, train


@pytest.fixture(scope="module")
def shipped() -> LinkageModel:
    return load()


def weight(model: LinkageModel, comparison: str, label: str) -> float:
    for level in model.levels(comparison):
        if level["label_for_charts"].startswith(label):
            if level.get("is_null_level"):
                return 0.0
            return math.log2(level["m_probability"] / level["u_probability"])
    raise AssertionError(f"no level {label!r} in {comparison}")


def test_the_shipped_model_is_readable_json_with_splink_settings_inside():
    document = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert document["format"] == linkage_model.FORMAT
    assert document["trained"]["on"]
    settings = document["splink_settings"]
    assert settings["link_type"] == "dedupe_only"
    # Readable: every comparison described, every level labelled.
    for comparison in settings["comparisons"]:
        assert comparison["comparison_description"] != "CustomComparison"
        for level in comparison["comparison_levels"]:
            assert level["label_for_charts"]


def test_every_level_of_the_shipped_model_is_trained(shipped):
    for name in shipped.comparison_names:
        for level in shipped.levels(name):
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1, (name, level["label_for_charts"])
                assert 0 < level["u_probability"] <= 1, (name, level["label_for_charts"])
    assert 0 < shipped.prior < 0.01


def test_the_address_is_one_piece_of_evidence(shipped):
    """The measured failure: address, postcode and town as three comparisons counted
    one fact three times and merged households."""
    names = shipped.comparison_names
    assert "address" in names
    assert not {"postcode", "town", "postcode_district"} & set(names)
    labels = [lv["label_for_charts"] for lv in shipped.levels("address")]
    assert labels == [
        "Address missing",
        "Same address and postcode",
        "Same postcode, different address",
        "Same postcode district",
        "Different area",
    ]


def test_first_name_and_date_of_birth_both_differing_is_strong_evidence_against(shipped):
    against = weight(shipped, "given_name", "Different first name") + weight(
        shipped, "date_of_birth", "Different date of birth"
    )
    assert against < -12
    # Two siblings: one home, one family name, one sex, different first names and
    # dates of birth. With the model's own prior they are nowhere near a match.
    siblings = (
        against
        + weight(shipped, "address", "Same address and postcode")
        + weight(shipped, "family_name", "Same family name")
        + weight(shipped, "sex", "Same sex")
        + math.log2(shipped.prior / (1 - shipped.prior))
    )
    assert siblings < math.log2(0.01 / 0.99)


def test_levels_run_from_strong_agreement_to_disagreement(shipped):
    for name in ("given_name", "family_name", "date_of_birth", "nhs_number"):
        levels = [lv for lv in shipped.levels(name) if not lv.get("is_null_level")]
        assert weight(shipped, name, levels[0]["label_for_charts"]) > 0
        assert weight(shipped, name, levels[-1]["label_for_charts"]) < -4


def test_swapped_names_count_once(shipped):
    swapped = weight(shipped, "given_name", "First name given as the family name") + weight(
        shipped, "family_name", "Family name given as the first name"
    )
    both_exact = weight(shipped, "given_name", "Same first name") + weight(
        shipped, "family_name", "Same family name"
    )
    assert swapped < 1.5 * both_exact


def test_gamma_values_follow_splink_numbering(shipped):
    gammas = [lv["gamma"] for lv in shipped.levels("date_of_birth")]
    assert gammas == [-1, 4, 3, 2, 1, 0]
    assert shipped.labels()["date_of_birth"][0] == "Different date of birth"


def test_the_prior_scales_with_the_size_of_the_frame(shipped):
    small, large = shipped.prior_for(10_000), shipped.prior_for(1_000_000)
    assert small == pytest.approx(100 * large, rel=0.01)
    assert shipped.prior_for(5_000, mode="link", other=4_000) == pytest.approx(1 / 5_000)


def test_the_same_model_can_be_written_in_spark_sql(shipped):
    spark = shipped.settings_for(dialect="spark")
    duck = shipped.settings_for()
    for a, b in zip(spark["comparisons"], duck["comparisons"], strict=True):
        for level_spark, level_duck in zip(
            a["comparison_levels"], b["comparison_levels"], strict=True
        ):
            assert level_spark.get("m_probability") == level_duck.get("m_probability")
            assert '"' not in level_spark["sql_condition"]
    conditions = " ".join(
        lv["sql_condition"] for c in spark["comparisons"] for lv in c["comparison_levels"]
    )
    assert "arrays_overlap(`given_forms_l`, `given_forms_r`)" in conditions
    assert "jaro_winkler(`given_name_l`" in conditions
    assert "list_has_any" not in conditions


def test_save_and_load_round_trip(tmp_path, shipped):
    path = save(shipped, tmp_path / "model.json")
    again = load(path)
    assert again.splink_settings == shipped.splink_settings
    assert again.records == shipped.records


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"link_type": "dedupe_only"}))
    with pytest.raises(ValueError, match="not a Lantern linkage model"):
        load(path)


def test_load_refuses_an_untrained_model(tmp_path, shipped):
    document = linkage_model.as_document(shipped)
    del document["splink_settings"]["comparisons"][0]["comparison_levels"][1]["m_probability"]
    path = tmp_path / "half.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="not fully trained"):
        load(path)


@pytest.fixture(scope="module")
def borough_frame(django_db_setup, django_db_blocker):
    """The session's test borough as one frame, read once for the module."""
    with django_db_blocker.unblock():
        return source_records_frame()


@pytest.mark.django_db
def test_training_is_deterministic_and_complete(borough_frame):
    first = train(borough_frame, seed=3, u_pairs=100_000)
    second = train(borough_frame, seed=3, u_pairs=100_000)
    for a, b in zip(
        first.splink_settings["comparisons"], second.splink_settings["comparisons"], strict=True
    ):
        for level_a, level_b in zip(a["comparison_levels"], b["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if level_a.get(key) is not None:
                    assert level_a[key] == pytest.approx(level_b[key], rel=1e-6)
    assert first.prior == pytest.approx(second.prior, rel=1e-9)
    # Complete: a model trained here can be saved and loaded without gaps.
    assert weight(first, "nhs_number", "Same NHS number") > 8


@pytest.mark.django_db
def test_training_leaves_out_identifiers_no_record_carries(borough_frame):
    frame = borough_frame.assign(upn=None, pnc_id=None)
    trained = train(frame, seed=3, u_pairs=50_000)
    assert "upn" not in trained.comparison_names
    assert "pnc_id" not in trained.comparison_names
    rules = [
        r["blocking_rule"]
        for r in trained.splink_settings["blocking_rules_to_generate_predictions"]
    ]
    assert not any("upn" in rule or "pnc_id" in rule for rule in rules)
