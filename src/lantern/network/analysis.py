"""The network's shape: connected groups and communities, held in each entity's row.

- `recompute()`: reads every link once, builds the graph in igraph (compiled), finds the
  connected groups and the communities (Leiden, maximising modularity), and writes both
  back. A group or community is named by its smallest entity id, so the names are stable
  from one run to the next while the membership holds.
- `link_added(link)`: keeps the answer current between runs, in a handful of statements.
  Two groups that a link joins become one (the larger keeps its name, so the fewer rows
  are rewritten); an entity with no community yet joins its neighbour's. Two established
  communities that a new link touches stay as they are until the next full run, which
  may merge them: `links_since_last_run` says how many links wait for it.
- `subgraph_measures`: for one group as a reader sees it, who holds it together
  (betweenness) and how it grew, month by month.

The analysis is a system task and sees every link: it stores only group numbers. What
a reader is shown of a group is filtered by the access policy in selectors.py.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import igraph
from django.db import connection, transaction
from django.db.models import Q

from lantern.core import clock

from .models import AnalysisRun, Entity, Link

CHUNK = 200_000
SIZE_BOUND = 10_000  # past this, which group is larger matters little


@dataclass(frozen=True)
class RunSummary:
    entities: int
    links: int
    components: int
    communities: int
    modularity: float
    seconds: float
    read_seconds: float
    analyse_seconds: float
    write_seconds: float


def _pairs() -> tuple[list[int], list[int]]:
    """Every link's two ends, read in id order, a chunk at a time."""
    sources: list[int] = []
    targets: list[int] = []
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, source_id, target_id FROM {Link._meta.db_table} "  # noqa: S608
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            sources.extend(r[1] for r in rows)
            targets.extend(r[2] for r in rows)
    return sources, targets


def _entity_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Entity._meta.db_table} ORDER BY id")  # noqa: S608
        return [r[0] for r in cursor.fetchall()]


def labels(membership: Sequence[int], ids: Sequence[int]) -> list[int]:
    """Each vertex's group named by the smallest entity id in the group."""
    smallest: dict[int, int] = {}
    for group, entity in zip(membership, ids, strict=True):
        if group not in smallest or entity < smallest[group]:
            smallest[group] = entity
    return [smallest[g] for g in membership]


def partition(
    ids: Sequence[int], sources: Sequence[int], targets: Sequence[int], seed: int = 7
) -> tuple[list[int], list[int], float]:
    """(component label, community label, modularity) for each id, from the links."""
    index = {entity: i for i, entity in enumerate(ids)}
    graph = igraph.Graph(
        n=len(ids), edges=[(index[s], index[t]) for s, t in zip(sources, targets, strict=True)]
    )
    graph.simplify(multiple=True, loops=True)
    components = graph.connected_components().membership
    random.seed(seed)  # igraph's Leiden draws from Python's generator: fix it for repeat runs
    communities = graph.community_leiden(objective_function="modularity", n_iterations=-1)
    modularity = graph.modularity(communities.membership) if graph.ecount() else 0.0
    return labels(components, ids), labels(communities.membership, ids), modularity


def _write(ids: Sequence[int], components: Sequence[int], communities: Sequence[int]) -> None:
    """Write both labels back for every entity, through a temporary table."""
    table = Entity._meta.db_table
    rows = list(zip(ids, components, communities, strict=True))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS network_labels")
        cursor.execute(
            "CREATE TEMPORARY TABLE network_labels "
            "(id bigint PRIMARY KEY, component bigint, community bigint)"
        )
        if connection.vendor == "postgresql":
            with cursor.copy("COPY network_labels (id, component, community) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(
                    "INSERT INTO network_labels VALUES (%s, %s, %s)", rows[start : start + CHUNK]
                )
        cursor.execute(
            f"UPDATE {table} SET component = l.component, community = l.community "  # noqa: S608
            f"FROM network_labels l WHERE {table}.id = l.id "
            f"AND ({table}.component IS DISTINCT FROM l.component "
            f"OR {table}.community IS DISTINCT FROM l.community)"
            if connection.vendor == "postgresql"
            else f"UPDATE {table} SET component = l.component, community = l.community "  # noqa: S608
            f"FROM network_labels l WHERE {table}.id = l.id "
            f"AND ({table}.component IS NOT l.component OR {table}.community IS NOT l.community)"
        )
        cursor.execute("DROP TABLE network_labels")


def recompute(seed: int = 7) -> RunSummary:
    """The full analysis: every group and community, from every link."""
    started, t0 = clock.now(), time.perf_counter()
    ids = _entity_ids()
    sources, targets = _pairs()
    t1 = time.perf_counter()
    components, communities, modularity = partition(ids, sources, targets, seed)
    t2 = time.perf_counter()
    with transaction.atomic():
        _write(ids, components, communities)
        t3 = time.perf_counter()
        summary = RunSummary(
            entities=len(ids),
            links=len(sources),
            components=len(set(components)),
            communities=len(set(communities)),
            modularity=modularity,
            seconds=t3 - t0,
            read_seconds=t1 - t0,
            analyse_seconds=t2 - t1,
            write_seconds=t3 - t2,
        )
        AnalysisRun.objects.create(
            started_at=started,
            seconds=summary.seconds,
            entities=summary.entities,
            links=summary.links,
            components=summary.components,
            communities=summary.communities,
            modularity=modularity,
        )
    return summary


def entity_created(entity: Entity) -> None:
    """A new entity is its own group and community until a link joins it to others."""
    Entity.objects.filter(pk=entity.pk).update(component=entity.pk, community=entity.pk)
    entity.component = entity.community = entity.pk


def link_added(link: Link) -> None:
    """Keep groups and communities current after one new link (inside its transaction)."""
    rows = dict(
        (row[0], row[1:])
        for row in Entity.objects.filter(pk__in=(link.source_id, link.target_id)).values_list(
            "pk", "component", "community"
        )
    )
    (a_component, a_community), (b_component, b_community) = (
        rows[link.source_id],
        rows[link.target_id],
    )
    if a_component != b_component:
        # The smaller group takes the larger's name: count each only as far as needed.
        a_size, b_size = (_size_up_to(c, SIZE_BOUND) for c in (a_component, b_component))
        keep, go = (a_component, b_component) if a_size >= b_size else (b_component, a_component)
        Entity.objects.filter(component=go).update(component=keep)
    for lonely, community in (
        (link.source_id, b_community),
        (link.target_id, a_community),
    ):
        # An entity still in a community of its own, with no other link, joins its neighbour.
        mine = rows[lonely][1]
        if mine == lonely and not _has_other_links(lonely, exclude=link.pk):
            Entity.objects.filter(pk=lonely).update(community=community)
            break


def _size_up_to(component: int, bound: int) -> int:
    return Entity.objects.filter(component=component).values("pk")[:bound].count()


def _has_other_links(entity_id: int, *, exclude: int) -> bool:
    return (
        Link.objects.filter(Q(source_id=entity_id) | Q(target_id=entity_id))
        .exclude(pk=exclude)
        .exists()
    )


def last_run() -> AnalysisRun | None:
    return AnalysisRun.objects.order_by("-started_at", "-pk").first()


def links_since_last_run() -> int:
    """Links recorded after the last full analysis began (their communities wait for it)."""
    run = last_run()
    found = Link.objects.all()
    if run is not None:
        found = found.filter(report__submitted_at__gte=run.started_at)
    return found.count()


# ---------------------------------------------------------------- one group, as seen
def betweenness(nodes: Sequence[int], edges: Iterable[tuple[int, int]]) -> dict[int, float]:
    """How much of the group's shortest chains run through each node, 0 to 1."""
    index = {n: i for i, n in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in edges])
    graph.simplify()
    if len(nodes) < 3:
        return {n: 0.0 for n in nodes}
    scores = graph.betweenness(directed=False)
    pairs = (len(nodes) - 1) * (len(nodes) - 2) / 2
    return {n: scores[i] / pairs for n, i in index.items()}


def growth(first_seen: Iterable[tuple[int, int, dt.date]]) -> list[tuple[dt.date, int, int]]:
    """Month by month: (first day of month, entities in the group by then, links by then),
    from each link's (source, target, first seen)."""
    by_month: dict[dt.date, list[tuple[int, int]]] = {}
    for a, b, day in first_seen:
        by_month.setdefault(day.replace(day=1), []).append((a, b))
    seen: set[int] = set()
    links = 0
    out = []
    for month in sorted(by_month):
        for a, b in by_month[month]:
            seen.update((a, b))
            links += 1
        out.append((month, len(seen), links))
    return out
