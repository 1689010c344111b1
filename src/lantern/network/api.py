"""The network API: record an intelligence report, read one, the network around an
entity, flag an entity, share a sanitised summary of a report with another agency, and
the summaries shared with (or by) your agency. Mounted under /api/v1/ (api_urls.py).

Through the same selectors and services (and audit) as the pages. A report, an entity or
a summary the caller may not see answers 404. A refusal answers 400 naming the field as
the report's own structure names it, counting from 1: `links[2].target`,
`entities[1].value`, `source_evaluation`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.access import policy
from lantern.api.pagination import BoundedPagination
from lantern.partners.models import Agency

from . import safety, selectors, services
from .models import Entity, EntityKind, IntelligenceReport, Link, Origin, SharedSummary

MAX_ENTITIES = 200
MAX_LINKS = 500
SUMMARY_LIMIT = 200


# ---------------------------------------------------------------- refusals
def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as the services name fields: `links[2].first_seen` (from 1)."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":
                name = prefix or "detail"
            elif isinstance(key, int):  # a list field's errors, by position from 0
                name = f"{prefix}[{key + 1}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(errors, list):
        if all(not isinstance(e, dict | list) for e in errors):
            flat[prefix or "detail"] = [str(e) for e in errors]
        else:
            for number, item in enumerate(errors, start=1):
                if item:
                    flat.update(_flatten(item, f"{prefix}[{number}]"))
    else:
        flat[prefix or "detail"] = [str(errors)]
    return flat


def _valid(serializer: serializers.Serializer) -> dict:
    if not serializer.is_valid():
        raise ValidationError(_flatten(serializer.errors))
    return serializer.validated_data


def _caller(request) -> None:
    """The network is for those who work with records about people; others find nothing."""
    if not policy.sees_case_data(request.user):
        raise Http404


# ---------------------------------------------------------------- what is shown
class EntityOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    reference = serializers.CharField(allow_blank=True, help_text="A person's reference")


class LinkOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = EntityOutSerializer()
    target = EntityOutSerializer()
    first_seen = serializers.DateField()
    last_seen = serializers.DateField(allow_null=True)


class SummaryBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recipient = serializers.CharField(help_text="The receiving agency's code")
    shared_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    links = serializers.ListField(child=serializers.IntegerField())


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    agency = serializers.CharField(help_text="The holding agency's code")
    submitted_by = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    origin = serializers.CharField()
    observed_on = serializers.DateField()
    source_description = serializers.CharField()
    source_evaluation = serializers.CharField()
    intelligence_assessment = serializers.CharField()
    handling_code = serializers.CharField()
    handling_conditions = serializers.CharField(allow_blank=True)
    grading = serializers.CharField(help_text="The three codes together, e.g. B2P")
    sensitivity = serializers.CharField()
    text = serializers.CharField()
    links = LinkOutSerializer(many=True)
    links_left_out = serializers.IntegerField(
        help_text="Links to a person you may not see, left out"
    )
    summaries = SummaryBriefSerializer(many=True)


def _entity(entity: Entity, mask: safety.NetworkMask = safety.NO_NETWORK_MASK) -> dict:
    return {
        "id": entity.pk,
        "kind": entity.kind,
        "label": mask.label(entity.pk, entity.label),
        "reference": entity.person.reference if entity.person_id else "",
    }


def _links_mask(user, links: list[Link]) -> safety.NetworkMask:
    """The mask for these links' ends: a hidden person's home named only as hidden."""
    if user is None:
        return safety.NO_NETWORK_MASK
    ends = {e.pk: e for x in links for e in (x.source, x.target)}
    return safety.network_mask(
        user=user,
        entities=[(e.pk, e.kind, e.person_id) for e in ends.values()],
    )


def _details(details: dict, mask: safety.NetworkMask) -> dict:
    if not mask:
        return details
    return {k: mask.text.any_text(v) if isinstance(v, str) else v for k, v in details.items()}


def _link(link: Link, mask: safety.NetworkMask = safety.NO_NETWORK_MASK) -> dict:
    return {
        "id": link.pk,
        "kind": link.kind,
        "source": _entity(link.source, mask),
        "target": _entity(link.target, mask),
        "first_seen": link.first_seen,
        "last_seen": link.last_seen,
    }


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _report(report: IntelligenceReport, user=None) -> dict:
    summaries = report.summaries.select_related("recipient").prefetch_related("links")
    mask = _links_mask(user, list(report.shown_links))
    return {
        "id": report.pk,
        "reference": report.reference,
        "agency": report.agency.code,
        "submitted_by": _name(report.submitted_by),
        "submitted_at": report.submitted_at,
        "origin": report.origin,
        "observed_on": report.observed_on,
        "source_description": report.source_description,
        "source_evaluation": report.source_evaluation,
        "intelligence_assessment": report.intelligence_assessment,
        "handling_code": report.handling_code,
        "handling_conditions": report.handling_conditions,
        "grading": report.grading,
        "sensitivity": report.sensitivity,
        "text": mask.text.any_text(report.text),
        "links": [
            _link(x, mask) for x in report.shown_links if mask.keeps_link(x.source_id, x.target_id)
        ],
        "links_left_out": report.left_out,
        "summaries": [
            {
                "id": s.pk,
                "recipient": s.recipient.code,
                "shared_at": s.shared_at,
                "withdrawn_at": s.withdrawn_at,
                "links": sorted(x.pk for x in s.links.all()),
            }
            for s in summaries.order_by("shared_at", "pk")
        ],
    }


def _report_get(request, pk) -> IntelligenceReport:
    _caller(request)
    try:
        return selectors.report_get(user=request.user, pk=pk, action="api")
    except IntelligenceReport.DoesNotExist:
        raise Http404 from None


PK = OpenApiParameter("pk", int, OpenApiParameter.PATH)


# ---------------------------------------------------------------- recording a report
class EntityInSerializer(serializers.Serializer):
    ref = serializers.CharField(
        max_length=60, help_text="The report's own name for the entity; its links use it"
    )
    entity_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="An entity already in Lantern"
    )
    kind = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=f"One of {', '.join(EntityKind.values)}",
    )
    value = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="A registration, phone number, IMEI, handle, place or event",
    )
    person_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="A person's reference"
    )
    platform = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="An online account's platform"
    )
    postcode = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="A location's postcode"
    )
    place_type = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="A location's type"
    )
    on = serializers.DateField(required=False, allow_null=True, help_text="An event's date")
    details = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text="A vehicle's make and colour, and the like",
    )

    def validate_details(self, value):
        if len(value) > 10:
            raise serializers.ValidationError("At most 10 details")
        return value


class LinkInSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=60, help_text="An entity's ref in this report")
    target = serializers.CharField(max_length=60, help_text="An entity's ref in this report")
    kind = serializers.CharField(max_length=20)
    first_seen = serializers.DateField(
        required=False, allow_null=True, help_text="The report's day if not given"
    )
    last_seen = serializers.DateField(required=False, allow_null=True)


class ReportInSerializer(serializers.Serializer):
    observed_on = serializers.DateField(
        required=False, allow_null=True, help_text="When it was seen or happened"
    )
    source_description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_evaluation = serializers.CharField(
        required=False, allow_blank=True, max_length=5, help_text="A, B or C"
    )
    intelligence_assessment = serializers.CharField(
        required=False, allow_blank=True, max_length=5, help_text="1 to 5"
    )
    handling_code = serializers.CharField(
        required=False, allow_blank=True, max_length=5, help_text="P or C"
    )
    handling_conditions = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required for C"
    )
    text = serializers.CharField(required=False, allow_blank=True)
    sensitivity = serializers.CharField(required=False, allow_blank=True, max_length=10)
    entities = EntityInSerializer(many=True, max_length=MAX_ENTITIES)
    links = LinkInSerializer(many=True, max_length=MAX_LINKS)


def _report_input(data: dict) -> services.ReportInput:
    entities = [
        services.EntityInput(
            ref=e["ref"],
            kind=e.get("kind", ""),
            value=e.get("value", ""),
            person_reference=e.get("person_reference", ""),
            entity_id=e.get("entity_id"),
            platform=e.get("platform", ""),
            postcode=e.get("postcode", ""),
            place_type=e.get("place_type", ""),
            on=e.get("on"),
            details=dict(e.get("details") or {}),
        )
        for e in data["entities"]
    ]
    links = [
        services.LinkInput(
            source=x["source"],
            target=x["target"],
            kind=x["kind"],
            first_seen=x.get("first_seen"),
            last_seen=x.get("last_seen"),
        )
        for x in data["links"]
    ]
    return services.ReportInput(
        observed_on=data.get("observed_on"),
        source_description=data.get("source_description", ""),
        source_evaluation=data.get("source_evaluation", ""),
        intelligence_assessment=data.get("intelligence_assessment", ""),
        handling_code=data.get("handling_code", ""),
        handling_conditions=data.get("handling_conditions", ""),
        text=data.get("text", ""),
        sensitivity=data.get("sensitivity") or "normal",
        entities=entities,
        links=links,
    )


class ReportCreate(APIView):
    """Record an intelligence report: the entities it names (each matched to one already
    held, however it was typed) and how they are linked. Refused as a whole, naming the
    field (`links[2].target`), if anything in it is wrong: nothing is half saved."""

    @extend_schema(
        operation_id="network_report_create",
        request=ReportInSerializer,
        responses={201: ReportSerializer},
    )
    def post(self, request):
        _caller(request)
        data = _valid(ReportInSerializer(data=request.data))
        report = services.report_submit(
            actor=request.user, data=_report_input(data), origin=Origin.API
        )
        shown = _report_get(request, report.pk)
        return Response(ReportSerializer(_report(shown)).data, status=201)


class ReportDetail(APIView):
    """One intelligence report, with its grading and links (a person you may not see is
    left out, with their links). Only the police holding it see it."""

    @extend_schema(
        operation_id="network_report_retrieve", parameters=[PK], responses=ReportSerializer
    )
    def get(self, request, pk: int):
        found = _report_get(request, pk)
        return Response(ReportSerializer(_report(found, request.user)).data)


# ---------------------------------------------------------------- the network
class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    flagged = serializers.BooleanField()
    reference = serializers.CharField(allow_blank=True, help_text="A person's reference")
    is_child = serializers.BooleanField()
    community = serializers.IntegerField(allow_null=True)
    details = serializers.DictField()


class EdgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.IntegerField()
    target = serializers.IntegerField()
    kind = serializers.CharField()
    first_seen = serializers.DateField()
    last_seen = serializers.DateField(allow_null=True)


class NetworkSerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    truncated = serializers.BooleanField(help_text="True: more links than could be shown")
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)


class NeighbourhoodQuerySerializer(serializers.Serializer):
    hops = serializers.IntegerField(min_value=1, max_value=3, default=2)
    since = serializers.DateField(required=False, help_text="Links seen on or after")
    until = serializers.DateField(required=False, help_text="Links first seen on or before")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=EntityKind.values),
        required=False,
        help_text="Kinds of entity shown (repeat, or separate with commas); all if none",
    )

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": ["Must be the same as or after since"]})
        return attrs


def _entity_get(request, pk) -> Entity:
    _caller(request)
    try:
        entity = selectors.entity_get(user=request.user, pk=pk)
    except Entity.DoesNotExist:
        raise Http404 from None
    mask = safety.network_mask(user=request.user, entities=[(entity.pk, entity.kind, None)])
    if mask.hides(entity.pk):
        raise Http404  # the home of someone whose address is hidden from the caller
    return entity


class EntityNeighbourhood(APIView):
    """Everything within `hops` links (1 to 3, default 2) of an entity that you may see:
    a person you may not see is absent with their links. Filter by the days links were
    seen (`since`, `until`) and by the kinds of entity (`kinds`)."""

    @extend_schema(
        operation_id="network_entity_neighbourhood",
        parameters=[PK, NeighbourhoodQuerySerializer],
        responses=NetworkSerializer,
    )
    def get(self, request, pk: int):
        entity = _entity_get(request, pk)
        params = {
            "hops": request.query_params.get("hops", 2),
            **(
                {"since": request.query_params["since"]}
                if request.query_params.get("since")
                else {}
            ),
            **(
                {"until": request.query_params["until"]}
                if request.query_params.get("until")
                else {}
            ),
        }
        kinds = [
            k.strip()
            for given in request.query_params.getlist("kinds")
            for k in given.split(",")
            if k.strip()
        ]
        if kinds:
            params["kinds"] = kinds
        query = _valid(NeighbourhoodQuerySerializer(data=params))
        view = selectors.neighbourhood(
            user=request.user,
            entity=entity,
            hops=query["hops"],
            since=query.get("since"),
            until=query.get("until"),
            kinds=set(query.get("kinds") or ()) or None,
        )
        mask = safety.network_mask(
            user=request.user,
            entities=[(n.id, n.kind, n.person_id) for n in view.nodes],
        )
        data = {
            "centre": entity.pk,
            "truncated": view.truncated,
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "label": mask.label(n.id, n.label),
                    "flagged": n.flagged,
                    "reference": n.reference,
                    "is_child": n.is_child,
                    "community": n.community,
                    "details": _details(n.details, mask),
                }
                for n in view.nodes
                if not mask.hides(n.id)
            ],
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "kind": e.kind,
                    "first_seen": e.first_seen,
                    "last_seen": e.last_seen,
                }
                for e in view.edges
                if mask.keeps_link(e.source, e.target)
            ],
        }
        return Response(NetworkSerializer(data).data)


class FlagInSerializer(serializers.Serializer):
    flagged = serializers.BooleanField(default=True, help_text="False removes the flag")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Required to flag"
    )


class FlaggedSerializer(EntityOutSerializer):
    flagged = serializers.BooleanField()
    flag_reason = serializers.CharField(allow_blank=True)


class EntityFlag(APIView):
    """Flag a person posing a risk or a location of concern (the police), with why; or
    remove the flag (`flagged: false`)."""

    @extend_schema(
        operation_id="network_entity_flag",
        parameters=[PK],
        request=FlagInSerializer,
        responses=FlaggedSerializer,
    )
    def post(self, request, pk: int):
        entity = _entity_get(request, pk)
        data = _valid(FlagInSerializer(data=request.data))
        entity = services.entity_flag(
            actor=request.user,
            entity=entity,
            flagged=data["flagged"],
            reason=data.get("reason", ""),
        )
        return Response(
            FlaggedSerializer(
                {**_entity(entity), "flagged": entity.flagged, "flag_reason": entity.flag_reason}
            ).data
        )


# ---------------------------------------------------------------- sharing
class SummaryInSerializer(serializers.Serializer):
    recipient = serializers.CharField(max_length=40, help_text="The receiving agency's code")
    text = serializers.CharField(
        allow_blank=True, help_text="What the agency needs to know, without the source"
    )
    links = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=MAX_LINKS,
        help_text="The report's links the agency may see (their ids)",
    )


class SummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.CharField(help_text="The sharing agency's code")
    agency_name = serializers.CharField()
    recipient = serializers.CharField(help_text="The receiving agency's code")
    recipient_name = serializers.CharField()
    agreement = serializers.CharField(help_text="The information-sharing agreement's code")
    shared_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    text = serializers.CharField()
    conditions = serializers.CharField(
        allow_blank=True, help_text="The holder's conditions on any further sharing"
    )
    links = LinkOutSerializer(many=True)
    report = serializers.CharField(
        allow_null=True, help_text="The report's reference: only for those who may read it"
    )


def _summary(summary: SharedSummary, links: list[Link], report: str | None, user=None) -> dict:
    mask = _links_mask(user, list(links))
    return {
        "id": summary.pk,
        "agency": summary.agency.code,
        "agency_name": summary.agency.name,
        "recipient": summary.recipient.code,
        "recipient_name": summary.recipient.name,
        "agreement": summary.agreement.code,
        "shared_at": summary.shared_at,
        "withdrawn_at": summary.withdrawn_at,
        "text": mask.text.any_text(summary.text),
        "conditions": summary.conditions,
        "links": [_link(x, mask) for x in links if mask.keeps_link(x.source_id, x.target_id)],
        "report": report,
    }


class SummaryShare(APIView):
    """Share a sanitised summary of a report with another agency, under the information-
    sharing agreement in force between you: your words, and the links you choose, never
    the report, its grading or its source. The report's handling conditions travel with
    it; a report graded 5 is not shared. Recorded as a disclosure to the agency."""

    @extend_schema(
        operation_id="network_summary_share",
        parameters=[PK],
        request=SummaryInSerializer,
        responses={201: SummarySerializer},
    )
    def post(self, request, pk: int):
        report = _report_get(request, pk)
        data = _valid(SummaryInSerializer(data=request.data))
        code = data["recipient"].strip().lower()
        recipient = Agency.objects.filter(code=code, active=True).first()
        if recipient is None:
            raise ValidationError(
                {"recipient": [f"No agency in the partnership has the code {code!r}"]}
            )
        # Only links the sharer may see themselves (a person hidden from them stays hidden).
        shown = {x.pk: x for x in report.shown_links}
        chosen = []
        for pk_ in dict.fromkeys(data.get("links", [])):
            if pk_ not in shown:
                raise ValidationError(
                    {"links": [f"Link {pk_} is not part of report {report.reference}"]}
                )
            chosen.append(shown[pk_])
        summary = services.summary_share(
            actor=request.user,
            report=report,
            recipient=recipient,
            text=data["text"],
            links=chosen,
        )
        return Response(
            SummarySerializer(_summary(summary, chosen, report.reference)).data, status=201
        )


class SummaryList(APIView):
    """The summaries shared with your agency, and those your agency shared, newest
    first (the newest 200). Paginated: `page` and `page_size` (25 by default, at most
    100). A summary names its report only to those who may read the report."""

    @extend_schema(
        operation_id="network_summaries_list",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=inline_serializer(
            "NetworkSummaries",
            {
                "count": serializers.IntegerField(),
                "page": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": SummarySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        _caller(request)
        size = BoundedPagination().get_page_size(request)
        try:
            number = int(request.query_params.get("page", 1))
        except ValueError:
            number = 0
        if number < 1:
            raise ValidationError({"page": ["A page is a whole number from 1"]})
        user = request.user
        count = min(
            policy.agency_records_visible_to(user, "api", "intelligence_summary").count(),
            SUMMARY_LIMIT,
        )
        offset = (number - 1) * size
        page = selectors.summaries_for(
            user=user, action="api", offset=offset, limit=max(0, min(size, SUMMARY_LIMIT - offset))
        )
        readable = set(
            policy.agency_records_visible_to(user, "api", "intelligence")
            .filter(pk__in=[s.report_id for s in page])
            .values_list("pk", flat=True)
        )
        references = dict(
            IntelligenceReport.objects.filter(pk__in=readable).values_list("pk", "reference")
        )
        results = [_summary(s, s.shown_links, references.get(s.report_id), user) for s in page]
        last = max(1, -(-count // size))
        return Response(
            {
                "count": count,
                "page": number,
                "next": _page_link(request, number + 1) if number < last else None,
                "previous": _page_link(request, min(number, last + 1) - 1) if number > 1 else None,
                "results": SummarySerializer(results, many=True).data,
            }
        )


def _page_link(request, number: int) -> str:
    params = request.query_params.copy()
    params["page"] = number
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()
