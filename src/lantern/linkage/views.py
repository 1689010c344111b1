"""The review of doubtful pairs. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from lantern.accounts.decorators import verified_required
from lantern.people.models import SourceRecord

from . import selectors, services
from .forms import ReasonForm, ReviewDecisionForm
from .models import LinkChange, ReviewPair, ReviewStatus


@verified_required
@require_GET
def review_list(request):
    if not selectors.decides_linkage(request.user):
        raise Http404
    page = selectors.review_queue(user=request.user, page=request.GET.get("page"))
    return render(request, "linkage/review_list.html", {"page": page})


@verified_required
@require_http_methods(["GET", "POST"])
def review_pair(request, pk: int):
    try:
        view = selectors.review_pair_get(user=request.user, pk=pk)
    except ReviewPair.DoesNotExist:
        raise Http404 from None
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        same = form.cleaned_data["decision"] == "same"
        try:
            services.review_decide(
                actor=request.user, pair=view.pair, same=same, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                "Recorded: the same person. Their records are now one person."
                if same
                else "Recorded: not the same person. Lantern will not propose this pair again.",
            )
            return redirect(reverse("linkage:review-list"))
    return render(
        request,
        "linkage/review_pair.html",
        {"view": view, "form": form, "decided": view.pair.status != ReviewStatus.PENDING},
    )


def _confirm(request, *, title: str, explain: str, button: str, act, back: str):
    """A reason, then the change: the one shape of the split and undo pages."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done_message, to = act(form.cleaned_data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error("reason" if field == "reason" else None, error)
        else:
            messages.success(request, done_message)
            return redirect(to)
    return render(
        request,
        "linkage/confirm.html",
        {"form": form, "title": title, "explain": explain, "button": button, "back": back},
    )


@verified_required
@require_http_methods(["GET", "POST"])
def record_split(request, record_id: int):
    """Split one agency's record off the person it was linked to."""
    try:
        record = selectors.record_for_decision(user=request.user, record_id=record_id)
    except SourceRecord.DoesNotExist:
        raise Http404 from None

    def act(reason: str):
        person = services.record_split(actor=request.user, record=record, reason=reason)
        return (
            f"{record.agency.name} record {record.local_id} is now a person of its own.",
            reverse("web:person", args=[person.reference]),
        )

    return _confirm(
        request,
        title=f"Split off {record.agency.name} record {record.local_id}",
        explain=(
            f"{record.given_name} {record.family_name}'s record from {record.agency.name} will "
            "become a person of its own. Do this when it was linked to the wrong person. "
            "The split can be undone."
        ),
        button="Split this record off",
        act=act,
        back=reverse("web:person", args=[record.person.reference]),
    )


@verified_required
@require_http_methods(["GET", "POST"])
def change_undo(request, change_id: int):
    try:
        change = selectors.change_for_decision(user=request.user, change_id=change_id)
    except LinkChange.DoesNotExist:
        raise Http404 from None
    record = change.source_record

    def act(reason: str):
        undo = services.change_undo(actor=request.user, change=change, reason=reason)
        return (
            f"Undone: {record.agency.name} record {record.local_id} is back where it was.",
            reverse("web:person", args=[undo.to_person.reference]),
        )

    return _confirm(
        request,
        title="Undo this change",
        explain=(
            f"{record.agency.name} record {record.local_id} goes back to the person it "
            f"belonged to before this change ({change.get_kind_display().lower()} on "
            f"{change.made_at:%-d %B %Y})."
        ),
        button="Undo the change",
        act=act,
        back=reverse("web:person", args=[record.person.reference]),
    )
