"""Roles and responsibilities as data: who is Responsible, Accountable, Consulted and
Informed at each step (data/responsibilities.toml), and which roles may record it.

The partnership changes the table, not the code. It is checked when loaded, so a typo
stops Lantern with the file, the step and the problem instead of silently routing a
child's casework to nobody.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import DataFileError, Field, load_entries
from lantern.partners.models import AgencyKind

RESPONSIBILITIES_FILE = Path(__file__).parent / "data" / "responsibilities.toml"

# Where Lantern's alert rules send an alert: each rule names one as its `route`
# (lantern.alerts), and the alert goes to the team of the step's first Responsible kind.
ALERT_STEPS = (
    "exploitation_alert",
    "health_alert",
    "domestic_abuse_alert",
    "marac_referral",
)
# The steps Lantern knows, in the order a child's casework meets them, then the alert steps.
STEPS = (
    "referral_decision",
    "strategy_discussion",
    "section_47_enquiry",
    "assessment",
    "initial_conference",
    "core_group",
    "review_conference",
    "plan_actions",
    "mace",
    "marac",
    *ALERT_STEPS,
)
# Working Together 2023: a strategy discussion needs at least these; the file may add more.
STRATEGY_MINIMUM = ("childrens_services", "police", "nhs")
KINDS = frozenset(AgencyKind.values)
COLUMNS = ("responsible", "accountable", "consulted", "informed")
_TEAM_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

STEP_FIELDS = {
    "code": Field(str, choices=frozenset(STEPS)),
    "name": Field(str),
    "summary": Field(str),
    "responsible": Field(list, choices=KINDS),
    "accountable": Field(list, choices=KINDS),
    "consulted": Field(list, choices=KINDS),
    "informed": Field(list, choices=KINDS),
    "recorded_by": Field(list),
    "must_take_part": Field(list, required=False, default=[], choices=KINDS),
    "team": Field(str, required=False, default=""),
}


def kind_labels(kinds) -> list[str]:
    labels = dict(AgencyKind.choices)
    return [labels[k] for k in kinds]


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    summary: str
    responsible: tuple[str, ...]
    accountable: str
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    recorded_by: tuple[str, ...]
    must_take_part: tuple[str, ...] = ()
    # Alert steps: the code of the team, in the agency of the first Responsible kind, that
    # receives the alert ("" = that agency's front door; see lantern.alerts.routing).
    team: str = ""

    @property
    def must_take_part_labels(self) -> list[str]:
        return kind_labels(self.must_take_part)

    @property
    def consulted_labels(self) -> list[str]:
        return kind_labels(self.consulted)

    def rows(self) -> list[tuple[str, str]]:
        """(agency kind label, R/A/C/I letters) for the table each step's page shows."""
        labels = dict(AgencyKind.choices)
        found = []
        for kind in AgencyKind.values:
            letters = "".join(
                letter
                for letter, kinds in (
                    ("R", self.responsible),
                    ("A", (self.accountable,)),
                    ("C", self.consulted),
                    ("I", self.informed),
                )
                if kind in kinds
            )
            if letters:
                found.append((labels[kind], letters))
        return found


@dataclass(frozen=True)
class Responsibilities:
    steps: dict[str, Step]
    case_roles: tuple[str, ...]

    def step(self, code: str) -> Step:
        return self.steps[code]


def _known_roles() -> dict[str, list[str]]:
    from lantern.partners.reference import ROLE_FIELDS, ROLES_FILE

    return {e["code"]: e["agency_kinds"] for e in load_entries(ROLES_FILE, "role", ROLE_FIELDS)}


def load_responsibilities(path: Path = RESPONSIBILITIES_FILE) -> Responsibilities:
    """Read and check the table."""
    entries = load_entries(path, "step", STEP_FIELDS)
    roles = _known_roles()
    steps = {}
    for entry in entries:
        where = f"{path.name}: step {entry['code']}"
        for name in ("name", "summary"):
            if not entry[name].strip():
                raise DataFileError(f"{where}: {name} is empty")
        if not entry["responsible"]:
            raise DataFileError(f"{where}: name at least one responsible agency kind")
        if len(entry["accountable"]) != 1:
            raise DataFileError(f"{where}: accountable must name exactly one agency kind")
        seen: dict[str, str] = {}
        for column in ("responsible", "consulted", "informed"):
            for kind in entry[column]:
                if kind in seen:
                    raise DataFileError(f"{where}: {kind} is both {seen[kind]} and {column}")
                seen[kind] = column
        if entry["accountable"][0] in entry["consulted"] + entry["informed"]:
            raise DataFileError(
                f"{where}: {entry['accountable'][0]} is accountable, so it is neither "
                "consulted nor informed"
            )
        doers = set(entry["responsible"]) | set(entry["accountable"])
        if not entry["recorded_by"]:
            raise DataFileError(f"{where}: recorded_by names no role")
        for role in entry["recorded_by"]:
            if not isinstance(role, str) or role not in roles:
                raise DataFileError(f"{where}: recorded_by names unknown role {role!r}")
            if not doers & set(roles[role]):
                raise DataFileError(
                    f"{where}: role {role} does not work in a responsible or accountable agency"
                )
        if entry["team"] and not _TEAM_CODE.match(entry["team"]):
            raise DataFileError(f"{where}: team must be a team code such as public-protection")
        if entry["team"] and entry["code"] not in ALERT_STEPS:
            raise DataFileError(f"{where}: only an alert step names the team an alert goes to")
        if entry["code"] == "strategy_discussion":
            missing = [k for k in STRATEGY_MINIMUM if k not in entry["must_take_part"]]
            if missing:
                raise DataFileError(
                    f"{where}: must_take_part must include {', '.join(missing)} (the law's "
                    "minimum for a strategy discussion)"
                )
        steps[entry["code"]] = Step(
            code=entry["code"],
            name=entry["name"].strip(),
            summary=entry["summary"].strip(),
            responsible=tuple(entry["responsible"]),
            accountable=entry["accountable"][0],
            consulted=tuple(entry["consulted"]),
            informed=tuple(entry["informed"]),
            recorded_by=tuple(entry["recorded_by"]),
            must_take_part=tuple(entry["must_take_part"] or ()),
            team=entry["team"].strip(),
        )
    missing_steps = [s for s in STEPS if s not in steps]
    if missing_steps:
        raise DataFileError(f"{path.name}: no entry for step(s) {', '.join(missing_steps)}")
    return Responsibilities(steps=steps, case_roles=_case_roles(path, roles))


def _case_roles(path: Path, roles: dict[str, list[str]]) -> tuple[str, ...]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    section = document.get("case")
    found = section.get("roles") if isinstance(section, dict) else None
    if not isinstance(found, list) or not found:
        raise DataFileError(f"{path.name}: [case] needs roles: who may open and close a case")
    unknown = [r for r in found if not isinstance(r, str) or r not in roles]
    if unknown:
        raise DataFileError(f"{path.name}: [case] names unknown role(s) {unknown}")
    return tuple(found)


@functools.cache
def responsibilities() -> Responsibilities:
    """The shipped table, loaded once."""
    return load_responsibilities()


def step(code: str) -> Step:
    return responsibilities().step(code)
