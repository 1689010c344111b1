"""Facts read from the test borough: the person behind each event, their date of birth,
the address, time order, and who the children at an address are."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Count

from lantern.alerts import facts
from lantern.alerts.engine import Fact
from lantern.core import clock
from lantern.people.models import Address, Event, EventType, Person, SourceRecord

pytestmark = pytest.mark.django_db


def linked_events():
    return Event.objects.filter(source_record__person__isnull=False)


def test_an_event_becomes_a_fact_about_the_record_s_person_with_their_date_of_birth():
    event = linked_events().select_related("source_record__person", "event_type").first()
    (made,) = facts.from_events([event])
    person = event.source_record.person
    assert made.person_id == person.pk
    assert made.kind == event.event_type.code
    assert made.at == event.occurred_at
    assert made.agency_id == event.source_record.agency_id
    assert made.source == ("people.event", event.pk)
    assert made.sensitivity == event.sensitivity
    assert made.postcode == (event.postcode or event.source_record.postcode)
    assert made.details.get("born") == (
        person.date_of_birth.isoformat() if person.date_of_birth else None
    )
    assert {k: v for k, v in made.details.items() if k not in ("born", "address")} == {
        k: v for k, v in event.details.items() if k not in ("born", "address")
    }


def test_a_queryset_and_a_list_of_events_give_the_same_facts_oldest_first():
    person = Person.objects.annotate(n=Count("source_records__events")).filter(n__gte=3).first()
    events = Event.objects.filter(source_record__person=person)
    from_queryset = facts.from_events(events)
    assert from_queryset == facts.from_events(list(events))
    assert len(from_queryset) == events.count()
    assert [f.at for f in from_queryset] == sorted(f.at for f in from_queryset)


_local_ids = itertools.count(1)


def record_with_event(person, *, postcode="KF4 9ZZ", event_postcode=""):
    record = SourceRecord.objects.create(
        agency_id=SourceRecord.objects.values_list("agency_id", flat=True).first(),
        local_id=f"E-TEST-{next(_local_ids)}",
        person=person,
        given_name="Test",
        family_name="Person",
        postcode=postcode,
        received_at=clock.now(),
    )
    event = Event.objects.create(
        source_record=record,
        event_type=EventType.objects.get(code="domestic_incident"),
        occurred_at=clock.now() - dt.timedelta(days=2),
        postcode=event_postcode,
        summary="An incident",
        details={"born": "a date an agency typed"},
        recorded_at=clock.now(),
    )
    return record, event


def test_an_event_on_a_record_not_linked_to_a_person_gives_no_fact():
    _record, event = record_with_event(None)
    assert facts.from_events([event]) == []
    assert facts.from_events(Event.objects.filter(pk=event.pk)) == []


def test_the_address_is_the_event_s_else_the_record_s_and_born_is_the_person_s():
    person = Person.objects.filter(date_of_birth__isnull=False).first()
    _record, event = record_with_event(person, postcode="KF4 9ZZ")
    (made,) = facts.from_events([event])
    assert made.postcode == "KF4 9ZZ"
    assert made.details["born"] == person.date_of_birth.isoformat()
    _record, other = record_with_event(None, event_postcode="KF5 1AB")
    SourceRecord.objects.filter(pk=other.source_record_id).update(person=person)
    (made,) = facts.from_events([other])
    assert made.postcode == "KF5 1AB"


def test_history_is_every_linked_fact_in_time_order_in_chunks():
    from lantern.network.models import Link

    streamed = list(facts.history(chunk_size=97))
    link_facts = len(facts.from_links(Link.objects.all()))
    assert link_facts > 0  # the test borough's network, taken from the police's events
    assert len(streamed) == linked_events().count() + assessments_count() + link_facts
    keys = [(f.at, f.source) for f in streamed]
    assert keys == sorted(keys)
    assert all(isinstance(f, Fact) for f in streamed)


def assessments_count() -> int:
    model = facts.assessment_model()
    return model.objects.count() if model else 0


def test_history_narrows_to_kinds_and_days():
    since, until = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    kinds = {"missing_episode", "school_absence_run"}
    streamed = list(facts.history(since=since, until=until, kinds=kinds))
    assert {f.kind for f in streamed} <= kinds
    assert all(since <= facts.local_day(f.at) <= until for f in streamed)
    expected = linked_events().filter(
        event_type__code__in=kinds,
        occurred_at__gte=facts._start_of(since),
        occurred_at__lt=facts._start_of(until + dt.timedelta(days=1)),
    )
    assert len(streamed) == expected.count() > 0


def children_by_address(on: dt.date) -> dict[str, set[int]]:
    """Straight from the tables: the children at each address an agency held on the day."""
    oldest = on.replace(year=on.year - 18)
    found: dict[str, set[int]] = {}
    for line1, postcode, person, born, valid_from, valid_to in Address.objects.filter(
        source_record__is_current=True, source_record__person__isnull=False
    ).values_list(
        "line1",
        "postcode",
        "source_record__person_id",
        "source_record__person__date_of_birth",
        "valid_from",
        "valid_to",
    ):
        held = (valid_from is None or valid_from <= on) and (valid_to is None or on < valid_to)
        if born and oldest < born <= on and held:
            found.setdefault(facts.address_key(line1, postcode), set()).add(person)
    return found


def test_households_are_the_children_at_an_address_on_the_day():
    on = dt.date(2026, 11, 2)
    children_at = facts.households()
    expected = children_by_address(on)
    assert expected
    for key, people in expected.items():
        assert children_at(key, on) == sorted(people)
    assert children_at("1 NOWHERE LANE|ZZ99ZZ", on) == []
    key = max(expected, key=lambda k: len(expected[k]))
    assert children_at(key, dt.date(1950, 1, 1)) == []  # none was born yet


def test_a_postcode_alone_is_no_address_and_names_no_child():
    """An incident whose home cannot be told is not taken to be at each home in its
    postcode: the neighbours' children's schools would be told."""
    on = dt.date(2026, 11, 2)
    children_at = facts.households()
    expected: dict[str, set[int]] = {}
    for key, people in children_by_address(on).items():
        expected.setdefault(key.split("|")[1], set()).update(people)
    postcode = max(expected, key=lambda k: len(expected[k]))
    assert expected[postcode]  # children do live in it ...
    assert children_at(postcode, on) == []  # ... but a postcode names none of them
    assert facts.children_at(postcode[:-3] + " " + postcode[-3:], on) == []


def test_the_live_lookup_for_one_place_agrees_with_the_whole_borough_s():
    on = dt.date(2026, 11, 2)
    whole = facts.households()
    keys = sorted(children_by_address(on))[:25]
    places = keys + [k.split("|")[1] for k in keys] + ["KF9 9ZZ", "nonsense|", ""]
    for place in places:
        for day in (on, dt.date(2015, 6, 1)):
            assert facts.children_at(place, day) == whole(place, day), place
    assert any(facts.children_at(k, on) for k in keys)


def test_a_domestic_incident_at_home_is_at_that_home_not_the_whole_postcode():
    on = dt.date(2026, 11, 2)
    by_address = children_by_address(on)
    postcodes: dict[str, list[str]] = {}
    for key in by_address:
        postcodes.setdefault(key.split("|")[1], []).append(key)
    key = next(k for keys in postcodes.values() if len(keys) > 1 for k in keys)
    _line1, postcode = key.split("|")
    address = Address.objects.filter(
        postcode__in=[postcode, postcode[:-3] + " " + postcode[-3:]],
        source_record__is_current=True,
        valid_to__isnull=True,
    ).select_related("source_record")
    address = next(a for a in address if facts.address_key(a.line1, a.postcode) == key)
    event = Event.objects.create(
        source_record=address.source_record,
        event_type=EventType.objects.get(code="domestic_incident"),
        occurred_at=dt.datetime(2026, 11, 1, 22, tzinfo=dt.UTC),
        postcode=address.postcode,
        summary="An incident",
        recorded_at=clock.now(),
    )
    (made,) = facts.from_events([event])
    assert made.details["address"] == key
    children_at = facts.households()
    assert children_at(made.details["address"], on) == sorted(by_address[key])
    assert children_at(made.postcode, on) == []  # never the neighbours' children


def test_a_child_stops_being_a_child_at_home_on_the_18th_birthday():
    person = Person.objects.filter(date_of_birth__isnull=False).first()
    record, _event = record_with_event(person, postcode="KF4 9ZZ")
    Address.objects.create(
        source_record=record, line1="9 Test Row", town="Kestrelford", postcode="KF4 9ZZ"
    )
    home = facts.address_key("9 Test Row", "KF4 9ZZ")
    children_at = facts.households()
    born = person.date_of_birth
    birthday = born.replace(year=born.year + 18)
    assert person.pk in children_at(home, birthday - dt.timedelta(days=1))
    assert person.pk not in children_at(home, birthday)


def test_children_count_counts_people_under_18_on_the_day():
    on = dt.date(2026, 11, 2)
    expected = sum(
        1
        for born in Person.objects.filter(merged_into__isnull=True).values_list(
            "date_of_birth", flat=True
        )
        if born
        and born <= on
        and (on.year - born.year - ((on.month, on.day) < (born.month, born.day))) < 18
    )
    assert facts.children_count(on) == expected > 0


def test_a_completed_risk_tool_is_a_fact_with_its_level_and_the_person_s_address(
    police_officer,
):
    model = facts.assessment_model()
    if model is None:
        pytest.skip("lantern.risk has no Assessment model yet")
    record = (
        SourceRecord.objects.filter(is_current=True, person__date_of_birth__isnull=False)
        .exclude(postcode="")
        .order_by("-received_at", "-id")
        .first()
    )
    person = record.person
    latest = (
        SourceRecord.objects.filter(person=person, is_current=True)
        .exclude(postcode="")
        .order_by("-received_at", "-id")
        .first()
    )
    home = latest.addresses.get(valid_to__isnull=True)
    made = model.objects.create(
        person=person,
        tool="domestic_abuse_risk",
        tool_version=1,
        answers={},
        score=15,
        score_level="high",
        level="high",
        routes=["marac_high_score"],
        completed_by=police_officer,
        agency=police_officer.agency,
        completed_at=clock.now(),
    )
    (fact,) = facts.from_assessments([made])
    assert fact.kind == "risk_assessment"
    assert fact.source == ("risk.assessment", made.pk)
    assert fact.person_id == person.pk
    assert fact.postcode == latest.postcode
    assert fact.details == {
        "tool": "domestic_abuse_risk",
        "version": 1,
        "level": "high",
        "score": 15,
        "routes": ["marac_high_score"],
        "born": person.date_of_birth.isoformat(),
        "address": facts.address_key(home.line1, home.postcode),
    }
    assert fact in list(facts.history(kinds={"risk_assessment"}))
