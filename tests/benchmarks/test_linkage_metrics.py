"""The linkage benchmark's measures: if these are wrong, every figure it prints is wrong."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "linkage_support" / "metrics.py"
_SPEC = importlib.util.spec_from_file_location("linkage_metrics", _PATH)
metrics = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = metrics  # dataclasses look their module up there
_SPEC.loader.exec_module(metrics)


def brute_force(predicted, true) -> tuple[int, int, int]:
    """Shared, declared and true pairs by listing every pair: the definition itself."""
    shared = declared = actual = 0
    for i, j in itertools.combinations(range(len(true)), 2):
        same_cluster, same_entity = predicted[i] == predicted[j], true[i] == true[j]
        declared += same_cluster
        actual += same_entity
        shared += same_cluster and same_entity
    return shared, declared, actual


def test_a_perfect_clustering_scores_one_whatever_the_labels():
    true = np.array([1, 1, 1, 2, 2, 3])
    predicted = np.array([70, 70, 70, 9, 9, 4])

    scores = metrics.cluster_scores(predicted, true)

    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.actual == 3 + 1


def test_merging_two_true_clusters_lowers_precision_by_the_pairs_it_invents():
    # Individuals of 3 and 2 records merged: C(5,2) = 10 pairs declared, 3 + 1 true.
    true = np.array([1, 1, 1, 2, 2, 3])
    predicted = np.array([1, 1, 1, 1, 1, 3])

    scores = metrics.cluster_scores(predicted, true)

    assert (scores.shared, scores.declared, scores.actual) == (4, 10, 4)
    assert scores.precision == pytest.approx(0.4)
    assert scores.recall == 1.0
    assert scores.f1 == pytest.approx(2 * 0.4 / 1.4)


def test_splitting_a_true_cluster_lowers_recall_only():
    true = np.array([1, 1, 1, 1])
    predicted = np.array([1, 1, 2, 2])

    scores = metrics.cluster_scores(predicted, true)

    assert scores.precision == 1.0
    assert scores.recall == pytest.approx(2 / 6)


def test_declaring_nothing_scores_zero_f1_and_no_precision():
    scores = metrics.cluster_scores(np.arange(4), np.array([1, 1, 2, 2]))

    assert math.isnan(scores.precision)
    assert scores.recall == 0.0
    assert scores.f1 == 0.0


@pytest.mark.parametrize("seed", range(20))
def test_counting_by_cluster_sizes_agrees_with_listing_every_pair(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 40))
    true = rng.integers(0, 8, size)
    predicted = rng.integers(0, 8, size)

    scores = metrics.cluster_scores(predicted, true)

    assert (scores.shared, scores.declared, scores.actual) == brute_force(predicted, true)


def test_declared_pairs_count_once_whatever_their_order_and_never_with_themselves():
    entity_of = pd.Series([1, 1, 1, 2], index=[10, 11, 12, 13])
    left = np.array([10, 11, 10, 12, 12])
    right = np.array([11, 10, 13, 12, 10])  # 10-11 twice, 10-13 wrong, 12-12 self, 12-10 right

    scores = metrics.pair_scores(left, right, entity_of, actual=3)

    assert (scores.shared, scores.declared, scores.actual) == (2, 3, 3)


def test_linking_counts_only_true_pairs_across_the_datasets():
    entity = np.array([1, 1, 1, 2, 2, 3])
    dataset = np.array(["a", "b", "b", "a", "b", "a"])

    assert metrics.true_pair_count(entity) == 3 + 1
    assert metrics.true_pair_count(entity, dataset) == 2 + 1


def test_household_links_count_links_between_two_members_of_one_household():
    individual = pd.Series([1, 1, 2, 3], index=[10, 11, 12, 13])
    household = pd.Series([7, 7, 7, 8], index=[10, 11, 12, 13])
    left, right = np.array([10, 11, 12]), np.array([11, 12, 13])  # same, twins, strangers

    assert metrics.household_links(left, right, individual, household) == 1


def test_household_pairs_in_clusters_count_every_pair_a_merge_joins():
    # One cluster holds two records of one twin and one of the other: 2 twin pairs.
    predicted = np.array([1, 1, 1, 2])
    individual = np.array([1, 1, 2, 3])
    household = np.array([7, 7, 7, 8])

    assert metrics.household_pairs_in_clusters(predicted, individual, household) == 2


def test_records_left_out_of_the_clusters_are_singletons():
    assigned = pd.Series(["p1", "p1", None], index=[10, 11, 12])

    labels = metrics.cluster_labels(np.array([10, 11, 12, 13]), assigned)

    assert labels[0] == labels[1]
    assert len({labels[1], labels[2], labels[3]}) == 3


def test_a_record_in_two_clusters_is_refused():
    with pytest.raises(ValueError, match="more than one cluster"):
        metrics.cluster_labels(np.array([10]), pd.Series(["a", "b"], index=[10, 10]))


def test_connected_components_join_chains_and_keep_everyone():
    clusters = metrics.connected_components(
        np.array([10, 11, 12, 13]), np.array([10, 11]), np.array([11, 12])
    )

    assert clusters[10] == clusters[11] == clusters[12] != clusters[13]
