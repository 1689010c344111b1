"""The support services: what a support worker relies on, each refusal naming the field
with nothing half-saved, the lead worker's access opened and ended with the plan, and
the audit event in the same transaction as the write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.access import policy
from lantern.access.models import AccessBasis, Relationship
from lantern.audit.models import AuditEvent
from lantern.audit.services import AuditWriteFailed
from lantern.audit.testing import audit_writes_fail
from lantern.people.models import Person
from lantern.support import services
from lantern.support.models import (
    Engagement,
    Goal,
    Need,
    PlanReview,
    Provider,
    ReferralStatus,
    SafeContact,
    Service,
    ServiceReferral,
    SupportContact,
    SupportPlan,
)

from .conftest import COUNCIL, MONDAY, SURVIVORS, make_person, on, user

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(days=10)


def refused(field: str, act) -> str:
    """Run `act`, expect a refusal naming `field`, and give its message."""
    with pytest.raises(ValidationError) as caught:
        act()
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def allocations(person, worker):
    return AccessBasis.objects.filter(
        person=person, user=worker, kind=Relationship.ALLOCATED_WORKER
    )


def snapshot() -> tuple:
    """How many rows of each support record and allocation exist."""
    return (
        SupportPlan.objects.count(),
        Engagement.objects.count(),
        AccessBasis.objects.count(),
        Need.objects.count(),
        Goal.objects.count(),
        SupportContact.objects.count(),
        PlanReview.objects.count(),
        ServiceReferral.objects.count(),
        SafeContact.objects.count(),
    )


# ---------------------------------------------------------------- opening a plan
def test_opening_a_plan_starts_support_makes_her_the_allocated_worker_and_sets_a_review(
    plan_for, support_worker, child
):
    before = AuditEvent.objects.count()
    plan = plan_for(child, review_every_months=3)
    assert plan.is_open and plan.agency.code == SURVIVORS
    assert plan.next_review_on == dt.date(2027, 2, 2)
    assert [e.ended_at for e in plan.engagements.all()] == [None]
    basis = allocations(child, support_worker).get()
    assert basis.ends_at is None
    operations = list(AuditEvent.objects.filter(pk__gt=before).values_list("operation", flat=True))
    assert "support.plan.open" in operations and "access.allocated_worker.open" in operations


def test_a_plan_for_a_restricted_person_is_restricted_so_her_name_stays_protected(
    plan_for, child
):
    """The plan names her: a colleague in the lead agency who may not see a restricted
    record must not read her name on a plan held at normal sensitivity."""
    Person.objects.filter(pk=child.pk).update(sensitivity="restricted")
    child.refresh_from_db()
    plan = plan_for(child)
    assert plan.sensitivity == "restricted"


def test_opening_a_plan_refuses_each_problem_naming_the_field_and_saves_nothing(
    plan_for, support_worker, colleague, child, police_officer, social_worker
):
    police_only = make_person("Orla", "Fenwick", dt.date(2009, 1, 5), "northmoor-police")
    manager = user("partnership.manager")
    before = snapshot()
    assert "cannot open" in refused("actor", lambda: plan_for(child, actor=police_officer))
    assert "you can see" in refused("person", lambda: plan_for(police_only))
    assert "does not work at" in refused(
        "lead_worker", lambda: plan_for(child, actor=social_worker, lead_worker=support_worker)
    )
    assert "cannot lead" in refused(
        "lead_worker", lambda: plan_for(child, actor=social_worker, lead_worker=manager)
    )
    assert "Enter what the support is for" in refused(
        "summary", lambda: plan_for(child, summary=" ")
    )
    assert "1 to 12" in refused(
        "review_every_months", lambda: plan_for(child, review_every_months=0)
    )
    assert snapshot() == before
    plan_for(child, lead_worker=colleague)
    assert "already has an open support plan with your agency" in refused(
        "person", lambda: plan_for(child)
    )


def test_a_second_plan_with_the_same_agency_is_refused_she_is_re_engaged_on_the_first(
    plan_for, support_worker, child
):
    plan = plan_for(child)
    with on(LATER):
        services.plan_end(actor=support_worker, plan=plan, reason="She moved away")
    message = refused("person", lambda: plan_for(child, day=LATER))
    assert "re-engage them on it" in message
    assert SupportPlan.objects.filter(person=child).count() == 1


def test_when_the_audit_write_fails_no_plan_and_no_access_is_left(plan_for, support_worker, child):
    before = snapshot()
    with audit_writes_fail(), pytest.raises(AuditWriteFailed):
        plan_for(child)
    assert snapshot() == before
    assert not allocations(child, support_worker).exists()


# ---------------------------------------------------------------- needs, goals, contacts, reviews
def test_needs_and_goals_refuse_bad_input_and_cannot_be_closed_twice(
    plan_for, support_worker, child
):
    plan = plan_for(child)
    with on(MONDAY):
        before = snapshot()
        assert refused(
            "area",
            lambda: services.need_add(
                actor=support_worker, plan=plan, area="astrology", description="x"
            ),
        )
        assert refused(
            "description",
            lambda: services.need_add(
                actor=support_worker, plan=plan, area="housing", description=""
            ),
        )
        assert "today or later" in refused(
            "target_on",
            lambda: services.goal_set(
                actor=support_worker,
                plan=plan,
                description="College",
                target_on=MONDAY - dt.timedelta(days=1),
            ),
        )
        assert snapshot() == before
        need = services.need_add(
            actor=support_worker, plan=plan, area="housing", description="A safe flat"
        )
        services.need_met(actor=support_worker, need=need)
        assert "already met" in refused(
            "need", lambda: services.need_met(actor=support_worker, need=need)
        )
        goal = services.goal_set(actor=support_worker, plan=plan, description="College")
        assert refused(
            "status", lambda: services.goal_close(actor=support_worker, goal=goal, status="open")
        )
        assert "cannot be in the future" in refused(
            "closed_on",
            lambda: services.goal_close(
                actor=support_worker, goal=goal, status="achieved", closed_on=LATER
            ),
        )
        assert "the day it was set" in refused(
            "closed_on",
            lambda: services.goal_close(
                actor=support_worker,
                goal=goal,
                status="achieved",
                closed_on=MONDAY - dt.timedelta(days=3),
            ),
        )
        services.goal_close(actor=support_worker, goal=goal, status="achieved")
        assert "already closed" in refused(
            "goal", lambda: services.goal_close(actor=support_worker, goal=goal, status="dropped")
        )


def test_a_contact_cannot_be_in_the_future_or_before_the_plan(plan_for, support_worker, child):
    plan = plan_for(child)
    moment = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
    with on(MONDAY, 12):
        for when, words in [
            (moment + dt.timedelta(days=1), "cannot be in the future"),
            (moment - dt.timedelta(days=5), "on or after the plan opened"),
        ]:
            assert words in refused(
                "happened_at",
                lambda w=when: services.contact_record(
                    actor=support_worker, plan=plan, happened_at=w, method="phone", summary="Talked"
                ),
            )
        assert refused(
            "method",
            lambda: services.contact_record(
                actor=support_worker, plan=plan, happened_at=moment, method="pigeon", summary="x"
            ),
        )
        assert SupportContact.objects.filter(plan=plan).count() == 0
        services.contact_record(
            actor=support_worker, plan=plan, happened_at=moment, method="phone", summary="Talked"
        )
        assert SupportContact.objects.filter(plan=plan).count() == 1


def test_a_review_sets_the_next_review_and_refuses_one_out_of_order(
    plan_for, support_worker, child
):
    plan = plan_for(child, review_every_months=2)
    with on(LATER):
        assert refused(
            "held_on",
            lambda: services.review_record(
                actor=support_worker, plan=plan, held_on=LATER + dt.timedelta(days=1), summary="x"
            ),
        )
        assert "after this one" in refused(
            "next_review_on",
            lambda: services.review_record(
                actor=support_worker, plan=plan, held_on=LATER, summary="x", next_review_on=LATER
            ),
        )
        assert "once a year" in refused(
            "next_review_on",
            lambda: services.review_record(
                actor=support_worker,
                plan=plan,
                held_on=LATER,
                summary="x",
                next_review_on=LATER + dt.timedelta(days=400),
            ),
        )
        services.review_record(actor=support_worker, plan=plan, held_on=LATER, summary="Going well")
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2027, 1, 12)
    assert plan.reviews.count() == 1


# ---------------------------------------------------------------- referrals to services
def test_a_referral_must_go_to_a_service_that_is_taking_referrals_and_suits_her_age(
    plan_for, support_worker, child, adult, directory
):
    child_plan, adult_plan = plan_for(child), plan_for(adult)
    with on(MONDAY):
        send = services.referral_send
        assert "not taking referrals" in refused(
            "service",
            lambda: send(
                actor=support_worker, plan=child_plan, service=directory["closed"], reason="x"
            ),
        )
        assert "adults only" in refused(
            "service",
            lambda: send(
                actor=support_worker, plan=child_plan, service=directory["counselling"], reason="x"
            ),
        )
        assert "children only" in refused(
            "service",
            lambda: send(
                actor=support_worker, plan=adult_plan, service=directory["therapy"], reason="x"
            ),
        )
        assert refused(
            "reason",
            lambda: send(
                actor=support_worker, plan=child_plan, service=directory["advocacy"], reason=""
            ),
        )
        assert ServiceReferral.objects.count() == 0
        send(actor=support_worker, plan=child_plan, service=directory["advocacy"], reason="ISVA")
        assert "not finished" in refused(
            "service",
            lambda: send(
                actor=support_worker, plan=child_plan, service=directory["advocacy"], reason="again"
            ),
        )


def test_a_referral_goes_from_sent_to_ended_and_refuses_each_step_out_of_turn(
    plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        referral = services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="Therapy"
        )
    with on(LATER):
        assert "must accept it first" in refused(
            "status",
            lambda: services.referral_start(
                actor=support_worker, referral=referral, started_on=LATER
            ),
        )
        assert refused(
            "declined_reason",
            lambda: services.referral_answer(
                actor=support_worker, referral=referral, accepted=False
            ),
        )
        assert "the day of the referral" in refused(
            "expected_start_on",
            lambda: services.referral_answer(
                actor=support_worker,
                referral=referral,
                accepted=True,
                expected_start_on=MONDAY - dt.timedelta(days=1),
            ),
        )
        services.referral_answer(
            actor=support_worker, referral=referral, accepted=True, expected_start_on=LATER
        )
        assert refused(
            "status",
            lambda: services.referral_answer(
                actor=support_worker, referral=referral, accepted=True
            ),
        )
        assert refused(
            "started_on",
            lambda: services.referral_start(
                actor=support_worker, referral=referral, started_on=MONDAY - dt.timedelta(days=2)
            ),
        )
        services.referral_start(actor=support_worker, referral=referral, started_on=LATER)
        assert refused(
            "status",
            lambda: services.referral_withdraw(actor=support_worker, referral=referral, reason="x"),
        )
        message = refused(
            "ended_on",
            lambda: services.referral_end(
                actor=support_worker,
                referral=referral,
                ended_on=LATER - dt.timedelta(days=1),
                reason="Finished",
            ),
        )
        assert message == (
            "The day it ended must be the same as or after the day it started (12 November 2026)"
        )
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.STARTED and referral.ended_on is None
        services.referral_end(
            actor=support_worker, referral=referral, ended_on=LATER, reason="Finished"
        )
    referral.refresh_from_db()
    assert (referral.status, referral.ended_on) == (ReferralStatus.ENDED, LATER)


# ---------------------------------------------------------------- ending, handing over
def test_ending_a_plan_ends_her_spell_her_workers_access_and_waiting_referrals(
    plan_for, support_worker, adult, directory
):
    plan = plan_for(adult)
    with on(MONDAY):
        waiting = services.referral_send(
            actor=support_worker, plan=plan, service=directory["counselling"], reason="Therapy"
        )
    with on(LATER):
        assert refused(
            "reason", lambda: services.plan_end(actor=support_worker, plan=plan, reason="")
        )
        services.plan_end(actor=support_worker, plan=plan, reason="She feels ready")
        assert "re-engage" in refused(
            "plan",
            lambda: services.need_add(
                actor=support_worker, plan=plan, area="housing", description="x"
            ),
        )
        assert refused(
            "plan", lambda: services.plan_end(actor=support_worker, plan=plan, reason="x")
        )
    plan.refresh_from_db()
    assert not plan.is_open and plan.end_reason == "She feels ready"
    assert plan.engagements.get().end_reason == "She feels ready"
    assert allocations(adult, support_worker).get().ends_at is not None
    waiting.refresh_from_db()
    assert waiting.status == ReferralStatus.WITHDRAWN


def test_the_lead_worker_is_handed_over_within_the_lead_agency_with_her_access(
    plan_for, support_worker, colleague, youth_worker, child
):
    plan = plan_for(child)
    with on(LATER):
        assert "already leads" in refused(
            "lead_worker",
            lambda: services.lead_worker_change(
                actor=support_worker, plan=plan, lead_worker=support_worker, reason="x"
            ),
        )
        assert "does not work at" in refused(
            "lead_worker",
            lambda: services.lead_worker_change(
                actor=support_worker, plan=plan, lead_worker=youth_worker, reason="x"
            ),
        )
        services.lead_worker_change(
            actor=support_worker, plan=plan, lead_worker=colleague, reason="Aisha on leave"
        )
        assert allocations(child, support_worker).get().ends_at is not None
        assert allocations(child, colleague).get().ends_at is None


def test_only_the_lead_agency_may_change_its_plan(plan_for, youth_worker, child):
    plan = plan_for(child)
    with on(LATER), pytest.raises(SupportPlan.DoesNotExist):
        services.need_add(actor=youth_worker, plan=plan, area="housing", description="x")
    assert not plan.needs.exists()


# ---------------------------------------------------------------- safe contact
def test_safe_contact_is_a_new_version_each_time_and_refuses_what_is_unsafe(
    support_worker, social_worker, police_officer, child
):
    def set_(actor=support_worker, **given):
        values = {"phone": "07700 900123", "times": "weekdays 10:00-14:00", **given}
        return services.safe_contact_set(actor=actor, person=child, **values)

    with on(MONDAY):
        assert "not a UK phone number" in refused("phone", lambda: set_(phone="+33 6 12 34 56 78"))
        assert refused("phone", lambda: set_(phone="12345"))
        assert refused("phone", lambda: set_(phone=""))
        assert refused(
            "may_leave_message",
            lambda: set_(phone="", may_call=False, may_text=False, may_leave_message=True),
        )
        assert refused("email", lambda: set_(may_email=True))
        assert "Say why" in refused("hide_reason", lambda: set_(hide_address=True))
        assert SafeContact.objects.filter(person=child).count() == 0
        with pytest.raises(Person.DoesNotExist):
            set_(actor=police_officer)
        first = set_(phone="07700900123")
        assert first.phone == "07700 900123"
        second = set_(
            actor=social_worker, may_text=False, hide_address=True, hide_reason="He is looking"
        )
    assert SafeContact.objects.filter(person=child).count() == 2
    assert second.hide_address and not first.hide_address


def test_only_her_lead_worker_may_stop_hiding_her_address_while_her_plan_is_open(
    plan_for, support_worker, social_worker, child
):
    plan_for(child)
    with on(MONDAY):
        services.safe_contact_set(
            actor=support_worker,
            person=child,
            phone="07700 900123",
            hide_address=True,
            hide_reason="Her abuser is seeking her",
        )
        assert policy.address_hidden_from(social_worker, child)
        assert not policy.address_hidden_from(support_worker, child)
        assert "Only Aisha Rahman" in refused(
            "hide_address",
            lambda: services.safe_contact_set(
                actor=social_worker, person=child, phone="07700 900123", hide_address=False
            ),
        )
        services.safe_contact_set(
            actor=support_worker, person=child, phone="07700 900123", hide_address=False
        )
        assert not policy.address_hidden_from(social_worker, child)


# ---------------------------------------------------------------- the directory
def test_the_directory_is_kept_by_the_administrator_or_the_providers_own_agency(
    sysadmin, support_worker, youth_worker
):
    harbour_agency = support_worker.agency
    with on(MONDAY):
        assert "not another" in refused(
            "agency",
            lambda: services.provider_create(
                actor=youth_worker,
                code="x-harbour",
                name="Harbour",
                kind="voluntary",
                agency=harbour_agency,
            ),
        )
        harbour = services.provider_create(
            actor=support_worker,
            code="harbour",
            name="Harbour Survivors' Service",
            kind="voluntary",
            phone="01632 960100",
        )
        assert harbour.agency == harbour_agency and harbour.phone == "01632 960100"
        assert refused(
            "code",
            lambda: services.provider_create(
                actor=sysadmin, code="harbour", name="Another", kind="voluntary"
            ),
        )
        assert "Only Harbour" in refused(
            "provider",
            lambda: services.service_create(
                actor=youth_worker,
                provider=harbour,
                code="h-1",
                name="Support",
                category="exploitation",
                capacity=10,
            ),
        )
        assert refused(
            "capacity",
            lambda: services.service_create(
                actor=support_worker,
                provider=harbour,
                code="h-1",
                name="Support",
                category="exploitation",
                capacity=0,
            ),
        )
        assert refused(
            "for_adults",
            lambda: services.service_create(
                actor=support_worker,
                provider=harbour,
                code="h-1",
                name="Support",
                category="exploitation",
                capacity=5,
                for_children=False,
                for_adults=False,
            ),
        )
        made = services.service_create(
            actor=support_worker,
            provider=harbour,
            code="h-1",
            name="Support",
            category="exploitation",
            capacity=10,
        )
        assert refused(
            "service",
            lambda: services.service_update(actor=youth_worker, service=made, capacity=12),
        )
        assert "Nothing" in refused(
            "service",
            lambda: services.service_update(actor=support_worker, service=made, capacity=10),
        )
        services.service_update(actor=sysadmin, service=made, capacity=12, accepting=False)
    made.refresh_from_db()
    assert (made.capacity, made.accepting) == (12, False)
    assert Provider.objects.count() == 1 and Service.objects.count() == 1


def test_a_person_known_to_the_council_only_cannot_have_a_harbour_plan_without_access(plan_for):
    stranger = make_person("Tamsin", "Rook", dt.date(2011, 2, 2), COUNCIL)
    assert refused("person", lambda: plan_for(stranger))
