"""Casework pages: each step recorded through its page, refusals shown beside the field,
the responsibilities on each step, and a child the reader may not see answering 404
on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.casework import models, services

from .conftest import HELD, user

pytestmark = pytest.mark.django_db


def meeting_post(agencies, **changes):
    data = {
        "held_at": "30 10 2026 10:00",
        "chair": str(user("social.worker").pk),
        "summary": "Concerns about exploitation",
        "decisions": "Start a section 47 enquiry\nJoint visit tomorrow",
        "start_section_47": "yes",
        "criminal_investigation": "joint",
        "action_0_agency": "northmoor-police",
        "action_0_text": "Check the car's registration",
        "action_0_due": "6 11 2026",
    }
    for code, attendance, who in agencies:
        data[f"att_{code}"] = attendance
        data[f"who_{code}"] = who
        data[f"info_{code}"] = f"What {code} knows"
    data.update(changes)
    return data


THREE = [
    ("kestrelford-childrens-services", "attended", "Daniel Hartley"),
    ("northmoor-police", "attended", "DC Whitcombe"),
    ("kestrelford-nhs", "attended", "Helen Marsh"),
]


def test_overview_shows_the_next_step_and_who_does_what(
    client_for, social_worker, open_case, child
):
    page = client_for(social_worker).get(reverse("casework:person", args=[child.reference]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Case opened" in text and "Who does what" in text
    assert "Record a strategy discussion" in text
    event = AuditEvent.objects.filter(operation="casework.view").order_by("-id").first()
    assert event.subjects.filter(person_id=child.pk).exists()


def test_a_strategy_discussion_recorded_through_its_page(
    client_for, social_worker, open_case, child
):
    client = client_for(social_worker)
    url = reverse("casework:meeting-new", args=[child.reference, "strategy_discussion"])
    form = client.get(url)
    assert form.status_code == 200 and "Northmoor Police" in form.content.decode()
    refused = client.post(url, meeting_post(THREE[:1]))
    assert refused.status_code == 400
    assert "Missing: Police force, NHS trust" in refused.content.decode()
    assert not models.Meeting.objects.exists()
    done = client.post(url, meeting_post(THREE))
    meeting = models.Meeting.objects.get()
    assert done.status_code == 302 and done.url == reverse("casework:meeting", args=[meeting.pk])
    assert meeting.actions.get().owner_agency.code == "northmoor-police"
    page = client.get(done.url)
    assert "Start the section 47 enquiry" in page.content.decode()
    started = client.post(
        reverse("casework:enquiry-start", args=[meeting.pk]),
        {"lead_worker": str(social_worker.pk), "started_at": ""},
    )
    enquiry = models.Enquiry.objects.get()
    assert started.url == reverse("casework:enquiry", args=[enquiry.pk])
    assert "Initial child protection conference" in client.get(started.url).content.decode()


def test_the_enquiry_conference_and_plan_pages(
    client_for, team_manager, social_worker, enquiry_for_conference, child
):
    client = client_for(team_manager)
    url = reverse("casework:conference-new", args=[child.reference])
    bad = client.post(
        url,
        {
            "held_at": "1 1 2099 10:00",
            "chair": "R",
            "outcome": "plan",
            "category": "neglect",
            "reasons": "x",
        },
    )
    assert bad.status_code == 400 and "cannot be in the future" in bad.content.decode()
    done = client.post(
        url,
        {
            "held_at": "5 11 2026 10:00",
            "chair": "Ruth Ellery",
            "outcome": "plan",
            "category": "neglect",
            "reasons": "Risk",
        },
    )
    conference = models.Conference.objects.get()
    assert done.url == reverse("casework:conference", args=[conference.pk])
    assert "Start the plan" in client.get(done.url).content.decode()
    started = client.post(
        reverse("casework:plan-new", args=[child.reference]),
        {
            "kind": "child_protection",
            "lead_worker": str(social_worker.pk),
            "core_group": [str(user("nhs.nurse").pk)],
            "others": "DC Sam Corrie, northmoor-police, Officer",
        },
    )
    plan = models.Plan.objects.get()
    assert started.url == reverse("casework:plan", args=[plan.pk])
    assert plan.core_group.count() == 3
    page = client.get(started.url).content.decode()
    assert "First core group meeting" in page and "Helen Marsh" in page
    review = client.post(
        reverse("casework:plan-review", args=[plan.pk]),
        {
            "held_at": "10 11 2026 09:00",
            "chair": "Ruth Ellery",
            "outcome": "continue",
            "category": "neglect",
            "reasons": "Still at risk",
        },
    )
    assert review.status_code == 302
    closed = client.post(reverse("casework:plan-close", args=[plan.pk]), {"reason": "needs_met"})
    assert closed.status_code == 400
    assert "review conference decides" in closed.content.decode()


def test_an_agency_marks_its_action_done(client_for, police_officer, discussion):
    action = discussion.actions.get()
    client = client_for(police_officer)
    listing = client.get(reverse("casework:actions")).content.decode()
    assert "Check the grey car" in listing
    page = client.get(reverse("casework:action", args=[action.pk]))
    assert "Mark as done" in page.content.decode()
    done = client.post(
        reverse("casework:action", args=[action.pk]), {"note": "Checked: false plates"}
    )
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.completion_note == "Checked: false plates"


def test_another_agency_cannot_mark_it_done(client_for, nhs_nurse, discussion):
    action = discussion.actions.get()
    client = client_for(nhs_nurse)
    assert (
        "Mark as done"
        not in client.get(reverse("casework:action", args=[action.pk])).content.decode()
    )
    refused = client.post(reverse("casework:action", args=[action.pk]), {"note": "x"})
    assert refused.status_code == 400 and "Only Northmoor Police" in refused.content.decode()
    assert "Check the grey car" not in client.get(reverse("casework:actions")).content.decode()


@pytest.fixture
def hidden_case(council_only_child, social_worker, police, nhs, council):
    """A council-only child's whole casework, in which the school takes no part: the
    school's safeguarding lead may not see it."""
    from lantern.casework.models import Attendance
    from lantern.casework.services import ActionIn, AgencyAtMeeting

    child = council_only_child
    case = services.case_open(
        actor=social_worker, person=child, reason="x", started_at=HELD - dt.timedelta(days=1)
    )
    meeting = services.strategy_discussion_record(
        actor=social_worker,
        person=child,
        held_at=HELD,
        chair=social_worker,
        agencies=[
            AgencyAtMeeting(council, Attendance.ATTENDED, "DH"),
            AgencyAtMeeting(police, Attendance.ATTENDED, "TW"),
            AgencyAtMeeting(nhs, Attendance.ATTENDED, "HM"),
        ],
        decisions=["Start"],
        start_section_47=True,
        criminal_investigation="none",
        actions=[ActionIn(police, "Police action on a hidden child", HELD.date())],
    )
    enquiry = services.enquiry_start(actor=social_worker, meeting=meeting)
    assessment = services.assessment_start(actor=social_worker, case=case, kind="child_in_need")
    return child, meeting, enquiry, assessment


def test_a_child_the_reader_may_not_see_answers_404_everywhere(client_for, school_dsl, hidden_case):
    child, meeting, enquiry, assessment = hidden_case
    client = client_for(school_dsl)
    ref = child.reference
    for url in [
        reverse("casework:person", args=[ref]),
        reverse("casework:case-open", args=[ref]),
        reverse("casework:case-close", args=[ref]),
        reverse("casework:meeting-new", args=[ref, "mace"]),
        reverse("casework:assessment-new", args=[ref]),
        reverse("casework:conference-new", args=[ref]),
        reverse("casework:plan-new", args=[ref]),
        reverse("casework:meeting", args=[meeting.pk]),
        reverse("casework:enquiry", args=[enquiry.pk]),
        reverse("casework:assessment", args=[assessment.pk]),
        reverse("casework:action", args=[meeting.actions.get().pk]),
        reverse("api:person-casework", args=[ref]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("casework:action", args=[meeting.actions.get().pk]), {"note": "x"}
        ).status_code
        == 404
    )
    listing = client.get(reverse("casework:actions")).content.decode()
    assert "hidden child" not in listing and ref not in listing
    refusal = AuditEvent.objects.filter(outcome="refused", operation="meeting.view").first()
    assert refusal is not None


@pytest.fixture
def decided_for_strategy(child, police_officer, mash_worker, now):
    """The front door decided on a strategy discussion about the child; no case yet."""
    from lantern.frontdoor import services as frontdoor

    referral = frontdoor.referral_make(
        actor=police_officer,
        data=frontdoor.ReferralIn(
            given_name=child.given_name,
            family_name=child.family_name,
            concern="Seen getting into a grey car with two adult men",
            categories=["criminal_exploitation"],
            consent=True,
            received_at=now - dt.timedelta(days=1),
        ),
    )
    frontdoor.referral_match(actor=mash_worker, referral=referral, person=child)
    frontdoor.referral_rate(actor=mash_worker, referral=referral, rag="amber", reason="CCE")
    return frontdoor.referral_decide(
        actor=mash_worker, referral=referral, decision="strategy_discussion", reason="s47"
    )


def test_after_the_front_door_decides_the_strategy_discussion_is_next(
    client_for, social_worker, child, decided_for_strategy
):
    """No case yet: the overview says the front door's decision is waiting, and recording
    the strategy discussion opens the case from that referral."""
    referral = decided_for_strategy
    client = client_for(social_worker)
    page = client.get(reverse("casework:person", args=[child.reference])).content.decode()
    assert f"the front door decided on (referral {referral.reference})" in page
    assert "Record the strategy discussion" in page and "Front-door decision" in page
    url = reverse("casework:meeting-new", args=[child.reference, "strategy_discussion"])
    assert "Recording it opens the child's case" in client.get(url).content.decode()
    done = client.post(
        url, meeting_post(THREE, held_at="10 11 2026 09:00", action_0_due="13 11 2026")
    )
    assert done.status_code == 302
    case = models.Case.objects.get(person=child)
    assert case.referral == referral and case.started_at == referral.received_at


def test_a_missing_agency_is_named_beside_its_own_attendance(
    client_for, social_worker, open_case, child
):
    url = reverse("casework:meeting-new", args=[child.reference, "strategy_discussion"])
    refused = client_for(social_worker).post(url, meeting_post(THREE[:1]))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'href="#id_att_kestrelford-nhs"' in html  # the first missing agency's field
    assert 'id="id_att_kestrelford-nhs-error"' in html


def test_a_refused_action_row_is_named(client_for, social_worker, open_case, child):
    url = reverse("casework:meeting-new", args=[child.reference, "strategy_discussion"])
    refused = client_for(social_worker).post(url, meeting_post(THREE, action_0_due=""))
    assert refused.status_code == 400
    assert "Action 1: Enter when the action is due" in refused.content.decode()
