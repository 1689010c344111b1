"""`lantern justice_expiring [--days 14]`: for cron, daily. Bail conditions and court
orders that end within the next N days: tell the investigation's team (the police who
may read it) once for each item and expiry date, so that bail is extended, the suspect
charged or the order renewed before it lapses. Safe to run again: nobody is told twice
of the same item ending on the same day (a new expiry date is news, and is told)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lantern.access import policy
from lantern.access.models import Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.justice.models import BailCondition, CourtOrder, Investigation

BAIL = "justice_bail_expiring"
ORDER = "justice_order_expiring"


@dataclass
class Told:
    items: int = 0
    notifications: int = 0
    no_one: int = 0


def _recipients(investigation: Investigation, cache: dict) -> list:
    """The investigation's team members who may read it; with no team, the force's
    officers who may change it."""
    if investigation.pk in cache:
        return cache[investigation.pk]
    users = get_user_model().objects.filter(is_active=True, memberships__ended_on__isnull=True)
    if investigation.team_id is not None:
        users = users.filter(memberships__team_id=investigation.team_id)
        action = "view"
    else:
        users = users.filter(memberships__agency_id=investigation.agency_id)
        action = "edit"
    found = [u for u in users.distinct().order_by("pk") if policy.can(u, action, investigation)]
    cache[investigation.pk] = found
    return found


def _bail_message(bail: BailCondition) -> str:
    suspect = bail.suspect
    return (
        f"Bail for {suspect.person.full_name} in {suspect.investigation.reference} ends on "
        f"{bail.expires_on:%-d %B %Y}: extend it, charge or release before then "
        f"(bail record {bail.pk})."
    )


def _order_message(order: CourtOrder) -> str:
    suspect = order.suspect
    return (
        f"{order.get_kind_display()} on {suspect.person.full_name} in "
        f"{suspect.investigation.reference} ends on {order.expires_on:%-d %B %Y}: apply to "
        f"renew it if it is still needed (order record {order.pk})."
    )


@transaction.atomic
def expiring_notify(*, days: int = 14, today: dt.date | None = None) -> Told:
    today = today or clock.today()
    until = today + dt.timedelta(days=days)
    related = (
        "suspect__person",
        "suspect__investigation__team",
        "suspect__investigation__agency",
    )
    items = [
        (BAIL, b, _bail_message(b))
        for b in BailCondition.objects.filter(expires_on__gte=today, expires_on__lte=until)
        .select_related(*related)
        .order_by("expires_on", "pk")
    ] + [
        (ORDER, o, _order_message(o))
        for o in CourtOrder.objects.filter(expires_on__gte=today, expires_on__lte=until)
        .select_related(*related)
        .order_by("expires_on", "pk")
    ]
    told = Told(items=len(items))
    now = clock.now()
    cache: dict = {}
    notes, subjects, teams = [], [], set()
    for kind, item, message in items:
        person = item.suspect.person
        recipients = _recipients(item.suspect.investigation, cache)
        if not recipients:
            told.no_one += 1
        already = set(
            Notification.objects.filter(
                kind=kind, person=person, message=message, recipient__in=recipients
            ).values_list("recipient_id", flat=True)
        )
        fresh = [u for u in recipients if u.pk not in already]
        notes += [
            Notification(recipient=u, kind=kind, message=message, person=person, created_at=now)
            for u in fresh
        ]
        if fresh:
            subjects += [Subject.person(person), Subject.of(item, person_id=person.pk)]
            investigation = item.suspect.investigation
            teams.add(
                investigation.team.name if investigation.team_id else investigation.agency.name
            )
    Notification.objects.bulk_create(notes)
    told.notifications = len(notes)
    if notes:
        audit_record(
            actor=None,
            action="disclosure",
            operation="justice.expiring.notify",
            purpose=f"Bail conditions and orders ending within {days} days: the "
            "investigation's team told",
            subjects=list(dict.fromkeys(subjects)),
            recipient="; ".join(sorted(teams)),
            detail={"items": told.items, "notifications": told.notifications},
        )
    return told


class Command(BaseCommand):
    help = (
        "Tell each investigation's team of bail conditions and court orders that end within "
        "the next N days (14 unless --days says). Each item and expiry is told once, so "
        "running it daily is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="How far ahead to look")

    def handle(self, *args, **options):
        days = options["days"]
        if days < 0 or days > 366:
            raise CommandError("--days must be from 0 to 366")
        told = expiring_notify(days=days)
        self.stdout.write(
            f"{told.items} bail condition(s) and order(s) end within {days} days; "
            f"{told.notifications} notification(s) sent"
            + (f"; {told.no_one} with no one to tell" if told.no_one else "")
        )
