"""Clusters grow strongest link first and never join records that must stay apart."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.linkage.clustering import cluster


def test_links_join_records_transitively():
    result = cluster(links=[(1, 2, 5.0), (2, 3, 4.0)])
    assert result.of[1] == result.of[2] == result.of[3]
    assert not result.refused


def test_a_third_record_cannot_join_two_records_kept_apart():
    # Twins 1 and 3 share a household; record 2 is a misspelt record that looks like both.
    result = cluster(links=[(1, 2, 9.0), (2, 3, 8.0)], apart=[(1, 3)])
    assert result.of[1] == result.of[2]
    assert 3 not in result.of
    assert result.refused == [(2, 3)]


def test_the_stronger_link_wins_the_contested_record():
    result = cluster(links=[(1, 2, 3.0), (2, 3, 8.0)], apart=[(1, 3)])
    assert result.of[2] == result.of[3]
    assert 1 not in result.of


def test_must_links_are_kept_and_a_clash_is_reported_not_hidden():
    result = cluster(must=[(1, 2), (2, 3)], apart=[(1, 3)])
    assert result.of[1] == result.of[3]
    assert result.conflicts == [(2, 3)]


def test_records_on_their_own_are_left_out():
    assert cluster(links=[], apart=[(1, 2)]).of == {}


@settings(max_examples=200, deadline=None)
@given(
    links=st.lists(
        st.tuples(st.integers(0, 15), st.integers(0, 15), st.floats(-10, 10)), max_size=40
    ),
    apart=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=8),
)
def test_no_cluster_ever_holds_a_pair_kept_apart(links, apart):
    result = cluster(links=links, apart=apart)
    for a, b in apart:
        if a != b and a in result.of and b in result.of:
            assert result.of[a] != result.of[b]
    # Every link not refused ended with its two records together.
    refused = set(result.refused)
    for a, b, _ in links:
        if a != b and (a, b) not in refused:
            assert result.of[a] == result.of[b]


def test_a_record_with_no_identifier_cannot_join_two_people_with_different_ones():
    # Twins 1 and 3 carry different NHS numbers; record 2 carries none and looks like both.
    ids = {1: {"nhs_number": "111"}, 3: {"nhs_number": "333"}}
    result = cluster(links=[(1, 2, 9.0), (2, 3, 8.0)], identifiers=ids)
    assert result.of[1] == result.of[2]
    assert 3 not in result.of
    assert result.refused == [(2, 3)]


def test_the_same_identifier_on_both_sides_is_no_clash():
    ids = {1: {"nhs_number": "111"}, 2: {"nhs_number": "111", "upn": "A"}}
    result = cluster(links=[(1, 2, 1.0)], identifiers=ids)
    assert result.of[1] == result.of[2]


@settings(max_examples=200, deadline=None)
@given(
    links=st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.floats(-10, 10)), max_size=40
    ),
    numbers=st.dictionaries(st.integers(0, 12), st.sampled_from(["A", "B", "C"]), max_size=8),
)
def test_no_cluster_ever_holds_two_different_identifiers(links, numbers):
    result = cluster(links=links, identifiers={r: {"nhs_number": n} for r, n in numbers.items()})
    for root, members in result.groups().items():
        held = {numbers[m] for m in members if m in numbers}
        assert len(held) <= 1, (root, members, held)


def _partition(of: dict) -> set[frozenset]:
    groups: dict = {}
    for record, root in of.items():
        groups.setdefault(root, set()).add(record)
    return {frozenset(members) for members in groups.values()}


def _labelled_partition(labels) -> set[frozenset]:
    return _partition({i: int(label) for i, label in enumerate(labels) if label >= 0})


@settings(max_examples=300, deadline=None)
@given(
    must=st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=10),
    links=st.lists(
        st.tuples(st.integers(0, 14), st.integers(0, 14), st.sampled_from([1.0, 2.0, 5.0])),
        max_size=30,
    ),
    apart=st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=6),
    numbers=st.dictionaries(st.integers(0, 14), st.sampled_from(["A", "B", "C"]), max_size=6),
)
def test_clusters_by_position_are_exactly_the_greedy_clusters(must, links, apart, numbers):
    """The array version a bulk run uses gives the same people, the same refusals and
    the same conflicts as growing every cluster greedily, ties in weight included."""
    import numpy as np

    from lantern.linkage.clustering import cluster_positions

    greedy = cluster(
        must=must,
        links=links,
        apart=apart,
        identifiers={r: {"nhs_number": n} for r, n in numbers.items()},
    )
    nhs = np.full(15, None, dtype=object)
    for record, number in numbers.items():
        nhs[record] = number

    def arrays(rows, width):
        return tuple(
            np.array([row[i] for row in rows], dtype=float if i == 2 else int) for i in range(width)
        )

    found = cluster_positions(
        15,
        must=arrays(must, 2),
        links=arrays(links, 3),
        apart=arrays(apart, 2),
        identifiers={"nhs_number": nhs},
    )
    assert _labelled_partition(found.labels) == _partition(greedy.of)
    assert found.refused == len(greedy.refused)
    assert found.conflicts == len(greedy.conflicts)
