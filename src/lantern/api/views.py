"""The people API: search and read, through the same selectors (and audit) as the pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.linkage import selectors as linkage_selectors
from lantern.linkage.matching import MatchQuery
from lantern.people import selectors
from lantern.people.models import Person

from . import serializers
from .pagination import BoundedPagination


class PeopleSearch(APIView):
    """People who match every detail given, among those the caller may see. Paginated:
    `page` and `page_size` (25 by default, at most 100)."""

    @extend_schema(
        operation_id="people_search",
        parameters=[
            serializers.PeopleSearchQuerySerializer,
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=inline_serializer(
            "PeoplePage",
            {
                "count": drf_serializers.IntegerField(),
                "next": drf_serializers.CharField(allow_null=True),
                "previous": drf_serializers.CharField(allow_null=True),
                "results": serializers.PersonSummarySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        query = serializers.PeopleSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        paging = BoundedPagination()
        page = selectors.people_search_page(
            user=request.user,
            query=selectors.PeopleQuery(**query.validated_data),
            page=request.query_params.get("page"),
            page_size=paging.get_page_size(request),
            operation="api.people.search",
            action="api",
        )
        return Response(
            {
                "count": page.paginator.count,
                "next": _page_link(request, page.next_page_number()) if page.has_next() else None,
                "previous": (
                    _page_link(request, page.previous_page_number())
                    if page.has_previous()
                    else None
                ),
                "results": serializers.PersonSummarySerializer(page.object_list, many=True).data,
            }
        )


class PeopleMatch(APIView):
    """The people most likely to be the one described, ranked, with the evidence field by
    field. Names and a date of birth, a postcode or an identifier; at most 10 people,
    only among those the caller may see."""

    @extend_schema(
        operation_id="people_match",
        parameters=[serializers.MatchQuerySerializer],
        responses=inline_serializer(
            "PeopleMatches", {"results": serializers.MatchSerializer(many=True)}
        ),
    )
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        query = serializers.MatchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = linkage_selectors.people_matching_details(
            user=request.user,
            query=MatchQuery.typed(
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data.get("date_of_birth"),
                postcode=data.get("postcode", ""),
                sex=data.get("sex", ""),
                identifier=data.get("identifier", ""),
            ),
            action="api",
            operation="api.people.match",
        )
        return Response({"results": serializers.MatchSerializer(matches, many=True).data})


def _page_link(request, number: int) -> str:
    params = request.query_params.copy()
    params["page"] = number
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


class PersonDetail(APIView):
    """One person: each agency's records, relationships and the timeline of events."""

    @extend_schema(
        operation_id="person_retrieve",
        responses=serializers.PersonDetailSerializer,
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH)],
    )
    def get(self, request, reference: str):
        try:
            person = selectors.person_get(user=request.user, reference=reference, action="api")
        except Person.DoesNotExist:
            raise Http404 from None
        file = selectors.person_file(user=request.user, person=person, action="api")
        data = {
            "person": person,
            "source_records": file.source_records,
            "records_not_shared_held_by": file.withheld_holders,
            "relationships": [
                {
                    "reference": r.other.reference,
                    "name": r.other.full_name,
                    "relationship": r.kind_label,
                    "recorded_by": r.recorded_by,
                }
                for r in file.relationships
            ],
            "timeline": [
                {
                    "occurred_at": item.occurred_at,
                    "agency": item.agency_name,
                    "restricted": not item.shown,
                    "event_type": item.event.event_type.code if item.shown else None,
                    "summary": item.summary if item.shown else None,
                    "ended_at": item.event.ended_at if item.shown else None,
                    "place": item.place if item.shown else None,
                }
                for item in file.timeline
            ],
        }
        return Response(serializers.PersonDetailSerializer(data).data)
