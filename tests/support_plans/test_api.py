"""The support API: plans (list and detail), the directory, a referral's steps and safe
contact, through the same services and access rules as the pages: a refusal is a 400
naming the field, a plan of another agency a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.support import services
from lantern.support.models import ReferralStatus, SafeContact

from .conftest import MONDAY, on

pytestmark = pytest.mark.django_db


def call(client, method: str, url: str, data=None):
    with on(MONDAY, 12):
        if method == "get":
            return client.get(url, data or {})
        return client.post(url, data or {}, content_type="application/json")


def test_plans_list_and_detail(client_for, plan_for, support_worker, child):
    plan = plan_for(child)
    client = client_for(support_worker)
    listed = call(client, "get", reverse("api:support-plans")).json()
    assert listed["counts"] == {"mine": 1, "open": 1, "ended": 0}
    assert [r["person"]["reference"] for r in listed["results"]] == [child.reference]
    assert call(client, "get", reverse("api:support-plans"), {"show": "all"}).status_code == 400
    detail = call(client, "get", reverse("api:support-plan", args=[plan.pk])).json()
    assert detail["status"] == "open" and detail["age_status"] == "Child"
    assert detail["lead_worker"] == "support.worker" and detail["agency"] == "harbour-survivors"
    assert len(detail["engagements"]) == 1 and detail["safe_contact"] is None


def test_a_referral_through_the_api_from_sent_to_ended(
    client_for, plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    client = client_for(support_worker)
    url = reverse("api:support-plan-referrals", args=[plan.pk])
    assert call(client, "post", url, {"service": "nope", "reason": "x"}).status_code == 400
    children_only = call(client, "post", url, {"service": "test-children-therapy", "reason": "x"})
    assert (
        children_only.status_code == 400 and "children only" in children_only.json()["service"][0]
    )
    sent = call(client, "post", url, {"service": "test-counselling", "reason": "Counselling"})
    assert sent.status_code == 201
    referral = sent.json()["referrals"][0]
    assert referral["status"] == "sent" and referral["chase_on"] == "2026-11-16"
    pk = referral["id"]
    answer = reverse("api:support-referral-answer", args=[pk])
    assert call(client, "post", answer, {"accepted": True}).json()["referrals"][0]["status"] == (
        "accepted"
    )
    start = reverse("api:support-referral-start", args=[pk])
    assert call(client, "post", start, {"started_on": "2026-11-02"}).status_code == 200
    end = reverse("api:support-referral-end", args=[pk])
    refused = call(client, "post", end, {"ended_on": "2026-11-01", "reason": "Done"})
    assert refused.status_code == 400
    assert refused.json()["ended_on"] == [
        "The day it ended must be the same as or after the day it started (2 November 2026)"
    ]
    assert plan.referrals.get().status == ReferralStatus.STARTED
    ended = call(client, "post", end, {"ended_on": "2026-11-02", "reason": "Done"})
    assert ended.status_code == 200 and ended.json()["referrals"][0]["status"] == "ended"


def test_the_directory_counts_with_no_one_named(
    client_for, plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="x"
        )
    found = call(client_for(support_worker), "get", reverse("api:support-services")).json()
    counselling = next(s for s in found if s["code"] == "test-counselling")
    assert counselling["waiting_for_answer"] == 1 and counselling["in_use"] == 0
    assert adult.reference not in str(found)
    adults_only = call(
        client_for(support_worker), "get", reverse("api:support-services"), {"for": "children"}
    ).json()
    assert "test-counselling" not in {s["code"] for s in adults_only}


def test_safe_contact_through_the_api(client_for, support_worker, police_officer, child):
    client = client_for(support_worker)
    url = reverse("api:support-safe-contact", args=[child.reference])
    assert call(client, "get", url).json() == {"person": child.reference, "safe_contact": None}
    refused = call(client, "post", url, {"phone": "0033 612345678"})
    assert refused.status_code == 400 and "phone" in refused.json()
    made = call(client, "post", url, {"phone": "07700 900123", "times": "after 16:00"})
    assert made.status_code == 201
    shown = made.json()["safe_contact"]
    assert shown["summary"] == "call or text only 07700 900123, after 16:00, no messages, no post"
    assert SafeContact.objects.filter(person=child).count() == 1
    police = client_for(police_officer)
    assert call(police, "get", url).status_code == 404
    assert call(police, "post", url, {"phone": "07700 900123"}).status_code == 404


def test_another_agency_gets_404_on_every_plan_route(
    client_for, plan_for, support_worker, youth_worker, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        referral = services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="x"
        )
    client = client_for(youth_worker)
    assert call(client, "get", reverse("api:support-plan", args=[plan.pk])).status_code == 404
    assert (
        call(
            client,
            "post",
            reverse("api:support-plan-referrals", args=[plan.pk]),
            {"service": "test-advocacy", "reason": "x"},
        ).status_code
        == 404
    )
    for name in ("answer", "start", "end", "withdraw"):
        url = reverse(f"api:support-referral-{name}", args=[referral.pk])
        assert call(client, "post", url, {"accepted": True}).status_code == 404
    assert call(client, "get", reverse("api:support-plans"), {"show": "open"}).json()["counts"] == {
        "mine": 0,
        "open": 0,
        "ended": 0,
    }
