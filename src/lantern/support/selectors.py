"""Reads of survivors' support, under the access policy, each audited naming everyone shown.

- A support plan is its lead agency's (policy table, `support_plan`), open or ended: the
  lead agency sees its plans, including those ended long ago, so that her old lead worker
  can re-engage her. Anyone else gets 404, and the plan is in no list or count of theirs.
- Safe contact is seen by anyone who may view the person, and by those who hold a plan of
  hers: anyone who may contact her.
- The directory of services is counts, not records about anyone: every signed-in user
  reads it.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.people.models import Person
from lantern.timescales.workdays import CalendarRangeError, working_days_between

from .access import address_hidden_from, may_reengage, safe_contact_of
from .models import (
    Engagement,
    GoalStatus,
    ReferralStatus,
    SafeContact,
    Service,
    ServiceReferral,
    SupportPlan,
)
from .services import WAITING, chase_due_on, eighteenth_birthday, is_adult

CONSULTATION = "consultation"
SHOWS = {
    "mine": "My survivors",
    "open": "Open plans",
    "ended": "Ended plans",
}
MEASURED_WAIT_DAYS = 365
FEWEST_FOR_A_MEASURE = 3


def _audit(user, operation: str, purpose: str, plans=(), people=(), records=()) -> None:
    subjects: list[Subject] = []
    for plan in plans:
        subjects += [
            Subject("people.person", plan.person_id, plan.person_id),
            Subject.of(plan, person_id=plan.person_id),
        ]
    subjects += [Subject("people.person", p, p) for p in people]
    subjects += [Subject.of(r, person_id=_person_of(r)) for r in records]
    if subjects:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation=operation,
            purpose=purpose,
            subjects=list(dict.fromkeys(subjects)),
        )


def _person_of(record) -> int | None:
    plan = getattr(record, "plan", None)
    return plan.person_id if plan is not None else getattr(record, "person_id", None)


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


# ---------------------------------------------------------------- plans
def plans_visible_to(user, action: str = "list") -> QuerySet[SupportPlan]:
    """Every support plan the user may `action` (the lead agency's, open or ended)."""
    return policy.agency_records_visible_to(user, action, "support_plan")


@dataclass
class PlanRow:
    plan: SupportPlan
    person: Person
    lead_worker: str
    is_mine: bool
    adult: bool | None
    review_overdue: bool
    waiting: int
    to_chase: int
    last_contact: dt.datetime | None
    ended_on: dt.date | None
    may_reengage: bool


def _rows(user, plans: list[SupportPlan]) -> list[PlanRow]:
    today = clock.today()
    rows = []
    for plan in plans:
        sent = [r for r in plan.referrals.all() if r.status == ReferralStatus.SENT]
        rows.append(
            PlanRow(
                plan=plan,
                person=plan.person,
                lead_worker=plan.lead_worker.get_full_name() or plan.lead_worker.username,
                is_mine=plan.lead_worker_id == user.pk,
                adult=is_adult(plan.person, today),
                review_overdue=plan.is_open
                and plan.next_review_on is not None
                and plan.next_review_on < today,
                waiting=plan.n_waiting,
                to_chase=sum(1 for r in sent if (due := chase_due_on(r)) and due <= today),
                last_contact=plan.last_contact,
                ended_on=_day(plan.ended_at),
                may_reengage=not plan.is_open and may_reengage(user, plan),
            )
        )
    return rows


def plan_list(*, user, show: str = "mine", action: str = "list") -> tuple[list[PlanRow], dict]:
    """The plans on one tab of the list, and how many each tab holds:

    - mine: the open plans the user leads, next review first;
    - open: every open plan of the user's agency;
    - ended: the agency's ended plans, most recently ended first (any can be re-engaged
      by its last lead worker or a manager).
    """
    if show not in SHOWS:
        show = "mine"
    visible = plans_visible_to(user, action)
    tabs = {
        "mine": visible.filter(ended_at__isnull=True, lead_worker=user),
        "open": visible.filter(ended_at__isnull=True),
        "ended": visible.filter(ended_at__isnull=False),
    }
    counts = {key: found.count() for key, found in tabs.items()}
    order = ["-ended_at", "-pk"] if show == "ended" else ["next_review_on", "pk"]
    plans = list(
        tabs[show]
        .select_related("person", "lead_worker", "agency")
        .annotate(
            n_waiting=Count("referrals", filter=Q(referrals__status__in=WAITING), distinct=True),
            last_contact=Max("contacts__happened_at"),
        )
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=ServiceReferral.objects.filter(status=ReferralStatus.SENT).select_related(
                    "service"
                ),
            )
        )
        .order_by(*order)
    )
    _audit(user, f"support.plan.{action}", f"Support plans: {SHOWS[show].lower()}", plans)
    return _rows(user, plans), counts


def _visible(user, pk, action: str) -> SupportPlan:
    try:
        return (
            plans_visible_to(user, action)
            .select_related("person", "lead_worker", "agency", "opened_by", "ended_by")
            .get(pk=int(pk))
        )
    except (TypeError, ValueError) as exc:
        raise SupportPlan.DoesNotExist from exc


def plan_get(*, user, pk, action: str = "view") -> SupportPlan:
    """One plan, if the user may `action` it; SupportPlan.DoesNotExist (a 404) otherwise.
    Audited."""
    plan = _visible(user, pk, action)
    _audit(user, f"support.plan.{action}", "Support plan", [plan])
    return plan


@dataclass
class ReferralRow:
    referral: ServiceReferral
    waiting_days: int | None  # working days without an answer (sent)
    chase_on: dt.date | None
    chase_overdue: bool
    wait: str  # the wait in words


@dataclass
class AgeStatus:
    adult: bool | None
    turned_18_on: dt.date | None
    label: str  # "Now an adult survivor", "Adult survivor", "Child", or ""
    detail: str


@dataclass
class SafeContactView:
    settings: SafeContact
    headline: str
    address_hidden: bool  # the address is hidden from everyone but the lead worker
    hidden_from_user: bool
    lead_worker: str
    lead_agency: str
    recorded_by: str


@dataclass
class PlanView:
    plan: SupportPlan
    person: Person
    age: AgeStatus
    needs: list
    goals: list
    referrals: list[ReferralRow]
    contacts: list
    reviews: list
    engagements: list[Engagement]
    safe_contact: SafeContactView | None
    review_overdue: bool
    may_edit: bool
    may_reengage: bool
    is_lead_worker: bool
    sees_person: bool
    open_needs: int = 0
    open_goals: int = 0


def age_status(person: Person, plan: SupportPlan | None = None, on: dt.date | None = None):
    """Whether she is a child or an adult survivor today, from her date of birth; "now an
    adult survivor" once she has turned 18 since her plan opened."""
    today = on or clock.today()
    birthday = eighteenth_birthday(person.date_of_birth)
    adult = is_adult(person, today)
    if birthday is None:
        return AgeStatus(None, None, "", "Date of birth not known")
    opened = _day(plan.opened_at) if plan is not None else None
    if adult and opened is not None and opened < birthday:
        goes_on = " The plan goes on: nothing ends because she is 18." if plan.is_open else ""
        return AgeStatus(
            True,
            birthday,
            "Now an adult survivor",
            f"Turned 18 on {birthday.day} {birthday:%B %Y}.{goes_on}",
        )
    if adult:
        return AgeStatus(True, birthday, "Adult survivor", "")
    return AgeStatus(False, birthday, "Child", f"Turns 18 on {birthday.day} {birthday:%B %Y}")


def _wait_words(referral: ServiceReferral, today: dt.date) -> tuple[int | None, str]:
    sent = _day(referral.referred_at)
    status = referral.status
    if status == ReferralStatus.SENT:
        try:
            days = working_days_between(sent, today)
        except CalendarRangeError:
            return None, "Waiting for an answer"
        return days, f"No answer after {days} working day{'s' if days != 1 else ''}"
    if status == ReferralStatus.ACCEPTED:
        answered = _day(referral.answered_at)
        words = f"Accepted on {answered.day} {answered:%B %Y}"
        if referral.expected_start_on:
            start = referral.expected_start_on
            words += f"; expected to start on {start.day} {start:%B %Y}"
        else:
            weeks = referral.service.typical_wait_weeks
            words += f"; the usual wait is {weeks} week{'s' if weeks != 1 else ''}"
        return None, words
    if status in (ReferralStatus.STARTED, ReferralStatus.ENDED):
        waited = (referral.started_on - sent).days // 7
        words = f"Started {referral.started_on.day} {referral.started_on:%B %Y}, "
        words += (
            f"after {waited} week{'s' if waited != 1 else ''}"
            if waited
            else "within a week of the referral"
        )
        if referral.ended_on:
            words += f"; ended {referral.ended_on.day} {referral.ended_on:%B %Y}"
        return None, words
    if status == ReferralStatus.DECLINED:
        return None, f"Declined: {referral.declined_reason}"
    return None, f"Withdrawn: {referral.end_reason}" if referral.end_reason else "Withdrawn"


def _referral_rows(referrals, today: dt.date) -> list[ReferralRow]:
    rows = []
    for referral in referrals:
        days, words = _wait_words(referral, today)
        due = chase_due_on(referral)
        rows.append(
            ReferralRow(
                referral=referral,
                waiting_days=days,
                chase_on=due,
                chase_overdue=due is not None and due <= today,
                wait=words,
            )
        )
    return rows


def plan_view(*, user, pk, action: str = "view") -> PlanView:
    """Everything on a plan's page: needs, goals, referrals with their waits, contacts,
    reviews, the spells of support, her age status and her safe-contact settings. Audited
    once, naming her and the plan."""
    plan = _visible(user, pk, action)
    person = plan.person
    today = clock.today()
    needs = list(plan.needs.select_related("recorded_by").order_by("met_at", "recorded_at", "pk"))
    goals = list(plan.goals.select_related("set_by").order_by("set_at", "pk"))
    referrals = list(
        plan.referrals.select_related("service__provider", "referred_by").order_by(
            "-referred_at", "-pk"
        )
    )
    engagements = list(plan.engagements.select_related("started_by").order_by("started_at", "pk"))
    settings = safe_contact_of(person)
    view = PlanView(
        plan=plan,
        person=person,
        age=age_status(person, plan, today),
        needs=needs,
        goals=goals,
        referrals=_referral_rows(referrals, today),
        contacts=list(plan.contacts.select_related("recorded_by")[:200]),
        reviews=list(plan.reviews.select_related("recorded_by")),
        engagements=engagements,
        safe_contact=_safe_contact_view(user, person, settings) if settings else None,
        review_overdue=plan.is_open
        and plan.next_review_on is not None
        and plan.next_review_on < today,
        may_edit=policy.can(user, "edit", plan),
        may_reengage=not plan.is_open
        and may_reengage(user, plan)
        and policy.can(user, "edit", plan),
        is_lead_worker=plan.is_open and plan.lead_worker_id == user.pk,
        sees_person=policy.can(user, "view", person),
        open_needs=sum(1 for n in needs if n.met_at is None),
        open_goals=sum(1 for g in goals if g.status == GoalStatus.OPEN),
    )
    _audit(
        user,
        f"support.plan.{action}",
        "Support plan",
        [plan],
        records=[settings] if settings else [],
    )
    return view


# ---------------------------------------------------------------- safe contact
def describe(settings: SafeContact) -> str:
    """The settings in one line, as a worker about to pick up the phone needs them:
    "call only 07700 900123, weekdays 10:00-14:00, no messages, no post"."""
    phone, times = settings.phone, settings.times
    if settings.may_call and settings.may_text:
        parts = [f"call or text only {phone}"]
    elif settings.may_call:
        parts = [f"call only {phone}"]
    elif settings.may_text:
        parts = [f"text only {phone}"]
    else:
        parts = ["do not call or text"]
    if times and (settings.may_call or settings.may_text):
        parts.append(times)
    if settings.may_call != settings.may_text:
        parts.append("no texts" if settings.may_call else "no calls")
    if settings.may_call or settings.may_text:
        parts.append("messages may be left" if settings.may_leave_message else "no messages")
    if settings.may_email and settings.email:
        parts.append(f"email only {settings.email}")
    parts.append("post may be sent" if settings.may_post else "no post")
    return ", ".join(parts)


def _safe_contact_view(user, person: Person, settings: SafeContact) -> SafeContactView:
    lead = (
        SupportPlan.objects.filter(person=person, ended_at__isnull=True)
        .select_related("lead_worker", "agency")
        .first()
    )
    recorder = settings.recorded_by
    return SafeContactView(
        settings=settings,
        headline=describe(settings),
        address_hidden=settings.hide_address,
        hidden_from_user=address_hidden_from(user, person),
        lead_worker=(lead.lead_worker.get_full_name() or lead.lead_worker.username)
        if lead and settings.hide_address
        else "",
        lead_agency=lead.agency.name if lead and settings.hide_address else "",
        recorded_by=recorder.get_full_name() or recorder.username,
    )


def may_see_safe_contact(user, person: Person) -> bool:
    """Anyone who may contact her: who may view her, or whose agency holds a plan of hers."""
    return (
        policy.can(user, "view", person)
        or plans_visible_to(user, "view").filter(person=person).exists()
    )


def person_for_support(*, user, reference: str, purpose: str = "Support and safe contact"):
    """The person a reference names, for whoever may contact her (views her, or holds a
    plan of hers); Person.DoesNotExist (a 404) for anyone else. Audited."""
    person = Person.objects.filter(reference=(reference or "").strip().upper()).first()
    if person is None or not may_see_safe_contact(user, person):
        raise Person.DoesNotExist
    _audit(user, "support.person.view", purpose, people=[person.pk])
    return person


def safe_contact_for(*, user, person: Person) -> SafeContactView | None:
    """Her safe-contact settings in force, for anyone who may contact her; None when none
    were recorded or the user may not see them. Audited when shown."""
    if person is None or not may_see_safe_contact(user, person):
        return None
    settings = safe_contact_of(person)
    if settings is None:
        return None
    _audit(
        user,
        "support.safe_contact.view",
        "Safe-contact settings, shown before contacting the person",
        people=[person.pk],
        records=[settings],
    )
    return _safe_contact_view(user, person, settings)


def safe_contact_history(*, user, person: Person) -> list[SafeContact]:
    """Every version of her settings, newest first, for the settings page. Audited."""
    if not may_see_safe_contact(user, person):
        return []
    found = list(
        SafeContact.objects.filter(person=person)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")[:50]
    )
    _audit(
        user,
        "support.safe_contact.history",
        "Safe-contact settings, with earlier versions",
        people=[person.pk],
        records=found,
    )
    return found


def person_plans(*, user, person: Person, action: str = "view") -> list[SupportPlan]:
    """The plans of one person that the user's agency holds, newest first. Audited."""
    found = list(
        plans_visible_to(user, action)
        .filter(person=person)
        .select_related("lead_worker", "agency")
        .order_by("-opened_at", "-pk")
    )
    _audit(user, f"support.plan.{action}", "Support plans of one person", found)
    return found


# ---------------------------------------------------------------- the directory
@dataclass
class ServiceRow:
    service: Service
    in_use: int  # referrals started and not ended
    free: int
    waiting_answer: int
    waiting_start: int
    measured_wait_weeks: float | None  # median, referral to start, over the last year

    @property
    def waiting(self) -> int:
        return self.waiting_answer + self.waiting_start

    @property
    def full(self) -> bool:
        return self.free <= 0


def _service_rows(services: list[Service]) -> list[ServiceRow]:
    since = clock.today() - dt.timedelta(days=MEASURED_WAIT_DAYS)
    waits: dict[int, list[int]] = {}
    for service_id, referred_at, started_on in ServiceReferral.objects.filter(
        service__in=[s.pk for s in services], started_on__isnull=False, started_on__gte=since
    ).values_list("service", "referred_at", "started_on"):
        waits.setdefault(service_id, []).append((started_on - _day(referred_at)).days)
    rows = []
    for s in services:
        measured = waits.get(s.pk, [])
        rows.append(
            ServiceRow(
                service=s,
                in_use=s.n_in_use,
                free=s.capacity - s.n_in_use,
                waiting_answer=s.n_sent,
                waiting_start=s.n_accepted,
                measured_wait_weeks=round(statistics.median(measured) / 7, 1)
                if len(measured) >= FEWEST_FOR_A_MEASURE
                else None,
            )
        )
    return rows


def _counted(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("provider").annotate(
        n_in_use=Count("referrals", filter=Q(referrals__status=ReferralStatus.STARTED)),
        n_sent=Count("referrals", filter=Q(referrals__status=ReferralStatus.SENT)),
        n_accepted=Count("referrals", filter=Q(referrals__status=ReferralStatus.ACCEPTED)),
    )


def directory(
    *,
    category: str = "",
    audience: str = "",
    accepting_only: bool = False,
    provider_active: bool = True,
) -> list[ServiceRow]:
    """The services in the directory with their capacity in use, how many are waiting and
    how long people wait: counts only, no one named. `audience` is "children" or
    "adults"."""
    found = Service.objects.all()
    if provider_active:
        found = found.filter(provider__is_active=True)
    if category:
        found = found.filter(category=category)
    if audience == "children":
        found = found.filter(for_children=True)
    elif audience == "adults":
        found = found.filter(for_adults=True)
    if accepting_only:
        found = found.filter(accepting=True)
    return _service_rows(list(_counted(found).order_by("category", "name")))


@dataclass
class ServiceView:
    row: ServiceRow
    referrals: list[ServiceReferral]  # from plans the user's agency holds


def service_view(*, user, code: str) -> ServiceView:
    """One service with its numbers, and the referrals to it from the plans the user may
    list (audited naming each person). Service.DoesNotExist for an unknown code."""
    service = _counted(Service.objects.filter(code=code)).get()
    referrals = list(
        ServiceReferral.objects.filter(service=service, plan__in=plans_visible_to(user, "list"))
        .select_related("plan__person", "referred_by")
        .order_by("-referred_at", "-pk")[:200]
    )
    _audit(
        user,
        "support.service.referrals",
        f"Referrals to {service.name}",
        plans={r.plan.pk: r.plan for r in referrals}.values(),
        records=referrals,
    )
    return ServiceView(row=_service_rows([service])[0], referrals=referrals)
