"""Reads of operations, investigations and court outcomes, under the access policy.

Operation totals are counts, not records about anyone: the partnership and the
independent scrutineer see them. Everything else (an investigation, its court cases,
counts and victims) is held by the police force running the operation; bail conditions
also by an agency the police shared them with.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Person, Sensitivity
from lantern.timescales.models import Deadline

from . import outcomes, reference
from .models import (
    BailCondition,
    Charge,
    CourtCase,
    CourtOrder,
    Investigation,
    Operation,
    Plea,
    Sentence,
    SentenceKind,
    Verdict,
    Victim,
    VictimDuty,
)

CONSULTATION = "consultation"

# What each total counts, in the words the operation's reports use.
DEFINITIONS = {
    "arrests": "Arrests made on or before the day, counting a person arrested twice twice.",
    "people_charged": "People charged with at least one count on or before the day, each "
    "counted once however many counts or cases.",
    "people_convicted": "People convicted on at least one count on or before the day (by a "
    "guilty plea or a guilty verdict), each counted once however many counts.",
    "convictions": "Counts on which someone was convicted on or before the day.",
    "custodial_years": "The effective custodial terms passed on or before the day, added up "
    "over every defendant's case, in years: within a case consecutive terms add and "
    "concurrent terms do not; a life sentence counts its minimum term. Suspended sentences "
    "are not custody.",
    "life_sentences": "Counts on which a life sentence was passed on or before the day.",
    "active_investigations": "Investigations opened on or before the day and not closed by it.",
    "victims_identified": "Victims identified on or before the day, each counted once per "
    "investigation.",
    "victims_engaged": "Of those, victims who had chosen to take part by the day and had not "
    "withdrawn.",
}


@dataclass
class Totals:
    as_at: dt.date
    arrests: int = 0
    people_charged: int = 0
    people_convicted: int = 0
    convictions: int = 0
    custodial_months: int = 0
    life_sentences: int = 0
    active_investigations: int = 0
    victims_identified: int = 0
    victims_engaged: int = 0

    @property
    def custodial_years(self) -> float:
        return round(self.custodial_months / 12, 1)

    def rows(self) -> list[tuple[str, str, str]]:
        """(label, value, definition) in the order the page shows them."""
        labels = [
            ("arrests", "Arrests", self.arrests),
            ("people_charged", "People charged", self.people_charged),
            ("people_convicted", "People convicted", self.people_convicted),
            ("convictions", "Convictions (counts)", self.convictions),
            ("custodial_years", "Custodial sentences (years, effective)", self.custodial_years),
            ("life_sentences", "Life sentences", self.life_sentences),
            ("active_investigations", "Active investigations", self.active_investigations),
            ("victims_identified", "Victims identified", self.victims_identified),
            ("victims_engaged", "Victims engaged", self.victims_engaged),
        ]
        return [(label, f"{value:,}", DEFINITIONS[key]) for key, label, value in labels]


# Every total (as DEFINITIONS words it) in one statement: one round trip, and every
# figure read from the same snapshot. People are counted as distinct defendants per
# operation, not grouped per defendant and added up again. The three largest parts read
# an index that holds every column they need, in operation order (migration 0005): the
# counts by operation, day charged and defendant; the convicted counts alone; the
# custodial sentences alone, by case (asked for in that order, so that each case is
# added up as it is read rather than hashed). Every %s is the day; {ops} is the
# operations asked for, and {only} / {only_i} keep a part to them (empty when every
# operation is asked for: every row belongs to one).
_TOTALS_SQL = """
WITH ops (op) AS ({ops}),
arrests (op, n) AS (
    SELECT i.operation_id, count(*)
    FROM justice_arrest a JOIN justice_investigation i ON i.id = a.investigation_id
    WHERE a.arrested_on <= %s {only_i}
    GROUP BY i.operation_id),
charged (op, people) AS (
    SELECT operation_id, count(DISTINCT defendant_id)
    FROM justice_charge
    WHERE charged_on <= %s {only}
    GROUP BY operation_id),
convicted (op, people, counts) AS (
    SELECT operation_id, count(DISTINCT defendant_id), count(*)
    FROM justice_charge
    WHERE (plea = '{plea}' OR verdict = '{verdict}')
      AND charged_on <= %s
      AND ((plea = '{plea}' AND plea_on <= %s) OR (verdict = '{verdict}' AND verdict_on <= %s))
      {only}
    GROUP BY operation_id),
active (op, n) AS (
    SELECT operation_id, count(*)
    FROM justice_investigation
    WHERE opened_on <= %s AND (closed_on IS NULL OR closed_on > %s) {only}
    GROUP BY operation_id),
victims (op, identified, engaged) AS (
    SELECT i.operation_id, count(*),
           sum(CASE WHEN v.id IN (
                   SELECT victim_id FROM justice_engagement
                   WHERE started_on <= %s AND (ended_on IS NULL OR ended_on > %s)
               ) THEN 1 ELSE 0 END)
    FROM justice_victim v JOIN justice_investigation i ON i.id = v.investigation_id
    WHERE v.identified_on <= %s {only_i}
    GROUP BY i.operation_id),
custody (op, months, lives) AS (
    SELECT op, sum(months), sum(lives)
    FROM (
        SELECT operation_id AS op, court_case_id,
               max(ends_after_months) AS months,
               sum(CASE WHEN kind = '{life}' THEN 1 ELSE 0 END) AS lives
        FROM justice_sentence
        WHERE kind IN ('{custody}', '{life}') AND sentenced_on <= %s {only}
        GROUP BY operation_id, court_case_id
        ORDER BY operation_id, court_case_id
    ) AS per_case
    GROUP BY op)
SELECT 'operation', op, 0, 0 FROM ops
UNION ALL SELECT 'arrests', op, n, 0 FROM arrests
UNION ALL SELECT 'charged', op, people, 0 FROM charged
UNION ALL SELECT 'convicted', op, people, counts FROM convicted
UNION ALL SELECT 'active', op, n, 0 FROM active
UNION ALL SELECT 'victims', op, identified, engaged FROM victims
UNION ALL SELECT 'custody', op, months, lives FROM custody
"""
_DAYS_IN_TOTALS_SQL = _TOTALS_SQL.count("%s")
# Which totals each part's two figures are.
_PARTS = {
    "arrests": ("arrests",),
    "charged": ("people_charged",),
    "convicted": ("people_convicted", "convictions"),
    "active": ("active_investigations",),
    "victims": ("victims_identified", "victims_engaged"),
    "custody": ("custodial_months", "life_sentences"),
}


def operations_totals(*, as_at: dt.date | None = None, operations=None) -> dict[int, Totals]:
    """Each operation's totals as at a day (every operation's, or those of the queryset
    `operations`), in one statement however many operations, investigations and counts
    there are."""
    as_at = as_at or clock.today()
    if operations is None:
        ops_sql, ops_params = "SELECT id FROM justice_operation", ()
        only = only_i = ""
    else:
        ops_sql, ops_params = operations.values("pk").query.sql_with_params()
        only = "AND operation_id IN (SELECT op FROM ops)"
        only_i = "AND i.operation_id IN (SELECT op FROM ops)"
    sql = _TOTALS_SQL.format(
        ops=ops_sql,
        only=only,
        only_i=only_i,
        plea=Plea.GUILTY.value,
        verdict=Verdict.GUILTY.value,
        custody=SentenceKind.CUSTODY.value,
        life=SentenceKind.LIFE.value,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ops_params, *[as_at] * _DAYS_IN_TOTALS_SQL])
        rows = cursor.fetchall()
    totals = {op: Totals(as_at=as_at) for part, op, *_ in rows if part == "operation"}
    for part, op, *figures in rows:
        if part in _PARTS and op in totals:
            for name, figure in zip(_PARTS[part], figures, strict=False):
                # PostgreSQL adds up as numeric: whole numbers here.
                setattr(totals[op], name, int(figure or 0))
    return totals


def operation_totals(*, operation: Operation, as_at: dt.date | None = None) -> Totals:
    return operations_totals(as_at=as_at, operations=Operation.objects.filter(pk=operation.pk))[
        operation.pk
    ]


# ---------------------------------------------------------------- records, as the police see them
def investigations_visible_to(user, action: str = "view"):
    return policy.agency_records_visible_to(user, action, "investigation")


def _audit(user, operation: str, purpose: str, people, records=(), action=CONSULTATION):
    audit_record(
        actor=user,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=[Subject("people.person", p, p) for p in sorted(set(people))]
        + [Subject.of(r) for r in records],
    )


def investigation_get(*, user, pk, action: str = "view") -> Investigation:
    """One investigation with its people, audited; Investigation.DoesNotExist (a 404)
    for anyone the policy does not let see it."""
    try:
        found = investigations_visible_to(user, action).select_related("operation").get(pk=int(pk))
    except (TypeError, ValueError) as exc:
        raise Investigation.DoesNotExist from exc
    found.suspect_list = list(found.suspects.select_related("person").order_by("pk"))
    found.victim_list = list(found.victims.select_related("person").order_by("pk"))
    found.case_list = list(found.court_cases.select_related("defendant__person").order_by("pk"))
    found.arrest_list = list(
        found.arrests.select_related("suspect__person").order_by("arrested_on")
    )
    people = [s.person_id for s in found.suspect_list] + [v.person_id for v in found.victim_list]
    _audit(
        user, f"justice.investigation.{action}", f"Investigation {found.reference}", people, [found]
    )
    return found


@dataclass
class CountView:
    charge: Charge
    offence: str
    outcome: str
    sentence: str


@dataclass
class TimelineEntry:
    on: dt.date
    what: str
    counts: list[int] = field(default_factory=list)


@dataclass
class CaseView:
    case: CourtCase
    counts: list[CountView]
    timeline: list[TimelineEntry]
    effective: str
    duties: list[VictimDuty]


def _day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def _outcome(charge: Charge) -> str:
    if charge.plea == Plea.GUILTY:
        return f"Convicted: pleaded guilty on {_day(charge.plea_on)}"
    if charge.verdict == Verdict.GUILTY:
        how = "unanimously" if charge.unanimous else f"by a majority of {charge.majority}"
        return f"Convicted: found guilty {how} on {_day(charge.verdict_on)}"
    if charge.verdict == Verdict.NOT_GUILTY:
        return f"Acquitted: found not guilty on {_day(charge.verdict_on)}"
    if charge.verdict == Verdict.NO_VERDICT:
        return "No verdict: the jury could not agree"
    if charge.plea == Plea.NOT_GUILTY:
        return f"Denied: pleaded not guilty on {_day(charge.plea_on)}; no verdict yet"
    return "No plea yet"


def _sentence_words(sentence: Sentence | None, numbers: dict[int, int]) -> str:
    if sentence is None:
        return ""
    if sentence.kind == SentenceKind.LIFE:
        words = f"Life, minimum term {outcomes.describe_months(sentence.minimum_term_months)}"
    elif sentence.kind in (SentenceKind.CUSTODY, SentenceKind.SUSPENDED):
        words = f"{sentence.get_kind_display()}: {outcomes.describe_months(sentence.term_months)}"
    else:
        words = sentence.get_kind_display()
    if sentence.custodial:
        words += (
            f", consecutive to count {numbers[sentence.consecutive_to_id]}"
            if sentence.consecutive_to_id
            else ", concurrent"
        )
    return words + (f" ({sentence.description})" if sentence.description else "")


def case_view(*, user, pk, action: str = "view") -> CaseView:
    """One defendant's case: each count's offence, plea, verdict and sentence, the
    effective term, the timeline, and the victims' duties; audited."""
    try:
        case = (
            CourtCase.objects.select_related("investigation", "defendant__person")
            .filter(investigation__in=investigations_visible_to(user, action))
            .get(pk=int(pk))
        )
    except (TypeError, ValueError) as exc:
        raise CourtCase.DoesNotExist from exc
    charges = list(case.charges.select_related("sentence").order_by("number"))
    numbers = {c.pk: c.number for c in charges}
    counts = [
        CountView(
            charge=c,
            offence=reference.offence_title(c.offence),
            outcome=_outcome(c),
            sentence=_sentence_words(getattr(c, "sentence", None), numbers),
        )
        for c in charges
    ]
    terms = {
        c.pk: outcomes.Term(
            c.pk,
            c.sentence.term_months or c.sentence.minimum_term_months or 0,
            c.sentence.consecutive_to_id,
            c.sentence.kind == SentenceKind.LIFE,
        )
        for c in charges
        if hasattr(c, "sentence") and c.sentence.custodial
    }
    months = outcomes.effective_months(terms)
    life = any(t.life for t in terms.values())
    effective = ""
    if terms:
        effective = outcomes.describe_months(months)
        if life:
            effective = f"Life, with {effective} to serve before parole may be considered"
    timeline = _timeline(case, charges)
    duties = list(
        VictimDuty.objects.filter(victim__investigation=case.investigation)
        .select_related("victim__person")
        .order_by("triggered_at", "pk")
    )
    people = [case.defendant.person_id] + [d.victim.person_id for d in duties]
    _audit(user, f"justice.case.{action}", f"Court case {case.reference}", people, [case])
    return CaseView(case=case, counts=counts, timeline=timeline, effective=effective, duties=duties)


def _timeline(case: CourtCase, charges: list[Charge]) -> list[TimelineEntry]:
    entries: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for c in charges:
        entries[(c.charged_on, "Charged")].append(c.number)
        if c.plea_on:
            entries[(c.plea_on, f"Pleaded {c.get_plea_display().lower()}")].append(c.number)
        if c.verdict_on:
            entries[(c.verdict_on, f"Verdict: {c.get_verdict_display().lower()}")].append(c.number)
        sentence = getattr(c, "sentence", None)
        if sentence is not None:
            entries[(sentence.sentenced_on, "Sentenced")].append(c.number)
    found = [TimelineEntry(on, what, sorted(numbers)) for (on, what), numbers in entries.items()]
    today = clock.today()
    hearings = [
        TimelineEntry(
            h.on, f"{h.get_kind_display()} at {h.court}" + (" (listed)" if h.on > today else "")
        )
        for h in case.hearings.all()
    ]
    # On one day, the hearing first, then what happened at it.
    return sorted(hearings + found, key=lambda e: (e.on, e not in hearings, e.what))


def duties_open(*, user) -> list[VictimDuty]:
    """The Victims' Code duties not yet done in investigations the user may see, oldest
    first, audited naming each victim."""
    found = list(
        VictimDuty.objects.filter(
            done_at__isnull=True, victim__investigation__in=investigations_visible_to(user)
        )
        .select_related("victim__person", "victim__investigation")
        .order_by("triggered_at", "pk")
    )
    if found:
        _audit(
            user,
            "justice.duties.list",
            "Victims' Code duties to do",
            [d.victim.person_id for d in found],
            found,
        )
    return found


def bail_for_person(*, user, person) -> list[BailCondition]:
    """Bail conditions on a person that the user may see (the police's own, or shared
    with the user's agency to protect a child), current first; audited."""
    found = list(
        policy.agency_records_visible_to(user, "view", "bail_condition")
        .filter(suspect__person=person)
        .select_related("suspect__investigation", "agency")
        .order_by("-starts_on")
    )
    if found:
        _audit(user, "justice.bail.view", "Bail conditions", [person.pk], found)
    return found


# ---------------------------------------------------------------- what the pages read beside
def operations_visible_to(user):
    """The operations whose totals the user may read: every operation of normal
    sensitivity, and the force's own restricted or sealed ones for those of its officers
    who may read investigations at that sensitivity. An operation names no one, so its
    totals are not audited; that a sealed operation exists is still not for everyone."""
    return Operation.objects.filter(
        Q(sensitivity=Sensitivity.NORMAL) | policy.agency_record_q(user, "view", "investigation")
    )


def operation_investigations(*, user, operation: Operation) -> list[Investigation]:
    """The investigations of an operation that the user may read, each with how many
    suspects, victims and court cases it has, in the order the operation's page lists
    them; audited as a list naming each investigation shown."""
    found = list(
        investigations_visible_to(user)
        .filter(operation=operation)
        .annotate(
            n_suspects=Count("suspects", distinct=True),
            n_victims=Count("victims", distinct=True),
            n_cases=Count("court_cases", distinct=True),
        )
        .select_related("team")
        .order_by("status", "-opened_on", "reference")
    )
    if found:
        _audit(user, "justice.investigation.list", f"Investigations of {operation.name}", [], found)
    return found


def case_victims(*, user, case: CourtCase) -> list[Victim]:
    """The victims in a court case's investigation (for the counts form, which may name
    the victim of each count), or none for a user who may not read the investigation.
    Not audited here: the case page that shows them audits them with `case_details`."""
    return list(
        Victim.objects.filter(
            investigation_id=case.investigation_id,
            investigation__in=investigations_visible_to(user),
        )
        .select_related("person")
        .order_by("pk")
    )


@dataclass
class CaseDetails:
    bail: list[BailCondition]
    orders: list[CourtOrder]


def case_details(*, user, case: CourtCase, victims_shown=()) -> CaseDetails:
    """What a court case's page shows beside its counts: the defendant's bail conditions
    that the user may see, and the orders made against them (none for a user who may not
    read the case's investigation). One audit event names these and the victims the page
    shows (`victims_shown`); none is written when the page shows none of them."""
    bail = list(
        policy.agency_records_visible_to(user, "view", "bail_condition")
        .filter(suspect=case.defendant_id)
        .prefetch_related("shared_with")
        .order_by("-starts_on")
    )
    orders = list(
        CourtOrder.objects.filter(
            suspect=case.defendant_id,
            suspect__investigation__in=investigations_visible_to(user),
        ).order_by("-made_on")
    )
    people = [v.person_id for v in victims_shown if v.person_id is not None]
    if people or bail or orders:
        _audit(
            user,
            "justice.case.details",
            f"Court case {case.reference}: victims, bail and orders",
            people,
            [*bail, *orders],
        )
    return CaseDetails(bail=bail, orders=orders)


def duty_get(*, user, pk) -> VictimDuty:
    """One Victims' Code duty in an investigation the user may read, with its victim
    and investigation; VictimDuty.DoesNotExist (a 404) otherwise. Not audited: it is
    read to be done, and the service that records it done audits that."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise VictimDuty.DoesNotExist from exc
    return VictimDuty.objects.select_related("victim__person", "victim__investigation").get(
        pk=pk, victim__investigation__in=investigations_visible_to(user)
    )


def duty_deadlines(*, duties) -> dict[int, Deadline]:
    """Each duty's deadline (the open one, else the latest), by the duty's key. The
    duties were read through the policy already; a deadline names no one."""
    if not duties:
        return {}
    kind = ContentType.objects.get_for_model(VictimDuty)
    found: dict[int, Deadline] = {}
    for deadline in Deadline.objects.filter(
        subject_type=kind, subject_id__in=[d.pk for d in duties]
    ).order_by("created_at", "pk"):
        current = found.get(deadline.subject_id)
        if current is None or not current.is_open or deadline.is_open:
            found[deadline.subject_id] = deadline
    return found


def investigations_editable(*, user, pks) -> set[int]:
    """Which of these investigations the user may change."""
    return set(
        investigations_visible_to(user, "edit").filter(pk__in=set(pks)).values_list("pk", flat=True)
    )


def cases_by_investigation(*, user, investigation_ids) -> dict[int, list[CourtCase]]:
    """The court cases of these investigations that the user may read, by
    investigation, oldest first."""
    found: dict[int, list[CourtCase]] = {}
    for case in CourtCase.objects.filter(
        investigation_id__in=set(investigation_ids),
        investigation__in=investigations_visible_to(user),
    ).order_by("pk"):
        found.setdefault(case.investigation_id, []).append(case)
    return found


def case_in_investigation(*, user, pk: int, investigation_id: int) -> bool:
    """Whether court case `pk` belongs to that investigation, and the user may read it."""
    return CourtCase.objects.filter(
        pk=pk,
        investigation_id=investigation_id,
        investigation__in=investigations_visible_to(user),
    ).exists()


def victim_person_ids(*, investigation_ids) -> set[int]:
    """The people who are victims in these investigations, whoever asks. Only for
    masking: a page keeps a hidden victim's address out of what it shows (a bail
    condition written by the police and shared with the council, say), so the victims
    of an investigation the reader may not open count too. Never shown, so not audited."""
    return set(
        Victim.objects.filter(investigation_id__in=set(investigation_ids)).values_list(
            "person_id", flat=True
        )
    )


def person_named(reference_: str) -> Person | None:
    """The person a typed reference names, or None. Shows nothing, so it is not
    audited: the service it is passed to decides whether the user may choose them (in
    the same words whether or not they exist), and `bail_for_person` audits what it
    shows of them."""
    return Person.objects.filter(reference=(reference_ or "").strip().upper()).first()


def agencies_to_share_with(*, investigation: Investigation) -> list[Agency]:
    """The agencies the police may share an investigation's bail conditions with: every
    agency but their own, by name. Reference data, not about anyone."""
    return list(Agency.objects.exclude(pk=investigation.agency_id).order_by("name"))
