"""Every write at the front door: a referral made, matched, rated, asked about, answered,
decided, and the referrer told. Each checks the access policy and the order of the
steps, writes, and records its audit event last, in one transaction.

The order is the law's and the partnership's: no decision before the child is matched
to a person and the referral rated; no information request once it is decided; an
answer only from an agency that was asked, once. Each refusal says which step is missing.

Access to the person while the referral is open is the front door's `front_door`
relationship (an AccessBasis for the front-door team), opened when the child is matched
and ended when the referral is decided. There is no grace period after the decision:
what the front door still needs (the child as referred, the triage, the outcome, to
tell the referrer) is the referral itself, which it keeps through the referral's own
`front_door` relationship; the person's file closes with the decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.access import policy
from lantern.access import services as access_services
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_required, refuse
from lantern.partners.models import Agency, AgencyKind, Team
from lantern.people.identifiers import IdentifierError, validate_identifier, validate_postcode
from lantern.people.models import IdentifierScheme, Person, Sex
from lantern.people.services import (
    EARLIEST_DATE_OF_BIRTH,
    AddressIn,
    SourceRecordIn,
    agency_resolve,
    source_record_receive,
)
from lantern.timescales import rules
from lantern.timescales import services as timescales

from . import reference
from .models import (
    STARTS_ASSESSMENT,
    Channel,
    Decision,
    InformationRequest,
    Rag,
    Rating,
    Referral,
    RequestStatus,
)

DECIDERS = frozenset({"front_door_social_worker", "team_manager"})
_PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


@dataclass(frozen=True)
class ReferralIn:
    """A referral as it arrives from the form, the API or a batch file."""

    given_name: str
    family_name: str
    concern: str
    categories: Sequence[str]
    consent: bool | None
    other_names: str = ""
    date_of_birth: dt.date | None = None
    sex: str = Sex.UNKNOWN
    address_line1: str = ""
    town: str = ""
    postcode: str = ""
    identifiers: Mapping[str, str] = field(default_factory=dict)
    lawful_basis: str = ""
    lawful_basis_reason: str = ""
    referrer_name: str = ""
    referrer_phone: str = ""
    received_at: dt.datetime | None = None


def front_door_team() -> Team:
    """The partnership's front door (MASH): the council's front-door team."""
    team = (
        Team.objects.filter(is_front_door=True, agency__kind=AgencyKind.CHILDRENS_SERVICES)
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    if team is None:
        refuse("team", "The partnership has no front-door team set up to receive referrals")
    return team


def _saved(actor):
    return actor if getattr(actor, "pk", None) else None


def _subjects(referral: Referral) -> list[Subject]:
    subjects = [Subject.of(referral, person_id=referral.person_id)]
    if referral.person_id:
        subjects.append(Subject("people.person", referral.person_id, referral.person_id))
    return subjects


# ---------------------------------------------------------------- making a referral
def _clean_child(data: ReferralIn) -> tuple[str, dict[str, str]]:
    check_required("given_name", "the child's given name", data.given_name)
    check_required("family_name", "the child's family name", data.family_name)
    check_not_future("date_of_birth", "The child's date of birth", data.date_of_birth)
    if data.date_of_birth and data.date_of_birth < EARLIEST_DATE_OF_BIRTH:
        refuse("date_of_birth", "The child's date of birth must be after 1 January 1900")
    if data.sex not in Sex.values:
        refuse("sex", f"Sex must be one of {', '.join(Sex.values)}")
    postcode = ""
    if data.postcode.strip():
        try:
            postcode = validate_postcode(data.postcode)
        except IdentifierError as exc:
            refuse("postcode", exc.message)
    identifiers = {}
    for scheme, raw in data.identifiers.items():
        if scheme not in IdentifierScheme.values:
            refuse("identifiers", f"Unknown identifier type: {scheme}")
        if raw is None or not str(raw).strip():
            continue
        try:
            identifiers[scheme] = validate_identifier(scheme, str(raw))
        except IdentifierError as exc:
            refuse(scheme, exc.message)
    return postcode, identifiers


def _clean_concern(data: ReferralIn) -> list[str]:
    check_required("concern", "what you are worried about", data.concern)
    categories = list(dict.fromkeys(c.strip() for c in data.categories if c and c.strip()))
    if not categories:
        refuse("categories", "Choose at least one kind of concern")
    known = {c.code for c in reference.active(reference.concern_categories())}
    unknown = [c for c in categories if c not in known]
    if unknown:
        refuse("categories", f"Unknown kind of concern: {', '.join(unknown)}")
    if data.consent is None:
        refuse("consent", "Say whether the family agreed to this referral")
    if not data.consent:
        if data.lawful_basis not in {b.code for b in reference.active(reference.lawful_bases())}:
            refuse(
                "lawful_basis",
                "Choose the lawful basis for sharing without the family's agreement",
            )
        check_required(
            "lawful_basis_reason",
            "why you are sharing without the family's agreement",
            data.lawful_basis_reason,
        )
    return categories


@transaction.atomic
def referral_make(
    *,
    actor,
    data: ReferralIn,
    channel: str = Channel.FORM,
    agency: Agency | str | None = None,
) -> Referral:
    """A referral from a partner agency to the front door.

    A signed-in referrer refers for their own agency. Lantern itself (actor None: a
    batch file a data manager loads) refers for the `agency` named, and the file must
    name the referrer."""
    actor = _saved(actor)
    if actor is not None:
        if not policy.sees_case_data(actor) or actor.agency is None:
            refuse("actor", "Only staff of a partner agency who work with children can refer")
        agency = actor.agency
        referrer_name = data.referrer_name.strip() or actor.get_full_name() or actor.username
    else:
        if agency is None:
            refuse("agency", "Say which agency is referring")
        agency = agency_resolve(agency)
        referrer_name = data.referrer_name.strip()
        check_required("referrer_name", "the name of the person referring", referrer_name)
    if channel not in Channel.values:
        refuse("channel", f"Channel must be one of {', '.join(Channel.values)}")
    postcode, identifiers = _clean_child(data)
    categories = _clean_concern(data)
    phone = data.referrer_phone.strip()
    if phone and not _PHONE.match(phone):
        refuse("referrer_phone", "Enter a telephone number, like 01632 960 123")
    now = clock.now()
    received_at = data.received_at or now
    check_not_future("received_at", "When the referral was received", received_at)
    team = front_door_team()
    referral = Referral.objects.create(
        agency=agency,
        team=team,
        referred_by=actor,
        referrer_name=referrer_name[:200],
        referrer_phone=phone,
        channel=channel,
        received_at=received_at,
        recorded_at=now,
        given_name=data.given_name.strip(),
        family_name=data.family_name.strip(),
        other_names=data.other_names.strip(),
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        address_line1=data.address_line1.strip(),
        town=data.town.strip(),
        postcode=postcode,
        identifiers=identifiers,
        concern=data.concern.strip(),
        categories=categories,
        consent=bool(data.consent),
        lawful_basis="" if data.consent else data.lawful_basis,
        lawful_basis_reason="" if data.consent else data.lawful_basis_reason.strip()[:1000],
        decision_due_at=rules.due("referral_decision", received_at),
    )
    audit_record(
        actor=actor,
        action="disclosure",
        operation="referral.make",
        purpose=f"Referral from {agency.name} to the front door"
        + ("" if data.consent else f" without consent: {referral.lawful_basis}"),
        recipient=f"{team.name}, {team.agency.name}",
        subjects=_subjects(referral),
        detail={"channel": channel, "categories": categories, "consent": referral.consent},
    )
    return referral


# ---------------------------------------------------------------- triage
def _for_triage(actor, referral: Referral) -> Referral:
    """The referral, locked, if the actor may triage it; Referral.DoesNotExist if they may
    not see it at all (a 404), a refusal if they may see but not triage it."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not policy.can(actor, "view", referral):
        raise Referral.DoesNotExist
    if not policy.can(actor, "edit", referral):
        refuse("actor", "Only the front door can triage a referral")
    return referral


def _check_open(referral: Referral, step: str) -> None:
    if not referral.is_open:
        refuse("referral", f"This referral has already been decided: {step} is no longer possible")


def _match(actor, referral: Referral, person: Person, now: dt.datetime) -> None:
    if referral.person_id is not None:
        _unmatch(actor, referral, reason=f"Matched again, to {person.reference}")
    referral.person = person
    referral.matched_at, referral.matched_by = now, actor
    referral.access_basis = access_services.front_door_referral_open(
        actor=actor,
        person=person,
        team=referral.team,
        reason=f"Referral {referral.reference} open at the front door",
    )
    referral.save(update_fields=["person", "matched_at", "matched_by", "access_basis"])
    timescales.deadline_open(
        actor=actor,
        rule="referral_decision",
        starts_at=referral.received_at,
        person=person,
        subject=referral,
        owner_agency=referral.team.agency,
        owner_team=referral.team,
    )


def _unmatch(actor, referral: Referral, *, reason: str) -> None:
    _end_access(actor, referral, reason)
    timescales.deadline_cancel(
        actor=actor, subject=referral, rule="referral_decision", reason=reason
    )


def _end_access(actor, referral: Referral, reason: str) -> None:
    basis = referral.access_basis
    if basis is not None and (basis.ends_at is None or basis.ends_at > clock.now()):
        access_services.basis_end(actor=actor, basis=basis, reason=reason)


@transaction.atomic
def referral_match(*, actor, referral: Referral, person: Person) -> Referral:
    """The front door says who the referred child is: a person it can already see."""
    referral = _for_triage(actor, referral)
    _check_open(referral, "matching")
    if not policy.people_visible_to(actor, "search").filter(pk=person.pk).exists():
        refuse("person", "There is no such person among the people you can see")
    if referral.person_id == person.pk:
        refuse("person", f"This referral is already matched to {person.reference}")
    _match(actor, referral, person, clock.now())
    audit_record(
        actor=actor,
        action="combination",
        operation="referral.match",
        purpose=f"Front door: the child referred in {referral.reference} is {person.reference}",
        subjects=_subjects(referral),
    )
    return referral


@transaction.atomic
def referral_person_create(*, actor, referral: Referral) -> Referral:
    """The child is not known: the referral's details become the referring agency's record
    of a new person, so that agency now holds a record of the child."""
    referral = _for_triage(actor, referral)
    _check_open(referral, "matching")
    addresses = ()
    if referral.address_line1 and referral.town and referral.postcode:
        addresses = (
            AddressIn(line1=referral.address_line1, town=referral.town, postcode=referral.postcode),
        )
    source = source_record_receive(
        actor=actor,
        agency=referral.agency,
        record=SourceRecordIn(
            local_id=f"referral-{referral.reference}",
            given_name=referral.given_name,
            family_name=referral.family_name,
            other_names=referral.other_names,
            date_of_birth=referral.date_of_birth,
            sex=referral.sex,
            identifiers=dict(referral.identifiers),
            addresses=addresses,
        ),
    )
    referral.source_record = source
    referral.save(update_fields=["source_record"])
    _match(actor, referral, source.person, clock.now())
    audit_record(
        actor=actor,
        action="collection",
        operation="referral.person_create",
        purpose=f"Front door: the child referred in {referral.reference} was not known",
        subjects=[*_subjects(referral), Subject.of(source, person_id=source.person_id)],
        detail={"agency": referral.agency.code},
    )
    return referral


@transaction.atomic
def referral_rate(*, actor, referral: Referral, rag: str, reason: str) -> Rating:
    """Red, amber or green, with why. A new rating is added; earlier ones are kept."""
    referral = _for_triage(actor, referral)
    _check_open(referral, "rating")
    if rag not in Rag.values:
        refuse("rag", "Choose red, amber or green")
    check_required("reason", "the reason for the rating", reason)
    rating = Rating.objects.create(
        referral=referral,
        rag=rag,
        reason=reason.strip()[:1000],
        rated_by=actor,
        rated_at=clock.now(),
    )
    previous, referral.rag = referral.rag, rag
    referral.save(update_fields=["rag"])
    audit_record(
        actor=actor,
        action="alteration",
        operation="referral.rate",
        purpose=f"Front door rating: {rating.get_rag_display()}",
        subjects=_subjects(referral),
        detail={"rag": rag, "previous": previous},
    )
    return rating


def request_due(referral: Referral, rag: str, asked_at: dt.datetime) -> dt.datetime:
    """When an answer is due: by the rating's rule, never later than the decision is due
    (unless the decision is already late, when the rule alone applies)."""
    due = rules.due(f"information_request_{rag}", asked_at)
    if referral.decision_due_at > asked_at:
        due = min(due, referral.decision_due_at)
    return due


@transaction.atomic
def information_request_send(
    *, actor, referral: Referral, agency: Agency | str, question: str
) -> InformationRequest:
    """Ask a named partner agency what it knows about the referred child. The child's
    details as referred are disclosed to that agency, so it can search its own records."""
    return _request_send(actor, _for_triage(actor, referral), agency, question, clock.now())


def _request_send(
    actor, referral: Referral, agency: Agency | str, question: str, now: dt.datetime
) -> InformationRequest:
    _check_open(referral, "asking for information")
    if not referral.rag:
        refuse("agency", "Rate the referral red, amber or green before asking for information")
    agency = agency_resolve(agency)
    if agency.pk == referral.team.agency_id:
        refuse("agency", f"The front door already sees {agency.name}'s records: no need to ask")
    check_required("question", "what you are asking", question)
    if referral.information_requests.filter(agency=agency, status=RequestStatus.OPEN).exists():
        refuse("agency", f"{agency.name} has already been asked and has not yet answered")
    request = InformationRequest.objects.create(
        referral=referral,
        agency=agency,
        question=question.strip(),
        rag=referral.rag,
        asked_by=actor,
        asked_at=now,
        due_at=request_due(referral, referral.rag, now),
    )
    audit_record(
        actor=actor,
        action="disclosure",
        operation="referral.request",
        purpose=f"Front door asks {agency.name} what it knows about the child referred",
        recipient=agency.name,
        subjects=[*_subjects(referral), Subject.of(request, person_id=referral.person_id)],
        detail={"due_at": request.due_at, "rag": request.rag},
    )
    return request


@transaction.atomic
def information_requests_send(
    *, actor, referral: Referral, agencies: Sequence[Agency | str], question: str
) -> list[InformationRequest]:
    """Ask several partner agencies at once (the ones the partnership's table says to
    consult): all are asked, or, if one cannot be, none is, and the refusal names it."""
    referral = _for_triage(actor, referral)
    if not agencies:
        refuse("agencies", "Tick at least one agency to ask")
    now = clock.now()
    asked = []
    for agency in agencies:
        agency = agency_resolve(agency)
        try:
            asked.append(_request_send(actor, referral, agency, question, now))
        except ValidationError as exc:
            messages = exc.message_dict
            if "agency" not in messages:
                raise
            said = " ".join(messages["agency"])
            refuse("agencies", said if agency.name in said else f"{agency.name}: {said}")
    return asked


@transaction.atomic
def information_request_answer(
    *, actor, request: InformationRequest, answer: str
) -> InformationRequest:
    """The asked agency answers, once, in words. Anyone else is told the request does not
    exist. An answer after the due time is taken and marked late."""
    request = (
        InformationRequest.objects.select_for_update()
        .select_related("referral", "referral__team__agency")
        .get(pk=request.pk)
    )
    agency = getattr(actor, "agency", None)
    if not policy.sees_case_data(actor) or agency is None or agency.pk != request.agency_id:
        raise InformationRequest.DoesNotExist
    if request.status == RequestStatus.ANSWERED:
        refuse("answer", "Your agency has already answered this request")
    if request.status == RequestStatus.CLOSED or not request.referral.is_open:
        refuse("answer", "The front door has already decided on this referral: phone them")
    check_required("answer", "your agency's answer", answer)
    request.answer = answer.strip()
    request.answered_at, request.answered_by = clock.now(), actor
    request.status = RequestStatus.ANSWERED
    request.save(update_fields=["answer", "answered_at", "answered_by", "status"])
    team = request.referral.team
    audit_record(
        actor=actor,
        action="disclosure",
        operation="referral.answer",
        purpose=f"{agency.name} answers the front door's request"
        + (" (late)" if request.answered_late else ""),
        recipient=f"{team.name}, {team.agency.name}",
        subjects=[
            *_subjects(request.referral),
            Subject.of(request, person_id=request.referral.person_id),
        ],
        detail={"late": request.answered_late},
    )
    return request


@transaction.atomic
def referral_decide(*, actor, referral: Referral, decision: str, reason: str) -> Referral:
    """The front door's decision, with why: it meets the decision deadline, starts the
    assessment clock when there is to be an assessment or a strategy discussion, closes
    any request still unanswered, and ends the front door's access to the person."""
    referral = _for_triage(actor, referral)
    _check_open(referral, "a second decision")
    if actor.role is None or actor.role.code not in DECIDERS:
        refuse("actor", "Only a front-door social worker or a team manager can decide")
    if referral.person_id is None:
        refuse("decision", "Match the child to a person (or record them as not known) first")
    if not referral.rag:
        refuse("decision", "Rate the referral red, amber or green first")
    if decision not in Decision.values:
        refuse("decision", "Choose what happens next")
    check_required("reason", "the reason for the decision", reason)
    now = clock.now()
    referral.decision, referral.decision_reason = decision, reason.strip()
    referral.decided_at, referral.decided_by = now, actor
    referral.save(update_fields=["decision", "decision_reason", "decided_at", "decided_by"])
    closed = referral.information_requests.filter(status=RequestStatus.OPEN).update(
        status=RequestStatus.CLOSED
    )
    timescales.deadline_meet(actor=actor, subject=referral, rule="referral_decision", met_at=now)
    if decision in STARTS_ASSESSMENT:
        timescales.deadline_open(
            actor=actor,
            rule="assessment",
            starts_at=referral.received_at,
            person=referral.person,
            subject=referral,
            owner_agency=referral.team.agency,
            owner_team=referral.team,
        )
    _end_access(actor, referral, f"Referral {referral.reference} decided")
    audit_record(
        actor=actor,
        action="alteration",
        operation="referral.decide",
        purpose=f"Front door decision: {referral.get_decision_display()}",
        subjects=_subjects(referral),
        detail={
            "decision": decision,
            "late": now > referral.decision_due_at,
            "requests_closed": closed,
        },
    )
    return referral


@transaction.atomic
def referral_feedback_record(
    *, actor, referral: Referral, told: str, told_at: dt.datetime | None = None
) -> Referral:
    """What the referrer was told about the outcome, and when: they see it on their
    referral's page."""
    referral = _for_triage(actor, referral)
    if referral.is_open:
        refuse("feedback", "Decide on the referral before telling the referrer the outcome")
    if referral.feedback_at is not None:
        refuse("feedback", "Feedback to the referrer is already recorded")
    check_required("feedback", "what the referrer was told", told)
    told_at = told_at or clock.now()
    check_not_future("told_at", "When the referrer was told", told_at)
    if told_at < referral.decided_at:
        refuse("told_at", "When the referrer was told must be after the decision")
    referral.feedback, referral.feedback_at, referral.feedback_by = told.strip(), told_at, actor
    referral.save(update_fields=["feedback", "feedback_at", "feedback_by"])
    audit_record(
        actor=actor,
        action="disclosure",
        operation="referral.feedback",
        purpose="The referrer is told the outcome",
        recipient=f"{referral.referrer_name} ({referral.agency.name})",
        subjects=_subjects(referral),
    )
    return referral
