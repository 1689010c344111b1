"""One chronology of everything recorded about the person, oldest first: every agency's
events, referrals to the front door (with their ratings, the agencies' answers and the
decisions), and casework (cases, meetings, enquiries, assessments, conferences, plans,
core group meetings, actions).

The entries are gathered by lantern.chronology's own machinery (its row shape, its
casework sources and its record loading), not queried again here. The chronology page
asks the access policy which entries its reader may see; a subject access pack has no
reader but the person, so the events and the front door's records are taken whole (the
same rows, without the reader's filter), and each entry is written out in full rather
than as the page's short summary.

Other people's data in structured fields is withheld (an event's suspect, the adult a
child was found with, their date of birth, their vehicle); free text is searched by the
redactor. Workers are named as professionals."""

from __future__ import annotations

from django.db import connection

from lantern.chronology import selectors as chronology
from lantern.frontdoor.models import InformationRequest, Rating, Referral, RequestStatus
from lantern.partners.models import Agency
from lantern.people.models import Event, Person, Sensitivity

from ..exemptions import CRIME
from ..redaction import BIRTH_DATE, IDENTIFIER, NAME
from ..registry import Item, Professional, Section, Withhold
from .common import is_police, worker, yes_no

VEHICLE = "Vehicle linked to another person"
PHONE = "Phone number of another person"
# Event details that are someone else's data: (what kind of data, why).
THIRD_PARTY_DETAILS = {
    "suspect": (NAME, "The name of the suspect."),
    "adult": (NAME, "The name of an adult you were found with."),
    "perpetrator": (NAME, "The name of the person said to have caused harm."),
    "offender": (NAME, "The name of the offender."),
    "other_party": (NAME, "The name of the other person involved."),
    "associate": (NAME, "The name of an associate."),
    "other_person": (IDENTIFIER, "The record of the other person involved."),
    "adult_dob": (BIRTH_DATE, "The date of birth of an adult you were found with."),
    "suspect_dob": (BIRTH_DATE, "The date of birth of the suspect."),
    "vehicle": (VEHICLE, "A vehicle registration that identifies another person."),
    "phone": (PHONE, "Another person's phone number."),
}
LABELS = {
    "adult_dob": "Adult's date of birth",
    "suspect_dob": "Suspect's date of birth",
    "risk_grade": "Risk grade",
    "found_at": "Found at",
    "place_type": "Kind of place",
}
# Details that are police intelligence grading: withheld to protect sources.
INTELLIGENCE_DETAILS = {"grading", "source", "informant"}


def _sources(person: Person) -> list:
    row = chronology._row
    referrals = Referral.objects.filter(person=person)
    answered = InformationRequest.objects.filter(
        referral__person=person, status=RequestStatus.ANSWERED
    )
    return [
        row(
            Event.objects.filter(source_record__person=person),
            "occurred_at",
            "event",
            "event",
            "",
            "source_record__agency_id",
        ),
        row(referrals, "received_at", "referral", "referral", "received", "agency_id", "team_id"),
        row(
            referrals.filter(decided_at__isnull=False),
            "decided_at",
            "decision",
            "referral",
            "decided",
            "team__agency_id",
        ),
        row(
            referrals.filter(feedback_at__isnull=False),
            "feedback_at",
            "decision",
            "referral",
            "feedback",
            "team__agency_id",
        ),
        row(
            Rating.objects.filter(referral__person=person),
            "rated_at",
            "triage",
            "rating",
            "",
            "referral__team__agency_id",
        ),
        row(answered, "answered_at", "information", "request", "", "agency_id"),
        *chronology._casework_sources(person.pk),
    ]


def _keys(person: Person) -> list:
    sql, params = chronology._parts(_sources(person))
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        rows = cursor.fetchall()
    keys = [
        chronology._Key(chronology._aware(when), kind, model, pk, step, agency)
        for when, kind, model, pk, step, agency, _extra in rows
    ]
    order = {kind: n for n, kind in enumerate(chronology.KINDS)}
    keys.sort(key=lambda k: (k.when, order[k.kind], k.pk))
    return keys


def sections(person: Person) -> list[Section]:
    keys = _keys(person)
    records = chronology._records(keys)
    agencies = Agency.objects.in_bulk({k.agency_id for k in keys if k.agency_id})
    section = Section(
        "chronology",
        "Everything recorded about you, oldest first",
        intro="Every agency's events, referrals to the children's services front door, and "
        "casework: cases, meetings, enquiries, assessments, conferences, plans and actions.",
    )
    for key in keys:
        record = records.get((key.model, key.pk))
        if record is None:
            continue
        agency = agencies.get(key.agency_id)
        item = Item(
            "",
            when=key.when,
            agency=agency.name if agency else "",
            police=is_police(agency),
        )
        _write(item, key, record)
        section.items.append(item)
    return [section]


def _write(item: Item, key, record) -> None:
    match key.model:
        case "event":
            _event(item, record)
        case "referral":
            _referral(item, key.step, record)
        case "rating":
            item.heading = f"Rated {record.get_rag_display().lower()} at the front door"
            item.add("Why", record.reason).add("Rated by", worker(record.rated_by))
        case "request":
            item.heading = f"{record.agency.name} answered the front door"
            item.add("What the front door asked", record.question)
            item.add("Answer", record.answer).add("Answered by", worker(record.answered_by))
        case "case":
            if key.step == "opened":
                item.heading = "Case opened"
                item.add("Why", record.reason).add("Opened by", worker(record.opened_by))
            else:
                item.heading = "Case closed"
                item.add("Why", record.closure_reason).add("Closed by", worker(record.closed_by))
        case "meeting":
            _meeting(item, record)
        case "core_group_meeting":
            item.heading = "Core group meeting"
            item.add("Notes", record.notes).add("Recorded by", worker(record.recorded_by))
        case "enquiry":
            if key.step == "started":
                item.heading = "Section 47 enquiry started"
                item.add("Lead worker", worker(record.lead_worker))
            else:
                item.heading = f"Section 47 enquiry finished: {record.get_outcome_display()}"
                item.add("Why", record.outcome_reason)
                item.add("Completed by", worker(record.completed_by))
        case "assessment":
            if key.step == "started":
                item.heading = f"{record.get_kind_display()} started"
                item.add("Lead worker", worker(record.lead_worker))
            else:
                item.heading = f"{record.get_kind_display()} finished"
                item.add("Findings", record.findings)
                item.add("Completed by", worker(record.completed_by))
        case "conference":
            item.heading = f"{record.get_kind_display()}: {record.get_outcome_display()}"
            item.add("Category", record.get_category_display() if record.category else "")
            item.add("Chair", Professional(record.chair))
            item.add("Reasons", record.reasons).add("Disagreement", record.dissent)
        case "plan":
            if key.step == "started":
                item.heading = f"{record.get_kind_display()} started"
                item.add("Category", record.get_category_display() if record.category else "")
                item.add("Lead worker", worker(record.lead_worker))
            else:
                item.heading = f"{record.get_kind_display()} closed"
                item.add("Why", record.get_closure_reason_display())
                item.add("Note", record.closure_note)
        case "action":
            if key.step == "agreed":
                item.heading = f"Action for {record.owner_agency.name}"
                item.add("What", record.description).add("Due", f"{record.due_on:%-d %B %Y}")
                item.add("Owner", worker(record.owner_user))
            else:
                item.heading = f"Action done by {record.owner_agency.name}"
                item.add("What", record.description).add("Note", record.completion_note)
        case _:
            item.heading = chronology.KINDS.get(key.kind, key.kind)


def _event(item: Item, event: Event) -> None:
    item.heading = event.event_type.name
    item.add("What was recorded", event.summary)
    item.add("Where", event.place).add("Postcode", event.postcode)
    if event.ended_at:
        item.add("Ended", f"{event.ended_at:%-d %B %Y, %H:%M}")
    if event.sensitivity != Sensitivity.NORMAL:
        item.add("Sensitivity", event.get_sensitivity_display())
    for name, value in sorted((event.details or {}).items()):
        label = LABELS.get(name) or name.replace("_", " ").capitalize()
        text = yes_no(value) if isinstance(value, bool) else str(value)
        if name in THIRD_PARTY_DETAILS:
            kind, why = THIRD_PARTY_DETAILS[name]
            item.add(label, Withhold(text, kind, why=why))
        elif name in INTELLIGENCE_DETAILS and item.police:
            item.add(
                label,
                Withhold(text, "Police intelligence grading", CRIME, "It would reveal a source."),
            )
        else:
            item.add(label, text)


def _referral(item: Item, step: str, referral: Referral) -> None:
    if step == "received":
        item.heading = f"Referral from {referral.agency.name} ({referral.reference})"
        item.add("Referred by", Professional(referral.referrer_name))
        item.add("The concern", referral.concern)
        item.add("Kinds of concern", ", ".join(referral.categories or []))
        item.add("Your family agreed", yes_no(referral.consent))
        item.add("Why it was shared without agreement", referral.lawful_basis_reason)
        item.add(
            "You as referred",
            f"{referral.given_name} {referral.family_name}"
            + (f", born {referral.date_of_birth:%-d %B %Y}" if referral.date_of_birth else "")
            + (f", {referral.address_line1}" if referral.address_line1 else "")
            + (f", {referral.postcode}" if referral.postcode else ""),
        )
    elif step == "decided":
        item.heading = f"Front-door decision: {referral.get_decision_display()}"
        item.add("Why", referral.decision_reason).add("Decided by", worker(referral.decided_by))
    else:
        item.heading = "The referrer was told the outcome"
        item.add("What they were told", referral.feedback)


def _meeting(item: Item, meeting) -> None:
    item.heading = meeting.get_kind_display()
    item.add("Chair", worker(meeting.chair)).add("Why it was held", meeting.summary)
    for invited in meeting.agencies.all():
        item.add(
            f"{invited.agency.name} ({invited.get_attendance_display().lower()})",
            [Professional(invited.attendees), " ", invited.information]
            if invited.attendees
            else invited.information or "-",
        )
    for decision in meeting.decisions.all():
        item.add(f"Decision {decision.order}", decision.text)
    if meeting.start_section_47 is not None:
        item.add("Section 47 enquiry", yes_no(meeting.start_section_47))
    if meeting.criminal_investigation:
        item.add("Criminal investigation", meeting.get_criminal_investigation_display())
