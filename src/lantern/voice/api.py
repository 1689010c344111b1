"""The voice API under /api/v1/voice/: feedback (for its agency's workers who record it:
list, record, read, tag, change consent), the partnership's anonymised view, and "you said,
we did". Through the same selectors and services (and audit) as the pages. Feedback the
caller may not read answers 404; a refusal answers 400 naming the field."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.core.validation import refuse
from lantern.people.models import Person

from . import access, selectors, services
from .models import Feedback, GiverKind, PartnershipAction, Use
from .suppression import MARK, THRESHOLD, Shown
from .themes import themes as theme_set

PERSON_UNSEEN = "Choose a person you can see: find them with the people search first"


def _recorder(request) -> None:
    if not access.records_feedback(request.user):
        raise Http404


def _viewer(request) -> None:
    if not access.sees_partnership_view(request.user):
        raise Http404


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _feedback(request, pk: int) -> Feedback:
    _recorder(request)
    try:
        return selectors.feedback_get(user=request.user, pk=pk, purpose="Read feedback (API)")
    except Feedback.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------- feedback
class VoiceFeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    given_on = serializers.DateField()
    channel = serializers.CharField()
    giver_kind = serializers.CharField()
    person = serializers.SerializerMethodField()
    words = serializers.CharField()
    themes = serializers.ListField(child=serializers.CharField(), source="theme_codes")
    sentiment = serializers.CharField()
    consent = serializers.ListField(child=serializers.CharField(), source="uses")
    agency = serializers.CharField(source="agency.code")
    recorded_at = serializers.DateTimeField()

    def get_person(self, item) -> dict | None:
        if item.person_id is None:
            return None
        return {"reference": item.person.reference, "name": item.person.full_name}


class VoiceFeedbackDetailSerializer(VoiceFeedbackSerializer):
    consent_history = serializers.SerializerMethodField()
    quotes = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_consent_history(self, item) -> list[dict]:
        return [
            {"kind": c.kind, "uses": c.uses, "on": c.on.isoformat(), "note": c.note}
            for c in item.consent_list
        ]

    def get_quotes(self, item) -> list[dict]:
        return [
            {"id": q.pk, "text": q.text, "removed": q.removed_at is not None}
            for q in item.quote_list
        ]

    def get_actions(self, item) -> list[dict]:
        return [{"id": a.pk, "title": a.title, "status": a.status} for a in item.action_list]


class VoiceFeedbackInSerializer(serializers.Serializer):
    words = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    given_on = serializers.DateField(required=False, allow_null=True, default=None)
    channel = serializers.CharField(required=False, allow_blank=True, default="")
    giver_kind = serializers.CharField(required=False, allow_blank=True, default="")
    consent = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    person = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A person's Lantern reference"
    )
    themes = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    sentiment = serializers.CharField(required=False, allow_blank=True, default="")
    consent_note = serializers.CharField(required=False, allow_blank=True, default="")


THEME = OpenApiParameter("theme", str, OpenApiParameter.QUERY, required=False)
KIND = OpenApiParameter("giver_kind", str, OpenApiParameter.QUERY, required=False)
USE = OpenApiParameter("use", str, OpenApiParameter.QUERY, required=False)
PAGE = OpenApiParameter("page", int, OpenApiParameter.QUERY, required=False)
YEAR = OpenApiParameter("year", int, OpenApiParameter.QUERY, required=False)


class FeedbackList(APIView):
    """The feedback the caller's agency holds and the caller may read, newest first, 50 a
    page (each item and person audited); and recording a new piece."""

    @extend_schema(
        operation_id="voice_feedback_list",
        parameters=[THEME, KIND, USE, PAGE],
        responses=inline_serializer(
            "VoiceFeedbackPage",
            {
                "count": serializers.IntegerField(),
                "page": serializers.IntegerField(),
                "pages": serializers.IntegerField(),
                "results": VoiceFeedbackSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        _recorder(request)
        params = request.query_params
        filters = selectors.FeedbackFilters(
            theme=params.get("theme", "") if params.get("theme") in theme_set().themes else "",
            giver_kind=params.get("giver_kind", "")
            if params.get("giver_kind") in GiverKind.values
            else "",
            use=params.get("use", "") if params.get("use") in Use.values else "",
        )
        page, items, total = selectors.feedback_page(
            user=request.user, filters=filters, page=params.get("page") or 1
        )
        return Response(
            {
                "count": total,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": VoiceFeedbackSerializer(items, many=True).data,
            }
        )

    @extend_schema(
        operation_id="voice_feedback_record",
        request=VoiceFeedbackInSerializer,
        responses={201: VoiceFeedbackDetailSerializer},
    )
    def post(self, request):
        _recorder(request)
        data = _valid(VoiceFeedbackInSerializer(data=request.data))
        person = None
        if data["person"].strip():
            person = Person.objects.filter(reference=data["person"].strip().upper()).first()
            if person is None:
                refuse("person", PERSON_UNSEEN)
        made = services.feedback_record(
            actor=request.user,
            words=data["words"],
            given_on=data["given_on"],
            channel=data["channel"],
            giver_kind=data["giver_kind"],
            consent=data["consent"],
            person=person,
            themes=data["themes"],
            sentiment=data["sentiment"],
            consent_note=data["consent_note"],
        )
        found = selectors.feedback_get(user=request.user, pk=made.pk, purpose="Feedback recorded")
        return Response(VoiceFeedbackDetailSerializer(found).data, status=201)


class FeedbackDetail(APIView):
    """One piece of feedback with its consent history, quotes and actions; audited."""

    @extend_schema(operation_id="voice_feedback_read", responses=VoiceFeedbackDetailSerializer)
    def get(self, request, pk: int):
        return Response(VoiceFeedbackDetailSerializer(_feedback(request, pk)).data)


class VoiceTagInSerializer(serializers.Serializer):
    themes = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    sentiment = serializers.CharField(required=False, allow_blank=True, default="")


class FeedbackThemes(APIView):
    """Set the themes and the sentiment (replacing what was there)."""

    @extend_schema(
        operation_id="voice_feedback_tag",
        request=VoiceTagInSerializer,
        responses=VoiceFeedbackDetailSerializer,
    )
    def post(self, request, pk: int):
        found = _feedback(request, pk)
        data = _valid(VoiceTagInSerializer(data=request.data))
        services.feedback_tag(
            actor=request.user, feedback=found, themes=data["themes"], sentiment=data["sentiment"]
        )
        return Response(VoiceFeedbackDetailSerializer(_feedback(request, pk)).data)


class VoiceConsentInSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=["withdraw", "give"])
    uses = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FeedbackConsent(APIView):
    """Record that the giver withdrew agreement to some uses, or agreed to more. Kept,
    never deleted; a withdrawn use stops from then on."""

    @extend_schema(
        operation_id="voice_feedback_consent",
        request=VoiceConsentInSerializer,
        responses=VoiceFeedbackDetailSerializer,
    )
    def post(self, request, pk: int):
        found = _feedback(request, pk)
        data = _valid(VoiceConsentInSerializer(data=request.data))
        change = (
            services.feedback_consent_withdraw
            if data["change"] == "withdraw"
            else services.feedback_consent_give
        )
        change(
            actor=request.user, feedback=found, uses=data["uses"], on=data["on"], note=data["note"]
        )
        return Response(VoiceFeedbackDetailSerializer(_feedback(request, pk)).data)


# ---------------------------------------------------------------- the partnership's view
def _number(shown: Shown) -> int | None:
    return shown.value


def _table(table) -> dict:
    lines = table.grid()
    return {
        "rows": [
            {
                "code": code,
                "label": label,
                "counts": [_number(c) for c in cells],
                "total": _number(total),
            }
            for code, label, cells, total in lines[:-1]
        ],
        "totals": {
            "counts": [_number(c) for c in lines[-1][2]],
            "total": _number(lines[-1][3]),
        },
    }


class PartnershipView(APIView):
    """The anonymised view of one financial year (April to March): counts by theme, by
    kind of giver and by sentiment, by quarter, with totals. A hidden count is null: fewer
    than 5, or hidden so that one cannot be worked out from the totals. Quotes where their
    givers agreed, with the quarter only."""

    @extend_schema(
        operation_id="voice_partnership_view",
        parameters=[YEAR],
        responses=inline_serializer(
            "VoicePartnershipView",
            {
                "year": serializers.IntegerField(),
                "label": serializers.CharField(),
                "threshold": serializers.IntegerField(),
                "columns": serializers.ListField(child=serializers.DictField()),
                "tables": serializers.DictField(),
                "quotes": serializers.DictField(),
                "themes": serializers.ListField(child=serializers.DictField()),
                "note": serializers.CharField(),
            },
        ),
    )
    def get(self, request):
        _viewer(request)
        raw = request.query_params.get("year", "")
        year = None
        if raw:
            if not raw.isdigit() or not 1990 <= int(raw) <= 2200:
                refuse("year", "A year is the one a financial year starts in, like 2026")
            year = int(raw)
        found = selectors.partnership_view(user=request.user, year=year)
        view = found.view
        return Response(
            {
                "year": view.year,
                "label": view.label,
                "threshold": THRESHOLD,
                "columns": [{"code": c, "label": label} for c, label in view.columns],
                "tables": {key: _table(table) for key, _title, table in view.tables()},
                "quotes": {
                    code: [{"text": q.text, "quarter": q.quarter} for q in quotes]
                    for code, quotes in found.quotes.items()
                },
                "themes": [
                    {"code": code, "name": name, "description": description}
                    for code, name, description in found.theme_rows
                ],
                "note": f"null ({MARK} on the pages): a count hidden to protect the people "
                f"counted, fewer than {THRESHOLD} or hidden so that one cannot be worked out",
            }
        )


# ---------------------------------------------------------------- you said, we did
def _action(row) -> dict:
    action = row.action
    return {
        "id": action.pk,
        "title": action.title,
        "lead": action.lead,
        "agreed_on": action.agreed_on.isoformat(),
        "status": action.status,
        "done_on": action.done_on.isoformat() if action.done_on else None,
        "themes": list(action.themes),
        "feedback_count": _number(row.feedback),
    }


class ActionList(APIView):
    """Every action, with how many pieces of feedback are behind it (null: fewer than 5)."""

    @extend_schema(
        operation_id="voice_actions_list",
        responses=inline_serializer(
            "VoiceActions", {"results": serializers.ListField(child=serializers.DictField())}
        ),
    )
    def get(self, request):
        _viewer(request)
        return Response(
            {"results": [_action(r) for r in selectors.actions_list(user=request.user)]}
        )


class ActionDetail(APIView):
    """One action traced to what is behind it; the caller's agency's own feedback behind it
    is listed by id (audited)."""

    @extend_schema(
        operation_id="voice_action_read",
        responses=inline_serializer(
            "VoiceAction",
            {
                "id": serializers.IntegerField(),
                "title": serializers.CharField(),
                "lead": serializers.CharField(),
                "agreed_on": serializers.DateField(),
                "status": serializers.CharField(),
                "done_on": serializers.DateField(allow_null=True),
                "themes": serializers.ListField(child=serializers.CharField()),
                "feedback_count": serializers.IntegerField(
                    allow_null=True, help_text="null: fewer than 5"
                ),
                "you_said": serializers.CharField(),
                "we_did": serializers.CharField(),
                "quotes": serializers.ListField(child=serializers.DictField()),
                "own_feedback": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
    )
    def get(self, request, pk: int):
        _viewer(request)
        try:
            found = selectors.action_get(user=request.user, pk=pk)
        except PartnershipAction.DoesNotExist:
            raise Http404 from None
        body = _action(found)
        body.update(
            {
                "you_said": found.action.you_said,
                "we_did": found.action.we_did,
                "quotes": [{"text": q.text, "quarter": q.quarter} for q in found.quotes],
                "own_feedback": [f.pk for f in found.own_items],
            }
        )
        return Response(body)
