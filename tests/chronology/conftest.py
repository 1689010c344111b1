"""Chronology fixtures: a fictional child known to the council, the police, the NHS and a
school, with a story of every kind: events from each agency (one police event
restricted), a police referral through triage to a decision, a strategy discussion, an
enquiry, an assessment, a conference, a plan with a core group meeting, actions, and the
plan and case closed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from lantern.casework import services as casework
from lantern.casework.models import Attendance, Plan
from lantern.casework.services import ActionIn, AgencyAtMeeting, CoreGroupIn
from lantern.core import clock
from lantern.frontdoor import services as frontdoor
from lantern.frontdoor.models import Referral
from lantern.frontdoor.services import ReferralIn
from lantern.partners.models import Agency
from lantern.people.models import Event, Person, SourceRecord
from lantern.people.services import SourceRecordIn, event_record, source_record_receive

# A Tuesday in November (GMT), clear of bank holidays.
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
REFERRED = dt.datetime(2026, 10, 13, 9, 0, tzinfo=dt.UTC)  # a Tuesday
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


def make_child(given: str, family: str, born: dt.date, *agencies: Agency | str) -> Person:
    """A fictional child with a current record at each agency, already one person."""
    person = None
    for agency in agencies:
        code = agency if isinstance(agency, str) else agency.code
        source = source_record_receive(
            actor=None,
            agency=code,
            record=SourceRecordIn(
                local_id=f"CH-{code[:8]}-{given}-{family}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex="F",
            ),
            person=person,
        )
        person = source.person
    return person


def record(person: Person, agency: str, event_type: str, when: dt.datetime, summary: str, **kw):
    source = SourceRecord.objects.get(person=person, agency__code=agency, is_current=True)
    return event_record(
        actor=None, source=source, event_type=event_type, occurred_at=when, summary=summary, **kw
    )


@pytest.fixture
def school(school_dsl) -> Agency:
    return school_dsl.agency


@pytest.fixture
def child(school) -> Person:
    """Known to the council, the police, the NHS and the school."""
    return make_child("Tamsin", "Orchardley", dt.date(2011, 7, 14), COUNCIL, POLICE, NHS, school)


@pytest.fixture
def hidden_child(db) -> Person:
    """Only the police hold a record: hidden from the school, the NHS and the council."""
    return make_child("Ossian", "Blackthorne", dt.date(2012, 3, 1), POLICE)


@dataclass
class Story:
    child: Person
    police_event: Event
    restricted_event: Event
    nhs_event: Event
    school_event: Event
    referral: Referral
    plan: Plan


def _at(moment: dt.datetime):
    return clock.frozen_at(moment)


@pytest.fixture
def story(child, school, mash_worker, police_officer, nhs_nurse, social_worker, team_manager):
    council, police, nhs = (Agency.objects.get(code=c) for c in (COUNCIL, POLICE, NHS))
    police_event = record(
        child,
        POLICE,
        "missing_episode",
        REFERRED - dt.timedelta(days=10),
        "Reported missing overnight; found at a flat on Quarry Lane",
    )
    restricted_event = record(
        child,
        POLICE,
        "intelligence_report",
        REFERRED - dt.timedelta(days=8),
        "Seen with an adult known for supplying drugs",
        sensitivity="restricted",
    )
    nhs_event = record(
        child,
        NHS,
        "ed_attendance",
        REFERRED - dt.timedelta(days=6),
        "Attended the emergency department with a cut hand",
    )
    school_event = record(
        child,
        school.code,
        "school_concern",
        REFERRED - dt.timedelta(days=4),
        "New expensive trainers and tiredness in lessons",
    )
    with _at(REFERRED):
        referral = frontdoor.referral_make(
            actor=police_officer,
            data=ReferralIn(
                given_name="Tamsin",
                family_name="Orchardley",
                date_of_birth=dt.date(2011, 7, 14),
                concern="Found twice with older men in a car late at night",
                categories=["criminal_exploitation"],
                consent=True,
            ),
        )
    with _at(REFERRED + dt.timedelta(minutes=30)):
        frontdoor.referral_match(actor=mash_worker, referral=referral, person=child)
        frontdoor.referral_rate(
            actor=mash_worker, referral=referral, rag="amber", reason="Pattern of going missing"
        )
        request = frontdoor.information_request_send(
            actor=mash_worker, referral=referral, agency=nhs, question="Any recent attendances?"
        )
    with _at(REFERRED + dt.timedelta(hours=2)):
        frontdoor.information_request_answer(
            actor=nhs_nurse, request=request, answer="One emergency visit for a cut hand"
        )
    with _at(REFERRED + dt.timedelta(hours=3)):
        referral = frontdoor.referral_decide(
            actor=mash_worker,
            referral=referral,
            decision="strategy_discussion",
            reason="Reasonable cause to suspect significant harm",
        )
        frontdoor.referral_feedback_record(
            actor=mash_worker, referral=referral, told="A strategy discussion will be held"
        )
    with _at(REFERRED + dt.timedelta(hours=4)):
        case = casework.case_open(
            actor=social_worker, person=child, reason="Strategy discussion", referral=referral
        )
    held = REFERRED + dt.timedelta(days=1)
    with _at(held + dt.timedelta(hours=1)):
        meeting = casework.strategy_discussion_record(
            actor=social_worker,
            person=child,
            held_at=held,
            chair=social_worker,
            agencies=[
                AgencyAtMeeting(council, Attendance.ATTENDED, "Social worker"),
                AgencyAtMeeting(police, Attendance.ATTENDED, "Detective constable"),
                AgencyAtMeeting(nhs, Attendance.ATTENDED, "Named nurse"),
            ],
            decisions=["Start a section 47 enquiry"],
            start_section_47=True,
            criminal_investigation="joint",
            actions=[ActionIn(police, "Trace the car seen with Tamsin", held.date())],
        )
    with _at(held + dt.timedelta(hours=2)):
        enquiry = casework.enquiry_start(actor=social_worker, meeting=meeting, started_at=held)
        assessment = casework.assessment_start(
            actor=social_worker, case=case, kind="child_protection", started_at=held
        )
    with _at(held + dt.timedelta(days=5)):
        casework.enquiry_complete(
            actor=social_worker,
            enquiry=enquiry,
            outcome="initial_conference",
            reason="Risk of significant harm likely to continue",
        )
        casework.assessment_complete(
            actor=social_worker, assessment=assessment, findings="Needs a protection plan"
        )
    with _at(held + dt.timedelta(days=6)):
        casework.conference_initial_hold(
            actor=team_manager,
            case=case,
            held_at=held + dt.timedelta(days=6),
            chair="Imogen Lathe, independent chair",
            outcome="plan",
            category="sexual",
            reasons="Continuing risk of exploitation",
            dissent="",
        )
        plan = casework.plan_start(
            actor=social_worker,
            case=case,
            kind="child_protection",
            lead_worker=social_worker,
            core_group=[CoreGroupIn(nhs, user=nhs_nurse, role="Named nurse")],
        )
    with _at(held + dt.timedelta(days=8)):
        casework.core_group_meeting_record(
            actor=social_worker,
            plan=plan,
            held_at=held + dt.timedelta(days=8),
            notes="Agreed weekly visits by the school nurse",
        )
        casework.action_complete(
            actor=police_officer,
            action=meeting.actions.get(),
            note="Registration traced to a hire firm",
        )
    with _at(held + dt.timedelta(days=12)):
        casework.plan_close(actor=social_worker, plan=plan, reason="moved_away", note="To Devon")
        casework.case_close(actor=social_worker, case=case, reason="Transferred to Devon")
    return Story(
        child=child,
        police_event=police_event,
        restricted_event=restricted_event,
        nhs_event=nhs_event,
        school_event=school_event,
        referral=referral,
        plan=plan,
    )
