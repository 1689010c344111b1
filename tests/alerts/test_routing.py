"""Routing helpers: when a school must know by, and the alert steps in the partnership's
roles-and-responsibilities table."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.alerts.routing import before_next_school_day
from lantern.casework.responsibilities import (
    ALERT_STEPS,
    RESPONSIBILITIES_FILE,
    load_responsibilities,
)
from lantern.core.datafiles import DataFileError

UTC = dt.UTC


@pytest.mark.parametrize(
    ("moment", "know_by"),
    [
        # Tuesday 10 November 2026 (GMT), 07:00: school starts the same morning
        (dt.datetime(2026, 11, 10, 7, 0, tzinfo=UTC), dt.datetime(2026, 11, 10, 8, 30, tzinfo=UTC)),
        # ... 08:30 exactly has started: the next day
        (
            dt.datetime(2026, 11, 10, 8, 30, tzinfo=UTC),
            dt.datetime(2026, 11, 11, 8, 30, tzinfo=UTC),
        ),
        # Saturday: Monday
        (dt.datetime(2026, 11, 14, 2, 0, tzinfo=UTC), dt.datetime(2026, 11, 16, 8, 30, tzinfo=UTC)),
        # Friday evening before the August bank holiday (summer time): Tuesday 08:30 BST
        (dt.datetime(2026, 8, 28, 21, 0, tzinfo=UTC), dt.datetime(2026, 9, 1, 7, 30, tzinfo=UTC)),
        # 23:30 UTC on Sunday 30 August is 00:30 on the bank holiday Monday in London
        (dt.datetime(2026, 8, 30, 23, 30, tzinfo=UTC), dt.datetime(2026, 9, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_before_the_next_school_day(moment, know_by):
    assert before_next_school_day(moment) == know_by


def test_every_alert_step_is_in_the_shipped_table():
    table = load_responsibilities()
    for code in ALERT_STEPS:
        step = table.step(code)
        assert step.recorded_by and step.responsible
    assert table.step("health_alert").team == "safeguarding"
    assert table.step("exploitation_alert").team == ""  # children's services: the front door


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('team = "safeguarding"', 'team = "Safeguarding Team"', "must be a team code"),
        (
            'code = "referral_decision"',
            'code = "referral_decision"\nteam = "front-door"',
            "only an alert step names the team",
        ),
    ],
)
def test_a_bad_alert_team_is_refused(tmp_path, old, new, words):
    text = RESPONSIBILITIES_FILE.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "responsibilities.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=words):
        load_responsibilities(bad)
