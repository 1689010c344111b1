"""The justice API: operations' totals (with what each counts, as at a day), one court case
count by count, and the plea, verdict and sentences on a case. Mounted under /api/v1/
(api_urls.py).

Through the same selectors and services (and audit) as the pages. Totals are counts: the
police, the partnership manager and the independent scrutineer read them. A court case is
the police force's: anyone else gets 404. A refusal answers 400 naming the field as the
request names it, counting from 1: `sentences[2].consecutive_to`, `count`, `on`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.core import clock

from . import selectors, services
from .models import CourtCase
from .views import operations_for, sees_totals

BIGGEST = 100_000  # beyond any count number or term: the services say what is allowed
TOTAL_KEYS = [
    "arrests",
    "people_charged",
    "people_convicted",
    "convictions",
    "custodial_years",
    "custodial_months",
    "life_sentences",
    "active_investigations",
    "victims_identified",
    "victims_engaged",
]
DEFINITIONS = {
    **selectors.DEFINITIONS,
    "custodial_months": "The effective custodial terms (as custodial_years counts them), in "
    "months.",
}


# ---------------------------------------------------------------- refusals
def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors named as the services name fields: `sentences[2].kind` (from 1)."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":
                name = prefix or "detail"
            elif isinstance(key, int):
                name = f"{prefix}[{key + 1}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, found in _flatten(value, name).items():
                flat.setdefault(field, []).extend(found)
    elif isinstance(errors, list):
        if all(not isinstance(e, dict | list) for e in errors):
            flat[prefix or "detail"] = [str(e) for e in errors]
        else:
            for number, item in enumerate(errors, start=1):
                if item:
                    for field, found in _flatten(item, f"{prefix}[{number}]").items():
                        flat.setdefault(field, []).extend(found)
    else:
        flat[prefix or "detail"] = [str(errors)]
    return flat


def _valid(serializer: serializers.Serializer) -> dict:
    if not serializer.is_valid():
        raise ValidationError(_flatten(serializer.errors))
    return serializer.validated_data


# ---------------------------------------------------------------- totals
class AsAtSerializer(serializers.Serializer):
    as_at = serializers.DateField(
        required=False, help_text="The day the totals stand at (YYYY-MM-DD); today if left out"
    )


class OperationTotalsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    as_at = serializers.DateField()
    totals = serializers.DictField(
        child=serializers.FloatField(),
        help_text="By name: " + ", ".join(TOTAL_KEYS) + " (custodial_years to one decimal place)",
    )
    definitions = serializers.DictField(
        child=serializers.CharField(), help_text="What each total counts, by name"
    )


def _totals_reader(request) -> None:
    if not sees_totals(request.user):
        raise Http404


def _as_at(request):
    data = _valid(AsAtSerializer(data=request.query_params))
    return data.get("as_at")


def _totals(operation, totals: selectors.Totals) -> dict:
    return {
        "code": operation.code,
        "name": operation.name,
        "started_on": operation.started_on,
        "ended_on": operation.ended_on,
        "as_at": totals.as_at,
        "totals": {key: getattr(totals, key) for key in TOTAL_KEYS},
        "definitions": DEFINITIONS,
    }


AS_AT = OpenApiParameter("as_at", str, OpenApiParameter.QUERY, required=False)
CODE = OpenApiParameter("code", str, OpenApiParameter.PATH)
PK = OpenApiParameter("pk", int, OpenApiParameter.PATH)


class OperationList(APIView):
    """Every operation the caller may read, with its totals as at a day and what each
    total counts. Counts only: no name or reference of anyone."""

    @extend_schema(
        operation_id="justice_operations_list",
        parameters=[AS_AT],
        responses=inline_serializer(
            "JusticeOperations",
            {
                "as_at": serializers.DateField(),
                "definitions": serializers.DictField(child=serializers.CharField()),
                "results": OperationTotalsSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        _totals_reader(request)
        as_at = _as_at(request)
        found = operations_for(request.user).order_by("-started_on", "name")
        totals = selectors.operations_totals(as_at=as_at, operations=found)
        results = [_totals(op, totals[op.pk]) for op in found]
        day = next(iter(totals.values())).as_at if totals else (as_at or clock.today())
        return Response(
            {
                "as_at": serializers.DateField().to_representation(day),
                "definitions": DEFINITIONS,
                "results": OperationTotalsSerializer(results, many=True).data,
            }
        )


class OperationTotals(APIView):
    """One operation's totals as at a day, with what each counts."""

    @extend_schema(
        operation_id="justice_operation_totals",
        parameters=[CODE, AS_AT],
        responses=OperationTotalsSerializer,
    )
    def get(self, request, code: str):
        _totals_reader(request)
        found = operations_for(request.user).filter(code=code).first()
        if found is None:
            raise Http404
        totals = selectors.operation_totals(operation=found, as_at=_as_at(request))
        return Response(OperationTotalsSerializer(_totals(found, totals)).data)


# ---------------------------------------------------------------- a court case
class SentenceOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    term_months = serializers.IntegerField(allow_null=True)
    minimum_term_months = serializers.IntegerField(allow_null=True)
    consecutive_to = serializers.IntegerField(
        allow_null=True, help_text="The count it runs after; null: concurrent"
    )
    description = serializers.CharField(allow_blank=True)
    sentenced_on = serializers.DateField()


class CountOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    offence = serializers.CharField(help_text="The offence's code (offences.toml)")
    offence_title = serializers.CharField()
    particulars = serializers.CharField(allow_blank=True)
    charged_on = serializers.DateField()
    plea = serializers.CharField()
    plea_on = serializers.DateField(allow_null=True)
    verdict = serializers.CharField()
    verdict_on = serializers.DateField(allow_null=True)
    unanimous = serializers.BooleanField(allow_null=True)
    majority = serializers.CharField(allow_blank=True)
    convicted = serializers.BooleanField()
    outcome = serializers.CharField(help_text="The outcome in words")
    sentence = SentenceOutSerializer(allow_null=True)
    sentence_text = serializers.CharField(allow_blank=True, help_text="The sentence in words")


class HearingOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    on = serializers.DateField()
    court = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class TimelineOutSerializer(serializers.Serializer):
    on = serializers.DateField()
    what = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())


class DefendantSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    court = serializers.CharField()
    investigation = serializers.CharField(help_text="The investigation's reference")
    operation = serializers.CharField(help_text="The operation's code")
    defendant = DefendantSerializer()
    counts = CountOutSerializer(many=True)
    effective_term = serializers.CharField(
        allow_blank=True, help_text="The effective custodial term in words; empty if none"
    )
    hearings = HearingOutSerializer(many=True)
    timeline = TimelineOutSerializer(many=True)


def _case(view: selectors.CaseView) -> dict:
    case = view.case
    numbers = {c.charge.pk: c.charge.number for c in view.counts}
    counts = []
    for c in view.counts:
        charge = c.charge
        sentence = getattr(charge, "sentence", None)
        counts.append(
            {
                "number": charge.number,
                "offence": charge.offence,
                "offence_title": c.offence,
                "particulars": charge.particulars,
                "charged_on": charge.charged_on,
                "plea": charge.plea,
                "plea_on": charge.plea_on,
                "verdict": charge.verdict,
                "verdict_on": charge.verdict_on,
                "unanimous": charge.unanimous,
                "majority": charge.majority,
                "convicted": charge.convicted,
                "outcome": c.outcome,
                "sentence": None
                if sentence is None
                else {
                    "kind": sentence.kind,
                    "term_months": sentence.term_months,
                    "minimum_term_months": sentence.minimum_term_months,
                    "consecutive_to": numbers.get(sentence.consecutive_to_id),
                    "description": sentence.description,
                    "sentenced_on": sentence.sentenced_on,
                },
                "sentence_text": c.sentence,
            }
        )
    return {
        "id": case.pk,
        "reference": case.reference,
        "court": case.court,
        "investigation": case.investigation.reference,
        "operation": case.investigation.operation.code,
        "defendant": {
            "reference": case.defendant.person.reference,
            "name": case.defendant.person.full_name,
        },
        "counts": counts,
        "effective_term": view.effective,
        "hearings": [
            {"kind": h.kind, "on": h.on, "court": h.court, "note": h.note}
            for h in case.hearings.all()
        ],
        "timeline": [{"on": e.on, "what": e.what, "counts": e.counts} for e in view.timeline],
    }


def _case_view(request, pk: int) -> selectors.CaseView:
    try:
        return selectors.case_view(user=request.user, pk=pk, action="api")
    except CourtCase.DoesNotExist:
        raise Http404 from None


def _case_for_change(request, pk: int) -> CourtCase:
    """The case, if the caller may read it through the API; the service decides whether
    they may change it."""
    found = (
        CourtCase.objects.filter(
            pk=pk, investigation__in=selectors.investigations_visible_to(request.user, "api")
        )
        .select_related("investigation", "defendant__person")
        .first()
    )
    if found is None:
        raise Http404
    return found


class CaseDetail(APIView):
    """One defendant's court case: each count's offence, plea, verdict and sentence, the
    effective term, the hearings and the timeline."""

    @extend_schema(operation_id="justice_case_retrieve", parameters=[PK], responses=CaseSerializer)
    def get(self, request, pk: int):
        return Response(CaseSerializer(_case(_case_view(request, pk))).data)


class PleaInSerializer(serializers.Serializer):
    count = serializers.IntegerField(max_value=BIGGEST, help_text="The count's number")
    plea = serializers.CharField(help_text="guilty or not_guilty")
    on = serializers.DateField()


class VerdictInSerializer(serializers.Serializer):
    count = serializers.IntegerField(max_value=BIGGEST, help_text="The count's number")
    verdict = serializers.CharField(help_text="guilty, not_guilty or no_verdict")
    on = serializers.DateField()
    unanimous = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Not for no_verdict"
    )
    majority = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Jurors for and against: 10-2"
    )


class SentenceInSerializer(serializers.Serializer):
    number = serializers.IntegerField(max_value=BIGGEST, help_text="The count's number")
    kind = serializers.CharField(help_text="custody, life, suspended, community or other")
    term_months = serializers.IntegerField(
        required=False, allow_null=True, default=None, max_value=BIGGEST
    )
    minimum_term_months = serializers.IntegerField(
        required=False, allow_null=True, default=None, max_value=BIGGEST
    )
    consecutive_to = serializers.IntegerField(
        required=False,
        max_value=BIGGEST,
        allow_null=True,
        default=None,
        help_text="The count whose sentence this one follows; null or left out: concurrent",
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")


class SentencesInSerializer(serializers.Serializer):
    sentenced_on = serializers.DateField()
    sentences = SentenceInSerializer(many=True)


class CasePlea(APIView):
    """A plea to one count of the case."""

    @extend_schema(
        operation_id="justice_case_plea",
        parameters=[PK],
        request=PleaInSerializer,
        responses=CaseSerializer,
    )
    def post(self, request, pk: int):
        found = _case_for_change(request, pk)
        data = _valid(PleaInSerializer(data=request.data))
        services.plea_enter(
            actor=request.user,
            court_case=found,
            number=data["count"],
            plea=data["plea"],
            on=data["on"],
        )
        return Response(CaseSerializer(_case(_case_view(request, pk))).data)


class CaseVerdict(APIView):
    """The jury's verdict on one count the defendant denied."""

    @extend_schema(
        operation_id="justice_case_verdict",
        parameters=[PK],
        request=VerdictInSerializer,
        responses=CaseSerializer,
    )
    def post(self, request, pk: int):
        found = _case_for_change(request, pk)
        data = _valid(VerdictInSerializer(data=request.data))
        services.verdict_record(
            actor=request.user,
            court_case=found,
            number=data["count"],
            verdict=data["verdict"],
            on=data["on"],
            unanimous=data["unanimous"],
            majority=data["majority"],
        )
        return Response(CaseSerializer(_case(_case_view(request, pk))).data)


class CaseSentences(APIView):
    """The sentences passed on one day, on several counts at once: all of them or none."""

    @extend_schema(
        operation_id="justice_case_sentences",
        parameters=[PK],
        request=SentencesInSerializer,
        responses={201: CaseSerializer},
    )
    def post(self, request, pk: int):
        found = _case_for_change(request, pk)
        data = _valid(SentencesInSerializer(data=request.data))
        services.sentence_pass(
            actor=request.user,
            court_case=found,
            sentenced_on=data["sentenced_on"],
            sentences=[services.SentenceIn(**item) for item in data["sentences"]],
        )
        return Response(CaseSerializer(_case(_case_view(request, pk))).data, status=201)
