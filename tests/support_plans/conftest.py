"""Support fixtures: fictional survivors known to Harbour Survivors' Service (where the demo
support worker, Aisha Rahman, works), a small directory of services, and a clock the
stories move day by day."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.people.models import Person
from lantern.people.services import SourceRecordIn, source_record_receive
from lantern.support import services
from lantern.timescales.rules import LONDON

COUNCIL = "kestrelford-childrens-services"
SURVIVORS = "harbour-survivors"
YOUTH = "kestrelford-youth"
# A Monday in the test borough's calendar: the 2 November 2026 the borough is seeded at.
MONDAY = dt.date(2026, 11, 2)


@contextmanager
def on(day: dt.date, hour: int = 11):
    """Do what follows as if it were that day (London time)."""
    with clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)):
        yield


def user(username: str):
    return get_user_model().objects.get(username=username)


def make_person(
    given: str, family: str, born: dt.date | None, *agencies: str, sex: str = "F"
) -> Person:
    """A fictional person with a current record at each agency named, already one person."""
    person = None
    for code in agencies:
        source = source_record_receive(
            actor=None,
            agency=code,
            record=SourceRecordIn(
                local_id=f"SP-{code[:8]}-{given}-{family}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex=sex,
            ),
            person=person,
        )
        person = source.person
    return person


@pytest.fixture
def support_worker(db):
    """Aisha Rahman, support worker at Harbour Survivors' Service."""
    return user("support.worker")


@pytest.fixture
def colleague(db):
    """Another support worker in Harbour's survivor support team."""
    return user("harbour-survivors.support.1")


@pytest.fixture
def youth_worker(db):
    """A support worker at another agency: the youth service's detached team."""
    return user("kestrelford-youth.detached.1")


@pytest.fixture
def team_manager(db):
    return user("team.manager")


@pytest.fixture
def child(db):
    """Sixteen on the day the borough is seeded; known to the council and to Harbour."""
    return make_person("Kerys", "Almond", dt.date(2010, 3, 14), COUNCIL, SURVIVORS)


@pytest.fixture
def adult(db):
    """An adult survivor known only to Harbour."""
    return make_person("Marnie", "Quell", dt.date(1994, 6, 9), SURVIVORS)


@pytest.fixture
def directory(sysadmin):
    """A small directory: advocacy for anyone, counselling for adults only, a children's
    therapy service, and a service not taking referrals."""
    with on(MONDAY - dt.timedelta(days=400)):
        rape_crisis = services.provider_create(
            actor=sysadmin,
            code="test-rape-crisis",
            name="Test Rape Crisis",
            kind="voluntary",
            phone="01632 960210",
        )
        therapy = services.provider_create(
            actor=sysadmin, code="test-therapy", name="Test Therapy", kind="commissioned"
        )
        made = {
            "advocacy": services.service_create(
                actor=sysadmin,
                provider=rape_crisis,
                code="test-advocacy",
                name="Advocacy",
                category="advocacy",
                capacity=2,
                typical_wait_weeks=1,
                answer_within_days=3,
            ),
            "counselling": services.service_create(
                actor=sysadmin,
                provider=rape_crisis,
                code="test-counselling",
                name="Counselling for adults",
                category="counselling",
                capacity=10,
                typical_wait_weeks=12,
                for_children=False,
                answer_within_days=10,
            ),
            "therapy": services.service_create(
                actor=sysadmin,
                provider=therapy,
                code="test-children-therapy",
                name="Therapy for children",
                category="counselling",
                capacity=5,
                typical_wait_weeks=18,
                for_adults=False,
            ),
            "closed": services.service_create(
                actor=sysadmin,
                provider=therapy,
                code="test-closed",
                name="Closed to referrals",
                category="peer",
                capacity=5,
                accepting=False,
            ),
        }
    return made


@pytest.fixture
def plan_for(support_worker):
    """Open a plan for a person, led by Aisha, on a day."""

    def open_plan(person, day: dt.date = MONDAY, **kwargs):
        with on(day):
            return services.plan_open(
                actor=kwargs.pop("actor", support_worker),
                person=person,
                lead_worker=kwargs.pop("lead_worker", support_worker),
                summary=kwargs.pop("summary", "Support after exploitation"),
                **kwargs,
            )

    return open_plan
