"""Reading the borough's ground truth: who was planted at risk, and when the harm came.

For measuring Lantern (benchmarks and tests), never for what a user sees: the truth sits
beside the data and no page or API reads it. Planted people are mapped to Lantern's
person ids through their agencies' current records, so the answer follows linkage: an
individual whose records are still apart is several persons, each with the harm date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .models import ScenarioMember, TrueIdentity


@dataclass(frozen=True)
class AtRisk:
    """One planted individual at risk, with the Lantern persons their records are in."""

    individual: int
    scenario: str  # the scenario's code, e.g. exploitation-group-1
    kind: str  # Scenario.Kind
    role: str  # child, victim, child in household
    harm_on: dt.date
    persons: frozenset[int]


def at_risk_individuals() -> list[AtRisk]:
    """Every planted individual with a harm date, in scenario and individual order.
    An individual in two scenarios is listed once, with the earlier harm."""
    members = (
        ScenarioMember.objects.filter(harm_on__isnull=False)
        .select_related("scenario")
        .order_by("harm_on", "scenario__code", "individual")
    )
    first: dict[int, ScenarioMember] = {}
    for member in members:
        first.setdefault(member.individual, member)
    persons: dict[int, set[int]] = {}
    rows = TrueIdentity.objects.filter(
        individual__in=list(first), source_record__is_current=True
    ).values_list("individual", "source_record__person")
    for individual, person in rows:
        if person is not None:
            persons.setdefault(individual, set()).add(person)
    return sorted(
        (
            AtRisk(
                individual=individual,
                scenario=member.scenario.code,
                kind=member.scenario.kind,
                role=member.role,
                harm_on=member.harm_on,
                persons=frozenset(persons.get(individual, ())),
            )
            for individual, member in first.items()
        ),
        key=lambda a: (a.scenario, a.individual),
    )


def at_risk(people: Iterable[int] | None = None) -> dict[int, dt.date]:
    """Lantern person id -> the day of the planted harm, for every person holding a
    current record of an individual planted at risk (limited to `people` if given).
    A person who holds records of two planted individuals (a wrong merge) gets the
    earlier harm."""
    wanted = None if people is None else set(people)
    harm: dict[int, dt.date] = {}
    for planted in at_risk_individuals():
        for person in planted.persons:
            if wanted is not None and person not in wanted:
                continue
            if person not in harm or planted.harm_on < harm[person]:
                harm[person] = planted.harm_on
    return harm
