"""Every write to people, source records, relationships and events.

Each service is keyword-only, checks its input, refuses bad input with a
ValidationError naming the field, and writes in one transaction, so nothing is
ever half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.partners.models import Agency

from .identifiers import IdentifierError, validate_identifier, validate_postcode
from .models import (
    Address,
    Event,
    EventType,
    Identifier,
    IdentifierScheme,
    Person,
    Relationship,
    RelationshipKind,
    Sensitivity,
    Sex,
    SourceRecord,
)

EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)


def _saved(actor):
    """The acting user, or None for the system (an agency's extract, the synthetic borough)."""
    return actor if getattr(actor, "pk", None) else None


def _audit_write(
    actor,
    action: str,
    operation: str,
    record,
    purpose: str,
    *,
    person_id: int | None = None,
    detail: dict | None = None,
) -> None:
    """Every write of personal data is recorded, last in its transaction (see the audit app)."""
    person_id = person_id or getattr(record, "person_id", None)
    subjects = [Subject.of(record, person_id=person_id)]
    if person_id:
        subjects.append(Subject("people.person", person_id, person_id))
    audit_record(
        actor=_saved(actor),
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=subjects,
        detail=detail,
    )


@dataclass(frozen=True)
class AddressIn:
    line1: str
    town: str
    postcode: str
    line2: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    confidential: bool = False


@dataclass(frozen=True)
class SourceRecordIn:
    """One agency's record of a person, as it arrives from a form, the API or a file."""

    local_id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    sex: str = Sex.UNKNOWN
    other_names: str = ""
    identifiers: Mapping[str, str] = field(default_factory=dict)
    addresses: Sequence[AddressIn] = ()
    sensitivity: str = Sensitivity.NORMAL


def agency_resolve(agency: Agency | str) -> Agency:
    if isinstance(agency, Agency):
        return agency
    found = Agency.objects.filter(code=agency, active=True).first()
    if found is None:
        refuse("agency", f"There is no active agency with the code {agency!r}")
    return found


def _clean_record(data: SourceRecordIn) -> None:
    check_required("local_id", "the agency's own reference for this person", data.local_id)
    check_required("given_name", "a given name", data.given_name)
    check_required("family_name", "a family name", data.family_name)
    check_not_future("date_of_birth", "Date of birth", data.date_of_birth)
    if data.date_of_birth and data.date_of_birth < EARLIEST_DATE_OF_BIRTH:
        refuse("date_of_birth", "Date of birth must be after 1 January 1900")
    if data.sex not in Sex.values:
        refuse("sex", f"Sex must be one of {', '.join(Sex.values)}")
    if data.sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"Sensitivity must be one of {', '.join(Sensitivity.values)}")
    unknown = set(data.identifiers) - set(IdentifierScheme.values)
    if unknown:
        refuse("identifiers", f"Unknown identifier type: {', '.join(sorted(unknown))}")


def _clean_addresses(addresses: Sequence[AddressIn]) -> list[AddressIn]:
    cleaned = []
    for index, address in enumerate(addresses):
        prefix = f"addresses.{index}."
        check_required(prefix + "line1", "the first line of the address", address.line1)
        check_required(prefix + "town", "the town", address.town)
        try:
            postcode = validate_postcode(address.postcode)
        except IdentifierError as exc:
            refuse(prefix + "postcode", exc.message)
        check_not_future(prefix + "valid_from", "The date the address started", address.valid_from)
        check_order(
            prefix + "valid_to",
            "The date the address ended",
            address.valid_from,
            address.valid_to,
            "the date it started",
        )
        cleaned.append(
            AddressIn(
                line1=address.line1.strip(),
                line2=address.line2.strip(),
                town=address.town.strip(),
                postcode=postcode,
                valid_from=address.valid_from,
                valid_to=address.valid_to,
                confidential=address.confidential,
            )
        )
    return cleaned


def _checked_identifiers(
    identifiers: Mapping[str, str], *, refuse_invalid: bool
) -> list[Identifier]:
    checked = []
    for scheme, raw in identifiers.items():
        if raw is None or not str(raw).strip():
            continue
        try:
            value, problem = validate_identifier(scheme, str(raw)), ""
        except IdentifierError as exc:
            if refuse_invalid:
                refuse(scheme, exc.message)
            value, problem = str(raw).strip()[:20], exc.message[:200]
        checked.append(
            Identifier(scheme=scheme, value=value, is_valid=not problem, problem=problem)
        )
    return checked


def _current_address(addresses: Sequence[AddressIn]) -> AddressIn | None:
    """The address whose postcode the record shows. Never a confidential one: the
    record's postcode is read by searches, lists and linkage, which must not learn
    where someone in hiding lives."""
    addresses = [a for a in addresses if not a.confidential]
    current = [a for a in addresses if a.valid_to is None]
    return max(current or addresses, key=lambda a: a.valid_from or dt.date.min, default=None)


@transaction.atomic
def source_record_receive(
    *,
    actor,
    agency: Agency | str,
    record: SourceRecordIn,
    raw: Mapping | None = None,
    refuse_invalid_identifiers: bool = True,
    person: Person | None = None,
) -> SourceRecord:
    """Take in one agency's record of a person.

    An invalid identifier is refused (forms and the API), or, for a bulk extract
    (`refuse_invalid_identifiers=False`), kept with its problem and never trusted.
    Until linkage decides otherwise, a new record makes a new person.
    """
    agency = agency_resolve(agency)
    _clean_record(record)
    addresses = _clean_addresses(record.addresses)
    identifiers = _checked_identifiers(
        record.identifiers, refuse_invalid=refuse_invalid_identifiers
    )
    local_id = record.local_id.strip()
    if SourceRecord.objects.filter(agency=agency, local_id=local_id, is_current=True).exists():
        refuse(
            "local_id",
            f"{agency.name} already has a record {local_id}: send a correction instead",
        )
    now = clock.now()
    if person is None:
        person = Person.objects.create(
            given_name=record.given_name.strip(),
            family_name=record.family_name.strip(),
            date_of_birth=record.date_of_birth,
            sex=record.sex,
            created_at=now,
        )
    current = _current_address(addresses)
    source = SourceRecord.objects.create(
        agency=agency,
        local_id=local_id,
        version=1,
        person=person,
        given_name=record.given_name.strip(),
        family_name=record.family_name.strip(),
        other_names=record.other_names.strip(),
        date_of_birth=record.date_of_birth,
        sex=record.sex,
        postcode=current.postcode if current else "",
        sensitivity=record.sensitivity,
        received_at=now,
        raw=dict(raw) if raw is not None else _as_raw(record),
    )
    _write_parts(source, identifiers, addresses)
    _match_keys_refresh([source.pk])
    _audit_write(
        actor, "collection", "source_record.receive", source, f"Record received from {agency.name}"
    )
    return source


def _match_keys_refresh(record_ids: list[int]) -> None:
    """The front door finds a record the moment it arrives or is corrected. (Imported
    here: linkage builds on people, not the other way round.)"""
    from lantern.linkage.matching import keys_refresh

    keys_refresh(record_ids)


def _write_parts(
    source: SourceRecord, identifiers: Sequence[Identifier], addresses: Sequence[AddressIn]
) -> None:
    for identifier in identifiers:
        identifier.source_record = source
    Identifier.objects.bulk_create(identifiers)
    Address.objects.bulk_create(
        Address(source_record=source, **vars(address)) for address in addresses
    )


def _as_raw(record: SourceRecordIn) -> dict:
    return {
        "local_id": record.local_id,
        "given_name": record.given_name,
        "family_name": record.family_name,
        "other_names": record.other_names,
        "date_of_birth": record.date_of_birth.isoformat() if record.date_of_birth else None,
        "sex": record.sex,
        "identifiers": dict(record.identifiers),
        "addresses": [
            {
                **vars(a),
                "valid_from": a.valid_from.isoformat() if a.valid_from else None,
                "valid_to": a.valid_to.isoformat() if a.valid_to else None,
            }
            for a in record.addresses
        ],
    }


@transaction.atomic
def source_record_correct(
    *, actor, source: SourceRecord, record: SourceRecordIn, reason: str
) -> SourceRecord:
    """Record a correction as a new version; the old version stays, no longer current.

    Only someone the access policy lets edit the record may correct it (anyone else
    is told it does not exist)."""
    from lantern.access import policy

    if _saved(actor) is not None and not policy.can(actor, "edit", source):
        raise SourceRecord.DoesNotExist
    check_required("reason", "the reason for the correction", reason)
    source = SourceRecord.objects.select_for_update().get(pk=source.pk)
    if not source.is_current:
        refuse("source", "Only the current version of a record can be corrected")
    if record.local_id.strip() != source.local_id:
        refuse("local_id", "A correction cannot change the agency's reference for the record")
    _clean_record(record)
    addresses = _clean_addresses(record.addresses)
    identifiers = _checked_identifiers(record.identifiers, refuse_invalid=True)
    source.is_current = False
    source.save(update_fields=["is_current"])
    current = _current_address(addresses)
    corrected = SourceRecord.objects.create(
        agency=source.agency,
        local_id=source.local_id,
        version=source.version + 1,
        person=source.person,
        given_name=record.given_name.strip(),
        family_name=record.family_name.strip(),
        other_names=record.other_names.strip(),
        date_of_birth=record.date_of_birth,
        sex=record.sex,
        postcode=current.postcode if current else "",
        sensitivity=record.sensitivity,
        received_at=clock.now(),
        correction_reason=reason.strip()[:300],
        raw=_as_raw(record),
    )
    _write_parts(corrected, identifiers, addresses)
    _match_keys_refresh([source.pk, corrected.pk])
    _audit_write(
        actor,
        "alteration",
        "source_record.correct",
        corrected,
        f"Correction: {reason.strip()}",
        detail={"version": corrected.version},
    )
    return corrected


def source_record_as_input(source: SourceRecord, **changes) -> SourceRecordIn:
    """The record as it stands, as input for a correction, with some fields changed."""
    values = {
        "local_id": source.local_id,
        "given_name": source.given_name,
        "family_name": source.family_name,
        "other_names": source.other_names,
        "date_of_birth": source.date_of_birth,
        "sex": source.sex,
        "sensitivity": source.sensitivity,
        "identifiers": {i.scheme: i.value for i in source.identifiers.filter(is_valid=True)},
        "addresses": [
            AddressIn(
                line1=a.line1,
                line2=a.line2,
                town=a.town,
                postcode=a.postcode,
                valid_from=a.valid_from,
                valid_to=a.valid_to,
                confidential=a.confidential,
            )
            for a in source.addresses.all()
        ],
    }
    values.update(changes)
    return SourceRecordIn(**values)


def event_type_resolve(event_type: EventType | str) -> EventType:
    if isinstance(event_type, EventType):
        return event_type
    found = EventType.objects.filter(code=event_type).first()
    if found is None:
        refuse("event_type", f"There is no event type with the code {event_type!r}")
    return found


@transaction.atomic
def event_record(
    *,
    actor,
    source: SourceRecord,
    event_type: EventType | str,
    occurred_at: dt.datetime,
    summary: str,
    ended_at: dt.datetime | None = None,
    postcode: str = "",
    place: str = "",
    details: Mapping | None = None,
    sensitivity: str | None = None,
) -> Event:
    """Record a dated fact an agency knows about the person its record describes."""
    event_type = event_type_resolve(event_type)
    agency = source.agency
    if agency.kind not in event_type.agency_kinds:
        allowed = ", ".join(event_type.agency_kinds)
        refuse(
            "event_type",
            f"{agency.name} cannot record '{event_type.name}': only these kinds of agency "
            f"can ({allowed})",
        )
    if not source.is_current:
        refuse("source", "Events are recorded against the current version of a record")
    check_required("occurred_at", "when it happened", occurred_at)
    check_required("summary", "a summary", summary)
    check_not_future("occurred_at", "When it happened", occurred_at)
    check_not_future("ended_at", "When it ended", ended_at)
    check_order("ended_at", "When it ended", occurred_at, ended_at, "when it started")
    if postcode:
        try:
            postcode = validate_postcode(postcode)
        except IdentifierError as exc:
            refuse("postcode", exc.message)
    sensitivity = sensitivity or event_type.default_sensitivity
    if sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"Sensitivity must be one of {', '.join(Sensitivity.values)}")
    event = Event.objects.create(
        source_record=source,
        event_type=event_type,
        occurred_at=occurred_at,
        ended_at=ended_at,
        postcode=postcode,
        place=place.strip(),
        summary=summary.strip(),
        details=dict(details or {}),
        sensitivity=sensitivity,
        recorded_at=clock.now(),
        recorded_by=_saved(actor),
    )
    _audit_write(
        actor,
        "collection",
        "event.record",
        event,
        f"{event_type.name} recorded by {agency.name}",
        person_id=source.person_id,
    )
    # The alert rules see the new event at once, in this transaction (lantern.alerts).
    from lantern.alerts import intake

    intake.events_arrived([event])
    from lantern.network.intake import events_taken  # and the police's facts, the network

    events_taken([event])
    return event


@transaction.atomic
def relationship_record(
    *,
    actor,
    person: Person,
    related: Person,
    kind: str,
    recorded_by: Agency,
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
) -> Relationship:
    """Record that `related` is `person`'s <kind> (parent, sibling, ex-partner...)."""
    if kind not in RelationshipKind.values:
        refuse("kind", f"Relationship must be one of {', '.join(RelationshipKind.values)}")
    if person.pk == related.pk:
        refuse("related", "A person cannot be related to themselves")
    check_not_future("started_on", "The date the relationship started", started_on)
    check_order("ended_on", "The date it ended", started_on, ended_on, "the date it started")
    if Relationship.objects.filter(
        person=person, related=related, kind=kind, recorded_by=recorded_by
    ).exists():
        raise ValidationError({"kind": ["This relationship is already recorded"]})
    relationship = Relationship.objects.create(
        person=person,
        related=related,
        kind=kind,
        recorded_by=recorded_by,
        started_on=started_on,
        ended_on=ended_on,
    )
    audit_record(
        actor=_saved(actor),
        action="collection",
        operation="relationship.record",
        purpose=f"Relationship recorded by {recorded_by.name}",
        subjects=[
            Subject.person(person),
            Subject.person(related),
            Subject.of(relationship, person_id=person.pk),
        ],
    )
    return relationship
