"""Casework writes: each step only in its turn, each refusal naming the field and the
reason, nothing half-saved, deadlines opened and met, word routed, every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from lantern.access.models import Notification
from lantern.audit.models import AuditEvent
from lantern.casework import models, services
from lantern.casework.models import Attendance
from lantern.casework.services import ActionIn, AgencyAtMeeting
from lantern.people.models import Person
from lantern.timescales import rules
from lantern.timescales.models import Deadline

from .conftest import CASE_STARTED, HELD, NOW, user

pytestmark = pytest.mark.django_db

CASEWORK_MODELS = (
    models.Case,
    models.Meeting,
    models.MeetingAgency,
    models.MeetingDecision,
    models.Enquiry,
    models.Assessment,
    models.Conference,
    models.Plan,
    models.CoreGroupMember,
    models.CoreGroupMeeting,
    models.Action,
)


def counts():
    return (
        tuple(m.objects.count() for m in CASEWORK_MODELS),
        AuditEvent.objects.count(),
        Deadline.objects.count(),
        Notification.objects.count(),
    )


def refused(call, field: str, words: str):
    """The call is refused on `field` with `words` in the reason, and nothing is saved."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    errors = caught.value.message_dict
    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower(), errors[field]
    assert counts() == before
    return errors[field]


def deadline(subject, rule):
    return Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, rule=rule
    )


def last_event(operation):
    return AuditEvent.objects.filter(operation=operation).order_by("-id").first()


# ---------------------------------------------------------------- the whole way through
def test_from_strategy_discussion_to_a_reviewed_plan(
    discussion, social_worker, team_manager, child, open_case, police
):
    assert discussion.case == open_case
    assert [a.owner_agency for a in discussion.actions.all()] == [police]
    assert last_event("meeting.record").subjects.filter(person_id=child.pk).exists()

    enquiry = services.enquiry_start(
        actor=social_worker, meeting=discussion, started_at=HELD + dt.timedelta(hours=2)
    )
    clock = deadline(enquiry, "initial_conference")
    assert clock.starts_at == HELD
    assert clock.due_at == rules.due("initial_conference", HELD)
    assert clock.owner_user == social_worker and clock.is_open

    services.enquiry_complete(
        actor=social_worker,
        enquiry=enquiry,
        outcome="initial_conference",
        reason="Likely to continue",
        completed_at=HELD + dt.timedelta(days=4),
    )
    conference = services.conference_initial_hold(
        actor=team_manager,
        case=open_case,
        held_at=HELD + dt.timedelta(days=6),
        chair="Ruth Ellery",
        outcome="plan",
        category="sexual",
        reasons="Continuing risk",
        dissent="The school thought a child in need plan enough",
    )
    clock.refresh_from_db()
    assert clock.met_at == conference.held_at and not clock.is_open

    plan = services.plan_start(
        actor=social_worker, case=open_case, kind="child_protection", lead_worker=social_worker
    )
    assert plan.category == "sexual" and plan.conference == conference
    core = deadline(plan, "first_core_group")
    first_review = deadline(plan, "first_review_conference")
    assert core.due_at == rules.due("first_core_group", conference.held_at)
    assert first_review.due_at == rules.due("first_review_conference", conference.held_at)
    assert plan.next_review_on == dt.date(2027, 2, 5)

    services.core_group_meeting_record(
        actor=social_worker, plan=plan, held_at=NOW - dt.timedelta(hours=1), notes="Plan agreed"
    )
    core.refresh_from_db()
    assert core.met_at is not None

    review = services.review_conference_hold(
        actor=team_manager,
        plan=plan,
        held_at=NOW,
        chair="Ruth Ellery",
        outcome="continue",
        reasons="Still at risk",
    )
    first_review.refresh_from_db()
    assert first_review.met_at == review.held_at
    again = deadline(plan, "review_conference")
    assert again.due_at == rules.due("review_conference", NOW) and again.is_open
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2027, 5, 10) and plan.is_open

    services.review_conference_hold(
        actor=team_manager,
        plan=plan,
        held_at=NOW,
        chair="Ruth Ellery",
        outcome="end",
        reasons="Risk reduced",
    )
    plan.refresh_from_db()
    again.refresh_from_db()
    assert plan.closure_reason == "review_ended" and not plan.is_open
    assert again.met_at == NOW
    assert not Deadline.objects.filter(person=child, met_at=None, cancelled_at=None).exists()


# ---------------------------------------------------------------- the strategy discussion
@pytest.mark.parametrize(
    ("absent", "missing"),
    [
        ("northmoor-police", "Police force"),
        ("kestrelford-nhs", "NHS trust"),
        ("kestrelford-childrens-services", "children's services"),
    ],
)
def test_a_strategy_discussion_needs_social_care_police_and_health(
    open_case, record_strategy, three_agencies, absent, missing
):
    rows = [
        AgencyAtMeeting(r.agency, Attendance.APOLOGIES, "", "") if r.agency.code == absent else r
        for r in three_agencies
    ]
    messages = refused(lambda: record_strategy(agencies=rows), "agencies", "Missing")
    assert missing.lower() in messages[0].lower()


def test_apologies_from_two_agencies_names_both(open_case, record_strategy, three_agencies):
    rows = [three_agencies[0]]
    message = refused(lambda: record_strategy(agencies=rows), "agencies", "Missing")[0]
    assert "Police force" in message and "NHS trust" in message


def test_an_agency_that_attended_must_say_who(open_case, record_strategy, three_agencies):
    rows = [*three_agencies[:2], AgencyAtMeeting(three_agencies[2].agency, "attended", "")]
    refused(lambda: record_strategy(agencies=rows), "agencies", "who attended")


def test_the_two_decisions_are_needed(open_case, record_strategy):
    refused(lambda: record_strategy(start_section_47=None), "start_section_47", "section 47")
    refused(
        lambda: record_strategy(criminal_investigation="maybe"),
        "criminal_investigation",
        "criminal investigation",
    )


def test_an_action_goes_to_an_agency_that_was_invited(open_case, record_strategy, school_dsl):
    school = school_dsl.agency
    action = ActionIn(school, "Check attendance", HELD.date())
    refused(lambda: record_strategy(actions=[action]), "actions.0", "was not invited")


def test_a_strategy_discussion_needs_a_case_or_a_decided_referral(record_strategy):
    refused(lambda: record_strategy(), "case", "no open case")


@pytest.mark.parametrize(
    ("held_at", "words"),
    [
        (NOW + dt.timedelta(hours=1), "cannot be in the future"),
        (CASE_STARTED - dt.timedelta(days=1), "cannot be before the case started"),
    ],
)
def test_a_meeting_is_held_in_the_past_after_the_case_started(
    open_case, record_strategy, held_at, words
):
    refused(lambda: record_strategy(held_at=held_at), "held_at", words)


def test_routing_tells_consulted_staff_who_know_the_child(discussion, child, police, nhs):
    told = Notification.objects.filter(person=child, kind="casework_consulted")
    agencies = {n.recipient.agency.code for n in told}
    assert {police.code, nhs.code} <= agencies
    assert user("police.officer") in [n.recipient for n in told]
    detail = last_event("meeting.record").detail
    assert set(detail["routed"]["consulted"]) >= {police.code, nhs.code}


def test_only_a_recording_role_records_it(open_case, record_strategy, nhs_nurse, child):
    refused(lambda: record_strategy(actor=nhs_nurse), "actor", "cannot record")


def test_a_child_the_recorder_cannot_see_does_not_exist(
    record_strategy, police_only_person, social_worker
):
    before = counts()
    with pytest.raises(Person.DoesNotExist):
        record_strategy(person=police_only_person)
    assert counts() == before


def test_mace_needs_no_case_but_a_decision(child, police_officer, three_agencies):
    def record(**changes):
        values = {
            "actor": police_officer,
            "kind": "mace",
            "person": child,
            "held_at": HELD,
            "chair": police_officer,
            "agencies": three_agencies[1:],
            "decisions": ["Disruption: abduction warning notice to the driver"],
        }
        values.update(changes)
        return services.meeting_record(**values)

    refused(lambda: record(decisions=[" "]), "decisions", "at least one decision")
    meeting = record()
    assert meeting.case is None and meeting.start_section_47 is None


# ---------------------------------------------------------------- the order of steps
def test_an_enquiry_follows_a_discussion_that_decided_on_one(
    open_case, record_strategy, social_worker
):
    meeting = record_strategy(start_section_47=False)
    refused(
        lambda: services.enquiry_start(actor=social_worker, meeting=meeting),
        "meeting",
        "decided not to start",
    )


def test_one_enquiry_per_discussion(enquiry, discussion, social_worker):
    refused(
        lambda: services.enquiry_start(actor=social_worker, meeting=discussion),
        "meeting",
        "already started",
    )


def test_an_enquiry_cannot_start_before_its_discussion(discussion, social_worker):
    refused(
        lambda: services.enquiry_start(
            actor=social_worker, meeting=discussion, started_at=HELD - dt.timedelta(hours=1)
        ),
        "started_at",
        "before the strategy discussion",
    )


def test_no_conference_before_any_enquiry(discussion, open_case, team_manager):
    refused(lambda: hold(team_manager, open_case), "case", "there has been none")


def test_no_conference_while_the_enquiry_runs(enquiry, open_case, team_manager):
    refused(lambda: hold(team_manager, open_case), "case", "has not finished")


def test_no_conference_when_the_enquiry_decided_otherwise(
    enquiry, open_case, team_manager, social_worker
):
    services.enquiry_complete(
        actor=social_worker, enquiry=enquiry, outcome="not_substantiated", reason="Explained"
    )
    assert deadline(enquiry, "initial_conference").cancelled_at is not None
    refused(lambda: hold(team_manager, open_case), "case", "concerns not substantiated")


def test_a_later_enquiry_that_ended_otherwise_does_not_strand_the_conference_owed(
    enquiry_for_conference, open_case, team_manager, social_worker, record_strategy
):
    """Two enquiries: the first decided on a conference, the second (on a new concern)
    found nothing. The conference the first decided on can still be held, for it."""
    again = record_strategy(case=open_case, held_at=HELD + dt.timedelta(days=3))
    second = services.enquiry_start(
        actor=social_worker, meeting=again, started_at=HELD + dt.timedelta(days=3, hours=2)
    )
    services.enquiry_complete(
        actor=social_worker,
        enquiry=second,
        outcome="not_substantiated",
        reason="Explained",
        completed_at=HELD + dt.timedelta(days=4),
    )
    conference = hold(team_manager, open_case)
    assert conference.enquiry == enquiry_for_conference


def test_no_second_initial_conference(conference, open_case, team_manager):
    refused(lambda: hold(team_manager, open_case), "case", "already been held")


def test_a_conference_cannot_be_before_the_enquiry_finished(
    enquiry_for_conference, open_case, team_manager
):
    refused(
        lambda: hold(team_manager, open_case, held_at=HELD + dt.timedelta(days=1)),
        "held_at",
        "before the enquiry finished",
    )


def test_a_plan_category_is_needed_for_a_plan_and_only_then(
    enquiry_for_conference, open_case, team_manager
):
    refused(lambda: hold(team_manager, open_case, category=""), "category", "category")
    refused(
        lambda: hold(team_manager, open_case, outcome="no_plan", category="neglect"),
        "category",
        "only when there is a plan",
    )


def hold(actor, case, **changes):
    values = {
        "actor": actor,
        "case": case,
        "held_at": HELD + dt.timedelta(days=6),
        "chair": "Ruth Ellery",
        "outcome": "plan",
        "category": "neglect",
        "reasons": "Continuing risk",
    }
    values.update(changes)
    return services.conference_initial_hold(**values)


def test_no_child_protection_plan_without_a_conference_that_decided_one(
    enquiry_for_conference, open_case, team_manager, social_worker
):
    start = lambda: services.plan_start(  # noqa: E731
        actor=social_worker, case=open_case, kind="child_protection", lead_worker=social_worker
    )
    refused(start, "kind", "needs an initial conference that decided on one")
    hold(team_manager, open_case, outcome="no_plan", category="")
    refused(start, "kind", "needs an initial conference that decided on one")
    plan = services.plan_start(
        actor=social_worker, case=open_case, kind="child_in_need", lead_worker=social_worker
    )
    assert plan.conference.outcome == "no_plan"


def test_one_open_plan_and_a_lead_from_childrens_services(plan, open_case, social_worker):
    refused(
        lambda: services.plan_start(
            actor=social_worker, case=open_case, kind="child_in_need", lead_worker=social_worker
        ),
        "kind",
        "already has an open plan",
    )


def test_a_closed_plan_takes_no_review(plan, team_manager, social_worker):
    services.plan_close(actor=social_worker, plan=plan, reason="moved_away", note="To Leeds")
    for rule in ("first_core_group", "first_review_conference"):
        assert deadline(plan, rule).cancelled_at is not None
    refused(
        lambda: services.review_conference_hold(
            actor=team_manager,
            plan=plan,
            held_at=NOW,
            chair="Ruth Ellery",
            outcome="continue",
            reasons="x",
        ),
        "plan",
        "closed",
    )


def test_a_child_protection_plan_ends_by_review_or_leaving(plan, social_worker):
    refused(
        lambda: services.plan_close(actor=social_worker, plan=plan, reason="needs_met"),
        "reason",
        "review conference decides",
    )


def test_a_review_cannot_come_before_the_plan(plan, team_manager):
    refused(
        lambda: services.review_conference_hold(
            actor=team_manager,
            plan=plan,
            held_at=HELD,
            chair="Ruth Ellery",
            outcome="continue",
            reasons="x",
        ),
        "held_at",
        "before the initial conference",
    )


def test_a_review_is_booked_within_the_limit(plan, social_worker):
    refused(
        lambda: services.review_schedule(actor=social_worker, plan=plan, on=dt.date(2027, 3, 1)),
        "on",
        "must be held by 5 February 2027",
    )
    refused(
        lambda: services.review_schedule(actor=social_worker, plan=plan, on=dt.date(2026, 1, 1)),
        "on",
        "passed",
    )
    services.review_schedule(actor=social_worker, plan=plan, on=dt.date(2027, 1, 20))
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2027, 1, 20)


def test_a_case_closes_only_when_nothing_runs(plan, open_case, social_worker):
    refused(
        lambda: services.case_close(actor=social_worker, case=open_case, reason="Done"),
        "case",
        "close the plan",
    )


# ---------------------------------------------------------------- from a referral
@pytest.fixture
def decided_referral(child, police_officer, mash_worker):
    from lantern.frontdoor import services as frontdoor
    from lantern.frontdoor.services import ReferralIn

    referral = frontdoor.referral_make(
        actor=police_officer,
        data=ReferralIn(
            given_name=child.given_name,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth,
            concern="Seen getting into cars with older men",
            categories=["criminal_exploitation"],
            consent=True,
            received_at=CASE_STARTED,
        ),
    )
    frontdoor.referral_match(actor=mash_worker, referral=referral, person=child)
    frontdoor.referral_rate(actor=mash_worker, referral=referral, rag="amber", reason="Pattern")
    return frontdoor.referral_decide(
        actor=mash_worker, referral=referral, decision="strategy_discussion", reason="Harm"
    )


def test_a_strategy_discussion_after_a_referral_opens_the_case(
    decided_referral, record_strategy, social_worker
):
    refused(
        lambda: record_strategy(
            referral=decided_referral, held_at=CASE_STARTED - dt.timedelta(minutes=5)
        ),
        "held_at",
        "before the referral was received",
    )
    meeting = record_strategy(referral=decided_referral)
    assert meeting.case.referral == decided_referral
    assert meeting.case.started_at == decided_referral.received_at


def test_an_assessment_meets_the_front_doors_45_day_clock(decided_referral, social_worker, child):
    case = services.case_open(
        actor=social_worker, person=child, reason="Assessment", referral=decided_referral
    )
    assessment = services.assessment_start(actor=social_worker, case=case, kind="child_in_need")
    assert assessment.due_at == rules.due("assessment", decided_referral.received_at)
    clock = deadline(decided_referral, "assessment")
    assert clock.is_open
    services.assessment_complete(actor=social_worker, assessment=assessment, findings="Needs met")
    clock.refresh_from_db()
    assert clock.met_at is not None


def test_an_assessment_on_an_open_case_keeps_its_own_clock(open_case, social_worker):
    assessment = services.assessment_start(
        actor=social_worker, case=open_case, kind="child_protection"
    )
    assert deadline(assessment, "assessment").due_at == rules.due("assessment", CASE_STARTED)
    refused(
        lambda: services.assessment_start(
            actor=social_worker, case=open_case, kind="child_in_need"
        ),
        "kind",
        "already under way",
    )


def test_a_referral_not_decided_opens_nothing(child, police_officer, social_worker):
    from lantern.frontdoor import services as frontdoor
    from lantern.frontdoor.services import ReferralIn

    referral = frontdoor.referral_make(
        actor=police_officer,
        data=ReferralIn(
            given_name="K", family_name="M", concern="x", categories=["missing"], consent=True
        ),
    )
    referral.person = child
    refused(
        lambda: services.case_open(
            actor=social_worker, person=child, reason="x", referral=referral
        ),
        "referral",
        "not yet decided",
    )


# ---------------------------------------------------------------- actions
def test_the_owning_agency_marks_its_action_done(discussion, police_officer, social_worker):
    action = discussion.actions.get()
    refused(
        lambda: services.action_complete(actor=social_worker, action=action, note="Done"),
        "actor",
        "Only Northmoor Police",
    )
    refused(
        lambda: services.action_complete(actor=police_officer, action=action, note=" "),
        "note",
        "what was done",
    )
    services.action_complete(actor=police_officer, action=action, note="Registration checked")
    action.refresh_from_db()
    assert action.completed_by == police_officer and not action.is_open
    assert last_event("action.complete").subjects.filter(person_id=action.person_id).exists()
    refused(
        lambda: services.action_complete(actor=police_officer, action=action, note="Again"),
        "action",
        "already marked done",
    )


def test_a_plan_action_cannot_be_due_in_the_past(plan, social_worker, nhs):
    refused(
        lambda: services.plan_action_add(
            actor=social_worker,
            plan=plan,
            action=ActionIn(nhs, "Health assessment", NOW.date() - dt.timedelta(days=1)),
        ),
        "actions.0",
        "cannot be due before",
    )
    added = services.plan_action_add(
        actor=social_worker,
        plan=plan,
        action=ActionIn(nhs, "Health assessment", NOW.date(), user("nhs.nurse")),
    )
    assert added.owner_user.username == "nhs.nurse"
