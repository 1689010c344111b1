"""Every write of a risk tool: completing one, and a manager's decision on a lower level.

Each service is keyword-only, checks who may do it, checks every answer against the
tool's version (naming the question), writes, hands a final assessment to the alert
rules (lantern.alerts.intake), and records its audit event, in one transaction: a
refused completion saves nothing.

Judgement on top of the score:

- the level the tool gives (`score_level`) counts unless the practitioner chooses another;
- a higher level needs a reason, and counts at once;
- a lower level needs a reason and a team manager's agreement: the assessment waits
  (status "awaiting_approval") with the tool's level counting, until a team manager
  other than the one who completed it agrees (`assessment_approve`) or refuses
  (`assessment_reject`, with a reason). Either decision makes it final.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lantern.access import policy
from lantern.alerts import intake
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import refuse
from lantern.people.models import Person

from . import tools
from .models import Assessment, Status
from .tools import Outcome, Question, Tool

APPROVER_ROLES = frozenset({"team_manager"})
REASON_LIMIT = 4000
EARLIEST_DATE = dt.date(1900, 1, 1)


# ---------------------------------------------------------------- who may
def _role_code(user) -> str | None:
    role = getattr(user, "role", None)
    return role.code if role is not None else None


def may_complete(user, tool: Tool) -> bool:
    """The user's role is one the tool's file names, and they work with case data."""
    return (
        policy.sees_case_data(user)
        and getattr(user, "agency", None) is not None
        and _role_code(user) in tool.roles
    )


def may_decide(user) -> bool:
    """The role half of agreeing or refusing a lower level: a team manager."""
    return policy.sees_case_data(user) and _role_code(user) in APPROVER_ROLES


def fits_age(tool: Tool, age: int | None) -> bool:
    if age is None:
        return True
    if tool.min_age is not None and age < tool.min_age:
        return False
    return tool.max_age is None or age <= tool.max_age


# ---------------------------------------------------------------- answers
def _quoted(question: Question) -> str:
    return f"“{question.text}”"


def _clean_one(question: Question, value: Any, on: dt.date) -> Any:
    """One answer in the form it is stored, or ValueError saying what is wrong."""
    kind = question.type
    if kind in ("yes_no", "choice"):
        allowed = [v for v, _ in question.options]
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(
                f"The answer must be one of {', '.join(allowed)}, not {value!r}"
                if kind == "choice"
                else f"The answer must be yes or no, not {value!r}"
            )
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"The answer must be a whole number, not {value!r}")
        if not question.minimum <= value <= question.maximum:
            raise ValueError(
                f"The answer must be between {question.minimum} and {question.maximum}, not {value}"
            )
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            raise ValueError("The answer must be a date, not a date and time")
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(
                    f"The answer must be a date like 2026-03-27, not {value!r}"
                ) from None
        if not isinstance(value, dt.date):
            raise ValueError(f"The answer must be a date, not {value!r}")
        if value > on:
            raise ValueError("The date cannot be in the future")
        if value < EARLIEST_DATE:
            raise ValueError("The date must be after 1900")
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"The answer must be text, not {value!r}")
    if len(value) > tools.TEXT_LIMIT:
        raise ValueError(f"The answer must be {tools.TEXT_LIMIT} characters or fewer")
    return value.strip()


def _missing(question: Question) -> str:
    verb = {
        "yes_no": "Choose yes or no",
        "choice": "Choose an answer",
        "number": "Enter a number",
        "date": "Enter a date",
    }.get(question.type, "Answer")
    return f"{verb}: {_quoted(question)}"


def clean_answers(tool: Tool, answers: Mapping[str, Any], *, on: dt.date) -> dict[str, Any]:
    """The answers as they are stored (by question code), every one checked against the
    tool's version. ValidationError names each question with a problem (keyed by its code):
    an answer outside the allowed values, a required question not answered, a date in
    the future, a question the tool does not have. Answers to questions not asked (their
    `only_if` does not hold) are left out."""
    if not isinstance(answers, Mapping):
        refuse("answers", "The answers must be given by question code")
    errors: dict[str, list[str]] = {}
    known = {q.code for q in tool.questions}
    for code in answers:
        if code not in known:
            errors[str(code)] = [f"{tool.name} (version {tool.version}) has no question {code!r}"]
    cleaned: dict[str, Any] = {}
    for question in tool.questions:
        value = answers.get(question.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            cleaned[question.code] = _clean_one(question, value, on)
        except ValueError as exc:
            errors[question.code] = [f"{exc}: {_quoted(question)}"]
    for question in tool.questions:
        if question.code in errors:
            continue
        if not question.asked(cleaned, on):
            cleaned.pop(question.code, None)
        elif question.required and question.code not in cleaned:
            errors[question.code] = [_missing(question)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _tool(tool: Tool | str, version: int | None) -> Tool:
    """The tool's current version: completions always use it."""
    code = tool.code if isinstance(tool, Tool) else tool
    try:
        current = tools.tool(code)
    except tools.ToolNotFound:
        refuse("tool", f"There is no risk tool {code!r}")
    asked = tool.version if isinstance(tool, Tool) else version
    if asked is not None and asked != current.version:
        refuse(
            "tool",
            f"Version {asked} of the {current.name} is no longer used: "
            f"complete version {current.version}",
        )
    return current


def _age(person: Person, on: dt.date) -> int | None:
    return tools.age_on(person.date_of_birth, on)


def _check_age(tool: Tool, age: int | None) -> None:
    if not fits_age(tool, age):
        if tool.max_age is not None and age > tool.max_age:
            refuse(
                "tool",
                f"The {tool.name} is for people aged {tool.max_age} or under; this person is {age}",
            )
        refuse(
            "tool",
            f"The {tool.name} is for people aged {tool.min_age} or over; this person is {age}",
        )


def assessment_score(*, actor, person: Person, tool: Tool | str, answers) -> tuple[Tool, Outcome]:
    """What the answers give, without saving anything (the questionnaire's "work out the
    score"). The same checks as completing, but no level and no reason."""
    if not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    tool = _tool(tool, None)
    today = clock.today()
    age = _age(person, today)
    cleaned = clean_answers(tool, answers, on=today)
    return tool, tool.evaluate(cleaned, age=age, on=today)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_LIMIT:
        refuse("reason", f"The reason must be {REASON_LIMIT} characters or fewer")
    return reason


def _routes(tool: Tool, answers, *, outcome_score, score_level, level, age, on) -> list[str]:
    return [
        r.code
        for r in tool.routes_for(
            answers, score=outcome_score, score_level=score_level, level=level, age=age, on=on
        )
    ]


# ---------------------------------------------------------------- completing a tool
@transaction.atomic
def assessment_complete(
    *,
    actor,
    person: Person,
    tool: Tool | str,
    answers: Mapping[str, Any],
    level: str | None = None,
    reason: str = "",
    version: int | None = None,
) -> Assessment:
    """Complete a risk tool about a person, with the practitioner's judgement on top.

    A person the actor may not see does not exist for them (Person.DoesNotExist: a 404).
    ValidationError names the problem: the tool (unknown, an old version, not for the
    actor's role or the person's age), each answer by its question's code, the level,
    or the reason (a different level from the tool's needs one)."""
    if not policy.can(actor, "view", person):
        raise Person.DoesNotExist
    tool = _tool(tool, version)
    if not may_complete(actor, tool):
        role = getattr(getattr(actor, "role", None), "name", "no role")
        refuse("tool", f"Your role ({role}) cannot complete the {tool.name}")
    now = clock.now()
    today = timezone.localdate(now)
    age = _age(person, today)
    _check_age(tool, age)
    cleaned = clean_answers(tool, answers, on=today)
    outcome = tool.evaluate(cleaned, age=age, on=today)
    reason = _reason(reason)
    chosen = level or outcome.score_level
    if chosen not in tool.levels:
        refuse(
            "level",
            f"Choose one of the {tool.name}'s levels: "
            + ", ".join(tool.label(v) for v in tool.levels),
        )
    given = tool.label(outcome.score_level)
    lower = tool.rank(chosen) < tool.rank(outcome.score_level)
    if tool.rank(chosen) > tool.rank(outcome.score_level) and not reason:
        refuse(
            "reason",
            f"Say why you chose {tool.label(chosen)}, higher than the level the answers give "
            f"({given})",
        )
    if lower and not reason:
        refuse(
            "reason",
            f"A lower level ({tool.label(chosen)}) than the answers give ({given}) needs a "
            "reason, and a team manager's agreement",
        )
    counted = outcome.score_level if lower else chosen
    assessment = Assessment.objects.create(
        person=person,
        tool=tool.code,
        tool_version=tool.version,
        answers=cleaned,
        score=outcome.score,
        score_level=outcome.score_level,
        level=counted,
        judgement_reason=reason,
        routes=_routes(
            tool,
            cleaned,
            outcome_score=outcome.score,
            score_level=outcome.score_level,
            level=counted,
            age=age,
            on=today,
        ),
        completed_by=actor,
        agency=actor.agency,
        completed_at=now,
        status=Status.AWAITING_APPROVAL if lower else Status.FINAL,
        proposed_level=chosen if lower else "",
    )
    if not lower:
        intake.assessment_completed(assessment)
    audit_record(
        actor=actor,
        action="collection",
        operation="risk.assessment.complete",
        purpose=f"Risk tool completed: {tool.name}",
        subjects=[Subject.person(person), Subject.of(assessment, person_id=person.pk)],
        detail={
            "tool": tool.code,
            "version": tool.version,
            "score": outcome.score,
            "score_level": outcome.score_level,
            "level": counted,
            "proposed_level": assessment.proposed_level,
            "status": assessment.status,
            "routes": assessment.routes,
        },
    )
    return assessment


# ---------------------------------------------------------------- a manager's decision
def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("person").get(pk=assessment.pk)


def _check_decider(actor, assessment: Assessment) -> None:
    if not policy.can(actor, "view", assessment.person):
        raise Assessment.DoesNotExist
    if not may_decide(actor):
        refuse("actor", "Only a team manager can agree or refuse a lower level")
    if assessment.status != Status.AWAITING_APPROVAL:
        refuse("status", "This assessment is not waiting for a decision on a lower level")
    if assessment.completed_by_id == actor.pk:
        refuse(
            "actor",
            "You completed this assessment: another team manager must decide on the lower level",
        )


def _decided(actor, assessment: Assessment, *, operation: str, purpose: str, detail: dict):
    tool = tools.tool(assessment.tool, assessment.tool_version)
    day = timezone.localdate(assessment.completed_at)
    assessment.routes = _routes(
        tool,
        assessment.answers,
        outcome_score=assessment.score,
        score_level=assessment.score_level,
        level=assessment.level,
        age=_age(assessment.person, day),
        on=day,
    )
    assessment.status = Status.FINAL
    assessment.save()
    intake.assessment_completed(assessment)
    audit_record(
        actor=actor,
        action="alteration",
        operation=operation,
        purpose=purpose,
        subjects=[
            Subject.person(assessment.person),
            Subject.of(assessment, person_id=assessment.person_id),
        ],
        detail={**detail, "level": assessment.level, "routes": assessment.routes},
    )
    return assessment


@transaction.atomic
def assessment_approve(*, actor, assessment: Assessment, reason: str = "") -> Assessment:
    """A team manager agrees the lower level: it becomes the level that counts."""
    assessment = _locked(assessment)
    _check_decider(actor, assessment)
    reason = _reason(reason)
    now = clock.now()
    assessment.level = assessment.proposed_level
    assessment.approved_by = actor
    assessment.approved_at = now
    assessment.manager_reason = reason
    return _decided(
        actor,
        assessment,
        operation="risk.assessment.approve",
        purpose="A team manager agreed a lower level than the risk tool gave",
        detail={"score_level": assessment.score_level, "approved_level": assessment.level},
    )


@transaction.atomic
def assessment_reject(*, actor, assessment: Assessment, reason: str) -> Assessment:
    """A team manager refuses the lower level, with a reason: the tool's level stands."""
    assessment = _locked(assessment)
    _check_decider(actor, assessment)
    reason = _reason(reason)
    if not reason:
        refuse("reason", "Say why the lower level is refused")
    assessment.level = assessment.score_level
    assessment.refused_by = actor
    assessment.refused_at = clock.now()
    assessment.manager_reason = reason
    return _decided(
        actor,
        assessment,
        operation="risk.assessment.reject",
        purpose="A team manager refused a lower level than the risk tool gave",
        detail={"score_level": assessment.score_level, "refused_level": assessment.proposed_level},
    )
