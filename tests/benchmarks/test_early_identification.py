"""The early identification benchmark's measures, on the test borough: if these are wrong,
every figure it prints is wrong. And its --quick run, end to end, with the building of the
boroughs swapped for the test database (seeding and linking are the seed and link
commands' own, tested with them)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from lantern.alerts.engine import Firing
from lantern.people.models import Person
from lantern.synth.models import BoroughSeed
from lantern.synth.selectors import at_risk, at_risk_individuals

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "early_identification.py"
_SPEC = importlib.util.spec_from_file_location("early_identification", _PATH)
bench = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = bench
_SPEC.loader.exec_module(bench)

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def firing(person: int, day: dt.date, rule: str = "a_rule") -> Firing:
    return Firing(rule=rule, version=1, person_id=person, at=at(day), facts=())


@pytest.fixture
def today():
    return BoroughSeed.objects.get().reference_date


@pytest.fixture
def planted_child():
    return next(p for p in at_risk_individuals() if p.role == "child")


@pytest.fixture
def unplanted_child(today):
    harm = at_risk()
    return (
        Person.objects.filter(
            merged_into__isnull=True, date_of_birth__gt=today - dt.timedelta(days=12 * 365)
        )
        .exclude(pk__in=harm)
        .order_by("pk")
        .first()
    )


def test_a_child_alerted_before_the_harm_is_found_with_the_days_of_lead(today, planted_child):
    person = min(planted_child.persons)
    result = bench.outcome(
        [firing(person, planted_child.harm_on - dt.timedelta(days=40))], today=today
    )

    assert result["all"]["planted_children_found"] == 1
    assert result["all"]["recall"] == pytest.approx(1 / result["planted_children"], abs=1e-4)
    assert result["all"]["median_lead_days"] == 40
    assert result["rules"]["a_rule"]["planted_children_found"] == 1


def test_an_alert_on_the_day_of_the_harm_or_after_it_is_not_early(today, planted_child):
    person = min(planted_child.persons)
    late = [
        firing(person, planted_child.harm_on),
        firing(person, planted_child.harm_on + dt.timedelta(days=3)),
    ]

    result = bench.outcome(late, today=today)

    assert result["all"]["planted_children_found"] == 0
    assert result["all"]["recall"] == 0
    assert result["all"]["median_lead_days"] is None
    # Still an alert about a planted child: it counts for precision and for the rate.
    assert result["all"]["planted_children_alerted"] == 1
    assert result["all"]["alerts"] == 2


def test_the_lead_is_from_the_first_alert_and_the_median_is_over_children_found(today):
    children = [p for p in at_risk_individuals() if p.role in bench.CHILD_ROLES][:3]
    assert len(children) == 3
    firings = [
        firing(min(children[0].persons), children[0].harm_on - dt.timedelta(days=100)),
        firing(min(children[0].persons), children[0].harm_on - dt.timedelta(days=10)),
        firing(min(children[1].persons), children[1].harm_on - dt.timedelta(days=20)),
    ]
    result = bench.outcome(firings, today=today)

    assert result["all"]["planted_children_found"] == 2
    assert result["all"]["median_lead_days"] == (100 + 20) / 2


def test_precision_is_the_share_of_alerted_children_who_were_planted(
    today, planted_child, unplanted_child
):
    day = today - dt.timedelta(days=30)
    firings = [
        firing(min(planted_child.persons), day),
        firing(unplanted_child.pk, day, rule="another_rule"),
        firing(unplanted_child.pk, day - dt.timedelta(days=1), rule="another_rule"),
    ]

    result = bench.outcome(firings, today=today)

    assert result["all"]["children_alerted"] == 2
    assert result["all"]["precision"] == 0.5
    assert result["rules"]["another_rule"]["precision"] == 0
    assert result["rules"]["a_rule"]["precision"] == 1


def test_the_alert_rate_counts_every_alert_in_the_two_years_per_1000_children_a_month(
    today, unplanted_child
):
    adult = Person.objects.filter(date_of_birth__lt=today - dt.timedelta(days=40 * 365)).first()
    inside = [firing(unplanted_child.pk, today - dt.timedelta(days=d)) for d in (5, 300, 700)]
    outside = [firing(unplanted_child.pk, today - dt.timedelta(days=800))]
    about_an_adult = [firing(adult.pk, today - dt.timedelta(days=10))]

    result = bench.outcome(inside + outside + about_an_adult, today=today)

    months = bench.WINDOW_DAYS / (365.25 / 12)
    every = result["all"]
    assert every["alerts"] == 4
    assert every["alerts_about_children"] == 3
    assert every["per_1000_children_per_month"] == pytest.approx(
        4 * 1000 / result["children"] / months, abs=1e-3
    )
    assert every["children_alerts_per_1000_children_per_month"] == pytest.approx(
        3 * 1000 / result["children"] / months, abs=1e-3
    )
    assert every["children_alerted"] == 1


def test_measure_replays_the_shipped_rules_over_the_test_borough():
    figures = bench.measure(sample=5, budget_seconds=2)

    json.dumps(figures, default=str)  # what the child process prints
    assert figures["facts"] > 0
    assert figures["engine_facts_per_second"] > 0
    assert figures["loop_facts_per_second"] > figures["engine_facts_per_second"]
    assert 1 <= figures["recompute_sample"] <= 5
    result = figures["outcome"]
    assert result["planted_children"] == len(
        [p for p in at_risk_individuals() if p.role in bench.CHILD_ROLES]
    )
    assert 0 <= result["all"]["recall"] <= 1
    assert set(result["rules"]) <= set(figures["rules"])


def test_the_quick_run_prints_its_tables_and_ends_with_one_line_of_json(monkeypatch, capsys):
    def measured_here(people, **options):
        return {**bench.measure(sample=3, budget_seconds=1), "built": {"reused": True}}

    monkeypatch.setattr(bench, "one_size", measured_here)

    assert bench.main(["--quick"]) == 0

    out = capsys.readouterr().out
    last = json.loads(out.strip().splitlines()[-1])
    assert last["benchmark"] == "early_identification"
    assert set(last["figures"]) == {"10000", "20000"}
    assert set(last["met_each"]) == {
        "recall",
        "median_lead_days",
        "alerts_per_1000_children_per_month",
        "facts_per_second",
    }
    assert last["met"] == all(last["met_each"].values())
    assert "Outcome at 20,000 people" in out
    assert "precision here is a floor" in out
