"""Who may record, read and use feedback: the voice rules, in one place.

The partnership's policy table (access/data/policy.csv, record type `voice_feedback`) says
which roles hold feedback and what they may do with it; this module adds what is particular
to feedback, and every voice selector, service, view and API asks it:

1. **Who records.** A worker in a role the table lets edit feedback (the roles that hear
   children, families and survivors: social workers and their managers, the front door,
   support workers, NHS safeguarding nurses, school safeguarding leads, police officers), in
   an agency.
   Analysts, the partnership's staff, the scrutineer, the data protection officer and the
   administrator do not.
2. **Who reads the words.** Feedback is held by the agency whose worker recorded it. Only
   that agency's workers who record feedback read an item (its words, who gave it, the
   person); and an item tied to a person only if the access policy lets the reader view that
   person (`policy.can(user, "view", person)`), so a sealed survivor's feedback stays with
   those who may see her. Nobody else reads an item, whatever their role: another agency,
   the partnership manager and the scrutineer get 404 and never see it in a list.
3. **Who sees the partnership view.** The partnership manager and the independent
   scrutineer (`PARTNERSHIP_ROLES`), and every worker who records feedback. The view holds
   anonymised counts (never below five) and quotes the givers agreed to, with no name,
   reference, agency or day: no personal data is read through it.
4. **Who acts.** The partnership manager records actions for the partnership and changes
   any; a worker who records feedback records actions their own agency leads and changes
   those. Linking a piece of feedback to an action, or quoting it, is for those who may
   read it (rule 2), and only as far as its giver's consent goes (services.py says so).
5. **A subject access request.** The data protection officer, preparing a person's subject
   access pack, reads every piece of feedback about that person, whichever agency holds it
   (`reads_for_subject_access`); always audited, naming her.
"""

from __future__ import annotations

from django.db.models import Q

from lantern.access import policy

RECORD_TYPE = "voice_feedback"  # the policy table's name for a piece of feedback
PARTNERSHIP_ROLES = frozenset({"partnership_manager", "independent_scrutineer"})
ACTION_MANAGER_ROLES = frozenset({"partnership_manager"})
SUBJECT_ACCESS_ROLES = frozenset({"data_protection_officer"})


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    role = getattr(user, "role", None)
    return role.code if role is not None else None


def records_feedback(user) -> bool:
    """Rule 1: the user records feedback for their agency (the policy table's `edit` on
    `voice_feedback`)."""
    return policy.holds_any(user, "edit", RECORD_TYPE)


def feedback_q(user, prefix: str = "", action: str = "view") -> Q:
    """Rule 2 as a filter, for a queryset whose `prefix` leads to Feedback: the items the
    user may read. The same answer as `may_read_feedback`, item by item."""
    held = policy.agency_record_q(user, action, RECORD_TYPE, prefix)
    if not records_feedback(user):
        return Q(pk__in=[])
    visible = policy.people_visible_to(user, "view").values("pk")
    return held & (Q(**{f"{prefix}person__isnull": True}) | Q(**{f"{prefix}person__in": visible}))


def may_read_feedback(user, feedback, action: str = "view") -> bool:
    """Rule 2 for one item."""
    if not policy.agency_record_permits(user, action, RECORD_TYPE, feedback):
        return False
    return feedback.person_id is None or policy.can(user, "view", feedback.person)


def sees_partnership_view(user) -> bool:
    """Rule 3."""
    return _role(user) in PARTNERSHIP_ROLES or records_feedback(user)


def may_record_action(user) -> bool:
    """Rule 4: the partnership manager, or a worker for an action their agency leads."""
    return _role(user) in ACTION_MANAGER_ROLES or records_feedback(user)


def manages_actions(user) -> bool:
    """Rule 4: records actions for any agency or board, and changes any."""
    return _role(user) in ACTION_MANAGER_ROLES


def may_change_action(user, action) -> bool:
    """Rule 4 for one action."""
    if manages_actions(user):
        return True
    return (
        records_feedback(user)
        and action.lead_agency_id is not None
        and action.lead_agency_id == user.agency.pk
    )


def reads_for_subject_access(user) -> bool:
    """Rule 5."""
    return _role(user) in SUBJECT_ACCESS_ROLES
