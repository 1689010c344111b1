"""Casework pages. Thin: find the record through a selector (a child the reader may not
see answers 404), call a service, render; every page that names a child records the
look."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.core.validation import refuse
from lantern.partners.models import Agency
from lantern.people.safety import address_mask, safe_contact_for

from . import access, forms, lookups, responsibilities, selectors, services
from .models import (
    Action,
    Assessment,
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceOutcome,
    Enquiry,
    Meeting,
    MeetingKind,
    Plan,
    PlanKind,
)

FORM = "casework/form.html"


def _safety(request, person, *, banner: bool = False) -> dict:
    """What every page about the child needs for her safety: the mask that keeps her
    address out of the notes when her safe-contact settings hide it from the reader, and
    (on the pages from which a worker contacts her) those settings, for the banner."""
    found = {"mask": address_mask(user=request.user, person_ids=[person.pk])}
    if banner:
        found["safe_contact"] = safe_contact_for(user=request.user, person=person)
    return found


def _errors_to_form(form, exc: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form. A refused action
    row ("actions.1") is shown beside that row's description, saying which row."""
    for field, errors in exc.message_dict.items():
        if field == "agencies" and getattr(form, "agency_list", None):
            field = _agency_in_question(form)
        row = field.removeprefix("actions.")
        if row.isdigit() and f"action_{row}_text" in form.fields:
            for error in errors:
                form.add_error(f"action_{row}_text", f"Action {int(row) + 1}: {error}")
            continue
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _agency_in_question(form) -> str:
    """Where a refusal about the invited agencies belongs: beside the first agency the
    meeting cannot do without that is not marked as attending (else the first agency)."""
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    for agency in form.agency_list:
        field = f"att_{agency.code}"
        if agency.kind in form.required_kinds and data.get(field) != Attendance.ATTENDED:
            return field
    return f"att_{form.agency_list[0].code}"


def _user(pk: str | None):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


def _form_page(request, form, *, person, title: str, step: str | None, operation: str, **extra):
    """The one page every simple step's form uses, with the step's responsibilities (none
    for opening or closing a case, which is the council's alone)."""
    selectors.child_view(user=request.user, person=person, operation=operation)
    return render(
        request,
        FORM,
        {
            "form": form,
            "person": person,
            "title": title,
            "step": responsibilities.step(step) if step else None,
            **extra,
        },
        status=400 if form.errors else 200,
    )


def _done(request, message: str, url: str):
    messages.success(request, message)
    return redirect(url)


# ---------------------------------------------------------------- the child's casework
@verified_required
@require_GET
def overview(request, reference: str):
    person = lookups.child_or_404(request, reference)
    view = selectors.casework_for(user=request.user, person=person)
    return render(
        request,
        "casework/overview.html",
        {
            "view": view,
            "person": person,
            "now": clock.now(),
            **_safety(request, person, banner=True),
        },
    )


@verified_required
@require_http_methods(["GET", "POST"])
def case_open(request, reference: str):
    person = lookups.child_or_404(request, reference)
    form = forms.CaseOpenForm(request.POST or None)
    awaiting = (
        selectors.referral_awaiting_case(person) if lookups.open_case(person) is None else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_open(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                referral=awaiting,
                started_at=form.cleaned_data["started_at"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, "Case opened.", reverse("casework:person", args=[reference]))
    return _form_page(
        request,
        form,
        person=person,
        title="Open a case",
        step=None,
        operation="case.open_form",
        button="Open the case",
    )


@verified_required
@require_http_methods(["GET", "POST"])
def case_close(request, reference: str):
    person = lookups.child_or_404(request, reference)
    case = lookups.open_case(person)
    if case is None:
        raise Http404
    form = forms.CaseCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, "Case closed.", reverse("casework:person", args=[reference]))
    return _form_page(
        request,
        form,
        person=person,
        title="Close the case",
        step=None,
        note="Closing the case ends the council's casework only. A survivor's support plan "
        "goes on, with her lead worker, for as long as she needs it.",
        operation="case.close_form",
        button="Close the case",
        warning=True,
    )


# ---------------------------------------------------------------- meetings
def _meeting_input(form, kind: str):
    data = form.cleaned_data
    agencies = []
    for agency in form.agency_list:
        attendance = data.get(f"att_{agency.code}")
        if attendance:
            agencies.append(
                services.AgencyAtMeeting(
                    agency,
                    attendance,
                    data.get(f"who_{agency.code}", ""),
                    data.get(f"info_{agency.code}", ""),
                )
            )
    by_code = {a.code: a for a in form.agency_list}
    actions = [
        services.ActionIn(
            by_code.get(data[f"action_{n}_agency"]),
            data[f"action_{n}_text"],
            data[f"action_{n}_due"],
        )
        for n in range(forms.ACTION_ROWS)
        if data[f"action_{n}_text"].strip() or data[f"action_{n}_agency"]
    ]
    extra = {}
    if kind == MeetingKind.STRATEGY_DISCUSSION:
        answer = data.get("start_section_47")
        extra = {
            "start_section_47": {"yes": True, "no": False}.get(answer),
            "criminal_investigation": data.get("criminal_investigation", ""),
        }
    return {
        "held_at": data["held_at"],
        "chair": _user(data["chair"]),
        "summary": data["summary"],
        "decisions": data["decisions"].splitlines(),
        "agencies": agencies,
        "actions": actions,
        **extra,
    }


def _followed_referral(parent: dict):
    """The referral a new meeting follows, for the form's heading."""
    case = parent.get("case")
    return case.referral if case is not None else parent.get("referral")


@verified_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, reference: str, kind: str):
    if kind not in MeetingKind.values:
        raise Http404
    person = lookups.child_or_404(request, reference)
    form = forms.MeetingForm(
        request.POST or None,
        kind=kind,
        agencies=forms.meeting_agencies(person),
        initial={"chair": str(request.user.pk)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(
                actor=request.user,
                kind=kind,
                person=person,
                **selectors.meeting_parent(person, kind),
                **_meeting_input(form, kind),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                f"{meeting.get_kind_display()} recorded.",
                reverse("casework:meeting", args=[meeting.pk]),
            )
    selectors.child_view(user=request.user, person=person, operation="meeting.form")
    return render(
        request,
        "casework/meeting_form.html",
        {
            "form": form,
            "person": person,
            "kind": MeetingKind(kind),
            "step": responsibilities.step(kind),
            "referral": _followed_referral(selectors.meeting_parent(person, kind)),
            "opens_case": lookups.open_case(person) is None,
        },
        status=400 if form.errors else 200,
    )


@verified_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = lookups.record_or_404(request, Meeting, pk)
    return _meeting_page(request, meeting)


def _meeting_page(request, meeting: Meeting, *, action_form=None, enquiry_form=None):
    rows = list(meeting.agencies.select_related("agency"))
    actions = list(meeting.actions.select_related("owner_agency", "owner_user"))
    enquiry = getattr(meeting, "enquiry", None)
    selectors.record_view(
        user=request.user,
        record=meeting,
        operation="meeting.view",
        shown=[*rows, *actions, *([enquiry] if enquiry else [])],
    )
    may_record = access.may_record(request.user, meeting.person, meeting.kind)
    return render(
        request,
        "casework/meeting_detail.html",
        {
            "meeting": meeting,
            "person": meeting.person,
            "rows": rows,
            "actions": actions,
            "enquiry": enquiry,
            "step": responsibilities.step(meeting.kind),
            "may_record": may_record,
            "action_form": action_form
            or forms.ActionForm(
                agencies=[("", "Choose")] + [(r.agency.code, r.agency.name) for r in rows]
            ),
            "enquiry_form": enquiry_form
            or forms.EnquiryStartForm(initial={"lead_worker": str(request.user.pk)}),
            "may_start_enquiry": (
                meeting.start_section_47
                and enquiry is None
                and access.may_record(request.user, meeting.person, "section_47_enquiry")
            ),
            "today": clock.today(),
            **_safety(request, meeting.person),
        },
        status=400
        if (action_form and action_form.errors) or (enquiry_form and enquiry_form.errors)
        else 200,
    )


def _action_in(form) -> services.ActionIn:
    data = form.cleaned_data
    return services.ActionIn(
        Agency.objects.filter(code=data["agency"]).first(),
        data["description"],
        data["due_on"],
        _user(data.get("owner_user")),
    )


@verified_required
@require_POST
def meeting_action_add(request, pk: int):
    meeting = lookups.record_or_404(request, Meeting, pk)
    rows = [("", "Choose")] + [
        (r.agency.code, r.agency.name) for r in meeting.agencies.select_related("agency")
    ]
    form = forms.ActionForm(request.POST, agencies=rows)
    if form.is_valid():
        try:
            services.meeting_action_add(
                actor=request.user, meeting=meeting, action=_action_in(form)
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, "Action added.", reverse("casework:meeting", args=[pk]))
    return _meeting_page(request, meeting, action_form=form)


@verified_required
@require_POST
def enquiry_start(request, pk: int):
    meeting = lookups.record_or_404(request, Meeting, pk)
    form = forms.EnquiryStartForm(request.POST)
    if form.is_valid():
        try:
            enquiry = services.enquiry_start(
                actor=request.user,
                meeting=meeting,
                lead_worker=_user(form.cleaned_data["lead_worker"]),
                started_at=form.cleaned_data["started_at"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                "Section 47 enquiry started. The initial conference's deadline is running.",
                reverse("casework:enquiry", args=[enquiry.pk]),
            )
    return _meeting_page(request, meeting, enquiry_form=form)


# ---------------------------------------------------------------- enquiries and assessments
@verified_required
@require_http_methods(["GET", "POST"])
def enquiry_detail(request, pk: int):
    enquiry = lookups.record_or_404(request, Enquiry, pk)
    form = forms.EnquiryCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enquiry_complete(actor=request.user, enquiry=enquiry, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request, "Enquiry outcome recorded.", reverse("casework:enquiry", args=[pk])
            )
    deadlines = selectors.deadlines_of(enquiry)
    selectors.record_view(
        user=request.user,
        record=enquiry,
        operation="enquiry.view",
        shown=[enquiry.strategy_discussion, *deadlines],
    )
    return render(
        request,
        "casework/enquiry.html",
        {
            "enquiry": enquiry,
            "person": enquiry.person,
            "deadlines": deadlines,
            "form": form,
            "step": responsibilities.step("section_47_enquiry"),
            "may_record": access.may_record(request.user, enquiry.person, "section_47_enquiry"),
            **_safety(request, enquiry.person),
        },
        status=400 if form.errors else 200,
    )


@verified_required
@require_http_methods(["GET", "POST"])
def assessment_new(request, reference: str):
    person = lookups.child_or_404(request, reference)
    case = lookups.open_case(person)
    form = forms.AssessmentStartForm(
        request.POST or None, initial={"lead_worker": str(request.user.pk)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if case is None:
                refuse("kind", "Open a case for this child first")
            assessment = services.assessment_start(
                actor=request.user,
                case=case,
                kind=form.cleaned_data["kind"],
                lead_worker=_user(form.cleaned_data["lead_worker"]),
                started_at=form.cleaned_data["started_at"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request, "Assessment started.", reverse("casework:assessment", args=[assessment.pk])
            )
    return _form_page(
        request,
        form,
        person=person,
        title="Start an assessment",
        step="assessment",
        operation="assessment.form",
        button="Start the assessment",
    )


@verified_required
@require_http_methods(["GET", "POST"])
def assessment_detail(request, pk: int):
    assessment = lookups.record_or_404(request, Assessment, pk)
    form = forms.AssessmentCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_complete(
                actor=request.user, assessment=assessment, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, "Assessment finished.", reverse("casework:assessment", args=[pk]))
    selectors.record_view(user=request.user, record=assessment, operation="assessment.view")
    return render(
        request,
        "casework/assessment.html",
        {
            "assessment": assessment,
            "person": assessment.person,
            "form": form,
            "now": clock.now(),
            "step": responsibilities.step("assessment"),
            "may_record": access.may_record(request.user, assessment.person, "assessment"),
            **_safety(request, assessment.person),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- conferences and plans
@verified_required
@require_http_methods(["GET", "POST"])
def conference_new(request, reference: str):
    person = lookups.child_or_404(request, reference)
    case = lookups.open_case(person)
    outcomes = [(o, ConferenceOutcome(o).label) for o in ("plan", "no_plan")]
    form = forms.ConferenceForm(request.POST or None, outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        try:
            if case is None:
                refuse("held_at", "This child has no open case")
            conference = services.conference_initial_hold(
                actor=request.user, case=case, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                f"Conference recorded: {conference.get_outcome_display().lower()}.",
                reverse("casework:conference", args=[conference.pk]),
            )
    return _form_page(
        request,
        form,
        person=person,
        title="Record the initial child protection conference",
        step="initial_conference",
        operation="conference.form",
        button="Record the conference",
    )


@verified_required
@require_GET
def conference_detail(request, pk: int):
    conference = lookups.record_or_404(request, Conference, pk)
    plan = (
        getattr(conference, "plan_made", None)
        if conference.kind == ConferenceKind.INITIAL
        else conference.plan
    )
    deadlines = selectors.deadlines_of(conference.enquiry) if conference.enquiry_id else []
    selectors.record_view(
        user=request.user,
        record=conference,
        operation="conference.view",
        shown=[*([plan] if plan else []), *deadlines],
    )
    return render(
        request,
        "casework/conference.html",
        {
            "conference": conference,
            "person": conference.person,
            "plan": plan,
            "deadlines": deadlines,
            "step": responsibilities.step(
                "initial_conference"
                if conference.kind == ConferenceKind.INITIAL
                else "review_conference"
            ),
            "may_start_plan": (
                conference.kind == ConferenceKind.INITIAL
                and plan is None
                and access.may_record(request.user, conference.person, "plan_actions")
            ),
            **_safety(request, conference.person),
        },
    )


def _core_group(form) -> list[services.CoreGroupIn]:
    members = []
    for pk in form.cleaned_data["core_group"]:
        user = _user(pk)
        if user is not None and user.agency is not None:
            members.append(
                services.CoreGroupIn(
                    user.agency, user=user, role=user.role.name if user.role else ""
                )
            )
    for line in form.cleaned_data["others"].splitlines():
        if not line.strip():
            continue
        name, _, rest = (p.strip() for p in line.partition(","))
        code, _, role = (p.strip() for p in rest.partition(","))
        members.append(
            services.CoreGroupIn(Agency.objects.filter(code=code).first(), name=name, role=role)
        )
    return members


@verified_required
@require_http_methods(["GET", "POST"])
def plan_new(request, reference: str):
    person = lookups.child_or_404(request, reference)
    case = lookups.open_case(person)
    form = forms.PlanStartForm(
        request.POST or None,
        initial={"lead_worker": str(request.user.pk), "kind": PlanKind.CHILD_PROTECTION},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if case is None:
                refuse("kind", "This child has no open case")
            plan = services.plan_start(
                actor=request.user,
                case=case,
                kind=form.cleaned_data["kind"],
                lead_worker=_user(form.cleaned_data["lead_worker"]),
                core_group=_core_group(form),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                f"{plan.get_kind_display()} started.",
                reverse("casework:plan", args=[plan.pk]),
            )
    return _form_page(
        request,
        form,
        person=person,
        title="Start a plan",
        step="plan_actions",
        operation="plan.form",
        button="Start the plan",
    )


def _plan_page(request, plan: Plan, status: int = 200, **forms_given):
    actions = list(plan.actions.select_related("owner_agency", "owner_user"))
    members = list(plan.core_group.select_related("agency", "user"))
    reviews = list(plan.reviews.order_by("held_at"))
    meetings = list(plan.core_group_meetings.all())
    deadlines = selectors.deadlines_of(plan)
    selectors.record_view(
        user=request.user,
        record=plan,
        operation="plan.view",
        shown=[*actions, *members, *reviews, *meetings, *deadlines],
    )
    may = access.may_record
    review_outcomes = [(o, ConferenceOutcome(o).label) for o in ("continue", "end")]
    context = {
        "plan": plan,
        "person": plan.person,
        "actions": actions,
        "members": members,
        "reviews": reviews,
        "core_meetings": meetings,
        "deadlines": deadlines,
        "review_due": next(
            (
                d
                for d in deadlines
                if d.is_open and d.rule in ("first_review_conference", "review_conference")
            ),
            None,
        ),
        "today": clock.today(),
        "step": responsibilities.step(
            "review_conference" if plan.kind == PlanKind.CHILD_PROTECTION else "plan_actions"
        ),
        "may_add": plan.is_open and may(request.user, plan.person, "plan_actions"),
        "may_core": plan.is_open and may(request.user, plan.person, "core_group"),
        "may_review": plan.is_open
        and plan.kind == PlanKind.CHILD_PROTECTION
        and may(request.user, plan.person, "review_conference"),
        "action_form": forms_given.get("action_form") or forms.ActionForm(),
        "core_form": forms_given.get("core_form") or forms.CoreGroupMeetingForm(),
        "schedule_form": forms_given.get("schedule_form") or forms.ScheduleForm(),
        "review_form": forms_given.get("review_form")
        or forms.ConferenceForm(outcomes=review_outcomes, initial={"category": plan.category}),
        "close_form": forms_given.get("close_form") or forms.PlanCloseForm(),
        **_safety(request, plan.person),
    }
    return render(request, "casework/plan.html", context, status=status)


@verified_required
@require_GET
def plan_detail(request, pk: int):
    return _plan_page(request, lookups.record_or_404(request, Plan, pk))


def _plan_step(
    request, pk: int, form_class, name: str, act, done: str | Callable[[Any], str], **form_kwargs
):
    plan = lookups.record_or_404(request, Plan, pk)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            result = act(plan, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            message = done(result) if callable(done) else done
            return _done(request, message, reverse("casework:plan", args=[pk]))
    return _plan_page(request, plan, status=400, **{name: form})


@verified_required
@require_POST
def plan_action_add(request, pk: int):
    return _plan_step(
        request,
        pk,
        forms.ActionForm,
        "action_form",
        lambda plan, data: services.plan_action_add(
            actor=request.user,
            plan=plan,
            action=services.ActionIn(
                Agency.objects.filter(code=data["agency"]).first(),
                data["description"],
                data["due_on"],
                _user(data.get("owner_user")),
            ),
        ),
        "Action added to the plan.",
    )


@verified_required
@require_POST
def plan_core_group(request, pk: int):
    return _plan_step(
        request,
        pk,
        forms.CoreGroupMeetingForm,
        "core_form",
        lambda plan, data: services.core_group_meeting_record(
            actor=request.user, plan=plan, **data
        ),
        "Core group meeting recorded.",
    )


@verified_required
@require_POST
def plan_review(request, pk: int):
    return _plan_step(
        request,
        pk,
        forms.ConferenceForm,
        "review_form",
        lambda plan, data: services.review_conference_hold(actor=request.user, plan=plan, **data),
        "Review conference recorded.",
        outcomes=[(o, ConferenceOutcome(o).label) for o in ("continue", "end")],
    )


@verified_required
@require_POST
def plan_schedule(request, pk: int):
    return _plan_step(
        request,
        pk,
        forms.ScheduleForm,
        "schedule_form",
        lambda plan, data: services.review_schedule(actor=request.user, plan=plan, on=data["on"]),
        lambda plan: f"Review booked for {plan.next_review_on:%A %-d %B %Y}.",
    )


@verified_required
@require_POST
def plan_close(request, pk: int):
    return _plan_step(
        request,
        pk,
        forms.PlanCloseForm,
        "close_form",
        lambda plan, data: services.plan_close(actor=request.user, plan=plan, **data),
        "Plan closed.",
    )


# ---------------------------------------------------------------- actions
@verified_required
@require_GET
def action_list(request):
    if not policy.sees_case_data(request.user) or request.user.agency is None:
        raise Http404
    actions = selectors.agency_actions(user=request.user)
    mask = address_mask(user=request.user, person_ids={a.person_id for a in actions})
    return render(
        request,
        "casework/actions.html",
        {"actions": actions, "today": clock.today(), "mask": mask},
    )


@verified_required
@require_http_methods(["GET", "POST"])
def action_detail(request, pk: int):
    action = lookups.record_or_404(request, Action, pk)
    form = forms.CompleteActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_complete(
                actor=request.user, action=action, note=form.cleaned_data["note"]
            )
        except (Action.DoesNotExist, ObjectDoesNotExist):
            raise Http404 from None
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, "Action marked as done.", reverse("casework:actions"))
    selectors.record_view(user=request.user, record=action, operation="action.view")
    return render(
        request,
        "casework/action.html",
        {
            "action": action,
            "person": action.person,
            "form": form,
            "today": clock.today(),
            "step": responsibilities.step(
                "plan_actions" if action.plan_id else action.meeting.kind
            ),
            "may_complete": access.may_complete(request.user, action),
            **_safety(request, action.person),
        },
        status=400 if form.errors else 200,
    )
