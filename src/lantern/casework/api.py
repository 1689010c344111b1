"""The casework API: read a child's casework, list your agency's open actions, mark one
done. Through the same selectors and services (and audit) as the pages; a child you may
not see answers 404, and their actions never appear."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.people.safety import address_mask

from . import lookups, selectors, services
from .models import Action


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField(help_text="The child's reference")
    description = serializers.CharField()
    owner_agency = serializers.CharField()
    owner_user = serializers.CharField(allow_null=True)
    due_on = serializers.DateField()
    from_meeting = serializers.IntegerField(allow_null=True)
    from_plan = serializers.IntegerField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    completion_note = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class CaseworkSerializer(serializers.Serializer):
    person = serializers.CharField()
    case_open = serializers.BooleanField()
    steps = StepSerializer(many=True)
    next_step = serializers.DictField()
    deadlines = serializers.ListField(child=serializers.DictField())
    actions = ActionSerializer(many=True)


def _action(action: Action) -> dict:
    return {
        "id": action.pk,
        "person": action.person.reference,
        "description": action.description,
        "owner_agency": action.owner_agency.code,
        "owner_user": action.owner_user.username if action.owner_user_id else None,
        "due_on": action.due_on,
        "from_meeting": action.meeting_id,
        "from_plan": action.plan_id,
        "completed_at": action.completed_at,
        "completion_note": action.completion_note,
    }


class CaseworkDetail(APIView):
    """A child's casework: the steps so far, what is next and when it is due, open
    deadlines and actions."""

    @extend_schema(
        operation_id="casework_retrieve",
        responses=CaseworkSerializer,
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH)],
    )
    def get(self, request, reference: str):
        person = lookups.child_or_404(request, reference, action="api")
        view = selectors.casework_for(user=request.user, person=person, operation="api.casework")
        step = view.next_step
        data = {
            "person": person.reference,
            "case_open": bool(view.case and view.case.is_open),
            "steps": [{"when": e.when, "title": e.title, "detail": e.detail} for e in view.entries],
            "next_step": {
                "step": step.step,
                "text": step.text,
                "due_at": step.due_at.isoformat() if step.due_at else None,
                "responsibilities": [
                    {"agency_kind": label, "part": letters} for label, letters in view.step.rows()
                ],
            },
            "deadlines": [
                {"rule": d.rule, "due_at": d.due_at.isoformat(), "status": d.status}
                for d in view.deadlines
            ],
            "actions": [_action(a) for a in view.actions],
        }
        mask = address_mask(user=request.user, person_ids=[person.pk])
        return Response(mask.scrub(CaseworkSerializer(data).data))


class ActionList(APIView):
    """The open actions your agency owns, about children you may see, soonest due first."""

    @extend_schema(operation_id="casework_actions_list", responses=ActionSerializer(many=True))
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        actions = selectors.agency_actions(user=request.user, operation="api.actions.list")
        mask = address_mask(user=request.user, person_ids={a.person_id for a in actions})
        return Response(mask.scrub(ActionSerializer([_action(a) for a in actions], many=True).data))


class CompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10_000, allow_blank=True)


class ActionComplete(APIView):
    """Mark one of your agency's actions done, saying what was done."""

    @extend_schema(
        operation_id="casework_action_complete",
        request=CompleteSerializer,
        responses=ActionSerializer,
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The action's id")
        ],
    )
    def post(self, request, pk: int):
        given = CompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            action = selectors.record_get(Action, user=request.user, pk=pk, action="api")
            done = services.action_complete(
                actor=request.user, action=action, note=given.validated_data["note"]
            )
        except Action.DoesNotExist:
            raise Http404 from None
        return Response(ActionSerializer(_action(done)).data)
