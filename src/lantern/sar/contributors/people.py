"""Who the person is, as Lantern and each agency holds it (lantern.people): names, dates
of birth, identifiers, addresses, and the relationships agencies recorded (the other
person in each is withheld as third-party data)."""

from __future__ import annotations

from django.db.models import Q

from lantern.people.models import (
    RELATIONSHIP_INVERSE,
    Person,
    Relationship,
    RelationshipKind,
    SourceRecord,
)

from ..exemptions import SERIOUS_HARM
from ..redaction import NAME
from ..registry import Item, Section, Withhold
from .common import is_police


def _born(day) -> str:
    return f"{day:%-d %B %Y}" if day else "Not recorded"


def sections(person: Person) -> list[Section]:
    identity = Section(
        "identity",
        "Who you are",
        intro="Your details as Lantern joined them up from every agency's record.",
    )
    identity.items.append(
        Item("Lantern's record")
        .add("Name", person.full_name)
        .add("Date of birth", _born(person.date_of_birth))
        .add("Sex", person.get_sex_display())
        .add("Lantern reference", person.reference)
    )
    records = Section(
        "records",
        "The agencies that hold a record of you",
        intro="Each agency's own record, as it sent it to Lantern (every version).",
    )
    held = (
        SourceRecord.objects.filter(person=person)
        .select_related("agency")
        .prefetch_related("identifiers", "addresses")
        .order_by("agency__name", "local_id", "version")
    )
    for record in held:
        item = Item(
            f"{record.agency.name}: record {record.local_id}, version {record.version}",
            when=record.received_at,
            agency=record.agency.name,
            police=is_police(record.agency),
        )
        item.add("Name", f"{record.given_name} {record.family_name}")
        item.add("Other names", record.other_names)
        item.add("Date of birth", _born(record.date_of_birth))
        item.add("Sex", record.get_sex_display())
        item.add("Current version", "Yes" if record.is_current else "No (corrected later)")
        item.add("Why it was corrected", record.correction_reason)
        for identifier in record.identifiers.all():
            item.add(identifier.get_scheme_display(), identifier.value)
        for address in record.addresses.all():
            text = str(address)
            if address.valid_from or address.valid_to:
                since = f"{address.valid_from:%-d %b %Y}" if address.valid_from else "?"
                until = f"{address.valid_to:%-d %b %Y}" if address.valid_to else "now"
                text += f" ({since} to {until})"
            if address.confidential:
                item.add(
                    "Address (confidential)",
                    Withhold(
                        text,
                        "A confidential address",
                        SERIOUS_HARM,
                        "An address kept from others for someone's safety. Lift this "
                        "redaction if the pack goes to the person themselves, safely.",
                    ),
                )
            else:
                item.add("Address", text)
        records.items.append(item)

    relationships = Section(
        "relationships",
        "Relationships agencies recorded",
        intro="Who the other person is is not given: it is their information.",
    )
    for rel in _relationships(person):
        other, kind, recorded = rel
        relationships.items.append(
            Item(f"Your {RelationshipKind(kind).label.lower()}", agency=recorded.name)
            .add("Recorded by", recorded.name)
            .add(
                "Who",
                Withhold(
                    other.full_name,
                    NAME,
                    why=f"The name of your {RelationshipKind(kind).label.lower()}.",
                ),
            )
        )
    return [identity, records, relationships]


def _relationships(person: Person):
    rows = Relationship.objects.filter(Q(person=person) | Q(related=person)).select_related(
        "person", "related", "recorded_by"
    )
    for rel in rows:
        if rel.person_id == person.pk:
            yield rel.related, rel.kind, rel.recorded_by
        else:
            yield rel.person, RELATIONSHIP_INVERSE[RelationshipKind(rel.kind)], rel.recorded_by


def linked_people(person: Person) -> list[Person]:
    return [other for other, _, _ in _relationships(person)]
