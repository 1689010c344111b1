"""Casework reads: what is next in the law's order, each agency's own actions only, and
every look recorded."""

from __future__ import annotations

import pytest

from lantern.audit.models import AuditEvent
from lantern.casework import selectors
from lantern.casework.models import Action
from lantern.timescales import rules

from .conftest import HELD

pytestmark = pytest.mark.django_db


def test_next_step_follows_the_order(social_worker, child, open_case, record_strategy):
    def step():
        return selectors.casework_for(user=social_worker, person=child).next_step

    assert step().step == "assessment"
    meeting = record_strategy()
    assert (step().step, step().url.endswith(f"/meetings/{meeting.pk}/")) == (
        "section_47_enquiry",
        True,
    )


def test_next_step_is_the_conference_with_its_due_time(
    social_worker, child, enquiry_for_conference
):
    found = selectors.casework_for(user=social_worker, person=child).next_step
    assert found.step == "initial_conference"
    assert found.due_at == rules.due("initial_conference", HELD)


def test_next_step_on_a_plan_is_the_first_core_group(social_worker, child, plan):
    view = selectors.casework_for(user=social_worker, person=child)
    assert view.next_step.step == "core_group"
    assert view.step.name == "Core group"
    assert [e.title for e in view.entries][-1] == "Child protection plan started"


def test_each_agency_sees_its_own_actions_about_children_it_may_see(
    police_officer, nhs_nurse, social_worker, discussion, council_only_child
):
    action = discussion.actions.get()
    assert selectors.agency_actions(user=police_officer) == [action]
    assert selectors.agency_actions(user=nhs_nurse) == []
    assert selectors.agency_actions(user=social_worker) == []
    event = AuditEvent.objects.filter(operation="actions.list").order_by("-id").first()
    assert event.subjects.filter(person_id=action.person_id).exists()
    Action.objects.filter(pk=action.pk).update(person=council_only_child)
    # Owning an open action is taking part in the child's casework (the policy's
    # involved_agency): the police still see it; the NHS, with no part, do not.
    assert selectors.agency_actions(user=police_officer) == [action]
    assert selectors.agency_actions(user=nhs_nurse) == []
    panel = selectors.home_actions(user=nhs_nurse)
    assert (panel.open, panel.overdue, panel.actions) == (0, 0, [])


def test_the_home_panel_counts_open_and_overdue(police_officer, discussion):
    panel = selectors.home_actions(user=police_officer)
    assert (panel.open, panel.overdue) == (1, 1)  # due 2 November, and today is the 10th


# ---------------------------------------------------------------- the referral behind a case
@pytest.fixture
def decided_referral(child, police_officer, mash_worker):
    """The police refer the child; the front door decides on an assessment."""
    from lantern.frontdoor import services as frontdoor
    from lantern.frontdoor.services import ReferralIn

    from .conftest import CASE_STARTED

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
        actor=mash_worker, referral=referral, decision="assessment", reason="Needs assessing"
    )


def _referral_audited(user, referral) -> bool:
    event = AuditEvent.objects.filter(actor=user, operation="casework.view").latest("id")
    return event.subjects.filter(
        record_type="frontdoor.referral", record_id=str(referral.pk)
    ).exists()


@pytest.mark.parametrize("opened", [False, True])
def test_the_referral_behind_a_case_shows_only_to_those_who_may_see_it(
    decided_referral, child, social_worker, police_officer, nhs_nurse, opened
):
    """Reading a child's casework does not reach the referral: the police, who made it,
    see who referred and what the front door decided; the council's social worker and the
    NHS, who may read the casework but not the referral, see only that the front door
    decided, and the audit does not name the referral to them."""
    from lantern.casework import services

    if opened:
        services.case_open(
            actor=social_worker, person=child, reason="Assessment", referral=decided_referral
        )
    for user, may_see in ((police_officer, True), (social_worker, False), (nhs_nurse, False)):
        entries = selectors.casework_for(user=user, person=child).entries
        received = [e for e in entries if e.title == "Referral received"]
        decided = [e for e in entries if e.title == "Front-door decision"]
        assert len(decided) == 1, user
        if may_see:
            assert [e.detail for e in received] == [decided_referral.agency.name]
            assert decided[0].detail == decided_referral.get_decision_display()
        else:
            assert received == [] and decided[0].detail == "", user
        assert _referral_audited(user, decided_referral) is may_see, user
