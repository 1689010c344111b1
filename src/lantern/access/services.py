"""Every write about access: allocations, referrals at the front door, grants,
break-glass, sharing agreements. Each is checked, audited, and in one transaction."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_required, refuse
from lantern.partners.models import Team
from lantern.people.models import Person, Sensitivity

from . import policy
from .models import AccessBasis, BreakGlassRequest, Notification, Relationship

BREAK_GLASS_LONGEST = dt.timedelta(hours=1)
GRANT_LONGEST = dt.timedelta(days=90)


def _basis_open(
    *,
    actor,
    person: Person,
    kind: str,
    reason: str,
    user=None,
    team: Team | None = None,
    ends_at: dt.datetime | None = None,
) -> AccessBasis:
    check_required("reason", "the reason", reason)
    now = clock.now()
    if ends_at is not None and ends_at <= now:
        refuse("ends_at", "The end of access must be in the future")
    basis = AccessBasis.objects.create(
        person=person,
        kind=kind,
        user=user,
        team=team,
        reason=reason.strip()[:500],
        starts_at=now,
        ends_at=ends_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action="alteration",
        operation=f"access.{kind}.open",
        purpose=reason,
        subjects=[Subject.person(person), Subject.of(basis, person_id=person.pk)],
        detail={
            "user": getattr(user, "username", None),
            "team": team.code if team else None,
            "ends_at": ends_at.isoformat() if ends_at else None,
        },
    )
    return basis


@transaction.atomic
def allocation_open(
    *, actor, person: Person, reason: str, user=None, team: Team | None = None
) -> AccessBasis:
    """Allocate a person to a worker (or to a team)."""
    if (user is None) == (team is None):
        refuse("user", "Allocate to a worker or to a team, not both")
    kind = Relationship.ALLOCATED_WORKER if user is not None else Relationship.ALLOCATED_TEAM
    return _basis_open(actor=actor, person=person, kind=kind, reason=reason, user=user, team=team)


@transaction.atomic
def front_door_referral_open(*, actor, person: Person, team: Team, reason: str) -> AccessBasis:
    """While a referral about the person is open, the front door may see what every
    agency holds about them. (The front-door issue opens and closes these with referrals.)"""
    if not team.is_front_door:
        refuse("team", f"{team.name} is not a front-door team")
    return _basis_open(
        actor=actor, person=person, kind=Relationship.FRONT_DOOR, reason=reason, team=team
    )


@transaction.atomic
def basis_end(*, actor, basis: AccessBasis, reason: str) -> AccessBasis:
    check_required("reason", "the reason", reason)
    basis = AccessBasis.objects.select_for_update().get(pk=basis.pk)
    now = clock.now()
    if basis.ends_at is not None and basis.ends_at <= now:
        refuse("basis", "This access has already ended")
    basis.ends_at, basis.ended_by = now, actor
    basis.save(update_fields=["ends_at", "ended_by"])
    audit_record(
        actor=actor,
        action="alteration",
        operation=f"access.{basis.kind}.end",
        purpose=reason,
        subjects=[Subject.person(basis.person), Subject.of(basis, person_id=basis.person_id)],
    )
    return basis


@transaction.atomic
def grant_open(*, actor, person: Person, user, reason: str, ends_at: dt.datetime) -> AccessBasis:
    """A manager gives a named colleague access to a person, for a reason, until a date."""
    if not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    if actor.role is None or actor.role.code != "team_manager":
        refuse("actor", "Only a team manager can give access")
    if ends_at - clock.now() > GRANT_LONGEST:
        refuse("ends_at", "Access can be given for 90 days at most; give it again if needed")
    return _basis_open(
        actor=actor,
        person=person,
        kind=Relationship.GRANT,
        reason=reason,
        user=user,
        ends_at=ends_at,
    )


def _check_second_factor(user, token: str) -> None:
    """The user proves it is still them: a fresh code, never one already used."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lantern.accounts.services import second_factor_verify

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if not token or device is None or not second_factor_verify(device=device, code=token.strip()):
        refuse(
            "token",
            "Enter the current code from your authenticator app (a code works "
            "once only: wait for the next one if you have just used it)",
        )


def _alert_owners_and_dpo(*, person: Person, message: str, kind: str) -> None:
    """Tell the people who answer for the person's records, and the data protection officer."""
    now = clock.now()
    user_model = get_user_model()
    holders = person.source_records.filter(is_current=True).values("agency")
    owners = user_model.objects.filter(
        Q(access_bases__person=person, access_bases__kind=Relationship.ALLOCATED_WORKER)
        | Q(
            memberships__agency__in=holders,
            memberships__role__code="team_manager",
            memberships__ended_on__isnull=True,
        )
        | Q(memberships__role__sees_audit=True, memberships__ended_on__isnull=True),
        is_active=True,
    ).distinct()
    Notification.objects.bulk_create(
        Notification(recipient=u, kind=kind, message=message, person=person, created_at=now)
        for u in owners
    )


@transaction.atomic
def break_glass_open(*, actor, person: Person, reason: str, token: str) -> AccessBasis:
    """Emergency access to a person the user has no relationship with: at most an hour,
    with a reason and the second factor again; the owners and the DPO are told at once.
    A sealed person needs a second person's approval instead (break_glass_request)."""
    _check_break_glass(actor, reason)
    _check_second_factor(actor, token)
    return _break_glass_open(actor=actor, person=person, reason=reason)


def _check_break_glass(actor, reason: str) -> None:
    if not policy.sees_case_data(actor):
        raise Person.DoesNotExist
    check_required("reason", "why you need emergency access", reason)
    if len(reason.strip()) < 10:
        refuse("reason", "Say why you need emergency access, in a sentence")


@transaction.atomic
def break_glass(*, actor, reference: str, reason: str, token: str):
    """The emergency-access page: the reason and a fresh code are checked before anything
    is looked up, so the page tells no one whether a reference exists without them.
    Opens access (AccessBasis) or, for a sealed person, asks for approval (BreakGlassRequest)."""
    _check_break_glass(actor, reason)
    _check_second_factor(actor, token)
    person = Person.objects.filter(reference=reference.strip().upper()).first()
    if person is None:
        refuse("reference", "There is no person with that reference")
    if person.sensitivity == Sensitivity.SEALED:
        return _break_glass_request(actor=actor, person=person, reason=reason)
    return _break_glass_open(actor=actor, person=person, reason=reason)


def _break_glass_open(*, actor, person: Person, reason: str) -> AccessBasis:
    if person.sensitivity == Sensitivity.SEALED:
        refuse("person", "This record is sealed: ask for approval from a second person")
    basis = _basis_open(
        actor=actor,
        person=person,
        kind=Relationship.BREAK_GLASS,
        reason=reason,
        user=actor,
        ends_at=clock.now() + BREAK_GLASS_LONGEST,
    )
    _alert_owners_and_dpo(
        person=person,
        kind="break_glass",
        message=f"{actor} ({actor.agency}) used emergency access to {person.reference}: "
        f"{reason.strip()[:200]}",
    )
    return basis


@transaction.atomic
def break_glass_request(*, actor, person: Person, reason: str, token: str) -> BreakGlassRequest:
    """Ask for emergency access to a sealed person; a second person must approve."""
    _check_break_glass(actor, reason)
    _check_second_factor(actor, token)
    return _break_glass_request(actor=actor, person=person, reason=reason)


def _break_glass_request(*, actor, person: Person, reason: str) -> BreakGlassRequest:
    request = BreakGlassRequest.objects.create(
        person=person, requested_by=actor, reason=reason.strip()[:500], requested_at=clock.now()
    )
    audit_record(
        actor=actor,
        action="alteration",
        operation="access.break_glass.request",
        purpose=reason,
        subjects=[Subject.person(person)],
    )
    _alert_owners_and_dpo(
        person=person,
        kind="break_glass_request",
        message=f"{actor} asks for emergency access to sealed record {person.reference}",
    )
    return request


@transaction.atomic
def break_glass_decide(
    *, actor, request: BreakGlassRequest, approve: bool, reason: str, token: str
) -> BreakGlassRequest:
    """A second person (a team manager or the DPO) approves or refuses emergency access."""
    request = BreakGlassRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != BreakGlassRequest.Status.PENDING:
        refuse("request", "This request has already been decided")
    if actor.pk == request.requested_by_id:
        refuse("actor", "A second person must decide: you cannot approve your own request")
    role = actor.role
    if role is None or not (role.code == "team_manager" or role.sees_audit):
        refuse("actor", "Only a team manager or the data protection officer can decide")
    check_required("reason", "the reason for your decision", reason)
    _check_second_factor(actor, token)
    now = clock.now()
    request.status = (
        BreakGlassRequest.Status.APPROVED if approve else BreakGlassRequest.Status.REFUSED
    )
    request.decided_by, request.decided_at, request.decision_reason = actor, now, reason[:500]
    if approve:
        request.basis = AccessBasis.objects.create(
            person=request.person,
            kind=Relationship.BREAK_GLASS,
            user=request.requested_by,
            reason=request.reason,
            starts_at=now,
            ends_at=now + BREAK_GLASS_LONGEST,
            created_by=actor,
        )
    request.save()
    audit_record(
        actor=actor,
        action="alteration",
        operation="access.break_glass." + ("approve" if approve else "refuse"),
        purpose=reason,
        subjects=[Subject.person(request.person)],
        detail={"requested_by": request.requested_by.username},
    )
    return request
