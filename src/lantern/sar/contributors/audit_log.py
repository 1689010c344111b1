"""Who has looked at the person's record, and why (lantern.audit): every recorded look,
change, disclosure and refused attempt that named them, up to the day the pack was
prepared, newest first.

"The survivor who asks, years later, who read her file" (design.md). The choice made
here: workers are named, with their job and agency, because they read her record in
their professional role, and naming who looked is the point of the log; Lantern's own
automatic work is shown as such. Where naming a worker would put them at risk, the data
protection officer adds a redaction (a manual one, citing the exemption) before checking.
The purpose each worker gave is free text and is searched for other people's data like
any other text.

Each event is headed in plain words (audit_words.py), never by the log's internal code.

At most MAX_ROWS events are listed (the newest); the pack says how many more there are."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.people.models import Person

from ..registry import Item, Professional, Section
from .audit_words import heading

MAX_ROWS = 2000


def sections(person: Person) -> list[Section]:
    named = AuditSubject.objects.filter(event=OuterRef("pk"), person_id=person.pk)
    events = (
        AuditEvent.objects.filter(Exists(named))
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
    total = events.count()
    section = Section(
        "access_log",
        "Who has looked at your record",
        intro="Every look at, change to and sharing of your record that Lantern recorded, "
        "newest first, with who did it, for which agency, and the reason they gave. "
        "Workers are named because they looked in their professional role.",
        empty="No one has looked at your record.",
    )
    for event in events[:MAX_ROWS]:
        automatic = event.actor_id is None and not event.actor_username
        if automatic:
            who = "Lantern itself (automatic processing)"
        else:
            user = event.actor
            name = (user.get_full_name() if user else "") or event.actor_username
            job = getattr(user, "job_title", "") if user else ""
            who = ", ".join(part for part in (name, job, event.actor_agency) if part)
        item = Item(
            heading(
                event.operation,
                event.action,
                refused=event.outcome != "allowed",
                automatic=automatic,
            ),
            when=event.occurred_at,
            agency=event.actor_agency,
        )
        item.add("By", Professional(who))
        item.add("Reason given", event.purpose)
        if event.outcome != "allowed":
            item.add("Outcome", event.get_outcome_display())
        item.add("Shared with", Professional(event.recipient) if event.recipient else "")
        section.items.append(item)
    if total > MAX_ROWS:
        section.intro += (
            f" The newest {MAX_ROWS:,} of {total:,} are listed here; ask the data protection "
            "officer for the rest."
        )
    return [section]
