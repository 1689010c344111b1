"""Every read of casework: only about children the reader may see (casework/access.py),
and every look recorded in the audit log with the reader's relationship as its purpose.

A child the reader may not see does not exist for them: their casework, meetings,
plans and actions answer 404 and never appear in a list or a count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from lantern.access import policy
from lantern.audit.services import Subject, audit_record, audit_refusal
from lantern.core import clock
from lantern.frontdoor.models import Referral
from lantern.people import selectors as people_selectors
from lantern.people.models import Person
from lantern.timescales.models import OPEN, Deadline

from . import access, responsibilities
from .models import (
    Action,
    Assessment,
    Case,
    Conference,
    ConferenceKind,
    ConferenceOutcome,
    Enquiry,
    EnquiryOutcome,
    Meeting,
    MeetingKind,
    Plan,
    PlanKind,
)
from .services import OPENS_CASE

CONSULTATION = "consultation"


def _purpose(user, person: Person) -> str:
    return "Casework: " + people_selectors.purpose_for(policy.person_relationships(user, person))


def _audit_read(user, person: Person, operation: str, records, **detail) -> None:
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose=_purpose(user, person),
        subjects=[Subject.person(person), *(Subject.of(r, person_id=person.pk) for r in records)],
        detail=detail,
    )


def person_get(*, user, reference: str, action: str = "view") -> Person:
    """The child, if the user may read their casework; Person.DoesNotExist (a 404) if not.
    A refused look at someone who exists is recorded as refused."""
    return people_selectors.person_get(
        user=user, reference=reference.strip().upper(), action=action
    )


def record_get(model, *, user, pk: int, action: str = "view"):
    """One casework record (a meeting, enquiry, assessment, conference, plan or action),
    if the user may read the child's casework; model.DoesNotExist (a 404) if not."""
    found = model.objects.select_related("person").filter(pk=pk).first()
    if found is None:
        raise model.DoesNotExist
    if not access.may_read(user, found.person, action):
        if policy.sees_case_data(user):
            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation=f"{model._meta.model_name}.{action}",
                purpose="No relationship that allows it",
                subjects=[Subject.of(found, person_id=found.person_id)],
            )
        raise model.DoesNotExist
    return found


# ---------------------------------------------------------------- a child's casework
@dataclass(frozen=True)
class Entry:
    """One step on the child's casework, for the overview's list."""

    when: dt.datetime
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class NextStep:
    step: str
    text: str
    due_at: dt.datetime | None = None
    url: str = ""

    def overdue(self, now: dt.datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass
class Casework:
    person: Person
    case: Case | None
    cases: list[Case]
    entries: list[Entry]
    next_step: NextStep
    deadlines: list[Deadline]
    actions: list[Action]
    may: dict[str, bool] = field(default_factory=dict)
    awaiting: Referral | None = None

    @property
    def step(self) -> responsibilities.Step:
        return responsibilities.step(self.next_step.step)


def _deadline(deadlines: list[Deadline], subject, *rules: str) -> Deadline | None:
    if subject is None:
        return None
    ct = ContentType.objects.get_for_model(subject)
    for d in deadlines:
        if d.subject_type_id == ct.pk and d.subject_id == subject.pk and d.rule in rules:
            return d
    return None


def _due(deadlines, subject, *rules) -> dt.datetime | None:
    found = _deadline(deadlines, subject, *rules)
    return found.due_at if found else None


def referral_awaiting_case(person: Person) -> Referral | None:
    """The front door's latest decision on this child that asks for casework (a strategy
    discussion or an assessment) and has not yet opened a case."""
    return (
        Referral.objects.filter(
            person=person, decided_at__isnull=False, decision__in=OPENS_CASE, case__isnull=True
        )
        .select_related("agency", "person")
        .order_by("-decided_at", "-pk")
        .first()
    )


def _awaiting_step(referral: Referral) -> NextStep:
    person = referral.person
    if referral.decision == "strategy_discussion":
        return NextStep(
            "strategy_discussion",
            f"Hold the strategy discussion the front door decided on (referral "
            f"{referral.reference})",
            url=reverse(
                "casework:meeting-new", args=[person.reference, MeetingKind.STRATEGY_DISCUSSION]
            ),
        )
    return NextStep(
        "assessment",
        f"Open the case and start the assessment the front door decided on (referral "
        f"{referral.reference})",
        url=reverse("casework:case-open", args=[person.reference]),
    )


def next_step(
    case: Case | None, deadlines: list[Deadline], awaiting: Referral | None = None
) -> NextStep:
    """What the case needs next, in the order the law sets, and when it is due. A child
    without an open case may be waiting for the casework a front-door decision asked for."""
    if case is None or not case.is_open:
        if awaiting is not None:
            return _awaiting_step(awaiting)
        return NextStep(
            "referral_decision",
            "No open case. Casework starts with a front-door decision, or open a case for a "
            "child already known.",
        )
    plan = case.plans.filter(closed_at__isnull=True).first()
    if plan is not None:
        url = reverse("casework:plan", args=[plan.pk])
        if plan.kind == PlanKind.CHILD_PROTECTION:
            if not plan.core_group_meetings.exists():
                return NextStep(
                    "core_group",
                    "Hold the first core group meeting",
                    _due(deadlines, plan, "first_core_group"),
                    url,
                )
            booked = f", booked for {plan.next_review_on:%-d %B %Y}" if plan.next_review_on else ""
            return NextStep(
                "review_conference",
                f"Review the child protection plan{booked}",
                _due(deadlines, plan, "first_review_conference", "review_conference"),
                url,
            )
        return NextStep("plan_actions", "Carry out the child in need plan and review it", url=url)
    pending = case.conferences.filter(
        kind=ConferenceKind.INITIAL, outcome=ConferenceOutcome.PLAN, plan_made__isnull=True
    ).first()
    if pending is not None:
        return NextStep(
            "plan_actions",
            "Start the child protection plan the conference decided on",
            url=reverse("casework:conference", args=[pending.pk]),
        )
    for enquiry in case.enquiries.order_by("-started_at"):
        url = reverse("casework:enquiry", args=[enquiry.pk])
        due = _due(deadlines, enquiry, "initial_conference")
        if enquiry.is_open:
            return NextStep(
                "section_47_enquiry",
                "Finish the section 47 enquiry and record its outcome",
                due,
                url,
            )
        if enquiry.outcome == EnquiryOutcome.INITIAL_CONFERENCE and not hasattr(
            enquiry, "conference"
        ):
            return NextStep(
                "initial_conference", "Hold the initial child protection conference", due, url
            )
    waiting = case.meetings.filter(
        kind=MeetingKind.STRATEGY_DISCUSSION, start_section_47=True, enquiry__isnull=True
    ).first()
    if waiting is not None:
        return NextStep(
            "section_47_enquiry",
            "Start the section 47 enquiry the strategy discussion decided on",
            url=reverse("casework:meeting", args=[waiting.pk]),
        )
    assessment = case.assessments.filter(completed_at__isnull=True).first()
    if assessment is not None:
        return NextStep(
            "assessment",
            "Finish the assessment",
            assessment.due_at,
            reverse("casework:assessment", args=[assessment.pk]),
        )
    referral = case.referral
    if (
        referral is not None
        and referral.decision == "strategy_discussion"
        and not case.meetings.filter(kind=MeetingKind.STRATEGY_DISCUSSION).exists()
    ):
        return NextStep("strategy_discussion", "Hold the strategy discussion")
    return NextStep(
        "assessment",
        "Start an assessment, hold a strategy discussion if there is cause to suspect "
        "significant harm, or close the case",
    )


def _referral_entries(referral: Referral, readable: bool) -> list[Entry]:
    """A referral the reader may see: received (from whom) and decided (what). One they may
    not see: only that the front door decided, which is why the casework exists."""
    if not readable:
        return [Entry(referral.decided_at, "Front-door decision")] if referral.decided_at else []
    entries = [Entry(referral.received_at, "Referral received", referral.agency.name)]
    if referral.decided_at:
        entries.append(
            Entry(referral.decided_at, "Front-door decision", referral.get_decision_display())
        )
    return entries


def _readable_referrals(user, referrals: list[Referral]) -> set[int]:
    """Which of these referrals the reader may see through the referral policy. Reading a
    child's casework does not reach the referral that led to it: its concern, referrer and
    decision are the front door's and the referring agency's."""
    if not referrals:
        return set()
    return set(
        policy.referrals_visible_to(user, "view")
        .filter(pk__in=[r.pk for r in referrals])
        .values_list("pk", flat=True)
    )


def _entries(
    person: Person,
    cases: list[Case],
    meetings,
    records,
    awaiting: Referral | None = None,
    readable: set[int] = frozenset(),
) -> list[Entry]:
    """Every step so far. A referral the reader may not see shows none of its content."""
    entries = _referral_entries(awaiting, awaiting.pk in readable) if awaiting else []
    for case in cases:
        if case.referral_id:
            entries += _referral_entries(case.referral, case.referral_id in readable)
        opened = case.opened_at if case.referral_id else case.started_at
        entries.append(Entry(opened, "Case opened", case.reason))
        if case.closed_at:
            entries.append(Entry(case.closed_at, "Case closed", case.closure_reason))
    for meeting in meetings:
        detail = ""
        if meeting.kind == MeetingKind.STRATEGY_DISCUSSION:
            detail = (
                "Section 47 enquiry: "
                + ("yes" if meeting.start_section_47 else "no")
                + "; "
                + meeting.get_criminal_investigation_display().lower()
            )
        entries.append(
            Entry(
                meeting.held_at,
                meeting.get_kind_display(),
                detail,
                reverse("casework:meeting", args=[meeting.pk]),
            )
        )
    enquiries, assessments, conferences, plans = records
    for enquiry in enquiries:
        url = reverse("casework:enquiry", args=[enquiry.pk])
        entries.append(Entry(enquiry.started_at, "Section 47 enquiry started", url=url))
        if enquiry.completed_at:
            entries.append(
                Entry(
                    enquiry.completed_at,
                    "Section 47 enquiry finished",
                    enquiry.get_outcome_display(),
                    url,
                )
            )
    for assessment in assessments:
        url = reverse("casework:assessment", args=[assessment.pk])
        entries.append(
            Entry(assessment.started_at, f"{assessment.get_kind_display()} started", url=url)
        )
        if assessment.completed_at:
            entries.append(
                Entry(assessment.completed_at, f"{assessment.get_kind_display()} finished", url=url)
            )
    for conference in conferences:
        detail = conference.get_outcome_display()
        if conference.category:
            detail += f" ({conference.get_category_display().lower()})"
        entries.append(
            Entry(
                conference.held_at,
                conference.get_kind_display(),
                detail,
                reverse("casework:conference", args=[conference.pk]),
            )
        )
    for plan in plans:
        url = reverse("casework:plan", args=[plan.pk])
        entries.append(Entry(plan.started_at, f"{plan.get_kind_display()} started", url=url))
        for meeting in plan.core_group_meetings.all():
            entries.append(Entry(meeting.held_at, "Core group meeting", url=url))
        if plan.closed_at:
            entries.append(
                Entry(
                    plan.closed_at,
                    f"{plan.get_kind_display()} closed",
                    plan.get_closure_reason_display(),
                    url,
                )
            )
    return sorted(entries, key=lambda e: e.when)


@transaction.atomic
def casework_for(*, user, person: Person, operation: str = "casework.view") -> Casework:
    """A child's casework: every step so far in order, what is next and when it is due,
    open deadlines and actions. The caller has already checked the user may read it."""
    cases = list(
        Case.objects.filter(person=person).select_related("referral__agency").order_by("started_at")
    )
    current = next((c for c in cases if c.is_open), cases[-1] if cases else None)
    meetings = list(Meeting.objects.filter(person=person).order_by("held_at"))
    case_ids = [c.pk for c in cases]
    enquiries = list(Enquiry.objects.filter(case_id__in=case_ids))
    assessments = list(Assessment.objects.filter(case_id__in=case_ids))
    conferences = list(Conference.objects.filter(case_id__in=case_ids))
    plans = list(Plan.objects.filter(case_id__in=case_ids).prefetch_related("core_group_meetings"))
    deadlines = list(
        Deadline.objects.filter(OPEN, person=person).select_related(
            "owner_agency", "owner_team", "owner_user"
        )
    )
    now = clock.now()
    for deadline in deadlines:
        deadline.status = deadline.status_at(now)
    awaiting = None if current is not None and current.is_open else referral_awaiting_case(person)
    actions = list(
        Action.objects.filter(person=person, completed_at__isnull=True)
        .select_related("owner_agency", "owner_user")
        .order_by("due_on", "pk")
    )
    linked = [c.referral for c in cases if c.referral_id] + ([awaiting] if awaiting else [])
    readable = _readable_referrals(user, linked)
    view = Casework(
        person=person,
        case=current,
        cases=cases,
        entries=_entries(
            person,
            cases,
            meetings,
            (enquiries, assessments, conferences, plans),
            awaiting,
            readable,
        ),
        next_step=next_step(current, deadlines, awaiting),
        deadlines=deadlines,
        actions=actions,
        may={
            "manage_case": access.may_manage_case(user, person),
            "strategy_discussion": access.may_record(user, person, "strategy_discussion"),
            "mace": access.may_record(user, person, "mace"),
            "marac": access.may_record(user, person, "marac"),
            "assessment": access.may_record(user, person, "assessment"),
            "initial_conference": access.may_record(user, person, "initial_conference"),
            "plan": access.may_record(user, person, "plan_actions"),
        },
        awaiting=awaiting,
    )
    referrals = [r for r in linked if r.pk in readable]
    shown = [*cases, *referrals, *meetings, *enquiries, *assessments, *conferences, *plans]
    _audit_read(user, person, operation, [*shown, *deadlines, *actions])
    return view


# ---------------------------------------------------------------- one record's page
@transaction.atomic
def child_view(*, user, person: Person, operation: str) -> None:
    """Record the look at a step's form, which names the child."""
    _audit_read(user, person, operation, [])


@transaction.atomic
def record_view(*, user, record, operation: str, shown=()) -> None:
    """Record the look at one casework record's page and what it shows beside it."""
    _audit_read(user, record.person, operation, [record, *shown])


def deadlines_of(subject) -> list[Deadline]:
    """Every deadline (open or not) a casework record started, for its page."""
    found = list(
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        ).order_by("due_at")
    )
    now = clock.now()
    for deadline in found:
        deadline.status = deadline.status_at(now)
    return found


# ---------------------------------------------------------------- actions by agency
def _agency_actions(user):
    if user.agency is None or not policy.sees_case_data(user):
        return Action.objects.none()
    return Action.objects.filter(
        owner_agency=user.agency,
        completed_at__isnull=True,
        person__in=access.people_readable(user, "list"),
    )


@transaction.atomic
def agency_actions(*, user, operation: str = "actions.list", limit: int = 500) -> list[Action]:
    """The open actions the user's agency owns, soonest due first, about children the
    user may see, audited. Another agency's actions, or actions about a child hidden from
    the user, never appear."""
    found = list(
        _agency_actions(user)
        .select_related("person", "owner_agency", "owner_user", "meeting", "plan")
        .order_by("due_on", "pk")[:limit]
    )
    if found:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation=operation,
            purpose=f"Open actions owned by {user.agency.name}",
            subjects=[Subject.of(a, person_id=a.person_id) for a in found]
            + [Subject.person(p) for p in {a.person_id: a.person for a in found}.values()],
        )
    return found


@dataclass(frozen=True)
class HomeActions:
    actions: list[Action]
    open: int
    overdue: int
    today: dt.date


def home_actions(*, user, limit: int = 5) -> HomeActions:
    """For the home page: the agency's open actions due soonest, and how many are open
    and overdue (counts only over what the user may see)."""
    today = clock.today()
    counts = _agency_actions(user).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    return HomeActions(
        actions=agency_actions(user=user, operation="home.actions", limit=limit),
        open=counts["open"],
        overdue=counts["overdue"],
        today=today,
    )
