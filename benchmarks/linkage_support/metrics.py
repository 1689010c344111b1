"""How good a linkage is, measured against the ground truth.

Two measures, both precision, recall and F1 over record pairs:

- **pairs**: the pairs a method itself declared a match (its automatic links, before
  any clustering), against every true pair it could have declared: in deduplication
  all pairs of records of one entity, in linking only those whose records come from
  different source datasets.
- **clusters**: pairwise-within-cluster. A clustering declares every pair of records
  that share a cluster a match; the true pairs are every pair that share an entity.
  precision = shared / declared, recall = shared / true, where
  declared = sum of C(n, 2) over the method's clusters, true = sum of C(n, 2) over
  the true entities, and shared = sum of C(n, 2) over the cells of the cross table
  (method cluster x true entity). Counted from the sizes, never by listing pairs, so
  a million records cost a group-by. This is the "pairwise" F1 usual for Splink.

Nothing here imports the rest of the benchmark, so a test can load it on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    """True positives, declared and actual pair counts, and the measures they give."""

    shared: int
    declared: int
    actual: int

    @property
    def precision(self) -> float:
        return self.shared / self.declared if self.declared else math.nan

    @property
    def recall(self) -> float:
        return self.shared / self.actual if self.actual else math.nan

    @property
    def f1(self) -> float:
        """2PR / (P + R), written so that declaring nothing scores 0, not undefined."""
        total = self.declared + self.actual
        return 2 * self.shared / total if total else math.nan

    def as_dict(self) -> dict:
        return {
            "shared": self.shared,
            "declared": self.declared,
            "actual": self.actual,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
        }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 5)


def _pairs_in(sizes: np.ndarray) -> int:
    sizes = np.asarray(sizes, dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _group_sizes(*columns: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({f"c{i}": np.asarray(c) for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=False, dropna=False).size().to_numpy()


def cluster_scores(predicted: np.ndarray, true: np.ndarray) -> Scores:
    """Pairwise-within-cluster scores; both arrays hold one label per record, aligned."""
    predicted, true = np.asarray(predicted), np.asarray(true)
    if predicted.shape != true.shape:
        raise ValueError("one predicted and one true label per record, in the same order")
    return Scores(
        shared=_pairs_in(_group_sizes(predicted, true)),
        declared=_pairs_in(_group_sizes(predicted)),
        actual=_pairs_in(_group_sizes(true)),
    )


def true_pair_count(entity: np.ndarray, dataset: np.ndarray | None = None) -> int:
    """Pairs of records of one entity; with `dataset` (linking), only pairs across datasets."""
    total = _pairs_in(_group_sizes(entity))
    if dataset is None:
        return total
    return total - _pairs_in(_group_sizes(entity, dataset))


def unordered_pairs(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pair once, smaller id first; a record paired with itself is dropped."""
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    frame = pd.DataFrame({"low": low[keep], "high": high[keep]}).drop_duplicates()
    return frame["low"].to_numpy(), frame["high"].to_numpy()


def pair_scores(left: np.ndarray, right: np.ndarray, entity_of: pd.Series, actual: int) -> Scores:
    """Scores of declared pairs (left[i], right[i]); `entity_of` maps record id to entity."""
    low, high = unordered_pairs(left, right)
    same = entity_of.reindex(low).to_numpy() == entity_of.reindex(high).to_numpy()
    return Scores(shared=int(same.sum()), declared=len(low), actual=int(actual))


def household_links(
    left: np.ndarray, right: np.ndarray, individual_of: pd.Series, household_of: pd.Series
) -> int:
    """Declared pairs joining two different individuals of one household (target: none)."""
    low, high = unordered_pairs(left, right)
    same_household = household_of.reindex(low).to_numpy() == household_of.reindex(high).to_numpy()
    other_person = individual_of.reindex(low).to_numpy() != individual_of.reindex(high).to_numpy()
    return int((same_household & other_person).sum())


def household_pairs_in_clusters(
    predicted: np.ndarray, individual: np.ndarray, household: np.ndarray
) -> int:
    """Record pairs put in one cluster that belong to two different members of one household."""
    same_household = _pairs_in(_group_sizes(predicted, household))
    same_individual = _pairs_in(_group_sizes(predicted, household, individual))
    return same_household - same_individual


def cluster_labels(unique_ids: np.ndarray, assigned: pd.Series) -> np.ndarray:
    """One integer label per record from a partial map unique_id -> cluster id.

    Records the map leaves out are singletons: each gets a label of its own.
    """
    unique_ids = np.asarray(unique_ids)
    assigned = assigned.dropna()
    codes, _ = pd.factorize(assigned.astype(str), sort=False)
    by_record = pd.Series(codes, index=assigned.index)
    if by_record.index.has_duplicates:
        raise ValueError("a record was put in more than one cluster")
    labels = by_record.reindex(unique_ids).to_numpy(dtype=float)
    missing = np.isnan(labels)
    start = len(codes) and int(codes.max()) + 1
    labels[missing] = np.arange(start, start + int(missing.sum()))
    return labels.astype(np.int64)


def connected_components(unique_ids: np.ndarray, left: np.ndarray, right: np.ndarray) -> pd.Series:
    """Clusters from links: unique_id -> component label, every record included."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as components

    unique_ids = np.asarray(unique_ids)
    position = pd.Series(np.arange(len(unique_ids)), index=unique_ids)
    rows = position.reindex(np.asarray(left)).to_numpy()
    cols = position.reindex(np.asarray(right)).to_numpy()
    if np.isnan(rows.astype(float)).any() or np.isnan(cols.astype(float)).any():
        raise ValueError("a link names a record that is not in the input")
    size = len(unique_ids)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    _count, labels = components(graph, directed=False)
    return pd.Series(labels, index=unique_ids)
