"""Chronology pages. Thin: read the child through the policy (a hidden child is a 404),
call a selector, render."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Person

from . import selectors
from .forms import filter_form
from .pdf import chronology_pdf


def _child(request, reference: str, action: str) -> Person:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.person_get(user=request.user, reference=reference, action=action)
    except Person.DoesNotExist:
        raise Http404 from None


@verified_required
@require_GET
def chronology(request, reference: str):
    person = _child(request, reference, "view")
    form = filter_form(request.GET)
    invalid = form.is_bound and not form.is_valid()
    view = selectors.chronology_page(
        user=request.user, person=person, filters=form.filters(), page=request.GET.get("page")
    )
    form.offer(agencies=view.agencies, kinds=view.kinds)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "chronology/chronology.html",
        {
            "person": person,
            "view": view,
            "form": form,
            "query_string": params.urlencode(),
            "filtered": bool(view.filters.described()),
        },
        status=400 if invalid else 200,
    )


@verified_required
@require_GET
def chronology_export(request, reference: str):
    """The chronology as a PDF, with the page's filters, for those whose role may export
    the child; a 404 for anyone else."""
    person = _child(request, reference, "export")
    form = filter_form(request.GET)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    entries = selectors.chronology_export(user=request.user, person=person, filters=filters)
    now = clock.now()
    body = chronology_pdf(
        person=person,
        entries=entries,
        exported_by=request.user,
        exported_at=now,
        filters=filters,
        agency_names=dict(Agency.objects.values_list("code", "name")),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="chronology-{person.reference}-{now:%Y%m%d}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
