"""Who may see which records about people.

The one place that decides. This first version holds the rules the foundation
needs; the safeguards issue turns it into the full need-to-know policy table.

- Roles that do not work with case data (partnership manager, scrutineer, data
  protection officer, system administrator) see no person at all.
- The front door (a member of a front-door team) sees every person, because it
  must check what every agency knows before it decides.
- Everyone else sees the people their own agency holds a current record of.
- Within a visible person, a restricted or sealed record or event is shown in
  full only to the agency that holds it; others learn only that it exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from lantern.people.models import Event, Person, Sensitivity, SourceRecord


def sees_case_data(user) -> bool:
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return bool(role and role.sees_case_data)


def is_front_door(user) -> bool:
    membership = getattr(user, "membership", None)
    return bool(membership and membership.team and membership.team.is_front_door)


def people_visible_to(user) -> QuerySet[Person]:
    if not sees_case_data(user):
        return Person.objects.none()
    if is_front_door(user):
        return Person.objects.all()
    held = SourceRecord.objects.filter(person=OuterRef("pk"), agency=user.agency, is_current=True)
    return Person.objects.filter(Exists(held))


def can_view_person(user, person: Person) -> bool:
    return people_visible_to(user).filter(pk=person.pk).exists()


def may_read_detail(user, *, agency_id: int, sensitivity: str) -> bool:
    """Whether a record or event of this sensitivity, held by this agency, is shown in full."""
    if sensitivity == Sensitivity.NORMAL:
        return True
    return user.agency is not None and user.agency.pk == agency_id


def events_readable_by(user, events: QuerySet[Event]) -> QuerySet[Event]:
    """The events shown in full; the rest are summarised as 'a restricted record held by X'."""
    from django.db.models import Q

    return events.filter(Q(sensitivity=Sensitivity.NORMAL) | Q(source_record__agency=user.agency))
