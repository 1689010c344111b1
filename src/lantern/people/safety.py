"""A survivor's hidden address, as every page and export shows it: absent.

When a person's safe-contact settings hide her address (lantern.support), the access
policy says so for each reader (`policy.address_hidden_from`, `policy.hidden_addresses_among`):
only her lead worker on an open support plan sees it. For everyone else no address of hers
appears anywhere, not a first line nor a postcode: not an agency's address, not the postcode on its
record, not the place or postcode of an event at her home, not the address a referrer typed.

An `AddressMask` is built once per page or export for the people it shows. It knows whose
addresses are hidden from the reader and the words that would give them away (every first
line and postcode any agency or referral holds for her), and takes those words out of free
text (an event's summary, a meeting's notes) written before anyone knew she was at risk.

`safe_contact_for` reads her safe-contact settings once per page, for the banner
(web/_safe_contact_banner.html) shown to anyone who may contact her.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps

from lantern.access import policy

from .models import Address, SourceRecord

HIDDEN_NOTE = "Address hidden: ask the lead worker"
REDACTED = "[address hidden]"
_MIN_TERM = 5  # shorter words ("Flat", "12") give nothing away and match everywhere
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def _term_pattern(term: str) -> str | None:
    """A pattern matching the term however it is spaced or cased; a postcode with or
    without its space. None for a term too short to mean anything alone."""
    words = term.split()
    if not words or len("".join(words)) < _MIN_TERM:
        return None
    postcode = _POSTCODE.match("".join(words).upper())
    if postcode:
        return re.escape(postcode.group(1)) + r"\s*" + re.escape(postcode.group(2))
    return r"[\s,]+".join(re.escape(w.strip(",")) for w in words if w.strip(","))


@dataclass(frozen=True)
class AddressMask:
    """Whose addresses one reader may not see, among the people a page shows, and the
    words that would give them away."""

    hidden: frozenset[int] = frozenset()
    _patterns: dict[int, re.Pattern] = field(default_factory=dict, compare=False)

    def hides(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in self.hidden

    def __bool__(self) -> bool:
        return bool(self.hidden)

    def text(self, person_id: int | None, text: str) -> str:
        """The text without her address in it (unchanged when hers is not hidden)."""
        pattern = self._patterns.get(person_id) if person_id is not None else None
        if not text or pattern is None:
            return text
        return pattern.sub(REDACTED, text)

    def any_text(self, text: str) -> str:
        """The text without the address of anyone hidden here (for text about several
        people, such as a network's place names)."""
        for pattern in self._patterns.values():
            if text:
                text = pattern.sub(REDACTED, text)
        return text

    def scrub(self, data):
        """Serialised data (an API answer: dicts, lists, strings) with every string passed
        through `any_text`; anything else as it was."""
        if not self:
            return data
        if isinstance(data, str):
            return self.any_text(data)
        if isinstance(data, dict):
            return {key: self.scrub(value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            return [self.scrub(value) for value in data]
        return data

    def place(self, person_id: int | None, place: str) -> str:
        """An event's place: kept when it is not her address (a hotel, a park)."""
        return self.text(person_id, place)

    def postcode(self, person_id: int | None, postcode: str) -> str:
        """A postcode about her (an event's, a record's): absent when hers are hidden."""
        return "" if self.hides(person_id) else postcode


NO_MASK = AddressMask()


def address_terms(person_ids: Iterable[int]) -> dict[int, set[str]]:
    """Every first line and postcode held for each person: by any agency (every version of
    its record, current or not) and by any referral about them."""
    ids = set(person_ids)
    terms: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return terms
    rows = Address.objects.filter(source_record__person_id__in=ids).values_list(
        "source_record__person_id", "line1", "line2", "postcode"
    )
    for person_id, line1, line2, postcode in rows:
        terms[person_id].update(t for t in (line1, postcode) if t)
        if line2 and any(ch.isdigit() for ch in line2):  # "Flat 3, 22 Heron Court"
            terms[person_id].add(line2)
    records = SourceRecord.objects.filter(person_id__in=ids).exclude(postcode="")
    for person_id, postcode in records.values_list("person_id", "postcode"):
        terms[person_id].add(postcode)
    referral = apps.get_model("frontdoor", "Referral")
    typed = referral.objects.filter(person_id__in=ids).values_list(
        "person_id", "address_line1", "postcode"
    )
    for person_id, line1, postcode in typed:
        terms[person_id].update(t for t in (line1, postcode) if t)
    return terms


def address_mask(*, user, person_ids: Iterable[int]) -> AddressMask:
    """The mask for one reader over the people a page or export shows: two queries to
    learn whose addresses are hidden, and (only if any are) a few more for their words."""
    hidden = policy.hidden_addresses_among(user, {pk for pk in person_ids if pk is not None})
    if not hidden:
        return NO_MASK
    patterns = {}
    for person_id, terms in address_terms(hidden).items():
        # Longest first, so "22 Heron Court" goes before a shorter word inside it.
        parts = [p for p in map(_term_pattern, sorted(terms, key=len, reverse=True)) if p]
        if parts:
            joined = "|".join(f"(?:{p})" for p in parts)
            patterns[person_id] = re.compile(
                rf"(?<![A-Za-z0-9])(?:{joined})(?![A-Za-z0-9])", re.IGNORECASE
            )
    return AddressMask(frozenset(hidden), patterns)


@dataclass(frozen=True)
class SafeContactView:
    """Her safe-contact settings as a worker who may contact her sees them."""

    settings: object  # support.SafeContact
    address_hidden: bool  # from this reader
    lead_worker: str  # "Aisha Rahman, Harbour Survivors", or "" with no open plan

    @property
    def ways(self) -> list[tuple[str, bool]]:
        s = self.settings
        return [
            ("Phone calls", s.may_call),
            ("Text messages", s.may_text),
            ("Leaving a message", s.may_leave_message),
            ("Letters by post", s.may_post),
            ("Email", s.may_email),
        ]

    @property
    def allowed(self) -> list[str]:
        return [label for label, yes in self.ways if yes]

    @property
    def not_allowed(self) -> list[str]:
        return [label for label, yes in self.ways if not yes]

    @property
    def hidden_note(self) -> str:
        if self.lead_worker:
            return f"{HIDDEN_NOTE}, {self.lead_worker}"
        return HIDDEN_NOTE


def safe_contact_for(*, user, person) -> SafeContactView | None:
    """The safe-contact settings in force for a person the user may already see (the
    caller read her through the policy and audited the look), or None if none were
    recorded. Two or three queries: call it once per page."""
    from lantern.support.access import safe_contact_of

    settings = safe_contact_of(person)
    if settings is None:
        return None
    plan_model = apps.get_model("support", "SupportPlan")
    plan = (
        plan_model.objects.filter(person_id=person.pk, ended_at__isnull=True)
        .select_related("lead_worker", "agency")
        .first()
    )
    lead = ""
    if plan is not None:
        name = plan.lead_worker.get_full_name() or plan.lead_worker.get_username()
        lead = f"{name}, {plan.agency.name}"
    return SafeContactView(
        settings=settings,
        address_hidden=policy.address_hidden_from(user, person),
        lead_worker=lead,
    )


def safe_contacts_among(*, user, person_ids: Iterable[int]) -> dict[int, SafeContactView]:
    """`safe_contact_for` for a list (a victims' table, the duties to tell them): the
    settings in force for each person with any, among those the user may view, in a fixed
    number of queries."""
    ids = policy.people_visible_among(user, {pk for pk in person_ids if pk is not None}, "view")
    if not ids:
        return {}
    safe_contact = apps.get_model("support", "SafeContact")
    plan_model = apps.get_model("support", "SupportPlan")
    latest: dict[int, object] = {}
    for row in safe_contact.objects.filter(person_id__in=ids).order_by(
        "person_id", "-recorded_at", "-pk"
    ):
        latest.setdefault(row.person_id, row)
    if not latest:
        return {}
    leads = {}
    for plan in plan_model.objects.filter(
        person_id__in=latest, ended_at__isnull=True
    ).select_related("lead_worker", "agency"):
        name = plan.lead_worker.get_full_name() or plan.lead_worker.get_username()
        leads[plan.person_id] = f"{name}, {plan.agency.name}"
    hidden = policy.hidden_addresses_among(user, latest)
    return {
        person_id: SafeContactView(
            settings=row, address_hidden=person_id in hidden, lead_worker=leads.get(person_id, "")
        )
        for person_id, row in latest.items()
    }
