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

import hashlib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.bulk import BulkWriter, bulk_session, gc_paused, rows_insert
from lantern.core.validation import check_required, refuse
from lantern.people.models import Person, Relationship, SourceRecord

from . import engine
from .clustering import cluster_positions
from .engine import Progress
from .frames import source_records_frame
from .matching import frequencies_rebuild, keys_add
from .model import DEFAULT_PATH, load
from .models import LinkChange, LinkRun, ReviewPair, ReviewStatus
from .prepare import IDENTIFIERS, RAW_COLUMNS

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


CHUNK = 500  # ids per IN (...) list: well inside SQLite's limit on query parameters


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _temporary(name: str, rows: Iterable[tuple[int, int]]) -> None:
    """A temporary table `name` (old_id, new_id) holding exactly these pairs: what a bulk
    run moves, joined to in one statement instead of an IN (...) list per few hundred."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} "
            "(old_id bigint PRIMARY KEY, new_id bigint NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {name}")  # noqa: S608 - our own table
    rows_insert(name, ["old_id", "new_id"], rows)


# What a merge must not re-point: the records themselves (moved one by one, with their
# history), the merge's own history, and the relationships (re-pointed below, dropping
# repeats).
_NOT_REPOINTED = {
    ("people.person", "merged_into"),
    ("people.sourcerecord", "person"),
    ("people.relationship", "person"),
    ("people.relationship", "related"),
    ("linkage.linkchange", "from_person"),
    ("linkage.linkchange", "to_person"),
}


def _pointing_at_people() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to a person in every installed app (referrals,
    casework, risk tools, alerts, deadlines, access bases ...), so an app added later is
    carried along by a merge without being listed here."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for column in model._meta.concrete_fields:
            target = getattr(column.remote_field, "model", None)
            if target is Person and (model._meta.label_lower, column.name) not in _NOT_REPOINTED:
                found.append((model._meta.db_table, column.column))
    return sorted(found)


def _repoint_table(cursor, table: str, column: str) -> None:
    """Re-point one table's rows in one statement. Where that would break a rule of the
    table (two open cases, two open alerts of one rule for one person), the rows go one
    by one and any that would break it stay with the emptied person, whose page sends
    readers on to the person who took them."""
    update = (
        f"UPDATE {table} SET {column} = e.new_id "  # noqa: S608 - names from the models
        f"FROM linkage_emptied e WHERE {table}.{column} = e.old_id"
    )
    try:
        with transaction.atomic():
            cursor.execute(update)
        return
    except IntegrityError:
        pass
    cursor.execute(
        f"SELECT t.id, e.new_id FROM {table} t "  # noqa: S608 - names from the models
        f"JOIN linkage_emptied e ON t.{column} = e.old_id"
    )
    for pk, new_id in cursor.fetchall():
        try:
            with transaction.atomic():
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                    [new_id, pk],
                )
        except IntegrityError:
            continue


def _repoint(mapping: dict[int, int]) -> None:
    """Whatever pointed at a person left empty now points at the person who took them.

    Only the rows that point at an emptied person are read and updated, each table in
    one statement joined to the emptied people, so a bulk run that empties a hundred
    thousand people costs a few statements."""
    if not mapping:
        return
    from lantern.alerts.services import alerts_people_merged  # alerts build on linkage

    alerts_people_merged(mapping=mapping)  # first: two open alerts of one rule become one
    from lantern.network.services import people_merged as network_people_merged

    network_people_merged(mapping=mapping)  # and a person held twice in the network, once
    _temporary("linkage_emptied", mapping.items())
    with connection.cursor() as cursor:
        for table, column in _pointing_at_people():
            _repoint_table(cursor, table, column)
        # Relationships: re-point both ends, dropping any that now repeat or point at
        # themselves.
        table = Relationship._meta.db_table
        touched: dict[int, tuple] = {}
        for end in ("person_id", "related_id"):
            cursor.execute(
                f"SELECT r.id, r.person_id, r.related_id, r.kind, r.recorded_by_id "  # noqa: S608
                f"FROM {table} r JOIN linkage_emptied e ON r.{end} = e.old_id"
            )
            touched.update((row[0], row) for row in cursor.fetchall())
        if not touched:
            return
        owners = {mapping.get(row[1], row[1]) for row in touched.values()}
        _temporary("linkage_owners", ((owner, owner) for owner in sorted(owners)))
        cursor.execute(
            f"SELECT r.id, r.person_id, r.related_id, r.kind, r.recorded_by_id "  # noqa: S608
            f"FROM {table} r JOIN linkage_owners o ON r.person_id = o.old_id"
        )
        seen = {tuple(row[1:]) for row in cursor.fetchall() if row[0] not in touched}
    keep, drop = [], []
    for pk in sorted(touched):
        _, person_id, related_id, kind, recorded_by_id = touched[pk]
        person_id = mapping.get(person_id, person_id)
        related_id = mapping.get(related_id, related_id)
        key = (person_id, related_id, kind, recorded_by_id)
        if person_id == related_id or key in seen:
            drop.append(pk)
        else:
            seen.add(key)
            keep.append((pk, person_id, related_id))
    for chunk in _chunks(drop):
        Relationship.objects.filter(pk__in=chunk).delete()
    _temporary_update(table, "person_id", [(pk, person) for pk, person, _ in keep])
    _temporary_update(table, "related_id", [(pk, related) for pk, _, related in keep])


def _move_all_versions(record_to_person: Iterable[tuple[int, int]]) -> None:
    """Move each record, with its earlier versions, to its new person: one UPDATE
    through a temporary table, not one per record."""
    table = SourceRecord._meta.db_table
    _temporary("linkage_move", record_to_person)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET person_id = m.new_id "  # noqa: S608 - names from the model
            f"FROM linkage_move m, {table} cur "
            f"WHERE cur.id = m.old_id AND {table}.agency_id = cur.agency_id "
            f"AND {table}.local_id = cur.local_id"
        )


def _temporary_update(table: str, column: str, pairs: Sequence[tuple[int, int]]) -> None:
    """UPDATE table SET column = new WHERE id = old, for many (old id, new value) pairs, in
    one statement through a temporary table."""
    if not pairs:
        return
    _temporary("linkage_pairs", pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = p.new_id FROM linkage_pairs p "  # noqa: S608
            f"WHERE {table}.id = p.old_id"
        )


def _mark_emptied(left: dict[int, int]) -> dict[int, int]:
    """People left with no record at all become `merged_into` the person who took them."""
    if not left:
        return {}
    table = SourceRecord._meta.db_table
    _temporary("linkage_left", left.items())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.old_id, l.new_id FROM linkage_left l "  # noqa: S608 - names from the model
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.person_id = l.old_id)"
        )
        emptied = dict(cursor.fetchall())
    if not emptied:
        return {}
    _repoint(emptied)  # fills linkage_emptied
    # People merged earlier into one now emptied follow it on.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, e.new_id FROM {Person._meta.db_table} p "  # noqa: S608
            "JOIN linkage_emptied e ON p.merged_into_id = e.old_id WHERE p.id <> e.new_id"
        )
        earlier = cursor.fetchall()
    _temporary_update(Person._meta.db_table, "merged_into_id", [*emptied.items(), *earlier])
    return emptied


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
    _move_all_versions([(r.pk, to_person.pk) for r in moving])
    left = {r.person_id: to_person.pk for r in moving}
    for record in moving:
        record.person = to_person
    LinkChange.objects.bulk_create(changes)
    _mark_emptied(left)
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


# ---------------------------------------------------------------- bulk linking


@dataclass
class _Plan:
    # Each move: a record, the person it leaves and the person it joins; by record id.
    moves: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"record": [], "old": [], "new": []}, dtype=np.int64)
    )
    reviews: list[dict] = field(default_factory=list)
    refused: int = 0
    conflicts: int = 0


def _model_digest() -> str:
    return hashlib.sha256(DEFAULT_PATH.read_bytes()).hexdigest()


def _evidence(row, labels: dict[str, dict[int, str]], names: dict[str, str]) -> list[dict]:
    evidence = []
    for comparison, by_gamma in labels.items():
        gamma = row.get(f"gamma_{comparison}")
        if gamma is None or (isinstance(gamma, float) and math.isnan(gamma)):
            continue
        weight = row.get(f"mw_{comparison}")
        evidence.append(
            {
                "field": names.get(comparison, comparison),
                "level": by_gamma.get(int(gamma), str(gamma)),
                "weight": round(float(weight), 2)
                if weight is not None and not math.isnan(weight)
                else 0.0,
            }
        )
    return evidence


def _plan(records: pd.DataFrame, result, *, new_ids: set[str] | None) -> _Plan:
    """Decide every move and every review pair, keeping apart what must stay apart.

    Works on record positions in numpy (`clustering.cluster_positions`): a million
    records in Python dictionaries and tuples took twenty seconds."""
    ids = records["unique_id"].to_numpy()
    persons = records["person_id"].to_numpy(dtype=np.int64)
    size = len(ids)
    index = pd.Index(ids)

    def positions(values) -> np.ndarray:
        return index.get_indexer(pd.Index(np.asarray(values, dtype=object)))

    # Records already one person stay one: each joined to its person's first record.
    _, first, inverse = np.unique(persons, return_index=True, return_inverse=True)
    first_of = first[inverse.ravel()]
    order = np.lexsort((np.arange(size), first_of))
    others = order[first_of[order] != order]
    must = (first_of[others], others)

    decided = ReviewPair.objects.filter(status=ReviewStatus.DIFFERENT).values_list(
        "record_a_id", "record_b_id"
    )
    kept_apart = [(str(a), str(b)) for a, b in decided]
    # In record order, whatever order the scorer returned them in (its threads vary it):
    # between two links of equal weight, the one between lower-numbered records is
    # tried first, so a run's outcome never rests on that order.
    pairs = result.pairs
    if len(pairs):
        ranked = np.lexsort((positions(pairs["unique_id_r"]), positions(pairs["unique_id_l"])))
        pairs = pairs.iloc[ranked]
    held = pairs[
        (pairs["decision"] == "review") & (pairs["same_household"] | pairs["household_clash"])
    ]
    apart_l = np.concatenate(
        [positions([a for a, _ in kept_apart]), positions(held["unique_id_l"])]
    )
    apart_r = np.concatenate(
        [positions([b for _, b in kept_apart]), positions(held["unique_id_r"])]
    )
    links = pairs[pairs["decision"] == "link"]
    if new_ids is not None and len(links):
        links = links[_placed_as_engine_said(links, result, new_ids, ids, persons, positions)]
    labelled = cluster_positions(
        size,
        must=must,
        links=(
            positions(links["unique_id_l"]),
            positions(links["unique_id_r"]),
            links["match_weight"].to_numpy(dtype=float),
        ),
        apart=(apart_l, apart_r),
        identifiers={scheme: records[scheme].to_numpy(dtype=object) for scheme in IDENTIFIERS},
    )
    labels = labelled.labels
    plan = _Plan(refused=labelled.refused, conflicts=labelled.conflicts)
    grouped = np.flatnonzero(labels >= 0)
    if len(grouped):
        # Every record of a cluster joins the cluster's lowest-numbered person.
        target = pd.Series(persons[grouped]).groupby(labels[grouped]).transform("min").to_numpy()
        moving = persons[grouped] != target
        plan.moves = pd.DataFrame(
            {
                "record": ids[grouped[moving]].astype(np.int64),
                "old": persons[grouped[moving]],
                "new": target[moving],
            }
        )
    reviews = pairs[pairs["decision"] == "review"]
    if len(reviews):
        left = labels[positions(reviews["unique_id_l"])]
        right = labels[positions(reviews["unique_id_r"])]
        open_ = ~((left >= 0) & (left == right))  # not already one person
        plan.reviews = reviews[open_].to_dict("records")
    return plan


def _placed_as_engine_said(links, result, new_ids, ids, persons, positions) -> list[bool]:
    """Of the links of a run over new records: those that join a new record where the
    engine placed it (never two existing people, never a record held for review)."""
    placed = result.clusters
    involved = positions(pd.unique(links[["unique_id_l", "unique_id_r"]].to_numpy().ravel()))
    person_of = dict(zip(ids[involved], persons[involved], strict=True))
    keep = []
    for left, right in zip(links["unique_id_l"], links["unique_id_r"], strict=True):
        new_side = left if left in new_ids else right
        other = right if new_side == left else left
        if new_side in result.held_for_review:
            keep.append(False)
            continue
        target = placed.get(new_side)
        keep.append(other in new_ids or person_of.get(other) == target)
    return keep


def _apply_moves(moves: pd.DataFrame, run: LinkRun, reason: str) -> None:
    """Move records in bulk, record each move, and merge the people left empty."""
    if moves.empty:
        return
    records, olds, news = (moves[c].to_numpy().tolist() for c in ("record", "old", "new"))
    _move_all_versions(zip(records, news, strict=True))
    now = clock.now()
    changes = BulkWriter(
        LinkChange,
        ["kind", "source_record", "from_person", "to_person", "run", "made_at", "reason"],
    )
    kind = LinkChange.Kind.LINK
    changes.extend(
        (kind, record, old, new, run.pk, now, reason)
        for record, old, new in zip(records, olds, news, strict=True)
    )
    changes.flush()
    _mark_emptied(dict(zip(olds, news, strict=True)))


def link_records(
    *,
    actor=None,
    new_only: bool = False,
    progress: Progress | None = None,
    engine_name: str = "duckdb",
) -> LinkRun:
    """Link source records into people: all of them, or only those new since the last run.

    `engine_name` is where pairs are scored: "duckdb" (embedded) or "spark"
    (`linkage.spark`, for a region or a national unit); the decisions are the same.

    The engine's links are applied where they break no decision a person made; pairs
    in the grey zone, and every pair from one household it could not settle, go to
    review. Audited as one combination of records, naming every person it changed.
    """
    with gc_paused():
        return _link_records(
            actor=actor, new_only=new_only, progress=progress, engine_name=engine_name
        )


def _link_records(*, actor, new_only: bool, progress: Progress | None, engine_name: str) -> LinkRun:
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - since, 3)
        return now

    engine.backend_check(engine_name)
    last = LinkRun.objects.exclude(finished_at=None).order_by("-pk").first()
    run = LinkRun.objects.create(
        mode=LinkRun.Mode.NEW if new_only else LinkRun.Mode.ALL,
        engine=engine_name,
        model_digest=_model_digest(),
        started_at=clock.now(),
        run_by=actor if getattr(actor, "pk", None) else None,
    )
    frame = source_records_frame(person=True)
    record_ids = frame["unique_id"].to_numpy().astype(np.int64)
    run.people_before = int(frame["person_id"].nunique())
    mark = lap("read", started)
    if new_only:
        since = last.last_record_id if last else 0
        is_new = record_ids > since
        new_ids = set(frame.loc[is_new, "unique_id"])
        if new_ids:
            existing = frame[~is_new]
            result = engine.link_new(
                frame[is_new][list(RAW_COLUMNS)],
                existing[list(RAW_COLUMNS)],
                existing_clusters=dict(
                    zip(existing["unique_id"], existing["person_id"].tolist(), strict=True)
                ),
                progress=progress,
                backend=engine_name,
            )
        else:
            result = None
    else:
        new_ids = None
        result = engine.link(
            frame[list(RAW_COLUMNS)], mode="dedupe", progress=progress, backend=engine_name
        )
    mark = lap("engine", mark)
    plan = _plan(frame, result, new_ids=new_ids) if result is not None else _Plan()
    mark = lap("plan", mark)
    model = load()
    labels = model.labels()
    names = {
        c["output_column_name"]: c.get("comparison_description", c["output_column_name"])
        for c in model.splink_settings["comparisons"]
    }
    with transaction.atomic(), bulk_session():
        _apply_moves(plan.moves, run, f"record linkage run {run.pk}")
        existing_pairs = set(ReviewPair.objects.values_list("record_a_id", "record_b_id"))
        now = clock.now()
        new_reviews = []
        for row in plan.reviews:
            a, b = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
            if (a, b) in existing_pairs:
                continue
            existing_pairs.add((a, b))
            household = bool(row.get("same_household")) or bool(row.get("household_clash"))
            new_reviews.append(
                ReviewPair(
                    record_a_id=a,
                    record_b_id=b,
                    match_weight=float(row["match_weight"]),
                    match_probability=float(row["match_probability"]),
                    evidence=_evidence(row, labels, names),
                    why=ReviewPair.Why.HOUSEHOLD if household else ReviewPair.Why.GREY_ZONE,
                    run=run,
                    created_at=now,
                )
            )
        ReviewPair.objects.bulk_create(new_reviews, batch_size=2000)
        mark = lap("write", mark)
        # The front door's index: keys for records that have none (a borough loaded
        # without them), and how common each name now is.
        keys_add(frame)
        frequencies_rebuild(frame)
        mark = lap("index", mark)
        run.records = len(frame) if not new_only else len(new_ids or ())
        run.last_record_id = int(record_ids.max()) if len(frame) else 0
        run.links_made = len(plan.moves)
        run.reviews_queued = len(new_reviews)
        run.refused_by_decision = plan.refused
        run.people_after = run.people_before - int(plan.moves["old"].nunique())
        timings["engine_stages"] = result.timings if result is not None else {}
        run.finished_at = clock.now()
        run.save()
        touched = np.union1d(plan.moves["old"].to_numpy(), plan.moves["new"].to_numpy())
        audit_record(
            actor=run.run_by,
            action=COMBINATION,
            operation="linkage.run",
            purpose=f"Record linkage ({run.get_mode_display().lower()}): "
            f"{run.links_made:,} records joined to other records of the same person",
            subjects=[Subject("people.person", p, p) for p in touched.tolist()],
            detail={
                "run": run.pk,
                "records": run.records,
                "moved": run.links_made,
                "reviews_queued": run.reviews_queued,
                # records already one person that a reviewer had kept apart: for a human
                "conflicts": plan.conflicts,
                "model": run.model_digest[:16],
            },
        )
        mark = lap("audit", mark)
    # Committed: the run's own timings, the commit included (not personal data).
    lap("commit", mark)
    timings["total"] = round(time.perf_counter() - started, 3)
    run.timings = timings
    LinkRun.objects.filter(pk=run.pk).update(timings=timings)
    return run
