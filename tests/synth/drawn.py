"""The borough's scenarios and background drawn in memory, without a database.

A stand-in for the loader (`synth.services._Loader`) that gives every person the records
the real one would (the NHS for everyone, a school by age, the police for the documented
shares of teenagers and adults) and keeps the events planted on them, so that the ground
truth and the background's rates can be checked on a borough far larger than the test
database's, and drawn twice to show it is the same each time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from types import SimpleNamespace

from lantern.synth import background
from lantern.synth.borough import Borough, Individual, PlannedEvent
from lantern.synth.scenarios import ScenarioPlanner

TODAY = dt.date(2026, 11, 1)
POLICE = "northmoor-police"


@dataclass
class Drawn:
    planner: ScenarioPlanner
    background: background.Background
    owner: dict[int, int] = field(default_factory=dict)  # record id -> individual
    agency: dict[int, str] = field(default_factory=dict)  # record id -> agency code
    events: list[tuple[int, PlannedEvent]] = field(default_factory=list)
    people: list[Individual] = field(default_factory=list)

    def events_of(self, key: int) -> list[PlannedEvent]:
        return [e for record, e in self.events if self.owner[record] == key]


class _StandInLoader:
    def __init__(self, borough: Borough, drawn: Drawn):
        self.b = borough
        self.rng = borough.rng
        self.drawn = drawn
        self.school_index = {s[0]: i for i, s in enumerate(borough.schools)}
        self.agencies = {POLICE: SimpleNamespace(pk=1)}
        self.relationships: set = set()
        self.next_record = 1

    def record(self, person, agency, *, sensitivity="normal", placed=None):
        record = self.next_record
        self.next_record += 1
        self.drawn.owner[record] = person.key
        self.drawn.agency[record] = agency
        if placed is not None:
            placed.setdefault(person.key, {})[agency] = (record, record)
        return record, record

    def event(self, record_id: int, planned: PlannedEvent) -> None:
        self.drawn.events.append((record_id, planned))


def draw(people: int, seed: int) -> Drawn:
    borough = Borough(people=people, seed=seed, today=TODAY)
    drawn = Drawn(planner=None, background=None)  # type: ignore[arg-type]
    loader = _StandInLoader(borough, drawn)
    drawn.planner = ScenarioPlanner(loader)
    drawn.background = background.Background(
        seed=seed, today=TODAY, event=loader.event, school_codes=loader.school_index
    )
    shares = random.Random(seed)  # who the police know: the loader's shares, drawn apart
    for household in borough.households():
        placed: dict = {}
        for person in household:
            drawn.people.append(person)
            age = person.age(TODAY)
            loader.record(person, "kestrelford-nhs", placed=placed)
            school = borough.school_for(person) if person.role == "child" else None
            if school:
                loader.record(person, school, placed=placed)
            if (age >= 16 and shares.random() < background.POLICE_RECORD_ADULT) or (
                12 <= age < 16 and shares.random() < background.POLICE_RECORD_YOUNG_TEEN
            ):
                loader.record(person, POLICE, placed=placed)
        drawn.planner.consider(household, placed)
        drawn.background.household(household, placed, skip=drawn.planner.planted)
    return drawn


def harm_days(drawn: Drawn) -> dict[tuple[str, int], tuple[str, dt.date | None]]:
    return {
        (scenario.code, key): (role, harm)
        for scenario, members in drawn.planner.truth()
        for key, role, harm in members
    }
