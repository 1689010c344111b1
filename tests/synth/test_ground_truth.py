"""The planted harm: who was planted at risk, the day harm came, and the selector that maps
them to Lantern's persons. Early identification is measured against this."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.synth.drawn import TODAY, draw, harm_days

from lantern.people.models import Event, SourceRecord
from lantern.synth.models import ScenarioMember, TrueIdentity
from lantern.synth.selectors import at_risk, at_risk_individuals

TEST_TODAY = dt.date(2026, 11, 2)  # the test borough's (tests/conftest.py)
INDICATORS = {
    "missing_episode",
    "found_with_adult",
    "school_absence_run",
    "school_concern",
    "sexual_health_attendance",
    "ed_attendance",
    "contact_with_social_care",
}


# ------------------------------------------------------------------ drawn in memory
def test_the_same_seed_plants_the_same_harm_on_the_same_days(drawn):
    again = draw(60_000, seed=5)

    assert harm_days(again) == harm_days(drawn)
    assert [(r, e.occurred_at, e.summary) for r, e in again.events] == [
        (r, e.occurred_at, e.summary) for r, e in drawn.events
    ]
    other = harm_days(draw(20_000, seed=6))
    assert {k: v for k, v in other.items() if v[1]} != {
        k: v for k, v in harm_days(drawn).items() if v[1]
    }


def test_every_exploited_child_is_harmed_after_their_first_indicator_and_before_today(drawn):
    truth = harm_days(drawn)
    children = [
        (k, v[1]) for k, v in truth.items() if k[0].startswith("exploitation") and v[0] == "child"
    ]
    assert len(children) >= 10
    for (_code, key), harm in children:
        events = drawn.events_of(key)
        indicators = [e.occurred_at.date() for e in events if e.event_type in INDICATORS]
        harmful = [e for e in events if e.details.get("serious_harm")]
        assert harm is not None
        assert min(indicators) < harm < TODAY
        # The harm is planted as an event too, on the day, in the police's restricted record.
        assert [e.occurred_at.date() for e in harmful] == [harm]
        assert harmful[0].event_type == "police_incident"
        assert harmful[0].sensitivity == "restricted"
        # Late in the child's story: most of the indicators come before it.
        assert sum(d < harm for d in indicators) > len(indicators) / 2


def test_a_domestic_abuse_victim_is_harmed_by_the_strangulation_and_her_children_earlier(drawn):
    truth = harm_days(drawn)
    escalations = {code for code, _key in truth if code.startswith("domestic-abuse")}
    assert escalations
    for code in escalations:
        members = {key: v for (c, key), v in truth.items() if c == code}
        roles = {role for role, _harm in members.values()}
        assert roles >= {"victim", "perpetrator", "child in household"}
        victim = next(key for key, (role, _harm) in members.items() if role == "victim")
        incidents = sorted(
            (e.occurred_at.date(), e.summary)
            for e in drawn.events_of(victim)
            if e.event_type == "domestic_incident"
        )
        strangled = [day for day, text in incidents if "neck" in text]
        came_to_the_house = [day for day, text in incidents if "uninvited" in text]
        for role, harm in members.values():
            if role == "victim":
                assert harm == strangled[0]
            elif role == "child in household":
                assert harm == came_to_the_house[0] < strangled[0]
            else:
                assert harm is None


def test_nobody_else_is_planted_at_risk(drawn):
    for (code, _key), (role, harm) in harm_days(drawn).items():
        at_risk_role = role in ("victim", "child in household") or (
            code.startswith("exploitation") and role == "child"
        )
        assert (harm is not None) == at_risk_role, (code, role)


# ------------------------------------------------------------------ the seeded test borough
@pytest.mark.django_db
def test_the_seeded_members_carry_the_harm_and_the_harm_is_in_the_records():
    harmed = ScenarioMember.objects.filter(harm_on__isnull=False)
    assert harmed.filter(scenario__kind="exploitation_group", role="child").exists()
    assert harmed.filter(role="victim").exists()
    assert not ScenarioMember.objects.filter(
        role__in=["adult", "perpetrator"], harm_on__isnull=False
    ).exists()
    for member in harmed.filter(scenario__kind="exploitation_group"):
        records = TrueIdentity.objects.filter(individual=member.individual).values("source_record")
        events = Event.objects.filter(source_record__in=records)
        harm = events.filter(details__serious_harm=True).get()
        assert harm.occurred_at.date() == member.harm_on < TEST_TODAY
        first = events.filter(event_type__code__in=INDICATORS).order_by("occurred_at").first()
        assert first.occurred_at.date() < member.harm_on


@pytest.mark.django_db
def test_at_risk_maps_each_planted_individual_to_the_persons_holding_their_records():
    planted = at_risk_individuals()
    harm = at_risk()
    assert planted and harm
    for one in planted:
        assert one.persons, f"individual {one.individual} has no person"
        records = TrueIdentity.objects.filter(individual=one.individual).values("source_record")
        persons = set(
            SourceRecord.objects.filter(pk__in=records, is_current=True).values_list(
                "person", flat=True
            )
        )
        assert one.persons == persons
        for person in one.persons:
            assert harm[person] <= one.harm_on
    # Nobody planted at risk is in the answer.
    assert set(harm) == {p for one in planted for p in one.persons}


@pytest.mark.django_db
def test_at_risk_answers_only_for_the_people_asked_about():
    harm = at_risk()
    some = sorted(harm)[:2]
    outsider = SourceRecord.objects.exclude(person__in=harm).values_list("person", flat=True)[0]

    assert at_risk(people=[*some, outsider]) == {p: harm[p] for p in some}
    assert at_risk(people=[]) == {}
