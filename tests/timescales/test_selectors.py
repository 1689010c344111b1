"""Worklists: the right deadlines, in the right order, only about people the reader may
see, and every person shown recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lantern.access.services import allocation_open
from lantern.audit.models import AuditEvent
from lantern.partners.models import Agency, Team
from lantern.people.models import Person
from lantern.timescales import selectors
from lantern.timescales.services import deadline_meet

from .conftest import NOW, held_only_by

pytestmark = pytest.mark.django_db


def people_audited(operation: str) -> set[int]:
    event = AuditEvent.objects.filter(operation=operation).order_by("-id").first()
    return set(event.subjects.values_list("person_id", flat=True)) if event else set()


@pytest.fixture
def three(now, open_deadline, council_child, mash_worker):
    """An upcoming, an overdue and a due-today deadline, opened in that order."""
    upcoming = open_deadline(council_child, "assessment", owner_user=mash_worker)
    late = open_deadline(
        council_child, starts_at=NOW - dt.timedelta(days=4), owner_user=mash_worker
    )
    today = open_deadline(
        council_child,
        "information_request_amber",
        starts_at=NOW - dt.timedelta(hours=2),
        owner_user=mash_worker,
    )
    return late, today, upcoming


def test_my_worklist_puts_overdue_first_then_due_today_then_upcoming(mash_worker, three):
    shown = selectors.worklist_for_user(mash_worker, now=NOW)
    assert [d.pk for d in shown] == [d.pk for d in three]
    assert [d.status for d in shown] == ["overdue", "due_today", "upcoming"]
    assert shown.deadlines[0].status_tag == "govuk-tag--red"
    assert shown.summary == selectors.WorklistSummary(overdue=1, due_today=1, upcoming=1)


def test_showing_a_worklist_records_the_people_shown(mash_worker, three, council_child):
    selectors.worklist_for_user(mash_worker, now=NOW)
    assert people_audited("deadlines.worklist") == {council_child.pk}


def test_met_deadlines_leave_the_worklist(mash_worker, three):
    late = three[0]
    deadline_meet(actor=mash_worker, subject=late.subject, rule="referral_decision", met_at=NOW)
    assert late.pk not in [d.pk for d in selectors.worklist_for_user(mash_worker, now=NOW)]


def test_a_deadline_about_someone_hidden_never_shows_nor_counts(
    now, open_deadline, police_only_person, mash_worker, open_referral
):
    hidden = open_deadline(
        police_only_person, starts_at=NOW - dt.timedelta(days=4), owner_user=mash_worker
    )
    assert hidden.pk not in [d.pk for d in selectors.worklist_for_user(mash_worker, now=NOW)]
    assert selectors.worklist_counts(mash_worker, now=NOW).overdue == 0
    front_door = Team.objects.get(code="front-door")
    assert hidden.pk not in [
        d.pk for d in selectors.worklist_for_team(mash_worker, front_door, now=NOW)
    ]
    assert police_only_person.pk not in people_audited("deadlines.worklist")
    # Once a referral about them is open at the front door, they are the front door's to see.
    open_referral(police_only_person)
    assert hidden.pk in [d.pk for d in selectors.worklist_for_user(mash_worker, now=NOW)]
    assert selectors.worklist_counts(mash_worker, now=NOW).overdue == 1


def test_whose_deadlines_are_mine(now, open_deadline, council_child, mash_worker, team_manager):
    """Mine: named to me; my team's with no one named; my agency's with no team named."""
    council = mash_worker.agency
    mine = open_deadline(council_child, "assessment", owner_user=mash_worker)
    teams_unnamed = open_deadline(council_child, "first_core_group")
    agencys_unnamed = open_deadline(
        council_child, "initial_conference", owner_agency=council, owner_team=None
    )
    colleagues = open_deadline(council_child, "review_conference", owner_user=team_manager)
    other_team = open_deadline(
        council_child,
        "first_review_conference",
        owner_team=Team.objects.get(code="assessment", agency=council),
    )
    nhs = open_deadline(
        council_child,
        "information_request_green",
        owner_agency=Agency.objects.get(code="kestrelford-nhs"),
    )
    shown = {d.pk for d in selectors.worklist_for_user(mash_worker, now=NOW)}
    assert shown == {mine.pk, teams_unnamed.pk, agencys_unnamed.pk}
    team = {d.pk for d in selectors.worklist_for_team(team_manager, mash_worker.membership.team)}
    assert {mine.pk, teams_unnamed.pk, agencys_unnamed.pk, colleagues.pk} <= team
    assert other_team.pk not in team and nhs.pk not in team


def test_a_teams_worklist_is_for_its_members_only(now, social_worker):
    front_door = Team.objects.get(code="front-door")
    with pytest.raises(PermissionDenied):
        selectors.worklist_for_team(social_worker, front_door, now=NOW)


def test_a_team_member_sees_a_deadline_named_to_a_colleague(
    now, open_deadline, council_child, mash_worker, team_manager
):
    deadline = open_deadline(
        council_child, owner_user=mash_worker, owner_team=None, owner_agency=mash_worker.agency
    )
    team = selectors.worklist_for_team(team_manager, team_manager.membership.team, now=NOW)
    assert deadline.pk in [d.pk for d in team]
    assert council_child.pk in people_audited("deadlines.team_worklist")


def test_the_home_panel_counts(mash_worker, three):
    counts = selectors.worklist_counts(mash_worker, now=NOW)
    assert (counts.overdue, counts.due_today, counts.total) == (1, 1, 2)


def test_totals_only_roles_have_no_worklist(now, scrutineer):
    assert selectors.worklist_for_user(scrutineer, now=NOW).deadlines == []
    assert selectors.worklist_counts(scrutineer, now=NOW).total == 0


def council_people(user, count: int) -> list[Person]:
    return list(
        Person.objects.filter(
            sensitivity="normal",
            source_records__agency=user.agency,
            source_records__is_current=True,
            merged_into__isnull=True,
        )
        .distinct()
        .order_by("pk")[:count]
    )


def test_the_worklist_costs_the_same_queries_for_two_deadlines_or_twelve(
    now, open_deadline, mash_worker
):
    people = council_people(mash_worker, 12)

    def queries() -> int:
        selectors.worklist_for_user(mash_worker, now=NOW)  # warm the user's own lookups
        with CaptureQueriesContext(connection) as captured:
            selectors.worklist_for_user(mash_worker, now=NOW)
        return len(captured)

    for person in people[:2]:
        open_deadline(person, owner_user=mash_worker)
    few = queries()
    for person in people[2:]:
        open_deadline(person, owner_user=mash_worker)
    assert queries() == few


def test_an_allocated_worker_sees_their_childs_deadline(now, open_deadline, social_worker):
    child = held_only_by("northmoor-police", skip=1)
    council = Agency.objects.get(code="kestrelford-childrens-services")
    deadline = open_deadline(
        child, "return_home_interview", owner_agency=council, owner_user=social_worker
    )
    assert deadline.pk not in [d.pk for d in selectors.worklist_for_user(social_worker, now=NOW)]
    allocation_open(
        actor=social_worker, person=child, user=social_worker, reason="Allocated after referral"
    )
    assert deadline.pk in [d.pk for d in selectors.worklist_for_user(social_worker, now=NOW)]


@pytest.fixture
def ten(now, open_deadline, mash_worker):
    """Ten deadlines, each about a different child: 3 overdue, 2 due today, 5 upcoming."""
    people = council_people(mash_worker, 10)
    made = [
        open_deadline(p, starts_at=NOW - dt.timedelta(days=6 - n), owner_user=mash_worker)
        for n, p in enumerate(people[:3])
    ]
    made += [
        open_deadline(
            p,
            "information_request_amber",
            starts_at=NOW - dt.timedelta(hours=2, minutes=n),
            owner_user=mash_worker,
        )
        for n, p in enumerate(people[3:5])
    ]
    made += [
        open_deadline(p, "assessment", starts_at=NOW - dt.timedelta(days=n), owner_user=mash_worker)
        for n, p in enumerate(people[5:])
    ]
    return sorted(made, key=lambda d: (d.due_at, d.pk))


def test_a_worklist_comes_a_page_at_a_time_with_counts_over_the_whole_list(mash_worker, ten):
    first = selectors.worklist_for_user(mash_worker, now=NOW, page_size=4)
    assert [d.pk for d in first] == [d.pk for d in ten[:4]]
    assert first.summary == selectors.WorklistSummary(overdue=3, due_today=2, upcoming=5)
    assert (first.page.number, first.page.paginator.num_pages) == (1, 3)
    assert [d.status for d in first] == ["overdue"] * 3 + ["due_today"]
    last = selectors.worklist_for_user(mash_worker, now=NOW, page=3, page_size=4)
    assert [d.pk for d in last] == [d.pk for d in ten[8:]]
    assert last.summary.total == 10
    beyond = selectors.worklist_for_user(mash_worker, now=NOW, page="99", page_size=4)
    assert beyond.page.number == 3


def test_the_audit_event_names_only_the_people_on_the_page_shown(mash_worker, ten):
    selectors.worklist_for_user(mash_worker, now=NOW, page=2, page_size=4)
    assert people_audited("deadlines.worklist") == {d.person_id for d in ten[4:8]}


def test_a_teams_worklist_pages_and_counts_the_same_way(team_manager, ten):
    team = team_manager.membership.team
    shown = selectors.worklist_for_team(team_manager, team, now=NOW, page=2, page_size=4)
    assert [d.pk for d in shown] == [d.pk for d in ten[4:8]]
    assert shown.summary == selectors.WorklistSummary(overdue=3, due_today=2, upcoming=5)
    assert people_audited("deadlines.team_worklist") == {d.person_id for d in ten[4:8]}


def test_the_counts_are_one_aggregate_query(mash_worker, ten):
    selectors.worklist_for_user(mash_worker, now=NOW, page_size=4)
    with CaptureQueriesContext(connection) as captured:
        selectors.worklist_for_user(mash_worker, now=NOW, page_size=4)
    counting = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 1
