"""Every read of people, through the access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from lantern.access import policy

from .identifiers import IdentifierError, validate_identifier, validate_postcode
from .models import (
    RELATIONSHIP_INVERSE,
    Address,
    Event,
    Identifier,
    IdentifierScheme,
    Person,
    Relationship,
    RelationshipKind,
    SourceRecord,
)


@dataclass(frozen=True)
class PeopleQuery:
    name: str = ""
    date_of_birth: dt.date | None = None
    postcode: str = ""
    identifier: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name.strip() or self.date_of_birth or self.postcode or self.identifier)


def identifier_candidates(raw: str) -> list[tuple[str, str]]:
    """Every (scheme, normalised value) the typed identifier could be."""
    found = []
    for scheme in IdentifierScheme.values:
        try:
            found.append((scheme, validate_identifier(scheme, raw)))
        except IdentifierError:
            continue
    return found


def people_search(*, user, query: PeopleQuery) -> QuerySet[Person]:
    """People the user may see whose records match every part of the query.

    Names match the start of any agency's given or family name, so 'Jo Smi'
    finds Joanne Smith; an identifier matches only when it is a valid number.
    """
    records = SourceRecord.objects.filter(person=OuterRef("pk"))
    for token in query.name.split():
        records = records.filter(
            Q(given_name__istartswith=token)
            | Q(family_name__istartswith=token)
            | Q(other_names__icontains=token)
        )
    if query.date_of_birth:
        records = records.filter(date_of_birth=query.date_of_birth)
    if query.postcode.strip():
        try:
            postcode = validate_postcode(query.postcode)
        except IdentifierError:
            postcode = query.postcode.strip().upper()
        records = records.filter(
            Q(postcode=postcode)
            | Exists(Address.objects.filter(source_record=OuterRef("pk"), postcode=postcode))
        )
    if query.identifier.strip():
        candidates = identifier_candidates(query.identifier)
        if not candidates:
            return Person.objects.none()
        matches = Q()
        for scheme, value in candidates:
            matches |= Q(scheme=scheme, value=value)
        records = records.filter(
            Exists(Identifier.objects.filter(matches, source_record=OuterRef("pk"), is_valid=True))
        )
    return (
        policy.people_visible_to(user)
        .filter(Exists(records))
        .order_by("family_name", "given_name", "date_of_birth", "pk")
    )


def people_with_holdings(people, *, user) -> None:
    """Attach `holdings` to each person on a results page: which agencies know them, and
    the postcodes they hold, so a reader can tell apart two people with one name."""
    records = (
        SourceRecord.objects.filter(person__in=people, is_current=True)
        .select_related("agency")
        .order_by("agency__name")
    )
    by_person: dict[int, list[SourceRecord]] = {}
    for record in records:
        by_person.setdefault(record.person_id, []).append(record)
    for person in people:
        held = by_person.get(person.pk, [])
        person.known_to = sorted({r.agency.name for r in held})
        person.postcodes = sorted({
            r.postcode for r in held
            if r.postcode
            and policy.may_read_detail(user, agency_id=r.agency_id, sensitivity=r.sensitivity)
        })


def person_get(*, user, reference: str) -> Person:
    """The person, if the user may see them; Person.DoesNotExist otherwise (a 404)."""
    return policy.people_visible_to(user).get(reference=reference)


@dataclass(frozen=True)
class RelationshipView:
    other: Person
    kind_label: str
    recorded_by: str
    started_on: dt.date | None
    ended_on: dt.date | None


@dataclass(frozen=True)
class EventView:
    event: Event | None
    occurred_at: dt.datetime
    agency_name: str
    shown: bool  # False: the user learns only that a restricted record exists


@dataclass(frozen=True)
class PersonFile:
    person: Person
    source_records: list[SourceRecord]  # the records the user may read in full
    restricted_holders: list[str]  # agencies holding a record the user may not read
    relationships: list[RelationshipView]
    timeline: list[EventView]
    disagreements: dict[str, list[tuple[str, str]]]


def person_file(*, user, person: Person, timeline_limit: int = 200) -> PersonFile:
    """Everything the user may see about a person, from every agency."""
    held = list(
        person.source_records.filter(is_current=True)
        .select_related("agency")
        .prefetch_related("identifiers", Prefetch("addresses", queryset=Address.objects.all()))
        .order_by("agency__name")
    )
    records = [
        r for r in held
        if policy.may_read_detail(user, agency_id=r.agency_id, sensitivity=r.sensitivity)
    ]
    restricted_holders = sorted({r.agency.name for r in held if r not in records})
    visible_people = policy.people_visible_to(user)
    relationships = []
    outgoing = Relationship.objects.filter(person=person).select_related("related", "recorded_by")
    incoming = Relationship.objects.filter(related=person).select_related("person", "recorded_by")
    visible_ids = set(
        visible_people.filter(
            pk__in=[r.related_id for r in outgoing] + [r.person_id for r in incoming]
        ).values_list("pk", flat=True)
    )
    for rel in outgoing:
        if rel.related_id in visible_ids:
            relationships.append(_relationship_view(rel.related, rel.kind, rel))
    for rel in incoming:
        if rel.person_id in visible_ids:
            inverse = RELATIONSHIP_INVERSE[RelationshipKind(rel.kind)]
            relationships.append(_relationship_view(rel.person, inverse, rel))

    events = (
        Event.objects.filter(source_record__person=person)
        .select_related("event_type", "source_record__agency")
        .order_by("-occurred_at")[:timeline_limit]
    )
    timeline = []
    for event in events:
        agency = event.source_record.agency
        shown = policy.may_read_detail(user, agency_id=agency.pk, sensitivity=event.sensitivity)
        timeline.append(EventView(event if shown else None, event.occurred_at, agency.name, shown))
    return PersonFile(
        person=person,
        source_records=records,
        restricted_holders=restricted_holders,
        relationships=relationships,
        timeline=timeline,
        disagreements=_disagreements(records),
    )


def _relationship_view(other: Person, kind: str, rel: Relationship) -> RelationshipView:
    return RelationshipView(
        other=other,
        kind_label=RelationshipKind(kind).label,
        recorded_by=rel.recorded_by.name,
        started_on=rel.started_on,
        ended_on=rel.ended_on,
    )


def _disagreements(records: list[SourceRecord]) -> dict[str, list[tuple[str, str]]]:
    """Where agencies hold different values, each value with the agencies that hold it."""
    fields = {
        "Name": lambda r: f"{r.given_name} {r.family_name}",
        "Date of birth": lambda r: r.date_of_birth.strftime("%-d %B %Y") if r.date_of_birth else "",
        "Postcode": lambda r: r.postcode,
    }
    found = {}
    for label, value_of in fields.items():
        by_value: dict[str, list[str]] = {}
        for record in records:
            value = value_of(record)
            if value:
                by_value.setdefault(value, []).append(record.agency.name)
        if len(by_value) > 1:
            found[label] = [(value, ", ".join(names)) for value, names in by_value.items()]
    return found


def recent_events(*, user, days: int = 30, limit: int = 12) -> list[Event]:
    """Recent events the user may read in full, about people they may see.

    The front door sees what every agency recorded; everyone else sees what their
    own agency recorded.
    """
    from lantern.core import clock

    since = clock.now() - dt.timedelta(days=days)
    events = Event.objects.filter(occurred_at__gte=since, source_record__is_current=True)
    if policy.is_front_door(user):
        events = policy.events_readable_by(user, events)
    else:
        events = events.filter(source_record__agency=user.agency)
    return list(
        events.filter(source_record__person__in=policy.people_visible_to(user))
        .select_related("event_type", "source_record__agency", "source_record__person")
        .order_by("-occurred_at")[:limit]
    )


@dataclass(frozen=True)
class Holdings:
    people: int
    records_by_agency: list[tuple[str, str, int]]
    events_by_type: list[tuple[str, int]]
    restricted_records: int


def holdings_totals(*, since: dt.date) -> Holdings:
    """Totals only, never names: for the partnership, the scrutineer and the DPO."""
    from django.db.models import Count

    records = (
        SourceRecord.objects.filter(is_current=True)
        .values("agency__name", "agency__kind")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    events = (
        Event.objects.filter(occurred_at__date__gte=since)
        .values("event_type__name")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    from lantern.partners.models import AgencyKind

    kinds = dict(AgencyKind.choices)
    return Holdings(
        people=Person.objects.count(),
        records_by_agency=[
            (r["agency__name"], kinds.get(r["agency__kind"], ""), r["n"]) for r in records
        ],
        events_by_type=[(e["event_type__name"], e["n"]) for e in events],
        restricted_records=SourceRecord.objects.filter(is_current=True)
        .exclude(sensitivity="normal")
        .count(),
    )


def people_known_count(*, user) -> int:
    """How many people the user's own agency holds a current record of."""
    if not policy.sees_case_data(user):
        return 0
    return (
        SourceRecord.objects.filter(agency=user.agency, is_current=True)
        .values("person")
        .distinct()
        .count()
    )
