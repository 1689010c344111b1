"""The worklist API, GET /api/v1/deadlines/ and /api/v1/deadlines/team/ (mounted with the
rest of the API in lantern/api/urls.py): one page of the caller's (or their team's) open
deadlines, soonest first, with counts over the whole list. Through the same selectors as
the pages, so the same people are left out (a deadline about someone the caller may not
see is in no list and no count) and the same audit event names everyone on the page."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy

from . import selectors
from .models import Deadline, DeadlineStatus

MAX_PAGE_SIZE = 100


class DeadlineSerializer(serializers.Serializer):
    """One deadline as a casework record shows it."""

    id = serializers.IntegerField()
    rule = serializers.CharField(help_text="The rule's code in timescales.toml")
    name = serializers.CharField(help_text="The rule as a worker says it")
    starts_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=DeadlineStatus.choices)
    met_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class WorklistRowSerializer(DeadlineSerializer):
    """One open deadline on a worklist: about whom, started by what, and who answers for it."""

    person = serializers.CharField(help_text="The person's reference")
    person_name = serializers.CharField()
    subject_kind = serializers.CharField(help_text="What started it: referral, enquiry, plan...")
    subject_id = serializers.IntegerField()
    owner_agency = serializers.CharField(help_text="The owning agency's code")
    owner_team = serializers.CharField(allow_null=True, help_text="The owning team's code")
    owner_user = serializers.CharField(allow_null=True, help_text="The owner's username")
    escalated_at = serializers.DateTimeField(allow_null=True)


class WorklistSerializer(serializers.Serializer):
    team = serializers.CharField(allow_null=True, help_text="The team's code (team worklist)")
    count = serializers.IntegerField(help_text="Open deadlines on the whole list")
    overdue = serializers.IntegerField()
    due_today = serializers.IntegerField(help_text="Due later today (UK time)")
    upcoming = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = WorklistRowSerializer(many=True)


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, default=1)
    page_size = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False, default=selectors.PAGE_SIZE
    )


def deadline_data(deadline: Deadline) -> dict:
    return {
        "id": deadline.pk,
        "rule": deadline.rule,
        "name": deadline.rule_name,
        "starts_at": deadline.starts_at,
        "due_at": deadline.due_at,
        "status": deadline.status,
        "met_at": deadline.met_at,
        "cancelled_at": deadline.cancelled_at,
    }


def _row(deadline: Deadline) -> dict:
    return {
        **deadline_data(deadline),
        "person": deadline.person.reference,
        "person_name": deadline.person.full_name,
        "subject_kind": ContentType.objects.get_for_id(deadline.subject_type_id).model,
        "subject_id": deadline.subject_id,
        "owner_agency": deadline.owner_agency.code,
        "owner_team": deadline.owner_team.code if deadline.owner_team_id else None,
        "owner_user": deadline.owner_user.username if deadline.owner_user_id else None,
        "escalated_at": deadline.escalated_at,
    }


def _page_link(request, number: int) -> str:
    params = request.query_params.copy()
    params["page"] = number
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


def _paging(request) -> dict:
    query = PageQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _response(request, worklist: selectors.Worklist, team=None) -> Response:
    page = worklist.page
    summary = worklist.summary
    data = {
        "team": team.code if team else None,
        "count": summary.total,
        "overdue": summary.overdue,
        "due_today": summary.due_today,
        "upcoming": summary.upcoming,
        "page": page.number if page else 1,
        "pages": page.paginator.num_pages if page else 1,
        "next": _page_link(request, page.next_page_number()) if page and page.has_next() else None,
        "previous": (
            _page_link(request, page.previous_page_number())
            if page and page.has_previous()
            else None
        ),
        "results": [_row(d) for d in worklist.deadlines],
    }
    return Response(WorklistSerializer(data).data)


PAGING = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


class MyDeadlines(APIView):
    """My open deadlines (mine by name, my team's with no one named, and my agency's with
    neither), soonest first: the overdue, then those due today, then the rest. Paginated:
    `page`, and `page_size` (50 by default, as on the page; at most 100)."""

    @extend_schema(operation_id="deadlines_mine", parameters=PAGING, responses=WorklistSerializer)
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        worklist = selectors.worklist_for_user(
            request.user, operation="api.deadlines.worklist", **_paging(request)
        )
        return _response(request, worklist)


class TeamDeadlines(APIView):
    """My team's open deadlines (the team's, its members', and the agency's with no one
    named), soonest first, for the team's members. Paginated as `deadlines_mine`."""

    @extend_schema(operation_id="deadlines_team", parameters=PAGING, responses=WorklistSerializer)
    def get(self, request):
        membership = request.user.membership
        if not policy.sees_case_data(request.user) or membership is None or not membership.team:
            raise Http404
        worklist = selectors.worklist_for_team(
            request.user,
            membership.team,
            operation="api.deadlines.team_worklist",
            **_paging(request),
        )
        return _response(request, worklist, membership.team)
