"""Voice fixtures: the support worker at Harbour (who records feedback), a colleague of
hers, a support worker at another agency, the partnership's staff, fictional survivors
held by Harbour and by the police, and a clock that stands still on a chosen day."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.people.models import Person
from lantern.people.services import SourceRecordIn, source_record_receive
from lantern.voice import services
from lantern.voice.models import Channel, GiverKind, Use

from ..conftest import TEST_TODAY, _persona

HARBOUR = "harbour-survivors"
TODAY = TEST_TODAY  # Monday 2 November 2026: the third quarter of 2026 to 2027
EVERY_USE = [Use.SERVICE_LEARNING, Use.PARTNERSHIP_ANONYMISED, Use.QUOTE_ANONYMISED]

support_worker = _persona("support.worker")
team_manager = _persona("team.manager")
partnership_manager = _persona("partnership.manager")
police_analyst = _persona("police.analyst")


@contextmanager
def on(day: dt.date, hour: int = 14):
    """Do what follows as if it were that day, in the afternoon (UTC)."""
    with clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)):
        yield


def _staff(agency: str, role: str, exclude: str):
    found = (
        get_user_model()
        .objects.filter(
            memberships__agency__code=agency,
            memberships__role__code=role,
            memberships__ended_on__isnull=True,
            is_active=True,
        )
        .exclude(username=exclude)
        .order_by("pk")
        .first()
    )
    assert found is not None, f"the borough has no other {role} at {agency}"
    return found


@pytest.fixture
def colleague(db):
    """Another support worker at Harbour, who records feedback too."""
    return _staff(HARBOUR, "support_worker", "support.worker")


@pytest.fixture
def other_agency_worker(db):
    """A support worker in the council's exploitation team: another agency."""
    return _staff("kestrelford-childrens-services", "support_worker", "support.worker")


def held_by(agency: str, given: str, family: str, born=dt.date(2001, 4, 9)) -> Person:
    """A fictional person with a current record at the agency."""
    return source_record_receive(
        actor=None,
        agency=agency,
        record=SourceRecordIn(
            local_id=f"V-{given}-{family}",
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex="F",
        ),
    ).person


@pytest.fixture
def survivor(db):
    """Maisie Thornbury: an adult survivor Harbour supports (and holds a record of)."""
    return held_by(HARBOUR, "Maisie", "Thornbury")


@pytest.fixture
def police_only(db):
    """Someone only the police hold a record of: Harbour may not see her."""
    return held_by("northmoor-police", "Imogen", "Castlereagh", dt.date(1999, 1, 20))


def record(actor, words="They believed me this time.", day=dt.date(2026, 10, 12), **extra):
    """Record a piece of feedback on `day`, as it was that afternoon."""
    fields = {
        "words": words,
        "given_on": day,
        "channel": Channel.IN_PERSON,
        "giver_kind": GiverKind.ADULT_SURVIVOR,
        "consent": EVERY_USE,
        "themes": ["being_believed"],
        "sentiment": "positive",
    }
    fields.update(extra)
    with on(day):
        return services.feedback_record(actor=actor, **fields)
