"""Police intelligence about the person (lantern.network): each link recorded between her
and another person, a vehicle, a phone, an account or a place, and the report it came
from.

Police-held (DPA 2018 s45). The other person at the end of a link is withheld as
third-party data; a vehicle, phone, account or place, and the report's own words and
source, are withheld by default under the crime exemption (releasing intelligence would
be likely to prejudice the prevention or detection of crime): the data protection officer
lifts what may safely go, with a reason."""

from __future__ import annotations

from django.db.models import Q

from lantern.network.models import Entity, EntityKind, Link
from lantern.people.models import Person

from ..exemptions import CRIME
from ..redaction import NAME
from ..registry import Item, Section, Withhold

INTELLIGENCE = "Police intelligence"
WHY_OBJECT = "Intelligence held by the police: a vehicle, phone, account or place."
WHY_REPORT = "The words of a police intelligence report, and its source."


def _links(person: Person):
    entity = Entity.objects.filter(person=person).first()
    if entity is None:
        return None, Link.objects.none()
    links = (
        Link.objects.filter(Q(source=entity) | Q(target=entity))
        .select_related("source__person", "target__person", "report", "agency")
        .order_by("first_seen", "pk")
    )
    return entity, links


def sections(person: Person) -> list[Section]:
    section = Section(
        "network",
        "Police intelligence about you",
        intro="Who and what the police recorded you with. Other people are not named; "
        "intelligence that could harm the prevention or detection of crime is withheld.",
    )
    entity, links = _links(person)
    for link in links:
        other = link.target if link.source_id == entity.pk else link.source
        item = Item(
            f"{link.get_kind_display()} (report {link.report.reference})",
            when=link.first_seen,
            agency=link.agency.name,
            police=True,
        )
        if other.kind == EntityKind.PERSON:
            item.add(
                "With",
                Withhold(other.label, NAME, why="Another person the police linked to you."),
            )
        else:
            item.add(
                other.get_kind_display(),
                Withhold(other.label, f"{INTELLIGENCE}: {other.get_kind_display().lower()}",
                         CRIME, WHY_OBJECT),
            )  # fmt: skip
        item.add("Last seen", f"{link.last_seen:%-d %B %Y}" if link.last_seen else "")
        item.add("Grading", Withhold(link.report.grading, INTELLIGENCE, CRIME, WHY_REPORT))
        item.add("Report", Withhold(link.report.text, INTELLIGENCE, CRIME, WHY_REPORT))
        section.items.append(item)
    return [section]


def linked_people(person: Person) -> list[Person]:
    entity, links = _links(person)
    if entity is None:
        return []
    ends = set()
    for link in links:
        for end in (link.source, link.target):
            if end.pk != entity.pk and end.person_id is not None:
                ends.add(end.person_id)
    reports = links.values("report")
    also = Link.objects.filter(report__in=reports)
    ends |= set(
        Entity.objects.filter(
            Q(links_out__in=also) | Q(links_in__in=also), person__isnull=False
        ).values_list("person_id", flat=True)
    )
    ends.discard(person.pk)
    return list(Person.objects.filter(pk__in=ends))
