"""Problem profiles: who and what is linked to a location (or any entity) or to a group,
for a partnership meeting deciding on disruption, as a PDF and a CSV.

An export is read with the export right, not the view right: the links come from
intelligence the reader may export, and a person is listed only if the reader may export
them (`policy.people_visible_to(user, "export")`). A person who may not be listed is
absent with every link touching them, as on the pages. Every export is audited, naming
every person in the file.

The PDF is built with fpdf2 like the chronology's: OFFICIAL-SENSITIVE on every page,
who exported it and when in the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from fpdf.fonts import FontFace

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.pdf import MARKING, MarkedDocument, printable

from . import safety, selectors
from .models import Entity, EntityKind, Link, LinkKind

ADULT_AGE = selectors.ADULT_AGE
LIMIT = 5000
LONDON = ZoneInfo("Europe/London")
KIND_LABELS = dict(EntityKind.choices)
LINK_LABELS = dict(LinkKind.choices)


@dataclass(frozen=True)
class Row:
    """One entity in a profile."""

    id: int
    kind: str
    label: str
    reference: str
    person_id: int | None
    is_child: bool
    age: int | None
    flagged: bool
    flag_reason: str
    links: int = 0
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def marked(self) -> str:
        marks = []
        if self.is_child:
            marks.append(f"child, {self.age}" if self.age is not None else "child")
        if self.flagged:
            marks.append("flagged" + (f": {self.flag_reason}" if self.flag_reason else ""))
        return "; ".join(marks)


@dataclass(frozen=True)
class LinkRow:
    id: int
    source: Row
    target: Row
    kind: str
    first_seen: dt.date
    last_seen: dt.date | None
    report: str  # the report's reference, if the reader may see it
    grading: str
    conditions: str = ""  # the report's conditions on sharing (handling code C)

    @property
    def kind_label(self) -> str:
        return LINK_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Month:
    month: dt.date
    links: int
    new_entities: int
    new_children: int


@dataclass
class Profile:
    title: str
    about: str  # what the profile is of, in words
    rows: list[Row]
    links: list[LinkRow]
    timeline: list[Month]
    window: str = ""
    truncated: bool = False

    @property
    def children(self) -> list[Row]:
        return [r for r in self.rows if r.is_child]

    @property
    def adults(self) -> list[Row]:
        return [r for r in self.rows if r.kind == EntityKind.PERSON and not r.is_child]

    def of_kind(self, *kinds: str) -> list[Row]:
        return [r for r in self.rows if r.kind in kinds]

    @property
    def conditions(self) -> dict[str, str]:
        """Each report's conditions on sharing, for those that have them."""
        return {x.report: x.conditions for x in self.links if x.conditions}

    @property
    def people_ids(self) -> list[int]:
        return sorted({r.person_id for r in self.rows if r.person_id is not None})


# ---------------------------------------------------------------- reading, for export
def _age(entity: Entity, today: dt.date) -> int | None:
    born = entity.person.date_of_birth if entity.person_id else None
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _window(links, since: dt.date | None, until: dt.date | None):
    if until is not None:
        links = links.filter(first_seen__lte=until)
    if since is not None:
        links = links.filter(
            Q(last_seen__gte=since) | Q(last_seen__isnull=True, first_seen__gte=since)
        )
    return links


class _Exportable:
    """The entities a reader may list in an export: people only if they may export them."""

    def __init__(self, user):
        self.user = user
        self.entities: dict[int, Entity] = {}
        self.hidden: set[int] = set()

    def load(self, ids: Iterable[int]) -> None:
        wanted = [pk for pk in set(ids) if pk not in self.entities and pk not in self.hidden]
        if not wanted:
            return
        found = Entity.objects.select_related("person").in_bulk(wanted)
        people = {e.person_id for e in found.values() if e.person_id is not None}
        allowed = set(
            policy.people_visible_to(self.user, "export")
            .filter(pk__in=list(people))
            .values_list("pk", flat=True)
        )
        for pk, entity in found.items():
            if entity.person_id is None or entity.person_id in allowed:
                self.entities[pk] = entity
            else:
                self.hidden.add(pk)

    def keeps(self, link: Link) -> bool:
        return link.source_id in self.entities and link.target_id in self.entities


def _around(user, entity: Entity, *, hops, since, until, kinds) -> tuple[list[Link], dict, bool]:
    links = _window(selectors.links_visible_to(user, "export"), since, until)
    seen = _Exportable(user)
    seen.load([entity.pk])
    if entity.pk not in seen.entities:
        return [], {}, False
    kept: dict[int, Link] = {}
    frontier, reached, truncated = {entity.pk}, {entity.pk}, False
    for _ in range(max(1, min(hops, 3))):
        if not frontier:
            break
        room = LIMIT - len(kept)
        found = list(
            links.filter(Q(source_id__in=list(frontier)) | Q(target_id__in=list(frontier)))
            .exclude(pk__in=list(kept))
            .order_by("first_seen", "pk")[: room + 1]
        )
        truncated |= len(found) > room
        found = found[:room]
        seen.load(pk for x in found for pk in (x.source_id, x.target_id))
        step = set()
        for link in found:
            ends = (link.source_id, link.target_id)
            if not seen.keeps(link):
                continue
            if kinds and any(seen.entities[e].kind not in kinds and e != entity.pk for e in ends):
                continue
            kept[link.pk] = link
            step.update(ends)
        frontier = step - reached
        reached |= step
        if len(kept) >= LIMIT:
            break
    return list(kept.values()), seen.entities, truncated


def _in_group(user, community: int, *, since, until) -> tuple[list[Link], dict, bool]:
    links = _window(
        selectors.links_visible_to(user, "export").filter(
            source__community=community, target__community=community
        ),
        since,
        until,
    ).order_by("first_seen", "pk")
    found = list(links[: LIMIT + 1])
    truncated = len(found) > LIMIT
    found = found[:LIMIT]
    seen = _Exportable(user)
    seen.load(pk for x in found for pk in (x.source_id, x.target_id))
    return [x for x in found if seen.keeps(x)], seen.entities, truncated


def _reports(user, links: Sequence[Link]) -> dict[int, tuple[str, str, str]]:
    """Reference, grading and conditions on sharing of each report behind these links that
    the reader may export."""
    reports = policy.agency_records_visible_to(user, "export", "intelligence").filter(
        pk__in={x.report_id for x in links}
    )
    return {
        r.pk: (r.reference, r.grading, r.handling_conditions if r.handling_code == "C" else "")
        for r in reports.only(
            "pk",
            "reference",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "handling_conditions",
        )
    }


def _build(user, *, title, about, links, entities, truncated, window) -> Profile:
    today = clock.today()
    # A survivor whose address is hidden from the reader: her home is absent, with its
    # links, and her address is out of every other label (network/safety.py).
    mask = safety.network_mask(
        user=user,
        entities=[
            (pk, entities[pk].kind, entities[pk].person_id)
            for pk in {pk for x in links for pk in (x.source_id, x.target_id)}
        ],
    )
    if mask:
        links = [x for x in links if mask.keeps_link(x.source_id, x.target_id)]
        title, about = mask.text.any_text(title), mask.text.any_text(about)
    used = {pk for x in links for pk in (x.source_id, x.target_id)}
    counts: dict[int, int] = {}
    first: dict[int, dt.date] = {}
    last: dict[int, dt.date] = {}
    for link in links:
        end = link.last_seen or link.first_seen
        for pk in (link.source_id, link.target_id):
            counts[pk] = counts.get(pk, 0) + 1
            first[pk] = min(first.get(pk, link.first_seen), link.first_seen)
            last[pk] = max(last.get(pk, end), end)
    rows: dict[int, Row] = {}
    for pk in used:
        e = entities[pk]
        age = _age(e, today)
        rows[pk] = Row(
            id=pk,
            kind=e.kind,
            label=mask.label(pk, e.label),
            reference=e.person.reference if e.person_id else "",
            person_id=e.person_id,
            is_child=age is not None and age < ADULT_AGE,
            age=age,
            flagged=e.flagged,
            flag_reason=e.flag_reason,
            links=counts[pk],
            first_seen=first[pk],
            last_seen=last[pk],
        )
    reports = _reports(user, links)
    link_rows = [
        LinkRow(
            id=x.pk,
            source=rows[x.source_id],
            target=rows[x.target_id],
            kind=x.kind,
            first_seen=x.first_seen,
            last_seen=x.last_seen,
            report=reports.get(x.report_id, ("", "", ""))[0],
            grading=reports.get(x.report_id, ("", "", ""))[1],
            conditions=reports.get(x.report_id, ("", "", ""))[2],
        )
        for x in sorted(links, key=lambda x: (x.first_seen, x.pk))
    ]
    order = sorted(rows.values(), key=lambda r: (not r.flagged, -r.links, r.label))
    return Profile(
        title=title,
        about=about,
        rows=order,
        links=link_rows,
        timeline=_timeline(link_rows),
        window=window,
        truncated=truncated,
    )


def _timeline(links: Sequence[LinkRow]) -> list[Month]:
    months: dict[dt.date, list[LinkRow]] = {}
    for link in links:
        months.setdefault(link.first_seen.replace(day=1), []).append(link)
    seen: set[int] = set()
    out = []
    for month in sorted(months):
        new = set()
        for link in months[month]:
            new.update(r.id for r in (link.source, link.target) if r.id not in seen)
        children = {r.id for lk in months[month] for r in (lk.source, lk.target) if r.is_child}
        out.append(
            Month(
                month=month,
                links=len(months[month]),
                new_entities=len(new),
                new_children=len(children & new),
            )
        )
        seen |= new
    return out


def _audit(user, profile: Profile, fmt: str, subject: Subject) -> None:
    audit_record(
        actor=user,
        action=selectors.CONSULTATION,
        operation="network.profile.export",
        purpose=f"Problem profile: {profile.about}",
        subjects=[subject] + [Subject("people.person", p, p) for p in profile.people_ids],
        detail={
            "format": fmt,
            "entities": len(profile.rows),
            "links": len(profile.links),
            "people": len(profile.people_ids),
            "window": profile.window,
        },
    )


def entity_profile(
    *,
    user,
    entity: Entity,
    fmt: str,
    hops: int = 2,
    since: dt.date | None = None,
    until: dt.date | None = None,
    kinds: Sequence[str] = (),
    window: str = "",
) -> Profile:
    """The profile of everything within `hops` links of `entity` that the user may
    export, audited as an export. Entity.DoesNotExist (a 404) if they may export none of
    it."""
    links, entities, truncated = _around(
        user, entity, hops=hops, since=since, until=until, kinds=set(kinds)
    )
    if not links and not (since or until or kinds):
        raise Entity.DoesNotExist
    kind = KIND_LABELS.get(entity.kind, entity.kind)
    entities.setdefault(entity.pk, entity)
    profile = _build(
        user,
        title=f"Problem profile: {entity.label}",
        about=f"{kind.lower()} {entity.label}",
        links=links,
        entities=entities,
        truncated=truncated,
        window=window,
    )
    _audit(user, profile, fmt, Subject("network.entity", entity.pk))
    return profile


def group_profile(
    *,
    user,
    community: int,
    fmt: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    window: str = "",
) -> Profile:
    """The profile of one group (community) as the user may export it, audited."""
    links, entities, truncated = _in_group(user, community, since=since, until=until)
    if not links and not (since or until):
        raise Entity.DoesNotExist
    profile = _build(
        user,
        title=f"Problem profile: network group {community}",
        about=f"network group {community}",
        links=links,
        entities=entities,
        truncated=truncated,
        window=window,
    )
    _audit(user, profile, fmt, Subject("network.entity", community))
    return profile


# ---------------------------------------------------------------- the files
CSV_COLUMNS = [
    "month",
    "first_seen",
    "last_seen",
    "from_kind",
    "from",
    "from_reference",
    "from_child",
    "from_flagged",
    "link",
    "to_kind",
    "to",
    "to_reference",
    "to_child",
    "to_flagged",
    "report",
    "grading",
    "conditions_on_sharing",
]


def _cell(value) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (a phone number in
    international form, +44..., stays as it is)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (
        text[:1] in ("+", "-") and not text[1:].replace(" ", "").isdigit()
    ):
        return "'" + text
    return text


def profile_csv(profile: Profile) -> str:
    """One row per link, with both ends, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for link in profile.links:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    f"{link.first_seen:%Y-%m}",
                    link.first_seen.isoformat(),
                    link.last_seen.isoformat() if link.last_seen else "",
                    link.source.kind,
                    link.source.label,
                    link.source.reference,
                    "yes" if link.source.is_child else "",
                    "yes" if link.source.flagged else "",
                    link.kind_label,
                    link.target.kind,
                    link.target.label,
                    link.target.reference,
                    "yes" if link.target.is_child else "",
                    "yes" if link.target.flagged else "",
                    link.report,
                    link.grading,
                    link.conditions,
                )
            ]
        )
    return out.getvalue()


ENTITY_COLUMNS = (("Name", 62), ("Reference", 30), ("Marked", 44), ("Links", 14), ("Seen", 40))
LINK_COLUMNS = (("First seen", 24), ("From", 50), ("Link", 34), ("To", 50), ("Report", 32))
MONTH_COLUMNS = (
    ("Month", 40),
    ("Links first seen", 40),
    ("New entities", 40),
    ("New children", 40),
)


def _heading(pdf, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 6, printable(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8.5)


def _table(pdf, columns, rows: Iterable[Sequence[str]]) -> None:
    with pdf.table(
        col_widths=tuple(w for _, w in columns),
        text_align="LEFT",
        line_height=4.2,
        padding=1,
        v_align="TOP",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
    ) as table:
        heading = table.row()
        for label, _ in columns:
            heading.cell(label)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(printable(value))


def _seen(row: Row) -> str:
    if row.first_seen is None:
        return ""
    if row.last_seen and row.last_seen != row.first_seen:
        return f"{row.first_seen:%-d %b %Y} to {row.last_seen:%-d %b %Y}"
    return f"{row.first_seen:%-d %b %Y}"


def _entities(pdf, title: str, rows: Sequence[Row], *, with_kind: bool = False) -> None:
    if not rows:
        return
    _heading(pdf, f"{title} ({len(rows)})")
    _table(
        pdf,
        ENTITY_COLUMNS,
        (
            (
                f"{r.label} ({r.kind_label.lower()})" if with_kind else r.label,
                r.reference,
                r.marked,
                str(r.links),
                _seen(r),
            )
            for r in rows
        ),
    )


def profile_pdf(profile: Profile, *, exported_by, exported_at: dt.datetime) -> bytes:
    pdf = MarkedDocument(profile.title)
    pdf.set_title(printable(profile.title))
    pdf.set_author(printable(str(exported_by)))
    pdf.set_creator("Lantern")
    pdf.set_subject(MARKING)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, printable(profile.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    who = exported_by.get_full_name() or exported_by.get_username()
    agency = exported_by.agency.name if exported_by.agency else "no agency"
    phones = profile.of_kind(EntityKind.PHONE, EntityKind.HANDSET, EntityKind.ONLINE_ACCOUNT)
    counts = ", ".join(
        [
            _count(len(profile.children), "child", "children"),
            _count(len(profile.adults), "adult"),
            _count(len(profile.of_kind(EntityKind.VEHICLE)), "vehicle"),
            _count(len(phones), "phone, handset or account", "phones, handsets and accounts"),
            _count(len(profile.of_kind(EntityKind.LOCATION)), "place"),
            _count(len(profile.links), "link"),
        ]
    )
    lines = [
        f"Exported by {who} ({exported_by.get_username()}), {agency}, "
        f"on {exported_at.astimezone(LONDON):%-d %b %Y, %H:%M} (London time)",
        f"Everything linked to the {profile.about}"
        + (f", {profile.window}" if profile.window else "")
        + ": "
        + counts
        + ".",
        "Only what the person exporting may see and export: other agencies, and other "
        "reports, may hold more. Handle, store and share this document as "
        "OFFICIAL-SENSITIVE, under the handling conditions of the reports it draws on.",
    ]
    if profile.truncated:
        lines.append(f"Only the first {LIMIT} links are included: narrow the dates to see more.")
    for line in lines:
        pdf.multi_cell(0, 5, printable(line), new_x="LMARGIN", new_y="NEXT")
    if not profile.links:
        pdf.ln(3)
        pdf.multi_cell(0, 6, "Nothing is linked in this window.", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    if profile.conditions:
        _heading(pdf, "Conditions on sharing")
        pdf.set_font("Helvetica", "", 10)
        for reference, text in sorted(profile.conditions.items()):
            pdf.multi_cell(0, 5, printable(f"{reference}: {text}"), new_x="LMARGIN", new_y="NEXT")
    _entities(pdf, "Children linked", profile.children)
    _entities(pdf, "Adults linked", profile.adults)
    _entities(pdf, "Vehicles", profile.of_kind(EntityKind.VEHICLE))
    _entities(
        pdf,
        "Phones, handsets and online accounts",
        profile.of_kind(EntityKind.PHONE, EntityKind.HANDSET, EntityKind.ONLINE_ACCOUNT),
        with_kind=True,
    )
    _entities(pdf, "Places", profile.of_kind(EntityKind.LOCATION))
    _entities(pdf, "Events", profile.of_kind(EntityKind.EVENT))
    _heading(pdf, "Timeline by month")
    _table(
        pdf,
        MONTH_COLUMNS,
        (
            (f"{m.month:%B %Y}", str(m.links), str(m.new_entities), str(m.new_children))
            for m in profile.timeline
        ),
    )
    _heading(pdf, f"Links ({len(profile.links)}), oldest first")
    _table(
        pdf,
        LINK_COLUMNS,
        (
            (
                f"{x.first_seen:%-d %b %Y}"
                + (f" to {x.last_seen:%-d %b %Y}" if x.last_seen else ""),
                _end(x.source),
                x.kind_label,
                _end(x.target),
                f"{x.report} ({x.grading})" if x.report else "",
            )
            for x in profile.links
        ),
    )
    return bytes(pdf.output())


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _end(row: Row) -> str:
    text = row.label
    if row.reference:
        text += f" ({row.reference})"
    if row.kind != EntityKind.PERSON:
        text += f", {row.kind_label.lower()}"
    if row.is_child:
        text += ", child"
    if row.flagged:
        text += ", flagged"
    return text
