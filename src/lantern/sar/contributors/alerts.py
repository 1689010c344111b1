"""Alerts raised about the person (lantern.alerts): which rule, when, to which team, what
was done, the facts behind each (a fact about another person is withheld), and the tasks
agencies were given."""

from __future__ import annotations

from lantern.alerts.models import Alert, AlertFact
from lantern.people.models import Person

from ..redaction import NAME
from ..registry import Item, Section, Withhold
from .common import is_police, worker


def sections(person: Person) -> list[Section]:
    section = Section("alerts", "Alerts raised about you")
    found = (
        Alert.objects.filter(person=person)
        .select_related("team", "agency", "acted_on_by", "dismissed_by")
        .prefetch_related("facts__agency", "facts__person", "tasks__agency")
        .order_by("raised_at", "pk")
    )
    for alert in found:
        item = Item(
            f"Alert: {alert.rule.replace('_', ' ')} ({alert.get_severity_display().lower()})",
            when=alert.raised_at,
            agency=alert.agency.name,
            police=is_police(alert.agency),
        )
        item.add("Sent to", f"{alert.team.name}, {alert.agency.name}")
        item.add("Status", alert.get_status_display())
        item.add("What was done, or why it was dismissed", alert.status_reason)
        item.add("By", worker(alert.acted_on_by or alert.dismissed_by))
        for fact in alert.facts.all():
            text = f"{fact.kind.replace('_', ' ')} on {fact.at:%-d %B %Y} ({fact.agency.name})"
            if fact.person_id != person.pk:
                item.add(
                    "Based on",
                    [
                        text + ", recorded about ",
                        Withhold(
                            fact.person.full_name,
                            NAME,
                            why="The alert also rests on a record about another person.",
                        ),
                    ],
                )
            else:
                item.add("Based on", text)
        for task in alert.tasks.all():
            item.add(
                f"Task for {task.agency.name} ({task.get_status_display().lower()})",
                task.text + (f" Note: {task.note}" if task.note else ""),
            )
        section.items.append(item)
    return [section]


def linked_people(person: Person) -> list[Person]:
    facts = AlertFact.objects.filter(alert__person=person).exclude(person=person)
    return list(Person.objects.filter(pk__in=facts.values("person")))
