"""Small-number suppression for the partnership's anonymised tables.

No count from 1 to 4 is ever shown (a zero is shown: it names no one). Hiding those
(primary suppression) is not enough when totals are shown beside them: a row of
`[hidden], 7, 9` with a total of 19 gives the hidden 3 away by subtraction. So more
counts are hidden (secondary suppression) until no hidden count can be worked out from
what is shown, by any sum of rows, columns and totals.

How it is checked. A table with its row, column and grand totals is a flow network: the
grand total flows from a source to each row (the row totals), from each row to each column
(the cells), and from each column to a sink (the column totals), and back to the source.
Every node balances, which is exactly "the cells add up to the totals". Two tables that
share their column totals (feedback by kind of giver and by sentiment, both by quarter)
are one network: the first table's cells flow into a node per quarter, through the
quarter's total, and out through the second table's cells.

A reader knows the shown numbers, that every number balances, and that a hidden count is
a whole number of at least 1 (zeros are shown, so a hidden count is never zero). Another
set of values they could not tell apart from the true one differs from it by a
circulation through hidden counts only; such a circulation is a sum of simple cycles. So
a hidden count can be worked out exactly when no cycle of hidden counts runs through it
along which its value could move by one while every hidden count stays at 1 or more:
raising a count along a cycle is always possible, lowering one needs it to be 2 or more
(`exposed`). Suppression hides one more count next to an exposed one (the smallest, cells
before totals) until none is exposed. That always ends: once every non-zero count is
hidden, doubling every count gives another answer that fits, so none is exposed.

The reader is not told which hidden counts are fewer than 5 and which were hidden to
protect them: one mark for both.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

THRESHOLD = 5
MARK = "[c]"


@dataclass(frozen=True)
class Edge:
    """One count in a network: it flows from `tail` to `head`. `rank` orders what is hidden
    second: cells (0) before totals (1) before the grand total (2)."""

    key: Hashable
    tail: Hashable
    head: Hashable
    value: int
    rank: int = 0


def primary(value: int) -> bool:
    return 0 < value < THRESHOLD


def _reaches(arcs: dict, start, goal) -> bool:
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt in arcs.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def exposed(edges: Iterable[Edge], hidden: Iterable[Hashable]) -> list[Hashable]:
    """The hidden counts a reader could work out exactly from the rest, in edge order."""
    hidden = set(hidden)
    among = [e for e in edges if e.key in hidden]
    found = []
    for x in among:
        arcs: dict = defaultdict(list)
        for e in among:
            if e.key == x.key:
                continue
            arcs[e.tail].append(e.head)  # one more along e: always possible
            if e.value >= 2:  # one fewer along e: it stays at 1 or more
                arcs[e.head].append(e.tail)
        can_rise = _reaches(arcs, x.head, x.tail)
        can_fall = x.value >= 2 and _reaches(arcs, x.tail, x.head)
        if not (can_rise or can_fall):
            found.append(x.key)
    return found


def protect(edges: Iterable[Edge]) -> frozenset:
    """The keys of the counts to hide: every count from 1 to 4, and as few others as this
    simple method finds so that none of them can be worked out."""
    edges = list(edges)
    keys = [e.key for e in edges]
    if len(set(keys)) != len(keys):
        raise ValueError("each count in a network needs its own key")
    if any(e.value < 0 for e in edges):
        raise ValueError("counts are never negative")
    order = {e.key: n for n, e in enumerate(edges)}
    hidden = {e.key for e in edges if primary(e.value)}
    while True:
        open_ = exposed(edges, hidden)
        if not open_:
            return frozenset(hidden)
        hidden.add(_companion(edges, hidden, open_[0], order))


def _companion(edges: list[Edge], hidden: set, key: Hashable, order: dict) -> Hashable:
    """A count to hide beside an exposed one: the smallest non-zero shown count touching
    either end of it that protects it; failing that, the smallest touching it; failing
    that, one touching any hidden count; failing that, any."""
    x = next(e for e in edges if e.key == key)
    shown = [e for e in edges if e.key not in hidden and e.value > 0]
    touching = {x.tail, x.head}
    cheapest = sorted(shown, key=lambda e: (e.value, e.rank, order[e.key]))
    near = [e for e in cheapest if {e.tail, e.head} & touching]
    for candidate in near:
        if key not in exposed(edges, hidden | {candidate.key}):
            return candidate.key
    if not near:
        ends = {n for e in edges if e.key in hidden for n in (e.tail, e.head)}
        near = [e for e in cheapest if {e.tail, e.head} & ends] or cheapest
    if not near:  # cannot happen: with every non-zero count hidden, none is exposed
        raise AssertionError("nothing left to hide")
    return near[0].key


# ---------------------------------------------------------------- tables
@dataclass
class Shown:
    """One number as the reader sees it: the count, or None where it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        return MARK if self.value is None else f"{self.value:,}"


class Table:
    """Counts by row and column with their totals. `shared` names column and grand totals
    that another table shows too (the same numbers), so both hide them alike."""

    def __init__(
        self,
        name: str,
        rows: list[tuple[str, str]],
        columns: list[tuple[str, str]],
        counts: dict[tuple[str, str], int],
        shared: str | None = None,
    ):
        self.name, self.rows, self.columns, self.shared = name, rows, columns, shared
        self.values: dict[tuple, int] = {}
        for r, _ in rows:
            for c, _ in columns:
                self.values[("cell", r, c)] = counts.get((r, c), 0)
        for r, _ in rows:
            self.values[("row", r)] = sum(self.values[("cell", r, c)] for c, _ in columns)
        for c, _ in columns:
            self.values[("col", c)] = sum(self.values[("cell", r, c)] for r, _ in rows)
        self.values[("all",)] = sum(self.values[("col", c)] for c, _ in columns)
        self.hidden: frozenset = frozenset()

    def key(self, local: tuple) -> tuple:
        if self.shared and local[0] in ("col", "all"):
            return (self.shared, *local)
        return (self.name, *local)

    def shown(self, local: tuple) -> Shown:
        return Shown(None if self.key(local) in self.hidden else self.values[local])

    def grid(self) -> list[tuple[str | None, str, list[Shown], Shown]]:
        """(code, label, cells, total) per row, then the totals row with code None."""
        lines = [
            (
                r,
                label,
                [self.shown(("cell", r, c)) for c, _ in self.columns],
                self.shown(("row", r)),
            )
            for r, label in self.rows
        ]
        lines.append(
            (None, "Total", [self.shown(("col", c)) for c, _ in self.columns], self.shown(("all",)))
        )
        return lines

    def edges(self, into: dict | None = None, out_of: dict | None = None) -> list[Edge]:
        """The table as a network. Alone, its cells run from a node per row to a node per
        column. Linked (`into`/`out_of`: column code -> node), its cells run into the shared
        column nodes (the first table) or out of them (the second); its column totals are
        the shared ones, drawn once, by the first."""
        n = self.name
        source, sink = (n, "source"), (n, "sink")
        found = []
        for r, _ in self.rows:
            row_node = (n, "row", r)
            if out_of is None:
                found.append(
                    Edge(self.key(("row", r)), source, row_node, self.values[("row", r)], 1)
                )
            else:
                found.append(Edge(self.key(("row", r)), row_node, sink, self.values[("row", r)], 1))
            for c, _ in self.columns:
                value = self.values[("cell", r, c)]
                if into is not None:
                    found.append(Edge(self.key(("cell", r, c)), row_node, into[c], value))
                elif out_of is not None:
                    found.append(Edge(self.key(("cell", r, c)), out_of[c], row_node, value))
                else:
                    found.append(Edge(self.key(("cell", r, c)), row_node, (n, "col", c), value))
        if into is None and out_of is None:
            for c, _ in self.columns:
                found.append(
                    Edge(self.key(("col", c)), (n, "col", c), sink, self.values[("col", c)], 1)
                )
            found.append(Edge(self.key(("all",)), sink, source, self.values[("all",)], 2))
        return found


def protect_table(table: Table) -> Table:
    table.hidden = protect(table.edges())
    return table


def protect_linked(first: Table, second: Table) -> tuple[Table, Table]:
    """Two tables with the same columns and the same column and grand totals (the same
    things counted two ways), suppressed as one network."""
    if first.shared is None or first.shared != second.shared:
        raise ValueError("linked tables share their totals under one name")
    if [c for c, _ in first.columns] != [c for c, _ in second.columns]:
        raise ValueError("linked tables have the same columns")
    if any(first.values[k] != second.values[k] for k in first.values if k[0] in ("col", "all")):
        raise ValueError("linked tables count the same things: their totals must agree")
    shared = first.shared
    into = {c: (shared, "in", c) for c, _ in first.columns}
    out_of = {c: (shared, "out", c) for c, _ in first.columns}
    edges = first.edges(into=into) + second.edges(out_of=out_of)
    for c, _ in first.columns:
        edges.append(Edge(first.key(("col", c)), into[c], out_of[c], first.values[("col", c)], 1))
    edges.append(
        Edge(
            first.key(("all",)),
            (second.name, "sink"),
            (first.name, "source"),
            first.values[("all",)],
            2,
        )
    )
    hidden = protect(edges)
    first.hidden = second.hidden = hidden
    return first, second
