"""Risk tool pages. Thin: read the person (or the assessment) through the policy, so a
person the reader may not see answers 404; call a selector or a service; render. Every
page that names a person records the look."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.people.models import Person
from lantern.people.safety import address_mask

from . import forms, selectors, services, tools
from .models import Assessment


def _person(request, reference: str) -> Person:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.person_get(user=request.user, reference=reference)
    except Person.DoesNotExist:
        raise Http404 from None


def _assessment(request, pk: int) -> Assessment:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.assessment_get(user=request.user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


def _errors_to_form(form, exc: ValidationError) -> None:
    """A service's refusal beside the question (or field) it names, or above the form;
    never a second error beside a field that already has one."""
    for key, errors in exc.message_dict.items():
        name = forms.field_name(key)
        target = name if name in form.fields else key if key in form.fields else None
        if target is not None and form.has_error(target):
            continue
        if target == name:  # beside the question, the problem alone (the summary adds it)
            suffix = f": “{form.tool.question(key).text}”"
            errors = [e.removesuffix(suffix) for e in errors]
        for error in errors:
            form.add_error(target, error)


# ---------------------------------------------------------------- a person's assessments
@verified_required
@require_GET
def history(request, reference: str):
    person = _person(request, reference)
    view = selectors.person_history(user=request.user, person=person)
    return render(
        request,
        "risk/history.html",
        {
            "person": person,
            "history": view,
            "may_complete": bool(selectors.tools_for(request.user, person)),
        },
    )


@verified_required
@require_GET
def choose(request, reference: str):
    person = _person(request, reference)
    offered = selectors.tools_for(request.user, person)
    form = forms.ChooseToolForm(offered, request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("risk:complete", person.reference, form.cleaned_data["tool"])
    selectors.person_seen(user=request.user, person=person, operation="risk.choose")
    return render(
        request,
        "risk/choose.html",
        {"person": person, "form": form, "offered": offered},
        status=400 if form.errors else 200,
    )


@verified_required
@require_http_methods(["GET", "POST"])
def complete(request, reference: str, tool: str):
    person = _person(request, reference)
    try:
        chosen = tools.tool(tool)
    except tools.ToolNotFound:
        raise Http404 from None
    if not services.may_complete(request.user, chosen):
        raise PermissionDenied
    form = forms.QuestionnaireForm(chosen, request.POST or None)
    outcome = None
    if request.method == "POST" and not form.is_valid():
        # Say everything at once: the service's checks on the answers that could be read.
        try:
            services.clean_answers(chosen, form.answers(), on=clock.today())
        except ValidationError as exc:
            _errors_to_form(form, exc)
    elif request.method == "POST":
        try:
            if request.POST.get("action") == "score":
                _, outcome = services.assessment_score(
                    actor=request.user, person=person, tool=chosen, answers=form.answers()
                )
            else:
                assessment = services.assessment_complete(
                    actor=request.user,
                    person=person,
                    tool=chosen,
                    answers=form.answers(),
                    level=form.cleaned_data["level"] or None,
                    reason=form.cleaned_data["reason"],
                )
                if assessment.awaiting_approval:
                    messages.success(
                        request,
                        "Assessment saved. The lower level waits for a team manager's "
                        "agreement; until then the level the answers give counts.",
                    )
                else:
                    messages.success(request, "Assessment completed")
                return redirect("risk:assessment", assessment.pk)
        except Person.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _errors_to_form(form, exc)
    selectors.person_seen(user=request.user, person=person, operation="risk.questionnaire")
    return render(
        request,
        "risk/questionnaire.html",
        {
            "person": person,
            "tool": chosen,
            "form": form,
            "sections": [(d, form.questions_in(d.code)) for d in chosen.domains],
            "outcome": outcome,
            "score_label": chosen.label(outcome.score_level) if outcome else "",
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- one assessment
@verified_required
@require_GET
def assessment(request, pk: int):
    found = _assessment(request, pk)
    return _assessment_page(request, found, forms.DecisionForm())


def _assessment_page(request, found: Assessment, decision_form, status: int = 200):
    view = selectors.assessment_view(user=request.user, assessment=found)
    may_decide = (
        found.awaiting_approval
        and services.may_decide(request.user)
        and found.completed_by_id != request.user.pk
    )
    return render(
        request,
        "risk/assessment.html",
        {
            "view": view,
            "assessment": found,
            "person": found.person,
            "may_decide": may_decide,
            "form": decision_form,
            "mask": address_mask(user=request.user, person_ids=[found.person_id]),
        },
        status=status,
    )


@verified_required
@require_POST
def decide(request, pk: int):
    found = _assessment(request, pk)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        service = (
            services.assessment_approve
            if form.cleaned_data["decision"] == "approve"
            else services.assessment_reject
        )
        try:
            service(actor=request.user, assessment=found, reason=form.cleaned_data["reason"])
        except Assessment.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                "Lower level agreed"
                if form.cleaned_data["decision"] == "approve"
                else "Lower level refused: the level the answers give stands",
            )
            return redirect("risk:assessment", found.pk)
    found.refresh_from_db()
    return _assessment_page(request, found, form, status=400)


# ---------------------------------------------------------------- the manager's queue
@verified_required
@require_GET
def approvals(request):
    if not services.may_decide(request.user):
        raise Http404
    waiting = selectors.awaiting_decision(user=request.user)
    return render(request, "risk/approvals.html", {"waiting": waiting})
