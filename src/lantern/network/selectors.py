"""Reads of the network, each under the access policy and audited.

What a reader may see of the network:

- A link, if they may see the intelligence report it came from (the police holding it),
  or a summary of that report shared with their agency that names the link.
- A person, only if the access policy lets them view that person. A person they may not
  see is absent, with every link that touches them: not greyed, absent. A chain never
  runs through a person the reader cannot see.
- Any other entity (a car, a phone, a place), only through a link they may see.

Every read that shows people records one audit event naming each person shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock

from . import analysis
from .models import Entity, EntityKind, IntelligenceReport, Link, SharedSummary

CONSULTATION = "consultation"
ADULT_AGE = 18


# ---------------------------------------------------------------- what may be seen
def links_visible_to(user, action: str = "view") -> QuerySet[Link]:
    """Links from reports the user may see, or named in a summary shared with them.
    People at either end still need their own check (`_people_shown`)."""
    through_report = policy.agency_record_q(user, action, "intelligence")
    summaries = policy.agency_records_visible_to(user, action, "intelligence_summary")
    through_summary = Q(
        Exists(
            SharedSummary.links.through.objects.filter(
                link=OuterRef("pk"), sharedsummary__in=summaries.values("pk")
            )
        )
    )
    return Link.objects.filter(through_report | through_summary)


def _people_shown(user, person_ids: Collection[int]) -> set[int]:
    """Of these people, those the user may view."""
    return policy.people_visible_among(user, person_ids, "view")


def readable_entities(user, entities: dict[int, Entity]) -> set[int]:
    """The entity ids the user may see among these (people only if they may view them)."""
    people = {e.person_id: e.pk for e in entities.values() if e.person_id is not None}
    allowed = _people_shown(user, people)
    return {pk for pk, e in entities.items() if e.person_id is None or e.person_id in allowed}


def entity_get(*, user, pk: int | str) -> Entity:
    """The entity, if the user may see it: one with at least one link they may see, and for
    a person, one they may view. Entity.DoesNotExist otherwise (a 404): that intelligence
    names a person the reader may see is itself not for everyone."""
    try:
        entity = Entity.objects.select_related("person").get(pk=int(pk))
    except (TypeError, ValueError) as exc:
        raise Entity.DoesNotExist from exc
    if entity.person_id is not None and not _people_shown(user, {entity.person_id}):
        raise Entity.DoesNotExist
    touching = links_visible_to(user).filter(Q(source=entity) | Q(target=entity))
    if not touching.exists():
        raise Entity.DoesNotExist
    return entity


# ---------------------------------------------------------------- the view of a network
@dataclass(frozen=True)
class Node:
    id: int
    kind: str
    label: str
    flagged: bool
    person_id: int | None
    reference: str
    is_child: bool
    community: int | None
    details: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Edge:
    id: int
    source: int
    target: int
    kind: str
    first_seen: dt.date
    last_seen: dt.date | None
    report_id: int


@dataclass
class NetworkView:
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool = False
    centre: int | None = None

    def node(self, pk: int) -> Node | None:
        return next((n for n in self.nodes if n.id == pk), None)


def _is_child(entity: Entity, today: dt.date) -> bool:
    born = entity.person.date_of_birth if entity.person_id else None
    if born is None:
        return False
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years < ADULT_AGE


def _node(entity: Entity, today: dt.date) -> Node:
    return Node(
        id=entity.pk,
        kind=entity.kind,
        label=entity.label,
        flagged=entity.flagged,
        person_id=entity.person_id,
        reference=entity.person.reference if entity.person_id else "",
        is_child=_is_child(entity, today),
        community=entity.community,
        details=entity.details,
    )


def _edge(link: Link | LinkRow) -> Edge:
    return Edge(
        id=link.pk,
        source=link.source_id,
        target=link.target_id,
        kind=link.kind,
        first_seen=link.first_seen,
        last_seen=link.last_seen,
        report_id=link.report_id,
    )


def _in_window(links: QuerySet[Link], since: dt.date | None, until: dt.date | None):
    if until is not None:
        links = links.filter(first_seen__lte=until)
    if since is not None:
        links = links.filter(
            Q(last_seen__gte=since) | Q(last_seen__isnull=True, first_seen__gte=since)
        )
    return links


HUB_LINKS = 50  # an entity with more links than this is a hub: its newest are shown


class LinkRow(NamedTuple):
    """A link as a walk needs it: read as a row, not built as a model."""

    pk: int
    source_id: int
    target_id: int
    kind: str
    first_seen: dt.date
    last_seen: dt.date | None
    report_id: int


class _Walker:
    """Steps out from entities along the links a user may see, one hop at a time, never
    through an entity the user may not see."""

    def __init__(self, user, *, since=None, until=None, kinds: Collection[str] | None = None):
        self.user = user
        self.links = _in_window(links_visible_to(user), since, until)
        self.kinds = set(kinds) if kinds else None
        self.entities: dict[int, Entity] = {}
        self.hidden: set[int] = set()

    def _load(self, ids: Iterable[int]) -> None:
        wanted = [pk for pk in ids if pk not in self.entities and pk not in self.hidden]
        if not wanted:
            return
        found = Entity.objects.select_related("person").in_bulk(wanted)
        readable = readable_entities(self.user, found)
        for pk, entity in found.items():
            kind_shown = self.kinds is None or entity.kind in self.kinds
            if pk in readable and kind_shown:
                self.entities[pk] = entity
            else:
                self.hidden.add(pk)

    def step(self, frontier: Collection[int], limit: int) -> tuple[list[LinkRow], bool]:
        """The visible links touching `frontier` whose other end may be seen (at most
        `limit`, most recent first), and whether more were left out. Each entity gives at
        most its newest HUB_LINKS: a hub (a takeaway with thousands of links) shows only
        those, so that one busy place does not drown the rest, or the reader's wait."""
        found: dict[int, LinkRow] = {}
        truncated = False
        for rows in self._newest_by_end(list(frontier), HUB_LINKS + 1).values():
            truncated |= len(rows) > HUB_LINKS
            found.update((r.pk, r) for r in rows[:HUB_LINKS])
        ordered = sorted(found.values(), key=lambda r: (r.first_seen, r.pk), reverse=True)
        truncated |= len(ordered) > limit
        ordered = ordered[:limit]
        self._load({pk for row in ordered for pk in (row.source_id, row.target_id)})
        shown = [
            row
            for row in ordered
            if row.source_id in self.entities and row.target_id in self.entities
        ]
        return shown, truncated

    def _newest_by_end(self, ends: list[int], each: int) -> dict[int, list[LinkRow]]:
        """For each entity in `ends`, its newest `each` visible links (either direction),
        newest first. On PostgreSQL one statement: a lateral index scan per entity and
        direction, so a hub's thousands of links are never read; elsewhere (SQLite, for
        the demo and tests) every visible link of the ends, cut here."""
        if not ends:
            return {}
        if connection.vendor == "postgresql":
            rows = self._newest_lateral(ends, each)
        else:
            rows = [
                (end, row)
                for row in self._rows(Q(source_id__in=ends) | Q(target_id__in=ends))
                for end in {row.source_id, row.target_id}
                if end in set(ends)
            ]
        by_end: dict[int, list[LinkRow]] = {}
        for end, row in rows:
            by_end.setdefault(end, []).append(row)
        for end, found in by_end.items():
            unique = {r.pk: r for r in found}.values()
            by_end[end] = sorted(unique, key=lambda r: (r.first_seen, r.pk), reverse=True)[:each]
        return by_end

    def _newest_lateral(self, ends: list[int], each: int) -> list[tuple[int, LinkRow]]:
        query = self.links.query
        compiler = query.get_compiler(using=self.links.db)
        where, params = compiler.compile(query.where) if query.where else ("TRUE", [])
        table = Link._meta.db_table
        columns = ", ".join(f'"{table}"."{name}"' for name in _LINK_COLUMNS)
        one_way = (
            f'(SELECT {columns} FROM "{table}" WHERE "{table}"."{{end}}" = ends.id '  # noqa: S608
            f'AND ({where}) ORDER BY "{table}"."first_seen" DESC, "{table}"."id" DESC '
            f"LIMIT %s)"
        )
        sql = (
            # Only names and the policy's compiled filter go into the text; values are params.
            "SELECT ends.id, near.* FROM unnest(%s::bigint[]) AS ends(id) CROSS JOIN LATERAL ("  # noqa: S608
            f"{one_way.format(end='source_id')} UNION ALL {one_way.format(end='target_id')}"
            ") AS near"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [ends, *params, each, *params, each])
            return [(row[0], LinkRow(*row[1:])) for row in cursor.fetchall()]

    def _rows(self, where: Q) -> list[LinkRow]:
        return [LinkRow(*row) for row in self.links.filter(where).values_list(*LinkRow._fields)]


# The columns of a LinkRow, in order, as the link table names them.
_LINK_COLUMNS = ("id", "source_id", "target_id", "kind", "first_seen", "last_seen", "report_id")


def _audit_shown(user, operation: str, purpose: str, entities: Iterable[Entity], detail: dict):
    people = sorted({e.person_id for e in entities if e.person_id is not None})
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose=purpose,
        subjects=[Subject("people.person", pk, pk) for pk in people],
        detail={**detail, "people_shown": len(people)},
    )


def neighbourhood(
    *,
    user,
    entity: Entity,
    hops: int = 2,
    since: dt.date | None = None,
    until: dt.date | None = None,
    kinds: Collection[str] | None = None,
    limit: int = 400,
) -> NetworkView:
    """Everything within `hops` links of `entity` that the user may see, audited."""
    hops = max(1, min(int(hops), 3))
    walker = _Walker(user, since=since, until=until, kinds=kinds)
    walker.entities[entity.pk] = entity
    edges: dict[int, LinkRow] = {}
    frontier, seen, truncated = {entity.pk}, {entity.pk}, False
    for _ in range(hops):
        if not frontier:
            break
        found, cut = walker.step(frontier, limit - len(edges))
        truncated |= cut
        for link in found:
            edges.setdefault(link.pk, link)
        reached = {pk for link in found for pk in (link.source_id, link.target_id)}
        frontier = reached - seen
        seen |= reached
        if len(edges) >= limit:
            truncated = True
            break
    today = clock.today()
    shown = {pk: walker.entities[pk] for pk in seen if pk in walker.entities}
    _audit_shown(
        user,
        "network.neighbourhood",
        f"Network around {entity.label}",
        shown.values(),
        {"entity": entity.pk, "hops": hops, "links": len(edges)},
    )
    return NetworkView(
        nodes=[_node(e, today) for e in shown.values()],
        edges=[_edge(link) for link in edges.values()],
        truncated=truncated,
        centre=entity.pk,
    )


def children_near(*, user, entity: Entity, hops: int = 2) -> list[Node]:
    """The children within `hops` links of an entity (a flagged adult, a place)."""
    view = neighbourhood(user=user, entity=entity, hops=hops)
    return sorted(
        (n for n in view.nodes if n.is_child and n.id != entity.pk), key=lambda n: n.label
    )


@dataclass
class Chain:
    nodes: list[Node]
    edges: list[Edge]


def shortest_chain(*, user, a: Entity, b: Entity, max_hops: int = 6) -> Chain | None:
    """The shortest chain of links between two entities that the user may see, or None.
    Searched from both ends at once, one hop of links at a time."""
    if a.pk == b.pk:
        return Chain(nodes=[_node(a, clock.today())], edges=[])
    walker = _Walker(user)
    walker.entities.update({a.pk: a, b.pk: b})
    parents: list[dict[int, LinkRow | None]] = [{a.pk: None}, {b.pk: None}]
    frontiers = [{a.pk}, {b.pk}]
    meeting = None
    for _ in range(max_hops):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            break
        found, _cut = walker.step(frontiers[side], 5000)
        following = set()
        for link in found:
            for here, there in ((link.source_id, link.target_id), (link.target_id, link.source_id)):
                if here in frontiers[side] and there not in parents[side]:
                    parents[side][there] = link
                    following.add(there)
                    if there in parents[1 - side]:
                        meeting = there
        frontiers[side] = following
        if meeting is not None:
            break
    if meeting is None:
        _audit_shown(
            user,
            "network.chain",
            "Chain between two entities",
            [a, b],
            {"from": a.pk, "to": b.pk, "found": False},
        )
        return None
    path_links: list[LinkRow] = []
    for side in (0, 1):
        here, half = meeting, []
        while parents[side][here] is not None:
            link = parents[side][here]
            half.append(link)
            here = link.target_id if link.source_id == here else link.source_id
        path_links.extend(reversed(half) if side == 0 else half)
    order = [a.pk]
    for link in path_links:
        here = order[-1]
        order.append(link.target_id if link.source_id == here else link.source_id)
    today = clock.today()
    entities = [walker.entities[pk] for pk in order]
    _audit_shown(
        user,
        "network.chain",
        "Chain between two entities",
        entities,
        {"from": a.pk, "to": b.pk, "found": True, "links": len(path_links)},
    )
    return Chain(nodes=[_node(e, today) for e in entities], edges=[_edge(x) for x in path_links])


@dataclass
class Shared:
    entity: Node
    children: list[Node]


def shared_entities(
    *, user, min_children: int = 3, kinds: Collection[str] | None = None, limit: int = 50
) -> list[Shared]:
    """Cars, phones, places and adults seen with several children: each with the children
    the user may see (and counted only from those)."""
    today = clock.today()
    born_after = today.replace(year=today.year - ADULT_AGE)
    links = links_visible_to(user)
    pairs: dict[int, set[int]] = {}
    for other_end, child_end in (("source", "target"), ("target", "source")):
        rows = links.filter(
            **{
                f"{child_end}__kind": EntityKind.PERSON,
                f"{child_end}__person__date_of_birth__gt": born_after,
            }
        ).values_list(f"{other_end}_id", f"{child_end}_id")
        for other, child in rows:
            pairs.setdefault(other, set()).add(child)
    candidates = {k: v for k, v in pairs.items() if len(v) >= min_children}
    if not candidates:
        _audit_shown(
            user,
            "network.shared",
            "Entities shared by children",
            [],
            {"min_children": min_children, "found": 0},
        )
        return []
    ids = set(candidates) | {c for v in candidates.values() for c in v}
    entities = Entity.objects.select_related("person").in_bulk(list(ids))
    readable = readable_entities(user, entities)
    found = []
    for pk, children in candidates.items():
        if pk not in readable or (kinds and entities[pk].kind not in kinds):
            continue
        seen = sorted((c for c in children if c in readable), key=lambda c: entities[c].label)
        if len(seen) >= min_children:
            found.append(
                Shared(_node(entities[pk], today), [_node(entities[c], today) for c in seen])
            )
    found.sort(key=lambda s: (-len(s.children), s.entity.label))
    found = found[:limit]
    shown = [entities[s.entity.id] for s in found] + [
        entities[c.id] for s in found for c in s.children
    ]
    _audit_shown(
        user,
        "network.shared",
        "Entities shared by children",
        shown,
        {"min_children": min_children, "found": len(found)},
    )
    return found


@dataclass
class GroupView:
    community: int
    network: NetworkView
    holds_together: list[tuple[Node, float]]
    growth: list[tuple[dt.date, int, int]]
    children: list[Node]


def group_view(*, user, community: int, limit: int = 2000) -> GroupView:
    """One community as the user may see it: its members and links, who holds it
    together (betweenness over what the user may see) and how it grew, month by month.
    Entity.DoesNotExist (a 404) if the user may see nothing of it."""
    members = Entity.objects.select_related("person").filter(community=community)
    entities = {e.pk: e for e in members[: limit + 1]}
    readable = readable_entities(user, entities)
    links = list(
        links_visible_to(user)
        .filter(source__community=community, target__community=community)
        .order_by("first_seen", "pk")[: limit * 5]
    )
    links = [x for x in links if x.source_id in readable and x.target_id in readable]
    shown_ids = {pk for x in links for pk in (x.source_id, x.target_id)}
    if not shown_ids:
        raise Entity.DoesNotExist
    today = clock.today()
    shown = {pk: entities[pk] for pk in shown_ids if pk in entities}
    scores = analysis.betweenness(sorted(shown), [(x.source_id, x.target_id) for x in links])
    nodes = {pk: _node(e, today) for pk, e in shown.items()}
    ranked = sorted(((nodes[pk], s) for pk, s in scores.items() if s > 0), key=lambda p: -p[1])
    _audit_shown(
        user,
        "network.group",
        f"Network group {community}",
        shown.values(),
        {"community": community, "links": len(links)},
    )
    return GroupView(
        community=community,
        network=NetworkView(nodes=list(nodes.values()), edges=[_edge(x) for x in links]),
        holds_together=ranked[:10],
        growth=analysis.growth((x.source_id, x.target_id, x.first_seen) for x in links),
        children=sorted((n for n in nodes.values() if n.is_child), key=lambda n: n.label),
    )


# ---------------------------------------------------------------- reports and summaries
def report_get(*, user, pk: int | str, action: str = "view") -> IntelligenceReport:
    """One intelligence report the user may see (the police holding it), with its links;
    IntelligenceReport.DoesNotExist otherwise. Audited, naming each person it links that
    the user may see; a person the user may not see is left out of `report.shown_links`."""
    try:
        report = IntelligenceReport.objects.select_related("agency", "submitted_by").get(pk=int(pk))
    except (TypeError, ValueError) as exc:
        raise IntelligenceReport.DoesNotExist from exc
    if not policy.can(user, action, report):
        raise IntelligenceReport.DoesNotExist
    links = list(report.links.select_related("source__person", "target__person").order_by("pk"))
    ends = {e.pk: e for x in links for e in (x.source, x.target)}
    readable = readable_entities(user, ends)
    report.shown_links = [x for x in links if x.source_id in readable and x.target_id in readable]
    report.left_out = len(links) - len(report.shown_links)
    people = sorted({e.person_id for pk, e in ends.items() if pk in readable and e.person_id})
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=f"network.report.{action}",
        purpose=f"Intelligence report {report.reference}",
        subjects=[Subject.of(report)] + [Subject("people.person", p, p) for p in people],
    )
    return report


def summaries_for(
    *, user, action: str = "list", offset: int = 0, limit: int = 200
) -> list[SharedSummary]:
    """The summaries shared with the user's agency (or by it), newest first, from `offset`:
    only those the user may `action`, and only those shown are audited."""
    found = list(
        policy.agency_records_visible_to(user, action, "intelligence_summary")
        .select_related("recipient", "agency", "agreement")
        .prefetch_related("links__source__person", "links__target__person")
        .order_by("-shared_at", "-pk")[offset : offset + limit]
    )
    ends = {e.pk: e for s in found for x in s.links.all() for e in (x.source, x.target)}
    readable = readable_entities(user, ends)
    for summary in found:
        summary.shown_links = [
            x for x in summary.links.all() if x.source_id in readable and x.target_id in readable
        ]
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="network.summary.list",
        purpose="Intelligence shared with my agency",
        subjects=[Subject.of(s) for s in found]
        + [
            Subject("people.person", p, p)
            for p in sorted(
                {e.person_id for pk, e in ends.items() if pk in readable and e.person_id}
            )
        ],
    )
    return found
