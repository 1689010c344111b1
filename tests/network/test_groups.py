"""The planted exploitation groups, found in the network the test borough's police records
feed: seeding takes the events and analyses the network, `lantern network_ingest` takes
what is left (nothing, the second time), and the benchmark's measures
(benchmarks/network_groups.py) are checked here, since every figure it prints rests on
them."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lantern.network import analysis, intake, services
from lantern.network.models import Entity, IntelligenceReport, Link
from lantern.people.models import Person
from lantern.synth.models import BoroughSeed, Scenario

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "network_groups.py"
_SPEC = importlib.util.spec_from_file_location("network_groups", _PATH)
bench = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = bench
_SPEC.loader.exec_module(bench)

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return BoroughSeed.objects.get().reference_date


def test_the_test_borough_plants_groups_and_seeding_took_their_events():
    groups = bench.planted_groups()
    assert len(groups) == Scenario.objects.filter(kind="exploitation_group").count() >= 2
    assert all(len(children) >= 2 for children in groups.values()), groups
    assert IntelligenceReport.objects.filter(origin="event").exists()
    # every child found with an adult was taken (each names a car and a place)
    assert not intake.events_not_taken().filter(event_type__code="found_with_adult").exists()


def test_every_planted_child_of_each_group_is_in_one_community_after_ingest(today):
    out = StringIO()
    call_command("network_ingest", stdout=out)  # what seeding left: nothing to take
    assert out.getvalue().startswith("Took 0 reports")

    result = bench.outcome(today)
    assert result["groups"]
    for code, group in result["groups"].items():
        assert group["in_network"] == group["children"], code
        assert group["share"] == 1.0, code
    communities = [g["best_community"] for g in result["groups"].values()]
    assert len(set(communities)) == len(communities)  # each group its own community


def test_ingesting_again_adds_nothing():
    counts = (IntelligenceReport.objects.count(), Link.objects.count(), Entity.objects.count())
    call_command("network_ingest", stdout=StringIO())
    call_command("network_ingest", stdout=StringIO())
    assert (
        IntelligenceReport.objects.count(),
        Link.objects.count(),
        Entity.objects.count(),
    ) == counts


def test_the_analyse_command_prints_what_it_found():
    out = StringIO()
    call_command("network_analyse", stdout=out)
    assert "communities" in out.getvalue()
    assert analysis.last_run().entities == Entity.objects.count()


# ---------------------------------------------------------------- the benchmark's measures
def _children(count: int, today: dt.date) -> list[Person]:
    """Children nobody planted, not yet in the network."""
    planted = {p for group in bench.planted_groups().values() for ps in group.values() for p in ps}
    return list(
        Person.objects.filter(
            date_of_birth__gt=dt.date(today.year - 16, 1, 1),
            merged_into__isnull=True,
            network_entity__isnull=True,
        )
        .exclude(pk__in=planted)
        .order_by("pk")[:count]
    )


def _seen_together(people: list[Person], *, at: str | None = None, car: str | None = None):
    """Link these people to one place or one car, in one report taken from no event."""
    entities = [
        services.EntityInput(f"p{i}", kind="person", person=p) for i, p in enumerate(people)
    ]
    if at:
        entities.append(services.EntityInput("x", kind="location", value=at))
    else:
        entities.append(services.EntityInput("x", kind="vehicle", value=car))
    kind = "found_at" if at else "in_vehicle"
    report = IntelligenceReport.objects.create(
        reference=f"TEST-{IntelligenceReport.objects.count() + 1}",
        agency_id=Person.objects.get(pk=people[0].pk).source_records.first().agency_id,
        submitted_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        observed_on=dt.date(2026, 10, 1),
        source_description="test",
        source_evaluation="A",
        intelligence_assessment="1",
        handling_code="P",
        text="test",
        origin="form",
    )
    resolved = {e.ref: services.entity_resolve(actor=None, item=e) for e in entities}
    for i in range(len(people)):
        Link.objects.create(
            report=report,
            source=resolved[f"p{i}"],
            target=resolved["x"],
            kind=kind,
            first_seen=report.observed_on,
            agency=report.agency,
            sensitivity=report.sensitivity,
        )


def test_children_nobody_planted_held_together_count_as_a_false_group(today):
    before = bench.outcome(today)
    bus, car = _children(4, today), _children(8, today)[4:]
    _seen_together(bus, at="Nowhere-in-particular coach stop")
    _seen_together(car, car="QQ12 ZZZ")
    analysis.recompute()

    after = bench.outcome(today)

    assert after["false_groups"] == before["false_groups"] + 2
    assert after["false_groups_places_only"] == before["false_groups_places_only"] + 1
    assert after["groups"] == before["groups"]  # the planted groups are untouched


def test_a_planted_child_outside_the_best_community_lowers_the_share(today):
    code, group = next(iter(bench.planted_groups().items()))
    individual = next(iter(group))
    entities = Entity.objects.filter(person__in=group[individual])
    entities.update(community=-1)  # as if the analysis had put the child elsewhere

    row = bench.outcome(today)["groups"][code]

    assert row["in_best_community"] == row["children"] - 1
    assert row["share"] == round((row["children"] - 1) / row["children"], 4)
    assert row["communities"] == 2
