"""What her support holds about her, for her subject access pack (lantern.sar finds this
module by its name): each support plan with its spells of support, needs (in her own
words where she gave them), goals, the services she was referred to, the contacts with
her and the reviews; and how she asked to be contacted safely.

Workers are named as professionals. Free text (a contact's summary, a need) is searched
for other people's data by the pack, as every section's is."""

from __future__ import annotations

from lantern.people.models import Person
from lantern.sar.contributors.common import worker, yes_no
from lantern.sar.registry import Item, Section

from .access import safe_contact_of
from .models import SupportPlan

ORDER = 700


def _day(value) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _plans(person: Person):
    return (
        SupportPlan.objects.filter(person=person)
        .select_related("agency", "lead_worker")
        .prefetch_related(
            "engagements",
            "needs",
            "goals",
            "referrals__service__provider",
            "contacts__recorded_by",
            "reviews",
        )
        .order_by("opened_at", "pk")
    )


def _plan_items(plan: SupportPlan) -> list[Item]:
    item = Item(
        f"Support plan with {plan.agency.name}", when=plan.opened_at, agency=plan.agency.name
    )
    item.add("Your lead worker", worker(plan.lead_worker))
    item.add("What the plan is for", plan.summary)
    for spell in plan.engagements.all():
        until = _day(spell.ended_at) or "now"
        item.add("Supported", f"{_day(spell.started_at)} to {until}: {spell.start_reason}")
    item.add("Ended", f"{_day(plan.ended_at)}: {plan.end_reason}" if plan.ended_at else "")
    for need in plan.needs.all():
        item.add(f"Need: {need.get_area_display()}", need.description)
        item.add("In your words", need.in_her_words)
    for goal in plan.goals.all():
        item.add("Goal", f"{goal.description} ({goal.get_status_display().lower()})")
    items = [item]
    for referral in plan.referrals.all():
        service = referral.service
        sent = Item(
            f"Referral to {service.name} ({service.provider.name})",
            when=referral.referred_at,
            agency=plan.agency.name,
        )
        sent.add("Why", referral.reason)
        sent.add("Status", referral.get_status_display())
        sent.add("Started", _day(referral.started_on))
        sent.add("Ended", _day(referral.ended_on))
        sent.add("Declined because", referral.declined_reason)
        items.append(sent)
    for contact in plan.contacts.all():
        met = Item(contact.get_method_display(), when=contact.happened_at, agency=plan.agency.name)
        met.add("Worker", worker(contact.recorded_by))
        met.add("What happened", contact.summary)
        items.append(met)
    for review in plan.reviews.all():
        held = Item("Review of your support", when=review.held_on, agency=plan.agency.name)
        held.add("Summary", review.summary)
        held.add("What you said", review.her_view)
        items.append(held)
    return items


def sections(person: Person) -> list[Section]:
    support = Section("support", "Your support", empty="No support plan has been held.")
    for plan in _plans(person):
        support.items.extend(_plan_items(plan))
    found = [support]
    settings = safe_contact_of(person)
    if settings is not None:
        safe = Item("How you asked to be contacted", when=settings.recorded_at)
        safe.add("Phone", settings.phone)
        safe.add("When", settings.times)
        safe.add("Calls", yes_no(settings.may_call))
        safe.add("Texts", yes_no(settings.may_text))
        safe.add("Messages left", yes_no(settings.may_leave_message))
        safe.add("Post", yes_no(settings.may_post))
        safe.add("Email", settings.email if settings.may_email else yes_no(False))
        safe.add("Anything else", settings.notes)
        safe.add(
            "Your address is hidden from everyone but your lead worker",
            yes_no(settings.hide_address),
        )
        found.append(Section("safe_contact", "Contacting you safely", items=[safe]))
    return found
