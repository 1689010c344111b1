"""Facts for the rule engine, read from what the agencies recorded.

- `from_events(events)`: people.Event rows as facts. The fact's person is the source
  record's person; a record not yet linked to a person gives no fact.
- `from_assessments(assessments)`: completed risk tools (lantern.risk) as facts of kind
  "risk_assessment", with details {"tool", "version", "level", "score", "routes"}.
- `from_links(links)`: network links (lantern.network Link rows) as facts of kind
  "network_link", one for each PERSON at an end of the link (a link between a child and
  a car is a fact about the child; between a child and an adult, one about each). See
  "Network links" below.
- `history(since=, until=, kinds=)`: every fact in time order, streamed from the database
  in chunks, events, completed risk tools and network links merged: what a back-test
  replays.
- `households()`: the children living at an address on a date, for rules about the
  children at an address; built once, in memory, from the current source records.
- `children_at_risk(people, on)` and `risk_history()`: which children were AT RISK on a
  day, the one definition the rules use (see "Children at risk" below).

Two things every fact carries in its details, because Fact's fields are fixed:

- `born`: the person's date of birth (Person.date_of_birth, the preferred view) as an ISO
  date, for rules about children (under 18 on the day of the fact). It replaces any "born"
  an agency put in an event's details.
- `address`: where it happened, as an address key ("14 ACACIA AVENUE|KF11AA"), when it can
  be told: the event's postcode (or, when the event has none, the record's) matched to the
  address the agency held for the person on that day. A postcode covers a dozen or so
  homes, so "a domestic incident where children live" must not mean every child in the
  postcode; only a fact whose address cannot be told falls back to its postcode. A risk
  tool's address is the person's, from their most recently received current record.

A fact's `postcode` is the event's, else the record's. Facts are the engine's input only:
reading them checks no access and writes no audit. Whatever is shown to a person from them
goes through the alerts' selectors.

Network links. A link's day is the last day the two were seen together (`last_seen`, else
`first_seen`); the fact happens at the start of that day (UK time), is held by the link's
agency (the police force whose report it is) with the link's sensitivity, and cites
("network.link", pk). Its details: `born` (the person's), `entity` (the person's network
entity), `link_kind`, `first_seen`, and about the other end: `other` (its entity id: the
value a rule shares by, "linked to the same adult"), `other_kind` (person, vehicle,
phone...), and for a person `other_person` (their person id) and, when their date of birth
is known, `other_adult` (true when 18 or over on the link's day).

Children at risk. One definition, here, for the rules that count the other children around
someone only when they are at risk (a condition's `others_at_risk`). A person is a child at
risk on a day when they are under 18 that day (by Person.date_of_birth: unknown is not a
child) and, that day, at least one of:

1. an alert about them, raised within the AT_RISK_DAYS before, that was not dismissed by
   then (open, acknowledged or acted on: someone was worried enough to act). Alerts raised
   on network links do not count: otherwise one child's links would make another child "at
   risk", and the network rule would feed on itself;
2. a child exploitation screening or domestic abuse risk checklist about them at a high
   level (the level that counts, as the rules see it), completed within AT_RISK_DAYS before;
3. a child protection plan open that day.

The live flow asks about today (what is known now); a back-test asks about each day it
replays, from the same records (`risk_history()`), so it does not see a risk recorded after
the day it is looking at.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from lantern.alerts.engine import Fact, postcode_key
from lantern.alerts.rules import CHILD_AGE, NETWORK_LINK, RISK_ASSESSMENT

CHUNK = 5000
EVENT_SOURCE = "people.event"
ASSESSMENT_SOURCE = "risk.assessment"
LINK_SOURCE = "network.link"
# Children at risk (see the module's docstring): how long an alert or a high risk tool
# keeps a child at risk, and which tools at which level count.
AT_RISK_DAYS = 365
AT_RISK_TOOLS = ("child_exploitation_screening", "domestic_abuse_risk")
AT_RISK_LEVEL = "high"
_NOT_WORDS = re.compile(r"[^\w]+")


def address_key(line1: str, postcode: str) -> str:
    """An address as a lookup key: the first line without punctuation or case, and the
    postcode without spaces ("Flat 2, 14 Acacia Ave." -> "FLAT 2 14 ACACIA AVE|KF11AA")."""
    return f"{' '.join(_NOT_WORDS.sub(' ', line1).split()).upper()}|{postcode_key(postcode)}"


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _valid_on(valid_from, valid_to, day: dt.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day < valid_to)


class _AddressBook:
    """The addresses source records hold, read a chunk of records at a time and kept, so a
    record met again in a later chunk costs nothing: record -> [(postcode key, address
    key, valid from, valid to)]."""

    KEEP = 200_000

    def __init__(self):
        self.held: dict[int, list[tuple]] = {}

    def load(self, record_ids: Iterable[int]) -> None:
        from lantern.people.models import Address

        wanted = set(record_ids)
        ids = sorted(wanted - self.held.keys())
        if len(self.held) + len(ids) > self.KEEP:
            self.held.clear()  # memory stays bounded; a record met again is read again
            ids = sorted(wanted)
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            for record in part:
                self.held[record] = []
            rows = Address.objects.filter(source_record_id__in=part).exclude(line1="")
            for record, line1, postcode, valid_from, valid_to in rows.values_list(
                "source_record_id", "line1", "postcode", "valid_from", "valid_to"
            ):
                self.held[record].append(
                    (postcode_key(postcode), address_key(line1, postcode), valid_from, valid_to)
                )

    def address(self, record: int, postcode: str, at: dt.datetime) -> str | None:
        """The key of the address the record held at `postcode` (any, when blank) on the
        day of `at`."""
        wanted = postcode_key(postcode)
        for key, address, valid_from, valid_to in self.held.get(record, ()):
            if wanted and key != wanted:
                continue
            if valid_from is None and valid_to is None:
                return address
            if _valid_on(valid_from, valid_to, local_day(at)):
                return address
        return None


def local_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on where the partnership is (settings.TIME_ZONE)."""
    return moment.astimezone(_zone()).date()


@functools.cache
def _zone():
    return timezone.get_default_timezone()


# ---------------------------------------------------------------------- events

_EVENT_COLUMNS = (
    "id",
    "event_type__code",
    "occurred_at",
    "ended_at",
    "postcode",
    "details",
    "sensitivity",
    "source_record_id",
    "source_record__person_id",
    "source_record__agency_id",
    "source_record__postcode",
    "source_record__person__date_of_birth",
)


def _event_facts(rows: list, book: _AddressBook | None = None) -> list[Fact]:
    book = book or _AddressBook()
    book.load(row[7] for row in rows)
    made = []
    for row in rows:
        (pk, kind, at, ended_at, postcode, details, sensitivity, record, person, agency) = row[:10]
        home, born = row[10:]
        details = dict(details) if isinstance(details, dict) else {}
        details.pop("born", None)
        details.pop("address", None)
        if born:
            details["born"] = born.isoformat()
        place = postcode or home or ""
        address = book.address(record, place, at)
        if address:
            details["address"] = address
        made.append(
            Fact(
                person_id=person,
                kind=kind,
                at=at,
                agency_id=agency,
                source=(EVENT_SOURCE, pk),
                sensitivity=sensitivity,
                postcode=place,
                ended_at=ended_at,
                details=details,
            )
        )
    return made


def _order(fact: Fact):
    return (fact.at, fact.source)


def _events():
    from lantern.people.models import Event

    return Event.objects.filter(source_record__person__isnull=False)


def from_events(events: QuerySet | Iterable) -> list[Fact]:
    """people.Event rows (a queryset, or saved Event objects) as facts, oldest first.
    Events whose source record is not linked to a person are left out."""
    if isinstance(events, QuerySet):
        rows = events.filter(source_record__person__isnull=False).values_list(*_EVENT_COLUMNS)
        found = [f for chunk in _chunks(rows.iterator(CHUNK), CHUNK) for f in _event_facts(chunk)]
        return sorted(found, key=_order)
    pks = sorted({e.pk for e in events})
    found = []
    for start in range(0, len(pks), CHUNK):
        rows = _events().filter(pk__in=pks[start : start + CHUNK]).values_list(*_EVENT_COLUMNS)
        found.extend(_event_facts(list(rows)))
    return sorted(found, key=_order)


# ---------------------------------------------------------------------- risk tools


def assessment_model():
    """lantern.risk.models.Assessment, or None while the risk app has no such model."""
    try:
        from lantern.risk.models import Assessment
    except ImportError:
        return None
    return Assessment


_ASSESSMENT_COLUMNS = (
    "id",
    "person_id",
    "tool",
    "tool_version",
    "level",
    "score",
    "routes",
    "completed_at",
    "agency_id",
    "person__date_of_birth",
)


def _homes(person_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Each person's postcode and record, from their most recently received current record
    that has a postcode."""
    from lantern.people.models import SourceRecord

    ids = sorted(set(person_ids))
    latest: dict[int, tuple[str, int]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = (
            SourceRecord.objects.filter(person_id__in=ids[start : start + CHUNK], is_current=True)
            .exclude(postcode="")
            .order_by("person_id", "-received_at", "-id")
            .values_list("person_id", "id", "postcode")
        )
        for person, record, postcode in rows:
            latest.setdefault(person, (postcode, record))
    return latest


def _assessment_facts(rows: list, book: _AddressBook | None = None) -> list[Fact]:
    homes = _homes(row[1] for row in rows)
    book = book or _AddressBook()
    book.load(record for _, record in homes.values())
    made = []
    for pk, person, tool, version, level, score, routes, at, agency, born in rows:
        details = {
            "tool": tool,
            "version": version,
            "level": level,
            "score": score,
            "routes": list(routes or []),
        }
        if born:
            details["born"] = born.isoformat()
        postcode, record = homes.get(person, ("", 0))
        address = book.address(record, postcode, at) if postcode else None
        if address:
            details["address"] = address
        made.append(
            Fact(
                person_id=person,
                kind=RISK_ASSESSMENT,
                at=at,
                agency_id=agency,
                source=(ASSESSMENT_SOURCE, pk),
                postcode=postcode,
                details=details,
            )
        )
    return made


def from_assessments(assessments: QuerySet | Iterable) -> list[Fact]:
    """Completed risk tools (Assessment rows or a queryset of them) as facts, oldest first.
    The level is the one that counts: while a lower level waits for a manager's approval,
    the tool's own level (lantern.risk keeps it so in `level`)."""
    model = assessment_model()
    if model is None:
        return []
    if not isinstance(assessments, QuerySet):
        assessments = model.objects.filter(pk__in=sorted({a.pk for a in assessments}))
    return sorted(
        _assessment_facts(list(assessments.values_list(*_ASSESSMENT_COLUMNS))), key=_order
    )


# ---------------------------------------------------------------------- network links

_LINK_COLUMNS = (
    "id",
    "kind",
    "first_seen",
    "last_seen",
    "agency_id",
    "sensitivity",
    "source_id",
    "source__kind",
    "source__person_id",
    "source__person__date_of_birth",
    "target_id",
    "target__kind",
    "target__person_id",
    "target__person__date_of_birth",
)


def _links():
    """Links with a person at one end at least (the others are about no one), with their
    day: the last day seen together."""
    from lantern.network.models import Link

    return Link.objects.filter(
        Q(source__person__isnull=False) | Q(target__person__isnull=False)
    ).annotate(day=Coalesce("last_seen", "first_seen"))


def _first_day_from(moment: dt.datetime) -> dt.date:
    """The first day whose start (UK time) is at or after `moment`."""
    day = local_day(moment)
    return day if _start_of(day) >= moment else day + dt.timedelta(days=1)


def _is_child_on(born: dt.date, day: dt.date) -> bool:
    return _eighteen_years_before(day) < born <= day


def _link_facts(rows: list, book=None) -> list[Fact]:
    """Rows of _LINK_COLUMNS as facts, one for each person end (`book`, the address book
    events and risk tools use, is not needed: a link has no address)."""
    made = []
    for row in rows:
        pk, kind, first_seen, last_seen, agency, sensitivity = row[:6]
        ends = (row[6:10], row[10:14])
        day = last_seen or first_seen
        at = _start_of(day)
        for mine, other in (ends, ends[::-1]):
            entity, _, person, born = mine
            if person is None:
                continue
            other_entity, other_kind, other_person, other_born = other
            details = {
                "entity": entity,
                "link_kind": kind,
                "first_seen": first_seen.isoformat(),
                "other": other_entity,
                "other_kind": other_kind,
            }
            if born:
                details["born"] = born.isoformat()
            if other_person is not None:
                details["other_person"] = other_person
                if other_born:
                    details["other_adult"] = not _is_child_on(other_born, day)
            made.append(
                Fact(
                    person_id=person,
                    kind=NETWORK_LINK,
                    at=at,
                    agency_id=agency,
                    source=(LINK_SOURCE, pk),
                    sensitivity=sensitivity,
                    details=details,
                )
            )
    return made


def from_links(links: QuerySet | Iterable) -> list[Fact]:
    """Network links (a queryset, or saved Link objects) as facts, oldest first: one for
    each person at an end of each link."""
    if isinstance(links, QuerySet):
        rows = links.values_list(*_LINK_COLUMNS)
        found = [f for chunk in _chunks(rows.iterator(CHUNK), CHUNK) for f in _link_facts(chunk)]
        return sorted(found, key=_order)
    from lantern.network.models import Link

    pks = sorted({link.pk for link in links})
    found = []
    for start in range(0, len(pks), CHUNK):
        rows = Link.objects.filter(pk__in=pks[start : start + CHUNK]).values_list(*_LINK_COLUMNS)
        found.extend(_link_facts(list(rows)))
    return sorted(found, key=_order)


def links_touching(entity_ids: Iterable[int], *, low: dt.date, high: dt.date) -> list[Fact]:
    """The facts of every link with one of these entities at an end, seen (its day)
    between `low` and `high`: what the live flow reads to complete a rule about the people
    around an adult (or a car, or a phone) with a new link."""
    ids = sorted(set(entity_ids))
    found: list[Fact] = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        links = _links().filter(
            Q(source_id__in=part) | Q(target_id__in=part), day__gte=low, day__lte=high
        )
        found.extend(from_links(links))
    unique = {(f.source, f.person_id): f for f in found}  # a link between two of them
    return sorted(unique.values(), key=_order)


# ---------------------------------------------------------------------- history


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def history(
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    kinds: Iterable[str] | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[Fact]:
    """Every fact in time order (ties by source), streamed in chunks: events, completed
    risk tools and network links, from `since` up to the end of `until` (dates are whole
    local days; datetimes are exact, `until` exclusive). `kinds` narrows to the kinds a
    rule watches."""
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = _start_of(since)
    if isinstance(until, dt.date) and not isinstance(until, dt.datetime):
        until = _start_of(until + dt.timedelta(days=1))
    kinds = None if kinds is None else set(kinds)
    streams = []
    event_kinds = None if kinds is None else kinds - {RISK_ASSESSMENT, NETWORK_LINK}
    if event_kinds is None or event_kinds:
        events = _events()
        if event_kinds is not None:
            events = events.filter(event_type__code__in=sorted(event_kinds))
        if since is not None:
            events = events.filter(occurred_at__gte=since)
        if until is not None:
            events = events.filter(occurred_at__lt=until)
        rows = events.order_by("occurred_at", "id").values_list(*_EVENT_COLUMNS)
        streams.append(_stream(rows, _event_facts, chunk_size))
    model = assessment_model()
    if model is not None and (kinds is None or RISK_ASSESSMENT in kinds):
        assessments = model.objects.all()
        if since is not None:
            assessments = assessments.filter(completed_at__gte=since)
        if until is not None:
            assessments = assessments.filter(completed_at__lt=until)
        rows = assessments.order_by("completed_at", "id").values_list(*_ASSESSMENT_COLUMNS)
        streams.append(_stream(rows, _assessment_facts, chunk_size))
    if kinds is None or NETWORK_LINK in kinds:
        links = _links()
        if since is not None:
            links = links.filter(day__gte=_first_day_from(since))
        if until is not None:
            links = links.filter(day__lt=_first_day_from(until))
        rows = links.order_by("day", "id").values_list(*_LINK_COLUMNS)
        streams.append(_stream(rows, _link_facts, chunk_size))
    if not streams:
        return
    if len(streams) == 1:
        yield from streams[0]
    else:
        yield from heapq.merge(*streams, key=_order)


def _stream(rows: QuerySet, make: Callable, size: int) -> Iterator[Fact]:
    book = _AddressBook()
    for chunk in _chunks(rows.iterator(chunk_size=size), size):
        yield from make(chunk, book)


# ---------------------------------------------------------------------- households


def _eighteen_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - CHILD_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - CHILD_AGE, day=28)


def _stored(postcode: str) -> list[str]:
    """The ways a postcode may be stored: validated ("KF1 1AA"), or as it came."""
    key = postcode_key(postcode)
    return [f"{key[:-3]} {key[-3:]}", key] if len(key) > 3 else [key]


def _household_tables(records: QuerySet, addresses: QuerySet) -> dict[str, tuple]:
    """place key -> ((born, person, valid from, valid to), ...): every address an agency
    holds for a person, for the days it held it, under its address key and its postcode;
    and each record's own postcode, for all days."""
    people: dict[int, tuple[int, dt.date]] = {}  # record -> (person, born)
    by_place: dict[str, set[tuple]] = {}
    for record, person, postcode, born, record_born in records.values_list(
        "id", "person_id", "postcode", "person__date_of_birth", "date_of_birth"
    ).iterator(chunk_size=CHUNK):
        born = born or record_born
        if born is None:
            continue
        people[record] = (person, born)
        if postcode:
            by_place.setdefault(postcode_key(postcode), set()).add((born, person, None, None))
    for record, line1, postcode, valid_from, valid_to in addresses.values_list(
        "source_record_id", "line1", "postcode", "valid_from", "valid_to"
    ).iterator(chunk_size=CHUNK):
        if record not in people:
            continue
        person, born = people[record]
        entry = (born, person, valid_from, valid_to)
        by_place.setdefault(postcode_key(postcode), set()).add(entry)
        if line1:
            by_place.setdefault(address_key(line1, postcode), set()).add(entry)
    return {key: tuple(entries) for key, entries in by_place.items()}


def _children(entries, on: dt.date) -> list[int]:
    oldest = _eighteen_years_before(on)
    return sorted(
        {
            person
            for born, person, valid_from, valid_to in entries
            if oldest < born <= on and _valid_on(valid_from, valid_to, on)
        }
    )


def _place_key(place: str) -> str:
    return place if "|" in place else postcode_key(place)


def households() -> Callable[[str, dt.date], list[int]]:
    """A lookup `(place, on) -> [person ids]` of the children (under 18 on that day) living
    at a place: an address key (a fact's details["address"]). A postcode alone is no
    address: it answers nobody, for an incident whose home cannot be told is not taken to
    be at each of the dozen homes in its postcode (their schools would be told about the
    neighbours' children). Built once, in memory, from the current source
    records linked to a person: each address an agency holds, for the days it held it, and
    each record's postcode; the person's date of birth (or the record's, when the person
    has none). For a back-test; `children_at` answers the same for one place, live."""
    from lantern.people.models import Address, SourceRecord

    tables = _household_tables(
        SourceRecord.objects.filter(is_current=True, person__isnull=False),
        Address.objects.filter(source_record__is_current=True),
    )

    def lookup(place: str, on: dt.date) -> list[int]:
        if "|" not in place:
            return []
        return _children(tables.get(_place_key(place), ()), on)

    lookup.places = True  # the engine may give it an address key (engine.Engine)
    return lookup


def children_at(place: str, on: dt.date) -> list[int]:
    """The children living at one place on a day (as `households()` answers it), read
    from the database for that place only: for the live flow, where one incident cannot
    wait for the whole borough to be read."""
    from lantern.people.models import Address, SourceRecord

    if "|" not in place:  # a postcode alone is no address (see households())
        return []
    postcode = place.rsplit("|", 1)[-1]
    stored = _stored(postcode)
    if not postcode_key(postcode):
        return []
    records = SourceRecord.objects.filter(is_current=True, person__isnull=False)
    tables = _household_tables(
        records.filter(Q(postcode__in=stored) | Q(addresses__postcode__in=stored)).distinct(),
        Address.objects.filter(source_record__is_current=True, postcode__in=stored),
    )
    return _children(tables.get(_place_key(place), ()), on)


children_at.places = True


def children_count(on: dt.date) -> int:
    """How many people (not merged into another) were under 18 on a day."""
    from lantern.people.models import Person

    return Person.objects.filter(
        merged_into__isnull=True,
        date_of_birth__gt=_eighteen_years_before(on),
        date_of_birth__lte=on,
    ).count()


# ---------------------------------------------------------------------- children at risk
# One definition (see the module's docstring); `_risk_spells` reads it, `_at_risk_on`
# applies it.

Spell = tuple[dt.date, dt.date | None]  # from a day, up to (not including) a day or for good


def _in_parts(person_ids: list[int] | None):
    """The people in chunks for an `__in` filter; None (everyone) as one part."""
    if person_ids is None:
        yield None
        return
    for start in range(0, len(person_ids), CHUNK):
        yield person_ids[start : start + CHUNK]


def _risk_spells(person_ids: Iterable[int] | None = None) -> dict[int, list[Spell]]:
    """person -> the spells in which something recorded made them at risk (a child or
    not: `_at_risk_on` checks the age on the day). For the given people, or everyone."""
    from lantern.alerts.models import Alert, AlertFact, Status
    from lantern.casework.models import Plan, PlanKind

    ids = None if person_ids is None else sorted(set(person_ids))
    spells: dict[int, list[Spell]] = defaultdict(list)
    keep = dt.timedelta(days=AT_RISK_DAYS)
    on_links = AlertFact.objects.filter(alert=OuterRef("pk"), kind=NETWORK_LINK)
    model = assessment_model()
    for part in _in_parts(ids):
        alerts = Alert.objects.exclude(Exists(on_links))
        plans = Plan.objects.filter(kind=PlanKind.CHILD_PROTECTION)
        tools = (
            model.objects.filter(tool__in=AT_RISK_TOOLS, level=AT_RISK_LEVEL)
            if model is not None
            else None
        )
        if part is not None:
            alerts = alerts.filter(person_id__in=part)
            plans = plans.filter(person_id__in=part)
            tools = tools.filter(person_id__in=part) if tools is not None else None
        for person, fired_at, status, dismissed_at in alerts.values_list(
            "person_id", "fired_at", "status", "dismissed_at"
        ).iterator(chunk_size=CHUNK):
            start = local_day(fired_at)
            end = start + keep
            if status == Status.DISMISSED and dismissed_at is not None:
                end = min(end, local_day(dismissed_at))
            spells[person].append((start, end))
        if tools is not None:
            for person, completed_at in tools.values_list("person_id", "completed_at").iterator(
                chunk_size=CHUNK
            ):
                start = local_day(completed_at)
                spells[person].append((start, start + keep))
        for person, started_at, closed_at in plans.values_list(
            "person_id", "started_at", "closed_at"
        ).iterator(chunk_size=CHUNK):
            spells[person].append(
                (local_day(started_at), local_day(closed_at) if closed_at else None)
            )
    return dict(spells)


def _born(person_ids: Iterable[int]) -> dict[int, dt.date | None]:
    from lantern.people.models import Person

    ids = sorted(set(person_ids))
    found: dict[int, dt.date | None] = {}
    for part in _in_parts(ids):
        found.update(Person.objects.filter(pk__in=part).values_list("pk", "date_of_birth"))
    return found


def _at_risk_on(spells: Iterable[Spell], born: dt.date | None, on: dt.date) -> bool:
    if born is None or not _is_child_on(born, on):
        return False
    return any(start <= on and (end is None or on < end) for start, end in spells)


def children_at_risk(person_ids: Iterable[int], on: dt.date) -> set[int]:
    """Which of these people were children at risk on a day, read from the database for
    them only (the live flow)."""
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    spells = _risk_spells(ids)
    born = _born(spells)
    return {p for p in ids if p in spells and _at_risk_on(spells[p], born.get(p), on)}


def risk_history() -> Callable[[Iterable[int], dt.date], set[int]]:
    """A lookup `(people, on) -> the children at risk among them that day`, built once, in
    memory, from every record that makes a child at risk: for a back-test, which asks it
    about each day it replays."""
    spells = _risk_spells()
    born = _born(spells)

    def lookup(person_ids: Iterable[int], on: dt.date) -> set[int]:
        return {p for p in person_ids if p in spells and _at_risk_on(spells[p], born.get(p), on)}

    return lookup
