"""Every read of casework: only about children the reader may see (casework/access.py),
and every look recorded in the audit log with the reader's relationship as its purpose.

A child the reader may not see does not exist for them: their casework, meetings,
plans and actions answer 404 and never appear in a list or a count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

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


def _purpose(user, person: Person, relationships: set[str] | None = None) -> str:
    if relationships is None:
        relationships = policy.person_relationships(user, person)
    return "Casework: " + people_selectors.purpose_for(relationships)


def _audit_read(
    user, person: Person, operation: str, records, *, relationships=None, **detail
) -> None:
    """Record a look; `relationships` are the reader's to the child, if already known."""
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose=_purpose(user, person, relationships),
        subjects=[Subject.person(person), *(Subject.of(r, person_id=person.pk) for r in records)],
        detail=detail,
    )


# The child, if the reader may `action` them: the one lookup every page and API uses.
person_get = people_selectors.person_get


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


@dataclass(frozen=True)
class Offer:
    """A step the reader may take on the overview now, and the page it is taken on.
    `look` is how it is drawn: the one "primary" (green) button for what is next, a
    "secondary" button, or a plain "link"."""

    code: str
    label: str
    url: str
    look: str = "secondary"

    @property
    def primary(self) -> bool:
        return self.look == "primary"


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
    offers: list[Offer] = field(default_factory=list)

    @property
    def step(self) -> responsibilities.Step:
        return responsibilities.step(self.next_step.step)

    @property
    def primary(self) -> Offer | None:
        return next((o for o in self.offers if o.primary), None)


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


# ---------------------------------------------------------------- one case's state
@dataclass(frozen=True)
class History:
    """One case's records, read once (each list in its model's order), and the facts
    about the case's state that `next_step` and `offered_steps` both decide from. Each
    fact is the state a service in services.py checks before it takes a step."""

    meetings: list[Meeting]
    enquiries: list[Enquiry]
    assessments: list[Assessment]
    conferences: list[Conference]
    plans: list[Plan]

    @classmethod
    def load(cls, case: Case) -> History:
        """Read a case's records (for a caller that has not already read them)."""
        return cls(
            meetings=list(case.meetings.all()),
            enquiries=list(case.enquiries.all()),
            assessments=list(case.assessments.all()),
            conferences=list(case.conferences.all()),
            plans=list(case.plans.prefetch_related("core_group_meetings")),
        )

    @classmethod
    def of(cls, case: Case, meetings, enquiries, assessments, conferences, plans) -> History:
        """The part of a child's records (already read) that belongs to one case."""

        def mine(records):
            return [r for r in records if r.case_id == case.pk]

        return cls(
            mine(meetings), mine(enquiries), mine(assessments), mine(conferences), mine(plans)
        )

    @property
    def open_plan(self) -> Plan | None:
        return next((p for p in self.plans if p.is_open), None)

    @property
    def open_assessment(self) -> Assessment | None:
        return next((a for a in self.assessments if a.is_open), None)

    @property
    def open_enquiry(self) -> Enquiry | None:
        return next((e for e in self.enquiries if e.is_open), None)

    def conferenced(self, enquiry: Enquiry) -> bool:
        """Has the enquiry had its initial conference? (`enquiry.conference`, unread.)"""
        return any(c.enquiry_id == enquiry.pk for c in self.conferences)

    def _plan_made(self, **source) -> bool:
        ((attribute, record),) = source.items()
        return any(getattr(p, f"{attribute}_id") == record.pk for p in self.plans)

    def initial_conferences(self, outcome: str) -> list[Conference]:
        """Initial conferences with this outcome that no plan has yet followed."""
        return [
            c
            for c in self.conferences
            if c.kind == ConferenceKind.INITIAL
            and c.outcome == outcome
            and not self._plan_made(conference=c)
        ]

    @property
    def conference_due(self) -> Enquiry | None:
        """The enquiry an initial conference may now be recorded for, as
        `conference_initial_hold` decides: the latest finished enquiry that decided on one
        and has none yet."""
        waiting = [
            e
            for e in self.enquiries
            if not self.conferenced(e)
            and not e.is_open
            and e.outcome == EnquiryOutcome.INITIAL_CONFERENCE
        ]
        return max(waiting, key=lambda e: (e.started_at, e.pk), default=None)

    @property
    def discussion_awaiting_enquiry(self) -> Meeting | None:
        """A strategy discussion that decided on a section 47 enquiry not yet started."""
        started = {e.strategy_discussion_id for e in self.enquiries}
        return next(
            (
                m
                for m in self.meetings
                if m.kind == MeetingKind.STRATEGY_DISCUSSION
                and m.start_section_47
                and m.pk not in started
            ),
            None,
        )

    @property
    def has_strategy_discussion(self) -> bool:
        return any(m.kind == MeetingKind.STRATEGY_DISCUSSION for m in self.meetings)

    @property
    def plan_may_start(self) -> bool:
        """`plan_start` would find what a plan rests on: no plan open, and a conference
        that decided on a child protection plan, or (for a child in need plan) an enquiry
        that decided on one, a conference that decided against a child protection plan,
        or a finished assessment."""
        if self.open_plan is not None:
            return False
        return bool(
            self.initial_conferences(ConferenceOutcome.PLAN)
            or self.initial_conferences(ConferenceOutcome.NO_PLAN)
            or any(
                e.outcome == EnquiryOutcome.CHILD_IN_NEED_PLAN and not self._plan_made(enquiry=e)
                for e in self.enquiries
            )
            or any(not a.is_open for a in self.assessments)
        )

    @property
    def may_close(self) -> bool:
        """`case_close` would accept: nothing still running, no conference or plan owed."""
        return (
            self.open_enquiry is None
            and self.open_assessment is None
            and self.open_plan is None
            and not any(
                e.outcome == EnquiryOutcome.INITIAL_CONFERENCE and not self.conferenced(e)
                for e in self.enquiries
            )
            and not self.initial_conferences(ConferenceOutcome.PLAN)
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
    case: Case | None,
    deadlines: list[Deadline],
    awaiting: Referral | None = None,
    history: History | None = None,
) -> NextStep:
    """What the case needs next, in the order the law sets, and when it is due. A child
    without an open case may be waiting for the casework a front-door decision asked for.
    `history` is the case's records if the caller has read them (else they are read)."""
    if case is None or not case.is_open:
        if awaiting is not None:
            return _awaiting_step(awaiting)
        return NextStep(
            "referral_decision",
            "No open case. Casework starts with a front-door decision, or open a case for a "
            "child already known.",
        )
    if history is None:
        history = History.load(case)
    plan = history.open_plan
    if plan is not None:
        url = reverse("casework:plan", args=[plan.pk])
        if plan.kind == PlanKind.CHILD_PROTECTION:
            if not plan.core_group_meetings.all():
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
    pending = history.initial_conferences(ConferenceOutcome.PLAN)
    if pending:
        return NextStep(
            "plan_actions",
            "Start the child protection plan the conference decided on",
            url=reverse("casework:conference", args=[pending[0].pk]),
        )
    for enquiry in sorted(history.enquiries, key=lambda e: e.started_at, reverse=True):
        url = reverse("casework:enquiry", args=[enquiry.pk])
        due = _due(deadlines, enquiry, "initial_conference")
        if enquiry.is_open:
            return NextStep(
                "section_47_enquiry",
                "Finish the section 47 enquiry and record its outcome",
                due,
                url,
            )
        if enquiry.outcome == EnquiryOutcome.INITIAL_CONFERENCE and not history.conferenced(
            enquiry
        ):
            return NextStep(
                "initial_conference", "Hold the initial child protection conference", due, url
            )
    waiting = history.discussion_awaiting_enquiry
    if waiting is not None:
        return NextStep(
            "section_47_enquiry",
            "Start the section 47 enquiry the strategy discussion decided on",
            url=reverse("casework:meeting", args=[waiting.pk]),
        )
    assessment = history.open_assessment
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
        and not history.has_strategy_discussion
    ):
        return NextStep("strategy_discussion", "Hold the strategy discussion")
    finished = [a for a in history.assessments if not a.is_open]
    if finished and history.open_plan is None:
        latest = max(finished, key=lambda a: (a.completed_at, a.pk))
        if not any(p.started_at >= latest.completed_at for p in history.plans):
            return NextStep(
                "plan_actions",
                "Act on the assessment's findings: start a child in need plan, or close the case",
                url=reverse("casework:plan-new", args=[case.person.reference]),
            )
    return NextStep(
        "assessment",
        "Start an assessment, hold a strategy discussion if there is cause to suspect "
        "significant harm, or close the case",
    )


# ---------------------------------------------------------------- what the overview offers
def _strategy_discussion_allowed(case: Case, history: History) -> bool:
    """A strategy discussion on the open case, while no plan is open (new concerns can
    need one, whatever the front door first decided): `meeting_record` takes the case."""
    return history.open_plan is None


def meeting_parent(person: Person, kind: str) -> dict:
    """What a new meeting about this child belongs to, as `meeting_record` takes it: the
    open case; or, for a child with no open case, the front-door decision on a strategy
    discussion that is waiting for one (the meeting then opens the case); or nothing."""
    case = (
        Case.objects.filter(person=person, closed_at__isnull=True)
        .select_related("referral")
        .first()
    )
    if case is not None:
        return {"case": case}
    awaiting = referral_awaiting_case(person)
    if kind == MeetingKind.STRATEGY_DISCUSSION and awaiting and awaiting.decision == kind:
        return {"referral": awaiting}
    return {}


def _primary(
    person: Person, case: Case | None, step: NextStep, history: History | None
) -> tuple[str, Offer] | None:
    """The green button for what is next, with the right it needs: the page next_step
    names (or, where it names none, the step's own form)."""
    ref = person.reference
    if step.step == "referral_decision":
        label = "Open a new case" if case is not None else "Open a case"
        return "manage_case", Offer("case_open", label, reverse("casework:case-open", args=[ref]))
    if case is None or not case.is_open:  # waiting for the casework a decision asked for
        if step.step == "strategy_discussion":
            return "strategy_discussion", Offer(
                "strategy_discussion", "Record the strategy discussion", step.url
            )
        return "manage_case", Offer("case_open", "Open the case", step.url)
    plan = history.open_plan
    if step.step == "core_group":
        return "core_group", Offer("core_group", "Record the first core group meeting", step.url)
    if step.step == "review_conference":
        return "review_conference", Offer(
            "review_conference", "Record the review conference", step.url
        )
    if step.step == "plan_actions":
        if plan is not None:
            return "plan_actions", Offer("plan", "Go to the child in need plan", step.url)
        if history.initial_conferences(ConferenceOutcome.PLAN):
            return "plan_actions", Offer("plan_start", "Start the child protection plan", step.url)
        return "plan_actions", Offer("plan_start", "Start a child in need plan", step.url)
    if step.step == "section_47_enquiry":
        if history.open_enquiry is not None:
            label = "Finish the section 47 enquiry"
        else:
            label = "Start the section 47 enquiry"
        return "section_47_enquiry", Offer("section_47_enquiry", label, step.url)
    if step.step == "initial_conference":
        return "initial_conference", Offer(
            "initial_conference", "Hold the initial child protection conference", step.url
        )
    if step.step == "strategy_discussion":
        if not _strategy_discussion_allowed(case, history):
            return None
        url = reverse("casework:meeting-new", args=[ref, MeetingKind.STRATEGY_DISCUSSION])
        return "strategy_discussion", Offer(
            "strategy_discussion", "Record the strategy discussion", step.url or url
        )
    if history.open_assessment is not None:
        return "assessment", Offer("assessment", "Finish the assessment", step.url)
    url = reverse("casework:assessment-new", args=[ref])
    return "assessment", Offer("assessment_start", "Start an assessment", step.url or url)


def offered_steps(
    *,
    person: Person,
    case: Case | None,
    step: NextStep,
    may: dict[str, bool],
    history: History | None = None,
) -> list[Offer]:
    """The buttons a child's overview offers the reader: one primary button for what is
    next (`step`, from next_step), then every other step that is valid in the case's
    state and that the reader's role may record (`may`, from access.rights). Valid in
    state means the service would not refuse the step for coming out of order; each
    rule below names the service whose check it mirrors. MACE and MARAC meetings may be
    held at any time."""
    ref = person.reference
    is_open = case is not None and case.is_open
    if is_open and history is None:
        history = History.load(case)
    offers: list[Offer] = []
    primary = _primary(person, case, step, history)
    if primary is not None and may.get(primary[0]):
        offers.append(replace(primary[1], look="primary"))
    taken = {o.code for o in offers}

    def offer(code: str, right: str, label: str, url: str, look: str = "secondary") -> None:
        if code not in taken and may.get(right):
            offers.append(Offer(code, label, url, look))

    if is_open:
        if _strategy_discussion_allowed(case, history):  # meeting_record
            offer(
                "strategy_discussion",
                "strategy_discussion",
                "Record a strategy discussion",
                reverse("casework:meeting-new", args=[ref, MeetingKind.STRATEGY_DISCUSSION]),
            )
        if history.open_assessment is None:  # assessment_start: one at a time
            offer(
                "assessment_start",
                "assessment",
                "Start an assessment",
                reverse("casework:assessment-new", args=[ref]),
            )
        if history.conference_due is not None:  # conference_initial_hold
            offer(
                "initial_conference",
                "initial_conference",
                "Record the initial conference",
                reverse("casework:conference-new", args=[ref]),
            )
        if history.plan_may_start:  # plan_start: no plan open, and a basis for one
            offer(
                "plan_start",
                "plan_actions",
                "Start a plan",
                reverse("casework:plan-new", args=[ref]),
            )
    for kind, label in (("mace", "Record a MACE meeting"), ("marac", "Record a MARAC")):
        offer(kind, kind, label, reverse("casework:meeting-new", args=[ref, kind]))
    if is_open and history.may_close:  # case_close: nothing still running
        offer(
            "case_close",
            "manage_case",
            "Close the case",
            reverse("casework:case-close", args=[ref]),
            look="link",
        )
    return offers


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
    open deadlines and actions, and the steps the reader may take now. The caller has
    already checked the user may read it.

    Each kind of record is read once, and the policy is asked once (the reader's
    relationships to the child): what is next, the buttons and the audit's purpose are
    all decided from what was read."""
    cases = list(
        Case.objects.filter(person=person).select_related("referral__agency").order_by("started_at")
    )
    current = next((c for c in cases if c.is_open), cases[-1] if cases else None)
    meetings = list(Meeting.objects.filter(person=person).order_by("held_at", "pk"))
    case_ids = [c.pk for c in cases]
    enquiries = list(Enquiry.objects.filter(case_id__in=case_ids))
    assessments = list(Assessment.objects.filter(case_id__in=case_ids))
    conferences = list(Conference.objects.filter(case_id__in=case_ids))
    plans = list(Plan.objects.filter(case_id__in=case_ids).prefetch_related("core_group_meetings"))
    history = (
        History.of(current, meetings, enquiries, assessments, conferences, plans)
        if current is not None
        else None
    )
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
    relationships = policy.person_relationships(user, person)
    may = access.rights(user, sees=policy.person_permits(user, "view", person, relationships))
    step = next_step(current, deadlines, awaiting, history)
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
        next_step=step,
        deadlines=deadlines,
        actions=actions,
        may=may,
        awaiting=awaiting,
        offers=offered_steps(person=person, case=current, step=step, may=may, history=history),
    )
    referrals = [r for r in linked if r.pk in readable]
    shown = [*cases, *referrals, *meetings, *enquiries, *assessments, *conferences, *plans]
    _audit_read(
        user, person, operation, [*shown, *deadlines, *actions], relationships=relationships
    )
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
