"""The subject access API under /api/v1/subject-access/: the requests the caller may see,
log one, and one request's status and steps. Never the pack: that is read on its page by
the data protection officer (lantern.sar.access).

Through the same selectors and services (and audit) as the pages. A request, or a person,
the caller may not see answers 404. A refusal answers 400 naming the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.people.models import Person

from . import access, selectors, services
from .models import STEPS, IdentityCheck, Requester, Status, SubjectAccessRequest


class SubjectAccessStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    at = serializers.CharField(allow_null=True, help_text="When it was done (ISO 8601)")


class RequestSerializer(serializers.Serializer):
    reference = serializers.CharField()
    person = serializers.CharField(help_text="The person's Lantern reference")
    status = serializers.ChoiceField(choices=Status.choices)
    received_on = serializers.DateField()
    due_on = serializers.DateField(help_text="When the answer is due now")
    extended = serializers.BooleanField()
    requester = serializers.ChoiceField(choices=Requester.choices)
    disclosure = serializers.CharField(allow_blank=True)
    steps = SubjectAccessStepSerializer(many=True)


class LogSerializer(serializers.Serializer):
    person = serializers.CharField(max_length=20, help_text="The person's Lantern reference")
    received_on = serializers.DateField()
    requester = serializers.ChoiceField(choices=Requester.choices)
    identity_check = serializers.ChoiceField(choices=IdentityCheck.choices)
    identity_note = serializers.CharField(required=False, allow_blank=True, default="")
    representative_name = serializers.CharField(required=False, allow_blank=True, default="")
    representative_authority = serializers.CharField(required=False, allow_blank=True, default="")


def _when(request: SubjectAccessRequest, step: str):
    found = {
        Status.RECEIVED: request.received_on,
        Status.PREPARED: request.prepared_at,
        Status.CHECKED: request.checked_at,
        Status.RELEASED: request.released_at,
    }[step]
    return found.isoformat() if found else None


def _out(request: SubjectAccessRequest) -> dict:
    index = request.step_index()
    return {
        "reference": request.reference,
        "person": request.person.reference,
        "status": request.status,
        "received_on": request.received_on,
        "due_on": request.due,
        "extended": request.extended_due_on is not None,
        "requester": request.requester,
        "disclosure": request.disclosure,
        "steps": [
            {
                "step": step.value,
                "label": step.label,
                "done": i <= index,
                "at": _when(request, step) if i <= index else None,
            }
            for i, step in enumerate(STEPS)
        ],
    }


def _caller(user) -> None:
    if not access.may_use(user):
        raise Http404


class RequestList(APIView):
    @extend_schema(responses=RequestSerializer(many=True), summary="Subject access requests")
    def get(self, request):
        _caller(request.user)
        found = selectors.requests_list(user=request.user, status=request.GET.get("status", ""))
        return Response({"results": [_out(r) for r in found]})

    @extend_schema(request=LogSerializer, responses={201: RequestSerializer})
    def post(self, request):
        _caller(request.user)
        given = LogSerializer(data=request.data)
        if not given.is_valid():
            raise ValidationError({k: [str(e) for e in v] for k, v in given.errors.items()})
        data = given.validated_data
        try:
            person = selectors.person_for_request(user=request.user, reference=data["person"])
            logged = services.sar_log(
                actor=request.user,
                person=person,
                received_on=data["received_on"],
                requester=data["requester"],
                identity_check=data["identity_check"],
                identity_note=data["identity_note"],
                representative_name=data["representative_name"],
                representative_authority=data["representative_authority"],
            )
        except Person.DoesNotExist:
            raise Http404 from None
        return Response(_out(logged), status=status.HTTP_201_CREATED)


class RequestDetail(APIView):
    @extend_schema(responses=RequestSerializer, summary="One subject access request's status")
    def get(self, request, reference: str):
        _caller(request.user)
        try:
            found = selectors.request_get(user=request.user, reference=reference)
        except SubjectAccessRequest.DoesNotExist:
            raise Http404 from None
        return Response(_out(found))
