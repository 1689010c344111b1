"""Writes to the network: intelligence reports with their entities and links, flags, and
sanitised summaries shared with other agencies.

Every write is one transaction with its audit event: a refusal (a ValidationError keyed
by the field, rows numbered from 1 as people count them) leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from lantern.access import policy
from lantern.access.selectors import agreement_between
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.people.models import Person, Sensitivity

from . import analysis, grading, normalise
from .models import (
    Entity,
    EntityKind,
    IntelligenceReport,
    Link,
    LinkKind,
    Origin,
    PlaceType,
    SharedSummary,
)

TEXT_LIMIT = 8000
SOURCE_LIMIT = 200
LABEL_LIMIT = 150  # what someone types to name a place, a handle or an event
EARLIEST = dt.date(1950, 1, 1)


@dataclass
class EntityInput:
    """One entity a report names. `ref` is the report's own name for it (its links use it).
    Give `entity_id` for an entity already in Lantern, or `kind` and what identifies it:
    `value` (a registration, phone number, IMEI, handle, place name or event title),
    `person_reference` for a person, `platform` for an online account, `postcode` and
    `place_type` for a location, `on` for an event's date."""

    ref: str
    kind: str = ""
    value: str = ""
    person_reference: str = ""
    person: Person | None = None  # trusted callers only (taking reports from agency events)
    entity_id: int | None = None
    platform: str = ""
    postcode: str = ""
    place_type: str = ""
    on: dt.date | None = None
    details: dict = field(default_factory=dict)


@dataclass
class LinkInput:
    source: str
    target: str
    kind: str
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None


@dataclass
class ReportInput:
    observed_on: dt.date | None
    source_description: str
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    text: str
    entities: Sequence[EntityInput]
    links: Sequence[LinkInput]
    handling_conditions: str = ""
    sensitivity: str = Sensitivity.NORMAL


def may_record_intelligence(user) -> bool:
    """Whoever may edit their agency's intelligence (the table says: the police)."""
    return policy.holds_any(user, "edit", "intelligence")


def _next_reference() -> str:
    last = IntelligenceReport.objects.aggregate(n=Max("pk"))["n"] or 0
    return f"INT-{last + 1:06d}"


def _key_and_label(item: EntityInput, where: str) -> tuple[str, str, dict]:
    details = dict(item.details or {})
    try:
        if item.kind == EntityKind.VEHICLE:
            key, label = normalise.vehicle(item.value)
        elif item.kind == EntityKind.PHONE:
            key, label = normalise.phone(item.value)
        elif item.kind == EntityKind.HANDSET:
            key, label = normalise.handset(item.value)
        elif item.kind == EntityKind.ONLINE_ACCOUNT:
            key, label = normalise.online_account(item.value, item.platform)
            details["platform"] = item.platform.strip()
        elif item.kind == EntityKind.LOCATION:
            key, label = normalise.location(item.value, item.postcode)
            place_type = item.place_type or PlaceType.OTHER
            if place_type not in PlaceType.values:
                refuse(f"{where}.place_type", f"{place_type!r} is not a kind of place we record")
            details["place_type"] = place_type
        elif item.kind == EntityKind.EVENT:
            title = " ".join((item.value or "").split())
            if not title:
                raise ValueError("Enter what happened")
            if len(title) > LABEL_LIMIT:
                raise ValueError(f"Say what happened in at most {LABEL_LIMIT} characters")
            if item.on is None:
                raise ValueError("Enter the day the event happened")
            check_not_future(f"{where}.on", "The event's date", item.on)
            key = f"{item.on.isoformat()}|{title.lower()}"
            label = f"{title} ({item.on:%d %b %Y})"
            details["on"] = item.on.isoformat()
        else:
            kinds = ", ".join(EntityKind.values)
            refuse(f"{where}.kind", f"{item.kind!r} is not a kind of entity: use one of {kinds}")
    except ValueError as exc:
        refuse(f"{where}.value", str(exc))
    return key, label, details


def entity_resolve(*, actor, item: EntityInput, where: str = "entity") -> Entity:
    """The entity `item` describes: an existing one when it is already held (however it was
    typed), a new one otherwise. A person must be one the actor may see (with no actor, a
    report taken from an agency's own event, the person comes as `item.person`)."""
    if actor is None:
        if item.kind == EntityKind.PERSON:
            if item.person is None:
                refuse(f"{where}.person", "A report taken from an event names its people")
            return person_entity(item.person)
        if item.entity_id is not None:
            refuse(f"{where}.entity_id", "A report taken from an event names its entities")
    if item.entity_id is not None:
        found = Entity.objects.filter(pk=item.entity_id).first()
        if found is None or (
            found.person_id is not None
            and not policy.people_visible_to(actor, "view").filter(pk=found.person_id).exists()
        ):
            refuse(f"{where}.entity_id", f"There is no entity {item.entity_id} in Lantern")
        return found
    if item.kind == EntityKind.PERSON:
        reference = (item.person_reference or item.value or "").strip().upper()
        if not reference:
            refuse(f"{where}.person_reference", "Enter the person's Lantern reference")
        person = (
            policy.people_visible_to(actor, "view")
            .filter(reference=reference, merged_into__isnull=True)
            .first()
        )
        if person is None:
            refuse(
                f"{where}.person_reference",
                f"No person you can see has the reference {reference}: find them with the "
                "people search first",
            )
        return person_entity(person)
    key, label, details = _key_and_label(item, where)
    entity = Entity.objects.filter(kind=item.kind, key=key).first()
    if entity is not None:
        return entity
    try:
        with transaction.atomic():
            entity = Entity.objects.create(
                kind=item.kind, key=key, label=label, details=details, created_at=clock.now()
            )
    except IntegrityError:  # someone else added it a moment ago
        return Entity.objects.get(kind=item.kind, key=key)
    analysis.entity_created(entity)
    return entity


def person_entity(person: Person) -> Entity:
    """The person's entity, made the first time they are linked."""
    entity = Entity.objects.filter(person=person).first()
    if entity is None:
        entity = Entity.objects.create(
            kind=EntityKind.PERSON,
            key=person.reference,
            label=f"{person.given_name} {person.family_name}",
            person=person,
            created_at=clock.now(),
        )
        analysis.entity_created(entity)
    return entity


def _check_report(data: ReportInput) -> tuple[str, str, str]:
    check_required("observed_on", "the day it was seen or happened", data.observed_on)
    check_not_future("observed_on", "The day it was seen", data.observed_on)
    if data.observed_on < EARLIEST:
        refuse("observed_on", f"The day it was seen must be after {EARLIEST:%Y}")
    check_required(
        "source_description", "who or what the information came from", data.source_description
    )
    if len(data.source_description.strip()) > SOURCE_LIMIT:
        refuse("source_description", f"The source is at most {SOURCE_LIMIT} characters")
    check_required("text", "the report", data.text)
    if len(data.text) > TEXT_LIMIT:
        refuse("text", f"The report is at most {TEXT_LIMIT} characters")
    if data.sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"{data.sensitivity!r} is not normal, restricted or sealed")
    codes = grading.check(
        data.source_evaluation,
        data.intelligence_assessment,
        data.handling_code,
        data.handling_conditions,
    )
    if not data.entities:
        refuse("entities", "Name at least two entities the report links")
    if not data.links:
        refuse("links", "Say how the entities are linked: at least one link")
    refs = [e.ref for e in data.entities]
    for number, item in enumerate(data.entities, start=1):
        if not (item.ref or "").strip():
            refuse(f"entities[{number}].ref", "Give the entity a name the links can use")
        if item.ref in refs[: number - 1]:
            refuse(f"entities[{number}].ref", f"Another entity is already called {item.ref!r}")
    for number, link in enumerate(data.links, start=1):
        where = f"links[{number}]"
        for end in ("source", "target"):
            if getattr(link, end) not in refs:
                refuse(
                    f"{where}.{end}",
                    f"The link names {getattr(link, end)!r}, which is not an entity in this report",
                )
        if link.source == link.target:
            refuse(f"{where}.target", "A link joins two different entities")
        if link.kind not in LinkKind.values:
            refuse(f"{where}.kind", f"{link.kind!r} is not a kind of link we record")
        first = link.first_seen or data.observed_on
        check_not_future(f"{where}.first_seen", "The day first seen", first)
        check_order(
            f"{where}.last_seen", "The day last seen", first, link.last_seen, "the day first seen"
        )
        check_not_future(f"{where}.last_seen", "The day last seen", link.last_seen)
    return codes


@transaction.atomic
def report_submit(*, actor, data: ReportInput, origin: str = Origin.FORM) -> IntelligenceReport:
    """Record an intelligence report: its entities (matched to those already held), its
    links, the analysis kept current, audited as a collection."""
    if not may_record_intelligence(actor):
        refuse("agency", "Only the police record intelligence reports")
    return _record(actor=actor, agency=actor.agency, data=data, origin=origin)


@transaction.atomic
def report_from_event(*, event, data: ReportInput, tell_alerts: bool = True) -> IntelligenceReport:
    """Record the intelligence in an agency's own recorded event (a police sighting, a child
    found with an adult): the event's agency holds it, at the event's sensitivity, with no
    one as its submitter. Taken once per event: a second call returns the first report.
    People come as `EntityInput.person`, already known from the event. Events taken in
    bulk (a seeded borough, a backlog) leave the alert rules to `lantern alerts_raise`,
    which replays them with everything else (`tell_alerts=False`)."""
    existing = IntelligenceReport.objects.filter(origin_event=event).first()
    if existing is not None:
        return existing
    data.sensitivity = event.sensitivity
    return _record(
        actor=None,
        agency=event.source_record.agency,
        data=data,
        origin=Origin.EVENT,
        origin_event=event,
        tell_alerts=tell_alerts,
    )


def _record(*, actor, agency, data: ReportInput, origin: str, origin_event=None, tell_alerts=True):
    source_evaluation, assessment, handling = _check_report(data)
    report = IntelligenceReport.objects.create(
        reference=_next_reference(),
        agency=agency,
        submitted_by=actor,
        submitted_at=clock.now(),
        observed_on=data.observed_on,
        source_description=data.source_description.strip(),
        source_evaluation=source_evaluation,
        intelligence_assessment=assessment,
        handling_code=handling,
        handling_conditions=data.handling_conditions.strip() if handling == "C" else "",
        text=data.text.strip(),
        sensitivity=data.sensitivity,
        origin=origin,
        origin_event=origin_event,
    )
    entities = {
        item.ref: entity_resolve(actor=actor, item=item, where=f"entities[{number}]")
        for number, item in enumerate(data.entities, start=1)
    }
    links = []
    for number, item in enumerate(data.links, start=1):
        source, target = entities[item.source], entities[item.target]
        if source.pk == target.pk:
            refuse(f"links[{number}].target", "Both ends of this link are the same entity")
        link = Link.objects.create(
            report=report,
            source=source,
            target=target,
            kind=item.kind,
            first_seen=item.first_seen or data.observed_on,
            last_seen=item.last_seen,
            agency=report.agency,
            sensitivity=report.sensitivity,
        )
        analysis.link_added(link)
        links.append(link)
    people = [e.person_id for e in entities.values() if e.person_id is not None]
    audit_record(
        actor=actor,
        action="collection",
        operation="network.report.submit",
        purpose="Intelligence recorded",
        subjects=[Subject.of(report)] + [Subject("people.person", pk, pk) for pk in people],
        detail={
            "reference": report.reference,
            "grading": report.grading,
            "origin": origin,
            "entities": len(entities),
            "links": len(links),
        },
    )
    if tell_alerts:
        _tell_alerts(links)
    return report


def _tell_alerts(links: list[Link]) -> None:
    """New links feed the early-identification rules."""
    from lantern.alerts.intake import links_arrived  # alerts build on the network

    links_arrived(links)


@transaction.atomic
def entity_flag(*, actor, entity: Entity, flagged: bool, reason: str) -> Entity:
    """Mark (or unmark) a person posing a risk or a location of concern."""
    if not may_record_intelligence(actor):
        refuse("flagged", "Only the police flag people and places in the network")
    reason = " ".join((reason or "").split())
    if flagged and not reason:
        refuse("flag_reason", "Say why: for example, the MACE meeting that agreed it")
    if len(reason) > 300:
        refuse("flag_reason", "The reason is at most 300 characters")
    entity.flagged, entity.flag_reason = flagged, reason if flagged else ""
    entity.save(update_fields=["flagged", "flag_reason"])
    audit_record(
        actor=actor,
        action="alteration",
        operation="network.entity.flag" if flagged else "network.entity.unflag",
        purpose=reason or "Flag removed",
        subjects=[Subject.of(entity, person_id=entity.person_id)],
        detail={"kind": entity.kind, "flagged": flagged},
    )
    return entity


@transaction.atomic
def summary_share(
    *, actor, report: IntelligenceReport, recipient, text: str, links: Sequence[Link]
) -> SharedSummary:
    """Share a sanitised summary of a report with another agency, under the agreement in
    force between them. The report's handling conditions travel with it; a report graded
    5 (suspected false) is not shared. Audited as a disclosure to the recipient."""
    if not policy.can(actor, "edit", report):
        refuse("report", "You cannot share this report")
    if recipient is None:
        refuse("recipient", "Choose the agency to share with")
    if recipient.pk == report.agency_id:
        refuse("recipient", "The report is already held by that agency")
    agreement = agreement_between(report.agency, recipient)
    if agreement is None:
        refuse(
            "recipient",
            f"No information-sharing agreement in force covers sharing with {recipient.name}",
        )
    if report.intelligence_assessment == "5":
        refuse("report", "Intelligence suspected to be false (graded 5) is not shared")
    text = (text or "").strip()
    if not text:
        refuse(
            "text",
            "Write the summary the agency will see: what they need to know, without the source",
        )
    if len(text) > TEXT_LIMIT:
        refuse("text", f"The summary is at most {TEXT_LIMIT} characters")
    links = list(links)
    foreign = [link.pk for link in links if link.report_id != report.pk]
    if foreign:
        refuse("links", f"Link {foreign[0]} is not part of report {report.reference}")
    from .selectors import readable_entities  # reads build on these writes' models

    ends = {e.pk: e for link in links for e in (link.source, link.target)}
    unseen = set(ends) - readable_entities(actor, ends)
    if unseen:
        refuse("links", "A link names a person you may not see: it cannot be shared by you")
    summary = SharedSummary.objects.create(
        report=report,
        agency=report.agency,
        recipient=recipient,
        agreement=agreement,
        text=text,
        conditions=report.handling_conditions,
        shared_by=actor,
        shared_at=clock.now(),
        sensitivity=Sensitivity.NORMAL,
    )
    summary.links.set(links)
    people = sorted(
        {
            pk
            for link in links
            for pk in (link.source.person_id, link.target.person_id)
            if pk is not None
        }
    )
    audit_record(
        actor=actor,
        action="disclosure",
        operation="network.summary.share",
        purpose=agreement.purpose[:200] or agreement.title,
        subjects=[Subject.of(report), Subject.of(summary)]
        + [Subject("people.person", pk, pk) for pk in people],
        recipient=recipient.name,
        detail={
            "agreement": agreement.code,
            "report": report.reference,
            "links": len(links),
            "handling_code": report.handling_code,
        },
    )
    return summary


@transaction.atomic
def summary_withdraw(*, actor, summary: SharedSummary, reason: str) -> SharedSummary:
    if not policy.can(actor, "edit", summary.report):
        refuse("summary", "You cannot withdraw this summary")
    if summary.withdrawn_at is not None:
        refuse("summary", "This summary was already withdrawn")
    check_required("reason", "why the summary is withdrawn", reason)
    summary.withdrawn_at = clock.now()
    summary.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=actor,
        action="alteration",
        operation="network.summary.withdraw",
        purpose=reason.strip()[:200],
        subjects=[Subject.of(summary)],
        recipient=summary.recipient.name,
    )
    return summary


def people_merged(*, mapping: dict[int, int]) -> None:
    """Linkage merged people (old person id -> the person kept): a merged person's links
    move to the kept person's entity, so the network holds each person once."""
    for old, new in mapping.items():
        gone = Entity.objects.filter(person_id=old).first()
        if gone is None:
            continue
        kept = Entity.objects.filter(person_id=new).first()
        if kept is None:
            continue  # the person's row is re-pointed with every other foreign key
        between = Q(source=gone, target=kept) | Q(source=kept, target=gone)
        Link.objects.filter(between).delete()  # a person seen with themselves says nothing
        Link.objects.filter(source=gone).update(source=kept)
        Link.objects.filter(target=gone).update(target=kept)
        Entity.objects.filter(component=gone.component).update(component=kept.component)
        gone.delete()
