"""The roles-and-responsibilities table: the shipped file loads, and a bad file is refused
naming the step and the problem."""

from __future__ import annotations

import pytest

from lantern.casework.responsibilities import (
    RESPONSIBILITIES_FILE,
    STEPS,
    load_responsibilities,
    step,
)
from lantern.core.datafiles import DataFileError


def test_the_shipped_table_covers_every_step():
    table = load_responsibilities()
    assert set(table.steps) == set(STEPS)
    sd = step("strategy_discussion")
    assert sd.accountable == "childrens_services"
    assert set(sd.must_take_part) >= {"childrens_services", "police", "nhs"}
    assert ("Police force", "C") in sd.rows()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            'consulted = ["police", "nhs", "school"]\ninformed = ["youth_service"]',
            'consulted = ["police", "nhs", "school"]\ninformed = ["school"]',
            "both consulted and informed",
        ),
        ('accountable = ["police"]', 'accountable = ["police", "voluntary"]', "exactly one"),
        ('informed = ["national_police_unit"]', 'informed = ["coastguard"]', "coastguard"),
        (
            'recorded_by = ["police_officer", "support_worker"]',
            'recorded_by = ["police_officer", "wizard"]',
            "unknown role 'wizard'",
        ),
        (
            'recorded_by = ["police_officer", "support_worker"]',
            'recorded_by = ["school_safeguarding_lead"]',
            "does not work in a responsible",
        ),
        (
            'must_take_part = ["childrens_services", "police", "nhs"]',
            'must_take_part = ["childrens_services", "police"]',
            "must_take_part must include nhs",
        ),
        ('code = "marac"', 'code = "mace"', "appears twice"),
        (
            'roles = ["social_worker", "team_manager", "front_door_social_worker"]',
            "roles = []",
            "[case] needs roles",
        ),
    ],
)
def test_a_bad_table_is_refused_with_the_reason(tmp_path, old, new, words):
    text = RESPONSIBILITIES_FILE.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "responsibilities.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_responsibilities(bad)
    assert words in str(caught.value)


def test_a_missing_step_is_named(tmp_path):
    text = RESPONSIBILITIES_FILE.read_text(encoding="utf-8")
    cut = text[: text.index('[[step]]\ncode = "marac"')]
    bad = tmp_path / "responsibilities.toml"
    bad.write_text(cut, encoding="utf-8")
    with pytest.raises(DataFileError, match="no entry for step"):
        load_responsibilities(bad)
