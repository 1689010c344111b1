"""Every write in a child's casework. Each service is keyword-only, checks who may do it
(casework/access.py), checks that the step comes in its turn, writes, routes word of it
to the agencies the responsibilities table names, and records its audit event last, in
one transaction: a refused step saves nothing.

The order is the law's (Working Together to Safeguard Children 2023):

    front-door decision (or an open case)
      -> strategy discussion (children's social care, the police and health take part)
      -> section 47 enquiry, if the discussion decided on one
      -> initial child protection conference, if the enquiry decided on one
         (within 15 working days of the strategy discussion)
      -> child protection plan, if the conference decided on one
         (first core group within 10 working days; first review within 3 months,
         then every 6 months, until a review ends it)

with child and family assessments (45 working days from the referral) and child in
need plans beside it, and MACE and MARAC meetings whenever they are needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from lantern.access import policy
from lantern.access.models import Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_required, refuse
from lantern.partners.models import Agency, AgencyKind
from lantern.people.models import Person
from lantern.timescales import rules as timescale_rules
from lantern.timescales import services as timescales

from . import access, responsibilities
from .models import (
    Action,
    Assessment,
    AssessmentKind,
    Attendance,
    Case,
    Category,
    ClosureReason,
    Conference,
    ConferenceKind,
    ConferenceOutcome,
    CoreGroupMeeting,
    CoreGroupMember,
    CriminalInvestigation,
    Enquiry,
    EnquiryOutcome,
    Meeting,
    MeetingAgency,
    MeetingDecision,
    MeetingKind,
    Plan,
    PlanKind,
)

# Who may lead an enquiry, an assessment or a plan: a council social worker or manager.
LEAD_ROLES = frozenset({"social_worker", "team_manager"})
# Front-door decisions after which a case opens.
OPENS_CASE = {"strategy_discussion", "assessment"}
PLAN_DEADLINES = ("first_core_group", "first_review_conference", "review_conference")
KIND_LABELS = dict(AgencyKind.choices)


@dataclass(frozen=True)
class AgencyAtMeeting:
    """One invited agency as the meeting's record gives it."""

    agency: Agency
    attendance: str
    attendees: str = ""
    information: str = ""


@dataclass(frozen=True)
class ActionIn:
    agency: Agency
    description: str
    due_on: dt.date | None
    owner_user: object | None = None


@dataclass(frozen=True)
class CoreGroupIn:
    agency: Agency
    user: object | None = None
    name: str = ""
    role: str = ""


# ---------------------------------------------------------------- shared checks
def _date(value: dt.datetime) -> str:
    return f"{value.astimezone(timescale_rules.LONDON):%-d %B %Y}"


def _moment(field: str, label: str, value, *, not_before=None, before_label: str = ""):
    """A moment something happened: a date and time with a zone, not in the future, not
    before the step it follows."""
    if value is None:
        return clock.now()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        refuse(field, f"{label} must be a date and time")
    if value.utcoffset() is None:
        refuse(field, f"{label} must be a date and time with a time zone")
    if value > clock.now():
        refuse(field, f"{label} cannot be in the future")
    if not_before is not None and value < not_before:
        refuse(field, f"{label} cannot be before {before_label} ({_date(not_before)})")
    return value


def _check_recorder(actor, person: Person, step_code: str) -> None:
    """A child the actor may not see does not exist (a 404); one they may see but not
    record this step for is refused, naming who can."""
    if not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    if not access.may_record(actor, person, step_code):
        step = responsibilities.step(step_code)
        refuse("actor", f"Your role cannot record a {step.name.lower()} in Lantern")


def _check_lead(field: str, user) -> None:
    role = getattr(user, "role", None)
    agency = getattr(user, "agency", None)
    if (
        role is None
        or role.code not in LEAD_ROLES
        or agency is None
        or agency.kind != AgencyKind.CHILDRENS_SERVICES
    ):
        refuse(field, "The lead must be a children's services social worker or team manager")


def _check_case_open(case: Case) -> None:
    if not case.is_open:
        refuse("case", f"This case was closed on {_date(case.closed_at)}")


def _audit(actor, action: str, operation: str, purpose: str, person: Person, *records, **detail):
    audit_record(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=[Subject.person(person), *(Subject.of(r, person_id=person.pk) for r in records)],
        detail=detail,
    )


def _route(person: Person, step_code: str, what: str, *, lead: Agency | None) -> dict:
    """Tell the Consulted and Informed agencies' staff who know the child that a step has
    started. Only agencies that hold a record of the child, and only staff the access
    policy lets see the child, are told: the notification names them."""
    step = responsibilities.step(step_code)
    users = get_user_model().objects.filter(
        is_active=True, memberships__ended_on__isnull=True, memberships__role__sees_case_data=True
    )
    routed: dict[str, list[str]] = {}
    notes = []
    now = clock.now()
    for column, kinds, opening in (
        ("consulted", step.consulted, "You are consulted"),
        ("informed", step.informed, "For your information"),
    ):
        if not kinds:
            continue
        agencies = Agency.objects.filter(
            kind__in=kinds,
            active=True,
            source_records__person=person,
            source_records__is_current=True,
        ).distinct()
        for agency in agencies:
            told = [
                u
                for u in users.filter(memberships__agency=agency).distinct()
                if policy.can(u, "view", person)
            ]
            routed.setdefault(column, []).append(agency.code)
            lead_words = f" {lead.name} is responsible." if lead else ""
            message = f"{opening}: {what} for {person.reference}.{lead_words}"[:500]
            notes += [
                Notification(
                    recipient=u,
                    kind=f"casework_{column}",
                    message=message,
                    person=person,
                    created_at=now,
                )
                for u in told
            ]
    Notification.objects.bulk_create(notes)
    return routed


def _deadline_owner(lead_worker, case: Case) -> dict:
    membership = lead_worker.membership
    return {
        "owner_agency": case.lead_agency,
        "owner_team": membership.team if membership and membership.team else None,
        "owner_user": lead_worker
        if membership and membership.agency_id == case.lead_agency_id
        else None,
    }


def _lock(model, obj):
    return model.objects.select_for_update().select_related("person").get(pk=obj.pk)


# ---------------------------------------------------------------- cases
def _case_create(actor, person: Person, reason: str, referral, started_at) -> Case:
    if Case.objects.filter(person=person, closed_at__isnull=True).exists():
        refuse("person", f"{person.reference} already has an open case")
    agency = actor.agency
    if agency is None or agency.kind != AgencyKind.CHILDRENS_SERVICES:
        refuse("actor", "A case is opened by children's services")
    return Case.objects.create(
        person=person,
        referral=referral,
        lead_agency=agency,
        reason=reason.strip()[:1000],
        started_at=started_at,
        opened_at=clock.now(),
        opened_by=actor,
    )


def _check_referral(referral, person: Person, decisions: set[str]) -> None:
    if referral.person_id != person.pk:
        refuse("referral", f"Referral {referral.reference} is not about {person.reference}")
    if referral.decided_at is None:
        refuse("referral", f"The front door has not yet decided on referral {referral.reference}")
    if referral.decision not in decisions:
        refuse(
            "referral",
            f"The front door decided {referral.get_decision_display().lower()} on referral "
            f"{referral.reference}: that does not open casework",
        )


@transaction.atomic
def case_open(
    *, actor, person: Person, reason: str, referral=None, started_at: dt.datetime | None = None
) -> Case:
    """Open a child's case: after a front-door decision (its clock starts when the referral
    was received), or for a child already known (from `started_at`, default now)."""
    if not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    if not access.may_manage_case(actor, person):
        refuse("actor", "Your role cannot open a case")
    check_required("reason", "why the case is opened", reason)
    if referral is not None:
        _check_referral(referral, person, OPENS_CASE)
        if Case.objects.filter(referral=referral).exists():
            refuse("referral", f"Referral {referral.reference} already opened a case")
        started_at = referral.received_at
    else:
        started_at = _moment("started_at", "When the case started", started_at)
    case = _case_create(actor, person, reason, referral, started_at)
    _audit(actor, "collection", "case.open", f"Case opened: {reason}", person, case)
    return case


@transaction.atomic
def case_close(*, actor, case: Case, reason: str) -> Case:
    """Close a case once nothing in it is still running."""
    case = _lock(Case, case)
    if not policy.can(actor, "view", case.person):
        raise Case.DoesNotExist
    if not access.may_manage_case(actor, case.person):
        refuse("actor", "Your role cannot close a case")
    _check_case_open(case)
    check_required("reason", "why the case is closed", reason)
    if case.enquiries.filter(completed_at__isnull=True).exists():
        refuse("case", "Finish the section 47 enquiry before closing the case")
    if case.assessments.filter(completed_at__isnull=True).exists():
        refuse("case", "Finish the assessment before closing the case")
    if case.plans.filter(closed_at__isnull=True).exists():
        refuse("case", "Close the plan before closing the case")
    decided = case.enquiries.filter(outcome=EnquiryOutcome.INITIAL_CONFERENCE)
    if decided.filter(conference__isnull=True).exists():
        refuse("case", "An initial conference was decided and has not been held")
    owed = case.conferences.filter(
        kind=ConferenceKind.INITIAL, outcome=ConferenceOutcome.PLAN, plan_made__isnull=True
    )
    if owed.exists():
        refuse(
            "case",
            "The initial conference decided on a child protection plan: start the plan before "
            "closing the case",
        )
    case.closed_at, case.closed_by, case.closure_reason = clock.now(), actor, reason.strip()[:1000]
    case.save(update_fields=["closed_at", "closed_by", "closure_reason"])
    if case.referral_id:  # the front door's 45-day clock, if no assessment ever met it
        timescales.deadline_cancel(
            actor=actor,
            subject=case.referral,
            rule="assessment",
            reason=f"Case closed without an assessment: {case.closure_reason}",
        )
    _audit(actor, "alteration", "case.close", f"Case closed: {reason}", case.person, case)
    return case


# ---------------------------------------------------------------- meetings
def _clean_agencies(kind: str, agencies: Sequence[AgencyAtMeeting]) -> None:
    if not agencies:
        refuse("agencies", "Record which agencies were invited")
    seen = set()
    for row in agencies:
        if row.agency.pk in seen:
            refuse("agencies", f"{row.agency.name} is listed twice")
        seen.add(row.agency.pk)
        if row.attendance not in Attendance.values:
            refuse("agencies", f"Say whether {row.agency.name} attended, sent apologies or not")
        if row.attendance == Attendance.ATTENDED and not row.attendees.strip():
            refuse("agencies", f"Say who attended for {row.agency.name}")
    needed = responsibilities.step(kind).must_take_part
    took_part = {row.agency.kind for row in agencies if row.attendance == Attendance.ATTENDED}
    missing = [KIND_LABELS[k] for k in needed if k not in took_part]
    if missing:
        step = responsibilities.step(kind)
        refuse(
            "agencies",
            f"A {step.name.lower()} needs {', '.join(KIND_LABELS[k] for k in needed)} to take "
            f"part. Missing: {', '.join(missing)}",
        )


def _clean_actions(actions: Sequence[ActionIn], *, agencies: set[int] | None, earliest: dt.date):
    for index, item in enumerate(actions):
        field = f"actions.{index}"
        if item.agency is None:
            refuse(field, "Choose the agency that owns the action")
        if agencies is not None and item.agency.pk not in agencies:
            refuse(
                field,
                f"{item.agency.name} was not invited: give the action to an agency that was",
            )
        check_required(field, "what is to be done", item.description)
        if item.due_on is None:
            refuse(field, "Enter when the action is due")
        if item.due_on < earliest:
            refuse(field, f"The action cannot be due before {earliest:%-d %B %Y}")
        if item.owner_user is not None:
            membership = item.owner_user.membership
            if membership is None or membership.agency_id != item.agency.pk:
                refuse(
                    field, f"{item.owner_user.get_full_name()} does not work at {item.agency.name}"
                )


def _actions_create(actor, person: Person, actions: Sequence[ActionIn], **parent) -> list[Action]:
    now = clock.now()
    return [
        Action.objects.create(
            person=person,
            owner_agency=item.agency,
            owner_user=item.owner_user,
            description=item.description.strip(),
            due_on=item.due_on,
            created_at=now,
            created_by=actor,
            **parent,
        )
        for item in actions
    ]


def _meeting_case(kind: str, person: Person, referral, case: Case | None, actor) -> Case | None:
    """The case a meeting belongs to. A strategy discussion needs one: the case its
    referral's decision opened (opening it now if need be) or the child's open case."""
    open_case = Case.objects.filter(person=person, closed_at__isnull=True).first()
    if case is not None:
        if case.person_id != person.pk:
            refuse("case", f"That case is not about {person.reference}")
        _check_case_open(case)
        return case
    if referral is not None:
        _check_referral(
            referral,
            person,
            {"strategy_discussion"} if kind == MeetingKind.STRATEGY_DISCUSSION else OPENS_CASE,
        )
        found = Case.objects.filter(referral=referral).first()
        if found is not None:
            _check_case_open(found)
            return found
        return _case_create(
            actor,
            person,
            f"Front-door decision on referral {referral.reference}",
            referral,
            referral.received_at,
        )
    if kind == MeetingKind.STRATEGY_DISCUSSION and open_case is None:
        refuse(
            "case",
            "This child has no open case: a strategy discussion follows a front-door decision "
            "or happens on an open case",
        )
    return open_case


@transaction.atomic
def meeting_record(
    *,
    actor,
    kind: str,
    person: Person,
    held_at: dt.datetime,
    chair,
    agencies: Sequence[AgencyAtMeeting],
    decisions: Sequence[str],
    summary: str = "",
    referral=None,
    case: Case | None = None,
    start_section_47: bool | None = None,
    criminal_investigation: str = "",
    actions: Sequence[ActionIn] = (),
) -> Meeting:
    """Record a meeting that was held: a strategy discussion, a MACE or a MARAC."""
    if kind not in MeetingKind.values:
        refuse("kind", f"Meeting kind must be one of {', '.join(MeetingKind.values)}")
    _check_recorder(actor, person, kind)
    case = _meeting_case(kind, person, referral, case, actor)
    if case is not None and case.referral_id and referral is None:
        referral = case.referral
    started = case.started_at if case is not None else None
    if referral is not None:
        held_at = _moment(
            "held_at",
            "When the meeting was held",
            held_at,
            not_before=referral.received_at,
            before_label="the referral was received",
        )
    else:
        held_at = _moment(
            "held_at",
            "When the meeting was held",
            held_at,
            not_before=started,
            before_label="the case started",
        )
    if chair is None or not policy.sees_case_data(chair):
        refuse("chair", "Choose who chaired the meeting")
    _clean_agencies(kind, agencies)
    decisions = [d.strip() for d in decisions if d and d.strip()]
    if kind == MeetingKind.STRATEGY_DISCUSSION:
        if start_section_47 is None:
            refuse("start_section_47", "Say whether to start a section 47 enquiry")
        if criminal_investigation not in CriminalInvestigation.values:
            refuse("criminal_investigation", "Say whether there will be a criminal investigation")
    else:
        start_section_47, criminal_investigation = None, ""
        if not decisions:
            refuse("decisions", "Record at least one decision")
    invited = {row.agency.pk for row in agencies}
    _clean_actions(
        actions, agencies=invited, earliest=held_at.astimezone(timescale_rules.LONDON).date()
    )
    meeting = Meeting.objects.create(
        kind=kind,
        person=person,
        case=case,
        referral=referral,
        held_at=held_at,
        chair=chair,
        summary=summary.strip(),
        start_section_47=start_section_47,
        criminal_investigation=criminal_investigation,
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    MeetingAgency.objects.bulk_create(
        MeetingAgency(
            meeting=meeting,
            agency=row.agency,
            attendance=row.attendance,
            attendees=row.attendees.strip()[:500],
            information=row.information.strip(),
        )
        for row in agencies
    )
    MeetingDecision.objects.bulk_create(
        MeetingDecision(meeting=meeting, order=n, text=text) for n, text in enumerate(decisions)
    )
    created = _actions_create(actor, person, actions, meeting=meeting)
    routed = _route(
        person,
        kind,
        f"{meeting.get_kind_display()} held {_date(held_at)}",
        lead=case.lead_agency if case else None,
    )
    _audit(
        actor,
        "collection",
        "meeting.record",
        f"{meeting.get_kind_display()} recorded",
        person,
        meeting,
        *([case] if case else []),
        *created,
        agencies=[row.agency.code for row in agencies],
        start_section_47=start_section_47,
        criminal_investigation=criminal_investigation,
        routed=routed,
    )
    return meeting


def strategy_discussion_record(**kwargs) -> Meeting:
    """`meeting_record` for a strategy discussion."""
    return meeting_record(kind=MeetingKind.STRATEGY_DISCUSSION, **kwargs)


@transaction.atomic
def meeting_action_add(*, actor, meeting: Meeting, action: ActionIn) -> Action:
    """An action agreed at a meeting, added after it was recorded."""
    meeting = _lock(Meeting, meeting)
    _check_recorder(actor, meeting.person, meeting.kind)
    if meeting.case is not None:
        _check_case_open(meeting.case)
    invited = set(meeting.agencies.values_list("agency_id", flat=True))
    _clean_actions([action], agencies=invited, earliest=clock.today())
    (created,) = _actions_create(actor, meeting.person, [action], meeting=meeting)
    _audit(
        actor,
        "collection",
        "action.add",
        f"Action for {action.agency.name} from a {meeting.get_kind_display().lower()}",
        meeting.person,
        created,
        meeting,
    )
    return created


# ---------------------------------------------------------------- section 47 enquiries
@transaction.atomic
def enquiry_start(
    *, actor, meeting: Meeting, lead_worker=None, started_at: dt.datetime | None = None
) -> Enquiry:
    """Start the section 47 enquiry a strategy discussion decided on. The initial
    conference's clock (15 working days from the discussion) starts with it."""
    meeting = _lock(Meeting, meeting)
    person = meeting.person
    _check_recorder(actor, person, "section_47_enquiry")
    if meeting.kind != MeetingKind.STRATEGY_DISCUSSION:
        refuse("meeting", "A section 47 enquiry is started by a strategy discussion")
    if not meeting.start_section_47:
        refuse("meeting", "This strategy discussion decided not to start a section 47 enquiry")
    if Enquiry.objects.filter(strategy_discussion=meeting).exists():
        refuse("meeting", "This strategy discussion has already started an enquiry")
    case = meeting.case
    _check_case_open(case)
    started_at = _moment(
        "started_at",
        "When the enquiry started",
        started_at,
        not_before=meeting.held_at,
        before_label="the strategy discussion",
    )
    lead_worker = lead_worker or actor
    _check_lead("lead_worker", lead_worker)
    enquiry = Enquiry.objects.create(
        case=case,
        person=person,
        strategy_discussion=meeting,
        started_at=started_at,
        started_by=actor,
        lead_worker=lead_worker,
    )
    timescales.deadline_open(
        actor=actor,
        rule="initial_conference",
        starts_at=meeting.held_at,
        person=person,
        subject=enquiry,
        **_deadline_owner(lead_worker, case),
    )
    routed = _route(
        person, "section_47_enquiry", "a section 47 enquiry has started", lead=case.lead_agency
    )
    _audit(
        actor,
        "collection",
        "enquiry.start",
        "Section 47 enquiry started",
        person,
        enquiry,
        meeting,
        routed=routed,
    )
    return enquiry


@transaction.atomic
def enquiry_complete(
    *, actor, enquiry: Enquiry, outcome: str, reason: str, completed_at: dt.datetime | None = None
) -> Enquiry:
    """The enquiry's outcome: not substantiated, a child in need plan, or an initial
    conference. Unless a conference follows, its clock stops."""
    enquiry = _lock(Enquiry, enquiry)
    _check_recorder(actor, enquiry.person, "section_47_enquiry")
    if not enquiry.is_open:
        refuse("enquiry", f"This enquiry already finished on {_date(enquiry.completed_at)}")
    if outcome not in EnquiryOutcome.values:
        refuse("outcome", "Choose the enquiry's outcome")
    check_required("reason", "the reasons for the outcome", reason)
    completed_at = _moment(
        "completed_at",
        "When the enquiry finished",
        completed_at,
        not_before=enquiry.started_at,
        before_label="it started",
    )
    enquiry.outcome, enquiry.outcome_reason = outcome, reason.strip()
    enquiry.completed_at, enquiry.completed_by = completed_at, actor
    enquiry.save(update_fields=["outcome", "outcome_reason", "completed_at", "completed_by"])
    if outcome != EnquiryOutcome.INITIAL_CONFERENCE:
        timescales.deadline_cancel(
            actor=actor,
            subject=enquiry,
            rule="initial_conference",
            reason=f"The enquiry's outcome: {enquiry.get_outcome_display()}",
        )
    _audit(
        actor,
        "alteration",
        "enquiry.complete",
        f"Section 47 enquiry outcome: {enquiry.get_outcome_display()}",
        enquiry.person,
        enquiry,
        outcome=outcome,
    )
    return enquiry


# ---------------------------------------------------------------- assessments
def _assessment_deadline_subject(case: Case):
    """The front door opened the 45-day clock on the referral when it decided; an
    assessment on a case without one (or whose clock has been met) keeps its own."""
    from django.contrib.contenttypes.models import ContentType

    from lantern.timescales.models import OPEN, Deadline

    if case.referral_id:
        referral = case.referral
        if Deadline.objects.filter(
            OPEN,
            subject_type=ContentType.objects.get_for_model(referral),
            subject_id=referral.pk,
            rule="assessment",
        ).exists():
            return referral
    return None


@transaction.atomic
def assessment_start(
    *,
    actor,
    case: Case,
    kind: str,
    lead_worker=None,
    started_at: dt.datetime | None = None,
) -> Assessment:
    """Start a child and family assessment, due 45 working days from the referral (or
    from when the case started, without one)."""
    case = _lock(Case, case)
    _check_recorder(actor, case.person, "assessment")
    _check_case_open(case)
    if kind not in AssessmentKind.values:
        refuse("kind", "Choose a child in need or a child protection assessment")
    if case.assessments.filter(completed_at__isnull=True).exists():
        refuse("kind", "An assessment is already under way on this case: finish it first")
    started_at = _moment(
        "started_at",
        "When the assessment started",
        started_at,
        not_before=case.started_at,
        before_label="the referral was received" if case.referral_id else "the case started",
    )
    lead_worker = lead_worker or actor
    _check_lead("lead_worker", lead_worker)
    assessment = Assessment.objects.create(
        case=case,
        person=case.person,
        kind=kind,
        started_at=started_at,
        due_at=timescale_rules.due("assessment", case.started_at),
        lead_worker=lead_worker,
        started_by=actor,
    )
    if _assessment_deadline_subject(case) is None:
        timescales.deadline_open(
            actor=actor,
            rule="assessment",
            starts_at=case.started_at,
            person=case.person,
            subject=assessment,
            **_deadline_owner(lead_worker, case),
        )
    routed = _route(
        case.person,
        "assessment",
        f"a {assessment.get_kind_display().lower()} has started",
        lead=case.lead_agency,
    )
    _audit(
        actor,
        "collection",
        "assessment.start",
        f"{assessment.get_kind_display()} started",
        case.person,
        assessment,
        case,
        routed=routed,
    )
    return assessment


@transaction.atomic
def assessment_complete(
    *, actor, assessment: Assessment, findings: str, completed_at: dt.datetime | None = None
) -> Assessment:
    assessment = _lock(Assessment, assessment)
    _check_recorder(actor, assessment.person, "assessment")
    if not assessment.is_open:
        refuse(
            "assessment", f"This assessment already finished on {_date(assessment.completed_at)}"
        )
    check_required("findings", "what the assessment found", findings)
    completed_at = _moment(
        "completed_at",
        "When the assessment finished",
        completed_at,
        not_before=assessment.started_at,
        before_label="it started",
    )
    subject = _assessment_deadline_subject(assessment.case) or assessment
    assessment.findings = findings.strip()
    assessment.completed_at, assessment.completed_by = completed_at, actor
    assessment.save(update_fields=["findings", "completed_at", "completed_by"])
    timescales.deadline_meet(actor=actor, subject=subject, rule="assessment", met_at=completed_at)
    _audit(
        actor,
        "alteration",
        "assessment.complete",
        f"{assessment.get_kind_display()} finished",
        assessment.person,
        assessment,
        late=completed_at > assessment.due_at,
    )
    return assessment


# ---------------------------------------------------------------- conferences
def _clean_decision(outcome: str, category: str, allowed: Sequence[str]) -> None:
    if outcome not in allowed:
        labels = ", ".join(ConferenceOutcome(o).label.lower() for o in allowed)
        refuse("outcome", f"Choose the conference's decision: {labels}")
    if outcome in (ConferenceOutcome.PLAN, ConferenceOutcome.CONTINUE):
        if category not in Category.values:
            refuse("category", "Choose the category of harm the plan is under")
    elif category:
        refuse("category", "A category is recorded only when there is a plan")


@transaction.atomic
def conference_initial_hold(
    *,
    actor,
    case: Case,
    held_at: dt.datetime,
    chair: str,
    outcome: str,
    reasons: str,
    category: str = "",
    dissent: str = "",
) -> Conference:
    """Record the initial child protection conference: only after a section 47 enquiry
    that decided on one. It meets the 15-working-day deadline."""
    case = _lock(Case, case)
    person = case.person
    _check_recorder(actor, person, "initial_conference")
    _check_case_open(case)
    waiting = case.enquiries.filter(conference__isnull=True).order_by("-started_at", "-pk")
    # The latest finished enquiry that decided on a conference and has none yet; else the
    # latest enquiry without one, to say why not.
    enquiry = (
        waiting.filter(
            completed_at__isnull=False, outcome=EnquiryOutcome.INITIAL_CONFERENCE
        ).first()
        or waiting.first()
    )
    if enquiry is None:
        if case.conferences.filter(kind=ConferenceKind.INITIAL).exists():
            refuse("case", "The initial conference for this case has already been held")
        refuse("case", "An initial conference follows a section 47 enquiry: there has been none")
    if enquiry.is_open:
        refuse("case", "The section 47 enquiry has not finished: record its outcome first")
    if enquiry.outcome != EnquiryOutcome.INITIAL_CONFERENCE:
        refuse(
            "case",
            f"The section 47 enquiry's outcome was {enquiry.get_outcome_display().lower()}, "
            "not an initial conference",
        )
    held_at = _moment(
        "held_at",
        "When the conference was held",
        held_at,
        not_before=enquiry.completed_at,
        before_label="the enquiry finished",
    )
    check_required("chair", "the name of the conference chair", chair)
    check_required("reasons", "the reasons for the decision", reasons)
    _clean_decision(outcome, category, (ConferenceOutcome.PLAN, ConferenceOutcome.NO_PLAN))
    conference = Conference.objects.create(
        kind=ConferenceKind.INITIAL,
        case=case,
        person=person,
        enquiry=enquiry,
        held_at=held_at,
        chair=chair.strip()[:200],
        outcome=outcome,
        category=category,
        reasons=reasons.strip(),
        dissent=dissent.strip(),
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    met = timescales.deadline_meet(
        actor=actor, subject=enquiry, rule="initial_conference", met_at=held_at
    )
    routed = _route(
        person,
        "initial_conference",
        f"initial child protection conference held {_date(held_at)}",
        lead=case.lead_agency,
    )
    _audit(
        actor,
        "collection",
        "conference.initial",
        f"Initial child protection conference: {conference.get_outcome_display()}",
        person,
        conference,
        enquiry,
        outcome=outcome,
        category=category,
        late=bool(met and held_at > met.due_at),
        routed=routed,
    )
    return conference


# ---------------------------------------------------------------- plans
def _clean_core_group(members: Sequence[CoreGroupIn], lead_worker) -> None:
    for index, member in enumerate(members):
        field = f"core_group.{index}"
        if member.agency is None:
            refuse(field, "Choose the member's agency")
        if member.user is None and not member.name.strip():
            refuse(field, "Name the core group member")
        if member.user is not None:
            membership = member.user.membership
            if membership is None or membership.agency_id != member.agency.pk:
                refuse(
                    field, f"{member.user.get_full_name()} does not work at {member.agency.name}"
                )


def _plan_basis(case: Case, kind: str):
    """What a plan of this kind rests on: a conference that decided a child protection
    plan; for a child in need plan, an enquiry or conference that led to one, or a
    finished child in need assessment."""
    if kind == PlanKind.CHILD_PROTECTION:
        conference = (
            case.conferences.filter(
                kind=ConferenceKind.INITIAL, outcome=ConferenceOutcome.PLAN, plan_made__isnull=True
            )
            .order_by("-held_at")
            .first()
        )
        if conference is None:
            refuse(
                "kind",
                "A child protection plan needs an initial conference that decided on one: "
                "this case has none without a plan",
            )
        return {"conference": conference}
    enquiry = case.enquiries.filter(
        outcome=EnquiryOutcome.CHILD_IN_NEED_PLAN, plan_made__isnull=True
    ).first()
    if enquiry is not None:
        return {"enquiry": enquiry}
    conference = case.conferences.filter(
        kind=ConferenceKind.INITIAL, outcome=ConferenceOutcome.NO_PLAN, plan_made__isnull=True
    ).first()
    if conference is not None:
        return {"conference": conference}
    if case.assessments.filter(completed_at__isnull=False).exists():
        return {}
    refuse(
        "kind",
        "A child in need plan follows an assessment, an enquiry that decided on one, or a "
        "conference that decided against a child protection plan: this case has none yet",
    )


@transaction.atomic
def plan_start(
    *,
    actor,
    case: Case,
    kind: str,
    lead_worker,
    core_group: Sequence[CoreGroupIn] = (),
) -> Plan:
    """Start a child protection plan (from the conference that decided it: its first core
    group and first review deadlines start from the conference) or a child in need plan."""
    case = _lock(Case, case)
    person = case.person
    _check_recorder(actor, person, "plan_actions")
    _check_case_open(case)
    if kind not in PlanKind.values:
        refuse("kind", "Choose a child protection plan or a child in need plan")
    if case.plans.filter(closed_at__isnull=True).exists():
        refuse("kind", "This case already has an open plan: close it first")
    basis = _plan_basis(case, kind)
    if lead_worker is None:
        refuse("lead_worker", "Choose the lead social worker")
    _check_lead("lead_worker", lead_worker)
    _clean_core_group(core_group, lead_worker)
    conference = basis.get("conference")
    started_at = conference.held_at if kind == PlanKind.CHILD_PROTECTION else clock.now()
    plan = Plan.objects.create(
        kind=kind,
        case=case,
        person=person,
        conference=conference,
        enquiry=basis.get("enquiry"),
        category=conference.category if kind == PlanKind.CHILD_PROTECTION else "",
        lead_worker=lead_worker,
        started_at=started_at,
        started_by=actor,
    )
    members = [
        CoreGroupMember(
            plan=plan, agency=case.lead_agency, user=lead_worker, role="Lead social worker"
        )
    ]
    members += [
        CoreGroupMember(
            plan=plan,
            agency=m.agency,
            user=m.user,
            name=m.name.strip()[:200],
            role=m.role.strip()[:200],
        )
        for m in core_group
        if not (m.user is not None and m.user.pk == lead_worker.pk)
    ]
    CoreGroupMember.objects.bulk_create(members)
    if kind == PlanKind.CHILD_PROTECTION:
        owner = _deadline_owner(lead_worker, case)
        for rule in ("first_core_group", "first_review_conference"):
            deadline = timescales.deadline_open(
                actor=actor,
                rule=rule,
                starts_at=conference.held_at,
                person=person,
                subject=plan,
                **owner,
            )
            if rule == "first_review_conference":
                plan.next_review_on = deadline.due_at.astimezone(timescale_rules.LONDON).date()
        plan.save(update_fields=["next_review_on"])
    _notify_members(plan, f"You are in the core group of a {plan.get_kind_display().lower()}")
    _audit(
        actor,
        "collection",
        "plan.start",
        f"{plan.get_kind_display()} started",
        person,
        plan,
        *([conference] if conference else []),
        category=plan.category,
        core_group=[m.agency.code for m in members],
    )
    return plan


def _notify_members(plan: Plan, what: str) -> None:
    now = clock.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=m.user,
            kind="casework_core_group",
            message=f"{what} for {plan.person.reference}."[:500],
            person=plan.person,
            created_at=now,
        )
        for m in plan.core_group.select_related("user")
        if m.user_id and policy.can(m.user, "view", plan.person)
    )


def _check_plan_open(plan: Plan) -> None:
    if not plan.is_open:
        refuse(
            "plan",
            f"This plan was closed on {_date(plan.closed_at)}: a closed plan takes no more steps",
        )


@transaction.atomic
def plan_action_add(*, actor, plan: Plan, action: ActionIn) -> Action:
    """An action in the plan, owned by a named agency (and perhaps a named person)."""
    plan = _lock(Plan, plan)
    _check_recorder(actor, plan.person, "plan_actions")
    _check_plan_open(plan)
    _clean_actions([action], agencies=None, earliest=clock.today())
    (created,) = _actions_create(actor, plan.person, [action], plan=plan)
    _audit(
        actor,
        "collection",
        "action.add",
        f"Plan action for {action.agency.name}",
        plan.person,
        created,
        plan,
    )
    return created


@transaction.atomic
def core_group_meeting_record(
    *, actor, plan: Plan, held_at: dt.datetime, notes: str
) -> CoreGroupMeeting:
    """A core group meeting; the first meets the 10-working-day deadline."""
    plan = _lock(Plan, plan)
    _check_recorder(actor, plan.person, "core_group")
    _check_plan_open(plan)
    held_at = _moment(
        "held_at",
        "When the core group met",
        held_at,
        not_before=plan.started_at,
        before_label="the plan started",
    )
    check_required("notes", "what the core group discussed and agreed", notes)
    first = not plan.core_group_meetings.exists()
    meeting = CoreGroupMeeting.objects.create(
        plan=plan, held_at=held_at, notes=notes.strip(), recorded_at=clock.now(), recorded_by=actor
    )
    if first:
        timescales.deadline_meet(actor=actor, subject=plan, rule="first_core_group", met_at=held_at)
    _audit(
        actor,
        "collection",
        "plan.core_group",
        "Core group meeting recorded",
        plan.person,
        meeting,
        plan,
    )
    return meeting


@transaction.atomic
def review_conference_hold(
    *,
    actor,
    plan: Plan,
    held_at: dt.datetime,
    chair: str,
    outcome: str,
    reasons: str,
    category: str = "",
    dissent: str = "",
) -> Conference:
    """A review of a child protection plan. It meets the review deadline; if the plan
    goes on, the next review is due within 6 months; if not, the plan ends."""
    plan = _lock(Plan, plan)
    person = plan.person
    _check_recorder(actor, person, "review_conference")
    if plan.kind != PlanKind.CHILD_PROTECTION:
        refuse("plan", "Review conferences are for child protection plans")
    _check_plan_open(plan)
    last = plan.reviews.order_by("-held_at").first()
    held_at = _moment(
        "held_at",
        "When the review was held",
        held_at,
        not_before=last.held_at if last else plan.started_at,
        before_label="the last review" if last else "the initial conference",
    )
    check_required("chair", "the name of the conference chair", chair)
    check_required("reasons", "the reasons for the decision", reasons)
    category = category or (plan.category if outcome == ConferenceOutcome.CONTINUE else "")
    _clean_decision(outcome, category, (ConferenceOutcome.CONTINUE, ConferenceOutcome.END))
    review = Conference.objects.create(
        kind=ConferenceKind.REVIEW,
        case=plan.case,
        person=person,
        plan=plan,
        held_at=held_at,
        chair=chair.strip()[:200],
        outcome=outcome,
        category=category,
        reasons=reasons.strip(),
        dissent=dissent.strip(),
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    met = None
    for rule in ("first_review_conference", "review_conference"):
        met = met or timescales.deadline_meet(actor=actor, subject=plan, rule=rule, met_at=held_at)
    if outcome == ConferenceOutcome.CONTINUE:
        deadline = timescales.deadline_open(
            actor=actor,
            rule="review_conference",
            starts_at=held_at,
            person=person,
            subject=plan,
            **_deadline_owner(plan.lead_worker, plan.case),
        )
        plan.category = category
        plan.next_review_on = deadline.due_at.astimezone(timescale_rules.LONDON).date()
        plan.save(update_fields=["category", "next_review_on"])
    else:
        _plan_end(actor, plan, ClosureReason.REVIEW_ENDED, reasons, at=held_at)
    routed = _route(
        person,
        "review_conference",
        f"review child protection conference held {_date(held_at)}",
        lead=plan.case.lead_agency,
    )
    _audit(
        actor,
        "collection",
        "conference.review",
        f"Review conference: {review.get_outcome_display()}",
        person,
        review,
        plan,
        outcome=outcome,
        late=bool(met and held_at > met.due_at),
        routed=routed,
    )
    return review


@transaction.atomic
def review_schedule(*, actor, plan: Plan, on: dt.date) -> Plan:
    """Book the next review for a date no later than the statutory limit."""
    from django.contrib.contenttypes.models import ContentType

    from lantern.timescales.models import OPEN, Deadline

    plan = _lock(Plan, plan)
    _check_recorder(actor, plan.person, "review_conference")
    if plan.kind != PlanKind.CHILD_PROTECTION:
        refuse("plan", "Review conferences are for child protection plans")
    _check_plan_open(plan)
    if on is None:
        refuse("on", "Enter the date of the review")
    if on < clock.today():
        refuse("on", "The review cannot be booked for a date that has passed")
    deadline = Deadline.objects.filter(
        OPEN,
        subject_type=ContentType.objects.get_for_model(Plan),
        subject_id=plan.pk,
        rule__in=("first_review_conference", "review_conference"),
    ).first()
    if deadline is not None:
        limit = deadline.due_at.astimezone(timescale_rules.LONDON).date()
        if on > limit:
            refuse("on", f"The review must be held by {limit:%-d %B %Y}")
    plan.next_review_on = on
    plan.save(update_fields=["next_review_on"])
    _audit(
        actor,
        "alteration",
        "plan.review_schedule",
        "Review conference booked",
        plan.person,
        plan,
        on=on,
    )
    return plan


def _plan_end(actor, plan: Plan, reason: str, note: str, *, at: dt.datetime) -> None:
    plan.closed_at, plan.closed_by = at, actor
    plan.closure_reason, plan.closure_note = reason, note.strip()
    plan.next_review_on = None
    plan.save(
        update_fields=["closed_at", "closed_by", "closure_reason", "closure_note", "next_review_on"]
    )
    for rule in PLAN_DEADLINES:
        timescales.deadline_cancel(
            actor=actor,
            subject=plan,
            rule=rule,
            reason=f"The plan ended: {ClosureReason(reason).label}",
        )


@transaction.atomic
def plan_close(*, actor, plan: Plan, reason: str, note: str = "") -> Plan:
    """Close a plan with its reason. A child protection plan ends by a review
    conference's decision, unless the child moved away or turned 18."""
    plan = _lock(Plan, plan)
    _check_recorder(actor, plan.person, "plan_actions")
    _check_plan_open(plan)
    if reason not in ClosureReason.values or reason == ClosureReason.REVIEW_ENDED:
        refuse("reason", "Choose why the plan is closing")
    if plan.kind == PlanKind.CHILD_PROTECTION and reason not in (
        ClosureReason.MOVED_AWAY,
        ClosureReason.TURNED_18,
    ):
        refuse(
            "reason",
            "A child protection plan ends when a review conference decides so, or when the "
            "child moves away or turns 18",
        )
    if reason == ClosureReason.OTHER:
        check_required("note", "why the plan is closing", note)
    _plan_end(actor, plan, reason, note, at=clock.now())
    _audit(
        actor,
        "alteration",
        "plan.close",
        f"Plan closed: {ClosureReason(reason).label}",
        plan.person,
        plan,
        reason=reason,
    )
    return plan


# ---------------------------------------------------------------- actions
@transaction.atomic
def action_complete(
    *, actor, action: Action, note: str, completed_at: dt.datetime | None = None
) -> Action:
    """The owning agency marks its action done, saying what was done."""
    action = _lock(Action, action)
    if not policy.can(actor, "view", action.person):
        raise Action.DoesNotExist
    if not access.may_complete(actor, action):
        refuse("actor", f"Only {action.owner_agency.name} can mark this action done")
    if not action.is_open:
        refuse("action", f"This action was already marked done on {_date(action.completed_at)}")
    check_required("note", "what was done", note)
    completed_at = _moment(
        "completed_at",
        "When it was done",
        completed_at,
        not_before=action.created_at,
        before_label="it was agreed",
    )
    action.completed_at, action.completed_by = completed_at, actor
    action.completion_note = note.strip()
    action.save(update_fields=["completed_at", "completed_by", "completion_note"])
    _audit(
        actor,
        "alteration",
        "action.complete",
        f"Action done by {action.owner_agency.name}",
        action.person,
        action,
        late=action.due_on < completed_at.astimezone(timescale_rules.LONDON).date(),
    )
    return action
