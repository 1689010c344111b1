"""Every write that changes which person a source record belongs to.

A move is never silent: each one is a `LinkChange` (who, when, why, from which
person to which), audited as a combination of records (DPA 2018 s62), and can be
undone. When a person is left with no records they are marked `merged_into` the
person who took them, and what pointed at them (relationships, allocations and
other reasons to see them, notifications) points at that person instead, so an
allocated worker keeps seeing the child whatever the linkage does.

Decisions by people (`review_decide`, `person_merge`, `record_split`,
`change_undo`) need a role that decides linkage and the right to view every record
involved; the engine's own links (`lantern link`) are made by Lantern itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction

from lantern.access import policy
from lantern.access.models import AccessBasis, BreakGlassRequest, Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_required, refuse
from lantern.people.models import Person, Relationship, SourceRecord

from .models import LinkChange, LinkRun, ReviewPair, ReviewStatus

COMBINATION = "combination"


def _check_decider(actor, records: Iterable[SourceRecord]) -> None:
    role = getattr(actor, "role", None)
    if role is None or not role.decides_linkage or not actor.is_active:
        refuse("actor", "Only a front-door social worker or a team manager decides linkage")
    visible = set(
        policy.source_records_visible_to(actor, "view")
        .filter(pk__in=[r.pk for r in records])
        .values_list("pk", flat=True)
    )
    if any(r.pk not in visible for r in records):
        # The same words whether the record is hidden or missing: nothing leaks.
        refuse("record", "You cannot see one of these records, so you cannot decide on it")


def _repoint(mapping: dict[int, int]) -> None:
    """Whatever pointed at a person left empty now points at the person who took them."""
    if not mapping:
        return
    for model in (AccessBasis, BreakGlassRequest, Notification):
        by_target: dict[int, list[int]] = defaultdict(list)
        for old, new in mapping.items():
            by_target[new].append(old)
        for new, olds in by_target.items():
            model.objects.filter(person_id__in=olds).update(person_id=new)
    # Relationships: re-point both ends, dropping any that now repeat or point at themselves.
    touched = Relationship.objects.filter(person_id__in=mapping) | Relationship.objects.filter(
        related_id__in=mapping
    )
    seen = set(
        Relationship.objects.exclude(pk__in=touched.values("pk")).values_list(
            "person_id", "related_id", "kind", "recorded_by_id"
        )
    )
    keep, drop = [], []
    for rel in touched.order_by("pk"):
        rel.person_id = mapping.get(rel.person_id, rel.person_id)
        rel.related_id = mapping.get(rel.related_id, rel.related_id)
        key = (rel.person_id, rel.related_id, rel.kind, rel.recorded_by_id)
        if rel.person_id == rel.related_id or key in seen:
            drop.append(rel.pk)
        else:
            seen.add(key)
            keep.append(rel)
    Relationship.objects.filter(pk__in=drop).delete()
    Relationship.objects.bulk_update(keep, ["person", "related"], batch_size=2000)


def records_move(
    *,
    actor,
    records: Sequence[SourceRecord],
    to_person: Person,
    kind: str,
    reason: str,
    pair: ReviewPair | None = None,
    run: LinkRun | None = None,
) -> list[LinkChange]:
    """Move source records to `to_person`. Call inside a transaction; audits nothing itself."""
    now = clock.now()
    changes = []
    moving = [r for r in records if r.person_id != to_person.pk]
    for record in moving:
        changes.append(
            LinkChange(
                kind=kind,
                source_record=record,
                from_person_id=record.person_id,
                to_person=to_person,
                run=run,
                pair=pair,
                made_by=actor if getattr(actor, "pk", None) else None,
                made_at=now,
                reason=reason[:500],
            )
        )
    left = {r.person_id for r in moving}
    SourceRecord.objects.filter(pk__in=[r.pk for r in moving]).update(person=to_person)
    for record in moving:
        record.person = to_person
    LinkChange.objects.bulk_create(changes)
    emptied = set(left) - set(
        SourceRecord.objects.filter(person_id__in=left).values_list("person_id", flat=True)
    )
    if emptied:
        Person.objects.filter(pk__in=emptied).update(merged_into=to_person)
        Person.objects.filter(merged_into_id__in=emptied).update(merged_into=to_person)
        _repoint({old: to_person.pk for old in emptied})
    if to_person.merged_into_id is not None:  # an undo brings a merged person back
        Person.objects.filter(pk=to_person.pk).update(merged_into=None)
        to_person.merged_into = None
    return changes


def _audit_moves(actor, operation: str, purpose: str, changes: Sequence[LinkChange], **detail):
    people = sorted({c.to_person_id for c in changes} | {c.from_person_id for c in changes})
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=COMBINATION,
        operation=operation,
        purpose=purpose,
        subjects=[Subject("people.person", p, p) for p in people]
        + [Subject("people.sourcerecord", c.source_record_id, c.to_person_id) for c in changes],
        detail={"moved": len(changes), **detail},
    )


@transaction.atomic
def review_decide(*, actor, pair: ReviewPair, same: bool, reason: str) -> ReviewPair:
    """A reviewer decides: the same person (their records join) or not (never proposed again)."""
    pair = (
        ReviewPair.objects.select_for_update()
        .select_related("record_a", "record_b")
        .get(pk=pair.pk)
    )
    _check_decider(actor, [pair.record_a, pair.record_b])
    check_required("reason", "the reason for your decision", reason)
    if pair.status != ReviewStatus.PENDING:
        refuse("pair", "This pair has already been decided: undo that decision first")
    pair.status = ReviewStatus.SAME if same else ReviewStatus.DIFFERENT
    pair.decided_by, pair.decided_at, pair.reason = actor, clock.now(), reason.strip()[:500]
    pair.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    changes = []
    if same and pair.record_a.person_id != pair.record_b.person_id:
        into = Person.objects.get(pk=pair.record_a.person_id)
        changes = records_move(
            actor=actor,
            records=list(SourceRecord.objects.filter(person_id=pair.record_b.person_id)),
            to_person=into,
            kind=LinkChange.Kind.SAME,
            reason=reason,
            pair=pair,
        )
    _audit_moves(
        actor,
        "linkage.review.decide",
        f"Linkage review: {'the same person' if same else 'not the same person'}. {reason}",
        changes,
        pair=pair.pk,
        decision=pair.status,
        records=[pair.record_a_id, pair.record_b_id],
    )
    return pair


@transaction.atomic
def person_merge(*, actor, into: Person, other: Person, reason: str) -> list[LinkChange]:
    """Two people are one individual: every record of `other` moves to `into`."""
    if into.pk == other.pk:
        refuse("other", "Choose two different people to merge")
    records = list(SourceRecord.objects.filter(person__in=[into, other]))
    _check_decider(actor, records)
    check_required("reason", "the reason for merging", reason)
    changes = records_move(
        actor=actor,
        records=[r for r in records if r.person_id == other.pk],
        to_person=into,
        kind=LinkChange.Kind.MERGE,
        reason=reason,
    )
    _audit_moves(actor, "linkage.person.merge", f"People merged: {reason}", changes)
    return changes


@transaction.atomic
def record_split(*, actor, record: SourceRecord, reason: str) -> Person:
    """One record was wrongly linked: it becomes a person of its own."""
    record = SourceRecord.objects.select_for_update().get(pk=record.pk)
    _check_decider(actor, [record])
    check_required("reason", "the reason for splitting this record off", reason)
    if not SourceRecord.objects.filter(person_id=record.person_id).exclude(pk=record.pk).exists():
        refuse("record", "This is the person's only record: there is nothing to split it from")
    person = Person.objects.create(
        given_name=record.given_name,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        sex=record.sex,
        sensitivity=record.sensitivity,
        created_at=clock.now(),
    )
    changes = records_move(
        actor=actor, records=[record], to_person=person, kind=LinkChange.Kind.SPLIT, reason=reason
    )
    _audit_moves(actor, "linkage.record.split", f"Record split off: {reason}", changes)
    return person


@transaction.atomic
def change_undo(*, actor, change: LinkChange, reason: str) -> LinkChange:
    """Put one moved record back where it was; a reviewer's decision goes back to pending."""
    change = (
        LinkChange.objects.select_for_update().select_related("source_record").get(pk=change.pk)
    )
    if change.undone_at is not None:
        refuse("change", "This change has already been undone")
    record = change.source_record
    if record.person_id != change.to_person_id:
        refuse("change", "The record has moved again since: undo the later change first")
    _check_decider(actor, [record])
    check_required("reason", "the reason for undoing this change", reason)
    back = Person.objects.get(pk=change.from_person_id)
    [undo] = records_move(
        actor=actor, records=[record], to_person=back, kind=LinkChange.Kind.UNDO, reason=reason
    )
    change.undone_at = undo.made_at
    change.save(update_fields=["undone_at"])
    if change.pair_id and change.pair.status == ReviewStatus.SAME:
        ReviewPair.objects.filter(pk=change.pair_id).update(
            status=ReviewStatus.PENDING, decided_by=None, decided_at=None, reason=""
        )
    _audit_moves(actor, "linkage.change.undo", f"Linkage change undone: {reason}", [undo])
    return undo
