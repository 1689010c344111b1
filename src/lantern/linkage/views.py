"""The review of doubtful pairs. Thin: authorise, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from lantern.accounts.decorators import verified_required

from . import selectors, services
from .forms import ReviewDecisionForm
from .models import ReviewPair, ReviewStatus


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
