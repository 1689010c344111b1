"""The synthetic borough: deterministic, believable, with its ground truth beside it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from lantern.people.identifiers import IdentifierError, validate_identifier
from lantern.people.models import Event, Identifier, Person, SourceRecord
from lantern.synth.borough import Borough
from lantern.synth.models import BoroughSeed, Scenario, ScenarioMember, TrueIdentity
from lantern.synth.services import borough_seed

pytestmark = pytest.mark.django_db


def draw(people: int, seed: int) -> list[tuple]:
    borough = Borough(people=people, seed=seed, today=dt.date(2026, 1, 1))
    return [
        (m.key, m.given, m.family, m.dob, m.nhs, m.home.line1)
        for household in borough.households()
        for m in household
    ]


def test_the_same_seed_draws_the_same_borough_and_another_seed_does_not():
    assert draw(400, 3) == draw(400, 3)
    assert draw(400, 3) != draw(400, 4)


def test_every_valid_generated_identifier_passes_its_check():
    for identifier in Identifier.objects.filter(is_valid=True).iterator():
        assert validate_identifier(identifier.scheme, identifier.value) == identifier.value


def test_some_identifiers_carry_wrong_check_digits_caught_at_import():
    bad = Identifier.objects.filter(is_valid=False)
    assert bad.exists()
    for identifier in bad:
        with pytest.raises(IdentifierError):
            validate_identifier(identifier.scheme, identifier.value)
        assert identifier.problem


def test_every_record_has_its_ground_truth_and_agencies_disagree_sometimes():
    assert TrueIdentity.objects.count() == SourceRecord.objects.count()
    # The same real individual held by several agencies, spelt differently at least once.
    individuals = TrueIdentity.objects.values_list(
        "individual", "source_record__given_name", "source_record__date_of_birth"
    )
    seen: dict[int, set] = {}
    for individual, name, dob in individuals:
        seen.setdefault(individual, set()).add((name, dob))
    assert sum(len(v) > 1 for v in seen.values()) >= 10


def test_the_planted_scenarios_are_there():
    groups = Scenario.objects.filter(kind="exploitation_group")
    assert groups.count() >= 2
    for group in groups:
        roles = list(group.members.values_list("role", flat=True))
        assert roles.count("child") >= 3 and roles.count("adult") >= 1
        assert group.facts["vehicles"] and group.facts["places"]
    abuse = Scenario.objects.get(kind="domestic_abuse_escalation", code="domestic-abuse-1")
    assert {"victim", "perpetrator"} <= set(abuse.members.values_list("role", flat=True))
    assert Scenario.objects.filter(kind="twins").exists()


def test_an_exploitation_child_has_rising_missing_episodes():
    child = ScenarioMember.objects.filter(scenario__kind="exploitation_group", role="child").first()
    records = TrueIdentity.objects.filter(individual=child.individual).values("source_record")
    episodes = sorted(
        Event.objects.filter(
            source_record__in=records, event_type__code="missing_episode"
        ).values_list("occurred_at", flat=True)
    )
    group_start = dt.date.fromisoformat(child.scenario.facts["started_on"])
    midpoint = group_start + (dt.date(2026, 11, 2) - group_start) / 2
    early = sum(e.date() < midpoint for e in episodes)
    assert len(episodes) - early >= early, "missing episodes should become more frequent"


def test_twins_are_different_people_with_the_same_birthday():
    same = 0
    pairs = Scenario.objects.filter(kind="twins")
    for twins in pairs:
        first, second = twins.members.values_list("individual", flat=True)
        assert first != second
        nhs_dobs = [
            SourceRecord.objects.get(
                pk__in=TrueIdentity.objects.filter(
                    individual=i, source_record__agency__code="kestrelford-nhs"
                ).values("source_record")
            ).date_of_birth
            for i in (first, second)
        ]
        same += nhs_dobs[0] == nhs_dobs[1]
    assert same >= 0.8 * pairs.count()


def test_no_event_is_in_the_future_of_the_borough():
    assert not Event.objects.filter(occurred_at__date__gte=dt.date(2026, 11, 2)).exists()


def test_a_second_seed_is_refused_and_duplicates_nothing():
    before = (Person.objects.count(), SourceRecord.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError) as caught:
        borough_seed(people=100, seed=7)
    assert "already holds the borough" in str(caught.value)
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed", people=100, seed=99, no_progress=True)
    assert (Person.objects.count(), SourceRecord.objects.count(), Event.objects.count()) == before
    assert BoroughSeed.objects.count() == 1


@pytest.mark.parametrize("people", [0, -5, 10_000_000])
def test_a_nonsense_size_is_refused(people):
    with pytest.raises(ValidationError, match="People must be"):
        borough_seed(people=people, seed=1)
