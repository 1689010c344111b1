"""The casework API's writes: every step recorded through the API, in the law's order,
through the same services (write rule, order, deadlines, audit) as the pages. Refusals
name the field and save nothing; a child or record the caller may not see answers 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from lantern.access.models import Notification
from lantern.audit.models import AuditEvent
from lantern.casework import models, services
from lantern.timescales import rules
from lantern.timescales.models import Deadline

from .conftest import CASE_STARTED, COUNCIL, HELD, NHS, NOW, POLICE

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
    """Everything a casework write touches (the audit log: its writes, not refused looks)."""
    return (
        tuple(m.objects.count() for m in CASEWORK_MODELS),
        AuditEvent.objects.exclude(outcome="refused").count(),
        Deadline.objects.count(),
        Notification.objects.count(),
    )


def post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def refused(client, url: str, body: dict, field: str, words: str):
    """The call is refused with a 400 naming `field` (its reason containing `words`), and
    nothing is saved."""
    before = counts()
    reply = post(client, url, body)
    assert reply.status_code == 400, reply.content
    errors = reply.json()
    assert field in errors, errors
    assert words.lower() in str(errors[field]).lower(), errors[field]
    assert counts() == before
    return errors[field]


def at(moment: dt.datetime) -> str:
    return moment.isoformat()


def deadline(subject, rule: str) -> Deadline:
    return Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, rule=rule
    )


def wrote(operation: str, person) -> bool:
    """A write event for this operation, naming the child."""
    return AuditEvent.objects.filter(
        operation=operation, subjects__person_id=person.pk, outcome="allowed"
    ).exists()


AGENCIES = [
    {"agency": COUNCIL, "attendance": "attended", "attendees": "Daniel Hartley, social worker"},
    {
        "agency": POLICE,
        "attendance": "attended",
        "attendees": "DC Tom Whitcombe",
        "information": "Seen in a grey car",
    },
    {
        "agency": NHS,
        "attendance": "attended",
        "attendees": "Helen Marsh, named nurse",
        "information": "Two A&E visits",
    },
]


def strategy_body(**changes) -> dict:
    body = {
        "kind": "strategy_discussion",
        "held_at": at(HELD),
        "chair": "social.worker",
        "summary": "Concerns of criminal exploitation",
        "decisions": ["Start a section 47 enquiry", "Joint visit tomorrow"],
        "agencies": AGENCIES,
        "actions": [
            {
                "agency": POLICE,
                "description": "Check the grey car's registration",
                "due_on": str(HELD.date() + dt.timedelta(days=3)),
            }
        ],
        "start_section_47": True,
        "criminal_investigation": "joint",
    }
    body.update(changes)
    return body


@pytest.fixture
def decided_referral(child, police_officer, mash_worker):
    """A police referral about the child, which the front door decided should go to a
    strategy discussion."""
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


# ---------------------------------------------------------------- the whole way through
def test_from_a_front_door_decision_to_a_closed_case(
    client_for, social_worker, team_manager, child, decided_referral
):
    api = client_for(social_worker)
    ref = child.reference

    # The strategy discussion the front door decided on opens the case from its referral.
    reply = post(api, reverse("api:person-meetings", args=[ref]), strategy_body())
    assert reply.status_code == 201, reply.content
    meeting = reply.json()
    case = models.Case.objects.get(person=child, closed_at=None)
    assert case.referral == decided_referral and case.started_at == CASE_STARTED
    assert meeting["case"] == case.pk and meeting["start_section_47"] is True
    assert [a["agency"] for a in meeting["agencies"]] == [COUNCIL, NHS, POLICE]
    assert meeting["decisions"] == ["Start a section 47 enquiry", "Joint visit tomorrow"]
    assert [(a["owner_agency"], a["due_on"]) for a in meeting["actions"]] == [
        (POLICE, "2026-11-02")
    ]
    assert wrote("meeting.record", child)

    reply = post(
        api,
        reverse("api:meeting-actions", args=[meeting["id"]]),
        {
            "agency": NHS,
            "description": "Share the A&E notes",
            "due_on": "2026-11-13",
        },
    )
    assert reply.status_code == 201, reply.content
    assert {a["owner_agency"] for a in reply.json()["actions"]} == {POLICE, NHS}
    assert wrote("action.add", child)

    # The enquiry starts the initial conference's clock, from the discussion.
    reply = post(
        api,
        reverse("api:meeting-enquiry", args=[meeting["id"]]),
        {"started_at": at(HELD + dt.timedelta(hours=2))},
    )
    assert reply.status_code == 201, reply.content
    enquiry = reply.json()
    assert enquiry["lead_worker"] == "social.worker" and enquiry["outcome"] == ""
    (clock,) = enquiry["deadlines"]
    assert clock["rule"] == "initial_conference" and clock["status"] == "upcoming"
    due = rules.due("initial_conference", HELD)
    assert dt.datetime.fromisoformat(clock["due_at"]) == due
    assert wrote("enquiry.start", child)

    reply = post(
        api,
        reverse("api:enquiry-complete", args=[enquiry["id"]]),
        {
            "outcome": "initial_conference",
            "reason": "Risk of significant harm is likely to continue",
            "completed_at": at(HELD + dt.timedelta(days=5)),
        },
    )
    assert reply.status_code == 200, reply.content
    assert reply.json()["outcome"] == "initial_conference"
    assert wrote("enquiry.complete", child)

    # The initial conference, within 15 working days, meets the clock.
    api = client_for(team_manager)
    reply = post(
        api,
        reverse("api:person-conferences", args=[ref]),
        {
            "held_at": at(HELD + dt.timedelta(days=6)),
            "chair": "Ruth Ellery, independent chair",
            "outcome": "plan",
            "category": "sexual",
            "reasons": "Continuing risk of sexual exploitation",
        },
    )
    assert reply.status_code == 201, reply.content
    conference = reply.json()
    assert conference["kind"] == "initial" and conference["enquiry"] == enquiry["id"]
    assert conference["deadlines"][0]["status"] == "met"
    assert wrote("conference.initial", child)

    # The plan: its first core group and first review deadlines start from the conference.
    api = client_for(social_worker)
    reply = post(
        api,
        reverse("api:person-plans", args=[ref]),
        {
            "kind": "child_protection",
            "core_group": [
                {"user": "nhs.nurse", "role": "Named nurse"},
                {"agency": POLICE, "name": "DC Sam Corrie", "role": "Investigating officer"},
            ],
        },
    )
    assert reply.status_code == 201, reply.content
    plan = reply.json()
    assert plan["category"] == "sexual" and plan["conference"] == conference["id"]
    assert {(m["agency"], m["user"]) for m in plan["core_group"]} == {
        (COUNCIL, "social.worker"),
        (NHS, "nhs.nurse"),
        (POLICE, None),
    }
    assert {d["rule"]: d["status"] for d in plan["deadlines"]} == {
        "first_core_group": "upcoming",
        "first_review_conference": "upcoming",
    }
    assert plan["next_review_on"] == "2027-02-05"
    assert wrote("plan.start", child)
    plan_row = models.Plan.objects.get(pk=plan["id"])

    reply = post(
        api,
        reverse("api:plan-actions", args=[plan["id"]]),
        {
            "agency": NHS,
            "description": "Health assessment",
            "due_on": "2026-11-20",
            "owner_user": "nhs.nurse",
        },
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["actions"][0]["owner_user"] == "nhs.nurse"

    reply = post(
        api,
        reverse("api:plan-core-group-meetings", args=[plan["id"]]),
        {"held_at": at(NOW - dt.timedelta(hours=1)), "notes": "Plan agreed"},
    )
    assert reply.status_code == 201, reply.content
    assert len(reply.json()["core_group_meetings"]) == 1
    assert deadline(plan_row, "first_core_group").met_at == NOW - dt.timedelta(hours=1)
    assert wrote("plan.core_group", child)

    reply = post(api, reverse("api:plan-schedule", args=[plan["id"]]), {"on": "2027-01-20"})
    assert reply.status_code == 200, reply.content
    assert reply.json()["next_review_on"] == "2027-01-20"
    assert wrote("plan.review_schedule", child)

    # The review: the plan continues, the next review due within 6 months; then it ends.
    review_url = reverse("api:plan-reviews", args=[plan["id"]])
    body = {"held_at": at(NOW), "chair": "Ruth Ellery", "reasons": "Still at risk"}
    reply = post(api, review_url, {**body, "outcome": "continue"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["kind"] == "review" and reply.json()["plan"] == plan["id"]
    assert deadline(plan_row, "first_review_conference").met_at == NOW
    assert deadline(plan_row, "review_conference").due_at == rules.due("review_conference", NOW)
    reply = post(api, review_url, {**body, "outcome": "end", "reasons": "Risk reduced"})
    assert reply.status_code == 201, reply.content
    plan_now = api.get(reverse("api:plan", args=[plan["id"]])).json()
    assert plan_now["closure_reason"] == "review_ended" and plan_now["closed_at"]
    assert [r["outcome"] for r in plan_now["reviews"]] == ["continue", "end"]
    assert wrote("conference.review", child)

    # Nothing is left running: the case closes.
    reply = post(api, reverse("api:person-case-close", args=[ref]), {"reason": "Plan ended"})
    assert reply.status_code == 200, reply.content
    assert reply.json()["closed_at"] and reply.json()["from_referral"] is True
    assert wrote("case.close", child)
    assert not models.Case.objects.filter(person=child, closed_at=None).exists()
    # Every clock has stopped, the front door's 45-day assessment clock on the referral
    # too: the case closed without an assessment, and the closure says so.
    assert not Deadline.objects.filter(person=child, met_at=None, cancelled_at=None).exists()
    stopped = Deadline.objects.get(person=child, rule="assessment")
    assert stopped.subject == decided_referral
    assert stopped.cancelled_reason == "Case closed without an assessment: Plan ended"


def test_a_case_for_a_child_already_known_and_an_assessment(client_for, social_worker, child):
    api = client_for(social_worker)
    reply = post(
        api,
        reverse("api:person-cases", args=[child.reference]),
        {"reason": "Allocated after concerns", "started_at": at(CASE_STARTED)},
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["from_referral"] is False and reply.json()["lead_agency"] == COUNCIL
    assert wrote("case.open", child)

    reply = post(
        api, reverse("api:person-assessments", args=[child.reference]), {"kind": "child_in_need"}
    )
    assert reply.status_code == 201, reply.content
    assessment = reply.json()
    due = rules.due("assessment", CASE_STARTED)
    assert dt.datetime.fromisoformat(assessment["due_at"]) == due
    row = models.Assessment.objects.get(pk=assessment["id"])
    assert deadline(row, "assessment").is_open

    url = reverse("api:assessment-complete", args=[assessment["id"]])
    refused(
        api,
        url,
        {"findings": "Needs met", "completed_at": "2999-01-01T10:00:00Z"},
        "completed_at",
        "cannot be in the future",
    )
    reply = post(api, url, {"findings": "Needs met by the family with support"})
    assert reply.status_code == 200, reply.content
    assert reply.json()["completed_at"] and deadline(row, "assessment").met_at == NOW
    assert wrote("assessment.complete", child)
    assert api.get(reverse("api:assessment", args=[row.pk])).json()["findings"].startswith("Needs")
    refused(api, url, {"findings": "Again"}, "assessment", "already finished")


def test_the_police_record_a_mace_without_a_case(client_for, police_officer, child):
    api = client_for(police_officer)
    url = reverse("api:person-meetings", args=[child.reference])
    body = {
        "kind": "mace",
        "held_at": at(HELD),
        "agencies": AGENCIES[1:],
        "decisions": [" "],
        "start_section_47": True,
    }
    refused(api, url, body, "decisions", "at least one decision")
    reply = post(api, url, {**body, "decisions": ["Abduction warning notice to the driver"]})
    assert reply.status_code == 201, reply.content
    mace = reply.json()
    assert mace["case"] is None and mace["chair"] == "police.officer"
    assert mace["start_section_47"] is None  # a strategy discussion's decision only
    assert wrote("meeting.record", child)


def test_reading_a_record_is_audited(client_for, social_worker, plan, child):
    api = client_for(social_worker)
    reply = api.get(reverse("api:plan", args=[plan.pk]))
    assert reply.status_code == 200
    assert reply.json()["person"] == child.reference
    look = AuditEvent.objects.filter(operation="api.plan.view").latest("id")
    assert look.action == "consultation" and look.actor_username == "social.worker"
    assert look.subjects.filter(person_id=child.pk).exists()
    meeting = plan.case.meetings.get()
    body = api.get(reverse("api:meeting", args=[meeting.pk])).json()
    assert body["enquiry"] == meeting.enquiry.pk
    assert AuditEvent.objects.filter(operation="api.meeting.view").exists()


# ---------------------------------------------------------------- refusals
def test_a_strategy_discussion_without_the_police_is_refused(
    client_for, social_worker, child, open_case
):
    apologies = [{**AGENCIES[1], "attendance": "apologies", "attendees": ""}]
    body = strategy_body(agencies=[AGENCIES[0], *apologies, AGENCIES[2]], actions=[])
    refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        body,
        "agencies",
        "Missing: Police force",
    )


def test_a_refused_discussion_after_a_referral_opens_no_case(
    client_for, social_worker, child, decided_referral
):
    """The discussion would open the case from the referral: refused, there is no case."""
    body = strategy_body(agencies=[AGENCIES[0], AGENCIES[2]])
    refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        body,
        "agencies",
        "Missing: Police force",
    )
    assert not models.Case.objects.filter(person=child).exists()


def test_an_unknown_agency_code_is_refused_naming_the_row(
    client_for, social_worker, child, open_case
):
    body = strategy_body(agencies=[*AGENCIES, {"agency": "atlantis-police", "attendance": "x"}])
    errors = refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        body,
        "agencies",
        "no partner agency has the code 'atlantis-police'",
    )
    assert list(errors) == ["3"] and set(errors["3"]) == {"agency", "attendance"}


def test_an_agency_with_no_part_in_the_childs_life_cannot_be_invited(
    client_for, social_worker, child, open_case
):
    """A school that holds no record of the child is not invited (as on the page), so a
    meeting cannot open the child's casework to it."""
    from lantern.partners.models import Agency

    school = Agency.objects.filter(kind="school", active=True).order_by("code").first()
    body = strategy_body(agencies=[*AGENCIES, {"agency": school.code, "attendance": "attended"}])
    refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        body,
        "agencies",
        "cannot be invited",
    )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"held_at": "2999-01-01T10:00:00Z"}, "held_at", "cannot be in the future"),
        ({"held_at": at(CASE_STARTED - dt.timedelta(days=1))}, "held_at", "before the case"),
        ({"chair": "nobody.here"}, "chair", "no active user"),
        ({"kind": "picnic"}, "kind", "not a valid choice"),
        ({"start_section_47": None}, "start_section_47", "section 47"),
        ({"criminal_investigation": ""}, "criminal_investigation", "criminal investigation"),
        ({"held_at": "yesterday"}, "held_at", "wrong format"),
        ({"agencies": []}, "agencies", "record which agencies"),
    ],
)
def test_bad_meetings_are_refused_naming_the_field(
    client_for, social_worker, child, open_case, changes, field, words
):
    refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        strategy_body(**changes),
        field,
        words,
    )


def test_an_action_for_an_agency_not_invited_names_its_row(
    client_for, social_worker, child, open_case
):
    from lantern.partners.models import Agency

    youth = Agency.objects.filter(kind="youth_service", active=True).order_by("code").first()
    body = strategy_body(
        actions=[
            {"agency": POLICE, "description": "Visit", "due_on": "2026-11-12"},
            {"agency": youth.code, "description": "Mentoring", "due_on": "2026-11-12"},
        ],
    )
    refused(
        client_for(social_worker),
        reverse("api:person-meetings", args=[child.reference]),
        body,
        "actions.1",
        "was not invited",
    )


def test_no_initial_conference_before_any_enquiry(client_for, team_manager, child, discussion):
    refused(
        client_for(team_manager),
        reverse("api:person-conferences", args=[child.reference]),
        {
            "held_at": at(NOW - dt.timedelta(days=1)),
            "chair": "Ruth Ellery",
            "outcome": "plan",
            "category": "sexual",
            "reasons": "Risk",
        },
        "case",
        "follows a section 47 enquiry",
    )


def test_a_step_needs_an_open_case(client_for, social_worker, child):
    api = client_for(social_worker)
    refused(
        api,
        reverse("api:person-assessments", args=[child.reference]),
        {"kind": "child_in_need"},
        "case",
        "no open case",
    )
    refused(
        api,
        reverse("api:person-case-close", args=[child.reference]),
        {"reason": "Done"},
        "case",
        "no open case",
    )
    refused(
        api,
        reverse("api:person-meetings", args=[child.reference]),
        strategy_body(),
        "case",
        "no open case",
    )


def test_a_single_actions_refusal_is_about_the_body(client_for, social_worker, plan, nhs):
    refused(
        client_for(social_worker),
        reverse("api:plan-actions", args=[plan.pk]),
        {"agency": NHS, "description": "Health assessment", "due_on": "2026-11-09"},
        "non_field_errors",
        "cannot be due before",
    )


def test_plan_steps_refused_out_of_turn(client_for, social_worker, plan):
    api = client_for(social_worker)
    refused(
        api,
        reverse("api:plan-close", args=[plan.pk]),
        {"reason": "needs_met"},
        "reason",
        "review conference decides",
    )
    refused(
        api,
        reverse("api:plan-schedule", args=[plan.pk]),
        {"on": "2027-12-01"},
        "on",
        "must be held by",
    )
    refused(
        api,
        reverse("api:plan-reviews", args=[plan.pk]),
        {"held_at": at(NOW), "chair": "R", "outcome": "plan", "reasons": "x"},
        "outcome",
        "not a valid choice",
    )
    refused(
        api,
        reverse("api:plan-core-group-meetings", args=[plan.pk]),
        {"held_at": at(NOW + dt.timedelta(hours=1)), "notes": "x"},
        "held_at",
        "future",
    )


def test_a_role_that_sees_the_child_but_may_not_record_is_refused(
    client_for, nhs_nurse, child, open_case, enquiry
):
    """As on the front door's API: a caller who may see the child but whose role may not
    record the step is refused naming `actor` (a 400), and nothing is saved."""
    api = client_for(nhs_nurse)
    refused(
        api,
        reverse("api:person-meetings", args=[child.reference]),
        strategy_body(chair="nhs.nurse"),
        "actor",
        "cannot record",
    )
    refused(
        api,
        reverse("api:enquiry-complete", args=[enquiry.pk]),
        {"outcome": "not_substantiated", "reason": "x"},
        "actor",
        "cannot record",
    )
    refused(
        api,
        reverse("api:person-cases", args=[child.reference]),
        {"reason": "x"},
        "actor",
        "cannot open",
    )


# ---------------------------------------------------------------- hidden children
def test_a_role_without_case_data_gets_404(client_for, scrutineer, child, plan):
    api = client_for(scrutineer)
    assert post(api, reverse("api:person-cases", args=[child.reference]), {}).status_code == 404
    assert api.get(reverse("api:plan", args=[plan.pk])).status_code == 404


def test_a_hidden_child_is_404_on_every_endpoint_and_nothing_is_saved(
    client_for, school_dsl, child, plan
):
    """The school holds no record of this child and takes no part in its casework: every
    casework endpoint answers as if the child and its records did not exist, before
    looking at the body, and the refused looks are recorded."""
    meeting = plan.case.meetings.get()
    enquiry = meeting.enquiry
    conference = plan.conference
    assessment = services.assessment_start(
        actor=plan.lead_worker, case=plan.case, kind="child_protection"
    )
    ref = child.reference
    writes = [
        reverse("api:person-cases", args=[ref]),
        reverse("api:person-case-close", args=[ref]),
        reverse("api:person-meetings", args=[ref]),
        reverse("api:person-assessments", args=[ref]),
        reverse("api:person-conferences", args=[ref]),
        reverse("api:person-plans", args=[ref]),
        reverse("api:meeting-actions", args=[meeting.pk]),
        reverse("api:meeting-enquiry", args=[meeting.pk]),
        reverse("api:enquiry-complete", args=[enquiry.pk]),
        reverse("api:assessment-complete", args=[assessment.pk]),
        reverse("api:plan-actions", args=[plan.pk]),
        reverse("api:plan-core-group-meetings", args=[plan.pk]),
        reverse("api:plan-reviews", args=[plan.pk]),
        reverse("api:plan-schedule", args=[plan.pk]),
        reverse("api:plan-close", args=[plan.pk]),
    ]
    reads = [
        reverse("api:meeting", args=[meeting.pk]),
        reverse("api:enquiry", args=[enquiry.pk]),
        reverse("api:assessment", args=[assessment.pk]),
        reverse("api:conference", args=[conference.pk]),
        reverse("api:plan", args=[plan.pk]),
    ]
    api = client_for(school_dsl)
    before = counts()
    for url in writes:
        reply = post(api, url, {})
        assert reply.status_code == 404, url
        assert ref not in reply.content.decode()
    for url in reads:
        assert api.get(url).status_code == 404, url
    assert counts() == before
    assert AuditEvent.objects.filter(
        actor_username="school.dsl", outcome="refused", subjects__person_id=child.pk
    ).count() >= len(writes) + len(reads)


def test_the_schema_describes_the_steps(client_for, social_worker):
    schema = client_for(social_worker).get(reverse("api:schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path, method, operation in [
        ("/api/v1/people/{reference}/cases/", "post", "casework_case_open"),
        ("/api/v1/people/{reference}/meetings/", "post", "casework_meeting_create"),
        ("/api/v1/meetings/{id}/enquiry/", "post", "casework_enquiry_start"),
        ("/api/v1/enquiries/{id}/complete/", "post", "casework_enquiry_complete"),
        ("/api/v1/people/{reference}/conferences/", "post", "casework_initial_conference_hold"),
        ("/api/v1/plans/{id}/reviews/", "post", "casework_review_conference_hold"),
        ("/api/v1/plans/{id}/", "get", "casework_plan_retrieve"),
    ]:
        assert paths[path][method]["operationId"] == operation
        names = [p["name"] for p in paths[path][method].get("parameters", [])]
        assert len(names) == len(set(names)) == 1, names
    components = schema["components"]["schemas"]
    assert components["MeetingInKindEnum"]["enum"] == ["strategy_discussion", "mace", "marac"]
    assert "agencies" in components["MeetingInRequest"]["required"]
