"""Working days in England and Wales: weekdays that are not bank holidays.

The bank holidays are data (data/bank_holidays.toml), checked when loaded and
never fetched at run time. A date outside the years the file covers is an error
(`CalendarRangeError`), never a guess: a deadline silently computed without next
year's holidays would be wrong by a day without anyone noticing.

Counting convention, kept simple so that anyone can work a deadline out by hand:

- `add_working_days(d, n)` is the n-th working day after `d`; `d` itself is day 0,
  whether or not it is a working day. So a referral received on Saturday with one
  working day to decide is due on Monday, the first working day after receipt: a
  weekend never adds a day of its own. (`add_working_days(d, 0)` is `d`.)
- `working_days_between(a, b)` counts the working days after `a` up to and
  including `b`, so that `working_days_between(d, add_working_days(d, n)) == n`
  for every `d`; it is negative when `b` is before `a`.
- `next_working_day(d)` is the first working day after `d` (strictly after).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import DataFileError

BANK_HOLIDAYS_FILE = Path(__file__).parent / "data" / "bank_holidays.toml"
# A year with fewer than this many is a year someone forgot to finish.
FEWEST_A_YEAR = 8


class CalendarRangeError(ValueError):
    """A date outside the years whose bank holidays Lantern holds."""


@dataclass(frozen=True)
class BankHoliday:
    date: dt.date
    name: str


class WorkingCalendar:
    """Weekdays minus bank holidays, between 1 January of the first year and 31 December of
    the last year the data covers."""

    def __init__(self, holidays: list[BankHoliday], first_year: int, last_year: int):
        self.holidays = {h.date: h.name for h in holidays}
        self.first = dt.date(first_year, 1, 1)
        self.last = dt.date(last_year, 12, 31)
        day, working = self.first, []
        while day <= self.last:
            if day.weekday() < 5 and day not in self.holidays:
                working.append(day)
            day += dt.timedelta(days=1)
        self._working = working

    def _check(self, d: dt.date) -> None:
        if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
            raise TypeError(f"A working-day calculation needs a date, not {d!r}")
        if not self.first <= d <= self.last:
            raise CalendarRangeError(
                f"{d.isoformat()} is outside the working-day calendar, which holds bank "
                f"holidays for {self.first.year} to {self.last.year} only: add the year's "
                f"bank holidays to {BANK_HOLIDAYS_FILE.name}"
            )

    def _working_up_to(self, d: dt.date) -> int:
        """How many working days there are in the calendar up to and including `d`."""
        return bisect.bisect_right(self._working, d)

    def is_working_day(self, d: dt.date) -> bool:
        self._check(d)
        return d.weekday() < 5 and d not in self.holidays

    def holiday_name(self, d: dt.date) -> str | None:
        self._check(d)
        return self.holidays.get(d)

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        self._check(d)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"The number of working days must be a whole number >= 0, not {n!r}")
        if n == 0:
            return d
        index = self._working_up_to(d) + n - 1
        if index >= len(self._working):
            raise CalendarRangeError(
                f"{n} working days after {d.isoformat()} is past {self.last.isoformat()}, the "
                f"end of the working-day calendar: add the next year's bank holidays to "
                f"{BANK_HOLIDAYS_FILE.name}"
            )
        return self._working[index]

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        self._check(a)
        self._check(b)
        return self._working_up_to(b) - self._working_up_to(a)

    def next_working_day(self, d: dt.date) -> dt.date:
        return self.add_working_days(d, 1)


def _parse_date(value, where: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise DataFileError(f"{where}: date must be a date such as 2025-12-25, not {value!r}")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise DataFileError(
                f"{where}: date {value!r} is not a date such as 2025-12-25"
            ) from None
    return value


def load_calendar(path: Path = BANK_HOLIDAYS_FILE) -> WorkingCalendar:
    """Read and check the bank holidays file. Any problem names the file and the entry."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{path.name}: cannot be read: {exc}") from exc
    unknown = set(document) - {"first_year", "last_year", "holiday"}
    if unknown:
        raise DataFileError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}")
    years = []
    for key in ("first_year", "last_year"):
        value = document.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataFileError(f"{path.name}: {key} must be a year such as 2030")
        years.append(value)
    first_year, last_year = years
    if first_year > last_year:
        raise DataFileError(f"{path.name}: first_year is after last_year")
    entries = document.get("holiday")
    if not isinstance(entries, list) or not entries:
        raise DataFileError(f"{path.name}: has no [[holiday]] entries")
    holidays: list[BankHoliday] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: holiday {number} ({entry.get('date', 'no date')})"
        unknown = set(entry) - {"date", "name"}
        if unknown:
            raise DataFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if "date" not in entry:
            raise DataFileError(f"{where}: missing date")
        day = _parse_date(entry["date"], where)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DataFileError(f'{where}: needs a name, such as "Boxing Day"')
        if day.weekday() >= 5:
            raise DataFileError(
                f"{where}: {day:%A} is a weekend already; list the substitute weekday instead"
            )
        if not first_year <= day.year <= last_year:
            raise DataFileError(f"{where}: is outside first_year..last_year")
        if holidays and day <= holidays[-1].date:
            raise DataFileError(
                f"{where}: is not after the holiday before it ({holidays[-1].date.isoformat()}): "
                "keep the dates in order, each once"
            )
        holidays.append(BankHoliday(day, name.strip()))
    for year in range(first_year, last_year + 1):
        count = sum(1 for h in holidays if h.date.year == year)
        if count < FEWEST_A_YEAR:
            raise DataFileError(
                f"{path.name}: {year} has {count} bank holidays; every year has at least "
                f"{FEWEST_A_YEAR}, so the year looks unfinished"
            )
    return WorkingCalendar(holidays, first_year, last_year)


@functools.cache
def calendar() -> WorkingCalendar:
    """The calendar from the shipped file, loaded once."""
    return load_calendar()


def is_working_day(d: dt.date) -> bool:
    return calendar().is_working_day(d)


def add_working_days(d: dt.date, n: int) -> dt.date:
    return calendar().add_working_days(d, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    return calendar().working_days_between(a, b)


def next_working_day(d: dt.date) -> dt.date:
    return calendar().next_working_day(d)
