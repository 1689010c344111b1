"""The story the issue asks for, day by day with the clock frozen: a child's case closes and
her support goes on; she turns 18 and the plan says so; her support ends; a year later she
asks again and her old lead worker re-engages her on the same plan without a new referral
to the front door. A different support worker may not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lantern.access import policy
from lantern.access import services as access_services
from lantern.casework import services as casework
from lantern.frontdoor.models import Referral
from lantern.support import selectors, services
from lantern.support.models import SupportPlan

from .conftest import COUNCIL, make_person, on

pytestmark = pytest.mark.django_db

BORN = dt.date(2010, 3, 14)
REFERRED = dt.date(2026, 11, 2)  # sixteen
CASE_CLOSED = dt.date(2027, 2, 1)
EIGHTEEN = dt.date(2028, 3, 14)
ENDED = dt.date(2028, 6, 1)
A_YEAR_LATER = dt.date(2029, 6, 11)


def test_support_outlives_her_case_and_her_childhood_and_is_picked_up_again_by_her_worker(
    client_for, support_worker, colleague, youth_worker, social_worker, team_manager
):
    # A child known only to the council: the council refers her to Harbour and its team
    # manager gives Aisha access to her for the referral (for 30 days).
    child = make_person("Jessamy", "Thorne", BORN, COUNCIL)
    with on(REFERRED):
        case = casework.case_open(
            actor=social_worker, person=child, reason="Sexual exploitation by older men"
        )
        access_services.grant_open(
            actor=team_manager,
            person=child,
            user=support_worker,
            reason="Referred to Harbour for specialist support",
            ends_at=dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC),
        )
        plan = services.plan_open(
            actor=support_worker,
            person=child,
            lead_worker=support_worker,
            summary="Support after exploitation; she wants to stay in school",
            case=case,
        )

    # The case closes: nothing about her support changes, and Aisha still sees her long
    # after the grant has run out, as her allocated worker.
    with on(CASE_CLOSED):
        casework.case_close(actor=social_worker, case=case, reason="Risk reduced; plan ended")
        plan.refresh_from_db()
        assert plan.is_open and plan.ended_at is None
        assert plan.engagements.filter(ended_at__isnull=True).count() == 1
        assert policy.can(support_worker, "view", child)

    # The day before her 18th birthday she is a child; on it, "now an adult survivor".
    with on(EIGHTEEN - dt.timedelta(days=1)):
        assert selectors.age_status(child, plan).label == "Child"
    with on(EIGHTEEN):
        assert selectors.age_status(child, plan).label == "Now an adult survivor"
        reply = client_for(support_worker).get(reverse("support:plan", args=[plan.pk]))
        assert b"Now an adult survivor" in reply.content
        assert b"Turned 18 on 14 March 2028" in reply.content
        plan.refresh_from_db()
        assert plan.is_open

    # She feels ready to stop. Aisha's access to her record ends with the plan; the plan
    # stays with Harbour.
    with on(ENDED):
        services.plan_end(actor=support_worker, plan=plan, reason="She feels ready to stop")
        assert not policy.can(support_worker, "view", child)
        rows, _ = selectors.plan_list(user=support_worker, show="ended")
        assert [r.plan for r in rows] == [plan] and rows[0].may_reengage

    # A year later she asks for support again. Another Harbour worker may not re-engage
    # her, another agency's worker cannot even see the plan; Aisha can, without a referral.
    referrals_before = Referral.objects.count()
    with on(A_YEAR_LATER):
        with pytest.raises(ValidationError) as caught:
            services.plan_reengage(actor=colleague, plan=plan, reason="She rang the office")
        assert "Only Aisha Rahman" in caught.value.message_dict["actor"][0]
        with pytest.raises(SupportPlan.DoesNotExist):
            services.plan_reengage(actor=youth_worker, plan=plan, reason="She rang")
        services.plan_reengage(
            actor=support_worker, plan=plan, reason="She rang: a court date has upset her"
        )
        assert policy.can(support_worker, "view", child)
        view = selectors.plan_view(user=support_worker, pk=plan.pk)
    assert Referral.objects.count() == referrals_before
    assert view.plan.is_open
    assert [e.ended_at is None for e in view.engagements] == [False, True]
    assert view.engagements[1].start_reason == "She rang: a court date has upset her"
    assert view.age.label == "Now an adult survivor"
    assert SupportPlan.objects.filter(person=child).count() == 1
