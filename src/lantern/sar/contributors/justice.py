"""Police investigations in which the person is a victim (lantern.justice): the
investigation, when she was identified and took part, the counts charged in which she is
the victim with their pleas and verdicts, and the Victims' Code duties owed to her.

Police-held: disclosed under DPA 2018 s45. The suspects and defendants are withheld as
third parties' data (their names, and the people themselves are looked for in the pack's
free text); so are the other victims of the same investigations."""

from __future__ import annotations

from lantern.justice.models import Charge, Suspect, Victim
from lantern.people.models import Person

from ..redaction import NAME
from ..registry import Item, Section, Withhold
from .common import worker, yes_no


def _victims(person: Person):
    return (
        Victim.objects.filter(person=person)
        .select_related("investigation__agency", "investigation__operation")
        .prefetch_related("engagements", "duties__done_by")
        .order_by("identified_on", "pk")
    )


def sections(person: Person) -> list[Section]:
    section = Section(
        "justice",
        "Police investigations in which you are a victim",
        intro="The people suspected or charged are not named: it is their information.",
    )
    for victim in _victims(person):
        investigation = victim.investigation
        item = Item(
            f"Investigation {investigation.reference}: {investigation.title}",
            when=investigation.opened_on,
            agency=investigation.agency.name,
            police=True,
        )
        item.add("Status", investigation.get_status_display())
        closed = investigation.closed_on
        item.add("Closed", f"{closed:%-d %B %Y}" if closed else "")
        item.add("Why it closed", investigation.closed_reason)
        item.add("You were identified as a victim", f"{victim.identified_on:%-d %B %Y}")
        item.add("Enhanced service under the Victims' Code", yes_no(victim.enhanced_rights))
        for spell in victim.engagements.all():
            until = f"{spell.ended_on:%-d %B %Y}" if spell.ended_on else "now"
            item.add("You chose to take part", f"{spell.started_on:%-d %B %Y} to {until}")
        suspects = Suspect.objects.filter(investigation=investigation).select_related("person")
        for number, suspect in enumerate(suspects, start=1):
            item.add(
                f"Suspect {number}",
                [
                    Withhold(suspect.person.full_name, NAME, why="The name of a suspect."),
                    f", a suspect from {suspect.added_on:%-d %B %Y}",
                ],
            )
        others = Victim.objects.filter(investigation=investigation).exclude(person=person)
        if others.exists():
            item.add("Other victims", f"{others.count()} (not named)")
        counts = (
            Charge.objects.filter(victim=victim)
            .select_related("defendant", "court_case")
            .order_by("court_case", "number")
        )
        for charge in counts:
            text = [
                f"Count {charge.number} ({charge.offence}) against ",
                Withhold(charge.defendant.full_name, NAME, why="The name of a defendant."),
                f", charged {charge.charged_on:%-d %B %Y}. Plea: {charge.get_plea_display()}. "
                f"Verdict: {charge.get_verdict_display()}.",
            ]
            if charge.particulars:
                text += [" ", charge.particulars]
            item.add("Charge", text)
        for duty in victim.duties.all():
            done = (
                f"told {duty.done_at:%-d %B %Y}" + (f" ({duty.how})" if duty.how else "")
                if duty.done_at
                else "not yet done"
            )
            item.add(f"Victims' Code: {duty.duty.replace('_', ' ')}", f"{duty.trigger}: {done}")
            if duty.done_by_id:
                item.add("Told by", worker(duty.done_by))
        section.items.append(item)
    return [section]


def linked_people(person: Person) -> list[Person]:
    investigations = Victim.objects.filter(person=person).values("investigation")
    suspects = Suspect.objects.filter(investigation__in=investigations).values("person")
    victims = Victim.objects.filter(investigation__in=investigations).values("person")
    defendants = Charge.objects.filter(victim__person=person).values("defendant")
    return list(
        Person.objects.filter(pk__in=suspects)
        | Person.objects.filter(pk__in=victims)
        | Person.objects.filter(pk__in=defendants)
    )
