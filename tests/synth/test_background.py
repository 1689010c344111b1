"""The borough's honest noise: the patterns the alert rules look for, in people nobody
planted, at the rates synth/background.py documents (so that precision means something)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pytest
from tests.synth.drawn import TODAY

from lantern.people.models import Event, SourceRecord
from lantern.synth import background
from lantern.synth.models import ScenarioMember, TrueIdentity

START = TODAY - dt.timedelta(days=background.DAYS)


def within_expected(observed: int, population: int, chance: float) -> bool:
    """The count is what the chance gives, give or take 3.5 standard deviations."""
    mean = population * chance
    spread = 3.5 * math.sqrt(population * chance * (1 - chance))
    return mean - spread <= observed <= mean + spread


def unplanted(drawn):
    """Everyone in a household no scenario touched."""
    touched = {p.household for p in drawn.people if p.key in drawn.planner.planted}
    return [p for p in drawn.people if p.household not in touched]


def dates_by_person(drawn, kind: str) -> dict[int, list[dt.datetime]]:
    found: dict[int, list[dt.datetime]] = defaultdict(list)
    for record, event in drawn.events:
        if event.event_type == kind and event.occurred_at.date() >= START:
            found[drawn.owner[record]].append(event.occurred_at)
    return found


def in_a_row(moments: list[dt.datetime], count: int, days: int) -> bool:
    moments = sorted(moments)
    return any(
        moments[i + count - 1] - moments[i] <= dt.timedelta(days=days)
        for i in range(len(moments) - count + 1)
    )


def test_some_teenagers_nobody_planted_go_missing_twice_in_a_month(drawn):
    teens = [p for p in unplanted(drawn) if p.role == "child" and 12 <= p.age(TODAY) <= 17]
    missing = dates_by_person(drawn, "missing_episode")
    runaways = [p for p in teens if in_a_row(missing.get(p.key, []), 2, 31)]

    chance = background.RUNAWAY_SPELLS_PER_TEEN_YEAR * background.YEARS
    assert runaways
    assert within_expected(len(runaways), len(teens), chance), (len(runaways), len(teens))


def test_about_half_of_the_runaways_also_miss_school_in_the_same_weeks(drawn):
    missing = dates_by_person(drawn, "missing_episode")
    absent = dates_by_person(drawn, "school_absence_run")
    spells = [k for k, moments in missing.items() if in_a_row(moments, 2, 31)]
    both = [
        k
        for k in spells
        if any(abs((a - m).days) <= 31 for a in absent.get(k, []) for m in missing[k])
    ]
    assert 0.2 <= len(both) / len(spells) <= 0.8


def test_some_children_nobody_planted_attend_the_emergency_department_three_times_in_90_days(
    drawn,
):
    children = [p for p in unplanted(drawn) if p.role == "child"]
    attendances = dates_by_person(drawn, "ed_attendance")
    frequent = [p for p in children if in_a_row(attendances.get(p.key, []), 3, 90)]

    chance = background.ED_CLUSTERS_PER_CHILD_YEAR * background.YEARS
    assert within_expected(len(frequent), len(children), chance), (len(frequent), len(children))


def test_secondary_pupils_have_runs_of_unexplained_absence(drawn):
    pupils = [p for p in unplanted(drawn) if p.role == "child" and 11 <= p.age(TODAY) <= 17]
    absent = dates_by_person(drawn, "school_absence_run")
    # Runs alone (not with a runaway spell): the documented rate for secondary pupils.
    missing = dates_by_person(drawn, "missing_episode")
    alone = [p for p in pupils if absent.get(p.key) and not missing.get(p.key)]

    chance = background.ABSENCE_RUNS_PER_SECONDARY_PUPIL_YEAR * background.YEARS
    assert within_expected(len(alone), len(pupils), chance), (len(alone), len(pupils))


def test_domestic_incidents_happen_in_households_nobody_planted_and_some_repeat(drawn):
    people = unplanted(drawn)
    households = {p.household for p in people}
    household_of = {p.key: p.household for p in people}
    incidents = dates_by_person(drawn, "domestic_incident")
    with_incident = {household_of[k] for k in incidents if k in household_of}
    repeated = {household_of[k] for k, v in incidents.items() if k in household_of and len(v) > 1}

    chance = background.DOMESTIC_HOUSEHOLDS_YEAR * background.YEARS
    assert within_expected(len(with_incident), len(households), chance)
    assert within_expected(len(repeated), len(with_incident), background.DOMESTIC_REPEAT)
    for record, event in drawn.events:
        if event.event_type == "domestic_incident" and household_of.get(drawn.owner[record]):
            assert event.postcode and event.place  # at an address, as the police record it
            assert drawn.agency[record] == "northmoor-police"


def test_the_noise_adds_events_only_on_records_people_already_have(drawn):
    # Every event sits on a record the stand-in loader made for the household, and every
    # missing episode or domestic incident on a police record.
    for record, event in drawn.events:
        if event.event_type in ("missing_episode", "domestic_incident"):
            assert drawn.agency[record] == "northmoor-police"
        assert START - dt.timedelta(days=1000) <= event.occurred_at.date() < TODAY


# ------------------------------------------------------------------ the seeded test borough
@pytest.mark.django_db
def test_the_seeded_borough_holds_noise_outside_the_planted_scenarios():
    planted = ScenarioMember.objects.filter(
        scenario__kind__in=["exploitation_group", "domestic_abuse_escalation"]
    ).values("individual")
    records = TrueIdentity.objects.exclude(individual__in=planted).values("source_record")
    noise = Event.objects.filter(source_record__in=records)
    assert noise.filter(event_type__code="domestic_incident").exists()
    assert noise.filter(
        event_type__code="ed_attendance",
        summary__in=[s for group in background.ILLNESSES.values() for s in group],
    ).exists()
    # The noise made no record: every record still has its ground truth, one to one.
    assert TrueIdentity.objects.count() == SourceRecord.objects.count()
