"""Who may do what with subject access requests: the one place that decides it.

The access policy (access/data/policy.csv) gives the data protection officer no row: the
DPO never sees a record about a person. A subject access request is the one exception,
and this module is where it is made, because the law puts the answer in the DPO's hands:

- **The data protection officer** (role `data_protection_officer`) sees every request,
  logs one for any person (the request may come to the DPO directly), takes each step
  (extend, prepare, redact, check, release), and, while a request is in progress
  (prepared or checked), reads its pack. Once released, the DPO may download the PDF as
  released, the record of what was disclosed. Nothing else about the person: no person
  page, no chronology, no search. Every read of a pack is audited naming the person.
- **A worker** (a role that sees case data) may log a request for a person the access
  policy lets them view, and see the status of requests about people they may view. Never
  the pack: it gathers every agency's records, far beyond what their work lets them see.
- Everyone else: nothing. A request the user may not see answers 404, as a hidden record.

The rows this stands in for, were the policy table to carry them: a record type
`subject_access_pack` and a relationship `subject_access_request` ("a request for this
person is in progress"), with the row (one line in the file; the three sensitivities)
    data_protection_officer,subject_access_request,subject_access_pack,
        view export,view export,view export
and the person rows for the request itself (logging, reading its status) follow the
person's own `view`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from lantern.access import policy
from lantern.people.models import Person

from .models import Status, SubjectAccessRequest

DPO_ROLE = "data_protection_officer"
IN_PROGRESS = (Status.PREPARED, Status.CHECKED)


def is_dpo(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role
    return role is not None and role.code == DPO_ROLE


def may_use(user) -> bool:
    """Whether the subject access pages apply to the user at all."""
    return is_dpo(user) or policy.sees_case_data(user)


def may_log_for(user, person: Person) -> bool:
    return is_dpo(user) or policy.can(user, "view", person)


def requests_visible_to(user) -> QuerySet[SubjectAccessRequest]:
    if is_dpo(user):
        return SubjectAccessRequest.objects.all()
    if not policy.sees_case_data(user):
        return SubjectAccessRequest.objects.none()
    visible = policy.people_visible_to(user, "view").filter(pk=OuterRef("person"))
    return SubjectAccessRequest.objects.filter(Exists(visible))


def may_take_steps(user) -> bool:
    """Extend, prepare, redact, check, release: the DPO's steps."""
    return is_dpo(user)


def may_read_pack(user, request: SubjectAccessRequest) -> bool:
    """The pack preview: the DPO, while the request is in progress."""
    return is_dpo(user) and request.status in IN_PROGRESS


def may_download_pdf(user, request: SubjectAccessRequest) -> bool:
    """The checked PDF: the DPO, once checked (to release it, or as released)."""
    return is_dpo(user) and request.status in (Status.CHECKED, Status.RELEASED)
