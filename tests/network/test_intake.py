"""Taking what the police record into the network (network.intake): the people, cars and
places an event names become entities, linked as the event says they were seen; anything
else is left alone, and nothing is taken twice."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.network import intake
from lantern.network.models import Entity, IntelligenceReport, Link, Origin
from lantern.people.models import SourceRecord
from lantern.people.services import event_record

from .conftest import TODAY

pytestmark = pytest.mark.django_db

POLICE = "northmoor-police"
COUNCIL = "kestrelford-childrens-services"
WHEN = dt.datetime.combine(TODAY - dt.timedelta(days=12), dt.time(1, 30), tzinfo=dt.UTC)
CAR = "KX21 LMN"
HOTEL = "Moorside Budget Inn, Moorside Lane"


def current(agency: str, *, child: bool):
    born = dt.date(TODAY.year - 16, 1, 1)
    records = SourceRecord.objects.filter(
        agency__code=agency, is_current=True, person__isnull=False, date_of_birth__isnull=False
    )
    records = (
        records.filter(date_of_birth__gt=born)
        if child
        else records.filter(date_of_birth__lt=dt.date(TODAY.year - 25, 1, 1))
    )
    return records.order_by("pk")


@pytest.fixture
def child_record():
    return current(POLICE, child=True).first()


@pytest.fixture
def adult_record():
    """An adult the police hold a record of, whom no one else could be taken for."""
    for record in current(POLICE, child=False):
        names = [
            f"{record.given_name} {record.family_name}",
            f"{record.family_name.upper()} {record.given_name}",
        ]
        if all(
            intake.adult_find(agency_id=record.agency_id, name=n, born=record.date_of_birth)
            == record.person_id
            for n in names
        ):
            return record
    pytest.skip("the test borough's police hold no adult with a unique name and birthday")


def found_with(child_record, adult_record, police_officer, **details):
    """A child found in a car with an adult, as an officer records it."""
    return event_record(
        actor=police_officer,
        source=child_record,
        event_type="found_with_adult",
        occurred_at=WHEN,
        summary="Found in a car with an adult man in the early hours",
        place=details.pop("place", HOTEL),
        details={
            "vehicle": CAR,
            "adult": f"{adult_record.given_name} {adult_record.family_name}",
            "adult_dob": adult_record.date_of_birth.isoformat(),
            **details,
        },
    )


def shape(report: IntelligenceReport) -> set[tuple[str, str, str]]:
    """The report's links as (source, kind, target), each end named by what it is."""

    def name(entity: Entity) -> str:
        return f"person {entity.person_id}" if entity.person_id else entity.key

    return {
        (name(link.source), link.kind, name(link.target))
        for link in report.links.select_related("source", "target")
    }


def test_a_child_found_in_a_car_with_an_adult_links_child_adult_car_and_place(
    police_officer, child_record, adult_record
):
    event = found_with(child_record, adult_record, police_officer)

    report = IntelligenceReport.objects.get(origin_event=event)  # taken as it was recorded
    child, adult = f"person {child_record.person_id}", f"person {adult_record.person_id}"
    hotel = Entity.objects.get(kind="location", label=HOTEL)
    assert shape(report) == {
        (child, "found_with", adult),
        (child, "in_vehicle", "KX21LMN"),
        (adult, "in_vehicle", "KX21LMN"),
        (child, "found_at", hotel.key),
    }
    assert hotel.details["place_type"] == "hotel"  # a place the borough knows
    assert report.origin == Origin.EVENT
    assert report.agency == child_record.agency
    assert report.grading == intake.OFFICERS_OWN == "A1P"
    assert report.observed_on == WHEN.date()
    assert report.sensitivity == event.sensitivity
    assert {link.first_seen for link in report.links.all()} == {WHEN.date()}


def test_an_adult_recorded_with_a_slip_is_still_found(police_officer, child_record, adult_record):
    """The officer types the name the other way round: the one record that fits answers."""
    event = found_with(
        child_record,
        adult_record,
        police_officer,
        adult=f"{adult_record.family_name.upper()} {adult_record.given_name}",
    )
    report = IntelligenceReport.objects.get(origin_event=event)
    assert (
        f"person {child_record.person_id}",
        "found_with",
        f"person {adult_record.person_id}",
    ) in shape(report)


def test_an_adult_nobody_holds_is_left_out_and_the_report_says_so(
    police_officer, child_record, adult_record
):
    event = found_with(
        child_record, adult_record, police_officer, adult="Zebedee Quarrington-Smythe"
    )
    report = IntelligenceReport.objects.get(origin_event=event)
    child = f"person {child_record.person_id}"
    assert {(s, k) for s, k, _t in shape(report)} == {
        (child, "in_vehicle"),
        (child, "found_at"),
    }
    assert "Zebedee Quarrington-Smythe" in report.text and "not identified" in report.text


def test_a_registration_that_is_not_one_is_left_out_and_the_rest_is_taken(
    police_officer, child_record, adult_record
):
    event = found_with(child_record, adult_record, police_officer, vehicle="NOT A CAR!!")
    report = IntelligenceReport.objects.get(origin_event=event)
    assert {kind for _s, kind, _t in shape(report)} == {"found_with", "found_at"}
    assert "NOT A CAR!!" in report.text


def test_an_intelligence_report_keeps_its_grading_and_links_driver_car_and_place(
    police_officer, adult_record
):
    event = event_record(
        actor=police_officer,
        source=adult_record,
        event_type="intelligence_report",
        occurred_at=WHEN,
        summary=f"Seen driving {CAR} near the Pizza Palace with teenagers in the car",
        place="Pizza Palace, Station Road",
        details={"vehicle": CAR, "grading": "C3"},
    )
    report = IntelligenceReport.objects.get(origin_event=event)
    adult, place = f"person {adult_record.person_id}", "pizza palace station road"
    assert shape(report) == {
        (adult, "drives", "KX21LMN"),
        (adult, "at_location", place),
        ("KX21LMN", "at_location", place),
    }
    assert report.grading == "C3P"
    assert report.sensitivity == "restricted"  # the event type's, and so its links'
    assert set(report.links.values_list("sensitivity", flat=True)) == {"restricted"}


def test_an_intelligence_report_with_no_grading_is_graded_as_untested(police_officer, adult_record):
    event = event_record(
        actor=police_officer,
        source=adult_record,
        event_type="intelligence_report",
        occurred_at=WHEN,
        summary="Seen near the taxi office",
        place="Vale Cars taxi office, Victoria Road",
    )
    assert IntelligenceReport.objects.get(origin_event=event).grading == intake.UNGRADED


def test_where_a_missing_child_was_found_links_them_to_the_place(police_officer, child_record):
    found = WHEN + dt.timedelta(hours=30)
    event = event_record(
        actor=police_officer,
        source=child_record,
        event_type="missing_episode",
        occurred_at=WHEN,
        ended_at=found,
        summary="Missing overnight; found at the hotel",
        place=HOTEL,
        details={"found_at": HOTEL, "risk_grade": "high"},
    )
    report = IntelligenceReport.objects.get(origin_event=event)
    link = report.links.get()
    assert (link.source.person_id, link.kind, link.target.label) == (
        child_record.person_id,
        "found_at",
        HOTEL,
    )
    assert link.first_seen == report.observed_on == found.date()


def test_a_missing_episode_with_no_place_and_a_report_with_nothing_to_link_are_not_taken(
    police_officer, child_record, adult_record
):
    reports = IntelligenceReport.objects.count()
    missing = event_record(
        actor=police_officer,
        source=child_record,
        event_type="missing_episode",
        occurred_at=WHEN,
        summary="Reported missing by a parent; came home",
    )
    weapons = event_record(
        actor=police_officer,
        source=adult_record,
        event_type="intelligence_report",
        occurred_at=WHEN,
        summary="Holds a shotgun certificate",
        details={"firearms_certificate": True, "grading": "B2"},
    )
    taken = intake.events_taken([missing, weapons])
    assert taken.reports == [] and taken.without_facts == 2
    assert IntelligenceReport.objects.count() == reports


def test_other_agencies_events_and_other_kinds_of_event_are_ignored(
    police_officer, social_worker, child_record
):
    council_record = current(COUNCIL, child=True).first()
    from_council = event_record(
        actor=social_worker,
        source=council_record,
        event_type="missing_from_care",
        occurred_at=WHEN,
        summary="Missing from the placement; found at the hotel",
        place=HOTEL,
        details={"found_at": HOTEL, "vehicle": CAR},
    )
    incident = event_record(
        actor=police_officer,
        source=child_record,
        event_type="police_incident",
        occurred_at=WHEN,
        summary="Antisocial behaviour outside the hotel",
        place=HOTEL,
        details={"vehicle": CAR},
    )
    reports, links = IntelligenceReport.objects.count(), Link.objects.count()

    taken = intake.events_taken([from_council, incident])

    assert taken.reports == [] and not taken.refused and taken.without_facts == 0
    assert (IntelligenceReport.objects.count(), Link.objects.count()) == (reports, links)
    assert not IntelligenceReport.objects.filter(origin_event__in=[from_council, incident])


def test_taking_an_event_twice_does_nothing(police_officer, child_record, adult_record):
    event = found_with(child_record, adult_record, police_officer)
    reports, links, entities = (
        IntelligenceReport.objects.count(),
        Link.objects.count(),
        Entity.objects.count(),
    )

    again = intake.events_taken([event, event])

    assert again.reports == [] and again.already == 2
    assert (
        IntelligenceReport.objects.count(),
        Link.objects.count(),
        Entity.objects.count(),
    ) == (reports, links, entities)
    assert not intake.events_not_taken().filter(pk=event.pk).exists()


def test_the_same_car_and_place_in_two_events_are_one_entity_each(
    police_officer, child_record, adult_record
):
    first = found_with(child_record, adult_record, police_officer)
    second = found_with(
        child_record, adult_record, police_officer, vehicle=CAR.lower().replace(" ", "")
    )
    ends = {
        (link.target_id, link.kind)
        for report in IntelligenceReport.objects.filter(origin_event__in=[first, second])
        for link in report.links.exclude(kind="found_with")
    }
    assert len({target for target, _kind in ends}) == 2  # one car, one hotel
