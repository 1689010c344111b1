"""Network pages. Thin: read through the selectors (which apply the access policy and
audit what they show), render. Anything the reader may not see answers 404; a person
they may not see is absent from every page, graph, table and file, not greyed."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lantern.access import policy
from lantern.accounts.decorators import verified_required
from lantern.alerts import chart
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.people import selectors as people_selectors
from lantern.people.models import Person

from . import analysis, grading, profile, safety, selectors
from .forms import ChainForm, Filters, NetworkFilterForm, SearchForm
from .models import Entity, EntityKind, IntelligenceReport, LinkKind, PlaceType

KIND_LABELS = dict(EntityKind.choices)
LINK_LABELS = dict(LinkKind.choices)
PLACE_LABELS = dict(PlaceType.choices)
SEARCH_LIMIT = 50


# ---------------------------------------------------------------- who may see what
def _case_reader(request) -> None:
    if not policy.sees_case_data(request.user):
        raise Http404


def _reads_intelligence(user, action: str = "view") -> bool:
    """Whether the user's role may `action` intelligence reports at all (the police)."""
    return policy.holds_any(user, action, "intelligence")


def _with_links(user, entities: list[Entity]) -> list[Entity]:
    """Those of these entities with a link the user may see. A person the user may view
    is still no part of their network unless intelligence they may see names them: that
    the police hold intelligence about someone is itself not for everyone."""
    ids = [e.pk for e in entities]
    touching = selectors.links_visible_to(user).filter(Q(source_id__in=ids) | Q(target_id__in=ids))
    linked = {pk for pair in touching.values_list("source_id", "target_id") for pk in pair}
    return [e for e in entities if e.pk in linked]


def _entity_or_404(request, pk) -> Entity:
    _case_reader(request)
    try:
        entity = selectors.entity_get(user=request.user, pk=pk)
    except Entity.DoesNotExist:
        raise Http404 from None
    if _without_homes(request.user, [entity]) != [entity]:
        raise Http404  # the home of someone whose address is hidden from the reader
    return entity


def _without_homes(user, entities: list[Entity]) -> list[Entity]:
    """These entities less any place a person whose address is hidden from the user lives
    at (network/safety.py): for the user, such a place is not there."""
    mask = safety.network_mask(user=user, entities=[(e.pk, e.kind, e.person_id) for e in entities])
    return [e for e in entities if not mask.hides(e.pk)]


def _visible_reports(user, report_ids) -> dict[int, IntelligenceReport]:
    """The reports behind these links that the user may open (never through a summary)."""
    return policy.agency_records_visible_to(user, "view", "intelligence").in_bulk(
        list(set(report_ids))
    )


# ---------------------------------------------------------------- the graph, as data
def _kind_label(node: selectors.Node) -> str:
    label = KIND_LABELS.get(node.kind, node.kind)
    place = (node.details or {}).get("place_type")
    if node.kind == EntityKind.LOCATION and place and place != PlaceType.OTHER:
        return f"{label} ({PLACE_LABELS.get(place, place).lower()})"
    return label


def _mask_of(user, view: selectors.NetworkView) -> safety.NetworkMask:
    return safety.network_mask(
        user=user,
        entities=[(n.id, n.kind, n.person_id) for n in view.nodes],
    )


def _masked(view: selectors.NetworkView, mask: safety.NetworkMask) -> selectors.NetworkView:
    """The view as the reader may see it: the home of a person whose address is hidden from
    them absent, with its links; her address out of every other label."""
    if not mask:
        return view
    nodes = [
        dataclasses.replace(n, label=mask.label(n.id, n.label))
        for n in view.nodes
        if not mask.hides(n.id)
    ]
    edges = [e for e in view.edges if mask.keeps_link(e.source, e.target)]
    return dataclasses.replace(view, nodes=nodes, edges=edges)


def _graph(user, view: selectors.NetworkView, filters: Filters, mask=None) -> dict:
    """The nodes and links as the page's tables and the graph's script both read them."""
    view = _masked(view, _mask_of(user, view) if mask is None else mask)
    expand_query = filters.query(hops=1)
    page_query = "" if filters.default else filters.query()
    degree: dict[int, int] = {}
    for edge in view.edges:
        degree[edge.source] = degree.get(edge.source, 0) + 1
        degree[edge.target] = degree.get(edge.target, 0) + 1

    def order(node):
        return (
            node.id != view.centre,
            not node.is_child,
            not node.flagged,
            EntityKind.values.index(node.kind) if node.kind in EntityKind.values else 99,
            node.label,
        )

    nodes = []
    for node in sorted(view.nodes, key=order):
        url = reverse("network:entity", args=[node.id])
        nodes.append(
            {
                "id": str(node.id),
                "kind": node.kind,
                "kind_label": _kind_label(node),
                "label": node.label,
                "reference": node.reference,
                "child": node.is_child,
                "flagged": node.flagged,
                "centre": node.id == view.centre,
                "links": degree.get(node.id, 0),
                "url": url + (f"?{page_query}" if page_query else ""),
                "person_url": (
                    reverse("web:person", args=[node.reference]) if node.reference else ""
                ),
                "expand_url": reverse("network:graph", args=[node.id]) + f"?{expand_query}",
            }
        )
    labels = {n.id: n.label for n in view.nodes}
    reports = _visible_reports(user, [e.report_id for e in view.edges])
    edges = []
    for edge in sorted(view.edges, key=lambda e: (e.first_seen, e.id)):
        report = reports.get(edge.report_id)
        edges.append(
            {
                "id": f"link-{edge.id}",
                "source": str(edge.source),
                "target": str(edge.target),
                "source_label": labels.get(edge.source, ""),
                "target_label": labels.get(edge.target, ""),
                "kind": edge.kind,
                "kind_label": LINK_LABELS.get(edge.kind, edge.kind),
                "first_seen": edge.first_seen.isoformat(),
                "last_seen": edge.last_seen.isoformat() if edge.last_seen else "",
                "seen": _seen(edge),
                "report": report.reference if report else "",
                "grading": report.grading if report else "",
                "report_url": reverse("network:report", args=[report.pk]) if report else "",
            }
        )
    return {
        "centre": str(view.centre) if view.centre else "",
        "nodes": nodes,
        "edges": edges,
        "truncated": view.truncated,
    }


def _sentence(edge, nodes: dict) -> str:
    """A link as a sentence: "Alan Smith drives AB12 CDE"."""
    kind = LINK_LABELS.get(edge.kind, edge.kind)
    return f"{nodes[edge.source].label} {kind[:1].lower()}{kind[1:]} {nodes[edge.target].label}"


def _seen(edge) -> str:
    first = f"{edge.first_seen:%-d %b %Y}"
    if edge.last_seen and edge.last_seen != edge.first_seen:
        return f"{first} to {edge.last_seen:%-d %b %Y}"
    return first


def _counts(graph: dict) -> dict:
    nodes = graph["nodes"]
    return {
        "children": sum(1 for n in nodes if n["child"]),
        "adults": sum(1 for n in nodes if n["kind"] == EntityKind.PERSON and not n["child"]),
        "flagged": sum(1 for n in nodes if n["flagged"]),
        "entities": len(nodes),
        "links": len(graph["edges"]),
    }


def _neighbourhood(request, entity: Entity, filters: Filters):
    return selectors.neighbourhood(
        user=request.user,
        entity=entity,
        hops=filters.hops,
        since=filters.since,
        until=filters.until,
        kinds=filters.kinds or None,
    )


# ---------------------------------------------------------------- pages
@verified_required
@require_GET
def start(request):
    """Find an entity, the entities shared by several children, the last analysis."""
    _case_reader(request)
    user = request.user
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            results = _search(user, form)
            if len(results) == 1:
                return redirect(reverse("network:entity", args=[results[0].pk]))
        else:
            status = 400
    police = _reads_intelligence(user)
    context = {
        "form": form,
        "results": results,
        "shared": _shared(user),
        "chain_form": ChainForm(),
        "police": police,
    }
    if police:
        context["last_run"] = analysis.last_run()
        context["waiting"] = analysis.links_since_last_run()
    return render(request, "network/start.html", context, status=status)


def _shared(user) -> list[dict]:
    """Places, cars and adults shared by three or more children, less the home of anyone
    whose address is hidden from the user."""
    shared = selectors.shared_entities(user=user, min_children=3)
    mask = safety.network_mask(
        user=user,
        entities=[(n.id, n.kind, n.person_id) for s in shared for n in (s.entity, *s.children)],
    )
    return [
        {
            "entity": dataclasses.replace(s.entity, label=mask.label(s.entity.id, s.entity.label)),
            "kind_label": _kind_label(s.entity),
            "children": s.children,
        }
        for s in shared
        if not mask.hides(s.entity.id)
    ]


def _search(user, form: SearchForm) -> list[Entity]:
    """The entities what was typed names, that the user may see, audited when it names
    people."""
    query = Q(pk__in=[])
    for lookup in form.lookups():
        field = "key" if lookup.match == "exact" else f"key__{lookup.match}"
        query |= Q(kind=lookup.kind, **{field: lookup.key})
    found = list(
        Entity.objects.select_related("person")
        .filter(query)
        .order_by("kind", "label")[:SEARCH_LIMIT]
    )
    people = {e.person_id for e in found if e.person_id is not None}
    allowed = set(
        policy.people_visible_to(user, "view").filter(pk__in=people).values_list("pk", flat=True)
    )
    found = [e for e in found if e.person_id is None or e.person_id in allowed]
    found = _without_homes(user, _with_links(user, found))
    shown = sorted({e.person_id for e in found if e.person_id is not None})
    if shown:
        audit_record(
            actor=user,
            action=selectors.CONSULTATION,
            operation="network.search",
            purpose=f"Network search: {form.cleaned_data['q']}",
            subjects=[Subject("people.person", p, p) for p in shown],
            detail={"found": len(found)},
        )
    return found


@verified_required
@require_GET
def person(request, reference: str):
    """From a person's page: their network, or back with a word if nothing links them."""
    _case_reader(request)
    try:
        who = people_selectors.person_get(user=request.user, reference=reference)
    except Person.DoesNotExist:
        raise Http404 from None
    entity = Entity.objects.filter(person=who).first()
    if entity is not None and _with_links(request.user, [entity]):
        return redirect(reverse("network:entity", args=[entity.pk]))
    messages.info(
        request,
        f"No intelligence you may see links {who.full_name} to anyone or anything.",
    )
    return redirect(reverse("web:person", args=[who.reference]))


@verified_required
@require_GET
def entity(request, pk: int):
    """The network around one entity: the graph, and the same nodes and links as tables."""
    centre = _entity_or_404(request, pk)
    form = NetworkFilterForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()
    filters = form.filters()
    view = _neighbourhood(request, centre, filters)
    mask = _mask_of(request.user, view)
    graph = _graph(request.user, view, filters, mask)
    police = _reads_intelligence(request.user)
    context = {
        "entity": centre,
        "entity_label": mask.label(centre.pk, centre.label),
        "centre": _masked(view, mask).node(centre.pk),
        "kind_label": _kind_label(view.node(centre.pk)),
        "form": form,
        "filters": filters,
        "graph": graph,
        "counts": _counts(graph),
        "police": police,
        "may_export": _reads_intelligence(request.user, "export"),
        "export_query": filters.query(),
        "kinds": EntityKind.choices,
    }
    return render(request, "network/entity.html", context, status=400 if invalid else 200)


@verified_required
@require_GET
def graph_json(request, pk: int):
    """The same network as the page, as JSON, for the graph's "expand"."""
    centre = _entity_or_404(request, pk)
    form = NetworkFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = form.filters()
    view = _neighbourhood(request, centre, filters)
    response = JsonResponse(_graph(request.user, view, filters))
    response["Cache-Control"] = "no-store"
    return response


@verified_required
@require_GET
def group(request, community: int):
    """One group: its members, who holds it together, how it grew, the children in it."""
    _case_reader(request)
    try:
        found = selectors.group_view(user=request.user, community=community)
    except Entity.DoesNotExist:
        raise Http404 from None
    graph = _graph(request.user, found.network, Filters())
    by_id = {n["id"]: n for n in graph["nodes"]}
    bars = [
        chart.Bar(
            f"{month:%b %y}",
            entities,
            f"{month:%B %Y}: {entities} entities, {links} links",
        )
        for month, entities, links in found.growth
    ]
    svg = chart.bar_chart(
        bars,
        title="How the group grew: entities in it, month by month",
        description="The number of people, vehicles, phones and places linked into the "
        "group by the end of each month; the table beside the chart gives each month's "
        "numbers.",
        chart_id="growth",
    )
    holds = [
        (by_id[str(node.id)], score)
        for node, score in found.holds_together
        if str(node.id) in by_id  # a hidden home is not in the graph
    ]
    hub = holds[0][0] if holds else max(graph["nodes"], key=lambda n: (n["links"], n["label"]))
    context = {
        "community": community,
        "hub": hub,
        "found": found,
        "graph": graph,
        "counts": _counts(graph),
        "holds": holds,
        "children": [by_id[str(n.id)] for n in found.children if str(n.id) in by_id],
        "growth": [(f"{m:%B %Y}", e, n) for m, e, n in found.growth],
        "chart": svg,
        "police": _reads_intelligence(request.user),
        "may_export": _reads_intelligence(request.user, "export"),
        "kinds": EntityKind.choices,
    }
    return render(request, "network/group.html", context)


def _chain_end(request, form: ChainForm, field: str) -> Entity | None:
    """One end of a chain: an entity number from the network pages, or what was typed,
    if it names exactly one entity the user may see."""
    text = form.cleaned_data[field].strip()
    if text.isdigit():
        return _entity_or_404(request, int(text))
    search = SearchForm({"q": text})
    if not search.is_valid():
        form.add_error(field, "Enter a person reference, registration, phone number or place")
        return None
    found = _search(request.user, search)
    if not found:
        form.add_error(field, f"Nothing in the network you may see matches {text!r}")
        return None
    if len(found) > 1:
        form.add_error(
            field,
            f"{len(found)} entities match {text!r}: search for it and start from its page",
        )
        return None
    return found[0]


def _typed(entity: Entity) -> str:
    """How someone would type the entity in the search box."""
    if entity.person_id is not None:
        return entity.person.reference
    if entity.kind == EntityKind.ONLINE_ACCOUNT:
        return "@" + entity.key.partition(":")[2]
    return entity.label


@verified_required
@require_GET
def chain(request):
    """The shortest chain of links between two entities, as a list of steps."""
    _case_reader(request)
    form = ChainForm(request.GET or None)
    ends = found = None
    status = 200
    if form.is_bound and form.is_valid():
        start_at = _chain_end(request, form, "start")
        end_at = _chain_end(request, form, "end")
        if start_at is not None and end_at is not None:
            ends = (start_at, end_at)
            found = selectors.shortest_chain(user=request.user, a=start_at, b=end_at)
    if form.is_bound and form.errors:
        status = 400
    steps = []
    end_labels = [e.label for e in ends] if ends else []
    if found is not None:
        mask = safety.network_mask(
            user=request.user,
            entities=[(n.id, n.kind, n.person_id) for n in found.nodes],
        )
        if any(mask.hides(n.id) for n in found.nodes):
            found = None  # a chain never runs through a place the reader may not see
        elif mask:
            found = dataclasses.replace(
                found,
                nodes=[
                    dataclasses.replace(n, label=mask.label(n.id, n.label)) for n in found.nodes
                ],
            )
            end_labels = [mask.label(e.pk, e.label) for e in ends]
    if found is not None:
        reports = _visible_reports(request.user, [e.report_id for e in found.edges])
        for index, edge in enumerate(found.edges):
            here, there = found.nodes[index], found.nodes[index + 1]
            report = reports.get(edge.report_id)
            steps.append(
                {
                    "here": here,
                    "there": there,
                    "there_kind": _kind_label(there),
                    "sentence": _sentence(edge, {here.id: here, there.id: there}),
                    "seen": _seen(edge),
                    "report": report,
                }
            )
    if ends and not form.errors:
        # Show the two ends as people type them, not as the numbers in the address.
        form = ChainForm({"start": _typed(ends[0]), "end": _typed(ends[1])})
    context = {
        "form": form,
        "ends": ends,
        "end_labels": end_labels,
        "found": found,
        "steps": steps,
        "start_kind": _kind_label(found.nodes[0]) if found else "",
    }
    return render(request, "network/chain.html", context, status=status)


@verified_required
@require_GET
def report(request, pk: int):
    """One intelligence report with its grading explained and its links (police only)."""
    _case_reader(request)
    try:
        found = selectors.report_get(user=request.user, pk=pk)
    except IntelligenceReport.DoesNotExist:
        raise Http404 from None
    scheme = grading.scheme()
    parts = [
        (label, scheme[part][getattr(found, part)])
        for part, label in grading.PARTS
        if getattr(found, part) in scheme[part]
    ]
    ends = {}
    for link in found.shown_links:
        for end in (link.source, link.target):
            ends[end.pk] = end
    mask = safety.network_mask(
        user=request.user,
        entities=[(e.pk, e.kind, e.person_id) for e in ends.values()],
    )
    shown_links = [x for x in found.shown_links if mask.keeps_link(x.source_id, x.target_id)]
    today = clock.today()
    links = [
        {
            "source": link.source,
            "target": link.target,
            "source_label": mask.label(link.source.pk, link.source.label),
            "target_label": mask.label(link.target.pk, link.target.label),
            "source_kind": KIND_LABELS.get(link.source.kind, link.source.kind),
            "target_kind": KIND_LABELS.get(link.target.kind, link.target.kind),
            "source_child": _child(link.source, today),
            "target_child": _child(link.target, today),
            "kind_label": LINK_LABELS.get(link.kind, link.kind),
            "seen": _seen(link),
        }
        for link in shown_links
    ]
    context = {"report": found, "parts": parts, "links": links, "mask": mask}
    return render(request, "network/report.html", context)


def _child(entity: Entity, today) -> bool:
    born = entity.person.date_of_birth if entity.person_id else None
    if born is None:
        return False
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < selectors.ADULT_AGE


# ---------------------------------------------------------------- problem profiles
def _file(request, found: profile.Profile, fmt: str, name: str) -> HttpResponse:
    now = clock.now()
    if fmt == "csv":
        response = HttpResponse(profile.profile_csv(found), content_type="text/csv; charset=utf-8")
    else:
        body = profile.profile_pdf(found, exported_by=request.user, exported_at=now)
        response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{now:%Y%m%d}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _filters_or_400(request) -> Filters | HttpResponse:
    form = NetworkFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    return form.filters()


@verified_required
@require_GET
def entity_profile(request, pk: int, fmt: str):
    """The problem profile of a place (or any entity) as PDF or CSV, audited as an export."""
    centre = _entity_or_404(request, pk)
    filters = _filters_or_400(request)
    if isinstance(filters, HttpResponse):
        return filters
    try:
        found = profile.entity_profile(
            user=request.user,
            entity=centre,
            fmt=fmt,
            hops=filters.hops,
            since=filters.since,
            until=filters.until,
            kinds=filters.kinds,
            window=filters.described(),
        )
    except Entity.DoesNotExist:
        raise Http404 from None
    return _file(request, found, fmt, f"problem-profile-{centre.pk}")


@verified_required
@require_GET
def group_profile(request, community: int, fmt: str):
    """The problem profile of a group as PDF or CSV, audited as an export."""
    _case_reader(request)
    filters = _filters_or_400(request)
    if isinstance(filters, HttpResponse):
        return filters
    try:
        found = profile.group_profile(
            user=request.user,
            community=community,
            fmt=fmt,
            since=filters.since,
            until=filters.until,
            window=filters.described(),
        )
    except Entity.DoesNotExist:
        raise Http404 from None
    return _file(request, found, fmt, f"problem-profile-group-{community}")
