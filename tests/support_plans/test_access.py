"""Who sees a support plan: its lead agency, open or ended. Another agency's support
worker gets 404 on its page and its API, and finds it in no list, count or directory page
of theirs. The check is proved able to fail: with the agency rule broken, it reports the
leak. Safe contact is for anyone who may contact her; her hidden address for her lead
worker only."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.urls import reverse

from lantern.access import policy
from lantern.support import selectors, services

from .conftest import MONDAY, on

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(plan_for, support_worker, child, directory):
    made = plan_for(child)
    with on(MONDAY):
        services.referral_send(
            actor=support_worker, plan=made, service=directory["advocacy"], reason="ISVA"
        )
        services.safe_contact_set(
            actor=support_worker,
            person=made.person,
            phone="07700 900123",
            times="weekdays 10:00-14:00",
            may_text=False,
            hide_address=True,
            hide_reason="Her abuser is seeking her",
        )
    return made


def leaks(client, user, plan) -> list[str]:
    """Every place the plan shows to the user: empty for anyone outside its lead agency."""
    found = []
    with on(MONDAY):
        for show in selectors.SHOWS:
            rows, counts = selectors.plan_list(user=user, show=show)
            if any(r.plan.pk == plan.pk for r in rows) or counts[show]:
                found.append(f"list:{show}")
        if selectors.plans_visible_to(user, "view").filter(pk=plan.pk).exists():
            found.append("selector")
        if client.get(reverse("support:plan", args=[plan.pk])).status_code != 404:
            found.append("page")
        listed = client.get(reverse("support:plans") + "?show=open").content
        if plan.person.reference.encode() in listed:
            found.append("list page")
        if client.get(reverse("api:support-plan", args=[plan.pk])).status_code != 404:
            found.append("api")
        body = client.get(reverse("api:support-plans") + "?show=open").json()
        if any(r["id"] == plan.pk for r in body["results"]):
            found.append("api list")
        service = client.get(reverse("support:service", args=["test-advocacy"])).content
        if plan.person.reference.encode() in service:
            found.append("service page")
        referral = plan.referrals.get()
        step = client.post(
            reverse("api:support-referral-withdraw", args=[referral.pk]),
            {"reason": "x"},
            content_type="application/json",
        )
        if step.status_code != 404:
            found.append("api step")
    return found


def test_another_agencys_support_worker_never_finds_the_plan(client_for, youth_worker, plan):
    assert leaks(client_for(youth_worker), youth_worker, plan) == []
    plan.referrals.get().refresh_from_db()
    assert plan.referrals.get().status == "sent"


def test_the_check_fails_when_the_agency_rule_is_broken(
    client_for, youth_worker, plan, monkeypatch
):
    """The same check with `agency_record_q` ignoring whose plan it is: it must see the
    leak, or the test above proves nothing."""
    original = policy.agency_record_q

    def any_agency(user, action, record_type, prefix=""):
        if record_type != "support_plan":
            return original(user, action, record_type, prefix)
        return Q(**{f"{prefix}sensitivity__in": ["normal"]})

    monkeypatch.setattr(policy, "agency_record_q", any_agency)
    monkeypatch.setattr(policy, "_holds_agency_record", lambda user, record_type, record: True)
    found = leaks(client_for(youth_worker), youth_worker, plan)
    assert {"list:open", "selector", "page", "api", "api list"} <= set(found)


def test_her_lead_agency_sees_it_and_anyone_else_on_the_police_side_does_not(
    client_for, colleague, police_officer, plan
):
    with on(MONDAY):
        assert client_for(colleague).get(reverse("support:plan", args=[plan.pk])).status_code == 200
        police = client_for(police_officer)
        assert police.get(reverse("support:plan", args=[plan.pk])).status_code == 404
        assert police.get(reverse("api:support-plan", args=[plan.pk])).status_code == 404


def test_safe_contact_shows_to_anyone_who_may_view_her_and_the_address_only_to_her_lead(
    client_for, support_worker, social_worker, police_officer, youth_worker, plan
):
    person = plan.person
    with on(MONDAY):
        page = client_for(social_worker).get(reverse("support:person", args=[person.reference]))
        assert page.status_code == 200
        assert (
            b"Safe contact: call only 07700 900123, weekdays 10:00-14:00, no texts" in page.content
        )
        assert b"Contact Kerys through the lead worker, Aisha Rahman" in page.content
        mine = client_for(support_worker).get(reverse("support:person", args=[person.reference]))
        assert b"Address hidden from everyone but you, the lead worker" in mine.content
        for outsider in (police_officer, youth_worker):
            assert selectors.safe_contact_for(user=outsider, person=person) is None
            client = client_for(outsider)
            url = reverse("support:safe-contact", args=[person.reference])
            assert client.get(url).status_code == 404
            api = reverse("api:support-safe-contact", args=[person.reference])
            assert client.get(api).status_code == 404
    assert policy.address_hidden_from(social_worker, person)
    assert not policy.address_hidden_from(support_worker, person)


def test_when_her_plan_ends_the_address_is_hidden_from_her_old_lead_worker_too(
    support_worker, plan
):
    with on(MONDAY):
        services.plan_end(actor=support_worker, plan=plan, reason="She moved away")
    assert policy.address_hidden_from(support_worker, plan.person)


def test_the_plan_holder_still_sees_how_to_contact_her_after_her_plan_ends(
    client_for, support_worker, adult
):
    """Her old lead worker cannot see her record once the plan ends (unless her agency
    holds one), but must still see how to contact her safely to re-engage her."""
    from lantern.support.models import SupportPlan

    with on(MONDAY):
        services.safe_contact_set(actor=support_worker, person=adult, phone="07700 900999")
        plan = services.plan_open(
            actor=support_worker, person=adult, lead_worker=support_worker, summary="Support"
        )
        services.plan_end(actor=support_worker, plan=plan, reason="Break")
        view = selectors.plan_view(user=support_worker, pk=plan.pk)
    assert view.safe_contact is not None and "07700 900999" in view.safe_contact.headline
    assert SupportPlan.objects.get(pk=plan.pk).ended_at is not None
