"""The support pages over HTTP, as the personas use them: Aisha Rahman (support.worker,
Harbour Survivors' Service) opens a plan, records what her survivor needs, refers her to a
service and sees the refusal beside the field with nothing saved; the safe-contact banner
at the top of the plan; the directory kept by the system administrator; and 404 for
anyone outside the lead agency."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from lantern.access.models import AccessBasis
from lantern.support import services
from lantern.support.models import Need, ReferralStatus, SafeContact, Service, SupportPlan

from .conftest import MONDAY, on

pytestmark = pytest.mark.django_db


def text(reply) -> str:
    """What the page says, without its markup."""
    words = re.sub(r"<[^>]+>", " ", reply.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def get(client, url, day=MONDAY):
    with on(day, 12):
        return client.get(url)


def post(client, url, data, day=MONDAY):
    with on(day, 12):
        return client.post(url, data)


def plan_url(plan, name="plan"):
    return reverse(f"support:{name}", args=[plan.pk])


def test_aisha_opens_a_plan_from_the_form_and_becomes_the_allocated_worker(
    client_for, support_worker, child
):
    client = client_for(support_worker)
    form = get(client, reverse("support:plan-open") + f"?person={child.reference}")
    assert form.status_code == 200
    assert "Kerys Almond" in text(form)
    refused = post(
        client,
        reverse("support:plan-open"),
        {"person": child.reference, "lead_worker": str(support_worker.pk), "summary": ""},
    )
    assert refused.status_code == 400
    assert "Enter what the support is for" in text(refused)
    assert not SupportPlan.objects.filter(person=child).exists()
    made = post(
        client,
        reverse("support:plan-open"),
        {
            "person": child.reference,
            "lead_worker": str(support_worker.pk),
            "summary": "Support after exploitation",
            "review_every_months": "3",
        },
    )
    plan = SupportPlan.objects.get(person=child)
    assert made.status_code == 302 and made["Location"] == plan_url(plan)
    assert AccessBasis.objects.filter(person=child, user=support_worker).exists()


def test_the_plan_page_opens_with_her_safe_contact_settings(
    client_for, plan_for, support_worker, child
):
    plan = plan_for(child)
    with on(MONDAY):
        services.safe_contact_set(
            actor=support_worker,
            person=child,
            phone="07700 900123",
            times="weekdays 10:00-14:00",
            may_text=False,
        )
    reply = get(client_for(support_worker), plan_url(plan))
    assert reply.status_code == 200
    page = text(reply)
    banner = "call only 07700 900123, weekdays 10:00-14:00, no texts, no messages, no post."
    assert f"Safe contact: {banner}" in page
    # The banner comes before anything else about her support.
    assert page.index("Safe contact:") < page.index("What she needs")
    assert "Child" in page and "turns 18 on 14 March 2028" in page


def test_a_service_ending_before_it_started_is_refused_beside_the_field_with_nothing_saved(
    client_for, plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        referral = services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="Therapy"
        )
        services.referral_answer(actor=support_worker, referral=referral, accepted=True)
        services.referral_start(actor=support_worker, referral=referral, started_on=MONDAY)
    client = client_for(support_worker)
    url = reverse("support:referral-end", args=[referral.pk])
    reply = post(client, url, {"ended_on": "1 11 2026", "end_reason": "Finished"})
    assert reply.status_code == 400
    body = reply.content.decode()
    error = re.search(rf'id="end-{referral.pk}-ended_on-error"[^>]*>(.*?)</p>', body, re.S)
    assert error and "must be the same as or after the day it started (2 November 2026)" in (
        error.group(1)
    )
    assert f'href="#end-{referral.pk}-ended_on"' in body  # the error summary links to it
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.STARTED and referral.ended_on is None
    done = post(client, url, {"ended_on": "2 11 2026", "end_reason": "Finished"})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENDED


def test_each_step_of_the_plan_from_its_page(
    client_for, plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    client = client_for(support_worker)
    assert (
        post(client, plan_url(plan, "need-add"), {"area": "housing", "description": ""}).status_code
        == 400
    )
    assert (
        post(
            client, plan_url(plan, "need-add"), {"area": "housing", "description": "A safe flat"}
        ).status_code
        == 302
    )
    need = Need.objects.get(plan=plan)
    assert post(client, reverse("support:need-met", args=[need.pk]), {}).status_code == 302
    again = post(client, reverse("support:need-met", args=[need.pk]), {})
    assert again.status_code == 400 and "already met" in text(again)
    assert (
        post(client, plan_url(plan, "goal-set"), {"description": "Drive again"}).status_code == 302
    )
    assert (
        post(
            client,
            plan_url(plan, "contact-record"),
            {"happened_at": "2 11 2026 10:30", "method": "phone", "summary": "Talked"},
        ).status_code
        == 302
    )
    assert (
        post(
            client, plan_url(plan, "review-record"), {"held_on": "2 11 2026", "summary": "Fine"}
        ).status_code
        == 302
    )
    sent = post(
        client,
        plan_url(plan, "referral-send"),
        {"service": "test-counselling", "reason": "Counselling"},
    )
    assert sent.status_code == 302
    referral = plan.referrals.get()
    answered = post(
        client,
        reverse("support:referral-answer", args=[referral.pk]),
        {"answer": "declined", "declined_reason": ""},
    )
    assert answered.status_code == 400 and "Enter the reason the service gave" in text(answered)
    assert (
        post(
            client,
            reverse("support:referral-answer", args=[referral.pk]),
            {"answer": "declined", "declined_reason": "Full until spring"},
        ).status_code
        == 302
    )
    ended = post(client, plan_url(plan, "plan-end"), {"reason": "She feels ready"})
    assert ended.status_code == 302
    page = text(get(client, plan_url(plan)))
    assert "Support ended on 2 November 2026" in page and "Start support again" in page
    back = post(client, plan_url(plan, "plan-reengage"), {"reason": "She asked again"})
    assert back.status_code == 302
    plan.refresh_from_db()
    assert plan.is_open and plan.engagements.count() == 2


def test_another_harbour_worker_cannot_re_engage_and_is_told_why(
    client_for, plan_for, support_worker, colleague, adult
):
    plan = plan_for(adult)
    with on(MONDAY):
        services.plan_end(actor=support_worker, plan=plan, reason="Break")
    reply = post(client_for(colleague), plan_url(plan, "plan-reengage"), {"reason": "She rang"})
    assert reply.status_code == 400
    assert "Only Aisha Rahman, the last lead worker" in text(reply)
    plan.refresh_from_db()
    assert not plan.is_open


def test_safe_contact_form_refuses_a_foreign_number_and_saves_a_uk_one(
    client_for, support_worker, child
):
    client = client_for(support_worker)
    url = reverse("support:safe-contact", args=[child.reference])
    assert get(client, url).status_code == 200
    refused = post(client, url, {"phone": "+33 6 12 34 56 78", "may_call": "on"})
    assert refused.status_code == 400 and "is not a UK phone number" in text(refused)
    assert not SafeContact.objects.filter(person=child).exists()
    hidden = post(client, url, {"phone": "07700 900123", "may_call": "on", "hide_address": "on"})
    assert hidden.status_code == 400 and "Say why the address must be hidden" in text(hidden)
    saved = post(
        client,
        url,
        {"phone": "07700900123", "times": "after 16:00", "may_call": "on", "may_post": ""},
    )
    assert saved.status_code == 302
    settings = SafeContact.objects.get(person=child)
    assert (settings.phone, settings.may_call, settings.may_text, settings.may_post) == (
        "07700 900123",
        True,
        False,
        False,
    )


def test_the_plans_list_has_her_survivors_and_the_agencys_ended_plans(
    client_for, plan_for, support_worker, colleague, child, adult
):
    mine, theirs = plan_for(child), plan_for(adult, lead_worker=colleague)
    with on(MONDAY):
        services.plan_end(actor=colleague, plan=theirs, reason="Moved away")
    client = client_for(support_worker)
    page = text(get(client, reverse("support:plans")))
    assert "My survivors (1)" in page and "Ended plans (1)" in page
    assert "Kerys Almond" in page and "Marnie Quell" not in page
    ended = text(get(client, reverse("support:plans") + "?show=ended"))
    assert "Marnie Quell" in ended and mine.person.full_name not in ended


def test_the_directory_shows_capacity_in_use_and_waiting_and_the_administrator_changes_it(
    client_for, plan_for, support_worker, sysadmin, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        started = services.referral_send(
            actor=support_worker, plan=plan, service=directory["advocacy"], reason="ISVA"
        )
        services.referral_answer(actor=support_worker, referral=started, accepted=True)
        services.referral_start(actor=support_worker, referral=started, started_on=MONDAY)
        services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="Therapy"
        )
    page = get(client_for(support_worker), reverse("support:directory")).content.decode()
    row = re.search(r'data-service="test-advocacy".*?</tr>', page, re.S).group(0)
    assert re.search(r"data-capacity>2<", row) and re.search(r"data-in-use>1<", row)
    row = re.search(r'data-service="test-counselling".*?</tr>', page, re.S).group(0)
    assert re.search(r"data-waiting>1<", row)
    # Aisha's agency does not run the service: she may read it, not change it.
    url = reverse("support:service-update", args=["test-advocacy"])
    data = {"capacity": "3", "accepting": "yes", "typical_wait_weeks": "1"}
    assert post(client_for(support_worker), url, data).status_code == 404  # 403 answers 404
    admin = client_for(sysadmin)
    assert post(admin, url, {**data, "capacity": "0"}).status_code == 400
    assert post(admin, url, data).status_code == 302
    assert Service.objects.get(code="test-advocacy").capacity == 3
    service_page = text(get(admin, reverse("support:service", args=["test-advocacy"])))
    assert "3: 1 in use, 2 free" in service_page


def test_pages_answer_404_to_those_outside_the_lead_agency(
    client_for, plan_for, youth_worker, police_officer, child
):
    plan = plan_for(child)
    for outsider in (youth_worker, police_officer):
        client = client_for(outsider)
        assert get(client, plan_url(plan)).status_code == 404
        assert post(client, plan_url(plan, "need-add"), {"area": "housing"}).status_code == 404
        assert get(client, reverse("support:person", args=[child.reference])).status_code == 404
    police = client_for(police_officer)
    assert get(police, reverse("support:plan-open")).status_code == 404
    assert get(police, reverse("support:directory")).status_code == 200


def test_the_person_page_offers_to_open_a_plan_to_someone_who_may(
    client_for, support_worker, child
):
    page = text(get(client_for(support_worker), reverse("support:person", args=[child.reference])))
    assert "Open a support plan" in page
    assert "Your agency holds no support plan for Kerys" in page


def test_the_directory_may_be_grown_by_a_providers_own_agency(client_for, support_worker):
    client = client_for(support_worker)
    assert get(client, reverse("support:provider-create")).status_code == 200
    made = post(
        client,
        reverse("support:provider-create"),
        {"code": "harbour", "name": "Harbour Survivors' Service", "kind": "voluntary"},
    )
    assert made.status_code == 302
    assert get(client, reverse("support:provider-create")).status_code == 404  # only once
    added = post(
        client,
        reverse("support:service-create"),
        {
            "provider": "harbour",
            "code": "harbour-support",
            "name": "Survivor support",
            "category": "exploitation",
            "for_children": "on",
            "for_adults": "on",
            "capacity": "40",
            "accepting": "on",
        },
    )
    assert added.status_code == 302
    assert Service.objects.get(code="harbour-support").provider.agency == support_worker.agency


def test_the_safe_contact_panel_tag_shows_on_any_page_to_those_who_may_contact_her(
    rf, support_worker, police_officer, child
):
    from django.template import Context, Template

    with on(MONDAY):
        services.safe_contact_set(
            actor=support_worker, person=child, phone="07700 900123", may_text=False
        )
    template = Template("{% load support_tags %}{% safe_contact_panel person %}")

    def shown_to(user) -> str:
        request = rf.get("/")
        request.user = user
        with on(MONDAY):
            return template.render(Context({"request": request, "person": child}))

    assert "Safe contact: call only 07700 900123, no texts, no messages, no post." in shown_to(
        support_worker
    )
    assert shown_to(police_officer).strip() == ""
