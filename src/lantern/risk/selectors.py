"""Every read of risk assessments: through the access policy, and recorded in the audit log.

Who may read a person's assessments: whoever may view the person (the policy's person
rule, the same as the person's own page and their casework). A person the reader may not
see does not exist for them: their assessments answer 404 and never appear in a list.

Each read names the person and every assessment shown; an assessment completed by
another agency is also recorded as a disclosure from that agency to the reader, against
the sharing agreement in force.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from lantern.access import policy
from lantern.access.selectors import agreement_between
from lantern.audit.services import Subject, audit_record, audit_refusal
from lantern.core import clock
from lantern.people import selectors as people_selectors
from lantern.people.models import Person

from . import services, tools
from .models import Assessment, Status
from .tools import Outcome, Question, Rule, Tool

CONSULTATION = "consultation"
HISTORY_LIMIT = 200
QUEUE_LIMIT = 200


# ---------------------------------------------------------------- finding the records
def person_get(*, user, reference: str, action: str = "view") -> Person:
    """The person, if the user may `action` them; Person.DoesNotExist (a 404) if not.
    A refused look at someone who exists is recorded as refused."""
    return people_selectors.person_get(
        user=user, reference=reference.strip().upper(), action=action
    )


def assessment_get(*, user, pk: int, action: str = "view") -> Assessment:
    """One assessment, if the user may `action` its person; Assessment.DoesNotExist (a
    404) if not. A refused look at one that exists is recorded as refused."""
    found = (
        Assessment.objects.select_related(
            "person", "completed_by", "agency", "approved_by", "refused_by"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Assessment.DoesNotExist
    if not policy.people_visible_to(user, action).filter(pk=found.person_id).exists():
        if policy.sees_case_data(user):
            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation=f"risk.assessment.{action}",
                purpose="No relationship that allows it",
                subjects=[Subject.of(found, person_id=found.person_id)],
            )
        raise Assessment.DoesNotExist
    return found


def tools_for(user, person: Person | None = None) -> list[Tool]:
    """The current tools the user's role may complete (for this person's age, if given)."""
    age = tools.age_on(person.date_of_birth, clock.today()) if person else None
    return [
        t for t in tools.current() if services.may_complete(user, t) and services.fits_age(t, age)
    ]


# ---------------------------------------------------------------- the audit of a read
def _audit_read(
    user,
    assessments: Sequence[Assessment],
    operation: str,
    purpose: str,
    *,
    people: Sequence[Person] = (),
) -> None:
    """One consultation naming every person and assessment shown; one disclosure per
    other agency whose assessments were shown."""
    shown_people = {p.pk: p for p in people}
    for a in assessments:
        shown_people.setdefault(a.person_id, a.person)
    subjects = [Subject.person(p) for p in shown_people.values()]
    subjects += [Subject.of(a, person_id=a.person_id) for a in assessments]
    audit_record(
        actor=user, action=CONSULTATION, operation=operation, purpose=purpose, subjects=subjects
    )
    own = user.agency.pk if user.agency else None
    by_agency: dict = defaultdict(list)
    for a in assessments:
        if a.agency_id != own:
            by_agency[a.agency].append(a)
    for agency, items in by_agency.items():
        agreement = agreement_between(agency, user.agency)
        audit_record(
            actor=user,
            action="disclosure",
            operation=operation,
            purpose=purpose,
            recipient=f"{user} ({user.agency.name if user.agency else 'no agency'})",
            subjects=[Subject.of(a, person_id=a.person_id) for a in items],
            detail={"from_agency": agency.code, "agreement": agreement.code if agreement else None},
        )


def _purpose(user, person: Person) -> str:
    return "Risk tools: " + people_selectors.purpose_for(policy.person_relationships(user, person))


@transaction.atomic
def person_seen(*, user, person: Person, operation: str) -> None:
    """Record a look at a page that names the person (choosing a tool, the questionnaire)."""
    _audit_read(user, [], operation, _purpose(user, person), people=[person])


# ---------------------------------------------------------------- one assessment
@dataclass(frozen=True)
class AnswerRow:
    question: Question
    answer: str
    points: int | None  # None: a question that scores nothing
    asked: bool


@dataclass(frozen=True)
class DomainRows:
    title: str
    rows: list[AnswerRow]


@dataclass
class AssessmentView:
    assessment: Assessment
    tool: Tool  # the version it used
    outcome: Outcome  # recomputed from the stored answers, for the floors and the points
    domains: list[DomainRows]
    routes: list[Rule]
    is_current_version: bool
    age: int | None
    purpose: str = ""

    @property
    def score_label(self) -> str:
        return self.tool.label(self.assessment.score_level)

    @property
    def level_label(self) -> str:
        return self.tool.label(self.assessment.level)

    @property
    def proposed_label(self) -> str:
        return self.tool.label(self.assessment.proposed_level)

    @property
    def band_label(self) -> str:
        return self.tool.label(self.outcome.band.level)

    @property
    def raised(self) -> bool:
        a = self.assessment
        return self.tool.rank(a.level) > self.tool.rank(a.score_level)

    @property
    def lowered(self) -> bool:
        a = self.assessment
        return self.tool.rank(a.level) < self.tool.rank(a.score_level)


def view_of(assessment: Assessment) -> AssessmentView:
    """An assessment with the questions of the version it used. Not audited: callers are."""
    tool = tools.tool(assessment.tool, assessment.tool_version)
    day = timezone.localdate(assessment.completed_at)
    age = tools.age_on(assessment.person.date_of_birth, day)
    answers = assessment.answers
    outcome = tool.evaluate(answers, age=age, on=day)
    domains = []
    for domain in tool.domains:
        rows = []
        for question in tool.in_domain(domain.code):
            asked = question.asked(answers, day)
            rows.append(
                AnswerRow(
                    question=question,
                    answer=question.label_of(answers.get(question.code)),
                    points=outcome.points.get(question.code, 0) if question.scored else None,
                    asked=asked,
                )
            )
        domains.append(DomainRows(domain.title, rows))
    routes = [r for code in assessment.routes if (r := tool.route(code)) is not None]
    return AssessmentView(
        assessment=assessment,
        tool=tool,
        outcome=outcome,
        domains=domains,
        routes=routes,
        is_current_version=tools.tool(assessment.tool).version == tool.version,
        age=age,
    )


@transaction.atomic
def assessment_view(
    *, user, assessment: Assessment, operation: str = "risk.assessment.view"
) -> AssessmentView:
    """One assessment for its page, audited. The caller read it through `assessment_get`."""
    view = view_of(assessment)
    view.purpose = _purpose(user, assessment.person)
    _audit_read(user, [assessment], operation, view.purpose)
    return view


# ---------------------------------------------------------------- a person's history
@dataclass(frozen=True)
class HistoryRow:
    assessment: Assessment
    tool: Tool
    change: str  # against the one before it of the same tool: "up", "down", "same" or ""
    previous_label: str

    @property
    def level_label(self) -> str:
        return self.tool.label(self.assessment.level)

    @property
    def score_label(self) -> str:
        return self.tool.label(self.assessment.score_level)

    @property
    def proposed_label(self) -> str:
        return self.tool.label(self.assessment.proposed_level)


@dataclass(frozen=True)
class ToolHistory:
    code: str
    name: str
    rows: list[HistoryRow]  # newest first


@dataclass
class History:
    person: Person
    tools: list[ToolHistory] = field(default_factory=list)
    purpose: str = ""

    @property
    def count(self) -> int:
        return sum(len(t.rows) for t in self.tools)


def _histories(assessments: list[Assessment]) -> list[ToolHistory]:
    by_tool: dict[str, list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_tool[a.tool].append(a)
    found = []
    for code, items in by_tool.items():
        items.sort(key=lambda a: (a.completed_at, a.pk))
        rows, previous = [], None
        for a in items:
            tool = tools.tool(a.tool, a.tool_version)
            change, before = "", ""
            if previous is not None:
                old_tool = tools.tool(previous.tool, previous.tool_version)
                before = old_tool.label(previous.level)
                if previous.level == a.level:
                    change = "same"
                elif a.level in tool.levels and previous.level in tool.levels:
                    change = "up" if tool.rank(a.level) > tool.rank(previous.level) else "down"
                else:
                    change = "changed"
            rows.append(HistoryRow(a, tool, change, before))
            previous = a
        rows.reverse()
        found.append(ToolHistory(code, rows[0].tool.name, rows))
    found.sort(key=lambda t: t.rows[0].assessment.completed_at, reverse=True)
    return found


@transaction.atomic
def person_history(
    *, user, person: Person, operation: str = "risk.history.view", limit: int = HISTORY_LIMIT
) -> History:
    """Every assessment of the person (newest first, at most `limit`), by tool, with how
    the level moved from one to the next; audited. The caller read the person through
    `person_get` (a hidden person is a 404 there)."""
    assessments = list(
        Assessment.objects.filter(person=person)
        .select_related("person", "completed_by", "agency", "approved_by", "refused_by")
        .order_by("-completed_at", "-pk")[:limit]
    )
    purpose = _purpose(user, person)
    _audit_read(user, assessments, operation, purpose, people=[person])
    return History(person=person, tools=_histories(assessments), purpose=purpose)


@transaction.atomic
def person_assessments(
    *, user, person: Person, operation: str, limit: int = HISTORY_LIMIT
) -> list[AssessmentView]:
    """The person's assessments, newest first, with the view of each; audited."""
    assessments = list(
        Assessment.objects.filter(person=person)
        .select_related("person", "completed_by", "agency", "approved_by", "refused_by")
        .order_by("-completed_at", "-pk")[:limit]
    )
    _audit_read(user, assessments, operation, _purpose(user, person), people=[person])
    return [view_of(a) for a in assessments]


# ---------------------------------------------------------------- the manager's queue
@transaction.atomic
def awaiting_decision(*, user, limit: int = QUEUE_LIMIT) -> list[AssessmentView]:
    """Lower levels waiting for a manager, oldest first, about people the manager may
    list; audited. Empty for anyone who cannot decide."""
    if not services.may_decide(user):
        return []
    visible = policy.people_visible_to(user, "list")
    found = list(
        Assessment.objects.filter(status=Status.AWAITING_APPROVAL, person__in=visible)
        .select_related("person", "completed_by", "agency")
        .order_by("completed_at", "pk")[:limit]
    )
    if found:
        _audit_read(
            user,
            found,
            "risk.approvals.list",
            "Lower risk levels waiting for a manager's decision",
        )
    return [view_of(a) for a in found]
