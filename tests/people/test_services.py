"""Taking in agency records and events: bad input is refused by field, nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.core import clock
from lantern.people import services
from lantern.people.models import Address, Event, Identifier, Person, SourceRecord
from lantern.people.services import AddressIn, SourceRecordIn

pytestmark = pytest.mark.django_db

GOOD_NHS = "943 476 5919"


def record(**changes) -> SourceRecordIn:
    values = dict(
        local_id="T-1",
        given_name="Mia",
        family_name="Ashworth",
        date_of_birth=dt.date(2011, 4, 3),
        sex="F",
        identifiers={"nhs_number": GOOD_NHS},
        addresses=[AddressIn(line1="4 Kiln Lane", town="Kestrelford", postcode="kf3 2ab")],
    )
    values.update(changes)
    return SourceRecordIn(**values)


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        SourceRecord.objects.count(),
        Identifier.objects.count(),
        Address.objects.count(),
        Event.objects.count(),
    )


def refused(field: str, call) -> str:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert counts() == before, "a refused write left something behind"
    return " ".join(caught.value.message_dict[field])


def test_a_record_is_taken_in_with_its_identifiers_and_address(police, police_officer):
    source = services.source_record_receive(actor=police_officer, agency=police, record=record())
    assert source.person.full_name == "Mia Ashworth"
    assert source.postcode == "KF3 2AB"
    nhs = source.identifiers.get()
    assert (nhs.scheme, nhs.value, nhs.is_valid) == ("nhs_number", "9434765919", True)
    assert source.raw["identifiers"] == {"nhs_number": GOOD_NHS}


def test_an_invalid_nhs_number_is_refused_naming_the_field(police, police_officer):
    message = refused(
        "nhs_number",
        lambda: services.source_record_receive(
            actor=police_officer,
            agency=police,
            record=record(identifiers={"nhs_number": "943 476 5918"}),
        ),
    )
    assert "NHS number" in message and "check digit" in message


def test_an_extract_keeps_an_invalid_identifier_untrusted(police):
    source = services.source_record_receive(
        actor=None,
        agency=police,
        record=record(identifiers={"upn": "B801200005009"}),
        refuse_invalid_identifiers=False,
    )
    upn = source.identifiers.get()
    assert not upn.is_valid and "unique pupil number" in upn.problem.lower()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"date_of_birth": dt.date(2099, 1, 1)}, "date_of_birth", "future"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "date_of_birth", "1900"),
        ({"given_name": "  "}, "given_name", "given name"),
        ({"sex": "X"}, "sex", "Sex"),
        ({"identifiers": {"passport": "123"}}, "identifiers", "passport"),
        (
            {"addresses": [AddressIn(line1="1 Mill Road", town="Kestrelford", postcode="KF3")]},
            "addresses.0.postcode",
            "postcode",
        ),
        (
            {
                "addresses": [
                    AddressIn(
                        line1="1 Mill Road",
                        town="Kestrelford",
                        postcode="KF3 2AB",
                        valid_from=dt.date(2020, 1, 2),
                        valid_to=dt.date(2019, 1, 1),
                    )
                ]
            },
            "addresses.0.valid_to",
            "after",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(police, changes, field, words):
    message = refused(
        field,
        lambda: services.source_record_receive(actor=None, agency=police, record=record(**changes)),
    )
    assert words in message


def test_an_unknown_agency_is_refused():
    message = refused(
        "agency",
        lambda: services.source_record_receive(
            actor=None, agency="no-such-agency", record=record()
        ),
    )
    assert "no-such-agency" in message


def test_the_same_agency_reference_twice_is_refused(police):
    services.source_record_receive(actor=None, agency=police, record=record())
    message = refused(
        "local_id",
        lambda: services.source_record_receive(actor=None, agency=police, record=record()),
    )
    assert "correction" in message


def test_a_source_record_is_never_overwritten(police):
    source = services.source_record_receive(actor=None, agency=police, record=record())
    source.given_name = "Changed"
    with pytest.raises(ValidationError):
        source.save()
    assert SourceRecord.objects.get(pk=source.pk).given_name == "Mia"


def test_a_correction_is_a_new_version_and_the_old_one_stays(police):
    first = services.source_record_receive(actor=None, agency=police, record=record())
    second = services.source_record_correct(
        actor=None,
        source=first,
        record=record(date_of_birth=dt.date(2011, 3, 4)),
        reason="Day and month were swapped",
    )
    first.refresh_from_db()
    assert (first.is_current, first.date_of_birth) == (False, dt.date(2011, 4, 3))
    assert (second.version, second.is_current, second.date_of_birth) == (
        2,
        True,
        dt.date(2011, 3, 4),
    )
    assert second.person_id == first.person_id
    assert second.identifiers.get().value == "9434765919"
    with pytest.raises(ValidationError):
        services.source_record_correct(actor=None, source=first, record=record(), reason="again")


def test_a_correction_needs_a_reason(police):
    first = services.source_record_receive(actor=None, agency=police, record=record())
    refused(
        "reason",
        lambda: services.source_record_correct(
            actor=None, source=first, record=record(), reason=""
        ),
    )


def test_an_event_is_recorded_against_the_agency_record(police, police_officer):
    source = services.source_record_receive(actor=None, agency=police, record=record())
    with clock.frozen_at(dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)):
        event = services.event_record(
            actor=police_officer,
            source=source,
            event_type="missing_episode",
            occurred_at=dt.datetime(2026, 11, 1, 22, 0, tzinfo=dt.UTC),
            ended_at=dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC),
            summary="Missing overnight",
            postcode="kf1 4ab",
        )
    assert event.postcode == "KF1 4AB" and event.recorded_by == police_officer
    assert event.source_record.agency == police


def test_an_agency_may_record_only_its_own_kinds_of_event(police):
    source = services.source_record_receive(actor=None, agency=police, record=record())
    message = refused(
        "event_type",
        lambda: services.event_record(
            actor=None,
            source=source,
            event_type="school_absence_run",
            occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            summary="Absent",
        ),
    )
    assert "Northmoor Police" in message and "school" in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_type": "no_such_type"}, "event_type"),
        ({"occurred_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, "occurred_at"),
        ({"ended_at": dt.datetime(2025, 12, 31, tzinfo=dt.UTC)}, "ended_at"),
        ({"summary": ""}, "summary"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"sensitivity": "secret"}, "sensitivity"),
    ],
)
def test_bad_events_are_refused(police, changes, field):
    source = services.source_record_receive(actor=None, agency=police, record=record())
    values = dict(
        actor=None,
        source=source,
        event_type="missing_episode",
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        summary="Missing",
    )
    values.update(changes)
    refused(field, lambda: services.event_record(**values))


def test_relationships_are_checked(police):
    child = services.source_record_receive(actor=None, agency=police, record=record()).person
    parent = services.source_record_receive(
        actor=None,
        agency=police,
        record=record(
            local_id="T-2", given_name="Jade", date_of_birth=dt.date(1990, 1, 1), identifiers={}
        ),
    ).person
    services.relationship_record(
        actor=None, person=child, related=parent, kind="parent", recorded_by=police
    )
    refused(
        "kind",
        lambda: services.relationship_record(
            actor=None, person=child, related=parent, kind="parent", recorded_by=police
        ),
    )
    refused(
        "kind",
        lambda: services.relationship_record(
            actor=None, person=child, related=parent, kind="cousin", recorded_by=police
        ),
    )
    refused(
        "related",
        lambda: services.relationship_record(
            actor=None, person=child, related=child, kind="sibling", recorded_by=police
        ),
    )


def test_a_failing_audit_write_refuses_the_write_and_leaves_nothing(police, police_officer):
    from lantern.audit.models import AuditEvent
    from lantern.audit.services import AuditWriteFailed
    from lantern.audit.testing import audit_writes_fail

    before, events = counts(), AuditEvent.objects.count()
    with audit_writes_fail(), pytest.raises(AuditWriteFailed):
        services.source_record_receive(actor=police_officer, agency=police, record=record())
    assert counts() == before
    assert AuditEvent.objects.count() == events


def test_every_write_is_audited_with_its_subjects(police, police_officer):
    from lantern.audit.models import AuditEvent

    source = services.source_record_receive(actor=police_officer, agency=police, record=record())
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.operation, event.actor) == (
        "collection",
        "source_record.receive",
        police_officer,
    )
    assert {(s.record_type, s.record_id) for s in event.subjects.all()} == {
        ("people.sourcerecord", str(source.pk)),
        ("people.person", str(source.person_id)),
    }
