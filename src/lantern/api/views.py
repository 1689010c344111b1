"""The people API: search and read, through the same selectors as the pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.people import selectors
from lantern.people.models import Person

from . import serializers


class PeopleSearch(generics.ListAPIView):
    """People who match every detail given, among those the caller may see."""

    serializer_class = serializers.PersonSummarySerializer

    @extend_schema(parameters=[serializers.PeopleSearchQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not policy.sees_case_data(self.request.user):
            raise Http404
        query = serializers.PeopleSearchQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.people_search(
            user=self.request.user, query=selectors.PeopleQuery(**query.validated_data)
        )


class PersonDetail(APIView):
    """One person: each agency's records, relationships and the timeline of events."""

    @extend_schema(
        responses=serializers.PersonDetailSerializer,
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH)],
    )
    def get(self, request, reference: str):
        try:
            person = selectors.person_get(user=request.user, reference=reference)
        except Person.DoesNotExist:
            raise Http404 from None
        file = selectors.person_file(user=request.user, person=person)
        data = {
            "person": person,
            "source_records": file.source_records,
            "restricted_records_held_by": file.restricted_holders,
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
                    "summary": item.event.summary if item.shown else None,
                    "ended_at": item.event.ended_at if item.shown else None,
                    "place": item.event.place if item.shown else None,
                }
                for item in file.timeline
            ],
        }
        return Response(serializers.PersonDetailSerializer(data).data)
