"""Finding other people's data in a pack's free text.

A `Redactor` knows the subject (whose own data is never redacted here) and the other
people linked to her records: relatives, the suspects and other victims of the
investigations she is a victim in, the people at the other end of her network links,
the people an alert about her cites, and any names that structured fields withheld (the
suspect named on a police event). In any text it finds, case-insensitively and only as
whole words:

- their full names (given and family name, with any spacing between), and each of their
  single names that is distinctive: at least three letters, not one of the subject's own
  names, and not an everyday word that is also a name ("May", "Will", "Grace"...: see
  COMMON_WORDS), where a match would redact ordinary words in the text;
- their identifiers (NHS number, pupil number, police reference, Lantern reference), with
  or without spaces; their addresses' first lines and postcodes, unless the subject has
  the same one (a household she shared); their dates of birth, written in the usual
  ways, unless it is also hers;
- anything shaped like an identifier that is not the subject's own (a Lantern person
  reference, an NHS number, a unique pupil number, a police national computer id), as a
  net under the lists above;
- any further terms a contributor gives (a vehicle or a phone number linked to them).

Each match becomes a `Withhold` with what kind of data it is (never the data), the
exemption (DPA 2018 Sch 2 Part 3 para 16: third-party data) and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps

from lantern.network.normalise import phone as phone_key
from lantern.people.models import Identifier, Person, SourceRecord

from .exemptions import THIRD_PARTY
from .registry import Withhold

NAME = "Name of another person"
IDENTIFIER = "Identifier of another person"
ADDRESS = "Address of another person"
BIRTH_DATE = "Date of birth of another person"
REFERENCE = "Lantern reference of another person"
PHONE = "Phone number of another person"

WHY = {
    NAME: "Someone else's name: another person recorded in Lantern or named in your records.",
    IDENTIFIER: "Someone else's identifier (such as an NHS number or a police reference).",
    ADDRESS: "Someone else's address.",
    BIRTH_DATE: "Someone else's date of birth.",
    REFERENCE: "The Lantern reference of another person.",
    PHONE: "A phone number that is not one of yours.",
}

# Names that are also everyday words: alone, they are not redacted (a full name still is).
COMMON_WORDS = frozenset(
    """
    may will june april august rose grace hope faith joy dawn summer autumn ruby amber
    crystal sky star river brook bill mark jack frank rich sandy rusty dusty bob pat
    sue carol holly ivy iris lily daisy violet heather hazel pearl sunny honey cash
    gray grey green white black brown young long hall wood hill street park lane
    mason cook baker smith taylor miller page bishop king knight friend love
    """.split()
)

REFERENCE_PATTERN = re.compile(r"P-[ABCDEFGHJKLMNPQRTUVWXY346789]{8}", re.IGNORECASE)
_NHS_LIKE = re.compile(r"(?<![\w])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w])")
_UPN_LIKE = re.compile(r"(?<![\w])[A-Z]\d{11}[0-9A-Z](?![\w])", re.IGNORECASE)
_PNC_LIKE = re.compile(r"(?<![\w/])\d{2,4}/\d{1,7}[A-Z](?![\w])", re.IGNORECASE)
# A UK phone number as people write it: 07700 900123, 01632 960210, +44 7700 900123.
_PHONE_LIKE = re.compile(r"(?<![\w+])(?:\+44\s?|0044\s?|0)\d{2,4}(?:[\s-]?\d{3,4}){2}(?![\w])")
_NETS = ((REFERENCE_PATTERN, REFERENCE), (_NHS_LIKE, IDENTIFIER), (_UPN_LIKE, IDENTIFIER),
         (_PNC_LIKE, IDENTIFIER), (_PHONE_LIKE, PHONE))  # fmt: skip


def _squash(text: str) -> str:
    return re.sub(r"[\s-]+", "", text or "").upper()


def _phrase(text: str) -> str:
    """A pattern for a phrase, with any run of spaces between its words."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _loose(value: str) -> str:
    """A pattern for an identifier or postcode, with or without spaces or dashes."""
    chars = [re.escape(c) for c in _squash(value)]
    return r"[\s-]?".join(chars)


def _dates(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.day} {day:%B} {day.year}",
        f"{day.day} {day:%b} {day.year}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
    ]


@dataclass(frozen=True)
class _Term:
    pattern: str
    kind: str
    exemption: str
    why: str


class Redactor:
    def __init__(self, subject: Person, linked: Iterable[Person] = ()):
        self.subject = subject
        self._own = _own_data(subject)
        self._terms: list[_Term] = []
        self._compiled: list[tuple[re.Pattern, _Term]] | None = None
        self.linked_ids: set[int] = set()
        self._add_people(list(linked))

    # ------------------------------------------------------------ what to look for
    def _term(self, pattern: str, kind: str, exemption: str = THIRD_PARTY, why: str = ""):
        if pattern:
            self._terms.append(_Term(pattern, kind, exemption, why or WHY.get(kind, "")))
            self._compiled = None

    def add_name(self, name: str) -> None:
        """Another person's name, given in full: the whole of it, and its distinctive
        single names."""
        words = [w for w in re.split(r"\s+", (name or "").strip()) if w]
        if not words:
            return
        if " ".join(words).lower() not in self._own["full_names"]:
            self._term(_phrase(" ".join(words)), NAME)
        for word in words:
            self._single_name(word)

    def _single_name(self, word: str) -> None:
        word = word.strip(".,;:()'\"")
        lowered = word.lower()
        if (
            len(word) < 3
            or not any(c.isalpha() for c in word)
            or lowered in self._own["names"]
            or lowered in COMMON_WORDS
        ):
            return
        self._term(re.escape(word), NAME)

    def add_term(self, text: str, kind: str, exemption: str = THIRD_PARTY, why: str = ""):
        """Any other text to redact wherever it appears (a vehicle, a phone number)."""
        text = (text or "").strip()
        if len(text) >= 3:
            self._term(_phrase(text), kind, exemption, why)

    def add_identifier_like(
        self, text: str, kind: str, exemption: str = THIRD_PARTY, why: str = ""
    ) -> None:
        """A short code (a registration, a phone number), with or without spaces."""
        if len(_squash(text)) >= 4 and _squash(text) not in self._own["identifiers"]:
            self._term(_loose(text), kind, exemption, why)

    def add_date_text(self, text: str) -> None:
        """Another person's date of birth as a structured field held it (ISO)."""
        try:
            self._add_date(dt.date.fromisoformat((text or "").strip()))
        except ValueError:
            self.add_term(text, BIRTH_DATE)

    def _add_people(self, people: list[Person]) -> None:
        people = [p for p in people if p.pk != self.subject.pk and p.pk not in self.linked_ids]
        if not people:
            return
        self.linked_ids |= {p.pk for p in people}
        records = list(
            SourceRecord.objects.filter(person__in=people).prefetch_related(
                "addresses", "identifiers"
            )
        )
        for person in people:
            self.add_name(person.full_name)
            self._add_identifier(person.reference, REFERENCE)
            if person.date_of_birth:
                self._add_date(person.date_of_birth)
        for record in records:
            self.add_name(f"{record.given_name} {record.family_name}")
            for other in re.split(r"[,;]", record.other_names or ""):
                self.add_name(other)
            if record.date_of_birth:
                self._add_date(record.date_of_birth)
            for identifier in record.identifiers.all():
                self._add_identifier(identifier.value, IDENTIFIER)
            for address in record.addresses.all():
                if address.line1.strip().lower() not in self._own["lines"]:
                    self._term(_phrase(address.line1), ADDRESS)
                if _squash(address.postcode) not in self._own["postcodes"]:
                    self._term(_loose(address.postcode), ADDRESS)
            if record.postcode and _squash(record.postcode) not in self._own["postcodes"]:
                self._term(_loose(record.postcode), ADDRESS)

    def add_people(self, people: Iterable[Person]) -> None:
        self._add_people(list(people))

    def _add_identifier(self, value: str, kind: str) -> None:
        if value and _squash(value) not in self._own["identifiers"]:
            self._term(_loose(value), kind)

    def _add_date(self, day: dt.date) -> None:
        if day != self.subject.date_of_birth:
            self._term("|".join(re.escape(d) for d in _dates(day)), BIRTH_DATE)

    # ------------------------------------------------------------ finding it
    def _patterns(self) -> list[tuple[re.Pattern, _Term]]:
        if self._compiled is None:
            grouped: dict[tuple[str, str, str], list[str]] = {}
            for term in self._terms:
                grouped.setdefault((term.kind, term.exemption, term.why), []).append(term.pattern)
            self._compiled = []
            for (kind, exemption, why), patterns in grouped.items():
                unique = sorted(set(patterns), key=len, reverse=True)
                pattern = re.compile(
                    r"(?<![\w])(?:" + "|".join(unique) + r")(?![\w])", re.IGNORECASE
                )
                self._compiled.append((pattern, _Term("", kind, exemption, why)))
        return self._compiled

    def _own_identifier(self, text: str) -> bool:
        squashed = _squash(text)
        return (
            squashed in self._own["identifiers"]
            or squashed == self.subject.reference
            or _phone_digits(text) in self._own["phones"]
        )

    def scan(self, text: str) -> list[str | Withhold]:
        """The text as pieces: plain text, and the other people's data found in it."""
        if not text:
            return [text] if text is not None else []
        spans: list[tuple[int, int, str, str, str]] = []
        for pattern, term in self._patterns():
            for match in pattern.finditer(text):
                spans.append((match.start(), match.end(), term.kind, term.exemption, term.why))
        for pattern, kind in _NETS:
            for match in pattern.finditer(text):
                if not self._own_identifier(match.group(0)):
                    spans.append((match.start(), match.end(), kind, THIRD_PARTY, WHY[kind]))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        pieces: list[str | Withhold] = []
        at = 0
        for start, end, kind, exemption, why in spans:
            if start < at or start == end:
                continue
            if start > at:
                pieces.append(text[at:start])
            pieces.append(Withhold(text[start:end], kind, exemption, why))
            at = end
        if at < len(text):
            pieces.append(text[at:])
        return pieces


def _own_data(subject: Person) -> dict[str, set[str]]:
    """The subject's own names, identifiers and addresses, never redacted as another's."""
    records = list(
        SourceRecord.objects.filter(person=subject).prefetch_related("addresses", "identifiers")
    )
    names = {subject.given_name.lower(), subject.family_name.lower()}
    full = {subject.full_name.lower()}
    identifiers = {_squash(subject.reference)}
    lines, postcodes = set(), set()
    for record in records:
        names |= {record.given_name.lower(), record.family_name.lower()}
        full.add(f"{record.given_name} {record.family_name}".lower())
        for other in re.split(r"[,;\s]+", record.other_names or ""):
            if other:
                names.add(other.lower())
        if record.postcode:
            postcodes.add(_squash(record.postcode))
        for address in record.addresses.all():
            lines.add(address.line1.strip().lower())
            postcodes.add(_squash(address.postcode))
    identifiers |= {
        _squash(value)
        for value in Identifier.objects.filter(source_record__person=subject).values_list(
            "value", flat=True
        )
    }
    return {
        "names": names,
        "full_names": full,
        "identifiers": identifiers,
        "lines": lines,
        "postcodes": postcodes,
        "phones": _own_phones(subject),
    }


def _phone_digits(text: str) -> str:
    """A phone number's one key however it was written (lantern.network.normalise.phone:
    07700 900123, +44 7700 900123 and 0044 7700 900123 are one number)."""
    try:
        return phone_key(text)[0]
    except ValueError:
        return re.sub(r"\D", "", text or "")


def _own_phones(subject: Person) -> set[str]:
    """Her own numbers: the ones she gave to be contacted safely (lantern.support, named
    through the app registry: the pack reads every app, none builds on it)."""
    if not apps.is_installed("lantern.support"):
        return set()
    model = apps.get_model("support", "SafeContact")
    numbers = model.objects.filter(person=subject).exclude(phone="").values_list("phone", flat=True)
    return {_phone_digits(number) for number in numbers}
