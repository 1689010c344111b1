"""Statutory timescales as data: which deadline each step sets, and when it falls.

The rules are data/timescales.toml, checked when loaded (an unknown unit, a missing
field, a duplicate code or a bad amount stops the load, naming the file and the
entry). `due(code, start)` works out a deadline:

- working_days: the same clock time (Europe/London) on the n-th working day after
  the start's date, counted as `workdays.add_working_days` does (a start on a
  weekend or bank holiday counts from that day, so Saturday + 1 is Monday).
- hours: n hours of elapsed time, nights, weekends and clock changes included
  (72 hours is 72 hours even across the night the clocks go back).
- calendar_months: the same clock time on the same day of the month n months on;
  when that month is shorter the last day of it (31 January + 1 month is 28 or
  29 February; 31 August + 6 months is 28 or 29 February).

England's calendar keeps London's clock whatever the server's time zone. A clock
time that does not exist on the due day (the hour the clocks go forward) is read
with the offset before the change, so 01:30 becomes 02:30 summer time; one that
happens twice (the hour the clocks go back) is the first, the earlier deadline.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import enum
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from lantern.core.datafiles import DataFileError, Field, load_entries

from . import workdays

TIMESCALES_FILE = Path(__file__).parent / "data" / "timescales.toml"
LONDON = ZoneInfo("Europe/London")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class Unit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    CALENDAR_MONTHS = "calendar_months"


RULE_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "description": Field(str),
    "starts_from": Field(str),
    "unit": Field(str, choices=frozenset(Unit)),
    "amount": Field(int),
    "source": Field(str, required=False, default=""),
}


class UnknownRule(KeyError):
    """No timescale rule has this code."""

    def __str__(self) -> str:
        return f"There is no timescale rule {self.args[0]!r} in {TIMESCALES_FILE.name}"


@dataclass(frozen=True)
class TimescaleRule:
    code: str
    name: str
    description: str
    starts_from: str
    unit: Unit
    amount: int
    source: str = ""

    @property
    def period(self) -> str:
        """The timescale in words, e.g. "15 working days"."""
        words = {
            Unit.WORKING_DAYS: ("working day", "working days"),
            Unit.HOURS: ("hour", "hours"),
            Unit.CALENDAR_MONTHS: ("month", "months"),
        }[self.unit]
        return f"{self.amount} {words[self.amount != 1]}"

    def due(self, start: dt.datetime) -> dt.datetime:
        """When a step that started at `start` is due, in UTC as the database keeps it.

        (UTC, not London time: Python subtracts two times that share a zone by their
        clock faces, so 72 hours across the clocks going back would look like 71.)"""
        if not isinstance(start, dt.datetime) or start.utcoffset() is None:
            raise ValueError(f"A deadline needs a start with a time zone, not {start!r}")
        local = start.astimezone(LONDON)
        if self.unit == Unit.HOURS:
            return start.astimezone(dt.UTC) + dt.timedelta(hours=self.amount)
        if self.unit == Unit.WORKING_DAYS:
            day = workdays.add_working_days(local.date(), self.amount)
        else:
            day = add_months(local.date(), self.amount)
        wall = dt.datetime.combine(day, local.time().replace(tzinfo=None, fold=0), tzinfo=LONDON)
        return wall.astimezone(dt.UTC)


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the last day of that month when it is shorter."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(d.day, month_calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Timescales:
    rules: dict[str, TimescaleRule]
    escalation_roles: tuple[str, ...]


def load_timescales(path: Path = TIMESCALES_FILE) -> Timescales:
    """Read and check the rules file."""
    entries = load_entries(path, "rule", RULE_FIELDS)
    rules = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: rule {number} ({entry['code']})"
        if not _CODE.match(entry["code"]):
            raise DataFileError(f"{where}: code must be lower-case words joined by underscores")
        for name in ("name", "description", "starts_from"):
            if not entry[name].strip():
                raise DataFileError(f"{where}: {name} is empty")
        amount = entry["amount"]
        if isinstance(amount, bool) or amount < 1:
            raise DataFileError(f"{where}: amount must be a whole number of at least 1")
        rules[entry["code"]] = TimescaleRule(**{**entry, "unit": Unit(entry["unit"])})
    return Timescales(rules=rules, escalation_roles=_escalation_roles(path))


def _escalation_roles(path: Path) -> tuple[str, ...]:
    from lantern.partners.reference import ROLE_FIELDS, ROLES_FILE

    document = tomllib.loads(path.read_text(encoding="utf-8"))
    section = document.get("escalation")
    roles = section.get("roles") if isinstance(section, dict) else None
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r for r in roles):
        raise DataFileError(
            f"{path.name}: [escalation] needs roles, a list of role codes such as "
            '["team_manager"]: who is told when a deadline is overdue'
        )
    known = {entry["code"] for entry in load_entries(ROLES_FILE, "role", ROLE_FIELDS)}
    unknown = sorted(set(roles) - known)
    if unknown:
        raise DataFileError(
            f"{path.name}: [escalation] names unknown role(s) {', '.join(unknown)} "
            f"(see {ROLES_FILE.name})"
        )
    return tuple(roles)


@functools.cache
def timescales() -> Timescales:
    """The shipped rules, loaded once."""
    return load_timescales()


def rule(code: str) -> TimescaleRule:
    """The rule with this code; UnknownRule (a KeyError) if there is none."""
    try:
        return timescales().rules[code]
    except KeyError:
        raise UnknownRule(code) from None


def due(code: str, start: dt.datetime) -> dt.datetime:
    """When the step governed by rule `code`, started at `start`, is due."""
    return rule(code).due(start)
