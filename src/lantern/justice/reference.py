"""The justice data files: offences (data/offences.toml) and the Victims' Code duties
(data/victims_code.toml), checked when loaded."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import DataFileError, Field, load_entries
from lantern.timescales import rules as timescale_rules

DATA = Path(__file__).parent / "data"
TRIGGERS = frozenset(
    {"arrest", "charge", "no_further_action", "hearing_set", "verdict", "sentence", "bail_changed"}
)


@dataclass(frozen=True)
class Offence:
    code: str
    title: str
    statute: str


@dataclass(frozen=True)
class Duty:
    code: str
    name: str
    trigger: str
    description: str
    enhanced: str
    standard: str

    def rule_for(self, enhanced_rights: bool) -> str:
        return self.enhanced if enhanced_rights else self.standard


@functools.cache
def offences() -> dict[str, Offence]:
    fields = {"code": Field(str), "title": Field(str), "statute": Field(str)}
    return {
        e["code"]: Offence(**e) for e in load_entries(DATA / "offences.toml", "offence", fields)
    }


def offence_title(code: str) -> str:
    found = offences().get(code)
    return found.title if found else code


@functools.cache
def duties() -> dict[str, Duty]:
    fields = {
        "code": Field(str),
        "name": Field(str),
        "trigger": Field(str, choices=TRIGGERS),
        "description": Field(str),
        "enhanced": Field(str),
        "standard": Field(str),
    }
    found = {}
    for entry in load_entries(DATA / "victims_code.toml", "duty", fields):
        for key in ("enhanced", "standard"):
            try:
                timescale_rules.rule(entry[key])
            except timescale_rules.UnknownRule as exc:
                raise DataFileError(f"victims_code.toml: duty {entry['code']}: {exc}") from exc
        found[entry["code"]] = Duty(**entry)
    return found


def duties_for(trigger: str) -> list[Duty]:
    return [d for d in duties().values() if d.trigger == trigger]
