"""Fixtures for the network tests: the police analyst, people the police can and cannot
see, and a short way to record a report."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.access import policy
from lantern.network import services
from lantern.network.models import (
    AnalysisRun,
    Entity,
    IntelligenceReport,
    Link,
    SharedSummary,
)
from lantern.people.models import Person

from ..conftest import TEST_TODAY, _persona

police_analyst = _persona("police.analyst")
TODAY = TEST_TODAY
ADULT_BORN_BEFORE = dt.date(TODAY.year - 20, 1, 1)
CHILD_BORN_AFTER = dt.date(TODAY.year - 15, 1, 1)


@pytest.fixture
def empty_network(db):
    """The test borough's network emptied (seeding took the police's events into it), for
    tests that build a network of their own and count exactly what they built."""
    SharedSummary.links.through.objects.all().delete()
    SharedSummary.objects.all().delete()
    Link.objects.all().delete()
    IntelligenceReport.objects.all().delete()
    Entity.objects.all().delete()
    AnalysisRun.objects.all().delete()


@pytest.fixture
def police_children(police_officer):
    """Children the police hold a record of (so police users may see them)."""
    return list(
        policy.people_visible_to(police_officer)
        .filter(date_of_birth__gt=CHILD_BORN_AFTER)
        .order_by("pk")[:8]
    )


@pytest.fixture
def police_adults(police_officer):
    return list(
        policy.people_visible_to(police_officer)
        .filter(date_of_birth__lt=ADULT_BORN_BEFORE)
        .order_by("pk")[:4]
    )


@pytest.fixture
def unseen_child(police_officer):
    """A child no police user may see (the police hold no record of them)."""
    visible = policy.people_visible_to(police_officer).values("pk")
    return (
        Person.objects.filter(date_of_birth__gt=CHILD_BORN_AFTER, merged_into__isnull=True)
        .exclude(pk__in=visible)
        .order_by("pk")
        .first()
    )


def person(ref: str, who: Person) -> services.EntityInput:
    return services.EntityInput(ref, kind="person", person_reference=who.reference)


def record(actor, entities, links, *, observed_on=None, grading="B2P", **extra):
    """Record a report naming `entities` (EntityInput) joined by `links` ((a, b, kind))."""
    data = services.ReportInput(
        observed_on=observed_on or TODAY - dt.timedelta(days=10),
        source_description=extra.pop("source_description", "Patrol officer"),
        source_evaluation=grading[0],
        intelligence_assessment=grading[1],
        handling_code=grading[2],
        text=extra.pop("text", "Seen together late at night"),
        entities=entities,
        links=[services.LinkInput(a, b, kind) for a, b, kind in links],
        **extra,
    )
    return services.report_submit(actor=actor, data=data)


def link_unseen(report: IntelligenceReport, who: Person, to: Entity, kind="found_with") -> Link:
    """Link a person the report's readers may not see (set up directly, as if recorded
    while they were visible)."""
    entity = services.person_entity(who)
    return Link.objects.create(
        report=report,
        source=entity,
        target=to,
        kind=kind,
        first_seen=report.observed_on,
        agency=report.agency,
        sensitivity=report.sensitivity,
    )
