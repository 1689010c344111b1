"""Every read of people: through the access policy, and recorded in the audit log.

Each function that returns personal data records one audit event listing every
person and record it returned, with the justification (the user's relationship
to them) as the purpose. Where another agency's records are shown, a disclosure
from that agency to the user's agency is recorded too, against the information
sharing agreement that covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from lantern.access import policy
from lantern.access.models import Relationship as AccessRelationship
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.partners.models import AgencyKind

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
    Sensitivity,
    SourceRecord,
)
from .safety import AddressMask, address_mask

CONSULTATION = "consultation"


def purpose_for(relationships: set[str]) -> str:
    """The justification for a look: the user's relationships to the person, in words."""
    labels = [AccessRelationship(r).label for r in AccessRelationship.values if r in relationships]
    return "; ".join(labels) or "No relationship"


@dataclass(frozen=True)
class PeopleQuery:
    name: str = ""
    date_of_birth: dt.date | None = None
    postcode: str = ""
    identifier: str = ""

    def described(self) -> dict:
        return {k: str(v) for k, v in vars(self).items() if v}


def identifier_candidates(raw: str) -> list[tuple[str, str]]:
    """Every (scheme, normalised value) the typed identifier could be."""
    found = []
    for scheme in IdentifierScheme.values:
        try:
            found.append((scheme, validate_identifier(scheme, raw)))
        except IdentifierError:
            continue
    return found


def people_matching(*, user, query: PeopleQuery, action: str = "search") -> QuerySet[Person]:
    """People the user may `action` whose records, among those the user may read, match
    every part of the query. Not audited: callers show a page through `people_search_page`.

    Names match the start of any agency's given or family name, so 'Jo Smi' finds
    Joanne Smith; an identifier matches only when it is a valid number. A postcode never
    finds a person whose addresses are hidden from the user (her safe-contact settings):
    that she is found there would say where she lives.
    """
    records = policy.source_records_visible_to(user, "view").filter(
        person=OuterRef("pk"), is_current=True
    )
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
            | Exists(
                Address.objects.filter(
                    source_record=OuterRef("pk"), postcode=postcode, confidential=False
                )
            )
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
    people = policy.people_visible_to(user, action).filter(Exists(records))
    if query.postcode.strip():
        people = people.exclude(policy.address_hidden_q(user))
    return people.order_by("family_name", "given_name", "date_of_birth", "pk")


@transaction.atomic
def people_search_page(
    *,
    user,
    query: PeopleQuery,
    page: int | str | None,
    page_size: int,
    operation: str,
    action: str = "search",
) -> Page:
    """One page of search results, with who is known to which agency, audited."""
    results = Paginator(people_matching(user=user, query=query, action=action), page_size)
    shown = results.get_page(page)
    shown.object_list = list(shown.object_list)
    attach_holdings(shown.object_list, user=user)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose="Search for a person: "
        + ", ".join(f"{k}={v}" for k, v in query.described().items()),
        subjects=[Subject.person(p) for p in shown.object_list],
        detail={"query": query.described(), "page": shown.number, "count": results.count},
    )
    return shown


EXPORT_LIMIT = 5000


@transaction.atomic
def people_export(*, user, query: PeopleQuery) -> list[Person]:
    """The people matching a search, for a CSV export: at most 5,000, every one audited."""
    people = list(people_matching(user=user, query=query, action="export")[:EXPORT_LIMIT])
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="people.export",
        purpose="Export of a search: "
        + ", ".join(f"{k}={v}" for k, v in query.described().items()),
        subjects=[Subject.person(p) for p in people],
        detail={"query": query.described(), "rows": len(people)},
    )
    return people


def attach_holdings(people: Sequence[Person], *, user) -> None:
    """Which agencies know each person, and the postcodes the user may read, so a reader
    can tell apart two people with one name (none for a person whose addresses are hidden
    from the user)."""
    records = (
        SourceRecord.objects.filter(person__in=people, is_current=True)
        .select_related("agency")
        .order_by("agency__name")
    )
    readable = set(
        policy.source_records_visible_to(user, "view")
        .filter(person__in=people, is_current=True)
        .values_list("pk", flat=True)
    )
    by_person: dict[int, list[SourceRecord]] = {}
    for record in records:
        if record.sensitivity != Sensitivity.SEALED or record.pk in readable:
            by_person.setdefault(record.person_id, []).append(record)
    hidden = policy.hidden_addresses_among(user, [p.pk for p in people])
    for person in people:
        held = by_person.get(person.pk, [])
        person.known_to = sorted({r.agency.name for r in held})
        person.address_hidden = person.pk in hidden
        person.postcodes = (
            []
            if person.address_hidden
            else sorted({r.postcode for r in held if r.postcode and r.pk in readable})
        )


def merged_reference(*, user, reference: str) -> str | None:
    """The reference of the person a merged person became, if the user may view them.

    None when the person was not merged, or when the user may not see the person they
    became: then the old reference answers 404 like any hidden record."""
    seen: set[str] = set()
    target = Person.objects.filter(reference=reference, merged_into__isnull=False).first()
    if target is None:
        return None
    while target.merged_into_id is not None and target.reference not in seen:
        seen.add(target.reference)
        target = Person.objects.get(pk=target.merged_into_id)
    if not policy.people_visible_to(user, "view").filter(pk=target.pk).exists():
        return None
    return target.reference


def person_get(*, user, reference: str, action: str = "view") -> Person:
    """The person, if the user may `action` them; Person.DoesNotExist otherwise (a 404).

    A refused look at a person who exists is recorded as refused. References are read as
    people type them: spaces around them and lower case do not matter."""
    reference = reference.strip().upper()
    try:
        return policy.people_visible_to(user, action).get(reference=reference)
    except Person.DoesNotExist:
        existing = Person.objects.filter(reference=reference).first()
        if existing is not None:
            from lantern.audit.services import audit_refusal

            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation=f"person.{action}",
                purpose="No relationship that allows it",
                subjects=[Subject.person(existing)],
            )
        raise


def source_record_for_edit(*, user, person: Person, record_id: int) -> SourceRecord:
    """The current record, if the user may edit it; SourceRecord.DoesNotExist otherwise.
    The form shows the record, so the look is recorded."""
    source = (
        policy.source_records_visible_to(user, "edit")
        .select_related("agency")
        .get(pk=record_id, person=person, is_current=True)
    )
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="source_record.edit_form",
        purpose=purpose_for(policy.person_relationships(user, person)),
        subjects=[Subject.person(person), Subject.of(source, person_id=person.pk)],
    )
    return source


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
    shown: bool  # False: the user learns only that the agency holds a record
    restricted: bool = False
    # As the reader may see them: without her address when it is hidden from them.
    summary: str = ""
    place: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class PersonFile:
    person: Person
    source_records: list[SourceRecord]  # the records the user may read in full
    withheld_holders: list[str]  # agencies holding a record not shared with the user
    editable_ids: set[int]  # the records the user may correct
    relationships: list[RelationshipView]
    timeline: list[EventView]
    disagreements: dict[str, list[tuple[str, str]]]
    purpose: str
    masked_addresses: int
    access: frozenset[str]  # the user's relationships to the person
    address_hidden: bool = False  # her safe-contact settings hide every address of hers


@transaction.atomic
def person_file(
    *, user, person: Person, action: str = "view", timeline_limit: int = 200
) -> PersonFile:
    """Everything the user may see about a person, from every agency, audited."""
    held = list(
        person.source_records.filter(is_current=True)
        .select_related("agency")
        .prefetch_related("identifiers", Prefetch("addresses", queryset=Address.objects.all()))
        .order_by("agency__name")
    )
    readable_ids = set(
        policy.source_records_visible_to(user, action)
        .filter(person=person, is_current=True)
        .values_list("pk", flat=True)
    )
    records = [r for r in held if r.pk in readable_ids]
    withheld_holders = sorted(
        {
            r.agency.name
            for r in held
            if r.pk not in readable_ids and r.sensitivity != Sensitivity.SEALED
        }
    )
    access = policy.person_relationships(user, person)
    mask = address_mask(user=user, person_ids=[person.pk])
    hidden = mask.hides(person.pk)
    masked = 0
    for record in records:
        record.shown_addresses = policy.addresses_shown(user, record, access, hidden=hidden)
        record.shown_postcode = mask.postcode(person.pk, record.postcode)
        record.address_hidden = hidden
        if not hidden:
            masked += len(record.addresses.all()) - len(record.shown_addresses)

    relationships = _relationships(user, person)
    events = (
        Event.objects.filter(source_record__person=person)
        .select_related("event_type", "source_record__agency")
        .order_by("-occurred_at")[:timeline_limit]
    )
    readable_events = set(
        policy.events_visible_to(user, action)
        .filter(source_record__person=person)
        .values_list("pk", flat=True)
    )
    timeline = []
    for event in events:
        shown = event.pk in readable_events
        if not shown and event.sensitivity == Sensitivity.SEALED:
            continue
        timeline.append(
            EventView(
                event if shown else None,
                event.occurred_at,
                event.source_record.agency.name,
                shown,
                restricted=event.sensitivity == Sensitivity.RESTRICTED,
                summary=mask.text(person.pk, event.summary) if shown else "",
                place=mask.place(person.pk, event.place) if shown else "",
                postcode=mask.postcode(person.pk, event.postcode) if shown else "",
            )
        )
    purpose = purpose_for(access)
    _audit_file(
        user,
        person,
        records,
        [v.event for v in timeline if v.shown],
        relationships,
        purpose,
        operation=f"person.{action}",
    )
    return PersonFile(
        person=person,
        source_records=records,
        withheld_holders=withheld_holders,
        editable_ids=set(
            policy.source_records_visible_to(user, "edit")
            .filter(person=person, is_current=True)
            .values_list("pk", flat=True)
        ),
        relationships=relationships,
        timeline=timeline,
        disagreements=_disagreements(records),
        purpose=purpose,
        masked_addresses=masked,
        access=frozenset(access),
        address_hidden=hidden,
    )


def _relationships(user, person: Person) -> list[RelationshipView]:
    outgoing = Relationship.objects.filter(person=person).select_related("related", "recorded_by")
    incoming = Relationship.objects.filter(related=person).select_related("person", "recorded_by")
    visible_ids = set(
        policy.people_visible_to(user, "list")
        .filter(pk__in=[r.related_id for r in outgoing] + [r.person_id for r in incoming])
        .values_list("pk", flat=True)
    )
    found = []
    for rel in outgoing:
        if rel.related_id in visible_ids:
            found.append(_relationship_view(rel.related, rel.kind, rel))
    for rel in incoming:
        if rel.person_id in visible_ids:
            inverse = RELATIONSHIP_INVERSE[RelationshipKind(rel.kind)]
            found.append(_relationship_view(rel.person, inverse, rel))
    return found


def _audit_file(user, person, records, events, relationships, purpose, *, operation) -> None:
    subjects = [Subject.person(person)]
    subjects += [Subject.of(r, person_id=person.pk) for r in records]
    subjects += [Subject.of(e, person_id=person.pk) for e in events]
    subjects += [Subject.person(r.other) for r in relationships]
    audit_record(
        actor=user, action=CONSULTATION, operation=operation, purpose=purpose, subjects=subjects
    )
    # Another agency's records shown to this user are a disclosure from that agency.
    own = user.agency.pk if user.agency else None
    by_agency: dict = {}
    for item in [*records, *events]:
        agency = item.agency if isinstance(item, SourceRecord) else item.source_record.agency
        if agency.pk != own:
            by_agency.setdefault(agency, []).append(item)
    for agency, items in by_agency.items():
        from lantern.access.selectors import agreement_between

        agreement = agreement_between(agency, user.agency)
        audit_record(
            actor=user,
            action="disclosure",
            operation=operation,
            purpose=purpose,
            recipient=f"{user} ({user.agency.name if user.agency else 'no agency'})",
            subjects=[Subject.of(i, person_id=person.pk) for i in items],
            detail={"from_agency": agency.code, "agreement": agreement.code if agreement else None},
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
        "Postcode": lambda r: r.shown_postcode,
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


@transaction.atomic
def recent_events(*, user, days: int = 30, limit: int = 12) -> list[Event]:
    """Recent events the user may list, about people they may list, audited.

    The front door sees what every agency recorded about people with an open
    referral; everyone else sees what their own agency recorded."""
    since = clock.now() - dt.timedelta(days=days)
    events = policy.events_visible_to(user, "view").filter(
        occurred_at__gte=since,
        source_record__is_current=True,
        source_record__person__in=policy.people_visible_to(user, "list"),
    )
    if not policy.is_front_door(user):
        events = events.filter(source_record__agency=user.agency)
    shown = list(
        events.select_related(
            "event_type", "source_record__agency", "source_record__person"
        ).order_by("-occurred_at")[:limit]
    )
    _mask_events(user, shown)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="home.recent_events",
        purpose="Recent events on the home page",
        subjects=[Subject.of(e, person_id=e.source_record.person_id) for e in shown]
        + [Subject.person(e.source_record.person) for e in shown],
    )
    return shown


def _mask_events(user, events: Sequence[Event], mask: AddressMask | None = None) -> None:
    """Give each event the summary and place the user may read (`shown_summary`,
    `shown_place`): without the address of a person whose addresses are hidden from them."""
    if mask is None:
        mask = address_mask(user=user, person_ids={e.source_record.person_id for e in events})
    for event in events:
        person_id = event.source_record.person_id
        event.shown_summary = mask.text(person_id, event.summary)
        event.shown_place = mask.place(person_id, event.place)


@transaction.atomic
def front_door_open(*, user, limit: int = 20) -> list[Person]:
    """People with a referral open at the user's front door, oldest first, audited."""
    if not policy.is_front_door(user):
        return []
    from lantern.access.models import AccessBasis

    now = clock.now()
    open_bases = AccessBasis.objects.filter(
        person=OuterRef("pk"), kind="front_door", starts_at__lte=now
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    people = list(
        policy.people_visible_to(user, "list")
        .filter(Exists(open_bases))
        .order_by("family_name", "given_name", "pk")[:limit]
    )
    if people:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="home.front_door",
            purpose="Referrals open at the front door",
            subjects=[Subject.person(p) for p in people],
        )
    return people


@dataclass(frozen=True)
class Holdings:
    people: int
    records_by_agency: list[tuple[str, str, int]]
    events_by_type: list[tuple[str, int]]
    restricted_records: int


def holdings_totals(*, since: dt.date) -> Holdings:
    """Totals only, never names: for the partnership, the scrutineer and the DPO."""
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
    """How many people the user's own agency holds a current record of (a count, no names)."""
    if not policy.sees_case_data(user):
        return 0
    return (
        policy.people_visible_to(user, "list")
        .filter(
            Exists(
                SourceRecord.objects.filter(
                    person=OuterRef("pk"), agency=user.agency, is_current=True
                )
            )
        )
        .count()
    )
