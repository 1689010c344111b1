"""The chronology API, GET /api/v1/people/<reference>/chronology/ (`api:person-chronology`,
mounted with the rest of the API in lantern/api/urls.py): one page of a child's
chronology, through the same selector (and audit) as the page. A hidden child answers
404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.api.pagination import BoundedPagination
from lantern.people.models import Person

from . import selectors
from .forms import filter_form


class ChronologyEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    agency = serializers.CharField(allow_null=True, help_text="The agency's code")
    agency_name = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    restricted = serializers.BooleanField()
    url = serializers.CharField(help_text="The page the entry comes from")


class ChronologySerializer(serializers.Serializer):
    person = serializers.CharField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ChronologyEntrySerializer(many=True)


def _entry(request, entry: selectors.Entry) -> dict:
    return {
        "when": entry.when,
        "kind": entry.kind,
        "kind_label": entry.kind_label,
        "agency": entry.agency.code if entry.agency else None,
        "agency_name": entry.agency_name,
        "title": entry.title,
        "summary": entry.summary,
        "restricted": entry.restricted,
        "url": request.build_absolute_uri(entry.url),
    }


def _page_link(request, number: int) -> str:
    params = request.query_params.copy()
    params["page"] = number
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


class ChronologyDetail(APIView):
    """A child's chronology, newest first. Filters: `agency` (a code) and `kind` (repeat
    for several); paginated with `page` and `page_size` (25 by default, at most 100)."""

    @extend_schema(
        operation_id="chronology_retrieve",
        responses=ChronologySerializer,
        parameters=[
            OpenApiParameter("reference", str, OpenApiParameter.PATH),
            OpenApiParameter("agency", str),
            OpenApiParameter("kind", str, many=True, enum=list(selectors.KINDS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
    )
    def get(self, request, reference: str):
        if not policy.sees_case_data(request.user):
            raise Http404
        try:
            person = selectors.person_get(user=request.user, reference=reference, action="api")
        except Person.DoesNotExist:
            raise Http404 from None
        form = filter_form(request.query_params)
        if form.is_bound and not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        view = selectors.chronology_page(
            user=request.user,
            person=person,
            filters=form.filters(),
            page=request.query_params.get("page"),
            page_size=BoundedPagination().get_page_size(request),
            action="api",
            operation="api.chronology",
        )
        page = view.page
        data = {
            "person": person.reference,
            "count": view.total,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": _page_link(request, page.next_page_number()) if page.has_next() else None,
            "previous": (
                _page_link(request, page.previous_page_number()) if page.has_previous() else None
            ),
            "results": [_entry(request, e) for e in view.entries],
        }
        return Response(ChronologySerializer(data).data)
