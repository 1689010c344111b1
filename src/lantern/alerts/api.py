"""The alerts API: your team's alerts, one alert, and the team's decisions on it. Through
the same selectors and services (and audit) as the pages: an alert you may not see, or
about a person you may not see, answers 404; a fact you may not read is named by its
agency and its day only, exactly as on the page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.timezone import localdate as local_day
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy

from . import selectors, services
from .models import Alert
from .selectors import AlertView, FactView


class FactSerializer(serializers.Serializer):
    agency = serializers.CharField(help_text="The agency that holds the record")
    day = serializers.DateField(help_text="The day it happened")
    shown = serializers.BooleanField(
        help_text="False: a restricted record, named by its agency and day only"
    )
    text = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True, help_text="Only when shown")
    summary = serializers.CharField(allow_blank=True, help_text="Only when shown")
    place = serializers.CharField(allow_blank=True, help_text="Only when shown")
    about_someone_else = serializers.BooleanField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.CharField()
    text = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField()
    rule_version = serializers.IntegerField()
    rule_name = serializers.CharField()
    why = serializers.CharField(help_text="The rule's description")
    person = serializers.CharField(help_text="The person's reference")
    person_name = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField(allow_blank=True)
    team = serializers.CharField()
    agency = serializers.CharField()
    raised_at = serializers.DateTimeField()
    last_fact_on = serializers.DateField(
        help_text="The day of the newest record behind it (a day only: the record may be "
        "withheld from you)"
    )
    facts = FactSerializer(many=True)
    tasks = TaskSerializer(many=True)


def _fact(fact: FactView) -> dict:
    return {
        "agency": fact.agency,
        "day": fact.day,
        "shown": fact.shown,
        "text": fact.text,
        "at": fact.at if fact.shown else None,
        "summary": fact.summary if fact.shown else "",
        "place": fact.place if fact.shown else "",
        "about_someone_else": fact.about_someone_else if fact.shown else False,
    }


def _alert(view: AlertView) -> dict:
    alert = view.alert
    return {
        "id": alert.pk,
        "rule": alert.rule,
        "rule_version": alert.rule_version,
        "rule_name": view.rule_name,
        "why": view.rule.description if view.rule else "",
        "person": alert.person.reference,
        "person_name": alert.person.full_name,
        "severity": alert.severity,
        "status": alert.status,
        "status_reason": alert.status_reason,
        "team": alert.team.name,
        "agency": alert.agency.name,
        "raised_at": alert.raised_at,
        "last_fact_on": local_day(alert.last_fact_at),
        "facts": [_fact(f) for f in view.facts],
        "tasks": [
            {
                "id": t.pk,
                "agency": t.agency.name,
                "text": t.text,
                "due_on": t.due_on,
                "status": t.status,
            }
            for t in view.tasks
        ],
    }


def _get(request, pk: int) -> Alert:
    try:
        return selectors.alert_get(user=request.user, pk=pk, action="api")
    except Alert.DoesNotExist:
        raise Http404 from None


class AlertList(APIView):
    """The alerts routed to your team: open first, high severity first, oldest first."""

    @extend_schema(
        operation_id="alerts_list",
        responses=AlertSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "show", str, enum=["open", "closed", "all"], description="Default: open"
            )
        ],
    )
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        views = selectors.alerts_api_list(user=request.user, show=request.GET.get("show", "open"))
        return Response(AlertSerializer([_alert(v) for v in views], many=True).data)


class AlertDetail(APIView):
    """One alert: why, the records behind it as you may read them, its tasks."""

    @extend_schema(
        operation_id="alert_retrieve",
        responses=AlertSerializer,
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
    )
    def get(self, request, pk: int):
        alert = _get(request, pk)
        view = selectors.alert_view(user=request.user, alert=alert, action="api")
        return Response(AlertSerializer(_alert(view)).data)


class ActSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=5000, allow_blank=True)


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class _Decision(APIView):
    serializer_class: type[serializers.Serializer] | None = None

    def decide(self, request, alert: Alert, data: dict) -> Alert:
        raise NotImplementedError

    def post(self, request, pk: int):
        alert = _get(request, pk)
        data = {}
        if self.serializer_class is not None:
            given = self.serializer_class(data=request.data)
            given.is_valid(raise_exception=True)
            data = given.validated_data
        try:
            self.decide(request, alert, data)
        except Alert.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            return Response(exc.message_dict, status=400)
        alert.refresh_from_db()
        if not selectors.may_see(request.user, alert, "api"):
            # Closing it ended the caller's only reason to see the person: done, shown nothing.
            return Response(status=204)
        view = selectors.alert_view(user=request.user, alert=alert, action="api")
        return Response(AlertSerializer(_alert(view)).data)


class AlertAcknowledge(_Decision):
    """Your team has seen the alert and someone is looking at it."""

    @extend_schema(
        operation_id="alert_acknowledge",
        request=None,
        responses={200: AlertSerializer, 204: None},
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, request, alert, data):
        return services.alert_acknowledge(actor=request.user, alert=alert)


class AlertAct(_Decision):
    """Record what was done: the alert closes."""

    serializer_class = ActSerializer

    @extend_schema(
        operation_id="alert_act",
        request=ActSerializer,
        responses={200: AlertSerializer, 204: None},
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, request, alert, data):
        return services.alert_act(actor=request.user, alert=alert, action=data["action"])


class AlertDismiss(_Decision):
    """Close the alert without action, with why (required)."""

    serializer_class = DismissSerializer

    @extend_schema(
        operation_id="alert_dismiss",
        request=DismissSerializer,
        responses={200: AlertSerializer, 204: None},
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, request, alert, data):
        return services.alert_dismiss(actor=request.user, alert=alert, reason=data["reason"])
