"""Who may do what in a survivor's support, beyond what the policy table says.

The table (access/data/policy.csv, record type `support_plan`) decides who sees a plan:
the lead agency holds it, open or ended. Two rules live here because they are about one
person's safety, not about a record type:

- **The hidden address.** When her safe-contact settings say someone may be seeking her,
  every address of hers is shown only to her lead worker on an open plan: not to the agency
  that holds the address, not to her allocated social worker, not to the police. The
  policy module asks `address_hidden_from` (lantern.access.policy.address_hidden_from), and
  every page and export that shows an address asks the policy module.
- **The lead worker.** Only the plan's lead worker (or a manager in the lead agency's team)
  re-engages a survivor whose plan ended.
"""

from __future__ import annotations

from lantern.people.models import Person

from .models import SafeContact, SupportPlan

MANAGER_ROLES = frozenset({"team_manager"})


def safe_contact_of(person: Person | int) -> SafeContact | None:
    """The safe-contact settings in force for the person, if any were recorded."""
    person_id = getattr(person, "pk", person)
    return SafeContact.objects.filter(person_id=person_id).order_by("-recorded_at", "-pk").first()


def is_lead_worker(user, person: Person | int) -> bool:
    """Whether the user leads an open support plan for the person."""
    person_id = getattr(person, "pk", person)
    return (
        bool(getattr(user, "pk", None))
        and SupportPlan.objects.filter(
            person_id=person_id, lead_worker=user, ended_at__isnull=True
        ).exists()
    )


def address_hidden_from(user, person: Person | int) -> bool:
    settings = safe_contact_of(person)
    if settings is None or not settings.hide_address:
        return False
    return not is_lead_worker(user, person)


def hidden_addresses_among(user, person_ids) -> set[int]:
    """The people among `person_ids` whose addresses are hidden from the user (for lists and
    exports: two queries, not two per person)."""
    ids = set(person_ids)
    if not ids:
        return set()
    latest: dict[int, bool] = {}
    rows = (
        SafeContact.objects.filter(person_id__in=ids)
        .order_by("person_id", "-recorded_at", "-pk")
        .values_list("person_id", "hide_address")
    )
    for person_id, hide in rows:
        latest.setdefault(person_id, hide)
    hiding = {pid for pid, hide in latest.items() if hide}
    if not hiding or not getattr(user, "pk", None):
        return hiding
    led = set(
        SupportPlan.objects.filter(
            person_id__in=hiding, lead_worker=user, ended_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    return hiding - led


def may_reengage(user, plan: SupportPlan) -> bool:
    """Her old lead worker, or a manager in the lead agency, may re-engage her."""
    if plan.lead_worker_id == getattr(user, "pk", None):
        return True
    role = getattr(getattr(user, "role", None), "code", None)
    return role in MANAGER_ROLES and getattr(user, "agency", None) == plan.agency
