"""The network's shape: connected groups and communities, held in each entity's row.

- `recompute()`: reads every link once (on PostgreSQL, one binary COPY into numpy
  arrays), builds the simple graph in igraph (compiled), finds the connected groups and
  the communities (Leiden, maximising modularity), and writes back the labels that
  changed. A group or community is named by its smallest entity id, so the names are
  stable from one run to the next while the membership holds.
- `link_added(link)`: keeps the answer current between runs, in one read and at most
  one write. Two groups that a link joins become one (a new entity takes its
  neighbour's group; otherwise the larger group keeps its name, so the fewer rows are
  rewritten); an entity with no community yet joins its neighbour's. Two established
  communities that a new link touches stay as they are until the next full run, which
  may merge them: `links_since_last_run` says how many links wait for it.
- `betweenness` and `growth`: for one group as a reader sees it, who holds it together
  and how it grew, month by month.

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
import numpy as np
from django.db import connection, transaction

from lantern.core import clock

from .models import AnalysisRun, Entity, Link

CHUNK = 200_000
READ_BATCH = 1_000_000  # rows in each packed string read from PostgreSQL (16 MB of links)
SIZE_BOUND = 10_000  # past this, which group is larger matters little
# Leiden's passes over the whole graph. Two found communities as good as running until
# nothing moves (modularity equal to 1 part in 10,000 on a graph of 1M entities and 5M
# links, benchmarks/network.py) in a seventh of the time (22 s against 148 s).
LEIDEN_ITERATIONS = 2


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
    labels_written: int = 0  # entities whose group or community changed


def _int_columns(table: str, columns: Sequence[str]) -> list[np.ndarray]:
    """Integer columns (never null) of every row of a table, as arrays, in no set order.

    On PostgreSQL the rows come a million at a time, each batch packed by the server into
    one binary string (`string_agg` of `int8send`): a row at a time, as a cursor or a COPY
    hands them over, costs Python more than all the rest of the read."""
    width = len(columns)
    parts: list[np.ndarray] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            named = ", ".join(f"{c} AS c{j}" for j, c in enumerate(columns))
            packed = " || ".join(f"int8send(CAST(c{j} AS bigint))" for j in range(width))
            last = 0
            while True:
                cursor.execute(
                    f"WITH batch AS (SELECT id AS at, {named} FROM {table} "  # noqa: S608
                    "WHERE id > %s ORDER BY id LIMIT %s) "
                    f"SELECT max(at), string_agg({packed}, ''::bytea) FROM batch",
                    [last, READ_BATCH],
                )
                top, data = cursor.fetchone()
                if top is None:
                    break
                last = top
                parts.append(np.frombuffer(data, dtype=">i8").astype(np.int64))
            flat = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
            return [np.ascontiguousarray(flat[j::width]) for j in range(width)]
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
        while rows := cursor.fetchmany(CHUNK):
            parts.append(np.array(rows, dtype=np.int64).reshape(-1, width))
    rows = np.concatenate(parts) if parts else np.empty((0, width), dtype=np.int64)
    return [np.ascontiguousarray(rows[:, j]) for j in range(width)]


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _row_type(width: int) -> np.dtype:
    """One row of PostgreSQL's binary COPY of `width` bigint columns: the field count,
    then each field's length (8) and value, all big-endian."""
    fields = [("fields", ">i2")]
    for j in range(width):
        fields += [(f"length{j}", ">i4"), (f"value{j}", ">i8")]
    return np.dtype(fields)


def _binary_rows(columns: Sequence[np.ndarray]) -> bytes:
    """Rows of bigint columns in PostgreSQL's binary COPY format (without the header)."""
    row = _row_type(len(columns))
    rows = np.empty(len(columns[0]), dtype=row)
    rows["fields"] = len(columns)
    for j, values in enumerate(columns):
        rows[f"length{j}"] = 8
        rows[f"value{j}"] = values
    return rows.tobytes()


def _pairs() -> tuple[np.ndarray, np.ndarray]:
    """Every link's two ends."""
    sources, targets = _int_columns(Link._meta.db_table, ["source_id", "target_id"])
    return sources, targets


def _entities() -> tuple[np.ndarray, np.ndarray]:
    """Every entity's id, in order, and its community as last written (-1 for none)."""
    ids, communities = _int_columns(Entity._meta.db_table, ["id", "COALESCE(community, -1)"])
    order = np.argsort(ids, kind="stable")
    return ids[order], communities[order]


def _dense(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values (0, 1, 2...): group numbers."""
    if not len(values):
        return np.empty(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    ordered = values[order]
    ranks[order] = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))
    return ranks


def _start(communities: np.ndarray) -> np.ndarray:
    """The membership Leiden starts from: each community as last written, an entity
    with none (-1) in one of its own."""
    labels = communities.copy()
    alone = labels < 0
    labels[alone] = -1 - np.arange(int(alone.sum()))
    return _dense(labels)


def _label_array(membership: np.ndarray, ids: np.ndarray) -> np.ndarray:
    if not len(ids):
        return np.empty(0, dtype=np.int64)
    smallest = np.full(int(membership.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, membership, ids)
    return smallest[membership]


def labels(membership: Sequence[int], ids: Sequence[int]) -> list[int]:
    """Each vertex's group named by the smallest entity id in the group."""
    membership = np.asarray(membership, dtype=np.int64)
    ids = np.asarray(ids, dtype=np.int64)
    if len(membership) != len(ids):
        raise ValueError("one group number for each entity")
    return _label_array(membership, ids).tolist()


def _positions(ids: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Where each of `column`'s entity ids stands in `ids`. A table indexed by id when
    ids are dense enough (as database ids are), else a binary search of the sorted ids:
    the table is ten times quicker on millions of links."""
    bad = ValueError("a link names an entity that is not among the ids")
    if not len(column):
        return np.empty(0, dtype=np.int64)
    if len(ids) == 0 or column.min() < 0:
        raise bad
    top = int(max(ids.max(), column.max()))
    if top <= 4 * len(ids) + 1_000_000:
        table = np.full(top + 1, -1, dtype=np.int64)
        table[ids] = np.arange(len(ids))
        at = table[column]
        if (at < 0).any():
            raise bad
        return at
    order = np.argsort(ids, kind="stable")
    at = np.searchsorted(ids[order], column)
    if at.max() >= len(ids) or not np.array_equal(ids[order][at], column):
        raise bad
    return order[at]


def _simple_edges(
    ids: np.ndarray, sources: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The links as vertex pairs (positions in `ids`), each pair once and none from an
    entity to itself: the simple graph that groups and communities are found in."""
    first, second = _positions(ids, sources), _positions(ids, targets)
    low, high = np.minimum(first, second), np.maximum(first, second)
    keep = low != high
    size = max(len(ids), 1)
    pairs = np.sort(low[keep] * size + high[keep])  # sorted, then each pair once
    if len(pairs):
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return pairs // size, pairs % size


def partition(
    ids: Sequence[int],
    sources: Sequence[int],
    targets: Sequence[int],
    seed: int = 7,
    start: Sequence[int] | None = None,
) -> tuple[list[int], list[int], float]:
    """(component label, community label, modularity) for each id, from the links.
    `start`: each id's community label to begin from (-1 for none), such as the last
    run left them; without it, every entity begins in a community of its own."""
    components, communities, modularity = _partition(
        np.asarray(ids, dtype=np.int64),
        np.asarray(sources, dtype=np.int64),
        np.asarray(targets, dtype=np.int64),
        seed,
        None if start is None else np.asarray(start, dtype=np.int64),
    )
    return components.tolist(), communities.tolist(), modularity


def _partition(
    ids: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    seed: int,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    if not len(ids):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 0.0
    first, second = _simple_edges(ids, sources, targets)
    # igraph takes its edges as Python pairs: the quickest of the ways it accepts.
    graph = igraph.Graph(n=len(ids), edges=list(zip(first.tolist(), second.tolist(), strict=True)))
    del first, second
    components = np.asarray(graph.connected_components().membership, dtype=np.int64)
    random.seed(seed)  # igraph's Leiden draws from Python's generator: fix it for repeat runs
    communities = graph.community_leiden(
        objective_function="modularity",
        n_iterations=LEIDEN_ITERATIONS,
        initial_membership=None if start is None else _start(start).tolist(),
    )
    modularity = graph.modularity(communities.membership) if graph.ecount() else 0.0
    membership = np.asarray(communities.membership, dtype=np.int64)
    return _label_array(components, ids), _label_array(membership, ids), modularity


def _distinct(values: np.ndarray) -> int:
    """How many different values (by sorting: quicker than numpy's unique here)."""
    ordered = np.sort(values)
    return int(len(ordered) and 1 + np.count_nonzero(ordered[1:] != ordered[:-1]))


def _write(ids: np.ndarray, components: np.ndarray, communities: np.ndarray) -> int:
    """Write both labels back for every entity whose labels changed, through a temporary
    table (filled by one binary COPY on PostgreSQL). Returns how many changed."""
    table = Entity._meta.db_table
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS network_labels")
        cursor.execute(
            "CREATE TEMPORARY TABLE network_labels "
            "(id bigint PRIMARY KEY, component bigint, community bigint)"
        )
        if postgres:
            with cursor.copy(
                "COPY network_labels (id, component, community) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.write(_SIGNATURE + bytes(8))  # no flags, no header extension
                for start in range(0, len(ids), CHUNK * 5):
                    part = slice(start, start + CHUNK * 5)
                    copy.write(_binary_rows([ids[part], components[part], communities[part]]))
                copy.write(b"\xff\xff")
            cursor.execute("ANALYZE network_labels")
        else:
            for start in range(0, len(ids), CHUNK):
                part = slice(start, start + CHUNK)
                cursor.executemany(
                    "INSERT INTO network_labels VALUES (%s, %s, %s)",
                    zip(
                        ids[part].tolist(),
                        components[part].tolist(),
                        communities[part].tolist(),
                        strict=True,
                    ),
                )
        differs = "IS DISTINCT FROM" if postgres else "IS NOT"
        cursor.execute(
            f"UPDATE {table} SET component = l.component, community = l.community "  # noqa: S608
            f"FROM network_labels l WHERE {table}.id = l.id "
            f"AND ({table}.component {differs} l.component "
            f"OR {table}.community {differs} l.community)"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE network_labels")
    return written


def recompute(seed: int = 7) -> RunSummary:
    """The full analysis: every group and community, from every link.

    After the first run, Leiden starts from the communities the last run found (with the
    entities added since in their neighbours'): it improves on them rather than starting
    from nothing, so it takes less time, and a group keeps its name from night to night
    unless its membership really changed (fewer rows are written, and readers see the
    same group). The first run starts every entity in a community of its own."""
    started, t0 = clock.now(), time.perf_counter()
    ids, held = _entities()
    start = held if last_run() is not None else None
    sources, targets = _pairs()
    t1 = time.perf_counter()
    components, communities, modularity = _partition(ids, sources, targets, seed, start)
    groups, found = _distinct(components), _distinct(communities)
    t2 = time.perf_counter()
    with transaction.atomic():
        written = _write(ids, components, communities)
        t3 = time.perf_counter()
        summary = RunSummary(
            entities=len(ids),
            links=len(sources),
            components=groups,
            communities=found,
            modularity=modularity,
            seconds=t3 - t0,
            read_seconds=t1 - t0,
            analyse_seconds=t2 - t1,
            write_seconds=t3 - t2,
            labels_written=written,
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Entity._meta.db_table} SET component = %s, community = %s "  # noqa: S608
            "WHERE id = %s",
            [entity.pk, entity.pk, entity.pk],
        )
    entity.component = entity.community = entity.pk


# Both ends of a new link: their labels, and whether each has any other link. Plain SQL,
# as in the two writes below: these run inside every report's transaction, where building
# the same statements through the ORM took longer than running them.
_ENDS = """
SELECT e.id, e.component, e.community,
       EXISTS (SELECT 1 FROM {link} l WHERE l.source_id = e.id AND l.id <> %s)
       OR EXISTS (SELECT 1 FROM {link} l WHERE l.target_id = e.id AND l.id <> %s)
FROM {entity} e WHERE e.id IN (%s, %s)
"""
_MERGE_AND_JOIN = """
UPDATE {entity}
SET component = CASE WHEN component = %s THEN %s ELSE component END,
    community = CASE WHEN id = %s THEN %s ELSE community END
WHERE component = %s OR id = %s
"""


def link_added(link: Link) -> None:
    """Keep groups and communities current after one new link (inside its transaction).

    One read (both ends' labels, and whether each has any other link) and at most one
    write. Two groups the link joins become one: an end with no other link is a group of
    its own and takes the other's name; otherwise the smaller group does (the fewer rows
    are rewritten). An end still in a community of its own, with no other link, joins
    its neighbour's community."""
    tables = {"entity": Entity._meta.db_table, "link": Link._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(_ENDS.format(**tables), [link.pk, link.pk, link.source_id, link.target_id])
        rows = {
            pk: (component, community, bool(linked))
            for pk, component, community, linked in cursor.fetchall()
        }
        (a_component, a_community, a_linked), (b_component, b_community, b_linked) = (
            rows[link.source_id],
            rows[link.target_id],
        )
        go = keep = None
        if a_component != b_component:
            if not b_linked:
                go = b_component
            elif not a_linked:
                go = a_component
            else:
                go = _smaller(a_component, b_component)
            keep = b_component if go == a_component else a_component
        lonely = joins = None
        for end, mine, linked, theirs in (
            (link.source_id, a_community, a_linked, b_community),
            (link.target_id, b_community, b_linked, a_community),
        ):
            if mine == end and not linked:
                lonely, joins = end, theirs
                break
        entity = tables["entity"]
        if go is not None and lonely is not None:
            cursor.execute(_MERGE_AND_JOIN.format(**tables), [go, keep, lonely, joins, go, lonely])
        elif go is not None:
            cursor.execute(
                f"UPDATE {entity} SET component = %s WHERE component = %s",  # noqa: S608
                [keep, go],
            )
        elif lonely is not None:
            cursor.execute(
                f"UPDATE {entity} SET community = %s WHERE id = %s",  # noqa: S608
                [joins, lonely],
            )


def _smaller(a: int, b: int) -> int:
    """Of two groups, the one with fewer entities (`b` when they are as large, or both
    larger than SIZE_BOUND). Each is counted only as far as the smaller one needs: one
    query for any group under 64, a few more for larger ones."""
    bound = 64
    while True:
        a_size, b_size = _sizes_up_to(a, b, bound)
        if a_size < bound or b_size < bound or bound >= SIZE_BOUND:
            return b if a_size >= b_size else a
        bound = min(bound * 8, SIZE_BOUND)


def _sizes_up_to(a: int, b: int, bound: int) -> tuple[int, int]:
    """How many entities each group has, counting no further than `bound`."""
    table = Entity._meta.db_table
    count = f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE component = %s LIMIT %s) g)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {count}, {count}", [a, bound, b, bound])
        a_size, b_size = cursor.fetchone()
    return a_size, b_size


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
