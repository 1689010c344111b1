"""Feeding the network from what the police already record.

The police record, as events against their own records of people, most of what a problem
profile needs: the adult seen driving a car near a takeaway, the child found in that car
in the early hours, the hotel a missing child was found at. `events_taken(events)` turns
each such event into an intelligence report (origin "event", `services.report_from_event`)
naming the people, vehicles and places it mentions, linked as the event says they were
seen together. Nobody types anything twice, and the network starts from what is known.

Which events carry network facts (recorded by a police force or a national police unit;
any other agency's events, and other kinds of event, are left alone):

- `intelligence_report`: its subject (the record's person) `drives` the vehicle named in
  `details["vehicle"]` and was seen `at_location` the place (`place`, or
  `details["place"]`); the vehicle was seen there too (`at_location`), when both are
  named. An intelligence report naming neither (about weapons, say) has nothing to link.
- `found_with_adult`: the child (the record's person) `found_with` the adult named in
  `details["adult"]` and `details["adult_dob"]`, `in_vehicle` the vehicle (the adult too),
  and `found_at` the place. The adult is looked for among the same agency's own current
  records (`adult_find`); when no record, or more than one person, answers to the name and
  date of birth, the report still links the child, the vehicle and the place, and says in
  its text that the adult was not identified.
- `missing_episode`: the child `found_at` the place in `details["found_at"]` (or, with no
  such detail, `at_location` the event's `place`). An episode with no place says nothing
  about the network.

Grading (3x5x2): an intelligence report's own grading in `details["grading"]` ("B2"; a
third letter, when given, is its handling code, P otherwise). An intelligence report
with no grading is graded B4P (`UNGRADED`): an untested source, and no telling how they
know. A found-with or missing-episode record is the officers' own account of where they
found the child and with whom: A1P (`OFFICERS_OWN`), a professional source with no reason
to doubt it who saw it themselves. The report's sensitivity is the event's.

Places: a place's type comes from `details["place_type"]` when the event gives one, else
"other".

Taking an event twice does nothing: each event gives at most one report
(`report_from_event` is idempotent by origin event) and `events_taken` leaves out the
events already taken in one query. An event whose facts are refused (a registration that
is not one) loses only that fact: the rest of it is still taken, and the report says what
was left out. A report refused as a whole (a ValidationError) is logged and counted, and
the event itself is still recorded: the network never stops an agency recording a fact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lantern.partners.models import AgencyKind
from lantern.people.models import Event, Person, SourceRecord

from . import normalise
from .models import EntityKind, IntelligenceReport, LinkKind, PlaceType

log = logging.getLogger(__name__)

POLICE_KINDS = (AgencyKind.POLICE, AgencyKind.NATIONAL_POLICE_UNIT)
EVENT_TYPES = ("intelligence_report", "found_with_adult", "missing_episode")
UNGRADED = "B4P"
OFFICERS_OWN = "A1P"


@dataclass
class Taken:
    """What one call took: the reports made, and the events refused with the reason."""

    reports: list[IntelligenceReport] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    without_facts: int = 0  # events of the right kind that name no one else, no car, no place
    already: int = 0  # events taken before


# ---------------------------------------------------------------- which events
def is_candidate(event: Event) -> bool:
    return (
        event.event_type.code in EVENT_TYPES
        and event.source_record.agency.kind in POLICE_KINDS
        and event.source_record.person_id is not None
    )


def events_not_taken():
    """Every police event of the kinds that carry network facts, not taken yet, oldest
    first (for `lantern network_ingest`)."""
    return (
        Event.objects.filter(
            event_type__code__in=EVENT_TYPES,
            source_record__agency__kind__in=POLICE_KINDS,
            source_record__person__isnull=False,
            intelligence_report__isnull=True,
        )
        .select_related("event_type", "source_record__agency", "source_record__person")
        .order_by("occurred_at", "pk")
    )


# ---------------------------------------------------------------- the adult named
def _words(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


def adult_find(*, agency_id: int, name: str, born: dt.date | None, exclude: int | None = None):
    """The person id the agency's own current records hold under this name and date of
    birth, or None when none does, or when several different people do.

    Records carry the slips real records carry, so after an exact match (name and date of
    birth) this accepts, when only one person answers: the same date of birth with the
    same family name or the same given name (a typo or a short name in the other), or the
    name the other way round; or the same full name with no date of birth recorded, or
    with the day and month swapped."""
    words = _words(name).split()
    if len(words) < 2:
        return None
    given, family = words[0], words[-1]
    records = SourceRecord.objects.filter(agency_id=agency_id, is_current=True).exclude(
        person__isnull=True
    )
    if exclude is not None:
        records = records.exclude(person_id=exclude)
    fields = ("person_id", "given_name", "family_name", "date_of_birth")
    others: list[dt.date] = []
    if born is None:
        rows = records.filter(family_name__iexact=family).values_list(*fields)
    else:
        if born.day <= 12 and born.day != born.month:
            others.append(dt.date(born.year, born.day, born.month))
        rows = records.filter(
            Q(date_of_birth__in=[born, *others])
            | Q(date_of_birth__isnull=True, family_name__iexact=family)
        ).values_list(*fields)
    exact, close = set(), set()
    for person_id, record_given, record_family, record_born in rows:
        g, f = _words(record_given), _words(record_family)
        same_name = (g, f) == (given, family)
        if record_born == born:
            if same_name:
                exact.add(person_id)
            elif f == family or g == given or (g, f) == (family, given):
                close.add(person_id)
        elif same_name and (born is None or record_born is None or record_born in others):
            close.add(person_id)
    for found in (exact, close):
        if found:
            return next(iter(found)) if len(found) == 1 else None  # two: say so, never guess
    return None


# ---------------------------------------------------------------- one event
def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _grading(event: Event) -> str:
    if event.event_type.code != "intelligence_report":
        return OFFICERS_OWN
    given = "".join(str(event.details.get("grading") or "").split()).upper()
    if len(given) == 2:
        return given + "P"
    if len(given) == 3:
        return given
    return UNGRADED


def _place_type(given: str = "") -> str:
    return given if given in PlaceType.values else PlaceType.OTHER


class _Facts:
    """The entities and links one event names, built up as they are checked."""

    def __init__(self):
        self.entities: list = []
        self.links: list = []
        self.notes: list[str] = []
        self.refs: set[str] = set()

    def add(self, item) -> str:
        self.entities.append(item)
        self.refs.add(item.ref)
        return item.ref

    def link(self, source: str | None, target: str | None, kind: str, on: dt.date) -> None:
        from .services import LinkInput

        if source in self.refs and target in self.refs:
            self.links.append(LinkInput(source, target, kind, first_seen=on))


def _vehicle(facts: _Facts, value) -> str | None:
    from .services import EntityInput

    value = str(value or "").strip()
    if not value:
        return None
    try:
        normalise.vehicle(value)
    except ValueError as exc:
        facts.notes.append(f"The vehicle {value!r} was left out: {exc}.")
        return None
    return facts.add(EntityInput("vehicle", kind=EntityKind.VEHICLE, value=value))


def _place(facts: _Facts, name, postcode: str = "", place_type: str = "") -> str | None:
    from .services import EntityInput

    name = " ".join(str(name or "").split())
    if not name:
        return None
    try:
        normalise.location(name)
    except ValueError as exc:
        facts.notes.append(f"The place {name!r} was left out: {exc}.")
        return None
    try:
        normalise.location(name, postcode)
    except ValueError:
        postcode = ""  # a postcode that is not one: the place by its name alone
    return facts.add(
        EntityInput(
            "place",
            kind=EntityKind.LOCATION,
            value=name,
            postcode=postcode,
            place_type=_place_type(place_type),
        )
    )


def report_input(event: Event):
    """The report an event gives (services.ReportInput), or None if it names nothing the
    network links."""
    from .services import EntityInput, ReportInput

    record, code, details = event.source_record, event.event_type.code, event.details or {}
    facts = _Facts()
    subject = facts.add(EntityInput("subject", kind=EntityKind.PERSON, person=record.person))
    observed = _day(event.occurred_at)
    place_type = str(details.get("place_type") or "")
    if code == "intelligence_report":
        vehicle = _vehicle(facts, details.get("vehicle"))
        place = _place(facts, event.place or details.get("place"), event.postcode, place_type)
        facts.link(subject, vehicle, LinkKind.DRIVES, observed)
        facts.link(subject, place, LinkKind.AT_LOCATION, observed)
        facts.link(vehicle, place, LinkKind.AT_LOCATION, observed)
    elif code == "found_with_adult":
        adult = None
        name = " ".join(str(details.get("adult") or "").split())
        if name:
            born = None
            with contextlib.suppress(ValueError):
                born = dt.date.fromisoformat(str(details.get("adult_dob") or ""))
            found = adult_find(
                agency_id=record.agency_id, name=name, born=born, exclude=record.person_id
            )
            if found is None:
                facts.notes.append(
                    f"The adult named ({name}"
                    + (f", born {born:%d %B %Y}" if born else "")
                    + f") was not identified among {record.agency.name}'s records: not linked."
                )
            else:
                adult = facts.add(
                    EntityInput(
                        "adult", kind=EntityKind.PERSON, person=Person.objects.get(pk=found)
                    )
                )
        vehicle = _vehicle(facts, details.get("vehicle"))
        place = _place(facts, event.place or details.get("place"), event.postcode, place_type)
        facts.link(subject, adult, LinkKind.FOUND_WITH, observed)
        facts.link(subject, vehicle, LinkKind.IN_VEHICLE, observed)
        facts.link(adult, vehicle, LinkKind.IN_VEHICLE, observed)
        facts.link(subject, place, LinkKind.FOUND_AT, observed)
    elif code == "missing_episode":
        found_at = details.get("found_at")
        observed = _day(event.ended_at) or observed
        place = _place(facts, found_at or event.place, event.postcode, place_type)
        facts.link(
            subject, place, LinkKind.FOUND_AT if found_at else LinkKind.AT_LOCATION, observed
        )
    if not facts.links:
        return None
    grading = _grading(event)
    text = " ".join(
        [
            f"{event.event_type.name} recorded by {record.agency.name} on "
            f"{observed:%d %B %Y}: {event.summary}",
            *facts.notes,
        ]
    )
    return ReportInput(
        observed_on=observed,
        source_description=f"{record.agency.name}: {event.event_type.name.lower()} "
        f"(record {record.local_id})"[:200],
        source_evaluation=grading[0],
        intelligence_assessment=grading[1],
        handling_code=grading[2],
        handling_conditions=str(details.get("handling_conditions") or ""),
        text=text,
        entities=facts.entities,
        links=facts.links,
        sensitivity=event.sensitivity,
    )


# ---------------------------------------------------------------- many events
def events_taken(events: Iterable[Event], *, tell_alerts: bool = True) -> Taken:
    """Take each police event that carries network facts into the network (see the
    module's docstring). Other events are ignored; events already taken are left alone.
    Taken in bulk, `tell_alerts=False` leaves the alert rules to `lantern alerts_raise`."""
    from . import services

    taken = Taken()
    chosen = [e for e in events if is_candidate(e)]
    if not chosen:
        return taken
    done = set(
        IntelligenceReport.objects.filter(origin_event__in=[e.pk for e in chosen]).values_list(
            "origin_event_id", flat=True
        )
    )
    for event in chosen:
        if event.pk in done:
            taken.already += 1
            continue
        data = report_input(event)
        if data is None:
            taken.without_facts += 1
            continue
        try:
            with transaction.atomic():
                report = services.report_from_event(event=event, data=data, tell_alerts=tell_alerts)
        except ValidationError as exc:
            reason = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            taken.refused[event.pk] = reason
            log.warning("Event %s not taken into the network: %s", event.pk, reason)
            continue
        if report is not None:
            taken.reports.append(report)
        done.add(event.pk)
    return taken
