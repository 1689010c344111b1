"""Alert rules as data: the partnership's rules (data/rules/*.toml), read and checked.

A rule says which facts, in what numbers and within how many days, make a person worth
an alert; who the alert goes to (a step in the roles-and-responsibilities table); what
must be done (tasks per agency kind) and who else is told. The schema is described at the
top of every rules file. A mistake stops the load with the file, the rule and the field:
a rule that silently never fires is worse than no rule.

    rules.load(path)   every rule in a file, or in every *.toml file of a directory
    rules.shipped()    the rules in this app's data/rules/, on or off (loaded once)
    rules.active()     the shipped rules that are switched on
    rules.rule(code)   one shipped rule, on or off
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lantern.core.datafiles import DataFileError

RULES_DIR = Path(__file__).parent / "data" / "rules"

RISK_ASSESSMENT = "risk_assessment"  # the kind of fact a completed risk tool becomes
NETWORK_LINK = "network_link"  # the kind of fact a network link becomes, for each person in it
STATUSES = ("on", "off")
SEVERITIES = ("high", "medium")
SUBJECTS = ("person", "children_at_address")
ABOUT = ("children", "adults", "anyone")
NOTIFY_BY = ("now", "before_next_school_day")
# Fact fields a `where` filter may name; every other key is read from the fact's details.
FACT_FIELDS = ("sensitivity", "postcode", "agency_id")
CHILD_AGE = 18
LONGEST_WINDOW = 3660  # ten years: more than that is a typo, not a rule
CODE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")

RULE_KEYS = (
    "code",
    "version",
    "name",
    "description",
    "status",
    "severity",
    "route",
    "subject",
    "about",
    "window_days",
    "repeat_after_days",
    "when",
    "tasks",
    "notify",
    "notify_by",
)
WHEN_KEYS = (
    "kind",
    "at_least",
    "within_days",
    "where",
    "shared_by",
    "people_at_least",
    "others_at_risk",
)
TASK_KEYS = ("agency_kind", "text", "due_working_days")


class RuleFileError(DataFileError):
    """A rules file that cannot be trusted: names the file, the rule and the field."""


@dataclass(frozen=True, slots=True)
class Task:
    agency_kind: str  # the kind of agency that must do it (partners AgencyKind)
    text: str
    due_working_days: int


@dataclass(frozen=True, slots=True)
class Condition:
    """One [[rule.when]]: facts of one kind that must be present within `within_days`
    of the newest fact.

    A plain condition needs `at_least` matching facts about the subject. A shared
    condition (`shared_by`) also needs one of those facts to carry a value (e.g. the
    same adult, or the same vehicle) that facts about at least `people_at_least`
    different people carry within the same days. With `others_at_risk`, the OTHER people
    count only if they are children at risk on the day the rule is evaluated (the
    engine's `at_risk` lookup: facts.children_at_risk decides who is); the subject counts
    whether or not they are.
    """

    kind: str
    at_least: int
    within_days: int
    where: tuple[tuple[str, tuple], ...] = ()  # (key, allowed values): all must hold
    shared_by: tuple[tuple[str, ...], ...] = ()  # alternatives, each one or more details keys
    people_at_least: int = 2
    others_at_risk: bool = False

    @property
    def within(self) -> dt.timedelta:
        return dt.timedelta(days=self.within_days)

    def matches(self, fact) -> bool:
        """The fact is of this kind and passes every `where` filter."""
        if fact.kind != self.kind:
            return False
        for key, allowed in self.where:
            value = getattr(fact, key) if key in FACT_FIELDS else fact.details.get(key)
            if isinstance(value, list | tuple):
                if not any(_same(v, allowed) for v in value):
                    return False
            elif not _same(value, allowed):
                return False
        return True

    def shared_value(self, fact, alternative: int) -> tuple | None:
        """What the fact shares under one `shared_by` alternative (None when it lacks it).
        Text is compared without case or extra spaces, so "Jon  SMITH" is "jon smith"."""
        found = []
        for key in self.shared_by[alternative]:
            value = _normal(fact.details.get(key))
            if value is None or value == "":
                return None
            found.append(value)
        return tuple(found)


def _same(value, allowed: tuple) -> bool:
    # True == 1 in Python; a filter on a yes/no must not match a count of one.
    return any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in allowed)


def _normal(value):
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return tuple(_normal(v) for v in value)
    if isinstance(value, dict):
        return None
    return value


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    version: int
    name: str
    description: str  # plain English, shown on every alert the rule raises
    status: str  # "on" | "off"
    severity: str  # "high" | "medium"
    route: str  # a step code in casework/data/responsibilities.toml
    subject: str  # "person" | "children_at_address"
    about: str  # whose facts count: "children" (under 18 when it happened), "adults", "anyone"
    window_days: int
    repeat_after_days: int
    when: tuple[Condition, ...]
    tasks: tuple[Task, ...] = ()
    notify: tuple[str, ...] = ()  # role codes told at once
    notify_by: str = "now"  # "now" | "before_next_school_day"
    file: str = ""  # the file the rule came from, for messages

    @property
    def watches(self) -> frozenset[str]:
        """The kinds of fact the rule reads."""
        return frozenset(c.kind for c in self.when)

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(days=self.window_days)

    @property
    def is_on(self) -> bool:
        return self.status == "on"


# ---------------------------------------------------------------------- what a rule may name


@functools.cache
def event_type_codes() -> frozenset[str]:
    from lantern.core.datafiles import load_entries
    from lantern.people.reference import EVENT_TYPE_FIELDS, EVENT_TYPES_FILE

    entries = load_entries(EVENT_TYPES_FILE, "event_type", EVENT_TYPE_FIELDS)
    return frozenset(e["code"] for e in entries)


def fact_kinds() -> frozenset[str]:
    """Every kind of fact a rule may watch: the event types, completed risk tools, and
    network links (lantern.network)."""
    return event_type_codes() | {RISK_ASSESSMENT, NETWORK_LINK}


@functools.cache
def role_codes() -> frozenset[str]:
    from lantern.core.datafiles import load_entries
    from lantern.partners.reference import ROLE_FIELDS, ROLES_FILE

    return frozenset(e["code"] for e in load_entries(ROLES_FILE, "role", ROLE_FIELDS))


def step_codes() -> frozenset[str]:
    from lantern.casework import responsibilities

    return frozenset(responsibilities.responsibilities().steps)


def agency_kinds() -> frozenset[str]:
    from lantern.partners.models import AgencyKind

    return frozenset(AgencyKind.values)


# ---------------------------------------------------------------------- loading


class _Checker:
    """Reads one [[rule]] table, naming the file, the rule and the field in every refusal."""

    def __init__(self, file: str, number: int, entry: Mapping):
        self.file = file
        code = entry.get("code") if isinstance(entry, Mapping) else None
        self.rule = f"rule {code}" if isinstance(code, str) and code else f"rule {number} (no code)"
        self.entry = entry

    def refuse(self, field: str, problem: str):
        raise RuleFileError(f"{self.file}: {self.rule}: {field}: {problem}")

    def unknown_keys(self, table: Mapping, allowed: Iterable[str], where: str) -> None:
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            field = f"{where}.{unknown[0]}" if where else unknown[0]
            self.refuse(
                field,
                f"unknown field (known: {', '.join(allowed)})",
            )

    def text(self, table: Mapping, key: str, where: str = "", *, required=True, default=""):
        field = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                self.refuse(field, "missing")
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.refuse(field, f"must be non-empty text, not {value!r}")
        return " ".join(value.split())

    def choice(self, table: Mapping, key: str, choices, where: str = "", *, default=None):
        field = f"{where}.{key}" if where else key
        if key not in table:
            if default is None:
                self.refuse(field, f"missing (one of {', '.join(sorted(choices))})")
            return default
        value = table[key]
        if not isinstance(value, str) or value not in choices:
            self.refuse(field, f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value

    def number(
        self, table: Mapping, key: str, where: str = "", *, low: int, high: int, default=None
    ) -> int:
        field = f"{where}.{key}" if where else key
        if key not in table:
            if default is None:
                self.refuse(field, "missing")
            return default
        value = table[key]
        # bool is an int in Python; `at_least = true` is a typo, not a one.
        if isinstance(value, bool) or not isinstance(value, int):
            self.refuse(field, f"must be a whole number, not {value!r}")
        if not low <= value <= high:
            self.refuse(field, f"{value} is outside {low} to {high}")
        return value

    def text_list(self, table: Mapping, key: str, where: str = "") -> list[str]:
        field = f"{where}.{key}" if where else key
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.refuse(field, f"must be a list of codes, not {value!r}")
        if len(set(value)) != len(value):
            self.refuse(field, "names the same code twice")
        return value

    def table_list(self, key: str) -> list[Mapping]:
        value = self.entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.refuse(key, f"must be written as [[rule.{key}]] tables")
        return value


def _condition(check: _Checker, table: Mapping, number: int, window_days: int) -> Condition:
    where = f"when[{number}]"
    check.unknown_keys(table, WHEN_KEYS, where)
    kind = check.text(table, "kind", where)
    if kind not in fact_kinds():
        check.refuse(f"{where}.kind", f"unknown event type {kind!r}")
    at_least = check.number(table, "at_least", where, low=1, high=1000, default=1)
    within_days = check.number(
        table, "within_days", where, low=1, high=LONGEST_WINDOW, default=window_days
    )
    if within_days > window_days:
        check.refuse(
            f"{where}.within_days",
            f"{within_days} is more than the rule's window_days ({window_days})",
        )
    filters = table.get("where", {})
    if not isinstance(filters, Mapping):
        check.refuse(f"{where}.where", 'must be a table such as { level = "high" }')
    cleaned_where = []
    for key, value in sorted(filters.items()):
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            check.refuse(
                f"{where}.where.{key}", f"must be a value or a list of values, not {value!r}"
            )
        cleaned_where.append((key, tuple(values)))
    shared = table.get("shared_by")
    alternatives: list[tuple[str, ...]] = []
    if shared is not None:
        items = shared if isinstance(shared, list) else [shared]
        for item in items:
            keys = tuple(k.strip() for k in item.split("+")) if isinstance(item, str) else ()
            if not keys or not all(keys):
                check.refuse(
                    f"{where}.shared_by",
                    f"{item!r} is not a details key, or keys joined by '+' (e.g. "
                    '"adult+adult_dob")',
                )
            if any(k in FACT_FIELDS for k in keys):
                check.refuse(f"{where}.shared_by", f"{item!r}: share a details key, not a field")
            alternatives.append(keys)
        if not alternatives:
            check.refuse(f"{where}.shared_by", "names no key")
    if "people_at_least" in table and not alternatives:
        check.refuse(f"{where}.people_at_least", "only means something with shared_by")
    people = check.number(table, "people_at_least", where, low=2, high=1000, default=2)
    others_at_risk = table.get("others_at_risk", False)
    if not isinstance(others_at_risk, bool):
        check.refuse(f"{where}.others_at_risk", f"must be true or false, not {others_at_risk!r}")
    if others_at_risk and not alternatives:
        check.refuse(f"{where}.others_at_risk", "only means something with shared_by")
    return Condition(
        kind=kind,
        at_least=at_least,
        within_days=within_days,
        where=tuple(cleaned_where),
        shared_by=tuple(alternatives),
        people_at_least=people,
        others_at_risk=others_at_risk,
    )


def _task(check: _Checker, table: Mapping, number: int) -> Task:
    where = f"tasks[{number}]"
    check.unknown_keys(table, TASK_KEYS, where)
    return Task(
        agency_kind=check.choice(table, "agency_kind", agency_kinds(), where),
        text=check.text(table, "text", where),
        due_working_days=check.number(table, "due_working_days", where, low=0, high=100),
    )


def _rule(file: str, number: int, entry: Any, steps: frozenset[str]) -> Rule:
    if not isinstance(entry, Mapping):
        raise RuleFileError(f"{file}: rule {number}: must be a [[rule]] table")
    check = _Checker(file, number, entry)
    check.unknown_keys(entry, RULE_KEYS, "")
    code = check.text(entry, "code")
    if not CODE.match(code):
        check.refuse("code", f"{code!r} must be lower case letters, digits and underscores")
    window_days = check.number(entry, "window_days", low=1, high=LONGEST_WINDOW)
    route = check.text(entry, "route")
    if route not in steps:
        check.refuse(
            "route",
            f"{route!r} is not a step in the roles-and-responsibilities table "
            f"(known: {', '.join(sorted(steps))})",
        )
    subject = check.choice(entry, "subject", SUBJECTS, default="person")
    conditions = check.table_list("when")
    if not conditions:
        check.refuse("when", "a rule needs at least one [[rule.when]] condition")
    when = tuple(
        _condition(check, table, n, window_days) for n, table in enumerate(conditions, start=1)
    )
    if subject == "children_at_address" and any(c.shared_by for c in when):
        check.refuse(
            "when.shared_by",
            "a rule about the children at an address counts the facts at that address; "
            "shared_by is for rules about a person",
        )
    notify = check.text_list(entry, "notify")
    unknown_roles = [r for r in notify if r not in role_codes()]
    if unknown_roles:
        check.refuse("notify", f"unknown role(s) {', '.join(unknown_roles)}")
    return Rule(
        code=code,
        version=check.number(entry, "version", low=1, high=10_000),
        name=check.text(entry, "name"),
        description=check.text(entry, "description"),
        status=check.choice(entry, "status", STATUSES),
        severity=check.choice(entry, "severity", SEVERITIES),
        route=route,
        subject=subject,
        about=check.choice(entry, "about", ABOUT, default="anyone"),
        window_days=window_days,
        repeat_after_days=check.number(
            entry, "repeat_after_days", low=0, high=LONGEST_WINDOW, default=90
        ),
        when=when,
        tasks=tuple(_task(check, t, n) for n, t in enumerate(check.table_list("tasks"), 1)),
        notify=tuple(notify),
        notify_by=check.choice(entry, "notify_by", NOTIFY_BY, default="now"),
        file=file,
    )


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob("*.toml"))
        if not found:
            raise RuleFileError(f"{path}: no rules files (*.toml) here")
        return found
    return [path]


def load(path: Path | str = RULES_DIR) -> list[Rule]:
    """Every rule in a rules file, or in every *.toml file of a directory, checked.
    Rules come back in file order; a code used twice (in any of the files) is refused."""
    steps = step_codes()
    found: list[Rule] = []
    seen: dict[str, str] = {}
    for file in _files(Path(path)):
        try:
            document = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RuleFileError(f"{file.name}: cannot be read: {exc}") from exc
        extra = sorted(set(document) - {"rule"})
        if extra:
            raise RuleFileError(f"{file.name}: unknown table {extra[0]!r}: write [[rule]] tables")
        entries = document.get("rule")
        if not isinstance(entries, list) or not entries:
            raise RuleFileError(f"{file.name}: has no [[rule]] entries")
        for number, entry in enumerate(entries, start=1):
            rule = _rule(file.name, number, entry, steps)
            if rule.code in seen:
                raise RuleFileError(
                    f"{file.name}: rule {rule.code}: code: already used in {seen[rule.code]}"
                )
            seen[rule.code] = file.name
            found.append(rule)
    return found


@functools.cache
def shipped() -> tuple[Rule, ...]:
    """The rules shipped in data/rules/, on or off, loaded once."""
    return tuple(load(RULES_DIR))


def active() -> list[Rule]:
    """The shipped rules that are switched on."""
    return [r for r in shipped() if r.is_on]


def rule(code: str, rules: Iterable[Rule] | None = None) -> Rule:
    """One rule by its code (from the shipped rules unless others are given)."""
    for candidate in shipped() if rules is None else rules:
        if candidate.code == code:
            return candidate
    raise LookupError(f"There is no rule with the code {code!r}")
