"""Reading the audit log: who has looked at a person, and the DPO's search.

Reading the log is itself recorded: who read it, about whom, and why.

Both list events newest first by the time they happened. Not by `seq`: the log is
several chains, each numbered on its own (ADR 0005), so only time orders events
across chains; the id breaks ties between events of the same microsecond.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from .models import AuditEvent, AuditSubject
from .services import Subject, audit_record

PAGE_SIZE = 50


def may_read_log_of(user, person, relationships: set[str] | None = None) -> bool:
    """The data protection officer may read anyone's access log; otherwise the person's
    owners: a user who may view them and whose agency holds their record or to whom
    (or to whose team) they are allocated. Pass the user's `relationships` to the person
    when they are already known (the person page has them)."""
    from lantern.access import policy

    role = getattr(user, "role", None)
    if role is not None and role.sees_audit and user.is_active:
        return True
    if relationships is None:
        relationships = policy.person_relationships(user, person)
    owners = {"holds_record", "allocated_worker", "allocated_team"}
    return bool(owners & relationships) and policy.person_permits(
        user, "view", person, relationships
    )


def _events(queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return (
        queryset.select_related("actor")
        .annotate(subject_count=Count("subjects"))
        .order_by("-occurred_at", "-id")
    )


@transaction.atomic
def person_access_log(*, user, person, page: int | str | None) -> Page:
    """Every recorded look at and change to a person, newest first."""
    touched = AuditSubject.objects.filter(event=OuterRef("pk"), person_id=person.pk)
    events = _events(AuditEvent.objects.filter(Exists(touched)))
    shown = Paginator(events, PAGE_SIZE).get_page(page)
    shown.object_list = list(shown.object_list)  # read before this look is added
    audit_record(
        actor=user,
        action="consultation",
        operation="audit.person_log",
        purpose="Who has looked at this person",
        subjects=[Subject.person(person)],
        detail={"page": shown.number},
    )
    return shown


@dataclass(frozen=True)
class AuditQuery:
    person_id: int | None = None
    username: str = ""
    operation: str = ""
    action: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def described(self) -> dict:
        return {k: str(v) for k, v in vars(self).items() if v}


@transaction.atomic
def audit_search(*, user, query: AuditQuery, page: int | str | None) -> Page:
    """The data protection officer's search over the whole log."""
    events = AuditEvent.objects.all()
    if query.person_id:
        events = events.filter(
            Exists(AuditSubject.objects.filter(event=OuterRef("pk"), person_id=query.person_id))
        )
    if query.username:
        events = events.filter(actor_username__iexact=query.username.strip())
    if query.operation:
        events = events.filter(operation__startswith=query.operation.strip())
    if query.action:
        events = events.filter(action=query.action)
    if query.outcome:
        events = events.filter(outcome=query.outcome)
    if query.date_from:
        events = events.filter(occurred_at__date__gte=query.date_from)
    if query.date_to:
        events = events.filter(occurred_at__date__lte=query.date_to)
    shown = Paginator(_events(events), PAGE_SIZE).get_page(page)
    shown.object_list = list(shown.object_list)  # read before this search is added
    subjects = (
        [Subject("people.person", query.person_id, query.person_id)] if query.person_id else []
    )
    audit_record(
        actor=user,
        action="consultation",
        operation="audit.search",
        purpose="Data protection officer's search of the audit log",
        subjects=subjects,
        detail={"query": query.described(), "page": shown.number},
    )
    return shown
