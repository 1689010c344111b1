"""Front-door pages. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.people.models import Person

from . import selectors, services
from .forms import (
    AnswerForm,
    ConsultForm,
    DecideForm,
    FeedbackForm,
    MatchForm,
    RateForm,
    ReferralForm,
    RequestForm,
)
from .models import Channel, InformationRequest, Referral, RequestStatus


def _errors_to_form(form, exc: ValidationError, fallback: str | None = None) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else fallback, error)


def _when(moment) -> str:
    """A moment as people in the partnership read it: UK time, with the day."""
    return f"{timezone.localtime(moment):%A %-d %B, %H:%M}"


def _referral_or_404(request, reference: str, action: str = "view") -> Referral:
    try:
        return selectors.referral_get(user=request.user, reference=reference, action=action)
    except Referral.DoesNotExist:
        raise Http404 from None


@verified_required
@require_GET
def queue(request):
    if not policy.is_front_door(request.user) or not policy.sees_case_data(request.user):
        raise Http404
    referrals = selectors.front_door_queue(user=request.user)
    return render(request, "frontdoor/queue.html", {"referrals": referrals, "now": clock.now()})


@verified_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    if not policy.sees_case_data(request.user) or request.user.agency is None:
        raise Http404
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_make(
                actor=request.user,
                channel=Channel.FORM,
                data=services.ReferralIn(
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    other_names=data["other_names"],
                    date_of_birth=data["date_of_birth"],
                    sex=data["sex"],
                    address_line1=data["address_line1"],
                    town=data["town"],
                    postcode=data["postcode"],
                    identifiers={s: data[s] for s in ("nhs_number", "upn", "pnc_id") if data[s]},
                    concern=data["concern"],
                    categories=data["categories"],
                    consent=data["consent"],
                    lawful_basis=data["lawful_basis"],
                    lawful_basis_reason=data["lawful_basis_reason"],
                    referrer_phone=data["referrer_phone"],
                ),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                f"Referral {referral.reference} sent to the front door. They will decide "
                f"what happens next by {_when(referral.decision_due_at)}.",
            )
            return redirect(reverse("frontdoor:referral", args=[referral.reference]))
    return render(request, "frontdoor/referral_new.html", {"form": form})


@verified_required
@require_GET
def referral_list(request):
    if not policy.sees_case_data(request.user) or request.user.agency is None:
        raise Http404
    page = selectors.agency_referrals(user=request.user, page=request.GET.get("page"))
    return render(request, "frontdoor/referral_list.html", {"page": page, "now": clock.now()})


@verified_required
@require_GET
def referral_detail(request, reference: str):
    referral = _referral_or_404(request, reference)
    view = selectors.referral_view(user=request.user, referral=referral)
    if view.mode == selectors.Mode.TRIAGE:
        return _triage(request, view)
    template = {
        selectors.Mode.REFERRER: "frontdoor/referral_referrer.html",
        selectors.Mode.ASKED: "frontdoor/referral_asked.html",
    }[view.mode]
    return render(request, template, {"view": view, "referral": referral})


def _triage(request, view, **forms):
    """The triage page: the referral as given, who the child is, the rating, what partner
    agencies say, earlier referrals, and the decision."""
    referral = view.referral
    rematch = request.GET.get("rematch") == "1" or "match_error" in forms
    candidates = None
    if view.can_triage and referral.is_open and (referral.person_id is None or rematch):
        candidates = selectors.triage_candidates(user=request.user, referral=referral)
    context = {
        "view": view,
        "referral": referral,
        "candidates": candidates,
        "now": clock.now(),
        "rate_form": forms.get("rate_form") or RateForm(),
        "request_form": forms.get("request_form")
        or RequestForm(exclude_agency=referral.team.agency),
        "consult_form": forms.get("consult_form") or ConsultForm(consult=view.consult),
        "decide_form": forms.get("decide_form") or DecideForm(),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(),
        "match_error": forms.get("match_error"),
        "answered": sum(1 for r in view.requests if r.status == RequestStatus.ANSWERED),
        "requests_overdue": sum(
            1 for r in view.requests if r.status == RequestStatus.OPEN and r.due_at < clock.now()
        ),
    }
    return render(request, "frontdoor/triage.html", context, status=forms.get("status", 200))


def _triage_step(
    request,
    reference: str,
    form_class,
    context_name: str,
    act,
    done: str | Callable[[Any], str],
    **kw,
):
    """One triage step posted from the triage page: done and back, or the page again with
    the reasons."""
    referral = _referral_or_404(request, reference, action="edit")
    form = form_class(request.POST, **kw)
    if form.is_valid():
        try:
            result = act(referral, form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback=next(iter(form.fields)))
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(reverse("frontdoor:referral", args=[referral.reference]))
    view = selectors.referral_view(user=request.user, referral=referral)
    return _triage(request, view, **{context_name: form})


@verified_required
@require_POST
def referral_match(request, reference: str):
    referral = _referral_or_404(request, reference, action="edit")
    form = MatchForm(request.POST)
    error = "Choose a person"
    person = None
    if form.is_valid():
        person = Person.objects.filter(reference=form.cleaned_data["person"].upper()).first()
        error = "There is no such person among the people you can see"
    if person is not None:
        try:
            services.referral_match(actor=request.user, referral=referral, person=person)
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        else:
            messages.success(request, f"Matched: the child is {person.full_name}.")
            return redirect(reverse("frontdoor:referral", args=[referral.reference]))
    view = selectors.referral_view(user=request.user, referral=referral)
    return _triage(request, view, match_error=error)


@verified_required
@require_POST
def referral_person_new(request, reference: str):
    referral = _referral_or_404(request, reference, action="edit")
    try:
        services.referral_person_create(actor=request.user, referral=referral)
    except ValidationError as exc:
        view = selectors.referral_view(user=request.user, referral=referral)
        error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return _triage(request, view, match_error=error)
    messages.success(
        request,
        f"Recorded as not known: a new person, held by {referral.agency.name} from this referral.",
    )
    return redirect(reverse("frontdoor:referral", args=[referral.reference]))


@verified_required
@require_POST
def referral_rate(request, reference: str):
    return _triage_step(
        request,
        reference,
        RateForm,
        "rate_form",
        lambda referral, data: services.referral_rate(
            actor=request.user, referral=referral, rag=data["rag"], reason=data["reason"]
        ),
        lambda rating: f"Rated {rating.get_rag_display().lower()}.",
    )


@verified_required
@require_POST
def referral_request(request, reference: str):
    referral = _referral_or_404(request, reference, action="edit")
    return _triage_step(
        request,
        reference,
        RequestForm,
        "request_form",
        lambda referral, data: services.information_request_send(
            actor=request.user,
            referral=referral,
            agency=data["agency"],
            question=data["question"],
        ),
        lambda asked: f"Asked {asked.agency.name}: the answer is due by {_when(asked.due_at)}.",
        exclude_agency=referral.team.agency,
    )


@verified_required
@require_POST
def referral_consult(request, reference: str):
    """Ask every ticked agency the table says to consult, at once."""
    referral = _referral_or_404(request, reference, action="edit")
    form = ConsultForm(request.POST)
    if form.is_valid():
        try:
            asked = services.information_requests_send(
                actor=request.user,
                referral=referral,
                agencies=list(form.cleaned_data["agencies"]),
                question=form.cleaned_data["question"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback="agencies")
        else:
            names = _names([a.agency.name for a in asked])
            last = max(a.due_at for a in asked)
            messages.success(request, f"Asked {names}: answers are due by {_when(last)}.")
            return redirect(reverse("frontdoor:referral", args=[referral.reference]))
    view = selectors.referral_view(user=request.user, referral=referral)  # the page again
    if view.consult is not None:
        form.offer(view.consult)
    return _triage(request, view, consult_form=form)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@verified_required
@require_POST
def referral_decide(request, reference: str):
    return _triage_step(
        request,
        reference,
        DecideForm,
        "decide_form",
        lambda referral, data: services.referral_decide(
            actor=request.user,
            referral=referral,
            decision=data["decision"],
            reason=data["reason"],
        ),
        "Decision recorded. Now tell the referrer, and record what you told them.",
    )


@verified_required
@require_POST
def referral_feedback(request, reference: str):
    return _triage_step(
        request,
        reference,
        FeedbackForm,
        "feedback_form",
        lambda referral, data: services.referral_feedback_record(
            actor=request.user, referral=referral, told=data["feedback"]
        ),
        "Recorded what the referrer was told.",
    )


@verified_required
@require_GET
def request_list(request):
    if not policy.sees_case_data(request.user) or request.user.agency is None:
        raise Http404
    found = selectors.agency_requests(user=request.user)
    return render(request, "frontdoor/request_list.html", {"found": found, "now": clock.now()})


@verified_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    try:
        view = selectors.information_request_get(user=request.user, pk=pk)
    except InformationRequest.DoesNotExist:
        raise Http404 from None
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_request_answer(
                actor=request.user, request=view.request, answer=form.cleaned_data["answer"]
            )
        except InformationRequest.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _errors_to_form(form, exc, fallback="answer")
        else:
            messages.success(request, "Your answer has been sent to the front door.")
            return redirect(reverse("frontdoor:requests"))
    return render(
        request,
        "frontdoor/request_detail.html",
        {"view": view, "form": form, "now": clock.now()},
    )
