"""Front-door reads: each reader sees what their relationship to a referral allows, every
look is audited, and a hidden referral is never listed or counted."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.audit.models import AuditEvent
from lantern.core import clock
from lantern.frontdoor import selectors, services
from lantern.frontdoor.models import Referral

pytestmark = pytest.mark.django_db


def test_a_hidden_referral_is_not_found_listed_or_counted(school_dsl, make_referral):
    referral = make_referral()  # the police's, not the school's
    before = selectors.home_panel(user=school_dsl)
    with pytest.raises(Referral.DoesNotExist):
        selectors.referral_get(user=school_dsl, reference=referral.reference)
    assert referral not in selectors.agency_referrals(user=school_dsl, page=1).object_list
    assert selectors.front_door_queue(user=school_dsl) == []
    assert selectors.agency_requests(user=school_dsl).open == []
    assert selectors.home_panel(user=school_dsl) == before


def test_the_queue_is_audited_naming_every_referral(mash_worker, make_referral):
    referral = make_referral()
    shown = selectors.front_door_queue(user=mash_worker)
    assert referral in shown
    event = AuditEvent.objects.filter(operation="referral.queue").order_by("-id").first()
    assert event.subjects.filter(record_type="frontdoor.referral").count() == len(shown)


def test_home_panel_counts_open_overdue_and_unmatched(mash_worker, police_officer, make_referral):
    before = selectors.home_panel(user=mash_worker)
    make_referral(received_at=clock.now() - dt.timedelta(days=6))
    after = selectors.home_panel(user=mash_worker)
    assert after.front_door_open == before.front_door_open + 1
    assert after.front_door_overdue == before.front_door_overdue + 1
    assert after.front_door_unmatched == before.front_door_unmatched + 1
    assert selectors.home_panel(user=police_officer).front_door_open is None


def test_the_asked_agency_sees_the_child_but_not_the_concern_or_other_answers(
    rated, mash_worker, nhs_nurse, police_officer
):
    asked_police = services.information_request_send(
        actor=mash_worker, referral=rated, agency=police_officer.agency, question="?"
    )
    services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    services.information_request_answer(
        actor=police_officer, request=asked_police, answer="Known for going missing"
    )
    view = selectors.referral_view(user=nhs_nurse, referral=rated)
    assert view.mode == "asked"
    assert view.categories == [] and view.ratings == [] and view.re_referrals == []
    assert [r.agency for r in view.requests] == [nhs_nurse.agency]
    event = AuditEvent.objects.filter(operation="referral.view").order_by("-id").first()
    assert event.actor_username == nhs_nurse.username
    assert "asked for information" in event.purpose


def test_answered_requests_shown_to_the_agency_are_audited(rated, mash_worker, nhs_nurse):
    """Once answered, a request leaves 'waiting' but still shows what the agency said about
    the child: listing it is a look, recorded even when nothing is waiting."""
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    services.information_request_answer(actor=nhs_nurse, request=request, answer="Two visits")
    listed = selectors.agency_requests(user=nhs_nurse)
    assert listed.open == [] and listed.answered == [request]
    event = AuditEvent.objects.filter(operation="referral.requests.list").order_by("-id").first()
    assert event.actor_username == nhs_nurse.username
    assert event.subjects.filter(
        record_type="frontdoor.informationrequest", record_id=str(request.pk)
    ).exists()


def test_the_referrer_sees_the_outcome_not_the_triage(rated, police_officer):
    view = selectors.referral_view(user=police_officer, referral=rated)
    assert view.mode == "referrer" and view.categories
    assert view.ratings == [] and view.requests == [] and not view.can_triage


def test_re_referrals_within_12_months_are_shown_with_their_outcome(
    make_referral, mash_worker, known_child, rated
):
    with clock.frozen_at(clock.now() - dt.timedelta(days=400)):
        old = make_referral()
        services.referral_match(actor=mash_worker, referral=old, person=known_child)
    with clock.frozen_at(clock.now() - dt.timedelta(days=100)):
        recent = make_referral()
        services.referral_match(actor=mash_worker, referral=recent, person=known_child)
        services.referral_rate(actor=mash_worker, referral=recent, rag="green", reason="x")
        services.referral_decide(
            actor=mash_worker, referral=recent, decision="early_help", reason="Support"
        )
    view = selectors.referral_view(user=mash_worker, referral=rated)
    assert [r.pk for r in view.re_referrals] == [recent.pk]
    assert view.re_referrals[0].status_label == "Early help"


def test_candidates_are_ranked_among_people_the_front_door_may_see(
    make_referral, mash_worker, known_child
):
    referral = make_referral(
        given_name=known_child.given_name,
        family_name=known_child.family_name,
        date_of_birth=known_child.date_of_birth,
    )
    matches = selectors.triage_candidates(user=mash_worker, referral=referral)
    assert matches and matches[0].person == known_child
    assert matches[0].probability >= matches[-1].probability
    assert AuditEvent.objects.filter(operation="referral.match_candidates").exists()
