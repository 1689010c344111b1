"""Reads about access itself: agreements, notifications, who may see a person."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.partners.models import Agency

from .models import AccessBasis, InformationSharingAgreement, Notification


def agreement_between(
    holder: Agency, recipient: Agency | None
) -> InformationSharingAgreement | None:
    """The sharing agreement in force that both agencies have signed, if any."""
    if recipient is None:
        return None
    today = clock.today()
    return (
        InformationSharingAgreement.objects.filter(agencies=holder)
        .filter(agencies=recipient)
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("code")
        .first()
    )


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    found = Notification.objects.filter(recipient=user)
    return found.filter(read_at__isnull=True) if unread_only else found


def active_bases_for(*, user) -> QuerySet[AccessBasis]:
    now = clock.now()
    return AccessBasis.objects.filter(
        Q(user=user), Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    ).select_related("person")


@transaction.atomic
def home_alerts(*, user, limit: int = 5) -> tuple[list[Notification], list[AccessBasis]]:
    """Unread notifications and the user's open emergency access, for the home page.
    They name people (by reference), so showing them is recorded."""
    notes = list(notifications_for(user=user, unread_only=True).select_related("person")[:limit])
    emergency = list(active_bases_for(user=user).filter(kind="break_glass"))
    people = {n.person for n in notes if n.person} | {b.person for b in emergency}
    if people:
        audit_record(
            actor=user,
            action="consultation",
            operation="home.alerts",
            purpose="Alerts and emergency access shown on the home page",
            subjects=[Subject.person(p) for p in sorted(people, key=lambda p: p.pk)],
        )
    return notes, emergency
