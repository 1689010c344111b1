"""The working-day calendar, checked against numpy's business-day functions (an independent
implementation given the same bank holidays), by hand, and the bank holidays themselves
against the rules that make them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from dateutil.easter import easter
from hypothesis import example, given
from hypothesis import strategies as st

from lantern.core.datafiles import DataFileError
from lantern.timescales import workdays
from lantern.timescales.workdays import CalendarRangeError, load_calendar

CALENDAR = workdays.calendar()
HOLIDAYS = np.array(sorted(CALENDAR.holidays), dtype="datetime64[D]")
FIRST, LAST = dt.date(2018, 1, 1), dt.date(2032, 12, 31)
# Leave room after a start for the longest timescale (45 working days is about 9 weeks).
LAST_START = dt.date(2032, 10, 1)

D = dt.date


def np_offset(d: dt.date, n: int) -> dt.date:
    """numpy's n-th business day, rolling a non-working start back to the working day
    before it: from that day the n-th working day is the n-th after `d` itself."""
    found = np.busday_offset(np.datetime64(d), n, roll="backward", holidays=HOLIDAYS)
    return found.astype(dt.date)


def np_between(a: dt.date, b: dt.date) -> int:
    """numpy counts [a, b) forwards; the calendar counts (a, b]: shift both ends by a day.
    (Backwards numpy counts (b, a], not the mirror of [a, b), so only forwards is asked.)"""
    if b < a:
        return -np_between(b, a)
    one = np.timedelta64(1, "D")
    return int(np.busday_count(np.datetime64(a) + one, np.datetime64(b) + one, holidays=HOLIDAYS))


dates = st.dates(min_value=FIRST, max_value=LAST_START)


@st.composite
def around_year_end(draw) -> dt.date:
    """A day from 20 December to 5 January: Christmas, Boxing Day, New Year, substitutes."""
    year = draw(st.integers(min_value=2018, max_value=2031))
    return D(year, 12, 20) + dt.timedelta(days=draw(st.integers(min_value=0, max_value=16)))


@st.composite
def near_a_holiday(draw) -> dt.date:
    holiday = draw(
        st.sampled_from(sorted(h for h in CALENDAR.holidays if D(2018, 1, 5) <= h <= LAST_START))
    )
    return holiday + dt.timedelta(days=draw(st.integers(min_value=-4, max_value=4)))


starts = st.one_of(dates, around_year_end(), near_a_holiday())


# ---------------------------------------------------------------- against numpy
@given(starts, st.integers(min_value=1, max_value=50))
@example(D(2022, 6, 1), 1)  # the jubilee's Thursday and Friday
@example(D(2021, 12, 24), 1)  # Christmas on a Saturday
@example(D(2026, 12, 26), 1)  # a Saturday before a substitute Monday
def test_adding_working_days_agrees_with_numpy(start, n):
    assert workdays.add_working_days(start, n) == np_offset(start, n)


@given(starts, starts)
def test_counting_working_days_agrees_with_numpy(a, b):
    assert workdays.working_days_between(a, b) == np_between(a, b)


@given(starts)
def test_a_working_day_is_what_numpy_calls_a_business_day(d):
    assert workdays.is_working_day(d) == bool(np.is_busday(np.datetime64(d), holidays=HOLIDAYS))


def test_every_day_of_every_year_agrees_with_numpy():
    """Not a sample: every start from 2018 to late 2032, for the timescales in use."""
    days = np.arange(np.datetime64(FIRST), np.datetime64(LAST_START) + 1)
    for n in (1, 2, 3, 5, 10, 15, 45):
        expected = np.busday_offset(days, n, roll="backward", holidays=HOLIDAYS)
        got = [np.datetime64(workdays.add_working_days(d.astype(dt.date), n)) for d in days]
        mismatches = np.flatnonzero(expected != np.array(got, dtype="datetime64[D]"))
        assert mismatches.size == 0, f"n={n}: first differs at {days[mismatches[0]]}"


# ---------------------------------------------------------------- the convention's promises
@given(starts, st.integers(min_value=0, max_value=50))
def test_counting_undoes_adding(start, n):
    assert workdays.working_days_between(start, workdays.add_working_days(start, n)) == n


@given(starts, st.integers(min_value=1, max_value=50))
def test_the_nth_working_day_is_a_working_day_after_the_start(start, n):
    due = workdays.add_working_days(start, n)
    assert due > start
    assert workdays.is_working_day(due)
    assert workdays.add_working_days(start, n + 1) > due


@given(starts)
def test_the_next_working_day_has_only_days_off_before_it(d):
    following = workdays.next_working_day(d)
    assert following > d and workdays.is_working_day(following)
    day = d + dt.timedelta(days=1)
    while day < following:
        assert not workdays.is_working_day(day)
        day += dt.timedelta(days=1)


@given(starts)
def test_zero_working_days_is_the_day_itself(d):
    assert workdays.add_working_days(d, 0) == d


@given(starts, starts)
def test_counting_backwards_is_negative(a, b):
    assert workdays.working_days_between(a, b) == -workdays.working_days_between(b, a)


# ---------------------------------------------------------------- worked by hand
@pytest.mark.parametrize(
    ("start", "n", "due", "why"),
    [
        (D(2025, 4, 17), 1, D(2025, 4, 22), "Maundy Thursday: Good Friday, weekend, Easter Monday"),
        (D(2024, 3, 28), 2, D(2024, 4, 3), "Easter 2024 at the end of March"),
        (D(2021, 12, 24), 1, D(2021, 12, 29), "Christmas Saturday: 27 and 28 are substitutes"),
        (D(2022, 12, 23), 1, D(2022, 12, 28), "Christmas Sunday: 26 Boxing Day, 27 substitute"),
        (D(2020, 12, 24), 1, D(2020, 12, 29), "Boxing Day Saturday: substitute 28 December"),
        (D(2021, 12, 31), 1, D(2022, 1, 4), "New Year's Day Saturday: substitute 3 January"),
        (D(2022, 12, 30), 1, D(2023, 1, 3), "New Year's Day Sunday: substitute 2 January"),
        (D(2022, 6, 1), 1, D(2022, 6, 6), "Platinum Jubilee: Thursday and Friday off"),
        (D(2022, 5, 27), 1, D(2022, 5, 30), "2022's spring bank holiday moved off 30 May"),
        (D(2022, 9, 16), 1, D(2022, 9, 20), "the state funeral, Monday 19 September"),
        (D(2020, 5, 7), 1, D(2020, 5, 11), "VE day: early May bank holiday on Friday 8th"),
        (D(2020, 5, 1), 1, D(2020, 5, 4), "so Monday 4 May 2020 was a working day"),
        (D(2023, 5, 5), 1, D(2023, 5, 9), "the coronation, Monday 8 May 2023"),
        (D(2026, 11, 7), 1, D(2026, 11, 9), "a Saturday start: the first working day after"),
        (D(2026, 11, 2), 45, D(2027, 1, 7), "an assessment over Christmas 2026"),
        (D(2026, 11, 2), 0, D(2026, 11, 2), "day 0 is the day itself"),
    ],
)
def test_worked_examples(start, n, due, why):
    assert workdays.add_working_days(start, n) == due, why
    assert workdays.working_days_between(start, due) == n


def test_next_working_day_and_days_off():
    assert workdays.next_working_day(D(2025, 12, 24)) == D(2025, 12, 29)
    assert not workdays.is_working_day(D(2022, 9, 19))
    assert workdays.is_working_day(D(2020, 5, 4))
    assert workdays.working_days_between(D(2025, 12, 19), D(2026, 1, 2)) == 7


def test_outside_the_years_held_is_an_error_not_a_guess():
    with pytest.raises(CalendarRangeError, match="2018 to 2032"):
        workdays.is_working_day(D(2033, 1, 3))
    with pytest.raises(CalendarRangeError, match=r"bank_holidays\.toml"):
        workdays.add_working_days(D(2017, 12, 29), 1)
    with pytest.raises(CalendarRangeError, match="past 2032-12-31"):
        workdays.add_working_days(D(2032, 12, 20), 10)


def test_a_time_is_not_a_date():
    with pytest.raises(TypeError):
        workdays.add_working_days(dt.datetime(2026, 11, 2, 9, 0), 1)
    with pytest.raises(ValueError, match=">= 0"):
        workdays.add_working_days(D(2026, 11, 2), -1)


# ---------------------------------------------------------------- the data itself
def independent_holidays(year: int) -> set[dt.date]:
    """England and Wales bank holidays by their usual rules, with the one-off changes."""

    def monday_on_or_after(d: dt.date) -> dt.date:
        return d + dt.timedelta(days=(7 - d.weekday()) % 7)

    def last_monday(month: int) -> dt.date:
        after = D(year + (month == 12), month % 12 + 1, 1)
        return monday_on_or_after(after - dt.timedelta(days=7))

    days = {
        easter(year) - dt.timedelta(days=2),
        easter(year) + dt.timedelta(days=1),
        monday_on_or_after(D(year, 5, 1)),
        last_monday(5),
        last_monday(8),
    }
    new_year = D(year, 1, 1)
    days.add(new_year if new_year.weekday() < 5 else monday_on_or_after(new_year))
    # Christmas and Boxing Day: each weekend one moves to the next weekday not taken.
    for day in (D(year, 12, 25), D(year, 12, 26)):
        while day.weekday() >= 5 or day in days:
            day += dt.timedelta(days=1)
        days.add(day)
    one_offs = {
        2020: ({D(2020, 5, 4)}, {D(2020, 5, 8)}),
        2022: ({D(2022, 5, 30)}, {D(2022, 6, 2), D(2022, 6, 3), D(2022, 9, 19)}),
        2023: (set(), {D(2023, 5, 8)}),
    }
    removed, added = one_offs.get(year, (set(), set()))
    return (days - removed) | added


@pytest.mark.parametrize("year", range(2018, 2033))
def test_the_file_holds_each_years_bank_holidays(year):
    held = {d for d in CALENDAR.holidays if d.year == year}
    assert held == independent_holidays(year)


def test_dates_published_by_the_government_for_2026():
    held = sorted(d for d in CALENDAR.holidays if d.year == 2026)
    assert held == [
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),
    ]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bank_holidays.toml"
    years = "first_year = 2030\nlast_year = 2030\n"
    path.write_text(years + body, encoding="utf-8")
    return path


def a_full_year(*, skip: str = "") -> str:
    days = sorted(independent_holidays(2030))
    return "".join(
        f'[[holiday]]\ndate = {d.isoformat()}\nname = "Holiday {i}"\n'
        for i, d in enumerate(days)
        if d.isoformat() != skip
    )


def test_a_well_formed_file_loads(tmp_path):
    calendar = load_calendar(write(tmp_path, a_full_year()))
    assert calendar.first == D(2030, 1, 1) and calendar.last == D(2030, 12, 31)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('[[holiday]]\ndate = 2030-12-28\nname = "A Saturday"\n', "Saturday is a weekend"),
        ('[[holiday]]\ndate = 2030-12-02\nname = "Early"\n', "not after the holiday before"),
        ('[[holiday]]\ndate = 2030-12-26\nname = "Again"\n', "not after the holiday before"),
        ('[[holiday]]\ndate = 2030-12-30\nname = ""\n', "needs a name"),
        ("[[holiday]]\ndate = 2030-12-30\n", "needs a name"),
        ('[[holiday]]\ndate = "30 December 2030"\nname = "Words"\n', "is not a date"),
        ('[[holiday]]\ndate = 2030-13-01\nname = "No such month"\n', "cannot be read"),
        ('[[holiday]]\ndate = 2031-01-01\nname = "Next year"\n', "outside first_year"),
        ('[[holiday]]\ndate = 2030-12-30\nname = "X"\nnote = "?"\n', "unknown key(s) note"),
    ],
)
def test_a_broken_file_is_refused_naming_the_entry(tmp_path, extra, problem):
    with pytest.raises(DataFileError) as refused:
        load_calendar(write(tmp_path, a_full_year() + extra))
    message = str(refused.value)
    assert message.startswith("bank_holidays.toml")
    assert problem in message


def test_an_unfinished_year_is_refused(tmp_path):
    path = write(tmp_path, a_full_year(skip="2030-12-25"))
    with pytest.raises(DataFileError, match="2030 has 7 bank holidays"):
        load_calendar(path)


def test_a_string_date_in_iso_form_is_accepted(tmp_path):
    body = a_full_year().replace("date = 2030-12-26", 'date = "2030-12-26"')
    assert D(2030, 12, 26) in load_calendar(write(tmp_path, body)).holidays
