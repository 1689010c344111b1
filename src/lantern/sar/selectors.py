"""Reads of subject access requests, through lantern.sar.access, each audited.

- `requests_list`: the requests the user may see (the DPO: all; a worker: those about
  people they may view), audited naming every person listed.
- `request_get`: one request, or SubjectAccessRequest.DoesNotExist (a 404) when the user
  may not see it; audited naming the person.
- `pack_read`: the pack as the requester will read it, with its redactions, for the DPO
  while the request is in progress; audited naming the person and everyone else whose
  data the DPO sees in it (the covered text is shown to the DPO to decide on it).
- `pack_pdf`: the checked PDF's bytes, for the DPO; audited.
- `person_for_request`: the person a request is being logged for: for a worker, through
  the people selectors (a person they may not view is a 404, the refusal recorded); for
  the DPO, anyone (a request may reach the DPO directly), followed to the person a merged
  record became.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lantern.audit.services import Subject, audit_record, audit_refusal
from lantern.people import selectors as people_selectors
from lantern.people.models import Person

from . import access, exemptions
from . import pack as packs
from .models import Status, SubjectAccessRequest
from .redaction import REFERENCE_PATTERN as REFERENCE

CONSULTATION = "consultation"
LIST_LIMIT = 200


def person_for_request(*, user, reference: str) -> Person:
    if not access.is_dpo(user):
        return people_selectors.person_get(user=user, reference=reference, action="view")
    person = Person.objects.get(reference=(reference or "").strip().upper())
    seen = set()
    while person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person


@transaction.atomic
def person_for_form(*, user, reference: str) -> Person:
    """The person a request is about to be logged for, to fill in the form (from her page),
    if the user may log one for her: audited as a look at her."""
    person = person_for_request(user=user, reference=reference)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="sar.log.form",
        purpose="Subject access request: logging one for this person",
        subjects=[Subject.person(person)],
    )
    return person


@transaction.atomic
def requests_list(*, user, status: str = "") -> list[SubjectAccessRequest]:
    found = access.requests_visible_to(user).select_related("person", "logged_by")
    if status in Status.values:
        found = found.filter(status=status)
    shown = list(found.order_by("-received_on", "-pk")[:LIST_LIMIT])
    if shown:
        subjects = []
        for request in shown:
            subjects += [Subject.person(request.person), Subject.of(request)]
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="sar.list",
            purpose="Subject access requests: the list",
            subjects=subjects,
            detail={"status": status, "count": len(shown)},
        )
    return shown


def request_get(*, user, reference: str) -> SubjectAccessRequest:
    reference = (reference or "").strip().upper()
    request = (
        access.requests_visible_to(user)
        .select_related("person", "logged_by", "prepared_by", "checked_by", "released_by")
        .filter(reference=reference)
        .first()
    )
    if request is None:
        existing = SubjectAccessRequest.objects.filter(reference=reference).first()
        if existing is not None and getattr(user, "is_authenticated", False):
            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation="sar.view",
                purpose="No relationship that allows it",
                subjects=[Subject.person(existing.person), Subject.of(existing)],
            )
        raise SubjectAccessRequest.DoesNotExist(reference)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="sar.view",
            purpose=f"Subject access request {request.reference}: its steps",
            subjects=[Subject.person(request.person), Subject.of(request)],
        )
    return request


@dataclass
class PackView:
    request: SubjectAccessRequest
    sections: list[packs.RSection]
    redactions: list
    lawful_basis: str

    @property
    def in_place(self) -> list:
        return [r for r in self.redactions if not r.lifted]

    @property
    def lifted(self) -> list:
        return [r for r in self.redactions if r.lifted]

    @property
    def tally(self) -> exemptions.Tally:
        """Those in place: other people's information, and her own withheld."""
        return exemptions.tally(self.redactions)


def _pack_subjects(request: SubjectAccessRequest) -> list[Subject]:
    pack = request.pack
    subjects = [
        Subject.person(request.person),
        Subject.of(request),
        Subject.of(pack, person_id=request.person_id),
    ]
    others = set(pack.third_party_ids)
    # The covered text is shown to the DPO: anyone it names by reference is consulted too.
    for original in pack.redactions.values_list("original", flat=True):
        for reference in REFERENCE.findall(original):
            others.add(reference.upper())
    references = {o for o in others if isinstance(o, str)}
    ids = {o for o in others if isinstance(o, int)}
    if references:
        ids |= set(Person.objects.filter(reference__in=references).values_list("pk", flat=True))
    ids.discard(request.person_id)
    subjects += [Subject("people.person", pk, pk) for pk in sorted(ids)]
    return subjects


@transaction.atomic
def pack_read(*, user, request: SubjectAccessRequest) -> PackView:
    if not access.may_read_pack(user, request):
        raise SubjectAccessRequest.DoesNotExist(request.reference)
    from .services import lawful_basis

    pack = request.pack
    redactions = list(pack.redactions.select_related("added_by", "lifted_by"))
    view = PackView(
        request, packs.rendered(pack.content, redactions), redactions, lawful_basis(pack)
    )
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="sar.pack.view",
        purpose=f"Subject access request {request.reference}: checking the pack",
        subjects=_pack_subjects(request),
        detail={"redactions": len(redactions)},
    )
    return view


@transaction.atomic
def pack_pdf(*, user, request: SubjectAccessRequest) -> bytes:
    if not access.may_download_pdf(user, request) or not request.pack.pdf:
        raise SubjectAccessRequest.DoesNotExist(request.reference)
    pack = request.pack
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="sar.pack.pdf",
        purpose=f"Subject access request {request.reference}: the "
        + ("released" if request.status == Status.RELEASED else "checked")
        + " PDF",
        subjects=[
            Subject.person(request.person),
            Subject.of(request),
            Subject.of(pack, person_id=request.person_id),
        ],
        detail={"pdf_sha256": pack.pdf_sha256},
    )
    return bytes(pack.pdf)
