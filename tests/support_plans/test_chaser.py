"""The chaser: a referral with no answer within the service's working days to answer is
chased (recorded on the referral) and the lead worker told, once per due day; weekends
and bank holidays do not count; answered referrals and ended plans are left alone."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from lantern.access.models import Notification
from lantern.audit.models import AuditEvent
from lantern.support import services
from lantern.support.services import CHASE_KIND, referrals_chase, referrals_to_chase

from .conftest import MONDAY, on

pytestmark = pytest.mark.django_db

THURSDAY = MONDAY + dt.timedelta(days=3)


@pytest.fixture
def referral(plan_for, support_worker, child, directory):
    """Sent on Monday 2 November 2026 to a service that answers within 3 working days."""
    plan = plan_for(child)
    with on(MONDAY):
        return services.referral_send(
            actor=support_worker, plan=plan, service=directory["advocacy"], reason="ISVA"
        )


def test_a_referral_is_chased_after_the_services_working_days_and_the_lead_worker_told(
    referral, support_worker
):
    assert services.chase_due_on(referral) == THURSDAY
    assert referrals_to_chase(today=THURSDAY - dt.timedelta(days=1)) == []
    assert referrals_to_chase(today=THURSDAY) == [referral]
    before = AuditEvent.objects.count()
    with on(THURSDAY, 7):
        chased = referrals_chase()
    assert (chased.referrals, chased.notifications) == (1, 1)
    referral.refresh_from_db()
    assert referral.times_chased == 1 and referral.last_chased_at is not None
    note = Notification.objects.get(kind=CHASE_KIND)
    assert note.recipient == support_worker and note.person == referral.plan.person
    assert "No answer from Advocacy (Test Rape Crisis)" in note.message
    assert "01632 960210" in note.message
    assert AuditEvent.objects.filter(pk__gt=before, operation="support.referral.chase").exists()
    # Run again the same day: nothing new. Due again three working days after the chase.
    with on(THURSDAY, 9):
        assert referrals_chase().referrals == 0
    assert referrals_to_chase(today=dt.date(2026, 11, 9)) == []
    assert referrals_to_chase(today=dt.date(2026, 11, 10)) == [referral]


def test_weekends_and_bank_holidays_are_not_working_days(
    plan_for, support_worker, adult, directory
):
    plan = plan_for(adult, day=dt.date(2026, 12, 23))
    with on(dt.date(2026, 12, 23)):
        sent = services.referral_send(
            actor=support_worker, plan=plan, service=directory["advocacy"], reason="ISVA"
        )
    # Thursday 24th, then Christmas (Friday), the weekend and the Boxing Day holiday
    # (Monday 28th) are skipped: Tuesday 29th and Wednesday 30th.
    assert services.chase_due_on(sent) == dt.date(2026, 12, 30)


def test_answered_referrals_and_ended_plans_are_not_chased(referral, support_worker):
    with on(MONDAY + dt.timedelta(days=1)):
        services.referral_answer(actor=support_worker, referral=referral, accepted=True)
    assert referrals_to_chase(today=THURSDAY) == []
    referral.refresh_from_db()
    assert services.chase_due_on(referral) is None


def test_a_referral_on_an_ended_plan_is_not_chased(referral, support_worker):
    with on(MONDAY + dt.timedelta(days=1)):
        services.plan_end(actor=support_worker, plan=referral.plan, reason="She moved away")
    assert referrals_to_chase(today=THURSDAY) == []
    with on(THURSDAY):
        assert referrals_chase().notifications == 0


def test_the_command_chases_and_says_how_many(referral):
    out = StringIO()
    with on(THURSDAY):
        call_command("support_chase", stdout=out)
    assert "1 referral(s) chased; 1 lead worker notification(s) sent" in out.getvalue()
    out = StringIO()
    with on(THURSDAY):
        call_command("support_chase", stdout=out)
    assert out.getvalue().startswith("0 referral(s) chased")
