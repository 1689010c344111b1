"""The front door's API: make a referral, read one, list and answer the front door's
requests to your agency. Through the same selectors and services (and audit) as the
pages; a hidden referral or another agency's request answers 404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.people.safety import NO_MASK

from . import selectors, services
from .models import Channel, InformationRequest, Referral
from .selectors import Mode, ReferralView


class ReferralInSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    other_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.CharField(max_length=1, required=False, default="U")
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    town = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    nhs_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    upn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    pnc_id = serializers.CharField(max_length=20, required=False, allow_blank=True)
    concern = serializers.CharField(max_length=10_000)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=40),
        help_text="Codes from the front door's concern categories",
    )
    consent = serializers.BooleanField(help_text="Whether the family agreed to the referral")
    lawful_basis = serializers.CharField(max_length=40, required=False, allow_blank=True)
    lawful_basis_reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    referrer_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, allow_null=True)


class RequestOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.CharField()
    question = serializers.CharField()
    asked_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    status = serializers.CharField()
    answer = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    late = serializers.BooleanField()
    referral = serializers.CharField(allow_null=True, help_text="Only while the request is open")
    child = serializers.DictField(allow_null=True, help_text="Only while the request is open")


class ReferralOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    shown_as = serializers.ChoiceField(choices=[Mode.TRIAGE, Mode.REFERRER, Mode.ASKED])
    received_at = serializers.DateTimeField()
    decision_due_at = serializers.DateTimeField()
    child = serializers.DictField()
    status = serializers.CharField(required=False)
    agency = serializers.CharField(required=False)
    referrer_name = serializers.CharField(required=False)
    concern = serializers.CharField(required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    consent = serializers.BooleanField(required=False)
    lawful_basis = serializers.CharField(required=False, allow_blank=True)
    decision = serializers.CharField(required=False, allow_blank=True)
    decided_at = serializers.DateTimeField(required=False, allow_null=True)
    feedback = serializers.CharField(required=False, allow_blank=True)
    feedback_at = serializers.DateTimeField(required=False, allow_null=True)
    rag = serializers.CharField(required=False, allow_blank=True)
    person = serializers.CharField(required=False, allow_null=True)
    decision_reason = serializers.CharField(required=False, allow_blank=True)
    requests = RequestOutSerializer(many=True, required=False)


def _child(referral: Referral) -> dict:
    """The child as referred. Without the postcode when the child's addresses are hidden
    from the caller (`address_hidden`, set by the selectors), with the flag saying so."""
    hidden = getattr(referral, "address_hidden", False)
    return {
        "given_name": referral.given_name,
        "family_name": referral.family_name,
        "other_names": referral.other_names,
        "date_of_birth": referral.date_of_birth.isoformat() if referral.date_of_birth else None,
        "sex": referral.sex,
        "postcode": "" if hidden else referral.postcode,
        "address_hidden": hidden,
        "identifiers": referral.identifiers,
    }


def _request(request: InformationRequest, *, with_child: bool, mask=NO_MASK) -> dict:
    return {
        "id": request.pk,
        "agency": request.agency.code,
        "question": request.question,
        "asked_at": request.asked_at,
        "due_at": request.due_at,
        "status": request.status,
        "answer": mask.any_text(request.answer),
        "answered_at": request.answered_at,
        "late": request.answered_late,
        "referral": request.referral.reference if with_child else None,
        "child": _child(request.referral) if with_child else None,
    }


def _referral(view: ReferralView) -> dict:
    referral = view.referral
    masked = view.mask.any_text
    data = {
        "reference": referral.reference,
        "shown_as": view.mode,
        "received_at": referral.received_at,
        "decision_due_at": referral.decision_due_at,
        "child": _child(referral),
    }
    if view.mode == Mode.ASKED:
        data["requests"] = [_request(r, with_child=False, mask=view.mask) for r in view.requests]
        return data
    data.update(
        status=referral.status_label,
        agency=referral.agency.code,
        referrer_name=referral.referrer_name,
        concern=masked(referral.concern),
        categories=list(referral.categories),
        consent=referral.consent,
        lawful_basis=referral.lawful_basis,
        decision=referral.decision,
        decided_at=referral.decided_at,
        feedback=masked(referral.feedback),
        feedback_at=referral.feedback_at,
    )
    if view.mode == Mode.TRIAGE:
        data.update(
            rag=referral.rag,
            person=referral.person.reference if referral.person_id else None,
            decision_reason=masked(referral.decision_reason),
            requests=[_request(r, with_child=False, mask=view.mask) for r in view.requests],
        )
    return data


class ReferralCreate(APIView):
    """Make a referral to the front door from your agency's own system."""

    @extend_schema(
        operation_id="referral_create",
        request=ReferralInSerializer,
        responses={201: ReferralOutSerializer},
    )
    def post(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        given = ReferralInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        identifiers = {s: data.pop(s) for s in ("nhs_number", "upn", "pnc_id") if s in data}
        referral = services.referral_make(
            actor=request.user,
            channel=Channel.API,
            data=services.ReferralIn(
                **data, identifiers={k: v for k, v in identifiers.items() if v}
            ),
        )
        view = selectors.referral_view(user=request.user, referral=referral, action="api")
        return Response(ReferralOutSerializer(_referral(view)).data, status=201)


class ReferralDetail(APIView):
    """One referral, as much of it as your relationship to it allows."""

    @extend_schema(
        operation_id="referral_retrieve",
        responses=ReferralOutSerializer,
        parameters=[OpenApiParameter("reference", str, OpenApiParameter.PATH)],
    )
    def get(self, request, reference: str):
        try:
            referral = selectors.referral_get(user=request.user, reference=reference, action="api")
        except Referral.DoesNotExist:
            raise Http404 from None
        view = selectors.referral_view(user=request.user, referral=referral, action="api")
        return Response(ReferralOutSerializer(_referral(view)).data)


class RequestList(APIView):
    """The front door's requests to your agency: those waiting for an answer, with the
    child as referred, and those answered in the last 90 days, without."""

    @extend_schema(
        operation_id="information_requests_list",
        responses=inline_serializer(
            "InformationRequests",
            {
                "open": RequestOutSerializer(many=True),
                "answered": RequestOutSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        found = selectors.agency_requests(user=request.user)
        return Response(
            {
                "open": [_request(r, with_child=True) for r in found.open],
                "answered": [_request(r, with_child=False) for r in found.answered],
            }
        )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=10_000, allow_blank=True)


class RequestAnswer(APIView):
    """Answer one of the front door's requests to your agency, once."""

    @extend_schema(
        operation_id="information_request_answer",
        request=AnswerSerializer,
        responses=RequestOutSerializer,
    )
    def post(self, request, pk: int):
        given = AnswerSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            view = selectors.information_request_get(user=request.user, pk=pk, action="api")
            answered = services.information_request_answer(
                actor=request.user, request=view.request, answer=given.validated_data["answer"]
            )
        except InformationRequest.DoesNotExist:
            raise Http404 from None
        return Response(RequestOutSerializer(_request(answered, with_child=False)).data)
