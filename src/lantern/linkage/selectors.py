"""Reading linkage decisions, through the access policy, every look audited.

A reviewer sees a pair only when the policy lets them view both records: a pair
with one hidden record is not listed, not counted and answers 404, exactly like
the record itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.people.models import Address, Identifier, Person, SourceRecord
from lantern.people.safety import NO_MASK, AddressMask, address_mask

from .matching import MatchQuery, candidates_for
from .models import LinkChange, ReviewPair, ReviewStatus

CONSULTATION = "consultation"
ADDRESS_COMPARISON = "address"  # the linkage model's comparison of address and postcode


def decides_linkage(user) -> bool:
    role = getattr(user, "role", None)
    return bool(role and role.decides_linkage and policy.sees_case_data(user))


def _pairs_visible_to(user) -> QuerySet[ReviewPair]:
    if not decides_linkage(user):
        return ReviewPair.objects.none()
    visible = policy.source_records_visible_to(user, "view").values("pk")
    return ReviewPair.objects.filter(record_a__in=visible, record_b__in=visible)


def _subjects(pairs) -> list[Subject]:
    subjects = []
    for pair in pairs:
        for record in (pair.record_a, pair.record_b):
            subjects.append(Subject.of(record))
    return subjects


@transaction.atomic
def review_queue(*, user, page: int | str | None, page_size: int = 25) -> Page:
    """Pairs waiting for a decision that the user may see, most likely matches first."""
    pairs = (
        _pairs_visible_to(user)
        .filter(status=ReviewStatus.PENDING)
        .select_related("record_a__agency", "record_b__agency")
        .order_by("-match_probability", "pk")
    )
    shown = Paginator(pairs, page_size).get_page(page)
    shown.object_list = list(shown.object_list)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="linkage.review.list",
        purpose="Linkage review: pairs waiting for a decision",
        subjects=_subjects(shown.object_list),
        detail={"page": shown.number, "count": shown.paginator.count},
    )
    return shown


@dataclass
class RecordSide:
    record: SourceRecord
    identifiers: list[Identifier]
    addresses: list[Address]
    person: Person
    postcode: str = ""  # the record's own postcode, as the reader may see it
    address_hidden: bool = False  # the person's safe-contact settings hide their addresses


@dataclass
class PairView:
    pair: ReviewPair
    a: RecordSide
    b: RecordSide


def _side(record: SourceRecord, mask: AddressMask = NO_MASK) -> RecordSide:
    hidden = mask.hides(record.person_id)
    return RecordSide(
        record=record,
        identifiers=list(record.identifiers.order_by("scheme")),
        addresses=[]
        if hidden
        else [a for a in record.addresses.order_by("-valid_from") if not a.confidential],
        person=record.person,
        postcode=mask.postcode(record.person_id, record.postcode),
        address_hidden=hidden,
    )


@transaction.atomic
def review_pair_get(*, user, pk: int) -> PairView:
    """The two records side by side; ReviewPair.DoesNotExist (a 404) if either is hidden."""
    pair = (
        _pairs_visible_to(user)
        .select_related("record_a__agency", "record_a__person", "record_b__agency")
        .select_related("record_b__person", "decided_by")
        .get(pk=pk)
    )
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="linkage.review.view",
        purpose="Linkage review: are these two records the same person?",
        subjects=[
            *_subjects([pair]),
            Subject.person(pair.record_a.person),
            Subject.person(pair.record_b.person),
        ],
        detail={"pair": pair.pk},
    )
    mask = address_mask(user=user, person_ids=[pair.record_a.person_id, pair.record_b.person_id])
    return PairView(pair=pair, a=_side(pair.record_a, mask), b=_side(pair.record_b, mask))


def link_changes_for(*, person: Person, record_ids: set[int]) -> list[LinkChange]:
    """How the person's records came together, for the person page: only changes to
    records the caller already showed (and audited) there."""
    return list(
        LinkChange.objects.filter(source_record_id__in=record_ids)
        .select_related("source_record__agency", "made_by")
        .order_by("-made_at", "-pk")[:50]
    )


@transaction.atomic
def record_for_decision(*, user, record_id: int) -> SourceRecord:
    """A current record the user may view and decide on; SourceRecord.DoesNotExist if not."""
    if not decides_linkage(user):
        raise SourceRecord.DoesNotExist
    record = (
        policy.source_records_visible_to(user, "view")
        .select_related("agency", "person")
        .get(pk=record_id, is_current=True)
    )
    _audit_look(user, record, "linkage.record.view", "Linkage: should this record be split off?")
    return record


@transaction.atomic
def change_for_decision(*, user, change_id: int) -> LinkChange:
    if not decides_linkage(user):
        raise LinkChange.DoesNotExist
    visible = policy.source_records_visible_to(user, "view").values("pk")
    change = LinkChange.objects.select_related(
        "source_record__agency", "source_record__person"
    ).get(pk=change_id, source_record__in=visible)
    _audit_look(user, change.source_record, "linkage.change.view", "Linkage: undo a change?")
    return change


def _audit_look(user, record: SourceRecord, operation: str, purpose: str) -> None:
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose=purpose,
        subjects=[Subject.of(record), Subject.person(record.person)],
    )


@dataclass
class PossibleMatch:
    person: Person
    probability: float
    weight: float
    agency: str  # the agency whose record matched best
    evidence_for: list
    evidence_against: list

    @property
    def strength(self) -> str:
        if self.probability >= 0.95:
            return "Strong"
        if self.probability >= 0.5:
            return "Possible"
        return "Weak"


@transaction.atomic
def people_matching_details(
    *,
    user,
    query: MatchQuery,
    limit: int = 10,
    action: str = "search",
    operation: str = "people.match",
) -> list[PossibleMatch]:
    """The people most likely to be the one described, with the evidence, audited.

    Only records the user may read are scored, and only people the user may search
    for are shown, exactly as the plain search."""

    def readable(ids: list[int]) -> set[int]:
        return set(
            policy.source_records_visible_to(user, "view")
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )

    ranked = candidates_for(query, readable=readable)[: limit * 3]
    people = policy.people_visible_to(user, action).in_bulk([c.person_id for c in ranked])
    # Whether a typed address matches hers says where she lives: not shown when hidden.
    hidden = policy.hidden_addresses_among(user, people)

    def evidence(c, found: list) -> list:
        if c.person_id in hidden:
            return [e for e in found if e.comparison != ADDRESS_COMPARISON]
        return found

    agencies = dict(
        SourceRecord.objects.filter(pk__in=[c.record_id for c in ranked]).values_list(
            "pk", "agency__name"
        )
    )
    found = [
        PossibleMatch(
            person=people[c.person_id],
            probability=c.score.match_probability,
            weight=c.score.match_weight,
            agency=agencies.get(c.record_id, ""),
            evidence_for=evidence(c, c.score.for_()),
            evidence_against=evidence(c, c.score.against()),
        )
        for c in ranked
        if c.person_id in people
    ][:limit]
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=operation,
        purpose="Is this person known? "
        + ", ".join(f"{k}={v}" for k, v in query.described().items()),
        subjects=[Subject.person(m.person) for m in found],
        detail={"query": query.described(), "shown": len(found)},
    )
    return found
