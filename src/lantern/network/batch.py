"""Intelligence in a batch: a CSV file of intelligence reports, one row per link.

An analyst may have a spreadsheet of sightings from an operation: who was seen in which
car, which phone a child used, who was found at which hotel. Each row is one link between
two entities; rows with the same `report_ref` make one intelligence report. Every row is
checked, and each report is recorded by the same service as the form and the API
(`services.report_submit`, origin "csv") only if all of its rows are good: a report is
never half saved. The answer lists every row: recorded (with the report's reference) or
refused (with the reasons, each naming its column).

Columns (a header row is required, comma-separated, UTF-8; order does not matter; names
are case-blind; every one of these must be in the header, though some cells may be blank):

    report_ref               the file's own name for a report: rows sharing it make one
                             report (it is not stored; the report gets its own reference)
    observed_on              the day it was seen or happened (2026-10-28 or 28/10/2026)
    source_evaluation        the 3x5x2 grading: A, B or C
    intelligence_assessment  1 to 5
    handling_code            P or C
    handling_conditions      the conditions on sharing (required for handling code C)
    source_description       who or what the information came from
    text                     the report in the officer's words
    source_kind, target_kind the link's two ends: person, vehicle, phone, handset,
                             online_account, location, event, or entity (one already in
                             Lantern, by its number)
    source_value,            a person's Lantern reference, a registration, a phone number,
    target_value             an IMEI, a handle, a place's name or address, an event's
                             title, or an entity's number
    source_extra,            more about the entity, as name=value pairs separated by
    target_extra             semicolons: vehicle make, model, colour; phone network;
                             handset make, model; online_account platform (required);
                             location postcode, place_type; event on (its date, required)
    link_kind                seen_with, found_with, associate, in_vehicle, drives,
                             uses_phone, contacted, uses_account, at_location, found_at,
                             lives_at, works_at, took_part
    first_seen, last_seen    the link's dates (first_seen is observed_on if blank)

    sensitivity              optional column: normal (if blank), restricted or sealed

The report's own columns (observed_on to text, and sensitivity) are read from a report's
first row; on its later rows they may be left blank, and if given must be the same.

A row is named by the line of the file it starts on, the header being line 1 (a quoted
text may run over several lines). A file that cannot be read as a whole (not UTF-8, not
CSV, columns missing or unknown, empty, more than MAX_ROWS rows) is refused with
`BatchError`, and nothing in it is recorded.

For a page that uploads a file (views.py):

    result = batch.reports_load(actor=request.user, data=upload.read())  # BatchError
    result.rows                    # RowResult per row: .row, .report_ref, .recorded,
                                   #   .reference, .reasons; str(row) is one line
    result.lines()                 # "row 4: source_value: 'AB12 CD' is not a UK registration"
    result.recorded_reports, result.refused_reports, result.refused_rows
    batch.COLUMN_HELP, batch.template_csv()   # what the page explains, and an example file
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.access import policy
from lantern.core import clock
from lantern.people.models import Sensitivity

from . import grading, normalise, services
from .models import Entity, EntityKind, LinkKind, Origin, PlaceType

MAX_ROWS = 5000
VALUE_LIMIT = 150
PLATFORM_LIMIT = 60
REPORT_COLUMNS = (
    "observed_on",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "source_description",
    "text",
)
REQUIRED = (
    "report_ref",
    *REPORT_COLUMNS,
    "source_kind",
    "source_value",
    "source_extra",
    "target_kind",
    "target_value",
    "target_extra",
    "link_kind",
    "first_seen",
    "last_seen",
)
OPTIONAL = ("sensitivity",)
EXISTING = "entity"  # a kind of end: an entity already in Lantern, by its number
KINDS = (*EntityKind.values, EXISTING)
# What `*_extra` may say about each kind of entity. The ones the entity is found by go to
# the service's own fields; the rest are kept as the entity's details.
EXTRAS: dict[str, tuple[str, ...]] = {
    EntityKind.PERSON: (),
    EXISTING: (),
    EntityKind.VEHICLE: ("make", "model", "colour"),
    EntityKind.PHONE: ("network",),
    EntityKind.HANDSET: ("make", "model"),
    EntityKind.ONLINE_ACCOUNT: ("platform",),
    EntityKind.LOCATION: ("postcode", "place_type"),
    EntityKind.EVENT: ("on",),
}
IDENTIFYING = {"platform", "postcode", "place_type", "on"}

COLUMN_HELP = (
    ("report_ref", "Your name for the report: rows that share it make one report"),
    ("observed_on", "The day it was seen or happened: 2026-10-28 or 28/10/2026"),
    ("source_evaluation", "A, B or C"),
    ("intelligence_assessment", "1 to 5"),
    ("handling_code", "P or C"),
    ("handling_conditions", "The conditions on sharing: needed for handling code C"),
    ("source_description", "Who or what the information came from"),
    ("text", "The report in your words"),
    ("source_kind", f"One of {', '.join(KINDS)}"),
    (
        "source_value",
        "A person's reference, registration, phone number, IMEI, handle, place, "
        "event title, or an entity's number",
    ),
    (
        "source_extra",
        "name=value pairs separated by semicolons, such as "
        "platform=Snapchat or postcode=KF1 2AB; place_type=takeaway",
    ),
    ("target_kind", "As source_kind"),
    ("target_value", "As source_value"),
    ("target_extra", "As source_extra"),
    ("link_kind", f"One of {', '.join(LinkKind.values)}"),
    ("first_seen", "The day the link was first seen (observed_on if blank)"),
    ("last_seen", "The day it was last seen (may be blank)"),
    ("sensitivity", "Optional column: normal, restricted or sealed"),
)

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_FIELD = re.compile(r"^(entities|links)\[(\d+)\]\.(\w+)$")


class BatchError(Exception):
    """The file cannot be read as a whole: nothing in it was recorded."""


# ---------------------------------------------------------------- the answer
@dataclass
class RowResult:
    row: int  # the line of the file the row starts on, the header being line 1
    report_ref: str
    reasons: list[str] = field(default_factory=list)  # "column: what is wrong"
    reference: str = ""  # the recorded report's reference
    dry_run: bool = False

    @property
    def recorded(self) -> bool:
        return not self.reasons and bool(self.reference)

    @property
    def good(self) -> bool:
        return not self.reasons

    def lines(self) -> list[str]:
        if self.reasons:
            return [f"row {self.row}: {reason}" for reason in self.reasons]
        if self.dry_run:
            return [f"row {self.row}: good (report {self.report_ref} would be recorded)"]
        return [f"row {self.row}: recorded as {self.reference} (report {self.report_ref})"]

    def __str__(self) -> str:
        return "; ".join(self.lines())


@dataclass
class BatchResult:
    rows: list[RowResult] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # references of the reports recorded
    refused_reports: int = 0
    dry_run: bool = False

    @property
    def recorded_reports(self) -> int:
        return len(self.recorded)

    @property
    def good_rows(self) -> int:
        return sum(1 for r in self.rows if r.good)

    @property
    def refused_rows(self) -> int:
        return sum(1 for r in self.rows if not r.good)

    def lines(self) -> list[str]:
        return [line for r in self.rows for line in r.lines()]


# ---------------------------------------------------------------- reading one row
def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    found = _UK_DATE.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-10-28 or 28/10/2026") from None


def _code(text: str) -> str:
    return (text or "").strip().lower().replace(" ", "_").replace("-", "_")


@dataclass
class _End:
    """One end of a row's link, read and checked."""

    item: services.EntityInput
    identity: tuple  # the same thing however it was typed, within the file


class _Lookups:
    """Person references and entity numbers the actor may use, looked up once a file."""

    def __init__(self, actor):
        self.actor = actor
        self.people: dict[str, int | None] = {}
        self.entities: dict[int, bool] = {}

    def person(self, reference: str) -> int | None:
        if reference not in self.people:
            self.people[reference] = (
                policy.people_visible_to(self.actor, "view")
                .filter(reference=reference, merged_into__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
        return self.people[reference]

    def entity(self, pk: int) -> bool:
        """Whether the entity exists and, if it is a person, the actor may see them."""
        if pk not in self.entities:
            found = Entity.objects.filter(pk=pk).values_list("person_id").first()
            self.entities[pk] = found is not None and (
                found[0] is None
                or policy.people_visible_to(self.actor, "view").filter(pk=found[0]).exists()
            )
        return self.entities[pk]


def _extras(text: str, kind: str, column: str, problems: list) -> dict[str, str]:
    found: dict[str, str] = {}
    allowed = EXTRAS.get(kind, ())
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name, value = _code(name), value.strip()
        if not sep or not name:
            problems.append((column, f"{part.strip()!r} is not written as name=value"))
        elif name not in allowed:
            known = ", ".join(allowed) if allowed else "nothing more"
            problems.append(
                (column, f"{name!r} is not something we record for a {kind}: use {known}")
            )
        elif name in found:
            problems.append((column, f"{name} is given twice"))
        elif len(value) > VALUE_LIMIT:
            problems.append((column, f"{name} is at most {VALUE_LIMIT} characters"))
        else:
            found[name] = value
    return found


def _end(values: dict[str, str], side: str, lookups: _Lookups, problems: list) -> _End | None:
    """The entity at one end of the row's link, or None with the problems noted."""
    kind_column, value_column, extra_column = f"{side}_kind", f"{side}_value", f"{side}_extra"
    kind = _code(values[kind_column])
    value = (values[value_column] or "").strip()
    if kind not in KINDS:
        shown = f"{values[kind_column].strip()!r} is" if kind else "Nothing was given, which is"
        problems.append(
            (kind_column, f"{shown} not a kind of entity: use one of {', '.join(KINDS)}")
        )
        return None
    before = len(problems)
    extras = _extras(values[extra_column], kind, extra_column, problems)
    if len(value) > VALUE_LIMIT:
        problems.append((value_column, f"At most {VALUE_LIMIT} characters"))
        return None
    details = {k: v for k, v in extras.items() if k not in IDENTIFYING}
    item = services.EntityInput(ref="", kind=kind, value=value, details=details)
    try:
        if kind == EXISTING:
            if not value.isdigit():
                raise ValueError(f"{value!r} is not an entity's number")
            if not lookups.entity(int(value)):
                raise ValueError(f"There is no entity {value} in Lantern")
            item = services.EntityInput(ref="", entity_id=int(value))
            identity = (EXISTING, int(value))
        elif kind == EntityKind.PERSON:
            reference = value.upper()
            if not reference:
                raise ValueError("Enter the person's Lantern reference")
            pk = lookups.person(reference)
            if pk is None:
                # The reference is not repeated: the answer must not confirm who exists.
                raise ValueError(
                    "No person you can see has that reference: find them with the people "
                    "search first"
                )
            item.person_reference, item.value = reference, ""
            identity = (kind, pk)
        elif kind == EntityKind.VEHICLE:
            identity = (kind, normalise.vehicle(value)[0])
        elif kind == EntityKind.PHONE:
            identity = (kind, normalise.phone(value)[0])
        elif kind == EntityKind.HANDSET:
            identity = (kind, normalise.handset(value)[0])
        elif kind == EntityKind.ONLINE_ACCOUNT:
            item.platform = extras.get("platform", "")
            if not item.platform:
                problems.append((extra_column, "Give the account's platform: platform=Snapchat"))
                return None
            if len(item.platform) > PLATFORM_LIMIT:
                problems.append((extra_column, f"platform is at most {PLATFORM_LIMIT} characters"))
                return None
            identity = (kind, normalise.online_account(value, item.platform)[0])
        elif kind == EntityKind.LOCATION:
            item.place_type = _code(extras.get("place_type", "")) or PlaceType.OTHER
            if item.place_type not in PlaceType.values:
                problems.append(
                    (
                        extra_column,
                        f"place_type {extras['place_type']!r} is not a kind of place we "
                        f"record: use one of {', '.join(PlaceType.values)}",
                    )
                )
                return None
            item.postcode = extras.get("postcode", "")
            normalise.location(value)  # the place's name, refused in source/target_value
            if item.postcode:
                try:
                    normalise.postcode(item.postcode)
                except ValueError as exc:
                    problems.append((extra_column, f"postcode: {exc}"))
                    return None
            identity = (kind, normalise.location(value, item.postcode)[0])
        else:  # an event
            title = " ".join(value.split())
            if not title:
                raise ValueError("Enter what happened")
            if "on" not in extras:
                problems.append((extra_column, "Give the event's date: on=2026-10-28"))
                return None
            try:
                item.on = _date(extras["on"])
            except ValueError as exc:
                problems.append((extra_column, f"on: {exc}"))
                return None
            if item.on is None or item.on > clock.today():
                problems.append((extra_column, "on: the event's date cannot be blank or future"))
                return None
            identity = (kind, item.on, title.lower())
    except ValueError as exc:
        problems.append((value_column, str(exc)))
        return None
    if len(problems) > before:
        return None
    return _End(item=item, identity=identity)


@dataclass
class _Row:
    row: int
    report_ref: str
    values: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)
    source: _End | None = None
    target: _End | None = None
    link_kind: str = ""
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None


def _read_link(row: _Row, lookups: _Lookups) -> None:
    values, problems = row.values, row.problems
    row.source = _end(values, "source", lookups, problems)
    row.target = _end(values, "target", lookups, problems)
    if row.source and row.target and row.source.identity == row.target.identity:
        problems.append(("target_value", "It is the same entity as the source: a link joins two"))
    row.link_kind = _code(values["link_kind"])
    if row.link_kind not in LinkKind.values:
        shown = (
            f"{values['link_kind'].strip()!r} is"
            if row.link_kind
            else "Nothing was given, which is"
        )
        problems.append(
            ("link_kind", f"{shown} not a kind of link: use one of {', '.join(LinkKind.values)}")
        )
    for column in ("first_seen", "last_seen"):
        try:
            day = _date(values[column])
        except ValueError as exc:
            problems.append((column, str(exc)))
            continue
        if day is not None and day > clock.today():
            problems.append((column, f"{day:%d/%m/%Y} is in the future"))
            continue
        setattr(row, column, day)
    if row.first_seen and row.last_seen and row.last_seen < row.first_seen:
        problems.append(("last_seen", "Must be the same as or after first_seen"))


# ---------------------------------------------------------------- a report's rows
@dataclass
class _Report:
    ref: str
    rows: list[_Row] = field(default_factory=list)
    first: _Row | None = None  # the row its own columns are read from
    fields: dict[str, str] = field(default_factory=dict)  # from that row
    observed_on: dt.date | None = None
    # To name a refusal's row: the row (and end) that introduced each entity, by position.
    entity_from: list[tuple[_Row, str]] = field(default_factory=list)


def _same(column: str, given: str, first: str) -> bool:
    if column in {"source_evaluation", "intelligence_assessment", "handling_code"}:
        return given.strip().upper() == first.strip().upper()
    if column == "observed_on":
        try:
            return _date(given) == _date(first)
        except ValueError:
            return False
    if column == "sensitivity":
        return _code(given) == _code(first)
    return " ".join(given.split()) == " ".join(first.split())


def _read_report_fields(report: _Report, row: _Row, columns: tuple[str, ...]) -> None:
    """The report's own columns: checked on its first row; on later rows blank or the same."""
    if report.first is not None:
        for column in columns:
            given = (row.values.get(column) or "").strip()
            if given and not _same(column, given, report.fields.get(column, "")):
                row.problems.append(
                    (
                        column,
                        f"Differs from row {report.first.row}, where report {report.ref} "
                        "starts: leave it blank or give the same",
                    )
                )
        return
    values, problems = row.values, row.problems
    report.first = row
    report.fields = {c: (values.get(c) or "") for c in columns}
    try:
        report.observed_on = _date(values["observed_on"])
    except ValueError as exc:
        problems.append(("observed_on", str(exc)))
    else:
        if report.observed_on is None:
            problems.append(("observed_on", "Enter the day it was seen or happened"))
        elif report.observed_on > clock.today():
            problems.append(("observed_on", "The day it was seen cannot be in the future"))
    try:
        grading.check(
            values["source_evaluation"],
            values["intelligence_assessment"],
            values["handling_code"],
            values["handling_conditions"],
        )
    except ValidationError as exc:
        problems.extend((c, m) for c, ms in exc.message_dict.items() for m in ms)
    for column, label in (
        ("source_description", "who or what it came from"),
        ("text", "the report"),
    ):
        if not values[column].strip():
            problems.append((column, f"Enter {label}"))
    if len(values["source_description"].strip()) > 200:
        problems.append(("source_description", "At most 200 characters"))
    if len(values["text"]) > services.TEXT_LIMIT:
        problems.append(("text", f"At most {services.TEXT_LIMIT} characters"))
    sensitivity = _code(values.get("sensitivity", "")) or Sensitivity.NORMAL
    if sensitivity not in Sensitivity.values:
        problems.append(
            (
                "sensitivity",
                f"{values['sensitivity'].strip()!r} is not normal, restricted or sealed",
            )
        )


def _report_input(report: _Report) -> services.ReportInput:
    """The report's entities (each thing once, however typed) and links, for the service."""
    refs: dict[tuple, str] = {}
    entities, links = [], []
    for row in report.rows:
        ends = []
        for side, end in (("source", row.source), ("target", row.target)):
            ref = refs.get(end.identity)
            if ref is None:
                ref = refs[end.identity] = f"e{len(refs) + 1}"
                end.item.ref = ref
                entities.append(end.item)
                report.entity_from.append((row, side))
            ends.append(ref)
        links.append(
            services.LinkInput(
                source=ends[0],
                target=ends[1],
                kind=row.link_kind,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
            )
        )
    fields = report.fields
    return services.ReportInput(
        observed_on=report.observed_on,
        source_description=fields["source_description"],
        source_evaluation=fields["source_evaluation"],
        intelligence_assessment=fields["intelligence_assessment"],
        handling_code=fields["handling_code"],
        handling_conditions=fields["handling_conditions"],
        text=fields["text"],
        sensitivity=_code(fields.get("sensitivity", "")) or Sensitivity.NORMAL,
        entities=entities,
        links=links,
    )


_END_FIELDS = {
    "kind": "kind",
    "place_type": "extra",
    "platform": "extra",
    "postcode": "extra",
    "on": "extra",
}
_LINK_FIELDS = {"source": "source_value", "target": "target_value", "kind": "link_kind"}


def _place(report: _Report, name: str) -> tuple[_Row, str]:
    """Which row and column a refusal from the service is about."""
    found = _FIELD.match(name)
    if found:
        what, number, part = found.group(1), int(found.group(2)), found.group(3)
        if what == "entities" and 0 < number <= len(report.entity_from):
            row, side = report.entity_from[number - 1]
            return row, f"{side}_{_END_FIELDS.get(part, 'value')}"
        if what == "links" and 0 < number <= len(report.rows):
            return report.rows[number - 1], _LINK_FIELDS.get(part, part)
    return report.first or report.rows[0], name


# ---------------------------------------------------------------- the file
def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise BatchError(
                f"The file is not UTF-8 text (line {line} is not): save it from your "
                "spreadsheet as 'CSV UTF-8'"
            ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise BatchError("The file is empty: the first line must name the columns")
    if "\x00" in text:
        raise BatchError("The file holds a NUL character: it is not a CSV text file")
    return text


def _header(cells: list[str]) -> list[str]:
    if len(cells) == 1 and any(mark in cells[0] for mark in (";", "\t")):
        raise BatchError(
            "The header row is one column: the file seems to be separated by semicolons or "
            "tabs. Save it from your spreadsheet as comma-separated CSV"
        )
    header = [_code(c) for c in cells]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    twice = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"it has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")
    if unknown:
        shown = ", ".join(repr(c) for c in unknown if c) or "a column with no name"
        problems.append(f"it has columns we do not know: {shown}")
    if twice:
        problems.append(f"it names {', '.join(twice)} twice")
    if problems:
        raise BatchError(
            "The header row is wrong: "
            + "; ".join(problems)
            + f". The columns are {', '.join(REQUIRED)} (and optionally "
            f"{', '.join(OPTIONAL)}), separated by commas"
        )
    return header


def reports_load(
    *,
    actor,
    data: bytes | str,
    dry_run: bool = False,
    progress: Callable[[int], object] | None = None,
) -> BatchResult:
    """Check every row of the file and record each report whose rows are all good (none
    when `dry_run`), as `actor`. BatchError if the file cannot be read as a whole."""
    if not services.may_record_intelligence(actor):
        raise BatchError("Only the police record intelligence reports")
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = _header(next(reader, []))
    except csv.Error as exc:
        raise BatchError(f"The header row cannot be read as CSV: {exc}") from None
    lookups = _Lookups(actor)
    rows: list[_Row] = []
    while True:
        number = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BatchError(
                f"Line {number} cannot be read as CSV ({exc}): nothing was recorded"
            ) from None
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise BatchError(
                f"The file has more than {MAX_ROWS:,} rows: split it into smaller files"
            )
        values = dict(zip(header, cells, strict=False))
        row = _Row(row=number, report_ref=(values.get("report_ref") or "").strip(), values=values)
        rows.append(row)
        if len(cells) != len(header):
            row.problems.append(
                ("row", f"It has {len(cells)} values; the header names {len(header)} columns")
            )
    if not rows:
        raise BatchError("The file has a header row but no rows below it")

    reports: dict[str, _Report] = {}
    columns = tuple(c for c in (*REPORT_COLUMNS, *OPTIONAL) if c in header)
    for row in rows:
        if not row.report_ref:
            if not row.problems:
                row.problems.append(("report_ref", "Give the report this row belongs to"))
            reports[f"(row {row.row})"] = _Report(ref="", rows=[row])
            continue
        report = reports.setdefault(row.report_ref, _Report(row.report_ref))
        report.rows.append(row)
        if row.problems:  # a row that does not fit the header is not read further
            continue
        _read_report_fields(report, row, columns)
        _read_link(row, lookups)

    result = BatchResult(dry_run=dry_run)
    for report in reports.values():
        _record(actor, report, dry_run, result)
        if progress is not None:
            progress(len(report.rows))
    result.rows.sort(key=lambda r: r.row)
    return result


def _record(actor, report: _Report, dry_run: bool, result: BatchResult) -> None:
    """Record one report if all its rows are good; the rows' results either way."""
    refused = [row for row in report.rows if row.problems]
    reference = ""
    if not refused:
        try:
            with transaction.atomic():
                recorded = services.report_submit(
                    actor=actor, data=_report_input(report), origin=Origin.CSV
                )
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                row, column = _place(report, name)
                row.problems.extend((column, m) for m in messages)
            refused = [row for row in report.rows if row.problems]
        else:
            reference = "" if dry_run else recorded.reference
            if reference:
                result.recorded.append(reference)
    if refused:
        result.refused_reports += 1
    numbers = ", ".join(str(r.row) for r in refused)
    for row in report.rows:
        reasons = [f"{column}: {message}" for column, message in row.problems]
        if refused and not reasons:
            reasons = [
                f"not recorded: report {report.ref} is recorded only when all its rows are "
                f"good (refused: row{'s' if len(refused) > 1 else ''} {numbers})"
            ]
        result.rows.append(
            RowResult(
                row=row.row,
                report_ref=report.ref,
                reasons=reasons,
                reference=reference if not refused else "",
                dry_run=dry_run,
            )
        )


def template_csv() -> str:
    """An example file: a header and two reports, for people to copy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED)
    first = ["R1", "2026-10-28", "B", "2", "P", "", "Patrol officer", "Seen at the takeaway late"]
    writer.writerow(
        [
            *first,
            "vehicle",
            "AB12 CDE",
            "make=Ford; colour=silver",
            "location",
            "Golden Grill, Market Street",
            "postcode=KF1 2AB; place_type=takeaway",
            "at_location",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "R1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "phone",
            "07700 900123",
            "",
            "vehicle",
            "AB12CDE",
            "",
            "found_with",
            "2026-10-20",
            "2026-10-28",
        ]
    )
    writer.writerow(
        [
            "R2",
            "27/10/2026",
            "A",
            "1",
            "C",
            "Not to be shared beyond the safeguarding team",
            "Phone download",
            "Messages arranging a meeting",
            "phone",
            "+44 7700 900456",
            "",
            "online_account",
            "@kf_driver",
            "platform=Snapchat",
            "contacted",
            "",
            "",
        ]
    )
    return out.getvalue()
