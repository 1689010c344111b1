"""The rule engine: alert rules (alerts/data/rules/*.toml) evaluated over facts as they
arrive, one fact at a time, with no full recompute; the same code replays history for a
back-test.

The two shapes below are the engine's contract with the rest of Lantern: everything that
feeds it makes `Fact`s, and everything that acts on it reads `Firing`s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing an agency recorded about a person, as the rules see it."""

    person_id: int
    kind: str  # an event type code (people/data/event_types.toml), or "risk_assessment"
    at: dt.datetime  # when it happened (not when it was recorded)
    agency_id: int  # the agency that recorded it
    source: tuple[str, int]  # what to cite: ("people.event", pk) or ("risk.assessment", pk)
    sensitivity: str = "normal"
    postcode: str = ""
    ended_at: dt.datetime | None = None
    details: Mapping = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule became true for a person: raise (or add to) an alert about them."""

    rule: str  # the rule's code
    version: int  # the rule's version when it fired
    person_id: int  # who the alert is about
    at: dt.datetime  # when the rule became true: the time of the fact that completed it
    facts: tuple[Fact, ...]  # the facts that made it true, oldest first
