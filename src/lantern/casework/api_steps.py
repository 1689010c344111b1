"""The casework API's writes: every step of a child's casework recorded through the same
services as the pages (which check the write rule, casework.access.may_record, keep the
steps in the law's order and audit each write), and each record read back through the
same lookups and audit as its page.

    POST people/<reference>/cases/            open a case
    POST people/<reference>/cases/close/      close the open case
    POST people/<reference>/meetings/         a strategy discussion, MACE or MARAC
    GET  meetings/<pk>/                       one meeting
    POST meetings/<pk>/actions/               an action agreed at it
    POST meetings/<pk>/enquiry/               the section 47 enquiry it decided on
    GET  enquiries/<pk>/                      one enquiry, with its deadline
    POST enquiries/<pk>/complete/             its outcome
    POST people/<reference>/assessments/      start an assessment on the open case
    GET  assessments/<pk>/, POST assessments/<pk>/complete/
    POST people/<reference>/conferences/      the initial child protection conference
    GET  conferences/<pk>/
    POST people/<reference>/plans/            start a plan on the open case
    GET  plans/<pk>/
    POST plans/<pk>/actions/, core-group-meetings/, reviews/, schedule/, close/

How a call is answered:

- a caller whose role works with no case data, or a child or record they may not see:
  404, as if it did not exist (the same as the front door's API);
- a caller who may see the child but whose role may not record the step: 400 naming
  `actor`, with the service's reason (the same as the front door's API and completing an
  action here);
- a body of the wrong shape (a missing field, an unknown choice, an agency code or a
  username that names no one): 400 naming the field, before anything is looked at;
- a step out of its turn, a date in the future, a missing agency: the service's refusal,
  400 naming the field it gives. Nothing is saved: the write and the read of the answer
  run in one transaction.

Agencies are given by their code, staff by their username.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.core.validation import refuse
from lantern.partners.models import Agency
from lantern.people.models import Person
from lantern.people.safety import address_mask
from lantern.timescales.api import DeadlineSerializer, deadline_data

from . import forms, lookups, selectors, services
from .api import ActionSerializer, _action
from .models import (
    Assessment,
    AssessmentKind,
    Attendance,
    Case,
    Category,
    ClosureReason,
    Conference,
    ConferenceKind,
    ConferenceOutcome,
    CriminalInvestigation,
    Enquiry,
    EnquiryOutcome,
    Meeting,
    MeetingKind,
    Plan,
    PlanKind,
)

REFERENCE = [OpenApiParameter("reference", str, OpenApiParameter.PATH)]
# drf-spectacular shows a `pk` path parameter as `id`.
PK = [OpenApiParameter("id", int, OpenApiParameter.PATH, description="The record's id")]


# ---------------------------------------------------------------- fields
class AgencyField(serializers.CharField):
    """An active agency by its code. `invited_only`: one of the agencies a meeting about
    this child may invite (the serializer's context gives them), as on the page."""

    def __init__(self, *, invited_only: bool = False, **kwargs):
        kwargs.setdefault("help_text", "The agency's code")
        super().__init__(**kwargs)
        self.invited_only = invited_only

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        agency = Agency.objects.filter(code=code, active=True).first()
        if agency is None:
            raise serializers.ValidationError(f"No partner agency has the code '{code}'")
        allowed = self.context.get("invitable") if self.invited_only else None
        if allowed is not None and agency.pk not in allowed:
            raise serializers.ValidationError(
                f"{agency.name} cannot be invited to a meeting about this child: it is not a "
                "standing partner and holds no record of them"
            )
        return agency


class UserField(serializers.CharField):
    """An active Lantern user by their username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A username")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        username = super().to_internal_value(data)
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(f"No active user has the username '{username}'")
        return user


# ---------------------------------------------------------------- what comes in
class CaseOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    started_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="For a child already known, without a front-door decision waiting: when "
        "the case started (default now). After a front-door decision, its referral's time.",
    )


class CaseCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class AgencyAtMeetingSerializer(serializers.Serializer):
    agency = AgencyField(invited_only=True)
    attendance = serializers.ChoiceField(choices=Attendance.choices)
    attendees = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="Who came"
    )
    information = serializers.CharField(
        max_length=20_000, required=False, allow_blank=True, default="", help_text="What it shared"
    )


class ActionInSerializer(serializers.Serializer):
    agency = AgencyField(help_text="The owning agency's code")
    description = serializers.CharField(max_length=2000)
    due_on = serializers.DateField()
    owner_user = UserField(required=False, allow_null=True, help_text="A named owner's username")


class MeetingActionInSerializer(ActionInSerializer):
    agency = AgencyField(invited_only=True, help_text="The owning agency's code: one invited")


class MeetingInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_at = serializers.DateTimeField()
    chair = UserField(required=False, help_text="The chair's username (default: you)")
    summary = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    decisions = serializers.ListField(
        child=serializers.CharField(max_length=2000, allow_blank=True),
        required=False,
        default=list,
    )
    agencies = AgencyAtMeetingSerializer(many=True)
    actions = MeetingActionInSerializer(many=True, required=False, default=list)
    start_section_47 = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Strategy discussions only"
    )
    criminal_investigation = serializers.ChoiceField(
        choices=CriminalInvestigation.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Strategy discussions only",
    )


class EnquiryStartSerializer(serializers.Serializer):
    lead_worker = UserField(required=False, help_text="The lead social worker (default: you)")
    started_at = serializers.DateTimeField(required=False, allow_null=True)


class EnquiryCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EnquiryOutcome.choices)
    reason = serializers.CharField(max_length=20_000)
    completed_at = serializers.DateTimeField(required=False, allow_null=True)


class AssessmentStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    lead_worker = UserField(required=False, help_text="The lead social worker (default: you)")
    started_at = serializers.DateTimeField(required=False, allow_null=True)


class AssessmentCompleteSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=50_000)
    completed_at = serializers.DateTimeField(required=False, allow_null=True)


def _conference_serializer(name: str, outcomes: tuple[str, ...]):
    return type(
        name,
        (serializers.Serializer,),
        {
            "held_at": serializers.DateTimeField(),
            "chair": serializers.CharField(max_length=200, help_text="The independent chair"),
            "outcome": serializers.ChoiceField(
                choices=[(o, ConferenceOutcome(o).label) for o in outcomes]
            ),
            "category": serializers.ChoiceField(
                choices=Category.choices,
                required=False,
                allow_blank=True,
                default="",
                help_text="Only when the child needs (or keeps) a plan",
            ),
            "reasons": serializers.CharField(max_length=20_000),
            "dissent": serializers.CharField(
                max_length=20_000, required=False, allow_blank=True, default=""
            ),
        },
    )


InitialConferenceSerializer = _conference_serializer(
    "InitialConferenceSerializer", (ConferenceOutcome.PLAN, ConferenceOutcome.NO_PLAN)
)
ReviewConferenceSerializer = _conference_serializer(
    "ReviewConferenceSerializer", (ConferenceOutcome.CONTINUE, ConferenceOutcome.END)
)


class CoreGroupInSerializer(serializers.Serializer):
    agency = AgencyField(required=False, help_text="The member's agency (default: the user's)")
    user = UserField(required=False, allow_null=True, help_text="A Lantern user's username")
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Without a user"
    )
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PlanStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    lead_worker = UserField(required=False, help_text="The lead social worker (default: you)")
    core_group = CoreGroupInSerializer(many=True, required=False, default=list)


class CoreGroupMeetingSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    notes = serializers.CharField(max_length=50_000)


class ScheduleSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The day of the next review")


class PlanCloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[c for c in ClosureReason.choices if c[0] != ClosureReason.REVIEW_ENDED]
    )
    note = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- what goes out
def _one_of(choices) -> str:
    # Not a ChoiceField: the request's field documents the choice set once.
    return "One of: " + ", ".join(choices.values)


def _username(user) -> str | None:
    return user.username if user is not None else None


class CaseOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField(help_text="The child's reference")
    lead_agency = serializers.CharField()
    reason = serializers.CharField()
    from_referral = serializers.BooleanField(help_text="Opened by a front-door decision")
    started_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_reason = serializers.CharField(allow_blank=True)


class MeetingAgencyOutSerializer(serializers.Serializer):
    agency = serializers.CharField()
    attendance = serializers.CharField()
    attendees = serializers.CharField(allow_blank=True)
    information = serializers.CharField(allow_blank=True)


class MeetingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_one_of(MeetingKind))
    person = serializers.CharField()
    case = serializers.IntegerField(allow_null=True)
    held_at = serializers.DateTimeField()
    chair = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    start_section_47 = serializers.BooleanField(allow_null=True)
    criminal_investigation = serializers.CharField(allow_blank=True)
    decisions = serializers.ListField(child=serializers.CharField())
    agencies = MeetingAgencyOutSerializer(many=True)
    actions = ActionSerializer(many=True)
    enquiry = serializers.IntegerField(allow_null=True)


class EnquiryOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField()
    case = serializers.IntegerField()
    strategy_discussion = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    lead_worker = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    outcome_reason = serializers.CharField(allow_blank=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    conference = serializers.IntegerField(allow_null=True)
    deadlines = DeadlineSerializer(many=True)


class AssessmentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField()
    case = serializers.IntegerField()
    kind = serializers.CharField(help_text=_one_of(AssessmentKind))
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    lead_worker = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    findings = serializers.CharField(allow_blank=True)


class ConferenceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_one_of(ConferenceKind))
    person = serializers.CharField()
    case = serializers.IntegerField()
    enquiry = serializers.IntegerField(allow_null=True)
    plan = serializers.IntegerField(
        allow_null=True, help_text="The plan it made (initial) or reviewed (review)"
    )
    held_at = serializers.DateTimeField()
    chair = serializers.CharField()
    outcome = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField()
    dissent = serializers.CharField(allow_blank=True)
    deadlines = DeadlineSerializer(many=True, help_text="The enquiry's (initial conferences)")


class CoreGroupMemberOutSerializer(serializers.Serializer):
    agency = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    role = serializers.CharField(allow_blank=True)


class CoreGroupMeetingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    notes = serializers.CharField()


class ReviewOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    category = serializers.CharField(allow_blank=True)


class PlanOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_one_of(PlanKind))
    person = serializers.CharField()
    case = serializers.IntegerField()
    conference = serializers.IntegerField(allow_null=True)
    enquiry = serializers.IntegerField(allow_null=True)
    category = serializers.CharField(allow_blank=True)
    lead_worker = serializers.CharField()
    started_at = serializers.DateTimeField()
    next_review_on = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_reason = serializers.CharField(allow_blank=True)
    closure_note = serializers.CharField(allow_blank=True)
    core_group = CoreGroupMemberOutSerializer(many=True)
    core_group_meetings = CoreGroupMeetingOutSerializer(many=True)
    reviews = ReviewOutSerializer(many=True)
    actions = ActionSerializer(many=True)
    deadlines = DeadlineSerializer(many=True)


def _case(case: Case) -> dict:
    return {
        "id": case.pk,
        "person": case.person.reference,
        "lead_agency": case.lead_agency.code,
        "reason": case.reason,
        "from_referral": case.referral_id is not None,
        "started_at": case.started_at,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "closure_reason": case.closure_reason,
    }


# Each record's answer: what it shows, and the records shown beside it (for the audit).
def _meeting(meeting: Meeting) -> tuple[dict, list]:
    rows = list(meeting.agencies.select_related("agency"))
    actions = list(meeting.actions.select_related("person", "owner_agency", "owner_user"))
    enquiry = Enquiry.objects.filter(strategy_discussion=meeting).first()
    data = {
        "id": meeting.pk,
        "kind": meeting.kind,
        "person": meeting.person.reference,
        "case": meeting.case_id,
        "held_at": meeting.held_at,
        "chair": meeting.chair.username,
        "summary": meeting.summary,
        "start_section_47": meeting.start_section_47,
        "criminal_investigation": meeting.criminal_investigation,
        "decisions": [d.text for d in meeting.decisions.all()],
        "agencies": [
            {
                "agency": r.agency.code,
                "attendance": r.attendance,
                "attendees": r.attendees,
                "information": r.information,
            }
            for r in rows
        ],
        "actions": [_action(a) for a in actions],
        "enquiry": enquiry.pk if enquiry else None,
    }
    return data, [*rows, *actions, *([enquiry] if enquiry else [])]


def _enquiry(enquiry: Enquiry) -> tuple[dict, list]:
    deadlines = selectors.deadlines_of(enquiry)
    conference = Conference.objects.filter(enquiry=enquiry).first()
    data = {
        "id": enquiry.pk,
        "person": enquiry.person.reference,
        "case": enquiry.case_id,
        "strategy_discussion": enquiry.strategy_discussion_id,
        "started_at": enquiry.started_at,
        "lead_worker": enquiry.lead_worker.username,
        "outcome": enquiry.outcome,
        "outcome_reason": enquiry.outcome_reason,
        "completed_at": enquiry.completed_at,
        "conference": conference.pk if conference else None,
        "deadlines": [deadline_data(d) for d in deadlines],
    }
    return data, [enquiry.strategy_discussion, *deadlines]


def _assessment(assessment: Assessment) -> tuple[dict, list]:
    data = {
        "id": assessment.pk,
        "person": assessment.person.reference,
        "case": assessment.case_id,
        "kind": assessment.kind,
        "started_at": assessment.started_at,
        "due_at": assessment.due_at,
        "lead_worker": assessment.lead_worker.username,
        "completed_at": assessment.completed_at,
        "findings": assessment.findings,
    }
    return data, []


def _conference(conference: Conference) -> tuple[dict, list]:
    if conference.kind == ConferenceKind.INITIAL:
        plan = Plan.objects.filter(conference=conference).first()
    else:
        plan = conference.plan
    deadlines = selectors.deadlines_of(conference.enquiry) if conference.enquiry_id else []
    data = {
        "id": conference.pk,
        "kind": conference.kind,
        "person": conference.person.reference,
        "case": conference.case_id,
        "enquiry": conference.enquiry_id,
        "plan": plan.pk if plan else None,
        "held_at": conference.held_at,
        "chair": conference.chair,
        "outcome": conference.outcome,
        "category": conference.category,
        "reasons": conference.reasons,
        "dissent": conference.dissent,
        "deadlines": [deadline_data(d) for d in deadlines],
    }
    return data, [*([plan] if plan else []), *deadlines]


def _plan(plan: Plan) -> tuple[dict, list]:
    actions = list(plan.actions.select_related("person", "owner_agency", "owner_user"))
    members = list(plan.core_group.select_related("agency", "user"))
    reviews = list(plan.reviews.order_by("held_at"))
    meetings = list(plan.core_group_meetings.all())
    deadlines = selectors.deadlines_of(plan)
    data = {
        "id": plan.pk,
        "kind": plan.kind,
        "person": plan.person.reference,
        "case": plan.case_id,
        "conference": plan.conference_id,
        "enquiry": plan.enquiry_id,
        "category": plan.category,
        "lead_worker": plan.lead_worker.username,
        "started_at": plan.started_at,
        "next_review_on": plan.next_review_on,
        "closed_at": plan.closed_at,
        "closure_reason": plan.closure_reason,
        "closure_note": plan.closure_note,
        "core_group": [
            {"agency": m.agency.code, "user": _username(m.user), "name": m.who, "role": m.role}
            for m in members
        ],
        "core_group_meetings": [
            {"id": m.pk, "held_at": m.held_at, "notes": m.notes} for m in meetings
        ],
        "reviews": [
            {"id": r.pk, "held_at": r.held_at, "outcome": r.outcome, "category": r.category}
            for r in reviews
        ],
        "actions": [_action(a) for a in actions],
        "deadlines": [deadline_data(d) for d in deadlines],
    }
    return data, [*actions, *members, *reviews, *meetings, *deadlines]


SHOW = {
    Meeting: (_meeting, MeetingOutSerializer, "meeting"),
    Enquiry: (_enquiry, EnquiryOutSerializer, "enquiry"),
    Assessment: (_assessment, AssessmentOutSerializer, "assessment"),
    Conference: (_conference, ConferenceOutSerializer, "conference"),
    Plan: (_plan, PlanOutSerializer, "plan"),
}


# ---------------------------------------------------------------- the steps every call takes
def _given(serializer_class, request, **context) -> dict:
    given = serializer_class(data=request.data, context=context)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _shown(request, record, *, status: int = 200) -> Response:
    """A casework record as its page shows it, the look recorded as the page records it."""
    build, serializer, name = SHOW[type(record)]
    data, beside = build(record)
    selectors.record_view(
        user=request.user, record=record, operation=f"api.{name}.view", shown=beside
    )
    # Her address out of the notes, when her safe-contact settings hide it from the caller.
    mask = address_mask(user=request.user, person_ids=[record.person_id])
    return Response(mask.scrub(serializer(data).data), status=status)


@contextmanager
def _step(rename: dict[str, str] | None = None):
    """One write and the read of its answer, in one transaction: a refusal saves nothing.
    A child or record the service finds hidden is a 404; a refusal keyed by a field the
    body does not have (the one action of `actions.0`) is renamed to one it does."""
    try:
        with transaction.atomic():
            yield
    except ObjectDoesNotExist:
        raise Http404 from None
    except DjangoValidationError as exc:
        if not rename or not hasattr(exc, "error_dict"):
            raise
        errors: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            errors.setdefault(rename.get(field, field), []).extend(messages)
        raise DjangoValidationError(errors) from exc


ONE_ACTION = {"actions.0": "non_field_errors"}


def _needs_open_case(person: Person) -> Case:
    case = lookups.open_case(person)
    if case is None:
        refuse("case", f"{person.reference} has no open case")
    return case


def _action_in(data: dict) -> services.ActionIn:
    return services.ActionIn(
        data["agency"], data["description"], data["due_on"], data.get("owner_user")
    )


# ---------------------------------------------------------------- cases
class CaseOpen(APIView):
    """Open a child's case. After a front-door decision waiting for casework (an
    assessment or a strategy discussion) the case starts from that referral; for a child
    already known, from `started_at` (default now)."""

    @extend_schema(
        operation_id="casework_case_open",
        request=CaseOpenSerializer,
        responses={201: CaseOutSerializer},
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        data = _given(CaseOpenSerializer, request)
        with _step():
            awaiting = (
                selectors.referral_awaiting_case(person)
                if lookups.open_case(person) is None
                else None
            )
            case = services.case_open(
                actor=request.user,
                person=person,
                reason=data["reason"],
                referral=awaiting,
                started_at=data.get("started_at"),
            )
        return Response(CaseOutSerializer(_case(case)).data, status=201)


class CaseClose(APIView):
    """Close the child's open case, once nothing in it is still running."""

    @extend_schema(
        operation_id="casework_case_close",
        request=CaseCloseSerializer,
        responses=CaseOutSerializer,
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        data = _given(CaseCloseSerializer, request)
        with _step():
            case = services.case_close(
                actor=request.user, case=_needs_open_case(person), reason=data["reason"]
            )
        return Response(CaseOutSerializer(_case(case)).data)


# ---------------------------------------------------------------- meetings
class MeetingCreate(APIView):
    """Record a meeting that was held: a strategy discussion (children's social care, the
    police and health must take part; say whether a section 47 enquiry starts and whether
    there will be a criminal investigation), a MACE or a MARAC (at least one decision).
    Invited agencies are the standing partners and any agency holding a record of the
    child; actions go to an invited agency."""

    @extend_schema(
        operation_id="casework_meeting_create",
        request=MeetingInSerializer,
        responses={201: MeetingOutSerializer},
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        invitable = {a.pk for a in forms.meeting_agencies(person)}
        data = _given(MeetingInSerializer, request, invitable=invitable)
        kind = data["kind"]
        with _step():
            meeting = services.meeting_record(
                actor=request.user,
                kind=kind,
                person=person,
                **selectors.meeting_parent(person, kind),
                held_at=data["held_at"],
                chair=data.get("chair") or request.user,
                summary=data.get("summary", ""),
                decisions=data["decisions"],
                agencies=[
                    services.AgencyAtMeeting(
                        row["agency"], row["attendance"], row["attendees"], row["information"]
                    )
                    for row in data["agencies"]
                ],
                actions=[_action_in(row) for row in data["actions"]],
                start_section_47=data["start_section_47"],
                criminal_investigation=data["criminal_investigation"],
            )
            return _shown(request, meeting, status=201)


class MeetingDetail(APIView):
    """One meeting: who was invited and came, what each agency shared, the decisions,
    the actions and the enquiry it started."""

    @extend_schema(
        operation_id="casework_meeting_retrieve", responses=MeetingOutSerializer, parameters=PK
    )
    def get(self, request, pk: int):
        return _shown(request, lookups.record_or_404(request, Meeting, pk, action="api"))


class MeetingActionAdd(APIView):
    """An action agreed at the meeting, added after it was recorded: owned by an agency
    that was invited, due no earlier than today."""

    @extend_schema(
        operation_id="casework_meeting_action_add",
        request=ActionInSerializer,
        responses={201: MeetingOutSerializer},
        parameters=PK,
    )
    def post(self, request, pk: int):
        meeting = lookups.record_or_404(request, Meeting, pk, action="api")
        data = _given(ActionInSerializer, request)
        with _step(ONE_ACTION):
            services.meeting_action_add(
                actor=request.user, meeting=meeting, action=_action_in(data)
            )
            return _shown(request, meeting, status=201)


class EnquiryStart(APIView):
    """Start the section 47 enquiry the strategy discussion decided on; the initial
    conference's 15-working-day clock, from the discussion, runs with it."""

    @extend_schema(
        operation_id="casework_enquiry_start",
        request=EnquiryStartSerializer,
        responses={201: EnquiryOutSerializer},
        parameters=PK,
    )
    def post(self, request, pk: int):
        meeting = lookups.record_or_404(request, Meeting, pk, action="api")
        data = _given(EnquiryStartSerializer, request)
        with _step():
            enquiry = services.enquiry_start(
                actor=request.user,
                meeting=meeting,
                lead_worker=data.get("lead_worker") or request.user,
                started_at=data.get("started_at"),
            )
            return _shown(request, enquiry, status=201)


# ---------------------------------------------------------------- enquiries and assessments
class EnquiryDetail(APIView):
    """One section 47 enquiry, with the initial conference's deadline."""

    @extend_schema(
        operation_id="casework_enquiry_retrieve", responses=EnquiryOutSerializer, parameters=PK
    )
    def get(self, request, pk: int):
        return _shown(request, lookups.record_or_404(request, Enquiry, pk, action="api"))


class EnquiryComplete(APIView):
    """The enquiry's outcome. Unless it is an initial conference, the conference's clock
    stops."""

    @extend_schema(
        operation_id="casework_enquiry_complete",
        request=EnquiryCompleteSerializer,
        responses=EnquiryOutSerializer,
        parameters=PK,
    )
    def post(self, request, pk: int):
        enquiry = lookups.record_or_404(request, Enquiry, pk, action="api")
        data = _given(EnquiryCompleteSerializer, request)
        with _step():
            enquiry = services.enquiry_complete(actor=request.user, enquiry=enquiry, **data)
            return _shown(request, enquiry)


class AssessmentCreate(APIView):
    """Start a child and family assessment on the child's open case, due 45 working days
    from the referral (or from when the case started, without one)."""

    @extend_schema(
        operation_id="casework_assessment_start",
        request=AssessmentStartSerializer,
        responses={201: AssessmentOutSerializer},
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        data = _given(AssessmentStartSerializer, request)
        with _step():
            assessment = services.assessment_start(
                actor=request.user,
                case=_needs_open_case(person),
                kind=data["kind"],
                lead_worker=data.get("lead_worker") or request.user,
                started_at=data.get("started_at"),
            )
            return _shown(request, assessment, status=201)


class AssessmentDetail(APIView):
    """One assessment."""

    @extend_schema(
        operation_id="casework_assessment_retrieve",
        responses=AssessmentOutSerializer,
        parameters=PK,
    )
    def get(self, request, pk: int):
        return _shown(request, lookups.record_or_404(request, Assessment, pk, action="api"))


class AssessmentComplete(APIView):
    """Finish the assessment with what it found; its 45-day clock is met."""

    @extend_schema(
        operation_id="casework_assessment_complete",
        request=AssessmentCompleteSerializer,
        responses=AssessmentOutSerializer,
        parameters=PK,
    )
    def post(self, request, pk: int):
        assessment = lookups.record_or_404(request, Assessment, pk, action="api")
        data = _given(AssessmentCompleteSerializer, request)
        with _step():
            assessment = services.assessment_complete(
                actor=request.user, assessment=assessment, **data
            )
            return _shown(request, assessment)


# ---------------------------------------------------------------- conferences and plans
class ConferenceCreate(APIView):
    """Record the initial child protection conference on the child's open case: only after
    a section 47 enquiry that decided on one. It meets the 15-working-day deadline."""

    @extend_schema(
        operation_id="casework_initial_conference_hold",
        request=InitialConferenceSerializer,
        responses={201: ConferenceOutSerializer},
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        data = _given(InitialConferenceSerializer, request)
        with _step():
            conference = services.conference_initial_hold(
                actor=request.user, case=_needs_open_case(person), **data
            )
            return _shown(request, conference, status=201)


class ConferenceDetail(APIView):
    """One conference (initial or review), with the plan it made or reviewed."""

    @extend_schema(
        operation_id="casework_conference_retrieve",
        responses=ConferenceOutSerializer,
        parameters=PK,
    )
    def get(self, request, pk: int):
        return _shown(request, lookups.record_or_404(request, Conference, pk, action="api"))


class PlanCreate(APIView):
    """Start a plan on the child's open case: a child protection plan (from the conference
    that decided on one: the first core group and first review deadlines start from it) or
    a child in need plan. The lead social worker is in the core group."""

    @extend_schema(
        operation_id="casework_plan_start",
        request=PlanStartSerializer,
        responses={201: PlanOutSerializer},
        parameters=REFERENCE,
    )
    def post(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        data = _given(PlanStartSerializer, request)
        members = [
            services.CoreGroupIn(
                row.get("agency") or (row["user"].agency if row.get("user") else None),
                user=row.get("user"),
                name=row["name"],
                role=row["role"],
            )
            for row in data["core_group"]
        ]
        with _step():
            plan = services.plan_start(
                actor=request.user,
                case=_needs_open_case(person),
                kind=data["kind"],
                lead_worker=data.get("lead_worker") or request.user,
                core_group=members,
            )
            return _shown(request, plan, status=201)


class PlanDetail(APIView):
    """One plan: its core group and their meetings, reviews, actions and deadlines."""

    @extend_schema(
        operation_id="casework_plan_retrieve", responses=PlanOutSerializer, parameters=PK
    )
    def get(self, request, pk: int):
        return _shown(request, lookups.record_or_404(request, Plan, pk, action="api"))


class PlanActionAdd(APIView):
    """An action in the plan, owned by a named agency (and perhaps a named person in it)."""

    @extend_schema(
        operation_id="casework_plan_action_add",
        request=ActionInSerializer,
        responses={201: PlanOutSerializer},
        parameters=PK,
    )
    def post(self, request, pk: int):
        plan = lookups.record_or_404(request, Plan, pk, action="api")
        data = _given(ActionInSerializer, request)
        with _step(ONE_ACTION):
            services.plan_action_add(actor=request.user, plan=plan, action=_action_in(data))
            plan.refresh_from_db()
            return _shown(request, plan, status=201)


class PlanCoreGroupMeeting(APIView):
    """A core group meeting; the first meets the 10-working-day deadline."""

    @extend_schema(
        operation_id="casework_core_group_meeting_record",
        request=CoreGroupMeetingSerializer,
        responses={201: PlanOutSerializer},
        parameters=PK,
    )
    def post(self, request, pk: int):
        plan = lookups.record_or_404(request, Plan, pk, action="api")
        data = _given(CoreGroupMeetingSerializer, request)
        with _step():
            services.core_group_meeting_record(actor=request.user, plan=plan, **data)
            plan.refresh_from_db()
            return _shown(request, plan, status=201)


class PlanReview(APIView):
    """A review conference of a child protection plan. If the plan continues, the next
    review is due within 6 months; if not, the plan ends."""

    @extend_schema(
        operation_id="casework_review_conference_hold",
        request=ReviewConferenceSerializer,
        responses={201: ConferenceOutSerializer},
        parameters=PK,
    )
    def post(self, request, pk: int):
        plan = lookups.record_or_404(request, Plan, pk, action="api")
        data = _given(ReviewConferenceSerializer, request)
        with _step():
            review = services.review_conference_hold(actor=request.user, plan=plan, **data)
            return _shown(request, review, status=201)


class PlanSchedule(APIView):
    """Book the next review for a day no later than the statutory limit."""

    @extend_schema(
        operation_id="casework_review_schedule",
        request=ScheduleSerializer,
        responses=PlanOutSerializer,
        parameters=PK,
    )
    def post(self, request, pk: int):
        plan = lookups.record_or_404(request, Plan, pk, action="api")
        data = _given(ScheduleSerializer, request)
        with _step():
            plan = services.review_schedule(actor=request.user, plan=plan, on=data["on"])
            return _shown(request, plan)


class PlanClose(APIView):
    """Close a plan with its reason. A child protection plan ends by a review conference's
    decision, unless the child moved away or turned 18."""

    @extend_schema(
        operation_id="casework_plan_close",
        request=PlanCloseSerializer,
        responses=PlanOutSerializer,
        parameters=PK,
    )
    def post(self, request, pk: int):
        plan = lookups.record_or_404(request, Plan, pk, action="api")
        data = _given(PlanCloseSerializer, request)
        with _step():
            plan = services.plan_close(actor=request.user, plan=plan, **data)
            return _shown(request, plan)
