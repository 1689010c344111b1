"""Writes for operations, investigations and court outcomes.

Each write is checked in full before anything is saved, runs in one transaction with its
audit event, and refuses bad input naming the field: a verdict on a count with a guilty
plea, a sentence on an acquitted count, a plea for a count of another case, a consecutive
sentence pointing at a missing count, hearing dates out of order, a conviction before the
charge. Events that the Victims' Code says a victim must be told of open a duty for each
victim of the investigation, with a deadline (`_duties_open`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.people.models import Person, Sensitivity
from lantern.timescales import services as deadlines

from . import outcomes, reference
from .models import (
    HEARING_ORDER,
    Arrest,
    BailCondition,
    Charge,
    CourtCase,
    CourtOrder,
    Engagement,
    Hearing,
    HearingKind,
    Investigation,
    InvestigationStatus,
    Operation,
    Plea,
    Sentence,
    SentenceKind,
    Suspect,
    Verdict,
    Victim,
    VictimDuty,
)

EARLIEST = dt.date(1960, 1, 1)
# The majorities a jury may return (Juries Act 1974 s17): of 12, 11-1 or 10-2; of 11, 10-1;
# of 10, 9-1.
MAJORITY = re.compile(r"^(11-1|10-2|10-1|9-1)$")
LIFE_MINIMUM_LIMIT = 12 * 60
TERM_LIMIT = 12 * 60


# ---------------------------------------------------------------- who may
def may_run_operations(user) -> bool:
    """Whoever may edit their agency's investigations (the table says: the police)."""
    return policy.holds_any(user, "edit", "investigation")


def _may_edit(actor, investigation: Investigation) -> None:
    if not policy.can(actor, "edit", investigation):
        refuse("investigation", "You cannot change this investigation")


def _day(field: str, label: str, value: dt.date | None) -> dt.date:
    check_required(field, label.lower(), value)
    check_not_future(field, label, value)
    if value < EARLIEST:
        refuse(field, f"{label} must be after {EARLIEST:%Y}")
    return value


def _audit(
    actor,
    operation: str,
    purpose: str,
    subjects: Iterable,
    action="collection",
    recipient: str = "",
    **detail,
):
    audit_record(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=list(subjects),
        recipient=recipient,
        detail=detail,
    )


def _person_subjects(people: Iterable[Person]) -> list[Subject]:
    return [Subject.person(p) for p in {p.pk: p for p in people}.values()]


# ---------------------------------------------------------------- operations
@transaction.atomic
def operation_create(
    *,
    actor,
    code: str,
    name: str,
    started_on: dt.date,
    description: str = "",
    sensitivity: str = Sensitivity.NORMAL,
) -> Operation:
    if not may_run_operations(actor):
        refuse("agency", "Only the police run operations")
    code = (code or "").strip().lower()
    if not re.match(r"^[a-z0-9][a-z0-9\-]{1,58}$", code):
        refuse("code", "Use lower-case letters, numbers and dashes for the operation's code")
    if Operation.objects.filter(code=code).exists():
        refuse("code", f"There is already an operation {code}")
    check_required("name", "the operation's name", name)
    _day("started_on", "The day it started", started_on)
    if sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"{sensitivity!r} is not normal, restricted or sealed")
    op = Operation.objects.create(
        code=code,
        name=name.strip(),
        agency=actor.agency,
        description=description.strip(),
        started_on=started_on,
        sensitivity=sensitivity,
    )
    _audit(actor, "justice.operation.create", f"Operation {op.name}", [Subject.of(op)])
    return op


@transaction.atomic
def investigation_open(
    *,
    actor,
    operation: Operation,
    reference_: str,
    title: str,
    opened_on: dt.date,
    team=None,
    sensitivity: str | None = None,
) -> Investigation:
    if not may_run_operations(actor) or operation.agency_id != actor.agency.pk:
        refuse("operation", "Only the force running the operation opens its investigations")
    ref = (reference_ or "").strip().upper()
    check_required("reference", "the investigation's reference", ref)
    if len(ref) > 30:
        refuse("reference", "The reference is at most 30 characters")
    if Investigation.objects.filter(reference=ref).exists():
        refuse("reference", f"There is already an investigation {ref}")
    check_required("title", "what the investigation is about", title)
    _day("opened_on", "The day it opened", opened_on)
    check_order(
        "opened_on",
        "The day it opened",
        operation.started_on,
        opened_on,
        "the day the operation started",
    )
    if team is not None and team.agency_id != operation.agency_id:
        refuse("team", f"{team.name} is not a team of {operation.agency.name}")
    sensitivity = sensitivity or operation.sensitivity
    if sensitivity not in Sensitivity.values:
        refuse("sensitivity", f"{sensitivity!r} is not normal, restricted or sealed")
    found = Investigation.objects.create(
        operation=operation,
        reference=ref,
        title=title.strip(),
        opened_on=opened_on,
        agency=operation.agency,
        team=team,
        sensitivity=sensitivity,
    )
    _audit(actor, "justice.investigation.open", f"Investigation {ref}", [Subject.of(found)])
    return found


@transaction.atomic
def investigation_close(
    *, actor, investigation: Investigation, status: str, closed_on: dt.date, reason: str
) -> Investigation:
    _may_edit(actor, investigation)
    if investigation.status != InvestigationStatus.ACTIVE:
        refuse("status", "This investigation is already closed")
    if status not in (InvestigationStatus.CLOSED, InvestigationStatus.NO_FURTHER_ACTION):
        refuse("status", "Close it as closed, or as no further action")
    _day("closed_on", "The day it closed", closed_on)
    check_order(
        "closed_on", "The day it closed", investigation.opened_on, closed_on, "the day it opened"
    )
    check_required("closed_reason", "why it closed", reason)
    investigation.status, investigation.closed_on = status, closed_on
    investigation.closed_reason = reason.strip()[:500]
    investigation.save(update_fields=["status", "closed_on", "closed_reason"])
    _audit(
        actor,
        "justice.investigation.close",
        reason.strip()[:200],
        [Subject.of(investigation)],
        action="alteration",
        status=status,
    )
    if status == InvestigationStatus.NO_FURTHER_ACTION:
        _duties_open(
            actor,
            investigation,
            "no_further_action",
            f"No further action in {investigation.reference}",
            closed_on,
        )
    return investigation


def _visible_person(actor, person: Person, field: str) -> Person:
    if person is None or not policy.can(actor, "view", person):
        refuse(field, "Choose a person you can see: find them with the people search first")
    return person


@transaction.atomic
def suspect_add(
    *, actor, investigation: Investigation, person: Person, added_on: dt.date
) -> Suspect:
    _may_edit(actor, investigation)
    _visible_person(actor, person, "person")
    _day("added_on", "The day they became a suspect", added_on)
    if investigation.suspects.filter(person=person).exists():
        refuse("person", "This person is already a suspect in the investigation")
    if investigation.victims.filter(person=person).exists():
        refuse("person", "This person is a victim in the investigation")
    suspect = Suspect.objects.create(investigation=investigation, person=person, added_on=added_on)
    _audit(
        actor,
        "justice.suspect.add",
        f"Suspect in {investigation.reference}",
        [Subject.person(person), Subject.of(suspect, person_id=person.pk)],
    )
    return suspect


@transaction.atomic
def victim_add(
    *,
    actor,
    investigation: Investigation,
    person: Person,
    identified_on: dt.date,
    enhanced_rights: bool,
    engaged_on: dt.date | None = None,
) -> Victim:
    _may_edit(actor, investigation)
    _visible_person(actor, person, "person")
    _day("identified_on", "The day they were identified", identified_on)
    if engaged_on is not None:
        _day("engaged_on", "The day they chose to take part", engaged_on)
        check_order(
            "engaged_on",
            "The day they chose to take part",
            identified_on,
            engaged_on,
            "the day they were identified",
        )
    if investigation.victims.filter(person=person).exists():
        refuse("person", "This person is already a victim in the investigation")
    if investigation.suspects.filter(person=person).exists():
        refuse("person", "This person is a suspect in the investigation")
    victim = Victim.objects.create(
        investigation=investigation,
        person=person,
        identified_on=identified_on,
        enhanced_rights=bool(enhanced_rights),
        engaged_on=engaged_on,
    )
    if engaged_on is not None:
        Engagement.objects.create(victim=victim, started_on=engaged_on)
    _audit(
        actor,
        "justice.victim.add",
        f"Victim in {investigation.reference}",
        [Subject.person(person), Subject.of(victim, person_id=person.pk)],
        enhanced_rights=victim.enhanced_rights,
    )
    return victim


@transaction.atomic
def victim_engagement(
    *,
    actor,
    victim: Victim,
    engaged_on: dt.date | None = None,
    disengaged_on: dt.date | None = None,
) -> Victim:
    """A victim chooses to take part, or steps back. Each spell is kept."""
    _may_edit(actor, victim.investigation)
    spells = list(Engagement.objects.select_for_update().filter(victim=victim))
    current = next((e for e in spells if e.ended_on is None), None)
    if engaged_on is not None:
        if current is not None:
            refuse("engaged_on", "The victim is already taking part")
        _day("engaged_on", "The day they chose to take part", engaged_on)
        check_order(
            "engaged_on",
            "The day they chose to take part",
            victim.identified_on,
            engaged_on,
            "the day they were identified",
        )
        last = max((e.ended_on for e in spells), default=None)
        check_order(
            "engaged_on",
            "The day they chose to take part again",
            last,
            engaged_on,
            "the day they stepped back",
        )
        Engagement.objects.create(victim=victim, started_on=engaged_on)
        victim.engaged_on, victim.disengaged_on = engaged_on, None
    elif disengaged_on is not None:
        if current is None:
            refuse("disengaged_on", "The victim has not chosen to take part")
        _day("disengaged_on", "The day they stopped taking part", disengaged_on)
        check_order(
            "disengaged_on",
            "The day they stopped taking part",
            current.started_on,
            disengaged_on,
            "the day they chose to take part",
        )
        current.ended_on = disengaged_on
        current.save(update_fields=["ended_on"])
        victim.disengaged_on = disengaged_on
    else:
        refuse("engaged_on", "Give the day they chose to take part, or stopped")
    victim.save(update_fields=["engaged_on", "disengaged_on"])
    _audit(
        actor,
        "justice.victim.engagement",
        "Victim's engagement",
        [Subject.person(victim.person), Subject.of(victim, person_id=victim.person_id)],
        action="alteration",
    )
    return victim


def _offence(field: str, code: str) -> str:
    code = (code or "").strip()
    if code not in reference.offences():
        refuse(field, f"{code!r} is not an offence in the list: use one of its codes")
    return code


@transaction.atomic
def arrest_record(
    *, actor, suspect: Suspect, arrested_on: dt.date, offences: Sequence[str]
) -> Arrest:
    investigation = suspect.investigation
    _may_edit(actor, investigation)
    _day("arrested_on", "The day of the arrest", arrested_on)
    check_order(
        "arrested_on",
        "The day of the arrest",
        investigation.opened_on,
        arrested_on,
        "the day the investigation opened",
    )
    if not offences:
        refuse("offences", "Name at least one offence the arrest was for")
    codes = [_offence(f"offences[{i}]", c) for i, c in enumerate(offences, start=1)]
    arrest = Arrest.objects.create(
        investigation=investigation, suspect=suspect, arrested_on=arrested_on, offences=codes
    )
    _audit(
        actor,
        "justice.arrest.record",
        f"Arrest in {investigation.reference}",
        [Subject.person(suspect.person), Subject.of(arrest, person_id=suspect.person_id)],
        offences=codes,
    )
    _duties_open(actor, investigation, "arrest", "A suspect was arrested", arrested_on)
    return arrest


# ---------------------------------------------------------------- the court case
@transaction.atomic
def court_case_open(*, actor, defendant: Suspect, reference_: str, court: str) -> CourtCase:
    investigation = defendant.investigation
    _may_edit(actor, investigation)
    ref = (reference_ or "").strip().upper()
    check_required("reference", "the court case's reference", ref)
    if CourtCase.objects.filter(reference=ref).exists():
        refuse("reference", f"There is already a court case {ref}")
    check_required("court", "the court", court)
    case = CourtCase.objects.create(
        investigation=investigation, defendant=defendant, reference=ref, court=court.strip()
    )
    _audit(
        actor,
        "justice.case.open",
        f"Court case {ref}",
        [Subject.person(defendant.person), Subject.of(case, person_id=defendant.person_id)],
    )
    return case


@dataclass
class CountIn:
    number: int
    offence: str
    particulars: str = ""
    victim: Victim | None = None


@transaction.atomic
def charges_add(
    *, actor, court_case: CourtCase, charged_on: dt.date, counts: Sequence[CountIn]
) -> list[Charge]:
    """A charging decision: the counts, numbered, each with its offence."""
    investigation = court_case.investigation
    _may_edit(actor, investigation)
    _day("charged_on", "The day of the charge", charged_on)
    check_order(
        "charged_on",
        "The day of the charge",
        investigation.opened_on,
        charged_on,
        "the day the investigation opened",
    )
    if not counts:
        refuse("counts", "Add at least one count")
    taken = set(court_case.charges.values_list("number", flat=True))
    made = []
    for i, count in enumerate(counts, start=1):
        where = f"counts[{i}]"
        if not isinstance(count.number, int) or count.number < 1:
            refuse(f"{where}.number", "A count's number is a whole number from 1")
        if count.number in taken:
            refuse(f"{where}.number", f"Count {count.number} is already in this case")
        taken.add(count.number)
        offence = _offence(f"{where}.offence", count.offence)
        if count.victim is not None and count.victim.investigation_id != investigation.pk:
            refuse(f"{where}.victim", "That victim is not in this investigation")
        made.append(
            Charge.objects.create(
                court_case=court_case,
                operation_id=investigation.operation_id,
                defendant_id=court_case.defendant.person_id,
                number=count.number,
                offence=offence,
                particulars=(count.particulars or "").strip()[:500],
                charged_on=charged_on,
                victim=count.victim,
            )
        )
    person = court_case.defendant.person
    _audit(
        actor,
        "justice.charge.add",
        f"Charged in {court_case.reference}",
        [Subject.person(person)] + [Subject.of(c, person_id=person.pk) for c in made],
        counts=[c.number for c in made],
    )
    _duties_open(
        actor,
        investigation,
        "charge",
        f"{person.given_name} {person.family_name} charged: {len(made)} count(s)",
        charged_on,
    )
    return made


def _count(court_case: CourtCase, number, field: str = "count") -> Charge:
    """A count of this case; refused naming the case when it belongs to another."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        refuse(field, "A count is given by its number")
    found = Charge.objects.select_for_update().filter(court_case=court_case, number=number).first()
    if found is None:
        refuse(field, f"Count {number} is not a count of case {court_case.reference}")
    return found


def _hearings_in_order(court_case: CourtCase, kind: str, on: dt.date) -> None:
    rank = HEARING_ORDER.index(kind)
    for other in court_case.hearings.all():
        other_rank = HEARING_ORDER.index(other.kind)
        if other_rank < rank and on < other.on:
            refuse(
                "on",
                f"A {HearingKind(kind).label.lower()} cannot come before the "
                f"{other.get_kind_display().lower()} on {other.on.day} {other.on:%B %Y}",
            )
        if other_rank > rank and on > other.on:
            refuse(
                "on",
                f"A {HearingKind(kind).label.lower()} cannot come after the "
                f"{other.get_kind_display().lower()} on {other.on.day} {other.on:%B %Y}",
            )


@transaction.atomic
def hearing_schedule(
    *, actor, court_case: CourtCase, kind: str, on: dt.date, court: str = "", note: str = ""
) -> Hearing:
    """A hearing, past or to come: its date must keep the case's hearings in order."""
    _may_edit(actor, court_case.investigation)
    if kind not in HEARING_ORDER:
        refuse("kind", f"{kind!r} is not a kind of hearing")
    check_required("on", "the hearing's date", on)
    first_charge = court_case.charges.order_by("charged_on").values_list("charged_on", flat=True)
    first_charge = first_charge.first()
    if first_charge is None:
        refuse("kind", "Charge the defendant before listing a hearing")
    check_order("on", "The hearing", first_charge, on, "the charge")
    _hearings_in_order(court_case, kind, on)
    if kind == HearingKind.SENTENCING and not any(c.convicted for c in court_case.charges.all()):
        refuse("kind", "A sentencing hearing needs a count the defendant was convicted on")
    hearing = Hearing.objects.create(
        court_case=court_case,
        kind=kind,
        on=on,
        court=(court or court_case.court).strip(),
        note=note.strip()[:500],
    )
    person = court_case.defendant.person
    _audit(
        actor,
        "justice.hearing.schedule",
        f"{hearing.get_kind_display()} listed",
        [Subject.person(person), Subject.of(hearing, person_id=person.pk)],
        kind=kind,
        on=on.isoformat(),
    )
    _duties_open(
        actor,
        court_case.investigation,
        "hearing_set",
        f"{hearing.get_kind_display()} listed for {on.day} {on:%B %Y}",
        min(on, clock.today()),
    )
    return hearing


@transaction.atomic
def plea_enter(*, actor, court_case: CourtCase, number, plea: str, on: dt.date) -> Charge:
    """A plea to one count of this case. A not-guilty plea may later change to guilty
    (before any verdict); a guilty plea stands."""
    _may_edit(actor, court_case.investigation)
    count = _count(court_case, number)
    if plea not in (Plea.GUILTY, Plea.NOT_GUILTY):
        refuse("plea", "A plea is guilty or not guilty")
    _day("on", "The day of the plea", on)
    check_order("on", "The plea", count.charged_on, on, "the charge")
    if count.verdict != Verdict.NONE and count.verdict != Verdict.NO_VERDICT:
        refuse("plea", f"Count {count.number} already has a verdict")
    if count.plea == Plea.GUILTY:
        refuse("plea", f"Count {count.number} already has a guilty plea")
    if count.plea == plea:
        refuse("plea", f"Count {count.number} already has that plea")
    if count.plea_on is not None:
        check_order("on", "The new plea", count.plea_on, on, "the first plea")
    count.plea, count.plea_on = plea, on
    count.save(update_fields=["plea", "plea_on"])
    person = court_case.defendant.person
    _audit(
        actor,
        "justice.plea.enter",
        f"Plea on count {count.number}",
        [Subject.person(person), Subject.of(count, person_id=person.pk)],
        action="alteration",
        plea=plea,
    )
    return count


@transaction.atomic
def verdict_record(
    *,
    actor,
    court_case: CourtCase,
    number,
    verdict: str,
    on: dt.date,
    unanimous: bool | None = None,
    majority: str = "",
) -> Charge:
    """The jury's verdict on a count the defendant denied."""
    _may_edit(actor, court_case.investigation)
    count = _count(court_case, number)
    if count.plea == Plea.GUILTY:
        refuse("verdict", f"Count {count.number} has a guilty plea: there is no verdict to give")
    if count.plea != Plea.NOT_GUILTY:
        refuse(
            "verdict", f"Count {count.number} has no plea yet: a verdict follows a not guilty plea"
        )
    if count.verdict in (Verdict.GUILTY, Verdict.NOT_GUILTY):
        refuse("verdict", f"Count {count.number} already has a verdict")
    if verdict not in (Verdict.GUILTY, Verdict.NOT_GUILTY, Verdict.NO_VERDICT):
        refuse("verdict", "A verdict is guilty, not guilty, or no verdict")
    _day("on", "The day of the verdict", on)
    check_order("on", "The verdict", count.plea_on, on, "the not guilty plea")
    majority = (majority or "").strip()
    if verdict == Verdict.NO_VERDICT:
        unanimous, majority = None, ""
    elif unanimous is None:
        refuse("unanimous", "Say whether the verdict was unanimous or by a majority")
    elif unanimous and majority:
        refuse("majority", "A unanimous verdict has no majority")
    elif not unanimous and not MAJORITY.match(majority):
        refuse("majority", "Give the majority as jurors for and against, such as 10-2 or 11-1")
    count.verdict, count.verdict_on = verdict, on
    count.unanimous, count.majority = unanimous, majority
    count.save(update_fields=["verdict", "verdict_on", "unanimous", "majority"])
    person = court_case.defendant.person
    _audit(
        actor,
        "justice.verdict.record",
        f"Verdict on count {count.number}",
        [Subject.person(person), Subject.of(count, person_id=person.pk)],
        action="alteration",
        verdict=verdict,
    )
    _duties_open(
        actor,
        court_case.investigation,
        "verdict",
        f"Verdict on count {count.number}: {count.get_verdict_display().lower()}",
        on,
    )
    return count


@dataclass
class SentenceIn:
    number: int
    kind: str
    term_months: int | None = None
    minimum_term_months: int | None = None
    consecutive_to: int | None = None
    description: str = ""


@transaction.atomic
def sentence_pass(
    *, actor, court_case: CourtCase, sentenced_on: dt.date, sentences: Sequence[SentenceIn]
) -> list[Sentence]:
    """The sentence on each count, passed together: all of them or none."""
    _may_edit(actor, court_case.investigation)
    _day("sentenced_on", "The day of sentence", sentenced_on)
    if not sentences:
        refuse("sentences", "Give the sentence on at least one count")
    counts = {c.number: c for c in court_case.charges.select_related("sentence").all()}
    already = {n: c.sentence for n, c in counts.items() if hasattr(c, "sentence")}
    custodial = {n for n, s in already.items() if s.custodial}
    terms = {
        n: outcomes.Term(
            n,
            s.term_months or s.minimum_term_months or 0,
            counts_by_id(counts, s.consecutive_to_id),
            s.kind == SentenceKind.LIFE,
        )
        for n, s in already.items()
        if s.custodial
    }
    given = set()
    for i, item in enumerate(sentences, start=1):
        where = f"sentences[{i}]"
        count = counts.get(item.number)
        if count is None:
            refuse(
                f"{where}.number",
                f"Count {item.number} is not a count of case {court_case.reference}",
            )
        if item.number in already or item.number in given:
            refuse(f"{where}.number", f"Count {item.number} already has a sentence")
        given.add(item.number)
        if not count.convicted:
            what = "was acquitted" if count.verdict == Verdict.NOT_GUILTY else "is not convicted"
            refuse(f"{where}.number", f"Count {item.number} {what}: there is nothing to sentence")
        check_order(
            "sentenced_on",
            "The sentence",
            count.convicted_on,
            sentenced_on,
            f"the conviction on count {item.number}",
        )
        if item.kind not in SentenceKind.values:
            refuse(f"{where}.kind", f"{item.kind!r} is not a kind of sentence")
        if item.kind in (SentenceKind.CUSTODY, SentenceKind.SUSPENDED):
            if not item.term_months or not 1 <= item.term_months <= TERM_LIMIT:
                refuse(f"{where}.term_months", "Give the term in months (1 to 720)")
            if item.minimum_term_months:
                refuse(f"{where}.minimum_term_months", "Only a life sentence has a minimum term")
        elif item.kind == SentenceKind.LIFE:
            if (
                not item.minimum_term_months
                or not 1 <= item.minimum_term_months <= LIFE_MINIMUM_LIMIT
            ):
                refuse(f"{where}.minimum_term_months", "Give the minimum term in months (1 to 720)")
            if item.term_months:
                refuse(f"{where}.term_months", "A life sentence has a minimum term, not a term")
        elif item.term_months or item.minimum_term_months:
            refuse(f"{where}.term_months", "Only custody, suspended and life sentences have terms")
        if item.consecutive_to is not None:
            if item.kind not in (SentenceKind.CUSTODY, SentenceKind.LIFE):
                refuse(f"{where}.consecutive_to", "Only custody runs consecutively")
            if item.consecutive_to not in counts:
                refuse(
                    f"{where}.consecutive_to",
                    f"Count {item.consecutive_to} is not a count of case {court_case.reference}",
                )
        if item.kind in (SentenceKind.CUSTODY, SentenceKind.LIFE):
            custodial.add(item.number)
            terms[item.number] = outcomes.Term(
                item.number,
                item.term_months or item.minimum_term_months or 0,
                item.consecutive_to,
                item.kind == SentenceKind.LIFE,
            )
    for i, item in enumerate(sentences, start=1):
        if item.consecutive_to is not None and item.consecutive_to not in custodial:
            refuse(
                f"sentences[{i}].consecutive_to",
                f"Count {item.consecutive_to} has no custodial sentence to run after",
            )
    try:
        ends = outcomes.ends(terms)
        effective = max(ends.values(), default=0)
    except outcomes.ChainError as exc:
        refuse("sentences", f"The consecutive sentences go round in a ring: {exc}")
    made = []
    for item in sentences:
        made.append(
            Sentence.objects.create(
                charge=counts[item.number],
                operation_id=court_case.investigation.operation_id,
                court_case=court_case,
                kind=item.kind,
                term_months=item.term_months,
                minimum_term_months=item.minimum_term_months,
                consecutive_to=counts[item.consecutive_to] if item.consecutive_to else None,
                description=(item.description or "").strip()[:500],
                sentenced_on=sentenced_on,
                ends_after_months=ends.get(item.number),
            )
        )
    person = court_case.defendant.person
    _audit(
        actor,
        "justice.sentence.pass",
        f"Sentenced in {court_case.reference}",
        [Subject.person(person)] + [Subject.of(s, person_id=person.pk) for s in made],
        counts=[s.charge.number for s in made],
        effective_months=effective,
    )
    _duties_open(
        actor,
        court_case.investigation,
        "sentence",
        (
            f"Sentenced to life: {outcomes.describe_months(effective)} before parole"
            if any(t.life for t in terms.values())
            else f"Sentenced: {outcomes.describe_months(effective)} in effect"
        ),
        sentenced_on,
    )
    return made


def counts_by_id(counts: dict[int, Charge], charge_id: int | None) -> int | None:
    if charge_id is None:
        return None
    return next((n for n, c in counts.items() if c.pk == charge_id), None)


# ---------------------------------------------------------------- bail and orders
@transaction.atomic
def bail_set(
    *,
    actor,
    suspect: Suspect,
    conditions: str,
    starts_on: dt.date,
    expires_on: dt.date | None = None,
    shared_with: Sequence = (),
) -> BailCondition:
    investigation = suspect.investigation
    _may_edit(actor, investigation)
    check_required("conditions", "the bail conditions", conditions)
    _day("starts_on", "The day bail started", starts_on)
    check_order("expires_on", "The day bail ends", starts_on, expires_on, "the day it started")
    bail = BailCondition.objects.create(
        suspect=suspect,
        conditions=conditions.strip(),
        starts_on=starts_on,
        expires_on=expires_on,
        agency=investigation.agency,
        sensitivity=investigation.sensitivity,
    )
    recipients = [a for a in shared_with if a.pk != investigation.agency_id]
    bail.shared_with.set(recipients)
    person = suspect.person
    _audit(
        actor,
        "justice.bail.set",
        f"Bail in {investigation.reference}",
        [Subject.person(person), Subject.of(bail, person_id=person.pk)],
        expires_on=expires_on.isoformat() if expires_on else None,
        shared_with=[a.code for a in recipients],
    )
    for agency in recipients:
        _audit(
            actor,
            "justice.bail.share",
            "Bail conditions shared to protect a child",
            [Subject.person(person), Subject.of(bail, person_id=person.pk)],
            action="disclosure",
            recipient=agency.name,
            agency=agency.code,
        )
    _duties_open(actor, investigation, "bail_changed", "Bail conditions set", starts_on)
    return bail


@transaction.atomic
def order_make(
    *,
    actor,
    suspect: Suspect,
    kind: str,
    made_on: dt.date,
    terms: str,
    expires_on: dt.date | None = None,
    court_case: CourtCase | None = None,
) -> CourtOrder:
    _may_edit(actor, suspect.investigation)
    if kind not in CourtOrder.Kind.values:
        refuse("kind", f"{kind!r} is not a kind of order")
    _day("made_on", "The day the order was made", made_on)
    check_order("expires_on", "The day the order ends", made_on, expires_on, "the day it was made")
    check_required("terms", "what the order forbids or requires", terms)
    order = CourtOrder.objects.create(
        suspect=suspect,
        kind=kind,
        made_on=made_on,
        expires_on=expires_on,
        terms=terms.strip(),
        court_case=court_case,
    )
    _audit(
        actor,
        "justice.order.make",
        order.get_kind_display(),
        [Subject.person(suspect.person), Subject.of(order, person_id=suspect.person_id)],
    )
    return order


# ---------------------------------------------------------------- Victims' Code duties
def _duties_open(actor, investigation: Investigation, trigger: str, what: str, on: dt.date):
    """Open each duty of this trigger for every victim of the investigation, unless the
    same duty is already open for them (one task to tell her, however many counts)."""
    duties = reference.duties_for(trigger)
    if not duties:
        return []
    at = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC) if on < clock.today() else clock.now()
    made = []
    for victim in investigation.victims.select_related("person"):
        for duty in duties:
            if VictimDuty.objects.filter(
                victim=victim, duty=duty.code, done_at__isnull=True
            ).exists():
                continue
            task = VictimDuty.objects.create(
                victim=victim, duty=duty.code, trigger=what[:200], triggered_at=at
            )
            deadlines.deadline_open(
                actor=actor,
                rule=duty.rule_for(victim.enhanced_rights),
                starts_at=at,
                person=victim.person,
                subject=task,
                owner_agency=investigation.agency,
                owner_team=investigation.team,
                # Escalated to the team's managers; with none, to the officer who recorded it.
                owner_user=actor if _works_at(actor, investigation.agency) else None,
            )
            made.append(task)
    return made


def _works_at(user, agency) -> bool:
    membership = getattr(user, "membership", None) if user is not None else None
    return membership is not None and membership.agency_id == agency.pk


@transaction.atomic
def duty_done(*, actor, duty: VictimDuty, done_at: dt.datetime, how: str) -> VictimDuty:
    _may_edit(actor, duty.victim.investigation)
    if duty.done_at is not None:
        refuse("duty", "This duty is already done")
    check_required("how", "how the victim was told", how)
    check_not_future("done_at", "When the victim was told", done_at)
    check_order(
        "done_at", "When the victim was told", duty.triggered_at, done_at, "what they were told of"
    )
    duty.done_at, duty.done_by, duty.how = done_at, actor, how.strip()[:300]
    duty.save(update_fields=["done_at", "done_by", "how"])
    rule = reference.duties()[duty.duty].rule_for(duty.victim.enhanced_rights)
    deadlines.deadline_meet(actor=actor, subject=duty, rule=rule, met_at=done_at)
    _audit(
        actor,
        "justice.duty.done",
        reference.duties()[duty.duty].name,
        [Subject.person(duty.victim.person), Subject.of(duty, person_id=duty.victim.person_id)],
        action="alteration",
    )
    return duty
