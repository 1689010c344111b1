"""Timescale rules: the shipped file, deadlines worked out from them, and refusing a broken
file with the file and the entry named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from lantern.core.datafiles import DataFileError
from lantern.timescales import rules, workdays
from lantern.timescales.rules import LONDON, Unit, UnknownRule, load_timescales

HOLIDAYS = np.array(sorted(workdays.calendar().holidays), dtype="datetime64[D]")


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("code", "unit", "amount"),
    [
        ("referral_decision", Unit.WORKING_DAYS, 1),
        ("assessment", Unit.WORKING_DAYS, 45),
        ("initial_conference", Unit.WORKING_DAYS, 15),
        ("first_core_group", Unit.WORKING_DAYS, 10),
        ("first_review_conference", Unit.CALENDAR_MONTHS, 3),
        ("review_conference", Unit.CALENDAR_MONTHS, 6),
        ("return_home_interview", Unit.HOURS, 72),
        ("information_request_red", Unit.HOURS, 2),
        ("information_request_amber", Unit.HOURS, 6),
        ("information_request_green", Unit.WORKING_DAYS, 1),
    ],
)
def test_the_statutory_timescales_are_in_the_file(code, unit, amount):
    found = rules.rule(code)
    assert (found.unit, found.amount) == (unit, amount)
    assert found.name and found.description and found.starts_from


def test_an_unknown_rule_says_so():
    with pytest.raises(UnknownRule, match="no timescale rule 'fortnightly_visit'"):
        rules.rule("fortnightly_visit")


def test_managers_are_told_of_overdue_deadlines():
    assert rules.timescales().escalation_roles == ("team_manager",)


# ---------------------------------------------------------------- deadlines, by hand
@pytest.mark.parametrize(
    ("code", "start", "due"),
    [
        # Received on Thursday before Easter 2025 at 16:40: due the Tuesday after, same time.
        ("referral_decision", london(2025, 4, 17, 16, 40), london(2025, 4, 22, 16, 40)),
        # Received on a Saturday: due the Monday, the first working day after.
        ("referral_decision", london(2026, 11, 7, 10, 0), london(2026, 11, 9, 10, 0)),
        # Christmas on a Saturday (2027): 27 and 28 December are substitute days.
        ("referral_decision", london(2027, 12, 24, 9, 0), london(2027, 12, 29, 9, 0)),
        # Over the jubilee: 2 and 3 June 2022 were bank holidays.
        ("information_request_green", london(2022, 6, 1, 11, 0), london(2022, 6, 6, 11, 0)),
        ("assessment", london(2026, 11, 2, 14, 0), london(2027, 1, 7, 14, 0)),
        ("initial_conference", london(2026, 12, 14, 10, 0), london(2027, 1, 7, 10, 0)),
        ("first_core_group", london(2022, 9, 12, 13, 0), london(2022, 9, 27, 13, 0)),
        # Calendar months: the same day, or the month's last when it is shorter.
        ("first_review_conference", london(2026, 11, 30, 10, 0), london(2027, 2, 28, 10, 0)),
        ("first_review_conference", london(2027, 11, 30, 10, 0), london(2028, 2, 29, 10, 0)),
        ("review_conference", london(2027, 8, 31, 15, 0), london(2028, 2, 29, 15, 0)),
        ("review_conference", london(2026, 1, 15, 15, 0), london(2026, 7, 15, 15, 0)),
        # Hours run through nights and weekends.
        ("information_request_red", london(2026, 11, 6, 23, 30), london(2026, 11, 7, 1, 30)),
        ("information_request_amber", london(2026, 11, 6, 16, 0), london(2026, 11, 6, 22, 0)),
        ("return_home_interview", london(2026, 11, 6, 18, 0), london(2026, 11, 9, 18, 0)),
    ],
)
def test_worked_examples(code, start, due):
    assert rules.due(code, start) == due


def test_a_working_day_deadline_keeps_the_clock_time_across_the_clocks_going_forward():
    due = rules.due("referral_decision", london(2026, 3, 27, 10, 0))  # a Friday, GMT
    assert due.astimezone(LONDON).hour == 10
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)  # BST


def test_72_hours_are_72_hours_across_the_clocks_going_back():
    start = london(2026, 10, 23, 10, 0)  # summer time; the clocks go back on the 25th
    due = rules.due("return_home_interview", start)
    assert due - start == dt.timedelta(hours=72)
    assert due.astimezone(LONDON).hour == 9


def test_a_start_in_utc_is_read_as_london_time():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: the day counted from is 1 July.
    start = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert rules.due("referral_decision", start) == london(2026, 7, 2, 0, 30)


def test_a_start_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        rules.due("referral_decision", dt.datetime(2026, 11, 2, 9, 0))


def test_past_the_calendar_is_an_error():
    with pytest.raises(workdays.CalendarRangeError):
        rules.due("assessment", london(2032, 12, 1, 9, 0))


# ---------------------------------------------------------------- deadlines, by property
moments = st.datetimes(
    min_value=dt.datetime(2018, 1, 1), max_value=dt.datetime(2032, 9, 30, 23, 59)
).map(lambda naive: naive.replace(tzinfo=LONDON))
working_day_rules = sorted(
    r.code for r in rules.timescales().rules.values() if r.unit == Unit.WORKING_DAYS
)


@given(moments, st.sampled_from(working_day_rules))
def test_working_day_deadlines_agree_with_numpy(start, code):
    due = rules.due(code, start).astimezone(LONDON)
    local = start.astimezone(LONDON)
    expected = np.busday_offset(
        np.datetime64(local.date()), rules.rule(code).amount, roll="backward", holidays=HOLIDAYS
    ).astype(dt.date)
    assert due.date() == expected
    assert (due.hour, due.minute, due.second) == (local.hour, local.minute, local.second)


@given(moments, st.sampled_from(["first_review_conference", "review_conference"]))
def test_month_deadlines_agree_with_dateutil(start, code):
    local = start.astimezone(LONDON)
    expected = local.date() + relativedelta(months=rules.rule(code).amount)
    due = rules.due(code, start).astimezone(LONDON)
    assert due.date() == expected


@given(moments, st.sampled_from(["return_home_interview", "information_request_red"]))
def test_hour_deadlines_are_elapsed_time(start, code):
    assert rules.due(code, start) - start == dt.timedelta(hours=rules.rule(code).amount)


# ---------------------------------------------------------------- broken files are refused
GOOD_RULE = """
[[rule]]
code = "visit"
name = "Visit"
description = "See the child."
starts_from = "The plan starts"
unit = "working_days"
amount = 5
"""
ESCALATION = '[escalation]\nroles = ["team_manager"]\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "timescales.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_file_loads(tmp_path):
    loaded = load_timescales(write(tmp_path, ESCALATION + GOOD_RULE))
    assert loaded.rules["visit"].period == "5 working days"


@pytest.mark.parametrize(
    ("rule_text", "problem"),
    [
        (GOOD_RULE.replace("working_days", "fortnights"), "unit has unknown value(s) fortnights"),
        (GOOD_RULE.replace('name = "Visit"\n', ""), "missing name"),
        (GOOD_RULE.replace("amount = 5", "amount = 0"), "amount must be a whole number"),
        (GOOD_RULE.replace("amount = 5", "amount = true"), "amount must be a whole number"),
        (GOOD_RULE.replace("amount = 5", 'amount = "5"'), "amount has the wrong type"),
        (GOOD_RULE.replace("amount = 5", "amount = 1.5"), "amount has the wrong type"),
        (GOOD_RULE.replace('"visit"', '"Home visit"'), "code must be lower-case"),
        (GOOD_RULE.replace('"See the child."', '"  "'), "description is empty"),
        (GOOD_RULE + 'colour = "red"\n', "unknown key(s) colour"),
        (GOOD_RULE + GOOD_RULE, "code 'visit' appears twice"),
    ],
)
def test_a_broken_rule_is_refused_naming_file_and_entry(tmp_path, rule_text, problem):
    with pytest.raises(DataFileError) as refused:
        load_timescales(write(tmp_path, ESCALATION + rule_text))
    message = str(refused.value)
    assert message.startswith("timescales.toml: rule ")
    assert "(visit)" in message or "(Home visit)" in message
    assert problem in message


@pytest.mark.parametrize(
    ("escalation", "problem"),
    [
        ("", "[escalation] needs roles"),
        ("[escalation]\nroles = []\n", "[escalation] needs roles"),
        ('[escalation]\nroles = ["head_teacher"]\n', "unknown role(s) head_teacher"),
    ],
)
def test_escalation_must_name_known_roles(tmp_path, escalation, problem):
    with pytest.raises(DataFileError, match=r"timescales\.toml") as refused:
        load_timescales(write(tmp_path, escalation + GOOD_RULE))
    assert problem in str(refused.value)


def test_a_file_with_no_rules_is_refused(tmp_path):
    with pytest.raises(DataFileError, match=r"no \[\[rule\]\] entries"):
        load_timescales(write(tmp_path, ESCALATION))
