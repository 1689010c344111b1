"""What she told the partnership, for her subject access pack (lantern.sar finds this
module by its name): each piece of feedback from or about her, in her own words, with the
uses she agreed to (and any she later withdrew), the themes it was tagged with, the words
quoted from it, and what the partnership did in response."""

from __future__ import annotations

from lantern.people.models import Person
from lantern.sar.contributors.common import worker
from lantern.sar.registry import Item, Section

from .models import CONSENT_FIELDS, ActionFeedback, ConsentChange, Feedback, Use
from .themes import themes

ORDER = 750


def sections(person: Person) -> list[Section]:
    section = Section(
        "voice",
        "What you told us",
        intro="Your words as the worker wrote them down, and what you agreed they may be used for.",
        empty="No feedback from you is held.",
    )
    uses = dict(Use.choices)
    found = (
        Feedback.objects.filter(person=person)
        .select_related("agency", "recorded_by")
        .prefetch_related("theme_tags", "quotes")
        .order_by("given_on", "pk")
    )
    for feedback in found:
        item = Item(
            f"{feedback.get_channel_display()}: {feedback.get_giver_kind_display()}",
            when=feedback.given_on,
            agency=feedback.agency.name,
        )
        item.add("Your words", feedback.words)
        item.add("Written down by", worker(feedback.recorded_by))
        agreed = [uses[use] for use, flag in CONSENT_FIELDS.items() if getattr(feedback, flag)]
        item.add("You agree it may be used for", "; ".join(agreed) or "Nothing beyond your support")
        for change in ConsentChange.objects.filter(feedback=feedback).order_by("on", "pk"):
            said = ", ".join(uses.get(u, u) for u in change.uses)
            item.add(f"On {change.on:%-d %B %Y} you {change.get_kind_display().lower()}", said)
        named = sorted(themes().name(t.theme) for t in feedback.theme_tags.all())
        item.add("Themes", ", ".join(named))
        for quote in feedback.quotes.all():
            if quote.removed_at is None:
                item.add("Quoted, without your name", quote.text)
        for link in ActionFeedback.objects.filter(feedback=feedback).select_related("action"):
            item.add("What the partnership did", f"{link.action.title}: {link.action.we_did}")
        section.items.append(item)
    return [section]
