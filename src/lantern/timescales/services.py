"""Every write to deadlines: opening, meeting, cancelling and escalating them.

Deadlines are opened, met and cancelled by other apps' services (a referral
received opens `referral_decision`; the decision meets it). Those services have
already checked the access policy for their own step, inside their transaction,
so these functions do not check it again; they check their input, write, and
record an audit event in the same transaction. `deadlines_escalate` runs from
cron (`lantern deadlines_escalate`) as Lantern itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.access import policy
from lantern.access.models import Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.partners.models import Agency, Team
from lantern.people.models import Person

from . import rules as timescale_rules
from .models import OPEN, Deadline
from .rules import LONDON
from .workdays import CalendarRangeError

CHUNK = 500


def _saved(user):
    return user if getattr(user, "pk", None) else None


def _check_moment(field: str, label: str, value) -> None:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        refuse(field, f"{label} must be a date and time with a time zone")


def _subject_key(subject) -> tuple[ContentType, int]:
    if subject is None or getattr(subject, "pk", None) is None:
        refuse("subject", "A deadline must belong to a saved record (a referral, a meeting...)")
    if isinstance(subject.pk, bool) or not isinstance(subject.pk, int):
        refuse("subject", "A deadline's record must have a whole-number id")
    return ContentType.objects.get_for_model(subject), subject.pk


def _known_rule(code: str) -> timescale_rules.TimescaleRule:
    try:
        return timescale_rules.rule(code)
    except timescale_rules.UnknownRule as exc:
        raise ValidationError({"rule": [str(exc)]}) from None


def _open_for(subject, code: str) -> Deadline | None:
    subject_type, subject_id = _subject_key(subject)
    found = (
        Deadline.objects.select_for_update(of=("self",))
        .filter(OPEN, subject_type=subject_type, subject_id=subject_id, rule=code)
        .select_related("person", "subject_type")
        .first()
    )
    if found is None:
        _known_rule(code)  # a typo in the code says so, rather than "nothing open"
    return found


def _audit(actor, deadline: Deadline, *, action: str, operation: str, purpose: str, **detail):
    audit_record(
        actor=_saved(actor),
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=[Subject.person(deadline.person), Subject.of(deadline)],
        detail={
            "rule": deadline.rule,
            "subject": f"{deadline.subject_type.app_label}.{deadline.subject_type.model}"
            f":{deadline.subject_id}",
            "due_at": deadline.due_at,
            **detail,
        },
    )


@transaction.atomic
def deadline_open(
    *,
    actor,
    rule: str,
    starts_at: dt.datetime,
    person: Person,
    subject,
    owner_agency: Agency,
    owner_team: Team | None = None,
    owner_user=None,
) -> Deadline:
    """Start the clock on a statutory timescale for one step about one person.

    The due time comes from the rule in timescales.toml. Only one deadline of a rule
    may be open for one record at a time: meet or cancel it before opening another.
    """
    timescale = _known_rule(rule)
    _check_moment("starts_at", "When the step started", starts_at)
    if person is None or person.pk is None:
        refuse("person", "A deadline must be about a saved person")
    subject_type, subject_id = _subject_key(subject)
    if owner_agency is None or owner_agency.pk is None:
        refuse("owner_agency", "Choose the agency that owns this deadline")
    if owner_team is not None and owner_team.agency_id != owner_agency.pk:
        refuse("owner_team", f"{owner_team.name} is not a team of {owner_agency.name}")
    if owner_user is not None:
        membership = owner_user.membership
        if membership is None or membership.agency_id != owner_agency.pk:
            refuse("owner_user", f"{owner_user} does not work at {owner_agency.name}")
    try:
        due_at = timescale.due(starts_at)
    except CalendarRangeError as exc:
        raise ValidationError({"starts_at": [str(exc)]}) from None
    if Deadline.objects.filter(
        OPEN, subject_type=subject_type, subject_id=subject_id, rule=rule
    ).exists():
        refuse(
            "rule",
            f"A {timescale.name.lower()} deadline is already open for this record: "
            "meet it or cancel it first",
        )
    deadline = Deadline.objects.create(
        rule=rule,
        person=person,
        subject_type=subject_type,
        subject_id=subject_id,
        owner_agency=owner_agency,
        owner_team=owner_team,
        owner_user=owner_user,
        starts_at=starts_at,
        due_at=due_at,
        created_at=clock.now(),
        created_by=_saved(actor),
    )
    _audit(
        actor,
        deadline,
        action="collection",
        operation="deadline.open",
        purpose=f"Statutory timescale: {timescale.name}, {timescale.period} "
        f"from {timescale.starts_from[0].lower()}{timescale.starts_from[1:]}",
        owner=deadline.owner_label,
    )
    return deadline


@transaction.atomic
def deadline_meet(*, actor, subject, rule: str, met_at: dt.datetime) -> Deadline | None:
    """Record that the step was done at `met_at`. None if no such deadline is open."""
    _check_moment("met_at", "When it was done", met_at)
    deadline = _open_for(subject, rule)
    if deadline is None:
        return None
    check_not_future("met_at", "When it was done", met_at)
    check_order("met_at", "When it was done", deadline.starts_at, met_at, "when the step started")
    deadline.met_at = met_at
    deadline.save(update_fields=["met_at"])
    _audit(
        actor,
        deadline,
        action="alteration",
        operation="deadline.meet",
        purpose=f"{deadline.rule_name} done",
        late=met_at > deadline.due_at,
    )
    return deadline


@transaction.atomic
def deadline_cancel(*, actor, subject, rule: str, reason: str) -> Deadline | None:
    """Stop the clock because the step is no longer needed (a case closed, a child moved
    away), with the reason. None if no such deadline is open."""
    check_required("reason", "why the deadline no longer applies", reason)
    deadline = _open_for(subject, rule)
    if deadline is None:
        return None
    deadline.cancelled_at = clock.now()
    deadline.cancelled_reason = reason.strip()[:500]
    deadline.save(update_fields=["cancelled_at", "cancelled_reason"])
    _audit(
        actor,
        deadline,
        action="alteration",
        operation="deadline.cancel",
        purpose=reason,
    )
    return deadline


def _managers(deadline: Deadline, roles: tuple[str, ...], cache: dict) -> list:
    """Who hears that a deadline is overdue: the managers in the owner team; if it has none
    (or there is no team), the managers in the owner agency; failing that, the owner."""
    key = (deadline.owner_team_id, deadline.owner_agency_id, deadline.owner_user_id)
    if key not in cache:
        current = {
            "is_active": True,
            "memberships__ended_on__isnull": True,
            "memberships__role__code__in": roles,
        }
        users = get_user_model().objects
        found = []
        if deadline.owner_team_id:
            found = list(
                users.filter(**current, memberships__team_id=deadline.owner_team_id).distinct()
            )
        if not found:
            found = list(
                users.filter(**current, memberships__agency_id=deadline.owner_agency_id).distinct()
            )
        if not found and deadline.owner_user_id and deadline.owner_user.is_active:
            found = [deadline.owner_user]
        cache[key] = found
    return cache[key]


def _overdue_message(deadline: Deadline) -> str:
    due = deadline.due_at.astimezone(LONDON)
    return (
        f"Overdue: {deadline.rule_name} for {deadline.person.reference} was due "
        f"{due:%-d %b %Y at %H:%M}; owned by {deadline.owner_label}."
    )[:500]


def deadlines_escalate(*, now: dt.datetime | None = None) -> int:
    """Mark every open deadline past its due time as escalated, once, and tell the owner
    team's managers. Returns how many were escalated.

    A manager is told only about people they may see: a deadline about someone hidden
    from every manager is still marked escalated, and counted as told to no one in the
    audit event, so that oversight can find it without names reaching the wrong desk."""
    now = now or clock.now()
    with transaction.atomic():
        overdue = list(
            Deadline.objects.select_for_update(of=("self",))
            .filter(OPEN, escalated_at__isnull=True, due_at__lt=now)
            .select_related("person", "owner_agency", "owner_team", "owner_user", "subject_type")
            .order_by("due_at", "pk")
        )
        if not overdue:
            return 0
        ids = [d.pk for d in overdue]
        for start in range(0, len(ids), CHUNK):
            Deadline.objects.filter(pk__in=ids[start : start + CHUNK]).update(escalated_at=now)
        roles = timescale_rules.timescales().escalation_roles
        cache: dict = {}
        by_manager: dict = defaultdict(list)
        managers = {}
        for deadline in overdue:
            for manager in _managers(deadline, roles, cache):
                managers[manager.pk] = manager
                by_manager[manager.pk].append(deadline)
        notes, told = [], set()
        for pk, deadlines in by_manager.items():
            manager = managers[pk]
            person_ids = {d.person_id for d in deadlines}
            visible = set(
                policy.people_visible_to(manager, "view")
                .filter(pk__in=person_ids)
                .values_list("pk", flat=True)
            )
            for deadline in deadlines:
                if deadline.person_id in visible:
                    told.add(deadline.pk)
                    notes.append(
                        Notification(
                            recipient=manager,
                            kind="deadline_overdue",
                            message=_overdue_message(deadline),
                            person=deadline.person,
                            created_at=now,
                        )
                    )
        Notification.objects.bulk_create(notes, batch_size=CHUNK)
        people = {d.person_id: d.person for d in overdue}
        audit_record(
            actor=None,
            action="alteration",
            operation="deadline.escalate",
            purpose="Statutory deadlines overdue: escalated to the owner team's managers",
            subjects=[Subject.person(p) for p in people.values()]
            + [Subject.of(d) for d in overdue],
            detail={
                "deadlines": len(overdue),
                "notifications": len(notes),
                "told_no_one": [d.pk for d in overdue if d.pk not in told],
            },
        )
    return len(overdue)
