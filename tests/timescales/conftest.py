"""Fixtures for deadlines: a fixed moment, the front door's team and manager, and people
each persona may or may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.people.models import Person

# A Tuesday in November (GMT, so London time and UTC agree), clear of bank holidays.
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def team_manager(db):
    return get_user_model().objects.get(username="team.manager")


@pytest.fixture
def front_door(db):
    from lantern.partners.models import Team

    return Team.objects.get(code="front-door")


def held_only_by(agency_code: str, *, skip: int = 0) -> Person:
    """A normal person whose only current records are this agency's, with no allocation or
    referral: the agency's staff see them, the council's front door does not."""
    from lantern.partners.models import Agency

    agency = Agency.objects.get(code=agency_code)
    return (
        Person.objects.filter(
            sensitivity="normal",
            source_records__agency=agency,
            source_records__is_current=True,
            merged_into__isnull=True,
        )
        .exclude(source_records__agency__in=Agency.objects.exclude(pk=agency.pk))
        .exclude(access_bases__isnull=False)
        .distinct()
        .order_by("pk")[skip]
    )


@pytest.fixture
def council_child(db) -> Person:
    """A child the council holds a record of: the front door and its manager see them."""
    return held_only_by("kestrelford-childrens-services")


@pytest.fixture
def police_only_person(db) -> Person:
    """Someone only the police hold: hidden from the council's front door."""
    return held_only_by("northmoor-police")


@pytest.fixture
def open_deadline(mash_worker, front_door):
    """Open a deadline through the service, on the person's council record as its subject."""
    from lantern.timescales.services import deadline_open

    def make(person, rule="referral_decision", starts_at=None, **owners):
        owners.setdefault("owner_agency", front_door.agency)
        if "owner_team" not in owners and owners["owner_agency"] == front_door.agency:
            owners["owner_team"] = front_door
        subject = owners.pop("subject", None) or person.source_records.order_by("pk").first()
        return deadline_open(
            actor=mash_worker,
            rule=rule,
            starts_at=starts_at or clock.now(),
            person=person,
            subject=subject,
            **owners,
        )

    return make
