"""Casework fixtures: a fixed moment, a child known to the council, the police and the
NHS (so each of their staff may see the child), children hidden from one persona, and
a case at each step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.casework import services
from lantern.casework.models import Attendance
from lantern.casework.services import ActionIn, AgencyAtMeeting
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Person
from lantern.people.services import SourceRecordIn, source_record_receive

# A Tuesday in November (GMT, so London time and UTC agree), clear of bank holidays.
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
CASE_STARTED = NOW - dt.timedelta(days=14)
HELD = NOW - dt.timedelta(days=11)  # the strategy discussion: Friday 30 October
COUNCIL, POLICE, NHS = "kestrelford-childrens-services", "northmoor-police", "kestrelford-nhs"


@pytest.fixture(autouse=True)
def now(db):
    with clock.frozen_at(NOW):
        yield NOW


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def team_manager(db):
    return user("team.manager")


def make_child(given: str, family: str, born: dt.date, *codes: str) -> Person:
    """A fictional child with a current record at each agency named, already one person
    (as linkage would leave them)."""
    person = None
    for code in codes:
        source = source_record_receive(
            actor=None,
            agency=code,
            record=SourceRecordIn(
                local_id=f"CW-{code[:6]}-{given}-{family}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex="M",
            ),
            person=person,
        )
        person = source.person
    return person


@pytest.fixture
def child(db) -> Person:
    """Known to the council, the police and the NHS."""
    return make_child("Kayden", "Marrowby", dt.date(2012, 5, 3), COUNCIL, POLICE, NHS)


@pytest.fixture
def council_only_child(db) -> Person:
    """Only the council holds a record: hidden from the police and the NHS."""
    return make_child("Leo", "Fenwright", dt.date(2013, 2, 11), COUNCIL)


@pytest.fixture
def police_only_person(db) -> Person:
    """Only the police hold a record: hidden from the council's social worker."""
    return make_child("Rhys", "Calloway", dt.date(2011, 9, 23), POLICE)


@pytest.fixture
def council(db):
    return Agency.objects.get(code=COUNCIL)


@pytest.fixture
def police(db):
    return Agency.objects.get(code=POLICE)


@pytest.fixture
def nhs(db):
    return Agency.objects.get(code=NHS)


@pytest.fixture
def three_agencies(council, police, nhs):
    return [
        AgencyAtMeeting(council, Attendance.ATTENDED, "Daniel Hartley, social worker", "Known."),
        AgencyAtMeeting(police, Attendance.ATTENDED, "DC Tom Whitcombe", "Seen in a grey car."),
        AgencyAtMeeting(nhs, Attendance.ATTENDED, "Helen Marsh, named nurse", "Two A&E visits."),
    ]


@pytest.fixture
def open_case(social_worker, child):
    return services.case_open(
        actor=social_worker,
        person=child,
        reason="Allocated after concerns about exploitation",
        started_at=CASE_STARTED,
    )


@pytest.fixture
def record_strategy(social_worker, child, three_agencies, police):
    """Record a strategy discussion on the child's open case; keyword changes override."""

    def record(**changes):
        values = {
            "actor": social_worker,
            "person": child,
            "held_at": HELD,
            "chair": social_worker,
            "agencies": three_agencies,
            "decisions": ["Start a section 47 enquiry", "Joint visit tomorrow"],
            "start_section_47": True,
            "criminal_investigation": "joint",
            "actions": [
                ActionIn(
                    police, "Check the grey car's registration", HELD.date() + dt.timedelta(days=3)
                )
            ],
        }
        values.update(changes)
        return services.strategy_discussion_record(**values)

    return record


@pytest.fixture
def discussion(open_case, record_strategy):
    return record_strategy()


@pytest.fixture
def enquiry(discussion, social_worker):
    return services.enquiry_start(
        actor=social_worker, meeting=discussion, started_at=HELD + dt.timedelta(hours=2)
    )


@pytest.fixture
def enquiry_for_conference(enquiry, social_worker):
    return services.enquiry_complete(
        actor=social_worker,
        enquiry=enquiry,
        outcome="initial_conference",
        reason="Risk of significant harm is likely to continue",
        completed_at=HELD + dt.timedelta(days=5),
    )


@pytest.fixture
def conference(enquiry_for_conference, team_manager, open_case):
    return services.conference_initial_hold(
        actor=team_manager,
        case=open_case,
        held_at=HELD + dt.timedelta(days=6),
        chair="Ruth Ellery, independent chair",
        outcome="plan",
        category="sexual",
        reasons="Continuing risk of sexual exploitation",
        dissent="",
    )


@pytest.fixture
def plan(conference, social_worker, open_case, nhs, police):
    return services.plan_start(
        actor=social_worker,
        case=open_case,
        kind="child_protection",
        lead_worker=social_worker,
        core_group=[
            services.CoreGroupIn(nhs, user=user("nhs.nurse"), role="Named nurse"),
            services.CoreGroupIn(police, name="DC Sam Corrie", role="Investigating officer"),
        ],
    )
