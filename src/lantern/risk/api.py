"""The risk tools API: the tools with their questions, completing one for a person, a
person's assessments, one assessment, and a manager's decision on a lower level.
Through the same selectors and services (and audit) as the pages; a person the caller may
not see answers 404, and so do their assessments. Mounted under /api/v1/ (api_urls.py)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.people.models import Person

from . import selectors, services, tools
from .models import Assessment
from .selectors import AssessmentView
from .tools import Condition, Question, Rule, Tool


# ---------------------------------------------------------------- the tools
class RiskChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()


class RiskStepSerializer(serializers.Serializer):
    at_least = serializers.IntegerField(required=False, help_text="Number questions")
    within_days = serializers.IntegerField(required=False, help_text="Date questions")
    points = serializers.IntegerField()


class RiskConditionSerializer(serializers.Serializer):
    question = serializers.CharField(required=False)
    about = serializers.CharField(required=False)
    test = serializers.ChoiceField(choices=list(tools.TESTS))
    value = serializers.JSONField()


class RiskQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    domain = serializers.CharField()
    text = serializers.CharField()
    type = serializers.ChoiceField(choices=list(tools.QUESTION_TYPES))
    help = serializers.CharField(allow_blank=True)
    required = serializers.BooleanField()
    weight = serializers.IntegerField(help_text="yes_no: the points a yes gives")
    choices = RiskChoiceSerializer(many=True, help_text="yes_no and choice: the answers allowed")
    steps = RiskStepSerializer(many=True)
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    only_if = RiskConditionSerializer(many=True, help_text="Asked only when these hold")


class RiskDomainSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    help = serializers.CharField(allow_blank=True)


class RiskBandSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    min = serializers.IntegerField()
    max = serializers.IntegerField(allow_null=True)


class RiskRuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField(required=False, help_text="Floor rules: the least level")
    reason = serializers.CharField(required=False)
    text = serializers.CharField(required=False, help_text="Routes: what to do")
    when = RiskConditionSerializer(many=True)
    when_any = RiskConditionSerializer(many=True)


class RiskToolSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    current = serializers.BooleanField(help_text="The version new assessments use")
    name = serializers.CharField()
    purpose = serializers.CharField()
    guidance = serializers.CharField(allow_blank=True)
    roles = serializers.ListField(child=serializers.CharField())
    may_complete = serializers.BooleanField(help_text="Whether your role may complete it")
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    max_score = serializers.IntegerField()
    domains = RiskDomainSerializer(many=True)
    questions = RiskQuestionSerializer(many=True)
    bands = RiskBandSerializer(many=True)
    floors = RiskRuleSerializer(many=True)
    routes = RiskRuleSerializer(many=True)


def _condition(c: Condition) -> dict:
    value = list(c.value) if isinstance(c.value, tuple) else c.value
    return {("about" if c.about else "question"): c.subject, "test": c.test, "value": value}


def _rule(r: Rule, *, floor: bool) -> dict:
    data = {
        "code": r.code,
        "when": [_condition(c) for c in r.when],
        "when_any": [_condition(c) for c in r.when_any],
    }
    if floor:
        data.update(level=r.level, reason=r.reason)
    else:
        data["text"] = r.text
    return data


def _question(q: Question) -> dict:
    step_key = "at_least" if q.type == "number" else "within_days"
    if q.type == "yes_no":
        choices = [{"value": "yes", "label": "Yes", "points": q.weight}]
        choices.append({"value": "no", "label": "No", "points": 0})
    else:
        choices = [{"value": c.value, "label": c.label, "points": c.points} for c in q.choices]
    return {
        "code": q.code,
        "domain": q.domain,
        "text": q.text,
        "type": q.type,
        "help": q.help,
        "required": q.required,
        "weight": q.weight,
        "choices": choices,
        "steps": [{step_key: s.threshold, "points": s.points} for s in q.steps],
        "min": q.minimum,
        "max": q.maximum,
        "only_if": [_condition(c) for c in q.only_if],
    }


def _tool(tool: Tool, *, current: bool, user) -> dict:
    return {
        "code": tool.code,
        "version": tool.version,
        "current": current,
        "name": tool.name,
        "purpose": tool.purpose,
        "guidance": tool.guidance,
        "roles": list(tool.roles),
        "may_complete": current and services.may_complete(user, tool),
        "min_age": tool.min_age,
        "max_age": tool.max_age,
        "max_score": tool.max_score,
        "domains": [{"code": d.code, "title": d.title, "help": d.help} for d in tool.domains],
        "questions": [_question(q) for q in tool.questions],
        "bands": [
            {"level": b.level, "label": b.label, "min": b.minimum, "max": b.maximum}
            for b in tool.bands
        ],
        "floors": [_rule(r, floor=True) for r in tool.floors],
        "routes": [_rule(r, floor=False) for r in tool.routes],
    }


class RiskToolList(APIView):
    """Every risk tool with its questions, bands, floor rules and routes: each version (the
    current one marked), so an old assessment can be read with the questions it used."""

    @extend_schema(
        operation_id="risk_tools_list",
        responses=inline_serializer("RiskTools", {"results": RiskToolSerializer(many=True)}),
    )
    def get(self, request):
        if not policy.sees_case_data(request.user):
            raise Http404
        found = tools.registry()
        results = []
        for current in found.current():
            for version in reversed(found.versions(current.code)):
                tool = found.get(current.code, version)
                results.append(_tool(tool, current=version == current.version, user=request.user))
        return Response({"results": RiskToolSerializer(results, many=True).data})


# ---------------------------------------------------------------- assessments
class RiskRouteSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class RiskAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField(help_text="The person's reference")
    tool = serializers.CharField()
    tool_version = serializers.IntegerField()
    tool_name = serializers.CharField()
    answers = serializers.DictField(help_text="By question code, as the version asked them")
    score = serializers.IntegerField()
    score_level = serializers.CharField(help_text="What the tool gives (bands and floor rules)")
    floors = serializers.ListField(
        child=serializers.CharField(), help_text="The floor rules that held, in words"
    )
    level = serializers.CharField(help_text="The level that counts")
    judgement_reason = serializers.CharField(allow_blank=True)
    routes = RiskRouteSerializer(many=True)
    status = serializers.CharField(
        help_text="final, or awaiting_approval: a lower level waits for a team manager"
    )
    proposed_level = serializers.CharField(allow_blank=True)
    completed_by = serializers.CharField()
    agency = serializers.CharField(help_text="The completing user's agency (its code)")
    completed_at = serializers.DateTimeField()
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    refused_by = serializers.CharField(allow_null=True)
    refused_at = serializers.DateTimeField(allow_null=True)
    manager_reason = serializers.CharField(allow_blank=True)


class RiskAssessmentInSerializer(serializers.Serializer):
    tool = serializers.CharField(max_length=60, help_text="The tool's code")
    version = serializers.IntegerField(
        required=False, help_text="The version the answers are for (refused if not current)"
    )
    answers = serializers.DictField(
        help_text="By question code: yes_no 'yes' or 'no'; choice a value; number a whole "
        "number; date 'YYYY-MM-DD'; text"
    )
    level = serializers.CharField(
        required=False, allow_blank=True, help_text="A level other than the tool's, if judged"
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class RiskDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


def _name(user) -> str | None:
    return user.get_full_name() or user.get_username() if user is not None else None


def _assessment(view: AssessmentView) -> dict:
    a = view.assessment
    return {
        "id": a.pk,
        "person": a.person.reference,
        "tool": a.tool,
        "tool_version": a.tool_version,
        "tool_name": view.tool.name,
        "answers": a.answers,
        "score": a.score,
        "score_level": a.score_level,
        "floors": [f.reason for f in view.outcome.floors],
        "level": a.level,
        "judgement_reason": a.judgement_reason,
        "routes": [{"code": r.code, "text": r.text} for r in view.routes],
        "status": a.status,
        "proposed_level": a.proposed_level,
        "completed_by": _name(a.completed_by),
        "agency": a.agency.code,
        "completed_at": a.completed_at,
        "approved_by": _name(a.approved_by),
        "approved_at": a.approved_at,
        "refused_by": _name(a.refused_by),
        "refused_at": a.refused_at,
        "manager_reason": a.manager_reason,
    }


def _person(request, reference: str) -> Person:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.person_get(user=request.user, reference=reference, action="api")
    except Person.DoesNotExist:
        raise Http404 from None


def _found(request, pk: int) -> Assessment:
    if not policy.sees_case_data(request.user):
        raise Http404
    try:
        return selectors.assessment_get(user=request.user, pk=pk, action="api")
    except Assessment.DoesNotExist:
        raise Http404 from None


REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH)
PK = OpenApiParameter("pk", int, OpenApiParameter.PATH)


class PersonRiskAssessments(APIView):
    """A person's risk assessments (newest first), or complete a risk tool about them."""

    @extend_schema(
        operation_id="risk_assessments_list",
        parameters=[REFERENCE],
        responses=inline_serializer(
            "RiskAssessments",
            {"person": serializers.CharField(), "results": RiskAssessmentSerializer(many=True)},
        ),
    )
    def get(self, request, reference: str):
        person = _person(request, reference)
        views = selectors.person_assessments(
            user=request.user, person=person, operation="api.risk.assessments"
        )
        return Response(
            {
                "person": person.reference,
                "results": RiskAssessmentSerializer(
                    [_assessment(v) for v in views], many=True
                ).data,
            }
        )

    @extend_schema(
        operation_id="risk_assessment_create",
        parameters=[REFERENCE],
        request=RiskAssessmentInSerializer,
        responses={201: RiskAssessmentSerializer},
    )
    def post(self, request, reference: str):
        person = _person(request, reference)
        given = RiskAssessmentInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            assessment = services.assessment_complete(
                actor=request.user,
                person=person,
                tool=data["tool"],
                version=data.get("version"),
                answers=data["answers"],
                level=data.get("level") or None,
                reason=data.get("reason", ""),
            )
        except Person.DoesNotExist:
            raise Http404 from None
        view = selectors.assessment_view(
            user=request.user, assessment=assessment, operation="api.risk.assessment.create"
        )
        return Response(RiskAssessmentSerializer(_assessment(view)).data, status=201)


class RiskAssessmentDetail(APIView):
    """One risk assessment, with the routes and floor rules in words."""

    @extend_schema(
        operation_id="risk_assessment_retrieve",
        parameters=[PK],
        responses=RiskAssessmentSerializer,
    )
    def get(self, request, pk: int):
        found = _found(request, pk)
        view = selectors.assessment_view(
            user=request.user, assessment=found, operation="api.risk.assessment"
        )
        return Response(RiskAssessmentSerializer(_assessment(view)).data)


class _Decision(APIView):
    service = None
    operation = ""

    def post(self, request, pk: int):
        found = _found(request, pk)
        given = RiskDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            decided = type(self).service(
                actor=request.user, assessment=found, reason=given.validated_data.get("reason", "")
            )
        except Assessment.DoesNotExist:
            raise Http404 from None
        view = selectors.assessment_view(
            user=request.user, assessment=decided, operation=self.operation
        )
        return Response(RiskAssessmentSerializer(_assessment(view)).data)


class RiskAssessmentApprove(_Decision):
    """A team manager agrees a lower level than the tool gave (not their own assessment)."""

    service = staticmethod(services.assessment_approve)
    operation = "api.risk.assessment.approve"

    @extend_schema(
        operation_id="risk_assessment_approve",
        parameters=[PK],
        request=RiskDecisionSerializer,
        responses=RiskAssessmentSerializer,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class RiskAssessmentReject(_Decision):
    """A team manager refuses a lower level, with a reason: the tool's level stands."""

    service = staticmethod(services.assessment_reject)
    operation = "api.risk.assessment.reject"

    @extend_schema(
        operation_id="risk_assessment_reject",
        parameters=[PK],
        request=RiskDecisionSerializer,
        responses=RiskAssessmentSerializer,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)
