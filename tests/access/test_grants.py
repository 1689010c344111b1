"""Allocations and grants: the relationships a manager gives, with an end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from lantern.access import policy, services
from lantern.core import clock
from lantern.people.models import Person

pytestmark = pytest.mark.django_db


def council_person(user) -> Person:
    return Person.objects.filter(source_records__agency=user.agency).order_by("pk").first()


def test_a_team_manager_grants_access_until_a_date(police_officer):
    manager = get_user_model().objects.get(username="team.manager")
    person = council_person(manager)
    assert not policy.can(police_officer, "view", person)
    start = clock.now()
    with clock.frozen_at(start):
        services.grant_open(
            actor=manager,
            person=person,
            user=police_officer,
            reason="Joint investigation",
            ends_at=start + dt.timedelta(days=7),
        )
        assert policy.can(police_officer, "view", person)
    with clock.frozen_at(start + dt.timedelta(days=8)):
        assert not policy.can(police_officer, "view", person)


def test_only_a_manager_may_grant_and_for_at_most_90_days(police_officer, social_worker):
    manager = get_user_model().objects.get(username="team.manager")
    person = council_person(manager)
    with pytest.raises(ValidationError, match="team manager"):
        services.grant_open(
            actor=social_worker,
            person=person,
            user=police_officer,
            reason="x",
            ends_at=clock.now() + dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="90 days"):
        services.grant_open(
            actor=manager,
            person=person,
            user=police_officer,
            reason="x",
            ends_at=clock.now() + dt.timedelta(days=91),
        )
    assert not policy.can(police_officer, "view", person)


def test_allocation_to_a_worker_and_its_end(social_worker):
    person = (
        Person.objects.exclude(source_records__agency=social_worker.agency)
        .filter(sensitivity="normal")
        .order_by("pk")
        .first()
    )
    basis = services.allocation_open(
        actor=None, person=person, user=social_worker, reason="Allocated after strategy discussion"
    )
    assert policy.can(social_worker, "view", person)
    services.basis_end(actor=social_worker, basis=basis, reason="Case closed")
    assert not policy.can(social_worker, "view", person)
    with pytest.raises(ValidationError, match="not both"):
        services.allocation_open(
            actor=None,
            person=person,
            user=social_worker,
            team=social_worker.membership.team,
            reason="x",
        )
