"""The front-door scorer: the same numbers as Splink, with the evidence behind them."""

from __future__ import annotations

import copy
import logging
import math

import pandas as pd
import pytest

from lantern.linkage.frames import source_records_frame, truth_frame
from lantern.linkage.model import load
from lantern.linkage.prepare import prepare_frame, prepare_record
from lantern.linkage.scorer import Scorer, blocking_keys, probability, term_frequencies

PRIOR = 1e-4


@pytest.fixture(scope="module")
def borough(django_db_setup, django_db_blocker):
    """The session's test borough, prepared, with its ground truth."""
    with django_db_blocker.unblock():
        frame, truth = source_records_frame(), truth_frame()
    prepared = prepare_frame(frame)
    truth = truth.assign(unique_id=truth["unique_id"].astype(prepared["unique_id"].dtype))
    return prepared, truth.set_index("unique_id")["individual"]


def splink_predictions(prepared: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Splink's own scores for every pair the rule finds, term frequencies from the data."""
    from splink import DuckDBAPI, Linker

    model = load()
    settings = model.settings_for(prior=PRIOR)
    settings["blocking_rules_to_generate_predictions"] = [{"blocking_rule": rule}]
    db_api = DuckDBAPI()
    table = db_api.register(prepared, table_name="records")
    linker = Linker(table, settings, log_level=logging.WARNING)
    return linker.inference.predict(warning_mode="never").as_pandas_dataframe()


@pytest.mark.django_db
def test_the_scorer_agrees_with_splink(borough):
    prepared, _ = borough
    # Same postcode district: near matches and plain strangers, every level exercised.
    predicted = splink_predictions(
        prepared, "l.postcode_district = r.postcode_district AND l.sex = r.sex"
    )
    strong = predicted[predicted["match_weight"] > 0]
    sample = pd.concat(
        [strong, predicted.drop(strong.index).sample(n=min(400, len(predicted)), random_state=1)]
    )
    assert len(sample) >= 300
    records = {r["unique_id"]: r for r in prepared.to_dict("records")}
    scorer = Scorer(term_frequencies=term_frequencies(prepared.to_dict("records")), prior=PRIOR)
    for row in sample.itertuples():
        ours = scorer.score(records[row.unique_id_l], records[row.unique_id_r])
        assert ours.match_weight == pytest.approx(row.match_weight, abs=0.01)
        assert ours.match_probability == pytest.approx(row.match_probability, abs=1e-6)
    # The sample reached the strong levels and the disagreements alike.
    assert (sample["match_weight"] > 10).any() and (sample["match_weight"] < -10).any()


@pytest.mark.django_db
def test_evidence_explains_the_whole_score(borough):
    prepared, individual = borough
    records = prepared.to_dict("records")
    scorer = Scorer(prior=PRIOR)
    by_person: dict[int, list[dict]] = {}
    for r in records:
        by_person.setdefault(individual[r["unique_id"]], []).append(r)
    a, b = next(rs for rs in by_person.values() if len(rs) >= 2)[:2]
    scored = scorer.score(a, b)
    assert len(scored.evidence) == len(scorer.model.comparison_names)
    total = math.log2(PRIOR / (1 - PRIOR)) + sum(e.weight for e in scored.evidence)
    assert scored.match_weight == pytest.approx(total)
    assert scored.match_probability == pytest.approx(probability(total))
    assert scored.for_() and all(e.direction == "for" for e in scored.for_())
    for evidence in scored.evidence:
        assert evidence.label
        assert evidence.bayes_factor == pytest.approx(2**evidence.weight)


def test_evidence_for_and_against_reads_plainly():
    scorer = Scorer(prior=PRIOR)
    query = prepare_record(
        {
            "given_name": "Bill",
            "family_name": "Smith",
            "date_of_birth": "2013-04-05",
            "sex": "M",
            "postcode": "KF1 1AA",
            "address": "1 Mill Road",
        }
    )
    candidate = prepare_record(
        {
            "unique_id": "c",
            "given_name": "William",
            "family_name": "Smith",
            "date_of_birth": "2013-05-04",
            "sex": "F",
            "postcode": "KF1 1AA",
            "address": "1 Mill Road",
            "nhs_number": "9434765919",
        }
    )
    scored = scorer.score(query, candidate)
    labels = {e.comparison: e.label for e in scored.evidence}
    assert labels["given_name"] == "Nickname or formal name (Bill and William)"
    assert labels["date_of_birth"] == "Day and month swapped (03/04 and 04/03)"
    assert labels["nhs_number"] == "NHS number missing"
    assert [e.comparison for e in scored.against()] == ["sex"]
    assert scored.for_()[0].comparison == "address"


def test_a_scorer_refuses_a_model_it_does_not_implement():
    model = copy.deepcopy(load())
    level = model.splink_settings["comparisons"][0]["comparison_levels"][4]
    level["sql_condition"] = "jaro_similarity(given_name_l, given_name_r) > 0.5"
    with pytest.raises(ValueError, match="differ from those the scorer implements"):
        Scorer(model)


def test_term_frequencies_are_shares_of_the_records_with_a_value():
    tf = term_frequencies([{"given_name": "a"}, {"given_name": "a"}, {"given_name": "b"}, {}])
    assert tf["given_name"] == {"a": pytest.approx(2 / 3), "b": pytest.approx(1 / 3)}


def test_blocking_keys_survive_one_slip_each():
    base = {
        "given_name": "William",
        "family_name": "Thompson",
        "date_of_birth": "2013-04-05",
        "sex": "M",
        "postcode": "KF1 1AA",
        "nhs_number": None,
    }
    query = set(blocking_keys(prepare_record(base)))
    slips = [
        {"given_name": "Bill"},
        {"given_name": "Wilam"},
        {"family_name": "Thomson"},
        {"given_name": "Thompson", "family_name": "William"},
        {"date_of_birth": "2013-05-04"},
        {"date_of_birth": None},
        {"postcode": "KF9 9ZZ"},
    ]
    for slip in slips:
        assert query & set(blocking_keys(prepare_record({**base, **slip}))), slip
    assert "nhs:9434765919" in blocking_keys(prepare_record({**base, "nhs_number": "9434765919"}))


@pytest.mark.django_db
def test_the_true_person_is_found_and_ranked_first(borough):
    """Queries built from each record of someone with several differently-spelt
    records: the others are among the candidates, and the person is in the top five."""
    prepared, individual = borough
    records = prepared.to_dict("records")
    index: dict[str, set] = {}
    for r in records:
        for key in blocking_keys(r):
            index.setdefault(key, set()).add(r["unique_id"])
    by_id = {r["unique_id"]: r for r in records}
    people: dict[int, list] = {}
    for r in records:
        people.setdefault(individual[r["unique_id"]], []).append(r)
    scorer = Scorer(term_frequencies=term_frequencies(records), prior=1 / len(people))
    queries = found = top_five = 0
    for members in people.values():
        if len(members) < 2:
            continue
        spelt = {(m["given_name"], m["family_name"], m["date_of_birth"]) for m in members}
        if len(spelt) < 2:
            continue  # only differently-spelt records make a fair question
        for query in members:
            queries += 1
            candidates = set().union(*(index[k] for k in blocking_keys(query))) - {
                query["unique_id"]
            }
            person = individual[query["unique_id"]]
            found += any(individual[c] == person for c in candidates)
            ranked = scorer.rank_people(query, ((individual[c], by_id[c]) for c in candidates))
            top_five += person in [p for p, _ in ranked[:5]]
    assert queries >= 40
    assert found / queries >= 0.99
    assert top_five / queries >= 0.99
