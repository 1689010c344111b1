"""The network's groups and communities (network/analysis.py): named by their smallest
entity id, kept current link by link, and written back in full by a recompute."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from lantern.network import analysis, services
from lantern.network.models import AnalysisRun, Entity

from .conftest import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]


def vehicle(ref, value):
    return services.EntityInput(ref, kind="vehicle", value=value)


def phone(ref, value):
    return services.EntityInput(ref, kind="phone", value=value)


def held(ref, entity):
    return services.EntityInput(ref, entity_id=entity.pk)


def labels_of(*entities):
    found = Entity.objects.in_bulk([e.pk for e in entities])
    return [(found[e.pk].component, found[e.pk].community) for e in entities]


def entities(report):
    """The report's entities, in the order they were created."""
    ids = {pk for link in report.links.all() for pk in (link.source_id, link.target_id)}
    return sorted(Entity.objects.filter(pk__in=ids), key=lambda e: e.pk)


# ---------------------------------------------------------------- pure functions
def test_each_group_is_named_by_its_smallest_entity_id():
    assert analysis.labels([0, 1, 0, 2, 1], [15, 30, 12, 9, 4]) == [12, 4, 12, 9, 4]
    assert analysis.labels([], []) == []


def test_groups_and_communities_by_smallest_id_whatever_the_order_of_ids_and_links():
    # Two triangles joined by one bridge, and an entity with no link at all.
    ids = [10, 11, 12, 20, 21, 22, 30]
    links = [(10, 11), (11, 12), (12, 10), (20, 21), (21, 22), (22, 20), (12, 20)]
    links += [(11, 10), (10, 11)]  # seen again, either way round: counted once
    sources, targets = zip(*links, strict=True)
    components, communities, modularity = analysis.partition(ids, sources, targets)
    assert components == [10, 10, 10, 10, 10, 10, 30]
    assert communities == [10, 10, 10, 20, 20, 20, 30]
    assert modularity > 0.3

    shuffled = [22, 30, 10, 21, 12, 20, 11]
    components, communities, _ = analysis.partition(shuffled, targets[::-1], sources[::-1])
    by_id = dict(zip(shuffled, zip(components, communities, strict=True), strict=True))
    assert [by_id[i] for i in ids] == [(10, 10)] * 3 + [(10, 20)] * 3 + [(30, 30)]


def test_a_run_can_start_from_the_communities_the_last_run_found():
    ids = [10, 11, 12, 20, 21, 22, 30]
    links = [(10, 11), (11, 12), (12, 10), (20, 21), (21, 22), (22, 20), (12, 20)]
    sources, targets = zip(*links, strict=True)
    last = [10, 10, 10, 20, 20, 20, -1]  # 30 joined since: no community yet
    _, communities, _ = analysis.partition(ids, sources, targets, start=last)
    assert communities == [10, 10, 10, 20, 20, 20, 30]
    # each entity with no community starts in one of its own
    start = analysis._start(np.array([5, -1, 5, 7, -1])).tolist()
    assert start[0] == start[2] and len({start[0], start[1], start[3], start[4]}) == 4


def test_a_link_to_an_entity_not_in_the_graph_is_refused():
    with pytest.raises(ValueError, match="not among the ids"):
        analysis.partition([1, 2], [1], [3])


def test_labels_are_written_to_postgresql_in_its_binary_copy_layout():
    rows = analysis._binary_rows([np.array([1, 2**40]), np.array([-1, 7])])
    # per row: the field count, then each field's length and big-endian value
    assert rows == struct.pack(">hiqiq", 2, 8, 1, 8, -1) + struct.pack(">hiqiq", 2, 8, 2**40, 8, 7)


# ---------------------------------------------------------------- link by link
def test_a_link_joining_two_groups_names_the_whole_by_the_larger(police_analyst):
    first = record(
        police_analyst,
        [vehicle("car", "KX21 ABC"), phone("a", "07700 900001"), phone("b", "07700 900002")],
        [("car", "a", "drives"), ("car", "b", "seen_with")],
    )
    second = record(
        police_analyst,
        [vehicle("car", "KX21 ABD"), phone("c", "07700 900003")],
        [("car", "c", "seen_with")],
    )
    larger, smaller = entities(first), entities(second)
    assert {c for c, _ in labels_of(*larger)} == {larger[0].pk}
    assert {c for c, _ in labels_of(*smaller)} == {smaller[0].pk}
    # A lonely entity joined its neighbour's community as each link arrived.
    assert len({m for _, m in labels_of(*larger)}) == 1
    assert len({m for _, m in labels_of(*smaller)}) == 1

    record(
        police_analyst,
        [held("b", larger[2]), held("c", smaller[1])],
        [("b", "c", "contacted")],
    )
    assert {c for c, _ in labels_of(*larger, *smaller)} == {larger[0].pk}
    # Two established communities stay apart until the next full run, which counts
    # the links waiting for it.
    assert len({m for _, m in labels_of(*larger, *smaller)}) == 2
    assert analysis.links_since_last_run() >= 4


def test_a_new_entity_joins_its_neighbours_group_and_community(police_analyst):
    report = record(
        police_analyst,
        [vehicle("car", "KX21 ABE"), phone("a", "07700 900004"), phone("b", "07700 900005")],
        [("car", "a", "drives"), ("a", "b", "contacted")],
    )
    car = entities(report)[0]
    analysis.recompute()
    before = labels_of(car)[0]

    later = record(
        police_analyst,
        [held("car", car), phone("new", "07700 900006")],
        [("new", "car", "seen_with")],
    )
    new = entities(later)[-1]
    assert new.pk > car.pk
    assert labels_of(new, car) == [before, before]


def test_two_new_entities_linked_together_share_a_group_and_community(police_analyst):
    report = record(
        police_analyst,
        [phone("a", "07700 900007"), phone("b", "07700 900008")],
        [("a", "b", "contacted")],
    )
    a, b = entities(report)
    (a_component, a_community), (b_component, b_community) = labels_of(a, b)
    assert a_component == b_component
    assert a_community == b_community


def test_recompute_writes_the_labels_back(police_analyst):
    one = record(
        police_analyst,
        [vehicle("car", "KX21 ABF"), phone("a", "07700 900009"), phone("b", "07700 900010")],
        [("car", "a", "drives"), ("a", "b", "contacted")],
    )
    two = record(
        police_analyst,
        [vehicle("car", "KX21 ABG"), phone("c", "07700 900011")],
        [("car", "c", "drives")],
    )
    group_one, group_two = entities(one), entities(two)
    Entity.objects.filter(pk__in=[e.pk for e in group_one + group_two]).update(
        component=None, community=None
    )
    runs = AnalysisRun.objects.count()

    summary = analysis.recompute()

    smallest_one, smallest_two = group_one[0].pk, group_two[0].pk
    assert labels_of(*group_one) == [(smallest_one, smallest_one)] * 3
    assert labels_of(*group_two) == [(smallest_two, smallest_two)] * 2
    assert summary.entities == Entity.objects.count()
    assert AnalysisRun.objects.count() == runs + 1
    assert analysis.last_run().communities == summary.communities
    assert analysis.links_since_last_run() == 0

    assert summary.labels_written >= 5
    again = analysis.recompute()  # nothing changed: the same labels, none written
    assert again.labels_written == 0
    assert (
        labels_of(*group_one, *group_two)
        == [(smallest_one, smallest_one)] * 3 + [(smallest_two, smallest_two)] * 2
    )
    assert (again.components, again.communities) == (summary.components, summary.communities)
