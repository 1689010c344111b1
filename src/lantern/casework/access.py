"""Who may read and write a child's casework: the access policy, and one documented rule.

Reading: a user may read a child's casework when the access policy lets them view the
child (`lantern.access.policy`): the same relationships as the person's own page.

Writing: no role may "edit" a person in the policy table (policy.csv gives edit on
agency records only), so casework has its own small rule, taken from the partnership's
roles-and-responsibilities table (data/responsibilities.toml):

    a user may record a step for a child they may view, if their role is one of the
    step's `recorded_by` roles (for opening and closing a case: the [case] roles);

and an action is completed by staff of the agency that owns it (any role that works
with case data) who may view the child.

An agency that owns an action or attends a meeting but holds no record of the child
(the police at a strategy discussion about a child only the council knows) sees the
child through the policy's `involved_agency` relationship, decided by
`involved_agency_q` below: the child, not the other agencies' records about them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from lantern.access import policy
from lantern.people.models import Person

from . import responsibilities


def people_readable(user, action: str = "view") -> QuerySet[Person]:
    """Every person whose casework the user may read."""
    return policy.people_visible_to(user, action)


def may_read(user, person: Person, action: str = "view") -> bool:
    return people_readable(user, action).filter(pk=person.pk).exists()


def _role_code(user) -> str | None:
    role = getattr(user, "role", None)
    return role.code if role is not None else None


def role_records(user, step: str) -> bool:
    """The role half of the write rule: is the user's role one of the step's `recorded_by`?"""
    return _role_code(user) in responsibilities.step(step).recorded_by


def role_manages_case(user) -> bool:
    """The role half of opening and closing a case: one of the [case] roles."""
    return _role_code(user) in responsibilities.responsibilities().case_roles


def may_record(user, person: Person, step: str) -> bool:
    """The casework write rule: a `recorded_by` role of the step, for a child one may view."""
    return role_records(user, step) and policy.can(user, "view", person)


def may_manage_case(user, person: Person) -> bool:
    return role_manages_case(user) and policy.can(user, "view", person)


def rights(user, *, sees: bool) -> dict[str, bool]:
    """Every casework right the user has for one child, given whether they may view that
    child (`sees`, decided once by the caller through the policy): each step code, as
    `may_record` answers it, and "manage_case", as `may_manage_case` answers it. One look
    at the policy for the whole page instead of one per step."""
    found = {
        code: sees and role_records(user, code)
        for code in responsibilities.responsibilities().steps
    }
    found["manage_case"] = sees and role_manages_case(user)
    return found


def may_complete(user, action) -> bool:
    """Staff of the owning agency who work with case data and may view the child."""
    agency = getattr(user, "agency", None)
    return (
        agency is not None
        and agency.pk == action.owner_agency_id
        and policy.sees_case_data(user)
        and policy.can(user, "view", action.person)
    )


# ---------------------------------------------------------------- the plug for the policy
def involved_agency_q(agency, person_ref: str = "pk") -> Q:
    """The policy's `involved_agency` relationship (access/policy.py calls this).

    A filter on a queryset whose `person_ref` leads to Person: the people whose casework
    the agency takes part in now: invited to a meeting of an open case (or a MACE or
    MARAC in the last 12 months), owning an open action, or in the core group of an
    open plan.
    """
    import datetime as dt

    from lantern.core import clock

    from .models import Action, CoreGroupMember, MeetingAgency

    year_ago = clock.now() - dt.timedelta(days=365)
    invited = MeetingAgency.objects.filter(
        agency=agency, meeting__person=OuterRef(person_ref)
    ).filter(
        Q(meeting__case__closed_at__isnull=True, meeting__case__isnull=False)
        | Q(meeting__case__isnull=True, meeting__held_at__gte=year_ago)
    )
    owns = Action.objects.filter(
        owner_agency=agency, person=OuterRef(person_ref), completed_at__isnull=True
    )
    core = CoreGroupMember.objects.filter(
        agency=agency, plan__person=OuterRef(person_ref), plan__closed_at__isnull=True
    )
    return Q(Exists(invited)) | Q(Exists(owns)) | Q(Exists(core))
