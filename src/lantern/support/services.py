"""Writes for survivors' support: plans, the directory of services, referrals to those
services, the chaser, and safe-contact settings.

Every write is keyword-only, checks everything before it saves anything, runs in one
transaction with its audit event, and refuses bad input naming the field (the pages
and the API show the refusal beside that field).

Who may do what:

- A support plan is its lead agency's record (the policy table, record type
  `support_plan`): whoever the table lets edit it writes to it. Opening one needs a
  role that may edit support plans and a look at the person the policy allows; the lead
  worker works in the same agency. While a plan is open its lead worker is also the
  person's allocated worker (lantern.access), so she keeps seeing the person whatever
  happens to the child's case; ending the plan ends that.
- Re-engaging someone whose plan ended needs no referral and no look at the person:
  only her last lead worker, or a manager in the lead agency (support.access.may_reengage).
- The directory: the system administrator, or anyone in the provider's own agency.
- Safe contact: anyone who may view the person records it; once someone leads an open
  plan for her, only that lead worker may stop hiding her address.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from lantern.access import policy
from lantern.access import services as access_services
from lantern.access.models import AccessBasis, Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.network import normalise
from lantern.people.models import Person, Sensitivity
from lantern.timescales.rules import add_months
from lantern.timescales.workdays import CalendarRangeError, add_working_days

from .access import may_reengage, safe_contact_of
from .models import (
    ContactMethod,
    Engagement,
    Goal,
    GoalStatus,
    Need,
    NeedArea,
    PlanReview,
    Provider,
    ProviderKind,
    ReferralStatus,
    SafeContact,
    Service,
    ServiceCategory,
    ServiceReferral,
    SupportContact,
    SupportPlan,
)

log = logging.getLogger(__name__)

SYSTEM_ADMINISTRATOR = "system_administrator"
ADULT_AGE = 18
LONGEST_REVIEW_MONTHS = 12
LONGEST_WAIT_WEEKS = 260
LONGEST_ANSWER_DAYS = 60
LARGEST_CAPACITY = 100_000
CHASE_KIND = "support_referral_chase"
CODE = re.compile(r"^[a-z0-9][a-z0-9\-]{1,58}$")
# A referral still waiting for the service, or accepted and waiting to start.
WAITING = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
ACTIVE = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.STARTED)


# ---------------------------------------------------------------- ages
def eighteenth_birthday(born: dt.date | None) -> dt.date | None:
    """The day someone born on `born` turns 18 (born on 29 February: 1 March in a year
    without one)."""
    if born is None:
        return None
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:
        return dt.date(born.year + ADULT_AGE, 3, 1)


def is_adult(person: Person, on: dt.date | None = None) -> bool | None:
    """Whether the person is 18 or over on the day (today unless given); None if her date
    of birth is not known."""
    birthday = eighteenth_birthday(person.date_of_birth)
    if birthday is None:
        return None
    return (on or clock.today()) >= birthday


# ---------------------------------------------------------------- shared checks
def _audit(
    actor,
    operation: str,
    purpose: str,
    subjects: Iterable,
    action="collection",
    recipient: str = "",
    **detail,
):
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        operation=operation,
        purpose=purpose[:2000],
        subjects=list(dict.fromkeys(subjects)),
        recipient=recipient[:300],
        detail=detail,
    )


def _subjects(plan: SupportPlan, *records) -> list[Subject]:
    person_id = plan.person_id
    return [
        Subject("people.person", person_id, person_id),
        Subject.of(plan, person_id=person_id),
        *(Subject.of(r, person_id=person_id) for r in records),
    ]


def _name(user) -> str:
    return user.get_full_name() or user.username


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _lock(plan: SupportPlan) -> SupportPlan:
    return (
        SupportPlan.objects.select_for_update().select_related("person", "agency").get(pk=plan.pk)
    )


def _editable(actor, plan: SupportPlan, *, must_be_open: bool = True) -> SupportPlan:
    """The plan, locked, if the actor may change it (DoesNotExist, a 404, if she may not
    even see it)."""
    plan = _lock(plan)
    if not policy.can(actor, "view", plan):
        raise SupportPlan.DoesNotExist
    if not policy.can(actor, "edit", plan):
        refuse("plan", "You cannot change this support plan")
    if must_be_open and not plan.is_open:
        refuse(
            "plan",
            f"This support plan ended on {_day(_local_day(plan.ended_at))}: re-engage "
            f"{plan.person.given_name} first",
        )
    return plan


def _text(field: str, label: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required:
        check_required(field, label, value)
    if len(value) > limit:
        refuse(field, f"Keep {label} to {limit:,} characters")
    return value


def _whole(field: str, label: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        refuse(field, f"Enter {label} as a whole number")
    if not low <= value <= high:
        refuse(field, f"{label[0].upper()}{label[1:]} must be from {low:,} to {high:,}")
    return value


def _choice(field: str, value: str, choices, what: str) -> str:
    if value not in choices.values:
        refuse(field, f"Choose {what}")
    return value


def _check_lead_worker(lead_worker, agency, field: str = "lead_worker") -> None:
    if lead_worker is None or not getattr(lead_worker, "is_active", False):
        refuse(field, "Choose the lead worker")
    membership = lead_worker.membership
    if membership is None or membership.agency_id != agency.pk:
        refuse(field, f"{_name(lead_worker)} does not work at {agency.name}")
    if not policy.holds_any(lead_worker, "edit", "support_plan"):
        refuse(field, f"{_name(lead_worker)}'s role cannot lead a support plan")


def _review_months(value) -> int:
    return _whole(
        "review_every_months", "how many months between reviews", value, 1, LONGEST_REVIEW_MONTHS
    )


# ---------------------------------------------------------------- the lead worker's access
def _basis_open(actor, plan: SupportPlan, worker) -> AccessBasis:
    """The worker becomes her allocated worker while she leads the plan."""
    plan.lead_access = access_services.allocation_open(
        actor=actor,
        person=plan.person,
        user=worker,
        reason=f"Lead worker of support plan {plan.pk}",
    )
    plan.save(update_fields=["lead_access"])
    return plan.lead_access


def _basis_end(actor, plan: SupportPlan, reason: str) -> None:
    """End the allocation that came with the plan (not any other allocation she has)."""
    basis = plan.lead_access
    if basis is not None and (basis.ends_at is None or basis.ends_at > clock.now()):
        access_services.basis_end(actor=actor, basis=basis, reason=reason)
    plan.lead_access = None
    plan.save(update_fields=["lead_access"])


# ---------------------------------------------------------------- plans
@transaction.atomic
def plan_open(
    *,
    actor,
    person: Person,
    lead_worker,
    summary: str,
    case=None,
    review_every_months: int = 3,
    sensitivity: str = Sensitivity.NORMAL,
) -> SupportPlan:
    """Open a survivor's support plan, led by a named worker of the actor's agency. Her
    first spell of support starts, the lead worker becomes her allocated worker, and the
    first review falls due `review_every_months` from today."""
    if not policy.holds_any(actor, "edit", "support_plan"):
        refuse("actor", "Your role cannot open support plans")
    if person is None or person.merged_into_id or not policy.can(actor, "view", person):
        refuse("person", "Choose a person you can see: find them with the people search first")
    agency = actor.agency
    _check_lead_worker(lead_worker, agency)
    summary = _text("summary", "what the support is for", summary, 5000)
    months = _review_months(review_every_months)
    if sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"{sensitivity!r} is not normal, restricted or sealed")
    if case is not None and case.person_id != person.pk:
        refuse("case", "That case is about someone else")
    # The plan names her: it is never less protected than her own record.
    ranks = list(Sensitivity.values)
    sensitivity = max(sensitivity, person.sensitivity, key=ranks.index)
    earlier = list(SupportPlan.objects.select_for_update().filter(person=person))
    if any(p.is_open for p in earlier):
        held = next(p for p in earlier if p.is_open)
        where = "your agency" if held.agency_id == agency.pk else "another agency"
        refuse("person", f"{person.full_name} already has an open support plan with {where}")
    ours = next((p for p in earlier if p.agency_id == agency.pk), None)
    if ours is not None:
        refuse(
            "person",
            f"{person.full_name} had a support plan with {agency.name}, ended on "
            f"{_day(_local_day(ours.ended_at))}: re-engage them on it, so that their "
            "history stays in one place",
        )
    now, today = clock.now(), clock.today()
    plan = SupportPlan(
        person=person,
        agency=agency,
        lead_worker=lead_worker,
        sensitivity=sensitivity,
        case=case,
        summary=summary,
        review_every_months=months,
        next_review_on=add_months(today, months),
        opened_at=now,
        opened_by=actor,
    )
    if not policy.agency_record_permits(actor, "edit", "support_plan", plan):
        refuse("sensitivity", "Your role cannot keep a support plan at this sensitivity")
    if not policy.agency_record_permits(lead_worker, "edit", "support_plan", plan):
        refuse("lead_worker", f"{_name(lead_worker)} cannot lead a plan at this sensitivity")
    plan.save()
    engagement = Engagement.objects.create(
        plan=plan, started_at=now, started_by=actor, start_reason="Support plan opened"
    )
    _basis_open(actor, plan, lead_worker)
    _audit(
        actor,
        "support.plan.open",
        f"Support plan opened: {summary[:200]}",
        _subjects(plan, engagement),
        lead_worker=lead_worker.username,
        review_every_months=months,
        case=getattr(case, "pk", None),
    )
    return plan


@transaction.atomic
def plan_end(*, actor, plan: SupportPlan, reason: str) -> SupportPlan:
    """End the support: the spell of support and the lead worker's allocation end, and
    referrals still waiting for an answer or a start are withdrawn. The plan stays with
    the lead agency, so that she can be re-engaged on it at any time."""
    plan = _editable(actor, plan)
    reason = _text("reason", "why the support is ending", reason, 1000)
    now = clock.now()
    engagement = plan.engagements.select_for_update().filter(ended_at__isnull=True).first()
    if engagement is not None:
        engagement.ended_at, engagement.end_reason = now, reason
        engagement.save(update_fields=["ended_at", "end_reason"])
    withdrawn = []
    for referral in plan.referrals.select_for_update().filter(status__in=WAITING):
        referral.status = ReferralStatus.WITHDRAWN
        referral.end_reason = f"Support plan ended: {reason}"[:1000]
        referral.save(update_fields=["status", "end_reason"])
        withdrawn.append(referral)
    plan.ended_at, plan.ended_by, plan.end_reason = now, actor, reason
    plan.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _basis_end(actor, plan, f"Support plan ended: {reason}")
    _audit(
        actor,
        "support.plan.end",
        f"Support plan ended: {reason[:200]}",
        _subjects(plan, *([engagement] if engagement else []), *withdrawn),
        action="alteration",
        referrals_withdrawn=len(withdrawn),
    )
    return plan


@transaction.atomic
def plan_reengage(*, actor, plan: SupportPlan, reason: str, lead_worker=None) -> SupportPlan:
    """Support her again on the plan she had, at any time, with no referral to the front
    door: her last lead worker (or a manager in the lead agency) opens a new spell of
    support and the lead worker sees her again as her allocated worker."""
    plan = _lock(plan)
    if not policy.can(actor, "view", plan):
        raise SupportPlan.DoesNotExist
    if plan.is_open:
        refuse("plan", "This support plan is open: there is nothing to re-engage")
    if not may_reengage(actor, plan) or not policy.can(actor, "edit", plan):
        refuse(
            "actor",
            f"Only {_name(plan.lead_worker)}, the last lead worker, or a manager at "
            f"{plan.agency.name} can re-engage {plan.person.given_name}",
        )
    lead = lead_worker or plan.lead_worker
    _check_lead_worker(lead, plan.agency)
    reason = _text("reason", "why the support starts again", reason, 1000)
    other = SupportPlan.objects.filter(person_id=plan.person_id, ended_at__isnull=True).first()
    if other is not None:
        refuse("plan", f"{plan.person.full_name} already has an open support plan elsewhere")
    now, today = clock.now(), clock.today()
    plan.ended_at, plan.ended_by, plan.end_reason = None, None, ""
    plan.lead_worker = lead
    plan.next_review_on = add_months(today, plan.review_every_months)
    plan.save(update_fields=["ended_at", "ended_by", "end_reason", "lead_worker", "next_review_on"])
    engagement = Engagement.objects.create(
        plan=plan, started_at=now, started_by=actor, start_reason=reason
    )
    _basis_open(actor, plan, lead)
    _audit(
        actor,
        "support.plan.reengage",
        f"Re-engaged without a new referral: {reason[:200]}",
        _subjects(plan, engagement),
        action="alteration",
        lead_worker=lead.username,
        spell=plan.engagements.count(),
    )
    return plan


@transaction.atomic
def lead_worker_change(*, actor, plan: SupportPlan, lead_worker, reason: str) -> SupportPlan:
    """Hand the plan to another worker of the lead agency: the old lead worker's
    allocation ends and the new one's begins."""
    plan = _editable(actor, plan)
    _check_lead_worker(lead_worker, plan.agency)
    if lead_worker.pk == plan.lead_worker_id:
        refuse("lead_worker", f"{_name(lead_worker)} already leads this plan")
    reason = _text("reason", "why the lead worker changes", reason, 500)
    old = plan.lead_worker
    _basis_end(actor, plan, f"No longer the lead worker: {reason}")
    plan.lead_worker = lead_worker
    plan.save(update_fields=["lead_worker"])
    _basis_open(actor, plan, lead_worker)
    _audit(
        actor,
        "support.plan.lead_worker",
        f"Lead worker changed: {reason[:200]}",
        _subjects(plan),
        action="alteration",
        was=old.username,
        now=lead_worker.username,
    )
    return plan


# ---------------------------------------------------------------- needs, goals, contacts, reviews
@transaction.atomic
def need_add(
    *, actor, plan: SupportPlan, area: str, description: str, in_her_words: str = ""
) -> Need:
    plan = _editable(actor, plan)
    _choice("area", area, NeedArea, "the area of need")
    description = _text("description", "the need", description, 5000)
    words = _text("in_her_words", "what she said", in_her_words, 5000, required=False)
    need = Need.objects.create(
        plan=plan,
        area=area,
        description=description,
        in_her_words=words,
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    _audit(actor, "support.need.add", "Need recorded in a support plan", _subjects(plan, need))
    return need


@transaction.atomic
def need_met(*, actor, need: Need) -> Need:
    plan = _editable(actor, need.plan)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.met_at is not None:
        refuse("need", f"This need was already met on {_day(_local_day(need.met_at))}")
    need.met_at = clock.now()
    need.save(update_fields=["met_at"])
    _audit(
        actor,
        "support.need.met",
        "Need met",
        _subjects(plan, need),
        action="alteration",
    )
    return need


@transaction.atomic
def goal_set(
    *, actor, plan: SupportPlan, description: str, target_on: dt.date | None = None
) -> Goal:
    plan = _editable(actor, plan)
    description = _text("description", "the goal", description, 5000)
    if target_on is not None and target_on < clock.today():
        refuse("target_on", "The target date must be today or later")
    goal = Goal.objects.create(
        plan=plan, description=description, target_on=target_on, set_at=clock.now(), set_by=actor
    )
    _audit(actor, "support.goal.set", "Goal set in a support plan", _subjects(plan, goal))
    return goal


@transaction.atomic
def goal_close(*, actor, goal: Goal, status: str, closed_on: dt.date | None = None) -> Goal:
    """A goal achieved, or no longer wanted."""
    plan = _editable(actor, goal.plan)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != GoalStatus.OPEN:
        refuse("goal", f"This goal is already closed: {goal.get_status_display().lower()}")
    if status not in (GoalStatus.ACHIEVED, GoalStatus.DROPPED):
        refuse("status", "Say whether the goal was achieved or is no longer wanted")
    closed_on = closed_on or clock.today()
    check_not_future("closed_on", "The day it closed", closed_on)
    set_on = _local_day(goal.set_at)
    check_order(
        "closed_on", "The day it closed", set_on, closed_on, f"the day it was set ({_day(set_on)})"
    )
    goal.status, goal.closed_on = status, closed_on
    goal.save(update_fields=["status", "closed_on"])
    _audit(
        actor,
        "support.goal.close",
        f"Goal {goal.get_status_display().lower()}",
        _subjects(plan, goal),
        action="alteration",
        status=status,
    )
    return goal


@transaction.atomic
def contact_record(
    *, actor, plan: SupportPlan, happened_at: dt.datetime, method: str, summary: str
) -> SupportContact:
    plan = _editable(actor, plan)
    check_required("happened_at", "when it happened", happened_at)
    check_not_future("happened_at", "When it happened", happened_at)
    opened = _local_day(plan.opened_at)
    if _local_day(happened_at) < opened:
        refuse(
            "happened_at", f"When it happened must be on or after the plan opened ({_day(opened)})"
        )
    _choice("method", method, ContactMethod, "how the contact was made")
    summary = _text("summary", "what happened", summary, 10_000)
    contact = SupportContact.objects.create(
        plan=plan,
        happened_at=happened_at,
        method=method,
        summary=summary,
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    _audit(
        actor,
        "support.contact.record",
        f"Contact recorded: {contact.get_method_display().lower()}",
        _subjects(plan, contact),
    )
    return contact


@transaction.atomic
def review_record(
    *,
    actor,
    plan: SupportPlan,
    held_on: dt.date,
    summary: str,
    her_view: str = "",
    next_review_on: dt.date | None = None,
) -> PlanReview:
    """A review of the plan with her. The next review is due `review_every_months` later
    unless another day is given (at most a year later)."""
    plan = _editable(actor, plan)
    check_required("held_on", "the day of the review", held_on)
    check_not_future("held_on", "The day of the review", held_on)
    opened = _local_day(plan.opened_at)
    check_order(
        "held_on",
        "The day of the review",
        opened,
        held_on,
        f"the day the plan opened ({_day(opened)})",
    )
    summary = _text("summary", "what the review found", summary, 10_000)
    her_view = _text("her_view", "what she said", her_view, 10_000, required=False)
    if next_review_on is None:
        next_review_on = add_months(held_on, plan.review_every_months)
    if next_review_on <= held_on:
        refuse("next_review_on", "The next review must be after this one")
    if next_review_on > add_months(held_on, LONGEST_REVIEW_MONTHS):
        refuse("next_review_on", "Review the plan at least once a year")
    review = PlanReview.objects.create(
        plan=plan,
        held_on=held_on,
        summary=summary,
        her_view=her_view,
        next_review_on=next_review_on,
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    plan.next_review_on = next_review_on
    plan.save(update_fields=["next_review_on"])
    _audit(
        actor,
        "support.review.record",
        f"Support plan reviewed on {_day(held_on)}",
        _subjects(plan, review),
        next_review_on=next_review_on,
    )
    return review


# ---------------------------------------------------------------- the directory
def may_manage_directory(user, provider: Provider | None = None) -> bool:
    """The system administrator manages the whole directory; anyone else, the services of a
    provider that is their own agency (any provider of it, when `provider` is None)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role
    if role is not None and role.code == SYSTEM_ADMINISTRATOR:
        return True
    agency = user.agency
    if agency is None:
        return False
    if provider is None:
        return Provider.objects.filter(agency=agency).exists()
    return provider.agency_id == agency.pk


def _is_administrator(user) -> bool:
    role = getattr(user, "role", None)
    return role is not None and role.code == SYSTEM_ADMINISTRATOR


def _code(field: str, value: str, model, what: str) -> str:
    code = (value or "").strip().lower()
    if not CODE.match(code):
        refuse(field, f"Use lower-case letters, numbers and dashes for the {what}'s code")
    if model.objects.filter(code=code).exists():
        refuse(field, f"There is already a {what} with the code {code}")
    return code


def _uk_phone(field: str, raw: str, *, required: bool = False) -> str:
    raw = (raw or "").strip()
    if not raw:
        if required:
            refuse(field, "Enter the phone number")
        return ""
    try:
        key, _label = normalise.phone(raw)
    except ValueError as exc:
        refuse(field, str(exc))
    if key.startswith("+"):
        refuse(field, f"{raw!r} is not a UK phone number: give a UK number, like 07700 900123")
    return spaced_uk(key)


def spaced_uk(digits: str) -> str:
    """A UK number as people write it: 07700 900123, 01632 960210, 020 7946 0000,
    0300 123 4567."""
    if digits.startswith("02"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if digits.startswith(("01", "07")):
        return f"{digits[:5]} {digits[5:]}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def _email(field: str, raw: str) -> str:
    raw = (raw or "").strip()
    if raw:
        try:
            validate_email(raw)
        except ValidationError:
            refuse(field, f"{raw!r} is not an email address, like name@example.org")
    return raw


@transaction.atomic
def provider_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    agency=None,
    phone: str = "",
    email: str = "",
    website: str = "",
    description: str = "",
) -> Provider:
    """Add a provider to the directory: the system administrator adds any; a partner agency
    adds itself."""
    if not _is_administrator(actor):
        if actor.agency is None:
            refuse("actor", "Only the system administrator or the provider itself adds a provider")
        if agency is None:
            agency = actor.agency
        if agency.pk != actor.agency.pk:
            refuse("agency", "You can add your own agency as a provider, not another")
    code = _code("code", code, Provider, "provider")
    name = _text("name", "the provider's name", name, 200)
    if Provider.objects.filter(name__iexact=name).exists():
        refuse("name", f"{name} is already in the directory")
    _choice("kind", kind, ProviderKind, "commissioned, voluntary or statutory")
    if agency is not None and Provider.objects.filter(agency=agency).exists():
        refuse("agency", f"{agency.name} is already a provider in the directory")
    provider = Provider.objects.create(
        code=code,
        name=name,
        kind=kind,
        agency=agency,
        phone=_uk_phone("phone", phone),
        email=_email("email", email),
        website=_text("website", "the website", website, 200, required=False),
        description=_text("description", "the description", description, 5000, required=False),
    )
    _audit(actor, "support.provider.create", f"Provider {name} added", [Subject.of(provider)])
    return provider


def _service_numbers(
    *, capacity, typical_wait_weeks, answer_within_days
) -> tuple[int | None, int | None, int | None]:
    if capacity is not None:
        _whole("capacity", "how many people it supports at once", capacity, 1, LARGEST_CAPACITY)
    if typical_wait_weeks is not None:
        _whole(
            "typical_wait_weeks",
            "the usual wait in weeks",
            typical_wait_weeks,
            0,
            LONGEST_WAIT_WEEKS,
        )
    if answer_within_days is not None:
        _whole(
            "answer_within_days",
            "the working days to answer a referral",
            answer_within_days,
            1,
            LONGEST_ANSWER_DAYS,
        )
    return capacity, typical_wait_weeks, answer_within_days


@transaction.atomic
def service_create(
    *,
    actor,
    provider: Provider,
    code: str,
    name: str,
    category: str,
    capacity: int,
    typical_wait_weeks: int = 0,
    for_children: bool = True,
    for_adults: bool = True,
    accepting: bool = True,
    answer_within_days: int = 10,
    description: str = "",
) -> Service:
    if provider is None:
        refuse("provider", "Choose the provider")
    if not may_manage_directory(actor, provider):
        refuse("provider", f"Only {provider.name} or the system administrator adds its services")
    if not provider.is_active:
        refuse("provider", f"{provider.name} is no longer in the directory")
    code = _code("code", code, Service, "service")
    name = _text("name", "the service's name", name, 200)
    _choice("category", category, ServiceCategory, "the kind of service")
    check_required("capacity", "how many people it supports at once", capacity)
    _service_numbers(
        capacity=capacity,
        typical_wait_weeks=typical_wait_weeks,
        answer_within_days=answer_within_days,
    )
    if not for_children and not for_adults:
        refuse("for_adults", "Say whether the service is for children, adults or both")
    service = Service.objects.create(
        provider=provider,
        code=code,
        name=name,
        category=category,
        description=_text("description", "the description", description, 5000, required=False),
        for_children=bool(for_children),
        for_adults=bool(for_adults),
        capacity=capacity,
        typical_wait_weeks=typical_wait_weeks,
        accepting=bool(accepting),
        answer_within_days=answer_within_days,
        updated_at=clock.now(),
    )
    _audit(
        actor,
        "support.service.create",
        f"Service {name} added",
        [Subject.of(service)],
        capacity=capacity,
    )
    return service


@transaction.atomic
def service_update(
    *,
    actor,
    service: Service,
    capacity: int | None = None,
    typical_wait_weeks: int | None = None,
    accepting: bool | None = None,
    answer_within_days: int | None = None,
    description: str | None = None,
) -> Service:
    """Change what the directory says of a service: its capacity, usual wait, whether it
    takes referrals, how long it has to answer one. Arguments left as None stay."""
    service = Service.objects.select_for_update().select_related("provider").get(pk=service.pk)
    if not may_manage_directory(actor, service.provider):
        refuse("service", f"Only {service.provider.name} or the system administrator changes it")
    _service_numbers(
        capacity=capacity,
        typical_wait_weeks=typical_wait_weeks,
        answer_within_days=answer_within_days,
    )
    wanted = {
        "capacity": capacity,
        "typical_wait_weeks": typical_wait_weeks,
        "accepting": None if accepting is None else bool(accepting),
        "answer_within_days": answer_within_days,
        "description": None
        if description is None
        else _text("description", "the description", description, 5000, required=False),
    }
    changed = {
        field: [getattr(service, field), value]
        for field, value in wanted.items()
        if value is not None and getattr(service, field) != value
    }
    if not changed:
        refuse("service", "Nothing was changed")
    for field, (_old, new) in changed.items():
        setattr(service, field, new)
    service.updated_at = clock.now()
    service.save(update_fields=[*changed, "updated_at"])
    _audit(
        actor,
        "support.service.update",
        f"Service {service.name} updated",
        [Subject.of(service)],
        action="alteration",
        changed=changed,
    )
    return service


# ---------------------------------------------------------------- referrals to a service
def _referral(actor, referral: ServiceReferral, *, must_be_open: bool = True):
    plan = _editable(actor, referral.plan, must_be_open=must_be_open)
    referral = (
        ServiceReferral.objects.select_for_update()
        .select_related("service__provider")
        .get(pk=referral.pk)
    )
    return plan, referral


def _status_is(referral: ServiceReferral, allowed: tuple, doing: str) -> None:
    if referral.status not in allowed:
        refuse(
            "status",
            f"The referral is {referral.get_status_display().lower()}: it cannot be {doing}",
        )


@transaction.atomic
def referral_send(*, actor, plan: SupportPlan, service: Service, reason: str) -> ServiceReferral:
    """Refer her to a service that takes referrals and suits her age."""
    plan = _editable(actor, plan)
    if service is None:
        refuse("service", "Choose the service")
    service = Service.objects.select_related("provider").get(pk=service.pk)
    if not service.provider.is_active:
        refuse("service", f"{service.provider.name} is no longer in the directory")
    if not service.accepting:
        refuse("service", f"{service.name} is not taking referrals at the moment")
    adult = is_adult(plan.person)
    name = plan.person.given_name
    if adult is None and not (service.for_children and service.for_adults):
        refuse(
            "service",
            f"{service.name} is only for {'children' if service.for_children else 'adults'}, "
            f"and {name}'s date of birth is not known",
        )
    if adult is True and not service.for_adults:
        refuse("service", f"{service.name} is for children only, and {name} is an adult")
    if adult is False and not service.for_children:
        refuse("service", f"{service.name} is for adults only, and {name} is under 18")
    if plan.referrals.filter(service=service, status__in=ACTIVE).exists():
        refuse("service", f"{name} already has a referral to {service.name} that is not finished")
    reason = _text("reason", "why you are referring", reason, 5000)
    referral = ServiceReferral.objects.create(
        plan=plan, service=service, reason=reason, referred_at=clock.now(), referred_by=actor
    )
    _audit(
        actor,
        "support.referral.send",
        f"Referred to {service.name} ({service.provider.name})",
        _subjects(plan, referral),
        action="disclosure",
        recipient=f"{service.name}, {service.provider.name}",
        service=service.code,
    )
    return referral


@transaction.atomic
def referral_answer(
    *,
    actor,
    referral: ServiceReferral,
    accepted: bool,
    expected_start_on: dt.date | None = None,
    declined_reason: str = "",
) -> ServiceReferral:
    """The service's answer: accepted (with the day she is expected to start, if they gave
    one) or declined, with their reason."""
    plan, referral = _referral(actor, referral)
    _status_is(referral, (ReferralStatus.SENT,), "answered")
    if accepted not in (True, False):
        refuse("accepted", "Say whether the service accepted or declined the referral")
    referred_on = _local_day(referral.referred_at)
    if accepted:
        check_order(
            "expected_start_on",
            "The expected start",
            referred_on,
            expected_start_on,
            f"the day of the referral ({_day(referred_on)})",
        )
        referral.status, referral.expected_start_on = ReferralStatus.ACCEPTED, expected_start_on
    else:
        referral.declined_reason = _text(
            "declined_reason", "the reason the service gave", declined_reason, 1000
        )
        referral.status = ReferralStatus.DECLINED
    referral.answered_at = clock.now()
    referral.save(update_fields=["status", "expected_start_on", "declined_reason", "answered_at"])
    _audit(
        actor,
        "support.referral.answer",
        f"{referral.service.name} {'accepted' if accepted else 'declined'} the referral",
        _subjects(plan, referral),
        action="alteration",
        status=referral.status,
    )
    return referral


@transaction.atomic
def referral_start(*, actor, referral: ServiceReferral, started_on: dt.date) -> ServiceReferral:
    plan, referral = _referral(actor, referral)
    _status_is(referral, (ReferralStatus.ACCEPTED,), "started (the service must accept it first)")
    check_required("started_on", "the day the service started", started_on)
    check_not_future("started_on", "The day it started", started_on)
    referred_on = _local_day(referral.referred_at)
    check_order(
        "started_on",
        "The day it started",
        referred_on,
        started_on,
        f"the day of the referral ({_day(referred_on)})",
    )
    referral.status, referral.started_on = ReferralStatus.STARTED, started_on
    referral.save(update_fields=["status", "started_on"])
    _audit(
        actor,
        "support.referral.start",
        f"{referral.service.name} started",
        _subjects(plan, referral),
        action="alteration",
    )
    return referral


@transaction.atomic
def referral_end(
    *, actor, referral: ServiceReferral, ended_on: dt.date, reason: str
) -> ServiceReferral:
    """The service ended (it may end after the plan did)."""
    plan, referral = _referral(actor, referral, must_be_open=False)
    _status_is(referral, (ReferralStatus.STARTED,), "ended (it has not started)")
    check_required("ended_on", "the day the service ended", ended_on)
    check_not_future("ended_on", "The day it ended", ended_on)
    check_order(
        "ended_on",
        "The day it ended",
        referral.started_on,
        ended_on,
        f"the day it started ({_day(referral.started_on)})",
    )
    referral.end_reason = _text("reason", "why it ended", reason, 1000)
    referral.status, referral.ended_on = ReferralStatus.ENDED, ended_on
    referral.save(update_fields=["status", "ended_on", "end_reason"])
    _audit(
        actor,
        "support.referral.end",
        f"{referral.service.name} ended",
        _subjects(plan, referral),
        action="alteration",
    )
    return referral


@transaction.atomic
def referral_withdraw(*, actor, referral: ServiceReferral, reason: str) -> ServiceReferral:
    plan, referral = _referral(actor, referral)
    _status_is(referral, WAITING, "withdrawn")
    referral.end_reason = _text("reason", "why it is withdrawn", reason, 1000)
    referral.status = ReferralStatus.WITHDRAWN
    referral.save(update_fields=["status", "end_reason"])
    _audit(
        actor,
        "support.referral.withdraw",
        f"Referral to {referral.service.name} withdrawn",
        _subjects(plan, referral),
        action="alteration",
    )
    return referral


# ---------------------------------------------------------------- the chaser
def chase_due_on(referral: ServiceReferral) -> dt.date | None:
    """The day a referral with no answer is (next) chased: the service's working days to
    answer after it was sent, or after it was last chased. None if it is not waiting for
    an answer, or the day falls outside the working-day calendar."""
    if referral.status != ReferralStatus.SENT:
        return None
    since = referral.last_chased_at or referral.referred_at
    try:
        return add_working_days(_local_day(since), referral.service.answer_within_days)
    except CalendarRangeError:
        log.warning("Referral %s: its chase day is outside the working-day calendar", referral.pk)
        return None


def referrals_to_chase(*, today: dt.date | None = None) -> list[ServiceReferral]:
    """Referrals on open plans still waiting for an answer on or after their chase day,
    oldest first. (For the chaser: it reads across agencies, and tells each lead worker
    only of her own survivors.)"""
    today = today or clock.today()
    waiting = (
        ServiceReferral.objects.filter(status=ReferralStatus.SENT, plan__ended_at__isnull=True)
        .select_related("service__provider", "plan__person", "plan__lead_worker")
        .order_by("referred_at", "pk")
    )
    return [r for r in waiting if (due := chase_due_on(r)) is not None and due <= today]


@dataclass
class Chased:
    referrals: int = 0
    notifications: int = 0


def _chase_message(referral: ServiceReferral) -> str:
    service, provider = referral.service, referral.service.provider
    how = f" on {provider.phone}" if provider.phone else ""
    times = referral.times_chased
    return (
        f"No answer from {service.name} ({provider.name}) to the referral for "
        f"{referral.plan.person.full_name} sent on {_day(_local_day(referral.referred_at))}: "
        f"chase them{how} (chased {times} time{'s' if times != 1 else ''})."
    )[:500]


@transaction.atomic
def referrals_chase(*, today: dt.date | None = None) -> Chased:
    """Record a chase of every referral due one, and tell each plan's lead worker. Safe to
    run more than once a day: a chased referral is due again only after the service's
    working days to answer."""
    found = referrals_to_chase(today=today)
    now = clock.now()
    notes, subjects, workers = [], [], set()
    for referral in found:
        referral.last_chased_at = now
        referral.times_chased += 1
        referral.save(update_fields=["last_chased_at", "times_chased"])
        plan = referral.plan
        notes.append(
            Notification(
                recipient=plan.lead_worker,
                kind=CHASE_KIND,
                message=_chase_message(referral),
                person=plan.person,
                created_at=now,
            )
        )
        subjects += _subjects(plan, referral)
        workers.add(_name(plan.lead_worker))
    Notification.objects.bulk_create(notes)
    if found:
        audit_record(
            actor=None,
            action="disclosure",
            operation="support.referral.chase",
            purpose="Referrals to support services with no answer in time: chased, and the "
            "lead worker told",
            subjects=list(dict.fromkeys(subjects)),
            recipient="; ".join(sorted(workers)),
            detail={"referrals": len(found)},
        )
    return Chased(referrals=len(found), notifications=len(notes))


# ---------------------------------------------------------------- safe contact
@transaction.atomic
def safe_contact_set(
    *,
    actor,
    person: Person,
    phone: str = "",
    times: str = "",
    may_call: bool = True,
    may_text: bool = True,
    may_leave_message: bool = False,
    may_post: bool = False,
    may_email: bool = False,
    email: str = "",
    notes: str = "",
    hide_address: bool = False,
    hide_reason: str = "",
) -> SafeContact:
    """Record how and when she may be contacted safely: a new row each time, the latest in
    force. Whoever may view her records it; while she has an open plan, only its lead
    worker may stop hiding her address."""
    if person is None or not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one change at a time
    phone = _uk_phone("phone", phone)
    if (may_call or may_text) and not phone:
        refuse(
            "phone",
            f"Enter the one number to use, or say that no one may call or text {person.given_name}",
        )
    if may_leave_message and not (may_call or may_text):
        refuse("may_leave_message", "A message can be left only if calls or texts are allowed")
    email = _email("email", email)
    if may_email and not email:
        refuse("email", "Enter the email address to use, or say that no one may email")
    times = _text("times", "when it is safe", times, 200, required=False)
    notes = _text("notes", "the notes", notes, 1000, required=False)
    hide_reason = _text(
        "hide_reason", "why the address is hidden", hide_reason, 1000, required=False
    )
    if hide_address and not hide_reason:
        refuse("hide_reason", "Say why the address must be hidden: who may be seeking them")
    current = safe_contact_of(person)
    if current is not None and current.hide_address and not hide_address:
        lead = (
            SupportPlan.objects.filter(person=person, ended_at__isnull=True)
            .select_related("lead_worker")
            .first()
        )
        if lead is not None and lead.lead_worker_id != actor.pk:
            refuse(
                "hide_address",
                f"Only {_name(lead.lead_worker)}, the lead worker, can stop hiding the address",
            )
    settings = SafeContact.objects.create(
        person=person,
        phone=phone,
        times=times,
        may_call=bool(may_call),
        may_text=bool(may_text),
        may_leave_message=bool(may_leave_message),
        may_post=bool(may_post),
        may_email=bool(may_email),
        email=email,
        notes=notes,
        hide_address=bool(hide_address),
        hide_reason=hide_reason if hide_address else "",
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    changed = []
    if current is not None:
        for field in (
            "phone",
            "times",
            "may_call",
            "may_text",
            "may_leave_message",
            "may_post",
            "may_email",
            "email",
            "notes",
            "hide_address",
        ):
            if getattr(current, field) != getattr(settings, field):
                changed.append(field)
    _audit(
        actor,
        "support.safe_contact.set",
        "Safe-contact settings recorded"
        + (": the address is hidden from all but the lead worker" if hide_address else ""),
        [Subject.person(person), Subject.of(settings, person_id=person.pk)],
        action="alteration" if current is not None else "collection",
        changed=changed,
        hide_address=settings.hide_address,
    )
    return settings
