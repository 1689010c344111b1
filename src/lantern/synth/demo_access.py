"""Allocations that make the demo's sign-ins meaningful: the demo social worker holds
the children of one planted exploitation group, and the demo support worker holds a
survivor of the planted domestic-abuse escalation."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from lantern.access.models import AccessBasis, Relationship
from lantern.people.models import SourceRecord

from .models import ScenarioMember, TrueIdentity


def _persons_of(individuals, agency_code: str) -> list[int]:
    records = TrueIdentity.objects.filter(individual__in=individuals).values("source_record")
    return sorted(
        set(
            SourceRecord.objects.filter(
                pk__in=records,
                agency__code=agency_code,
                is_current=True,
            ).values_list("person", flat=True)
        )
    )


@transaction.atomic
def demo_allocations_ensure(*, today: dt.date) -> None:
    users = get_user_model().objects.in_bulk(
        ["social.worker", "support.worker"], field_name="username"
    )
    started = dt.datetime.combine(today - dt.timedelta(days=60), dt.time(9), tzinfo=dt.UTC)
    plan = [
        (
            users.get("social.worker"),
            "exploitation-group-1",
            "child",
            "kestrelford-childrens-services",
            "Allocated: child at risk of exploitation",
        ),
        (
            users.get("support.worker"),
            "domestic-abuse-1",
            "victim",
            "harbour-survivors",
            "Allocated: survivor support after separation",
        ),
    ]
    for user, scenario, role, agency, reason in plan:
        if user is None:
            continue
        individuals = ScenarioMember.objects.filter(scenario__code=scenario, role=role).values_list(
            "individual", flat=True
        )
        for person_id in _persons_of(individuals, agency):
            # Not get_or_create: the support demo gives the survivor's lead worker an
            # allocation of its own on the same person, so a second run finds two.
            held = AccessBasis.objects.filter(
                person_id=person_id, kind=Relationship.ALLOCATED_WORKER, user=user
            )
            if not held.exists():
                AccessBasis.objects.create(
                    person_id=person_id,
                    kind=Relationship.ALLOCATED_WORKER,
                    user=user,
                    reason=reason,
                    starts_at=started,
                )
