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
