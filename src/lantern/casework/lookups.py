"""The lookups every casework page and API call starts with: the child or the record,
through the casework selectors (the access policy, a refused look recorded), or a 404;
and the child's open case. One place, so the pages and the API answer alike."""

from __future__ import annotations

from django.http import Http404

from lantern.access import policy
from lantern.people.models import Person

from . import selectors
from .models import Case


def child_or_404(request, reference: str, action: str = "view") -> Person:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.person_get(user=request.user, reference=reference, action=action)
    except Person.DoesNotExist:
        raise Http404 from None


def record_or_404(request, model, pk: int, action: str = "view"):
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.record_get(model, user=request.user, pk=pk, action=action)
    except model.DoesNotExist:
        raise Http404 from None


def open_case(person: Person) -> Case | None:
    return Case.objects.filter(person=person, closed_at__isnull=True).first()
