"""The demo's directory and support plans: made through the services, once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.access import policy
from lantern.support import selectors
from lantern.support.demo import load_directory, support_demo_ensure
from lantern.support.models import ReferralStatus, SafeContact, Service, SupportPlan
from lantern.support.services import referrals_to_chase

from ..conftest import TEST_TODAY
from .conftest import on

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_believable_directory_and_plans_once(support_worker):
    with on(TEST_TODAY):
        made = support_demo_ensure(TEST_TODAY)
    assert made == 4
    assert 6 <= len(load_directory()) <= 10
    assert Service.objects.count() >= 10
    plans = SupportPlan.objects.all()
    assert all(p.lead_worker == support_worker for p in plans)
    assert plans.filter(ended_at__isnull=False).count() == 1
    # The adult survivor's address is hidden: her former partner is seeking her.
    assert SafeContact.objects.filter(hide_address=True).count() == 1
    # One child's referral to counselling has had no answer for three weeks.
    with on(TEST_TODAY):
        waiting = referrals_to_chase()
    assert [r.service.code for r in waiting] == ["krc-young-people"]
    assert referrals_in(ReferralStatus.STARTED) >= 2
    # The support worker sees every plan; the ended one she may re-engage.
    with on(TEST_TODAY):
        rows, counts = selectors.plan_list(user=support_worker, show="ended")
    assert counts == {"mine": 3, "open": 3, "ended": 1}
    assert rows[0].may_reengage
    for plan in plans.filter(ended_at__isnull=True):
        assert policy.can(support_worker, "view", plan.person)
    with on(TEST_TODAY):
        assert support_demo_ensure(TEST_TODAY) == 0
    assert SupportPlan.objects.count() == 4


def test_the_demo_can_be_started_again_on_its_own_database(support_worker):
    """`./dev demo` a second time runs every step again: none may fail or add twice."""
    from lantern.access.models import AccessBasis
    from lantern.synth.demo_access import demo_allocations_ensure

    with on(TEST_TODAY):
        support_demo_ensure(TEST_TODAY)
        before = AccessBasis.objects.count()
        demo_allocations_ensure(today=TEST_TODAY)
        assert support_demo_ensure(TEST_TODAY) == 0
    assert AccessBasis.objects.count() == before


def referrals_in(status) -> int:
    from lantern.support.models import ServiceReferral

    return ServiceReferral.objects.filter(status=status).count()


def test_the_demo_pages_show_for_the_support_worker(client_for, support_worker):
    with on(TEST_TODAY):
        support_demo_ensure(TEST_TODAY)
        client = client_for(support_worker)
        for plan in SupportPlan.objects.all():
            reply = client.get(reverse("support:plan", args=[plan.pk]))
            assert reply.status_code == 200
        assert client.get(reverse("support:plans")).status_code == 200
        assert client.get(reverse("support:directory")).status_code == 200
