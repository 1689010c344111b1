"""A child's chronology: one timeline of everything every agency recorded that the reader
may see, newest first, each entry linked to the page it came from.

What goes in, and who may see it:

- events (people.Event) by the policy's rule for events (as `policy.events_visible_to`
  decides, from the reader's relationships to the child, read once): a restricted
  police event is simply absent for a school that may not see it;
- referrals through `policy.referrals_visible_to`, shown as the referral's own page
  shows them to this reader (frontdoor/selectors.py): the front door sees the rating,
  every agency's answer and the reasons for its decision; the referring agency sees
  what it sent and the outcome; an agency asked for information sees only that a
  referral was received and its own request;
- an agency's own answers to the front door, even after its request closed (the
  answer is its own record);
- casework (cases, meetings, enquiries, assessments, conferences, plans, core group
  meetings, actions): readable by whoever may view the child (casework/access.py), and
  the child was already read through that same policy question.

It is built in two steps so that a child with hundreds of entries stays cheap: light
keys (when, kind, record, agency) for every entry the reader may see, filtered, sorted
and cut to a page; then the page's records are read in full. One audit event names the
child and every record the page shows; another agency's events shown are also recorded
as one disclosure to the reader, naming each event and, for each agency it came from,
the sharing agreement in force.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lantern.access import policy
from lantern.access.models import InformationSharingAgreement
from lantern.audit.services import Subject, audit_record
from lantern.casework.models import (
    Action,
    Assessment,
    Case,
    Conference,
    CoreGroupMeeting,
    Enquiry,
    Meeting,
    MeetingKind,
    Plan,
)
from lantern.core import clock
from lantern.frontdoor.models import InformationRequest, Rating, Referral, RequestStatus
from lantern.partners.models import Agency, StaffMembership
from lantern.people import selectors as people_selectors
from lantern.people.models import Event, Person, Sensitivity
from lantern.people.safety import NO_MASK, address_mask

CONSULTATION = "consultation"
PAGE_SIZE = 50
EXPORT_LIMIT = 5000
SUMMARY_LENGTH = 300

# The kinds of entry, in the order the filter offers them.
KINDS: dict[str, str] = {
    "event": "Agency events",
    "referral": "Referrals",
    "triage": "Front-door ratings",
    "information": "Information shared with the front door",
    "decision": "Front-door decisions and feedback",
    "case": "Cases opened and closed",
    "meeting": "Meetings",
    "enquiry": "Section 47 enquiries",
    "assessment": "Assessments",
    "conference": "Conferences",
    "plan": "Plans",
    "action": "Actions",
}
_KIND_ORDER = {kind: n for n, kind in enumerate(KINDS)}


class Mode:
    """How the reader sees a referral (as frontdoor.selectors decides for its page)."""

    TRIAGE = "triage"
    REFERRER = "referrer"
    ASKED = "asked"


@dataclass(frozen=True)
class Filters:
    agency: str = ""  # an agency code, or "" for every agency
    kinds: frozenset[str] = frozenset()  # empty: every kind

    def described(self) -> dict:
        found: dict = {}
        if self.agency:
            found["agency"] = self.agency
        if self.kinds:
            found["kinds"] = sorted(self.kinds)
        return found


@dataclass(frozen=True)
class _Key:
    """One entry before its record is read: enough to filter, sort and page."""

    when: dt.datetime
    kind: str
    model: str
    pk: int
    step: str
    agency_id: int | None


@dataclass(frozen=True)
class Entry:
    when: dt.datetime
    kind: str
    title: str
    summary: str
    agency: Agency | None
    url: str
    record: object
    restricted: bool = False

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def agency_name(self) -> str:
        return self.agency.name if self.agency else ""


@dataclass
class Chronology:
    person: Person
    page: Page  # of Entry
    total: int
    agencies: list[Agency]  # every agency with an entry the reader may see (for the filter)
    kinds: list[str]  # every kind with an entry the reader may see
    filters: Filters
    purpose: str
    may_export: bool = False
    entries: list[Entry] = field(default_factory=list)


def _short(text: str, limit: int = SUMMARY_LENGTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- step 1: the keys
# Every source gives rows of the same shape, so that one UNION ALL query (one round trip)
# finds every entry: (when, kind, model, pk, step, agency id, extra). `extra` is the
# referral's team for a referral, and the chair for a meeting outside a case.
def _row(queryset, when: str, kind: str, model: str, step: str, agency: str | None, extra=None):
    text = CharField()
    number = IntegerField()
    return (
        queryset.order_by()
        .annotate(
            k_when=F(when),
            k_kind=Value(kind, output_field=text),
            k_model=Value(model, output_field=text),
            k_step=Value(step, output_field=text),
            k_agency=F(agency) if agency else Value(None, output_field=number),
            k_extra=F(extra) if extra else Value(None, output_field=number),
        )
        .values_list("k_when", "k_kind", "k_model", "pk", "k_step", "k_agency", "k_extra")
    )


def _front_door_team(user) -> int | None:
    return user.membership.team_id if policy.is_front_door(user) else None


def _readers_sources(user, person: Person, action: str, relationships: set[str]) -> list:
    """The sources the access policy filters for this reader: events and the front door's
    records."""
    referrals = policy.referrals_visible_to(user, action).filter(person=person)
    team = _front_door_team(user)
    triage = referrals.filter(team_id=team) if team is not None else Referral.objects.none()
    whose = Q(referral__in=triage.values("pk"))
    if user.agency is not None:
        whose |= Q(agency=user.agency)
    answered = InformationRequest.objects.filter(
        whose, referral__person=person, status=RequestStatus.ANSWERED
    )
    return [
        _row(
            policy.person_events_visible_to(user, action, person, relationships),
            "occurred_at",
            "event",
            "event",
            "",
            "source_record__agency_id",
        ),
        _row(referrals, "received_at", "referral", "referral", "received", "agency_id", "team_id"),
        _row(
            referrals.filter(decided_at__isnull=False),
            "decided_at",
            "decision",
            "referral",
            "decided",
            "team__agency_id",
        ),
        _row(
            referrals.filter(feedback_at__isnull=False),
            "feedback_at",
            "decision",
            "referral",
            "feedback",
            "team__agency_id",
        ),
        _row(
            Rating.objects.filter(referral__in=triage.values("pk")),
            "rated_at",
            "triage",
            "rating",
            "",
            "referral__team__agency_id",
        ),
        _row(answered, "answered_at", "information", "request", "", "agency_id"),
    ]


def _casework_sources(person_id: int) -> list:
    """The child's casework: readable by whoever may view the child, so the same query
    for every reader."""
    cases = Case.objects.filter(person_id=person_id)
    plans = Plan.objects.filter(person_id=person_id)
    actions = Action.objects.filter(person_id=person_id)
    enquiries = Enquiry.objects.filter(person_id=person_id)
    assessments = Assessment.objects.filter(person_id=person_id)
    lead = "case__lead_agency_id"
    return [
        _row(
            cases.filter(referral__isnull=False),
            "opened_at",
            "case",
            "case",
            "opened",
            "lead_agency_id",
        ),
        _row(
            cases.filter(referral__isnull=True),
            "started_at",
            "case",
            "case",
            "opened",
            "lead_agency_id",
        ),
        _row(
            cases.filter(closed_at__isnull=False),
            "closed_at",
            "case",
            "case",
            "closed",
            "lead_agency_id",
        ),
        _row(
            Meeting.objects.filter(person_id=person_id),
            "held_at",
            "meeting",
            "meeting",
            "",
            lead,
            "chair_id",
        ),
        _row(
            CoreGroupMeeting.objects.filter(plan__person_id=person_id),
            "held_at",
            "meeting",
            "core_group_meeting",
            "",
            "plan__case__lead_agency_id",
        ),
        _row(enquiries, "started_at", "enquiry", "enquiry", "started", lead),
        _row(
            enquiries.filter(completed_at__isnull=False),
            "completed_at",
            "enquiry",
            "enquiry",
            "completed",
            lead,
        ),
        _row(assessments, "started_at", "assessment", "assessment", "started", lead),
        _row(
            assessments.filter(completed_at__isnull=False),
            "completed_at",
            "assessment",
            "assessment",
            "completed",
            lead,
        ),
        _row(
            Conference.objects.filter(person_id=person_id),
            "held_at",
            "conference",
            "conference",
            "",
            lead,
        ),
        _row(plans, "started_at", "plan", "plan", "started", lead),
        _row(plans.filter(closed_at__isnull=False), "closed_at", "plan", "plan", "closed", lead),
        _row(actions, "created_at", "action", "action", "agreed", "owner_agency_id"),
        _row(
            actions.filter(completed_at__isnull=False),
            "completed_at",
            "action",
            "action",
            "completed",
            "owner_agency_id",
        ),
    ]


# Building and compiling fourteen querysets costs more than running them, and they differ
# only in the child: compile them once, with a stand-in child, then swap the child in.
_STAND_IN = -7_041_993


def _parts(querysets) -> tuple[list[str], list]:
    sql, params = [], []
    wrap = connection.features.supports_parentheses_in_compound
    for queryset in querysets:
        try:
            text, values = queryset.query.sql_with_params()
        except EmptyResultSet:  # nothing the reader may see, such as no relationship at all
            continue
        sql.append(f"({text})" if wrap else text)
        params += values
    return sql, params


@functools.cache
def _casework_sql(vendor: str) -> tuple[str, tuple]:
    sql, params = _parts(_casework_sources(_STAND_IN))
    return " UNION ALL ".join(sql), tuple(params)


def _union(user, person: Person, action: str, relationships: set[str]) -> tuple[str, list]:
    """One UNION ALL of every source: one round trip for every entry's key."""
    sql, params = _parts(_readers_sources(user, person, action, relationships))
    casework, casework_params = _casework_sql(connection.vendor)
    sql.append(casework)
    params += [person.pk if value == _STAND_IN else value for value in casework_params]
    return " UNION ALL ".join(sql), params


def _referral_modes(user, received: Iterable[tuple[int, int | None, int | None]]) -> dict:
    """How the reader sees each referral (pk, referring agency, front door team), from the
    same relationships the policy uses."""
    team = _front_door_team(user)
    own = user.agency.pk if user.agency is not None else None
    modes = {}
    for pk, agency, referral_team in received:
        if team is not None and referral_team == team:
            modes[pk] = Mode.TRIAGE
        elif own is not None and agency == own:
            modes[pk] = Mode.REFERRER
        else:
            modes[pk] = Mode.ASKED
    return modes


def _aware(value) -> dt.datetime:
    """A time from the raw query: SQLite gives text where PostgreSQL gives a datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _all_keys(
    user, person: Person, action: str, relationships: set[str]
) -> tuple[list[_Key], dict[int, str]]:
    """Every entry the reader may see about the child, newest first, in one query."""
    sql, params = _union(user, person, action, relationships)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    modes = _referral_modes(
        user,
        [(pk, agency, extra) for _, kind, _, pk, _, agency, extra in rows if kind == "referral"],
    )
    chairs = {
        extra for _, _, model, _, _, agency, extra in rows if model == "meeting" and not agency
    }
    chair_agency = (
        dict(
            StaffMembership.objects.filter(user_id__in=chairs, ended_on__isnull=True).values_list(
                "user_id", "agency_id"
            )
        )
        if chairs
        else {}
    )
    keys = []
    for when, kind, model, pk, step, agency, extra in rows:
        when = _aware(when)
        if kind == "decision" and modes.get(pk) == Mode.ASKED:
            continue  # an agency asked for information is not told the outcome
        if model == "meeting" and not agency:
            agency = chair_agency.get(extra)
        keys.append(_Key(when, kind, model, pk, step, agency))
    keys.sort(key=lambda k: (k.when, -_KIND_ORDER[k.kind], k.pk), reverse=True)
    return keys, modes


# ---------------------------------------------------------------- step 2: the entries
_MODELS = {
    "event": (Event, ("event_type",)),
    "referral": (Referral, ("agency", "team__agency")),
    "rating": (Rating, ("referral",)),
    "request": (InformationRequest, ("referral", "agency")),
    "case": (Case, ()),
    "meeting": (Meeting, ()),
    "core_group_meeting": (CoreGroupMeeting, ("plan",)),
    "enquiry": (Enquiry, ()),
    "assessment": (Assessment, ()),
    "conference": (Conference, ()),
    "plan": (Plan, ()),
    "action": (Action, ("owner_agency",)),
}


def _records(keys: Sequence[_Key]) -> dict[tuple[str, int], object]:
    by_model: dict[str, set[int]] = defaultdict(set)
    for key in keys:
        by_model[key.model].add(key.pk)
    found = {}
    for name, pks in by_model.items():
        model, related = _MODELS[name]
        queryset = model.objects.filter(pk__in=pks)
        if related:
            queryset = queryset.select_related(*related)
        if name == "meeting":
            queryset = queryset.prefetch_related("agencies__agency", "decisions")
        for record in queryset:
            found[(name, record.pk)] = record
    return found


def _entry(
    key: _Key, record, agency: Agency | None, mode: str, person: Person, user, mask=NO_MASK
) -> Entry:
    def make(title: str, summary: str, url: str, restricted: bool = False) -> Entry:
        # Her address taken out (when hidden from the reader) before the summary is cut.
        title, summary = mask.text(person.pk, title), mask.text(person.pk, summary)
        return Entry(key.when, key.kind, title, _short(summary), agency, url, record, restricted)

    match key.model:
        case "event":
            summary = record.summary + (f" At {record.place}." if record.place else "")
            return make(
                record.event_type.name,
                summary,
                reverse("web:person", args=[person.reference]) + "#timeline",
                restricted=record.sensitivity != Sensitivity.NORMAL,
            )
        case "referral":
            url = reverse("frontdoor:referral", args=[record.reference])
            if key.step == "received":
                if mode == Mode.ASKED:
                    return make(
                        f"Referral from {record.agency.name}",
                        "The front door asked your agency what it knows about the child.",
                        url,
                    )
                return make(f"Referral from {record.agency.name}", record.concern, url)
            if key.step == "decided":
                return make(
                    f"Front-door decision: {record.get_decision_display()}",
                    record.decision_reason if mode == Mode.TRIAGE else "",
                    url,
                )
            return make("The referrer was told the outcome", record.feedback, url)
        case "rating":
            return make(
                f"Rated {record.get_rag_display().lower()} at the front door",
                record.reason,
                reverse("frontdoor:referral", args=[record.referral.reference]),
            )
        case "request":
            own = user.agency is not None and record.agency_id == user.agency.pk
            url = (
                reverse("frontdoor:request", args=[record.pk])
                if own
                else reverse("frontdoor:referral", args=[record.referral.reference])
            )
            return make(f"{record.agency.name} answered the front door", record.answer, url)
        case "case":
            url = reverse("casework:person", args=[person.reference])
            if key.step == "opened":
                return make("Case opened", record.reason, url)
            return make("Case closed", record.closure_reason, url)
        case "meeting":
            agencies = ", ".join(a.agency.name for a in record.agencies.all())
            decisions = "; ".join(d.text for d in record.decisions.all())
            summary = " ".join(
                part
                for part in (
                    record.summary,
                    f"Agencies invited: {agencies}." if agencies else "",
                    f"Decided: {decisions}." if decisions else "",
                )
                if part
            )
            if record.kind == MeetingKind.STRATEGY_DISCUSSION and not decisions:
                summary += " Section 47 enquiry: " + ("yes." if record.start_section_47 else "no.")
            return make(
                record.get_kind_display(), summary, reverse("casework:meeting", args=[record.pk])
            )
        case "core_group_meeting":
            return make(
                "Core group meeting",
                record.notes,
                reverse("casework:plan", args=[record.plan_id]),
            )
        case "enquiry":
            url = reverse("casework:enquiry", args=[record.pk])
            if key.step == "started":
                return make("Section 47 enquiry started", "", url)
            return make(
                f"Section 47 enquiry finished: {record.get_outcome_display()}",
                record.outcome_reason,
                url,
            )
        case "assessment":
            url = reverse("casework:assessment", args=[record.pk])
            if key.step == "started":
                return make(f"{record.get_kind_display()} started", "", url)
            return make(f"{record.get_kind_display()} finished", record.findings, url)
        case "conference":
            title = f"{record.get_kind_display()}: {record.get_outcome_display()}"
            if record.category:
                title += f" ({record.get_category_display().lower()})"
            return make(title, record.reasons, reverse("casework:conference", args=[record.pk]))
        case "plan":
            url = reverse("casework:plan", args=[record.pk])
            if key.step == "started":
                category = (
                    f"Category: {record.get_category_display().lower()}." if record.category else ""
                )
                return make(f"{record.get_kind_display()} started", category, url)
            return make(
                f"{record.get_kind_display()} closed: {record.get_closure_reason_display()}",
                record.closure_note,
                url,
            )
        case "action":
            url = reverse("casework:action", args=[record.pk])
            if key.step == "agreed":
                return make(
                    f"Action for {record.owner_agency.name}, due {record.due_on:%-d %B %Y}",
                    record.description,
                    url,
                )
            return make(
                f"Action done by {record.owner_agency.name}",
                f"{record.description}: {record.completion_note}",
                url,
            )
    raise ValueError(f"no entry for {key.model}")


def _entries(
    user, person: Person, keys: Sequence[_Key], modes: dict[int, str], agencies: dict
) -> list[Entry]:
    records = _records(keys)
    # Her address, where an event or a note mentions it, when her safe-contact settings
    # hide it from the reader: on the page, in the API and in the PDF alike.
    mask = address_mask(user=user, person_ids=[person.pk])
    return [
        _entry(
            key,
            records[(key.model, key.pk)],
            agencies.get(key.agency_id),
            modes.get(key.pk, "") if key.model == "referral" else "",
            person,
            user,
            mask,
        )
        for key in keys
        if (key.model, key.pk) in records
    ]


# ---------------------------------------------------------------- the audit
def _agreements(holders: Iterable[int], recipient: Agency | None) -> dict[int, str]:
    """The code of the sharing agreement in force between each holding agency and the
    reader's agency (the first by code, as `access.selectors.agreement_between` picks),
    for every holder at once."""
    if recipient is None:
        return {}
    today = clock.today()
    signed = InformationSharingAgreement.agencies.through.objects
    in_force = InformationSharingAgreement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        agencies=recipient,
        starts_on__lte=today,
    )
    found: dict[int, str] = {}
    rows = (
        signed.filter(agency_id__in=list(holders), informationsharingagreement__in=in_force)
        .order_by("informationsharingagreement__code")
        .values_list("agency_id", "informationsharingagreement__code")
    )
    for agency_id, code in rows:
        found.setdefault(agency_id, code)
    return found


def _audit(user, person: Person, entries: Sequence[Entry], purpose: str, *, operation, detail):
    """One consultation naming the child and every record shown; another agency's events
    shown are also a disclosure from that agency (as on the person page), recorded as one
    disclosure to the reader naming every such event, with each agency's agreement."""
    subjects, seen = [Subject.person(person)], set()
    for entry in entries:
        subject = Subject.of(entry.record, person_id=person.pk)
        if subject.as_tuple() not in seen:
            seen.add(subject.as_tuple())
            subjects.append(subject)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose=purpose,
        subjects=subjects,
        detail=detail,
    )
    own = user.agency.pk if user.agency else None
    by_agency: dict[int, list[Event]] = defaultdict(list)
    for entry in entries:
        if entry.kind == "event" and entry.agency is not None and entry.agency.pk != own:
            by_agency[entry.agency.pk].append(entry.record)
    if not by_agency:
        return
    agencies = {entry.agency.pk: entry.agency for entry in entries if entry.agency is not None}
    agreements = _agreements(by_agency, user.agency)
    audit_record(
        actor=user,
        action="disclosure",
        operation=operation,
        purpose=purpose,
        recipient=f"{user} ({user.agency.name if user.agency else 'no agency'})",
        subjects=[
            Subject.of(event, person_id=person.pk)
            for events in by_agency.values()
            for event in events
        ],
        detail={
            "from_agencies": [
                {
                    "agency": agencies[agency_id].code,
                    "agreement": agreements.get(agency_id),
                    "events": [event.pk for event in events],
                }
                for agency_id, events in sorted(
                    by_agency.items(), key=lambda item: agencies[item[0]].code
                )
            ]
        },
    )


def _purpose(relationships: set[str]) -> str:
    return "Chronology: " + people_selectors.purpose_for(relationships)


# ---------------------------------------------------------------- the questions
# The child, if the reader may `action` them: the one lookup every page and API uses.
person_get = people_selectors.person_get


def _filtered(keys: list[_Key], filters: Filters, agencies: dict[int, Agency]) -> list[_Key]:
    if filters.kinds:
        keys = [k for k in keys if k.kind in filters.kinds]
    if filters.agency:
        ids = {pk for pk, a in agencies.items() if a.code == filters.agency}
        keys = [k for k in keys if k.agency_id in ids]
    return keys


@transaction.atomic
def chronology_page(
    *,
    user,
    person: Person,
    filters: Filters = Filters(),
    page: int | str | None = 1,
    page_size: int = PAGE_SIZE,
    action: str = "view",
    operation: str = "chronology.view",
) -> Chronology:
    """One page of the child's chronology, newest first, audited. The caller has read the
    child through `person_get` with the same `action` (a hidden child is a 404 there)."""
    relationships = policy.person_relationships(user, person)
    keys, modes = _all_keys(user, person, action, relationships)
    agencies = Agency.objects.in_bulk({k.agency_id for k in keys if k.agency_id})
    chosen = _filtered(keys, filters, agencies)
    shown = Paginator(chosen, page_size).get_page(page)
    entries = _entries(user, person, list(shown.object_list), modes, agencies)
    shown.object_list = entries
    purpose = _purpose(relationships)
    _audit(
        user,
        person,
        entries,
        purpose,
        operation=operation,
        detail={"page": shown.number, "count": len(chosen), "filters": filters.described()},
    )
    present = {k.kind for k in keys}
    return Chronology(
        person=person,
        page=shown,
        total=len(chosen),
        agencies=sorted(agencies.values(), key=lambda a: a.name),
        kinds=[kind for kind in KINDS if kind in present],
        filters=filters,
        purpose=purpose,
        may_export=policy.person_permits(user, "export", person, relationships),
        entries=entries,
    )


@transaction.atomic
def chronology_export(*, user, person: Person, filters: Filters = Filters()) -> list[Entry]:
    """Every entry (up to 5,000) for a PDF, for a user whose role may export the child;
    audited as an export naming every record in the file. The caller has read the child
    with action "export"."""
    relationships = policy.person_relationships(user, person)
    keys, modes = _all_keys(user, person, "view", relationships)
    agencies = Agency.objects.in_bulk({k.agency_id for k in keys if k.agency_id})
    chosen = _filtered(keys, filters, agencies)[:EXPORT_LIMIT]
    entries = _entries(user, person, chosen, modes, agencies)
    _audit(
        user,
        person,
        entries,
        _purpose(relationships),
        operation="chronology.export",
        detail={"format": "pdf", "rows": len(entries), "filters": filters.described()},
    )
    return entries
