"""Writing the audit log: the only way events get into it.

    from lantern.audit.services import Subject, audit_record, audit_refusal

    audit_record(
        actor=request.user,
        action="consultation",            # a DPA 2018 s62 action, or "security"
        operation="person.view",          # what was done, lower-case and dotted
        purpose="Front-door enquiry",     # why: required
        subjects=[Subject.person(person), *(Subject.of(r) for r in records)],
    )

Rules:

- `audit_record` writes inside the caller's transaction (as a savepoint when the
  caller is in `transaction.atomic()`). If the caller's transaction rolls back,
  the event rolls back with it; if the audit write fails, it raises
  `AuditWriteFailed` and marks the caller's transaction for rollback, so the
  business write cannot be committed without its audit event even if the
  exception is caught. Call it last in a transaction: it holds a chain's head
  until the transaction ends (on PostgreSQL the first of the CHAINS heads that no
  other transaction holds: see the comment before `_APPEND_SQL`, and ADR 0005).
- `audit_refusal` records a refused attempt in a transaction of its own that
  commits at once, so the refusal stays on record when the caller then raises
  (Http404, PermissionDenied...). Call it OUTSIDE any `transaction.atomic()`
  block; inside one it raises RuntimeError, because a rollback would erase it.
  (Inside a test's own transaction it behaves like audit_record.)
- Bad input (an unknown action, an empty purpose, an unsaved user...) raises
  ValueError naming the problem: these are programming errors, not user errors.
- Every read of a list or search page names every record shown as a Subject.

Tests that need the audit write to fail use `lantern.audit.testing.audit_writes_fail()`
or `monkeypatch.setattr("lantern.audit.services._write", ...)`; to put events on a
chain of their choosing, `lantern.audit.testing.on_chain(n)`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import math
import re
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from lantern.core import clock
from lantern.core.bulk import rows_insert

from .chain import CHAINS, GENESIS_HASH, HASHED_FIELDS, document_pieces, event_hash
from .context import audit_context, current_context
from .models import (
    S62_ACTIONS,
    Action,
    AppendOnlyError,
    AuditChainHead,
    AuditEvent,
    AuditSubject,
    Outcome,
)

__all__ = [
    "S62_ACTIONS",
    "Action",
    "AppendOnlyError",
    "AuditWriteFailed",
    "Outcome",
    "Subject",
    "audit_context",
    "audit_record",
    "audit_refusal",
]

log = logging.getLogger(__name__)

_OPERATION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_RECORD_TYPE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_ACTIONS = frozenset(Action.values)
_OUTCOMES = frozenset(Outcome.values)
PURPOSE_LENGTH = 2000
# Decimals in `detail` must survive PostgreSQL's jsonb and back unchanged.
_LARGEST_FLOAT = 1e15


class AuditWriteFailed(Exception):
    """The audit event could not be written, so the action it records must not happen."""


@dataclass(frozen=True)
class Subject:
    """One record an audited action touched.

    `record_id` is kept as text. `person_id` is the person the record is about, so
    that a data protection officer can find every look at one person.
    """

    record_type: str
    record_id: str | int
    person_id: int | None = None

    def __post_init__(self):
        if not isinstance(self.record_type, str) or not _RECORD_TYPE.match(self.record_type):
            raise ValueError(
                f"Subject record_type must be an app label and model name such as "
                f'"people.person", not {self.record_type!r}'
            )
        if isinstance(self.record_id, bool) or not isinstance(self.record_id, str | int):
            raise ValueError(
                f"Subject record_id must be text or a whole number, not {self.record_id!r}"
            )
        record_id = str(self.record_id)
        if not record_id.strip() or len(record_id) > 100 or "\x00" in record_id:
            raise ValueError(f"Subject record_id must be 1 to 100 characters, not {record_id!r}")
        object.__setattr__(self, "record_id", record_id)
        if self.person_id is not None and (
            isinstance(self.person_id, bool) or not isinstance(self.person_id, int)
        ):
            raise ValueError(
                f"Subject person_id must be a whole number or None, not {self.person_id!r}"
            )

    @classmethod
    def person(cls, person) -> Subject:
        if person.pk is None:
            raise ValueError("Cannot audit an unsaved person")
        return cls("people.person", str(person.pk), person.pk)

    @classmethod
    def of(cls, obj, person_id: int | None = None) -> Subject:
        """Any saved model instance. The person is taken from the object when it has
        one (a Person itself, or anything with a `person_id`) unless given."""
        if obj.pk is None:
            raise ValueError(f"Cannot audit an unsaved {obj._meta.label}")
        label = obj._meta.label_lower
        if person_id is None:
            if label == "people.person":
                person_id = obj.pk
            else:
                person_id = getattr(obj, "person_id", None)
        return cls(label, str(obj.pk), person_id)

    def as_tuple(self) -> tuple[str, str, int | None]:
        return (self.record_type, str(self.record_id), self.person_id)


def _text(name: str, value: Any, *, required: bool, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Audit {name} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"Audit {name} must not contain NUL characters")
    value = value.strip()
    if required and not value:
        raise ValueError(f"Audit {name} is required: say why this was done")
    if len(value) > limit:
        raise ValueError(f"Audit {name} is longer than {limit} characters")
    return value


def _clean_detail(value: Any, where: str = "detail") -> Any:
    """Plain JSON only, in the form the database will give back."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"Audit {where} must not contain NUL characters")
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= _LARGEST_FLOAT:
            raise ValueError(f"Audit {where} holds a number JSON cannot keep exactly: {value!r}")
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"Audit {where} keys must be text, not {key!r}")
            cleaned[_clean_detail(key, where)] = _clean_detail(item, f"{where}.{key}")
        return cleaned
    if isinstance(value, list | tuple):
        return [_clean_detail(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"Audit {where} holds a value that is not JSON: {type(value).__name__}")


def _actor_snapshot(actor) -> tuple[int | None, str, str]:
    if actor is None:
        return None, "", ""
    user_model = get_user_model()
    if not isinstance(actor, user_model):
        raise ValueError(
            f"Audit actor must be a saved {user_model.__name__} or None (for Lantern itself), "
            f"not {type(actor).__name__}"
        )
    if actor.pk is None:
        raise ValueError("Audit actor must be a saved user, not an unsaved one")
    agency = getattr(actor, "agency", None)
    return actor.pk, actor.get_username(), agency.name if agency is not None else ""


def _prepare(
    *,
    actor,
    action: str,
    operation: str,
    purpose: str,
    subjects: Iterable[Subject],
    outcome: str,
    recipient: str,
    detail: dict | None,
) -> tuple[dict, list[Subject]]:
    if action not in _ACTIONS:
        raise ValueError(
            f"Audit action {action!r} is not one of {', '.join(Action.values)} "
            "(the DPA 2018 s62 actions, and security)"
        )
    if not isinstance(operation, str) or not _OPERATION.match(operation) or len(operation) > 100:
        raise ValueError(
            f'Audit operation must be lower-case dotted words such as "person.view", '
            f"not {operation!r}"
        )
    purpose = _text("purpose", purpose, required=True, limit=PURPOSE_LENGTH)
    if outcome not in _OUTCOMES:
        raise ValueError(f"Audit outcome must be allowed or refused, not {outcome!r}")
    recipient = _text("recipient", recipient, required=False, limit=300)
    if action == Action.DISCLOSURE and not recipient:
        raise ValueError("A disclosure must name its recipient (the person and organisation)")
    if detail is None:
        detail = {}
    if not isinstance(detail, dict):
        raise ValueError(f"Audit detail must be a dict, not {type(detail).__name__}")
    detail = _clean_detail(detail)
    if isinstance(subjects, str | bytes):
        raise ValueError("Audit subjects must be a list of Subject, not text")
    subjects = list(subjects)
    for subject in subjects:
        if not isinstance(subject, Subject):
            raise ValueError(f"Audit subjects must be Subject values, not {type(subject).__name__}")
    actor_id, username, agency = _actor_snapshot(actor)
    context = current_context()
    fields = {
        "actor_id": actor_id,
        "actor_username": username[:150],
        "actor_agency": agency[:200],
        "action": str(action),
        "operation": operation,
        "purpose": purpose,
        "outcome": str(outcome),
        "recipient": recipient,
        "request_path": context.path,
        "request_method": context.method,
        "ip_address": context.ip,
        "user_agent": context.user_agent,
        "request_id": context.request_id,
        "detail": detail,
    }
    return fields, subjects


# Tests may put events on a chain of their choosing (`lantern.audit.testing.on_chain`).
_forced_chain: ContextVar[int | None] = ContextVar("lantern_audit_forced_chain", default=None)


def _restore_heads() -> None:
    """Only after the tables were emptied (a test flush): a head per chain, from its last event."""
    last = {}
    for chain in range(1, CHAINS + 1):
        found = (
            AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash")
        ).first()
        last[chain] = found or (0, GENESIS_HASH)
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=c, last_seq=seq, last_hash=digest) for c, (seq, digest) in last.items()],
        ignore_conflicts=True,
    )


def _locked_head(chain: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:
        _restore_heads()
        head = AuditChainHead.objects.select_for_update().get(pk=chain)
    return head


def _write(fields: dict, subjects: list[Subject]) -> AuditEvent:
    """Append one event and its subjects to a chain. Runs inside an atomic block."""
    rows = [s.as_tuple() for s in subjects]
    chain = _forced_chain.get()
    event = None
    if connection.vendor == "postgresql":
        event = _append_in_one_statement(fields, rows, chain)
    if event is None:  # SQLite (which takes one writer at a time: chain 1), or no head rows yet
        event = _append_through_orm(fields, rows, chain or 1)
    every = int(getattr(settings, "AUDIT_ANCHOR_EVERY", 1000) or 0)
    if every > 0 and event.seq % every == 0:
        transaction.on_commit(_anchor_after_commit, robust=True)
    return event


def _append_through_orm(fields: dict, rows: list[tuple], chain: int) -> AuditEvent:
    head = _locked_head(chain)
    event = AuditEvent(
        chain=chain,
        seq=head.last_seq + 1,
        occurred_at=clock.now(),
        previous_hash=head.last_hash,
        **fields,
    )
    event.hash = event_hash({f: getattr(event, f) for f in HASHED_FIELDS}, rows)
    event._appending = True
    event.save()
    if rows:
        # A bulk link names a quarter of a million people: a model instance for each took
        # 15-20 s of the 1M-record `lantern link`; plain rows take about 1 s.
        rows_insert(
            AuditSubject._meta.db_table,
            ["event_id", "record_type", "record_id", "person_id"],
            ((event.pk, t, i, p) for t, i, p in rows),
        )
    AuditChainHead.objects.filter(pk=chain).update(last_seq=event.seq, last_hash=event.hash)
    return event


# PostgreSQL: pick a chain, lock its head, move it on, insert the event and its subjects,
# in ONE round trip: the function `lantern_audit_append` (migrations 0005 and 0006).
#
# The chain: the first head (by id) that no other transaction holds, so up to CHAINS
# audited transactions hold a head each and commit together, and PostgreSQL flushes
# their commits to the WAL as a group. Only when another transaction holds every head
# does the append wait, on the head its backend's pid names (so waiters spread out).
#
# No deadlock on the heads: SKIP LOCKED skips only rows locked by OTHER transactions;
# a transaction that already holds a head (from an earlier event in it) is given a head
# it may lock at once (its own, or a free one before it), so it never waits. So a
# transaction waiting for a head holds none, and a cycle of waits through head locks
# would need a head-holder waiting for a head: there is none. (Business rows locked
# after the audit event could still close a cycle with a head, as with any lock, which
# is one reason to call audit_record last; PostgreSQL's deadlock detector would end
# such a cycle by failing one of the transactions, its audit event and all. A chain
# forced by a test, `testing.on_chain`, is waited for as asked.)
#
# The hash is SHA-256 over the same canonical document as `chain.event_hash`, which
# Python prepares in five pieces around the chain, the format, the previous hash and
# the seq (`chain.document_pieces`); the database fills them in under the lock.
# `verify` recomputes every hash in Python, so any difference between the two ways
# would show as a broken chain (the tests run it).
#
# The statement binds its parameters on the server and is prepared once per connection
# (ADR 11): the event's text then goes to PostgreSQL as it is, not quoted into the SQL
# for the server to parse again, which was about a quarter of the server's work per append.
_APPEND_SQL = (
    "SELECT event_id, chain, seq, previous_hash, hash FROM lantern_audit_append("
    "%s::integer, %s::integer, %s::jsonb, %s::text, %s::text, %s::text, %s::text, %s::text)"
)
# The order of AuditEvent's columns, to make the instance the way Django does from a row.
_COLUMNS = tuple(f.attname for f in AuditEvent._meta.concrete_fields)


class _PreparedCursor(psycopg.Cursor):
    """A cursor that binds on the server and prepares what it runs (Django's own cursors
    quote every parameter into the SQL text, and prepare nothing: poolers in transaction
    mode lose prepared statements, so Django leaves them off unless asked)."""

    prepares = True

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None:
            prepare = self.prepares
        return super().execute(query, params, prepare=prepare, binary=binary)


def _append_cursor():
    """A prepared-statement cursor inside Django's wrapper: its queries are logged, counted
    by the tests' query counters, and its errors are Django's DatabaseError, as any other.
    One cursor per connection, kept for the connection's life (a new connection, after a
    reconnect, gets a new one)."""
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` looks this up at every use
    db.ensure_connection()
    raw = db.connection
    kept = getattr(db, "_lantern_append_cursor", None)
    if kept is None or kept.connection is not raw or kept.closed:
        kept = db._lantern_append_cursor = _PreparedCursor(raw)
    # While queries are logged (DEBUG, or a test counting them) the statement is not
    # prepared: psycopg keeps no text of a prepared statement's run for the log to show.
    kept.prepares = not db.queries_logged
    if db.queries_logged:
        return db.make_debug_cursor(kept)
    return db.make_cursor(kept)


def append_parameters(fields: dict, rows: list[tuple], chain: int | None) -> tuple[list, Any]:
    """`_APPEND_SQL`'s parameters for one event, and the moment it occurred at. (The audit
    benchmark's thin client sends these too.)"""
    occurred_at = clock.now()
    pieces = document_pieces({**fields, "occurred_at": occurred_at}, rows)
    event = {
        **fields,  # the columns, by name; detail is a JSON object, as its column holds it
        "occurred_at": occurred_at.isoformat(),  # with microseconds and the UTC offset
        "subjects": [{"record_type": t, "record_id": i, "person_id": p} for t, i, p in rows],
    }
    return [chain, CHAINS, json.dumps(event), *pieces], occurred_at


def _append_in_one_statement(fields: dict, rows: list[tuple], chain: int | None):
    """Returns None when the chain has no head row (the ORM way then makes them)."""
    parameters, occurred_at = append_parameters(fields, rows, chain)
    cursor = _append_cursor()  # not closed: it is kept for the next append
    cursor.execute(_APPEND_SQL, parameters)
    pk, chain, seq, previous_hash, digest = cursor.fetchone()
    if pk is None:
        return None
    found = {
        **fields,
        "id": pk,
        "chain": chain,
        "seq": seq,
        "occurred_at": occurred_at,
        "previous_hash": previous_hash,
        "hash": digest,
    }
    return AuditEvent.from_db(DEFAULT_DB_ALIAS, _COLUMNS, [found[c] for c in _COLUMNS])


def _anchor_after_commit() -> None:
    from .anchors import audit_anchor

    try:
        audit_anchor()
    except Exception:  # the action is done and committed; a missed anchor is caught up later
        log.exception("The audit log could not be anchored; run `lantern audit anchor`")


def _in_callers_transaction() -> bool:
    """True inside a transaction.atomic() block of the application's own.

    A test case's wrapping transaction does not count: Django marks those blocks
    `_from_testcase`, as it does for `atomic(durable=True)`.
    """
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _append(fields: dict, subjects: list[Subject], *, durable: bool) -> AuditEvent:
    in_callers = _in_callers_transaction()
    try:
        if in_callers:
            # No block of its own, nor a savepoint (two fewer round trips): the event is
            # written in the caller's transaction, and a failed write dooms it below.
            return _write(fields, subjects)
        with transaction.atomic(durable=durable):
            return _write(fields, subjects)
    except (DatabaseError, AuditWriteFailed) as exc:
        if in_callers:
            # Even if the caller catches this, its transaction must not commit.
            transaction.set_rollback(True)
        if isinstance(exc, AuditWriteFailed):
            raise
        raise AuditWriteFailed(
            "The audit event could not be written, so the action was not done"
        ) from exc


def audit_record(
    *,
    actor,
    action: str,
    operation: str,
    purpose: str,
    subjects: Iterable[Subject] = (),
    outcome: str = "allowed",
    recipient: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Record one action on personal data, inside the caller's transaction."""
    fields, subjects = _prepare(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=subjects,
        outcome=outcome,
        recipient=recipient,
        detail=detail,
    )
    return _append(fields, subjects, durable=False)


def audit_refusal(
    *,
    actor,
    action: str,
    operation: str,
    purpose: str,
    subjects: Iterable[Subject] = (),
    outcome: str = "refused",
    recipient: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Record a refused attempt and commit it at once. Call outside transaction.atomic()."""
    if outcome != Outcome.REFUSED:
        raise ValueError("audit_refusal records refusals only; use audit_record for the rest")
    if _in_callers_transaction():
        raise RuntimeError(
            "audit_refusal must be called outside transaction.atomic(): inside it, "
            "the refusal would be lost if the transaction rolls back"
        )
    fields, subjects = _prepare(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=subjects,
        outcome=outcome,
        recipient=recipient,
        detail=detail,
    )
    return _append(fields, subjects, durable=True)
