"""Risk tools as data: questionnaires in versioned files, checked when loaded, and the
arithmetic that turns answers into a score, a level and routes.

Each tool version is one TOML file in data/tools/, named `<code>.v<version>.toml`. A new
version is a new file: the old one stays, because an assessment records the version it
used and is always shown with that version's questions. The newest version of each tool
is the one offered for new assessments.

A file says what the tool is for, which roles may complete it, the questions (grouped by
domain), the points each answer gives, the bands that turn a score into a level, the
floor rules that stop a level going below a minimum whatever the score ("a child under
13 is never graded low"), and the routes: what to do next, and when.

    code = "domestic_abuse_risk"
    version = 1
    name = "..."
    purpose = "..."
    roles = ["police_officer", ...]          # partners/data/roles.toml codes
    min_age = 16                              # optional: for people of these ages only
    max_age = 17                              # (an unknown date of birth is not refused)

    [[domain]]   code, title, help (optional)
    [[question]] code, domain, text, type, help, required (default true; text: false)
        yes_no:  weight = points for "yes"
        choice:  choices = [{ value, label, points }]
        number:  min, max, steps = [{ at_least = n, points = p }]
        date:    steps = [{ within_days = n, points = p }]   (days before the assessment)
        text:    no points
        only_if = [conditions]   asked (and counted) only when these hold
    [[band]]     level, label, min, max (the last band has no max)
    [[floor]]    code, level, reason, when = [conditions], when_any = [conditions]
    [[route]]    code, text, when = [conditions], when_any = [conditions]

A condition names what it is about, then one test:

    { question = "threats_to_kill", is = "yes" }
    { question = "incidents_12_months", at_least = 3 }
    { question = "separated_on", within_days = 365 }
    { about = "age", below = 13 }                 # the person's age on the day
    { about = "score_level", in = ["standard", "medium"] }
    { about = "level", is = "high" }              # the level chosen (routes only)

A rule holds when every `when` condition holds and, if it has `when_any`, at least one
of those. A condition on an unanswered question, or an unknown age, does not hold.

The score is the sum of the points of every answer to a question that was asked. The
band containing the score gives a level; floor rules that hold raise it to their level.
That is `score_level`: what the tool gives. The practitioner may choose another level
(services.py decides how). Points are never negative, so more worrying answers can never
give a lower level.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOOLS_DIR = Path(__file__).parent / "data" / "tools"
FILE_NAME = re.compile(r"^(?P<code>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.toml$")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")

QUESTION_TYPES = ("yes_no", "choice", "number", "date", "text")
YES_NO = (("yes", "Yes"), ("no", "No"))
ABOUT = ("level", "score_level", "score", "age")
TESTS = ("is", "in", "at_least", "below", "within_days")
TEXT_LIMIT = 2000

TOOL_KEYS = {
    "code": (str, True),
    "version": (int, True),
    "name": (str, True),
    "purpose": (str, True),
    "guidance": (str, False),
    "roles": (list, True),
    "min_age": (int, False),
    "max_age": (int, False),
    "domain": (list, True),
    "question": (list, True),
    "band": (list, True),
    "floor": (list, False),
    "route": (list, False),
}
DOMAIN_KEYS = {"code": (str, True), "title": (str, True), "help": (str, False)}
QUESTION_KEYS = {
    "code": (str, True),
    "domain": (str, True),
    "text": (str, True),
    "type": (str, True),
    "help": (str, False),
    "required": (bool, False),
    "weight": (int, False),
    "choices": (list, False),
    "steps": (list, False),
    "min": (int, False),
    "max": (int, False),
    "only_if": (list, False),
}
CHOICE_KEYS = {"value": (str, True), "label": (str, True), "points": (int, False)}
BAND_KEYS = {"level": (str, True), "label": (str, True), "min": (int, True), "max": (int, False)}
RULE_KEYS = {
    "code": (str, True),
    "level": (str, False),
    "reason": (str, False),
    "text": (str, False),
    "when": (list, False),
    "when_any": (list, False),
}


class ToolFileError(ValueError):
    """A tool file that cannot be used, naming the file, the part of it and the problem."""


class ToolNotFound(LookupError):
    pass


# ---------------------------------------------------------------- the shapes
@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    points: int = 0


@dataclass(frozen=True)
class Step:
    threshold: int  # at_least (a number) or within_days (a date)
    points: int


@dataclass(frozen=True)
class Condition:
    subject: str  # a question code, or one of ABOUT when `about` is true
    test: str
    value: Any
    about: bool = False

    def holds(self, facts: Mapping[str, Any], answers: Mapping[str, Any], on: dt.date) -> bool:
        found = facts.get(self.subject) if self.about else answers.get(self.subject)
        if found is None:
            return False
        if self.test == "is":
            return found == self.value
        if self.test == "in":
            return found in self.value
        if self.test == "at_least":
            return found >= self.value
        if self.test == "below":
            return found < self.value
        # within_days: a date no more than that many days before the day of the assessment
        day = found if isinstance(found, dt.date) else dt.date.fromisoformat(found)
        return 0 <= (on - day).days <= self.value


@dataclass(frozen=True)
class Question:
    code: str
    domain: str
    text: str
    type: str
    help: str = ""
    required: bool = True
    weight: int = 0
    choices: tuple[Choice, ...] = ()
    steps: tuple[Step, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    only_if: tuple[Condition, ...] = ()

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """(value, label) of the allowed answers of a yes/no or choice question."""
        if self.type == "yes_no":
            return YES_NO
        return tuple((c.value, c.label) for c in self.choices)

    @property
    def max_points(self) -> int:
        if self.type == "yes_no":
            return self.weight
        if self.type == "choice":
            return max(c.points for c in self.choices)
        return max((s.points for s in self.steps), default=0)

    @property
    def scored(self) -> bool:
        return self.max_points > 0

    def asked(self, answers: Mapping[str, Any], on: dt.date) -> bool:
        return all(c.holds({}, answers, on) for c in self.only_if)

    def points(self, answer: Any, on: dt.date) -> int:
        """The points one answer gives (0 for no answer)."""
        if answer is None:
            return 0
        if self.type == "yes_no":
            return self.weight if answer == "yes" else 0
        if self.type == "choice":
            return next((c.points for c in self.choices if c.value == answer), 0)
        if self.type == "number":
            return max((s.points for s in self.steps if answer >= s.threshold), default=0)
        if self.type == "date":
            day = answer if isinstance(answer, dt.date) else dt.date.fromisoformat(answer)
            days = (on - day).days
            return max((s.points for s in self.steps if 0 <= days <= s.threshold), default=0)
        return 0

    def label_of(self, answer: Any) -> str:
        """An answer as the page shows it."""
        if answer is None or answer == "":
            return "Not answered"
        if self.type in ("yes_no", "choice"):
            return dict(self.options).get(answer, str(answer))
        if self.type == "date":
            day = answer if isinstance(answer, dt.date) else dt.date.fromisoformat(answer)
            return f"{day:%-d %B %Y}"
        return str(answer)


@dataclass(frozen=True)
class Domain:
    code: str
    title: str
    help: str = ""


@dataclass(frozen=True)
class Band:
    level: str
    label: str
    minimum: int
    maximum: int | None

    @property
    def described(self) -> str:
        if self.maximum is None:
            return f"{self.minimum} or more"
        return f"{self.minimum} to {self.maximum}"


@dataclass(frozen=True)
class Rule:
    """A floor rule (`level` and `reason`) or a route (`text`)."""

    code: str
    when: tuple[Condition, ...]
    when_any: tuple[Condition, ...] = ()
    level: str = ""
    reason: str = ""
    text: str = ""

    def holds(self, facts, answers, on: dt.date) -> bool:
        return all(c.holds(facts, answers, on) for c in self.when) and (
            not self.when_any or any(c.holds(facts, answers, on) for c in self.when_any)
        )


@dataclass(frozen=True)
class Outcome:
    """What a tool makes of a set of answers."""

    score: int
    band: Band
    score_level: str  # the band's level, raised by any floor rule that holds
    floors: tuple[Rule, ...]  # the floor rules that hold
    points: Mapping[str, int] = field(default_factory=dict)  # by question, asked ones only


@dataclass(frozen=True)
class Tool:
    code: str
    version: int
    name: str
    purpose: str
    roles: tuple[str, ...]
    domains: tuple[Domain, ...]
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]
    floors: tuple[Rule, ...] = ()
    routes: tuple[Rule, ...] = ()
    guidance: str = ""
    min_age: int | None = None
    max_age: int | None = None
    file: str = ""

    # -- levels, lowest first
    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(b.level for b in self.bands)

    def rank(self, level: str) -> int:
        return self.levels.index(level)

    def label(self, level: str) -> str:
        return next((b.label for b in self.bands if b.level == level), level)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if score >= band.minimum and (band.maximum is None or score <= band.maximum):
                return band
        raise ValueError(f"{self.file}: no band holds the score {score}")

    def question(self, code: str) -> Question:
        return self._questions[code]

    @functools.cached_property
    def _questions(self) -> dict[str, Question]:
        return {q.code: q for q in self.questions}

    def in_domain(self, domain: str) -> list[Question]:
        return [q for q in self.questions if q.domain == domain]

    def route(self, code: str) -> Rule | None:
        return next((r for r in self.routes if r.code == code), None)

    @property
    def max_score(self) -> int:
        return sum(q.max_points for q in self.questions)

    # -- the arithmetic
    def asked(self, answers: Mapping[str, Any], on: dt.date) -> list[Question]:
        return [q for q in self.questions if q.asked(answers, on)]

    def evaluate(self, answers: Mapping[str, Any], *, age: int | None, on: dt.date) -> Outcome:
        points = {q.code: q.points(answers.get(q.code), on) for q in self.asked(answers, on)}
        score = sum(points.values())
        band = self.band_for(score)
        facts = {"score": score, "age": age, "score_level": band.level}
        floors = tuple(f for f in self.floors if f.holds(facts, answers, on))
        level = max([band.level, *(f.level for f in floors)], key=self.rank)
        return Outcome(score, band, level, floors, points)

    def routes_for(
        self,
        answers: Mapping[str, Any],
        *,
        score: int,
        score_level: str,
        level: str,
        age: int | None,
        on: dt.date,
    ) -> list[Rule]:
        facts = {"score": score, "score_level": score_level, "level": level, "age": age}
        return [r for r in self.routes if r.holds(facts, answers, on)]


# ---------------------------------------------------------------- reading a file
class _Reader:
    """Checks one file's parts, each error naming the file and the part."""

    def __init__(self, path: Path):
        self.file = path.name

    def fail(self, where: str, problem: str):
        raise ToolFileError(
            f"{self.file}: {where}: {problem}" if where else f"{self.file}: {problem}"
        )

    def keys(self, where: str, entry: Any, spec: dict[str, tuple[type, bool]]) -> dict:
        if not isinstance(entry, dict):
            self.fail(where, f"must be a table, not {type(entry).__name__}")
        unknown = sorted(set(entry) - set(spec))
        if unknown:
            self.fail(where, f"unknown key(s) {', '.join(unknown)}")
        for name, (kind, required) in spec.items():
            if name not in entry:
                if required:
                    self.fail(where, f"missing {name}")
                continue
            value = entry[name]
            wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            if wrong:
                self.fail(where, f"{name} must be {_kind_name(kind)}, not {value!r}")
            if kind is str and not value.strip():
                self.fail(where, f"{name} is empty")
        return entry

    def code(self, where: str, value: str, what: str = "code") -> str:
        if not CODE.match(value):
            self.fail(where, f"{what} {value!r} must be lower-case letters, digits and _")
        return value


def _kind_name(kind: type) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", list: "a list"}[kind]


def _role_codes() -> frozenset[str]:
    from lantern.core.datafiles import load_entries
    from lantern.partners.reference import ROLE_FIELDS, ROLES_FILE

    return frozenset(
        e["code"] for e in load_entries(ROLES_FILE, "role", ROLE_FIELDS) if e["sees_case_data"]
    )


def load(path: Path, *, roles: Iterable[str] | None = None) -> Tool:
    """Read and check one tool file. ToolFileError names the file, the part and the problem."""
    path = Path(path)
    read = _Reader(path)
    matched = FILE_NAME.match(path.name)
    if not matched:
        read.fail("", "the file name must be <code>.v<version>.toml, like my_tool.v1.toml")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        read.fail("", f"cannot be read: {exc}")
    read.keys("the tool", document, TOOL_KEYS)
    code, version = document["code"], document["version"]
    if code != matched["code"] or version != int(matched["version"]):
        read.fail(
            "the tool",
            f"code {code!r} and version {version} do not match the file name "
            f"({matched['code']!r}, version {matched['version']})",
        )
    known_roles = frozenset(roles) if roles is not None else _role_codes()
    for role in document["roles"]:
        if role not in known_roles:
            read.fail("roles", f"unknown role {role!r} (or a role that sees no case data)")
    if not document["roles"]:
        read.fail("roles", "no role may complete the tool")
    min_age, max_age = document.get("min_age"), document.get("max_age")
    if min_age is not None and max_age is not None and max_age < min_age:
        read.fail("the tool", f"max_age {max_age} is below min_age {min_age}")

    domains = _domains(read, document["domain"])
    bands = _bands(read, document["band"])
    levels = tuple(b.level for b in bands)
    questions: list[Question] = []
    for number, entry in enumerate(document["question"], start=1):
        questions.append(_question(read, number, entry, domains, questions, levels))
    if not questions:
        read.fail("the tool", "has no questions")
    for domain in domains:
        if not any(q.domain == domain.code for q in questions):
            read.fail(f"domain {domain.code!r}", "has no questions")
    by_code = {q.code: q for q in questions}
    floors = _rules(read, "floor", document.get("floor", []), by_code, levels)
    routes = _rules(read, "route", document.get("route", []), by_code, levels)
    return Tool(
        code=code,
        version=version,
        name=document["name"],
        purpose=document["purpose"].strip(),
        guidance=document.get("guidance", "").strip(),
        roles=tuple(document["roles"]),
        min_age=min_age,
        max_age=max_age,
        domains=domains,
        questions=tuple(questions),
        bands=bands,
        floors=floors,
        routes=routes,
        file=path.name,
    )


def _domains(read: _Reader, entries: list) -> tuple[Domain, ...]:
    found: dict[str, Domain] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"domain {entry.get('code', number) if isinstance(entry, dict) else number}"
        read.keys(where, entry, DOMAIN_KEYS)
        code = read.code(where, entry["code"])
        if code in found:
            read.fail(f"domain {code!r}", "appears twice (a duplicate code)")
        found[code] = Domain(code, entry["title"], entry.get("help", "").strip())
    if not found:
        read.fail("the tool", "has no domains")
    return tuple(found.values())


def _bands(read: _Reader, entries: list) -> tuple[Band, ...]:
    bands: list[Band] = []
    for number, entry in enumerate(entries, start=1):
        where = f"band {entry.get('level', number) if isinstance(entry, dict) else number}"
        read.keys(where, entry, BAND_KEYS)
        level = read.code(where, entry["level"], "level")
        if any(b.level == level for b in bands):
            read.fail(f"band {level!r}", "appears twice (a duplicate level)")
        low, high = entry["min"], entry.get("max")
        if high is not None and high < low:
            read.fail(f"band {level!r}", f"max {high} is below min {low}")
        bands.append(Band(level, entry["label"], low, high))
    if not bands:
        read.fail("the tool", "has no bands")
    if bands[0].minimum != 0:
        read.fail(
            f"band {bands[0].level!r}", f"the first band must start at 0, not {bands[0].minimum}"
        )
    for before, after in itertools.pairwise(bands):
        if before.maximum is None:
            read.fail(
                f"band {before.level!r}",
                f"has no max, but band {after.level!r} comes after it (only the last band is open)",
            )
        if after.minimum <= before.maximum:
            read.fail(
                f"band {after.level!r}",
                f"overlaps band {before.level!r}: it starts at {after.minimum}, "
                f"but {before.level!r} runs to {before.maximum}",
            )
        if after.minimum > before.maximum + 1:
            read.fail(
                f"band {after.level!r}",
                f"leaves a gap after band {before.level!r}: no band holds the scores "
                f"{before.maximum + 1} to {after.minimum - 1}",
            )
    if bands[-1].maximum is not None:
        read.fail(
            f"band {bands[-1].level!r}",
            "the last band must have no max (it holds every higher score)",
        )
    return tuple(bands)


def _points(read: _Reader, where: str, value: Any, what: str = "points") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        read.fail(where, f"{what} must be a whole number of 0 or more, not {value!r}")
    return value


def _question(
    read: _Reader,
    number: int,
    entry: Any,
    domains: tuple[Domain, ...],
    earlier: list[Question],
    levels: tuple[str, ...],
) -> Question:
    name = entry.get("code", f"number {number}") if isinstance(entry, dict) else number
    where = f"question {name!r}"
    read.keys(where, entry, QUESTION_KEYS)
    code = read.code(where, entry["code"])
    if any(q.code == code for q in earlier):
        read.fail(where, "appears twice (a duplicate code)")
    kind = entry["type"]
    if kind not in QUESTION_TYPES:
        read.fail(where, f"unknown type {kind!r}; expected one of {', '.join(QUESTION_TYPES)}")
    if entry["domain"] not in {d.code for d in domains}:
        read.fail(where, f"unknown domain {entry['domain']!r}")
    allowed = {
        "yes_no": {"weight"},
        "choice": {"choices"},
        "number": {"min", "max", "steps"},
        "date": {"steps"},
        "text": set(),
    }[kind]
    for key in ("weight", "choices", "steps", "min", "max"):
        if key in entry and key not in allowed:
            read.fail(where, f"a {kind} question cannot have {key}")
    choices: list[Choice] = []
    if kind == "choice":
        if len(entry.get("choices", [])) < 2:
            read.fail(where, "a choice question needs at least two choices")
        for n, raw in enumerate(entry["choices"], start=1):
            there = f"{where}, choice {n}"
            read.keys(there, raw, CHOICE_KEYS)
            value = read.code(there, raw["value"], "value")
            if any(c.value == value for c in choices):
                read.fail(there, f"value {value!r} appears twice (a duplicate code)")
            choices.append(Choice(value, raw["label"], _points(read, there, raw.get("points", 0))))
    steps: list[Step] = []
    if "steps" in entry:
        key = "at_least" if kind == "number" else "within_days"
        for n, raw in enumerate(entry["steps"], start=1):
            there = f"{where}, step {n}"
            if not isinstance(raw, dict) or set(raw) != {key, "points"}:
                read.fail(there, f"a step must have exactly {key} and points")
            threshold = raw[key]
            if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
                read.fail(there, f"{key} must be a whole number of 0 or more, not {threshold!r}")
            steps.append(Step(threshold, _points(read, there, raw["points"])))
    low, high = entry.get("min"), entry.get("max")
    if kind == "number" and (low is None or high is None):
        read.fail(where, "a number question needs min and max (the answers allowed)")
    if low is not None and high is not None and high < low:
        read.fail(where, f"max {high} is below min {low}")
    if low is not None and low < 0:
        read.fail(where, f"min must be 0 or more, not {low}")
    weight = _points(read, where, entry.get("weight", 0), "weight")
    if kind == "yes_no" and "weight" not in entry:
        read.fail(where, "a yes_no question needs a weight (the points a yes gives; 0 for none)")
    by_code = {q.code: q for q in earlier}
    only_if = tuple(
        _condition(read, f"{where}, only_if {n}", raw, by_code, levels, about_allowed=())
        for n, raw in enumerate(entry.get("only_if", []), start=1)
    )
    return Question(
        code=code,
        domain=entry["domain"],
        text=entry["text"].strip(),
        type=kind,
        help=entry.get("help", "").strip(),
        required=entry.get("required", kind != "text"),
        weight=weight,
        choices=tuple(choices),
        steps=tuple(steps),
        minimum=low,
        maximum=high,
        only_if=only_if,
    )


def _condition(
    read: _Reader,
    where: str,
    raw: Any,
    questions: Mapping[str, Question],
    levels: tuple[str, ...],
    *,
    about_allowed: tuple[str, ...],
) -> Condition:
    if not isinstance(raw, dict):
        read.fail(where, 'a condition must be a table like { question = "...", is = "yes" }')
    subjects = [k for k in ("question", "about") if k in raw]
    tests = [k for k in TESTS if k in raw]
    unknown = sorted(set(raw) - {"question", "about", *TESTS})
    if unknown:
        read.fail(where, f"unknown key(s) {', '.join(unknown)}")
    if len(subjects) != 1:
        read.fail(where, "a condition names exactly one question or one `about`")
    if len(tests) != 1:
        read.fail(where, f"a condition has exactly one test: {', '.join(TESTS)}")
    test, value = tests[0], raw[tests[0]]
    if subjects[0] == "about":
        subject = raw["about"]
        if subject not in about_allowed:
            read.fail(
                where,
                f"unknown about {subject!r}; here it may be one of {', '.join(about_allowed)}"
                if about_allowed
                else "only questions may be named here",
            )
        if subject in ("level", "score_level"):
            _check_values(read, where, test, value, levels, "level")
        else:
            _check_number(read, where, test, value)
        return Condition(subject, test, tuple(value) if test == "in" else value, about=True)
    subject = raw["question"]
    question = questions.get(subject)
    if question is None:
        read.fail(where, f"names unknown question {subject!r}")
    if question.type in ("yes_no", "choice"):
        _check_values(read, where, test, value, [v for v, _ in question.options], "answer")
    elif question.type == "number":
        _check_number(read, where, test, value)
    elif question.type == "date":
        if test != "within_days":
            read.fail(where, f"question {subject!r} is a date: use within_days")
        _check_number(read, where, "at_least", value)
        if value < 0:
            read.fail(where, f"within_days must be 0 or more, not {value}")
    else:
        read.fail(where, f"question {subject!r} is free text: a rule cannot test it")
    return Condition(subject, test, tuple(value) if test == "in" else value)


def _check_values(read: _Reader, where: str, test: str, value: Any, allowed, what: str) -> None:
    if test not in ("is", "in"):
        read.fail(where, f"use is or in for a {what}, not {test}")
    values = value if test == "in" else [value]
    if test == "in" and (not isinstance(value, list) or not value):
        read.fail(where, "in needs a list of values")
    for item in values:
        if item not in allowed:
            read.fail(where, f"unknown {what} {item!r}; expected one of {', '.join(allowed)}")


def _check_number(read: _Reader, where: str, test: str, value: Any) -> None:
    if test not in ("at_least", "below", "is"):
        read.fail(where, f"use at_least, below or is for a number, not {test}")
    if not isinstance(value, int) or isinstance(value, bool):
        read.fail(where, f"{test} needs a whole number, not {value!r}")


def _rules(
    read: _Reader,
    kind: str,
    entries: list,
    questions: Mapping[str, Question],
    levels: tuple[str, ...],
) -> tuple[Rule, ...]:
    about_allowed = ("age", "score") if kind == "floor" else ABOUT
    found: list[Rule] = []
    for number, entry in enumerate(entries, start=1):
        name = entry.get("code", f"number {number}") if isinstance(entry, dict) else number
        where = f"{kind} {name!r}"
        read.keys(where, entry, RULE_KEYS)
        code = read.code(where, entry["code"])
        if any(r.code == code for r in found):
            read.fail(where, "appears twice (a duplicate code)")
        needed = ("level", "reason") if kind == "floor" else ("text",)
        for key in ("level", "reason", "text"):
            if key in needed and key not in entry:
                read.fail(where, f"missing {key}")
            if key not in needed and key in entry:
                read.fail(where, f"a {kind} cannot have {key}")
        if kind == "floor" and entry["level"] not in levels:
            read.fail(
                where, f"unknown level {entry['level']!r}; expected one of {', '.join(levels)}"
            )
        when = tuple(
            _condition(
                read, f"{where}, when {n}", raw, questions, levels, about_allowed=about_allowed
            )
            for n, raw in enumerate(entry.get("when", []), start=1)
        )
        when_any = tuple(
            _condition(
                read, f"{where}, when_any {n}", raw, questions, levels, about_allowed=about_allowed
            )
            for n, raw in enumerate(entry.get("when_any", []), start=1)
        )
        if not when and not when_any:
            read.fail(where, "has no conditions (when or when_any)")
        found.append(
            Rule(
                code=code,
                when=when,
                when_any=when_any,
                level=entry.get("level", ""),
                reason=entry.get("reason", "").strip(),
                text=entry.get("text", "").strip(),
            )
        )
    return tuple(found)


# ---------------------------------------------------------------- every tool
@dataclass(frozen=True)
class Registry:
    by_key: Mapping[tuple[str, int], Tool]

    def get(self, code: str, version: int | None = None) -> Tool:
        if version is None:
            versions = [v for c, v in self.by_key if c == code]
            if not versions:
                raise ToolNotFound(f"No risk tool {code!r}")
            version = max(versions)
        try:
            return self.by_key[(code, version)]
        except KeyError:
            raise ToolNotFound(f"No version {version} of the risk tool {code!r}") from None

    def current(self) -> list[Tool]:
        """The newest version of each tool, by name."""
        codes = {c for c, _ in self.by_key}
        return sorted((self.get(c) for c in codes), key=lambda t: t.name)

    def versions(self, code: str) -> list[int]:
        return sorted(v for c, v in self.by_key if c == code)


def load_dir(directory: Path = TOOLS_DIR) -> Registry:
    """Every tool file in a folder, each checked; two files for one version are refused."""
    found: dict[tuple[str, int], Tool] = {}
    roles = _role_codes()
    for path in sorted(Path(directory).glob("*.toml")):
        tool = load(path, roles=roles)
        if (tool.code, tool.version) in found:
            raise ToolFileError(f"{path.name}: version {tool.version} of {tool.code} appears twice")
        found[(tool.code, tool.version)] = tool
    if not found:
        raise ToolFileError(f"{Path(directory).name}: no tool files")
    return Registry(found)


@functools.cache
def registry() -> Registry:
    """The shipped tools, read once."""
    return load_dir(TOOLS_DIR)


def tool(code: str, version: int | None = None) -> Tool:
    """A shipped tool: the newest version unless one is asked for. ToolNotFound if none."""
    return registry().get(code, version)


def current() -> list[Tool]:
    return registry().current()


def age_on(born: dt.date | None, day: dt.date) -> int | None:
    """Whole years of age on a day (None if the date of birth is not known)."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
