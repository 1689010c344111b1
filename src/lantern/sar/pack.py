"""Building a pack's snapshot from the registered sections, and reading it back.

The snapshot (Pack.content) is plain JSON:

    {"version": 1, "sections": [
        {"key", "title", "intro", "empty", "items": [
            {"heading": [parts], "when": "3 Mar 2024, 21:00", "agency": "...",
             "fields": [{"label": "...", "parts": [parts]}]}]}]}

where each part is plain text or {"r": n}, redaction n. The text a redaction covers is
kept only on its Redaction row. `gather` returns the snapshot and the redactions to
save; `rendered` reads a saved pack back with each redaction shown as its marker (or, once
lifted, as its text), for the page, the PDF and the tests alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from lantern.people.models import Person

from . import registry
from .redaction import BIRTH_DATE, NAME, Redactor
from .registry import Professional, Section, Withhold

LONDON = ZoneInfo("Europe/London")
VERSION = 1


def marker(number: int) -> str:
    return f"[redacted R{number}]"


@dataclass
class NewRedaction:
    number: int
    kind: str
    exemption: str
    why: str
    original: str
    where: str


@dataclass
class Gathered:
    content: dict
    redactions: list[NewRedaction]
    police_held: bool
    third_party_ids: list[int]


def _when(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(LONDON).strftime("%-d %b %Y, %H:%M")
    return value.strftime("%-d %b %Y")


def _pieces(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def _withheld(sections: Iterable[Section]) -> Iterable[Withhold]:
    for section in sections:
        for item in section.items:
            for f in item.fields:
                for piece in _pieces(f.value):
                    if isinstance(piece, Withhold):
                        yield piece


class _Numberer:
    def __init__(self, redactor: Redactor, start: int = 1):
        self.redactor = redactor
        self.next = start
        self.made: list[NewRedaction] = []

    def _new(self, piece: Withhold, where: str) -> dict:
        number = self.next
        self.next += 1
        self.made.append(
            NewRedaction(number, piece.kind, piece.exemption, piece.why, piece.text, where[:400])
        )
        return {"r": number}

    def parts(self, value, where: str) -> list:
        found: list = []
        for piece in _pieces(value):
            if piece is None or piece == "":
                continue
            if isinstance(piece, Professional):
                found.append(piece.text)
            elif isinstance(piece, Withhold):
                found.append(self._new(piece, where))
            else:
                for scanned in self.redactor.scan(str(piece)):
                    found.append(scanned if isinstance(scanned, str) else self._new(scanned, where))
        return _merged(found)


def _merged(parts: list) -> list:
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def gather(person: Person) -> Gathered:
    """Every registered app's sections about the person, with other people's data cut out."""
    contributors = registry.contributors()
    linked: dict[int, Person] = {}
    for contributor in contributors:
        if contributor.linked_people is not None:
            for other in contributor.linked_people(person):
                linked[other.pk] = other
    sections: list[Section] = []
    for contributor in contributors:
        sections.extend(contributor.sections(person))
    redactor = Redactor(person, linked.values())
    for piece in _withheld(sections):  # what structured fields withheld, found in free text
        if piece.kind == NAME:
            redactor.add_name(piece.text)
        elif piece.kind == BIRTH_DATE:
            redactor.add_date_text(piece.text)
        elif len(piece.text) <= 20:
            redactor.add_identifier_like(piece.text, piece.kind, piece.exemption, piece.why)
    numberer = _Numberer(redactor)
    content = {"version": VERSION, "sections": []}
    police_held = False
    for section in sections:
        items = []
        for item in section.items:
            police_held |= item.police
            heading = item.heading or "Entry"
            where = f"{section.title} > {heading}"
            items.append(
                {
                    "heading": numberer.parts(heading, where),
                    "when": _when(item.when),
                    "agency": item.agency,
                    "fields": [
                        {"label": f.label, "parts": numberer.parts(f.value, f"{where} > {f.label}")}
                        for f in item.fields
                    ],
                }
            )
        content["sections"].append(
            {
                "key": section.key,
                "title": section.title,
                "intro": section.intro,
                "empty": section.empty,
                "items": items,
            }
        )
    return Gathered(content, numberer.made, police_held, sorted(redactor.linked_ids))


# ---------------------------------------------------------------- manual redactions
def redact_phrase(content: dict, phrase: str, start: int) -> tuple[dict, list]:
    """Cut every whole-word occurrence of `phrase` out of the pack's plain text, numbering
    from `start`. Returns the new content and (number, text found, where) for each."""
    pattern = re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w])",
                         re.IGNORECASE)  # fmt: skip
    made: list[tuple[int, str, str]] = []
    number = start

    def cut(parts: list, where: str) -> list:
        nonlocal number
        found: list = []
        for part in parts:
            if not isinstance(part, str):
                found.append(part)
                continue
            at = 0
            for match in pattern.finditer(part):
                found.append(part[at : match.start()])
                found.append({"r": number})
                made.append((number, match.group(0), where))
                number += 1
                at = match.end()
            found.append(part[at:])
        return _merged(found)

    for section in content["sections"]:
        for item in section["items"]:
            heading = _plain(item["heading"])
            where = f"{section['title']} > {heading}"
            item["heading"] = cut(item["heading"], where)
            for f in item["fields"]:
                f["parts"] = cut(f["parts"], f"{where} > {f['label']}")
    return content, made


def _plain(parts: list) -> str:
    return "".join(p if isinstance(p, str) else marker(p["r"]) for p in parts)


# ---------------------------------------------------------------- reading it back
@dataclass
class Segment:
    text: str
    redaction: object | None = None  # a Redaction, for the page to highlight

    @property
    def lifted(self) -> bool:
        return self.redaction is not None and self.redaction.lifted


@dataclass
class RField:
    label: str
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class RItem:
    heading: list[Segment]
    when: str
    agency: str
    fields: list[RField] = field(default_factory=list)

    @property
    def heading_text(self) -> str:
        return "".join(s.text for s in self.heading)


@dataclass
class RSection:
    key: str
    title: str
    intro: str
    empty: str
    items: list[RItem]


def _segments(parts: list, redactions: dict) -> list[Segment]:
    found = []
    for part in parts:
        if isinstance(part, str):
            found.append(Segment(part))
            continue
        redaction = redactions[part["r"]]
        text = redaction.original if redaction.lifted else marker(redaction.number)
        found.append(Segment(text, redaction))
    return found


def rendered(content: dict, redactions: Iterable) -> list[RSection]:
    """The pack as the requester will read it: each redaction as its marker, unless lifted."""
    by_number = {r.number: r for r in redactions}
    return [
        RSection(
            section["key"],
            section["title"],
            section["intro"],
            section["empty"],
            [
                RItem(
                    _segments(item["heading"], by_number),
                    item["when"],
                    item["agency"],
                    [RField(f["label"], _segments(f["parts"], by_number)) for f in item["fields"]],
                )
                for item in section["items"]
            ],
        )
        for section in content["sections"]
    ]


def plain_text(sections: list[RSection]) -> str:
    """Every word of the rendered pack, for checks and tests."""
    lines = []
    for section in sections:
        lines += [section.title, section.intro]
        for item in section.items:
            lines += [item.heading_text, item.when, item.agency]
            lines += [f"{f.label}: {f.text}" for f in item.fields]
    return "\n".join(lines)
