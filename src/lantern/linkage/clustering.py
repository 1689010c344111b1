"""Joining linked records into people, without ever joining two records a person kept apart.

Plain connected components over the engine's links would merge two different
children through a third record that looks like both of them (twins through a
misspelt record, siblings through a parent's). So clusters are grown greedily,
strongest link first, and a link is refused when it would put into one cluster
two records that must stay apart: a pair a reviewer decided are different
people, or a pair waiting for review because they share a household.

Must-links (records already one person, pairs a reviewer decided are the same)
are joined first and are never refused; a must-link that breaks a keep-apart
pair is reported as a conflict for a human, not silently applied.

Identifiers keep records apart too: a link is refused when it would give one
person two different valid NHS numbers (or UPNs, or PNC IDs), whichever records
carry them, so a third record with no identifier cannot join two twins.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Clusters:
    """Which cluster each record is in (records on their own are left out)."""

    of: dict[Hashable, Hashable] = field(default_factory=dict)
    refused: list[tuple[Hashable, Hashable]] = field(default_factory=list)
    conflicts: list[tuple[Hashable, Hashable]] = field(default_factory=list)

    def groups(self) -> dict[Hashable, list[Hashable]]:
        found: dict[Hashable, list[Hashable]] = {}
        for record, root in self.of.items():
            found.setdefault(root, []).append(record)
        return found


class _Forest:
    def __init__(
        self,
        apart: Iterable[tuple[Hashable, Hashable]],
        identifiers: Mapping[Hashable, Mapping[str, str]],
    ):
        self.parent: dict[Hashable, Hashable] = {}
        self.members: dict[Hashable, set] = {}
        self.apart: dict[Hashable, set] = {}
        # root -> scheme -> the valid values its records carry
        self.ids: dict[Hashable, dict[str, set[str]]] = {}
        for record, values in identifiers.items():
            present = {scheme: {v} for scheme, v in values.items() if v}
            if present:
                self.ids[self.find(record)] = present
        for a, b in apart:
            if a == b:
                continue
            self.apart.setdefault(self.find(a), set()).add(b)
            self.apart.setdefault(self.find(b), set()).add(a)

    def find(self, x: Hashable) -> Hashable:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.members[x] = {x}
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def clash(self, ra: Hashable, rb: Hashable) -> bool:
        apart_a, apart_b = self.apart.get(ra), self.apart.get(rb)
        if apart_a and not apart_a.isdisjoint(self.members[rb]):
            return True
        if apart_b and not apart_b.isdisjoint(self.members[ra]):
            return True
        ids_a, ids_b = self.ids.get(ra), self.ids.get(rb)
        if ids_a and ids_b:
            for scheme, values in ids_a.items():
                other = ids_b.get(scheme)
                if other and other != values:
                    return True
        return False

    def union(self, ra: Hashable, rb: Hashable) -> None:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        moved = self.apart.pop(rb, None)
        if moved:
            self.apart.setdefault(ra, set()).update(moved)
        carried = self.ids.pop(rb, None)
        if carried:
            into = self.ids.setdefault(ra, {})
            for scheme, values in carried.items():
                into.setdefault(scheme, set()).update(values)


def cluster(
    *,
    must: Iterable[tuple[Hashable, Hashable]] = (),
    links: Iterable[tuple[Hashable, Hashable, float]] = (),
    apart: Iterable[tuple[Hashable, Hashable]] = (),
    identifiers: Mapping[Hashable, Mapping[str, str]] | None = None,
) -> Clusters:
    """Clusters from must-links, then scored links strongest first, keeping `apart` pairs
    apart and never letting one cluster hold two values of one identifier scheme.
    `identifiers` maps a record to its valid identifiers ({"nhs_number": "..."})."""
    forest = _Forest(apart, identifiers or {})
    result = Clusters()
    for a, b in must:
        ra, rb = forest.find(a), forest.find(b)
        if ra == rb:
            continue
        if forest.clash(ra, rb):
            result.conflicts.append((a, b))
        forest.union(ra, rb)
    for a, b, _weight in sorted(links, key=lambda link: -link[2]):
        ra, rb = forest.find(a), forest.find(b)
        if ra == rb:
            continue
        if forest.clash(ra, rb):
            result.refused.append((a, b))
            continue
        forest.union(ra, rb)
    for record in list(forest.parent):
        root = forest.find(record)
        if len(forest.members[root]) > 1:
            result.of[record] = root
    return result


@dataclass
class Labelled:
    """`cluster` over records numbered 0..n-1: each record's cluster label (-1 when it
    is on its own), and how many links were refused and must-links conflicted."""

    labels: np.ndarray
    refused: int = 0
    conflicts: int = 0


def cluster_positions(
    size: int,
    *,
    must: tuple[np.ndarray, np.ndarray],
    links: tuple[np.ndarray, np.ndarray, np.ndarray],
    apart: tuple[np.ndarray, np.ndarray],
    identifiers: Mapping[str, np.ndarray] | None = None,
) -> Labelled:
    """The same clusters as `cluster`, for a million records in a second or two.

    Records are positions 0..size-1; `must` and `apart` are (left, right) arrays,
    `links` (left, right, weight), `identifiers` scheme -> one value per position
    (None where the record carries none). Orders matter as they do for `cluster`.

    Why it gives the same answer: a component of the graph of every must-link and
    link can only be grown differently from its plain connected component if some
    union in it can clash, which needs a kept-apart pair with both records inside it
    or two different values of one identifier scheme inside it. Components with
    neither (nearly all of them) are taken whole; the few others are grown greedily
    by `cluster` itself, on their own edges in their own order. Components never
    touch, so the greedy growth of one is not changed by leaving out the rest.
    """
    from .engine import connected_components

    must_l, must_r = (np.asarray(side, dtype=np.int64) for side in must)
    link_l, link_r, weight = (np.asarray(side) for side in links)
    link_l, link_r = link_l.astype(np.int64), link_r.astype(np.int64)
    roots = connected_components(
        size, np.concatenate([must_l, link_l]), np.concatenate([must_r, link_r])
    )
    counts = np.bincount(roots, minlength=size)
    grouped = counts[roots] > 1
    hard = np.zeros(size, dtype=bool)  # by root: components that need the greedy growth
    apart_l, apart_r = (np.asarray(side, dtype=np.int64) for side in apart)
    inside = (apart_l >= 0) & (apart_r >= 0)
    apart_l, apart_r = apart_l[inside], apart_r[inside]
    both = (roots[apart_l] == roots[apart_r]) & (apart_l != apart_r)
    hard[roots[apart_l[both]]] = True
    values: dict[str, np.ndarray] = {}
    for scheme, carried in (identifiers or {}).items():
        carried = np.asarray(carried, dtype=object)
        codes = pd.factorize(
            pd.Series(carried).where(pd.notna(carried) & (carried != ""), None),
            use_na_sentinel=True,
        )[0]
        held = grouped & (codes >= 0)
        if not held.any():
            continue
        values[scheme] = carried
        low = np.full(size, np.iinfo(np.int64).max)
        high = np.full(size, -1)
        np.minimum.at(low, roots[held], codes[held])
        np.maximum.at(high, roots[held], codes[held])
        hard |= high > low
    labels = np.where(grouped, roots, -1)
    if not hard.any():
        return Labelled(labels)
    # The greedy growth, on the hard components only.
    in_hard = hard[roots]
    labels[in_hard] = -1
    keep_must = in_hard[must_l]
    keep_link = in_hard[link_l]
    keep_apart = in_hard[apart_l] & in_hard[apart_r]
    members = np.flatnonzero(in_hard)
    carried_ids = {}
    for scheme, carried in values.items():
        for position in members:
            value = carried[position]
            if value is not None and value == value and value != "":
                carried_ids.setdefault(int(position), {})[scheme] = value
    greedy = cluster(
        must=zip(must_l[keep_must].tolist(), must_r[keep_must].tolist(), strict=True),
        links=zip(
            link_l[keep_link].tolist(),
            link_r[keep_link].tolist(),
            weight[keep_link].tolist(),
            strict=True,
        ),
        apart=zip(apart_l[keep_apart].tolist(), apart_r[keep_apart].tolist(), strict=True),
        identifiers=carried_ids,
    )
    for position, root in greedy.of.items():
        labels[position] = root
    return Labelled(labels, refused=len(greedy.refused), conflicts=len(greedy.conflicts))
