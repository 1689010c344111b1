"""Writes for subject access requests: log, extend, prepare the pack, redact, lift a
redaction, check, release.

Each step is refused out of order with the reason, naming the field: a pack is prepared
only for a request received; redactions change only while the pack waits for its check; a
pack is checked only once prepared; **a pack that has not been checked cannot be
released** (field `checked_by`). Every write is checked in full before anything is saved,
runs in one transaction with its audit event, and the release is audited as a disclosure
naming the recipient and the lawful basis.

The check is a second pair of eyes: the data protection officer who prepared the pack
does not check it, unless they say why no other DPO can (a small agency with one DPO);
that reason is kept and audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction

from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_required, refuse
from lantern.people.models import Person

from . import access, deadlines, exemptions
from . import pack as packs
from .models import (
    Disclosure,
    IdentityCheck,
    Pack,
    Redaction,
    Requester,
    Status,
    SubjectAccessRequest,
)
from .pdf import pack_pdf

EARLIEST = dt.date(2000, 1, 1)
ART_15 = "UK GDPR Art 15"
S45 = "DPA 2018 s45 (police-held data)"


def _audit(actor, request: SubjectAccessRequest, *, action: str, operation: str, purpose: str,
           extra=(), recipient: str = "", **detail) -> None:  # fmt: skip
    audit_record(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=[Subject.person(request.person), Subject.of(request), *extra],
        recipient=recipient,
        detail=detail,
    )


def _dpo_only(actor) -> None:
    if not access.may_take_steps(actor):
        refuse(
            "actor", "Only a data protection officer takes the steps of a subject access request"
        )


def _locked(request: SubjectAccessRequest) -> SubjectAccessRequest:
    """The request as saved now, locked until the step is done (no two steps at once)."""
    return (
        SubjectAccessRequest.objects.select_for_update().select_related("person").get(pk=request.pk)
    )


# ---------------------------------------------------------------- received
@transaction.atomic
def sar_log(
    *,
    actor,
    person: Person,
    received_on: dt.date | None,
    requester: str,
    identity_check: str,
    identity_note: str = "",
    representative_name: str = "",
    representative_authority: str = "",
) -> SubjectAccessRequest:
    """Log a request received by the DPO, or passed on by a worker. A person the actor
    may not see does not exist for them (Person.DoesNotExist: a 404)."""
    if person is None or not access.may_log_for(actor, person):
        raise Person.DoesNotExist("No such person")
    check_required("received_on", "the day the request was received", received_on)
    check_not_future("received_on", "The day the request was received", received_on)
    if received_on < EARLIEST:
        refuse("received_on", f"The day the request was received must be after {EARLIEST:%Y}")
    if requester not in Requester.values:
        refuse("requester", "Say who asked: the person themselves, or a representative")
    name = (representative_name or "").strip()
    authority = (representative_authority or "").strip()
    if requester == Requester.REPRESENTATIVE:
        check_required("representative_name", "the representative's name", name)
        check_required(
            "representative_authority",
            "what gives the representative authority (a signed consent, a power of attorney, "
            "parental responsibility for a child who cannot decide)",
            authority,
        )
    else:
        name, authority = "", ""
    if identity_check not in IdentityCheck.values:
        refuse("identity_check", "Say how the requester's identity was checked")
    in_progress = SubjectAccessRequest.objects.filter(person=person).exclude(status=Status.RELEASED)
    if (open_one := in_progress.first()) is not None:
        refuse(
            "person",
            f"There is already a request for this person in progress ({open_one.reference}): "
            "add to it rather than starting another",
        )
    request = SubjectAccessRequest.objects.create(
        person=person,
        received_on=received_on,
        due_on=deadlines.response_due(received_on),
        requester=requester,
        representative_name=name[:200],
        representative_authority=authority,
        identity_check=identity_check,
        identity_note=(identity_note or "").strip()[:500],
        logged_by=actor,
        logged_by_agency=actor.agency,
        logged_at=clock.now(),
    )
    _audit(
        actor,
        request,
        action="collection",
        operation="sar.log",
        purpose=f"Subject access request {request.reference} received",
        requester=requester,
        received_on=received_on,
    )
    return request


@transaction.atomic
def sar_extend(*, actor, request: SubjectAccessRequest, reason: str) -> SubjectAccessRequest:
    """Two further months, for a complex or numerous request, decided (and the requester
    told) within the first month."""
    _dpo_only(actor)
    request = _locked(request)
    if request.status == Status.RELEASED:
        refuse("status", "This request was answered: there is nothing to extend")
    if request.extended_due_on is not None:
        refuse("extended_due_on", f"Already extended, to {request.extended_due_on:%-d %B %Y}")
    if clock.today() > request.due_on:
        refuse(
            "extended_due_on",
            f"An extension must be decided within the first month (by {request.due_on:%-d %B %Y})",
        )
    check_required("extension_reason", "why the request needs longer (complex or numerous)", reason)
    request.extended_due_on = deadlines.extended_due(request.received_on)
    request.extension_reason = reason.strip()
    request.extended_by, request.extended_at = actor, clock.now()
    request.save(
        update_fields=["extended_due_on", "extension_reason", "extended_by", "extended_at"]
    )
    _audit(
        actor,
        request,
        action="alteration",
        operation="sar.extend",
        purpose=f"Subject access request {request.reference}: extended",
        due_on=request.extended_due_on,
    )
    return request


# ---------------------------------------------------------------- prepared
@transaction.atomic
def sar_prepare(*, actor, request: SubjectAccessRequest) -> Pack:
    """Take the snapshot: every app's sections about the person, other people's data
    redacted, each redaction numbered with its exemption."""
    _dpo_only(actor)
    request = _locked(request)
    if request.status != Status.RECEIVED:
        refuse("status", f"The pack was already prepared ({request.get_status_display().lower()})")
    gathered = packs.gather(request.person)
    now = clock.now()
    pack = Pack.objects.create(
        request=request,
        content=gathered.content,
        police_held=gathered.police_held,
        third_party_ids=gathered.third_party_ids,
        prepared_at=now,
    )
    Redaction.objects.bulk_create(
        Redaction(
            pack=pack,
            number=r.number,
            kind=r.kind[:100],
            exemption=r.exemption,
            why=r.why[:500],
            original=r.original,
            where=r.where,
            automatic=True,
        )
        for r in gathered.redactions
    )
    request.status, request.prepared_by, request.prepared_at = Status.PREPARED, actor, now
    request.save(update_fields=["status", "prepared_by", "prepared_at"])
    _audit(
        actor,
        request,
        action="combination",
        operation="sar.prepare",
        purpose=f"Subject access request {request.reference}: every agency's records gathered",
        extra=[Subject.of(pack, person_id=request.person_id)],
        sections=len(gathered.content["sections"]),
        redactions=len(gathered.redactions),
        police_held=gathered.police_held,
    )
    return pack


def _changeable(request: SubjectAccessRequest) -> Pack:
    if request.status == Status.RECEIVED:
        refuse("status", "Prepare the pack first")
    if request.status != Status.PREPARED:
        refuse("status", "The pack was checked: what was checked is what is released, unchanged")
    return request.pack


@transaction.atomic
def sar_redaction_add(
    *, actor, request: SubjectAccessRequest, phrase: str, kind: str, exemption: str, reason: str
) -> list[Redaction]:
    """Redact every whole-word occurrence of a phrase in the pack's text."""
    _dpo_only(actor)
    request = _locked(request)
    pack = _changeable(request)
    phrase = " ".join((phrase or "").split())
    check_required("phrase", "the words to redact", phrase)
    if len(phrase) < 2:
        refuse("phrase", "The words to redact must be at least 2 characters")
    check_required("kind", "what kind of information it is (never the information itself)", kind)
    if exemption not in exemptions.EXEMPTIONS:
        refuse("exemption", "Choose the exemption that applies")
    check_required("reason", "why it is withheld", reason)
    start = (pack.redactions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    content, made = packs.redact_phrase(pack.content, phrase, start)
    if not made:
        refuse(
            "phrase",
            f"“{phrase}” does not appear in the pack's text (outside what is already redacted)",
        )
    pack.content = content
    pack.save(update_fields=["content"])
    created = Redaction.objects.bulk_create(
        Redaction(
            pack=pack,
            number=number,
            kind=kind.strip()[:100],
            exemption=exemption,
            why=reason.strip()[:500],
            original=text,
            where=where[:400],
            automatic=False,
            added_by=actor,
        )
        for number, text, where in made
    )
    _audit(
        actor,
        request,
        action="alteration",
        operation="sar.redaction.add",
        purpose=f"Subject access request {request.reference}: redaction added",
        numbers=[number for number, _, _ in made],
        exemption=exemption,
    )
    return created


@transaction.atomic
def sar_redaction_lift(*, actor, request: SubjectAccessRequest, number, reason: str) -> Redaction:
    _dpo_only(actor)
    request = _locked(request)
    pack = _changeable(request)
    try:
        number = int(str(number).strip().upper().removeprefix("R"))
    except ValueError:
        refuse("number", "Give the redaction's number, such as R12")
    redaction = pack.redactions.filter(number=number).first()
    if redaction is None:
        refuse("number", f"There is no redaction R{number} in this pack")
    if redaction.lifted:
        refuse("number", f"R{number} was already lifted")
    check_required(
        "reason",
        "why the redaction is lifted (the other person agreed, or it is reasonable to release)",
        reason,
    )
    redaction.lifted_at, redaction.lifted_by = clock.now(), actor
    redaction.lift_reason = reason.strip()
    redaction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    _audit(
        actor,
        request,
        action="alteration",
        operation="sar.redaction.lift",
        purpose=f"Subject access request {request.reference}: redaction R{number} lifted",
        number=number,
        reason=redaction.lift_reason,
    )
    return redaction


# ---------------------------------------------------------------- checked
@transaction.atomic
def sar_check(
    *, actor, request: SubjectAccessRequest, note: str = "", own_check_reason: str = ""
) -> SubjectAccessRequest:
    """A DPO checks the pack: it is frozen, and the PDF that will be released is printed."""
    _dpo_only(actor)
    request = _locked(request)
    if request.status == Status.RECEIVED:
        refuse("status", "The pack has not been prepared yet: prepare it before checking it")
    if request.status != Status.PREPARED:
        refuse("status", "The pack was already checked")
    own_check_reason = (own_check_reason or "").strip()
    if request.prepared_by_id == actor.pk and not own_check_reason:
        refuse(
            "own_check_reason",
            "You prepared this pack, so another data protection officer should check it. "
            "If no one else can, say why",
        )
    pack = request.pack
    redactions = list(pack.redactions.all())
    now = clock.now()
    request.checked_by, request.checked_at = actor, now
    request.check_note = (note or "").strip()
    request.own_check_reason = own_check_reason if request.prepared_by_id == actor.pk else ""
    request.status = Status.CHECKED
    pack.pdf = pack_pdf(
        request=request,
        sections=packs.rendered(pack.content, redactions),
        redactions=redactions,
        lawful_basis=lawful_basis(pack),
        checked_by=actor,
        checked_at=now,
    )
    pack.pdf_sha256 = hashlib.sha256(pack.pdf).hexdigest()
    pack.save(update_fields=["pdf", "pdf_sha256"])
    request.save(
        update_fields=["checked_by", "checked_at", "check_note", "own_check_reason", "status"]
    )
    _audit(
        actor,
        request,
        action="alteration",
        operation="sar.check",
        purpose=f"Subject access request {request.reference}: pack checked",
        extra=[Subject.of(pack, person_id=request.person_id)],
        pdf_sha256=pack.pdf_sha256,
        own_check_reason=request.own_check_reason,
    )
    return request


# ---------------------------------------------------------------- released
def lawful_basis(pack: Pack) -> str:
    return f"{ART_15}; {S45}" if pack.police_held else ART_15


def recipient_of(request: SubjectAccessRequest) -> str:
    person = request.person
    if request.requester == Requester.REPRESENTATIVE:
        return (
            f"{request.representative_name}, representative of {person.full_name} "
            f"({person.reference})"
        )
    return f"{person.full_name} ({person.reference}), the data subject"


@transaction.atomic
def sar_release(
    *, actor, request: SubjectAccessRequest, disclosure: str, withheld_reason: str = ""
) -> SubjectAccessRequest:
    """Release the checked PDF to the requester, audited as a disclosure."""
    _dpo_only(actor)
    request = _locked(request)
    if request.status == Status.RELEASED:
        refuse("status", f"Already released on {request.released_at:%-d %B %Y}")
    if request.status != Status.CHECKED or request.checked_by_id is None:
        refuse(
            "checked_by",
            "The pack has not been checked by a data protection officer: it cannot be "
            "released until it is",
        )
    if disclosure not in Disclosure.values:
        refuse("disclosure", "Say whether it is released in full or with some information withheld")
    pack = request.pack
    own = exemptions.tally(pack.redactions.all()).own
    withheld_reason = (withheld_reason or "").strip()
    if own and disclosure == Disclosure.FULL:
        labels = ", ".join(r.label for r in own[:10]) + ("..." if len(own) > 10 else "")
        refuse(
            "disclosure",
            f"Some of the person's own information is withheld ({labels}): release it as "
            "withheld in part, with the reason",
        )
    if disclosure == Disclosure.PART:
        check_required(
            "withheld_reason", "why some of the information is withheld", withheld_reason
        )
    else:
        withheld_reason = ""
    request.status = Status.RELEASED
    request.released_by, request.released_at = actor, clock.now()
    request.disclosure, request.withheld_reason = disclosure, withheld_reason
    request.recipient = recipient_of(request)[:300]
    request.lawful_basis = lawful_basis(pack)
    request.save(
        update_fields=[
            "status",
            "released_by",
            "released_at",
            "disclosure",
            "withheld_reason",
            "recipient",
            "lawful_basis",
        ]
    )
    _audit(
        actor,
        request,
        action="disclosure",
        operation="sar.release",
        purpose=f"Subject access request {request.reference}: pack released "
        f"({request.lawful_basis})",
        extra=[Subject.of(pack, person_id=request.person_id)],
        recipient=request.recipient,
        lawful_basis=request.lawful_basis,
        disclosure=disclosure,
        withheld_reason=withheld_reason,
        pdf_sha256=pack.pdf_sha256,
        redactions=pack.redactions.filter(lifted_at__isnull=True).count(),
    )
    return request
