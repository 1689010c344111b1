"""Reading deadlines: worklists of what is due and overdue, only about people the reader
may see, and every person shown recorded in the audit log.

Whose work a deadline is:

- mine: deadlines owned by me; deadlines owned by my team with no one named; and
  deadlines owned by my agency with neither a team nor a person named (an
  information request to the NHS, say), which would otherwise be nobody's.
- my team's: deadlines owned by the team, or by anyone now in it, and my agency's
  deadlines with neither a team nor a person named.

A list is in due order, so the overdue come first, then those due later today, then
the rest, a page at a time (a front-door team can hold hundreds of open deadlines):
its counts of overdue, due today and upcoming cover the whole list, in one aggregate
query, and the audit event names only the people on the page shown. A deadline about a
person the reader may not see is left out of every list and every count, as if it did
not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.partners.models import StaffMembership, Team

from .models import OPEN, Deadline
from .rules import LONDON


def _mine(user) -> Q:
    mine = Q(owner_user=user)
    membership = user.membership
    if membership is not None:
        if membership.team_id:
            mine |= Q(owner_user__isnull=True, owner_team_id=membership.team_id)
        mine |= Q(
            owner_user__isnull=True,
            owner_team__isnull=True,
            owner_agency_id=membership.agency_id,
        )
    return mine


def _teams(team: Team) -> Q:
    """A team's deadlines are all its agency's (`deadline_open` refuses a team or a person
    of another agency). Saying so lets PostgreSQL walk the agency's open deadlines in due
    order and stop at the end of the page, instead of sorting every one of them."""
    in_team = StaffMembership.objects.filter(
        user=OuterRef("owner_user"), team=team, ended_on__isnull=True
    )
    return Q(owner_agency_id=team.agency_id) & (
        Q(owner_team=team)
        | Q(Exists(in_team))
        | Q(owner_user__isnull=True, owner_team__isnull=True)
    )


def _open_visible(user, whose: Q) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        OPEN, whose, person__in=policy.people_visible_to(user, "list")
    ).order_by("due_at", "pk")


PAGE_SIZE = 50


@dataclass(frozen=True)
class WorklistSummary:
    """How the whole list stands, not only the page shown."""

    overdue: int = 0
    due_today: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.due_today + self.upcoming


@dataclass
class Worklist:
    """One page of open deadlines, soonest first, each with `.status`."""

    deadlines: list[Deadline] = field(default_factory=list)
    summary: WorklistSummary = field(default_factory=WorklistSummary)
    page: Page | None = None

    def __iter__(self):
        return iter(self.deadlines)

    def __len__(self) -> int:
        return len(self.deadlines)


def _midnight(now: dt.datetime) -> dt.datetime:
    """The end of today, UK time: what is due before then (and not yet) is due today."""
    local = now.astimezone(LONDON)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


def _summary(deadlines: QuerySet[Deadline], now: dt.datetime) -> WorklistSummary:
    midnight = _midnight(now)
    found = deadlines.order_by().aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=midnight)),
        upcoming=Count("pk", filter=Q(due_at__gte=midnight)),
    )
    return WorklistSummary(found["overdue"], found["due_today"], found["upcoming"])


def _shown(
    user,
    deadlines: QuerySet[Deadline],
    now: dt.datetime,
    *,
    page: int | str | None,
    page_size: int | None,
    operation: str,
    purpose: str,
) -> Worklist:
    summary = _summary(deadlines, now)
    paginator = Paginator(
        # Only what a row shows: each join more makes the policy's query slower to plan.
        deadlines.select_related("person", "owner_agency", "owner_team", "owner_user"),
        page_size or PAGE_SIZE,
    )
    paginator.count = summary.total  # known from the summary: no second count query
    shown = paginator.get_page(page)
    rows = list(shown.object_list)
    shown.object_list = rows
    for deadline in rows:
        deadline.status = deadline.status_at(now)
    if rows:
        people = {d.person_id: d.person for d in rows}
        audit_record(
            actor=user,
            action="consultation",
            operation=operation,
            purpose=purpose,
            subjects=[Subject.person(p) for p in people.values()],
            detail={
                "deadlines": len(rows),
                "page": shown.number,
                "of": summary.total,
            },
        )
    return Worklist(rows, summary, shown)


@transaction.atomic
def worklist_for_user(
    user,
    *,
    now: dt.datetime | None = None,
    page: int | str | None = 1,
    page_size: int | None = None,
    operation: str = "deadlines.worklist",
) -> Worklist:
    """One page of my open deadlines, soonest first, with counts over them all, audited."""
    now = now or clock.now()
    if not policy.sees_case_data(user):
        return Worklist()
    return _shown(
        user,
        _open_visible(user, _mine(user)),
        now,
        page=page,
        page_size=page_size,
        operation=operation,
        purpose="My deadlines: statutory timescales I answer for",
    )


def _check_member(user, team: Team) -> None:
    membership = user.membership
    if membership is None or membership.team_id != team.pk:
        raise PermissionDenied("Only the team's members see its deadlines")


@transaction.atomic
def worklist_for_team(
    user,
    team: Team,
    *,
    now: dt.datetime | None = None,
    page: int | str | None = 1,
    page_size: int | None = None,
    operation: str = "deadlines.team_worklist",
) -> Worklist:
    """One page of the team's open deadlines, soonest first, with counts over them all,
    for its members and managers, audited. PermissionDenied for anyone not in the team."""
    _check_member(user, team)
    now = now or clock.now()
    if not policy.sees_case_data(user):
        return Worklist()
    return _shown(
        user,
        _open_visible(user, _teams(team)),
        now,
        page=page,
        page_size=page_size,
        operation=operation,
        purpose=f"Deadlines of {team.name}: oversight of the team's statutory timescales",
    )


@dataclass(frozen=True)
class WorklistCounts:
    overdue: int
    due_today: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_today


def worklist_counts(user, *, now: dt.datetime | None = None) -> WorklistCounts:
    """How many of my deadlines are overdue and due later today: numbers only, no one
    named, so no audit. (For the home page's panel, timescales/_home_panel.html.)"""
    now = now or clock.now()
    if not policy.sees_case_data(user):
        return WorklistCounts(0, 0)
    midnight = _midnight(now)
    found = (
        _open_visible(user, _mine(user))
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=midnight)),
        )
    )
    return WorklistCounts(found["overdue"], found["due_today"])
