"""Every read at the front door: through the access policy's `referral` record type,
every look audited with the reader's relationship to the referral as its purpose.

What a reader sees of a referral depends on why they may see it:

- the front door (`front_door`): everything, to triage it;
- the referring agency (`holds_record`): what it sent, where it is, and the outcome;
- an agency asked for information (`information_request`): the child as referred and
  its own request, nothing else (not the concern, not other agencies' answers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from lantern.access import policy
from lantern.access.models import Relationship
from lantern.audit.services import Subject, audit_record, audit_refusal
from lantern.casework import responsibilities
from lantern.core import clock
from lantern.linkage.matching import MatchQuery
from lantern.linkage.selectors import PossibleMatch, people_matching_details
from lantern.partners.models import Agency
from lantern.people.safety import NO_MASK, AddressMask, SafeContactView, address_mask
from lantern.people.safety import safe_contact_for as _safe_contact_for
from lantern.people.selectors import attach_holdings, purpose_for

from . import reference
from .models import InformationRequest, Rating, Referral, RequestStatus

CONSULTATION = "consultation"
RE_REFERRAL_WINDOW = dt.timedelta(days=365)
ANSWERED_SHOWN_FOR = dt.timedelta(days=90)


class Mode:
    TRIAGE = "triage"
    REFERRER = "referrer"
    ASKED = "asked"


def _mode(relationships: set[str]) -> str:
    if Relationship.FRONT_DOOR in relationships:
        return Mode.TRIAGE
    if Relationship.HOLDS_RECORD in relationships:
        return Mode.REFERRER
    return Mode.ASKED


def _subject(referral: Referral) -> Subject:
    return Subject.of(referral, person_id=referral.person_id)


def _purpose(relationships: set[str]) -> str:
    return "Referral: " + purpose_for(relationships)


def referral_get(*, user, reference: str, action: str = "view") -> Referral:
    """The referral, if the user may `action` it; Referral.DoesNotExist (a 404) if not.
    A refused look at a referral that exists is recorded as refused."""
    reference = reference.strip().upper()
    try:
        return (
            policy.referrals_visible_to(user, action)
            .select_related("agency", "team__agency", "person", "referred_by", "decided_by")
            .get(reference=reference)
        )
    except Referral.DoesNotExist:
        existing = Referral.objects.filter(reference=reference).first()
        if existing is not None and policy.sees_case_data(user):
            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation=f"referral.{action}",
                purpose="No relationship that allows it",
                subjects=[_subject(existing)],
            )
        raise


@dataclass
class ReferralView:
    referral: Referral
    mode: str
    relationships: frozenset[str]
    categories: list[str] = field(default_factory=list)
    lawful_basis: str = ""
    ratings: list[Rating] = field(default_factory=list)
    requests: list[InformationRequest] = field(default_factory=list)
    re_referrals: list[Referral] = field(default_factory=list)
    can_triage: bool = False
    overdue: bool = False
    consult: Consult | None = None
    # The matched child's safe-contact settings, for a reader who may view the child; and
    # the mask that keeps her address off the page when it is hidden from the reader.
    safe_contact: SafeContactView | None = None
    mask: AddressMask = NO_MASK


def _hide_address(user, referrals) -> AddressMask:
    """Mark each referral whose child's addresses are hidden from the user
    (`address_hidden`, read by frontdoor/_child.html), and return the mask."""
    referrals = list(referrals)
    mask = address_mask(user=user, person_ids={r.person_id for r in referrals})
    for referral in referrals:
        referral.address_hidden = mask.hides(referral.person_id)
    return mask


def _safe_contact(user, referral: Referral) -> SafeContactView | None:
    if referral.person_id is None or not policy.can(user, "view", referral.person):
        return None
    return _safe_contact_for(user=user, person=referral.person)


@dataclass(frozen=True)
class Consultee:
    agency: Agency
    records: int  # how many of the child's records this agency holds (that the reader sees)


@dataclass(frozen=True)
class Consult:
    """Who to ask before deciding: the Consulted agency kinds of the referral decision in
    the partnership's roles-and-responsibilities table, and the agencies of those kinds
    that hold a record of the matched child and have not been asked yet."""

    kinds: list[str]  # the kinds' labels, as the table names them
    agencies: list[Consultee]


@transaction.atomic
def referral_view(*, user, referral: Referral, action: str = "view") -> ReferralView:
    """What this user may see of a referral they may `action`, audited."""
    relationships = policy.referral_relationships(user, referral)
    mode = _mode(relationships)
    names = reference.concern_categories()
    view = ReferralView(
        referral=referral,
        mode=mode,
        relationships=frozenset(relationships),
        overdue=referral.is_overdue(clock.now()),
    )
    view.mask = _hide_address(user, [referral])
    view.safe_contact = _safe_contact(user, referral)
    subjects = [_subject(referral)]
    if mode != Mode.ASKED:
        view.categories = [names[c].name if c in names else c for c in referral.categories]
        bases = reference.lawful_bases()
        view.lawful_basis = (
            bases[referral.lawful_basis].name if referral.lawful_basis in bases else ""
        )
    if mode == Mode.TRIAGE:
        view.can_triage = policy.can(user, "edit", referral)
        view.ratings = list(referral.ratings.select_related("rated_by"))
        view.requests = list(
            referral.information_requests.select_related("agency", "asked_by", "answered_by")
        )
        view.re_referrals = _re_referrals(user, referral)
        _hide_address(user, view.re_referrals)
        subjects += [Subject.of(r, person_id=referral.person_id) for r in view.requests]
        subjects += [_subject(r) for r in view.re_referrals]
        if view.can_triage and referral.is_open and referral.person_id:
            view.consult, consulted = _consult(user, referral, view.requests)
            subjects += consulted
    elif mode == Mode.ASKED:
        view.requests = list(
            referral.information_requests.filter(agency=user.agency).select_related("agency")
        )
        subjects += [Subject.of(r, person_id=referral.person_id) for r in view.requests]
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=f"referral.{action}",
        purpose=_purpose(relationships),
        subjects=subjects,
        detail={"shown_as": mode},
    )
    return view


def _consult(
    user, referral: Referral, requests: list[InformationRequest]
) -> tuple[Consult, list[Subject]]:
    """The agencies the table says to consult that hold a record of this child (among the
    records the reader may see), most records first, leaving out the front door's own
    agency and any agency already asked; and the records read to find them."""
    step = responsibilities.step("referral_decision")
    asked = {r.agency_id for r in requests} | {referral.team.agency_id}
    rows = list(
        policy.source_records_visible_to(user)
        .filter(
            person_id=referral.person_id,
            is_current=True,
            agency__kind__in=step.consulted,
            agency__active=True,
        )
        .exclude(agency_id__in=asked)
        .values_list("pk", "agency_id")
    )
    counts: dict[int, int] = {}
    for _, agency_id in rows:
        counts[agency_id] = counts.get(agency_id, 0) + 1
    agencies = Agency.objects.in_bulk(list(counts))
    found = sorted(
        (Consultee(agencies[pk], n) for pk, n in counts.items()),
        key=lambda c: (-c.records, c.agency.name),
    )
    subjects = [Subject("people.sourcerecord", pk, referral.person_id) for pk, _ in rows]
    return Consult(step.consulted_labels, found), subjects


def _re_referrals(user, referral: Referral) -> list[Referral]:
    """Other referrals about the same person in the 12 months before this one (or since),
    with their outcomes, among those the user may see."""
    if referral.person_id is None:
        return []
    return list(
        policy.referrals_visible_to(user, "view")
        .filter(
            person_id=referral.person_id,
            received_at__gte=referral.received_at - RE_REFERRAL_WINDOW,
        )
        .exclude(pk=referral.pk)
        .select_related("agency")
        .order_by("-received_at")
    )


def match_query(referral: Referral) -> MatchQuery:
    return MatchQuery(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
        sex="" if referral.sex == "U" else referral.sex,
        identifiers=dict(referral.identifiers),
    )


def triage_candidates(*, user, referral: Referral, limit: int = 8) -> list[PossibleMatch]:
    """The people most likely to be the referred child, among those the user may search
    for, ranked with the evidence (audited by the linkage selector)."""
    if not policy.can(user, "edit", referral):
        return []
    matches = people_matching_details(
        user=user,
        query=match_query(referral),
        limit=limit,
        operation="referral.match_candidates",
    )
    attach_holdings([m.person for m in matches], user=user)
    return matches


def _with_outstanding(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.annotate(
        outstanding=Count(
            "information_requests", filter=Q(information_requests__status=RequestStatus.OPEN)
        )
    )


@transaction.atomic
def front_door_queue(*, user) -> list[Referral]:
    """Open referrals at the user's front door, the soonest due first, audited."""
    if not policy.is_front_door(user):
        return []
    referrals = list(
        _with_outstanding(
            policy.referrals_visible_to(user, "list").filter(
                team_id=user.membership.team_id, decided_at__isnull=True
            )
        )
        .select_related("agency", "person")
        .order_by("decision_due_at", "pk")
    )
    if referrals:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="referral.queue",
            purpose="Referrals open at the front door",
            subjects=[_subject(r) for r in referrals],
        )
    return referrals


@transaction.atomic
def agency_referrals(*, user, page: int | str | None, page_size: int = 25) -> Page:
    """The referrals the user's agency made, newest first, with where each is, audited."""
    if user.agency is None:
        referrals = Referral.objects.none()
    else:
        referrals = (
            policy.referrals_visible_to(user, "list")
            .filter(agency=user.agency)
            .select_related("referred_by")
            .order_by("-received_at", "-pk")
        )
    shown = Paginator(referrals, page_size).get_page(page)
    shown.object_list = list(shown.object_list)
    if shown.object_list:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="referral.list",
            purpose=f"Referrals made by {user.agency.name}",
            subjects=[_subject(r) for r in shown.object_list],
            detail={"page": shown.number, "count": shown.paginator.count},
        )
    return shown


@dataclass
class AgencyRequests:
    open: list[InformationRequest]
    answered: list[InformationRequest]  # shown without the child: the relationship has ended


def _open_requests_of(user) -> QuerySet[InformationRequest]:
    visible = policy.referrals_visible_to(user, "list")
    return InformationRequest.objects.filter(
        agency=user.agency, status=RequestStatus.OPEN, referral__in=visible
    )


@transaction.atomic
def agency_requests(*, user) -> AgencyRequests:
    """The front door's requests to the user's agency: those waiting (with the child as
    referred) and those answered lately (without), audited."""
    if user.agency is None or not policy.sees_case_data(user):
        return AgencyRequests([], [])
    waiting = list(
        _open_requests_of(user)
        .select_related("referral", "asked_by", "agency")
        .order_by("due_at", "pk")
    )
    since = clock.now() - ANSWERED_SHOWN_FOR
    answered = list(
        InformationRequest.objects.filter(
            agency=user.agency, status=RequestStatus.ANSWERED, answered_at__gte=since
        )
        .select_related("answered_by", "referral", "agency")
        .order_by("-answered_at")
    )
    _hide_address(user, [r.referral for r in waiting])
    if waiting or answered:
        # The answered requests show what the agency said about a child: a look too.
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="referral.requests.list",
            purpose=f"Front-door requests for information to {user.agency.name}",
            subjects=[Subject.of(r, person_id=r.referral.person_id) for r in waiting + answered]
            + [_subject(r.referral) for r in waiting],
        )
    return AgencyRequests(waiting, answered)


@dataclass
class RequestView:
    request: InformationRequest
    referral: Referral | None  # None once the agency no longer has the open request
    mask: AddressMask = NO_MASK


@transaction.atomic
def information_request_get(*, user, pk: int, action: str = "view") -> RequestView:
    """One request to the user's agency; InformationRequest.DoesNotExist (a 404) for a
    request to any other agency. The child as referred is shown only while the request
    is open and the user may `action` the referral through it."""
    if user.agency is None or not policy.sees_case_data(user):
        raise InformationRequest.DoesNotExist
    request = InformationRequest.objects.select_related(
        "referral", "referral__team__agency", "agency", "asked_by", "answered_by"
    ).get(pk=pk, agency=user.agency)
    referral = request.referral
    shows_child = request.status == RequestStatus.OPEN and policy.can(user, action, referral)
    subjects = [Subject.of(request, person_id=referral.person_id)]
    if shows_child:
        subjects.append(_subject(referral))
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=f"referral.request.{action}",
        purpose="Front-door request for information to " + user.agency.name,
        subjects=subjects,
    )
    return RequestView(
        request=request,
        referral=referral if shows_child else None,
        mask=_hide_address(user, [referral]),
    )


@dataclass(frozen=True)
class HomePanel:
    """Counts only (no names): what the home page shows about the front door."""

    requests_open: int = 0
    requests_overdue: int = 0
    referrals_made_open: int = 0
    front_door_open: int | None = None  # None: the user does not work at the front door
    front_door_overdue: int = 0
    front_door_unmatched: int = 0


def home_panel(*, user) -> HomePanel:
    """Counts through the access policy, so a hidden referral is never counted."""
    if not policy.sees_case_data(user) or user.agency is None:
        return HomePanel()
    now = clock.now()
    requests = _open_requests_of(user)
    made = policy.referrals_visible_to(user, "list").filter(
        agency=user.agency, decided_at__isnull=True
    )
    # One query per list, each counting all its figures (the policy filter runs once).
    panel = requests.aggregate(
        requests_open=Count("pk"), requests_overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    panel["referrals_made_open"] = made.count()
    if policy.is_front_door(user):
        queue = policy.referrals_visible_to(user, "list").filter(
            team_id=user.membership.team_id, decided_at__isnull=True
        )
        panel |= queue.aggregate(
            front_door_open=Count("pk"),
            front_door_overdue=Count("pk", filter=Q(decision_due_at__lt=now)),
            front_door_unmatched=Count("pk", filter=Q(person__isnull=True)),
        )
    return HomePanel(**panel)
