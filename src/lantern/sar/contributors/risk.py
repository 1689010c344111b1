"""Risk assessments completed about the person (lantern.risk): the tool, the answers, the
score and level, any professional judgement that changed the level, and a manager's
decision on it."""

from __future__ import annotations

from lantern.people.models import Person
from lantern.risk.models import Assessment

from ..registry import Item, Section
from .common import is_police, worker


def _answer(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def sections(person: Person) -> list[Section]:
    section = Section("risk", "Risk assessments")
    found = (
        Assessment.objects.filter(person=person)
        .select_related("agency", "completed_by", "approved_by", "refused_by")
        .order_by("completed_at", "pk")
    )
    for assessment in found:
        item = Item(
            f"{assessment.tool} (version {assessment.tool_version}): {assessment.level}",
            when=assessment.completed_at,
            agency=assessment.agency.name,
            police=is_police(assessment.agency),
        )
        item.add("Completed by", worker(assessment.completed_by))
        item.add("Score", str(assessment.score)).add("The tool's level", assessment.score_level)
        item.add("The level that counts", assessment.level)
        item.add("Why a different level was chosen", assessment.judgement_reason)
        item.add("Level asked for", assessment.proposed_level)
        item.add("Status", assessment.get_status_display())
        item.add("Manager", worker(assessment.approved_by or assessment.refused_by))
        item.add("Manager's reason", assessment.manager_reason)
        item.add("What follows (routes)", ", ".join(assessment.routes or []))
        for code, value in sorted((assessment.answers or {}).items()):
            item.add(f"Answer: {code.replace('_', ' ')}", _answer(value))
        section.items.append(item)
    return [section]
