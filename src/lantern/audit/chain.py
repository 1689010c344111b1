"""The hash chains: how one audit event's hash is worked out.

The log is CHAINS independent hash chains ("stripes"), numbered 1 to CHAINS,
so that that many audited transactions can commit at once (ADR 0005). Each
event belongs to one chain and is numbered 1, 2, 3... within it.

An event's hash is SHA-256 over a canonical JSON document (keys sorted, no
spaces, UTF-8) holding every field that means something: its place (its chain
and its `seq` within the chain), when, who (the actor's id and the name and
agency as they were then), the s62 action and the operation, the purpose, the
outcome, the recipient, the request it came from, the free-form detail, the
sorted list of records it touched, and the previous event's hash in its chain.
The first event of every chain follows 64 zeros.

The chain number is hashed, so moving an event to another chain breaks its own
hash, not only the links around it; but chain 1 keeps writing the document of
FORMAT 1, which has no chain key. That is byte for byte the document of the
single chain the log was before it was striped, so a log written before then
verifies unchanged as chain 1, and carries on in chain 1. Chains 2 to CHAINS
write FORMAT 2: format 1 plus `"chain": n`. The two cannot be confused: the
format number is itself in the document.

The same function hashes an event when it is written and when `verify` reads it
back, so each value is put into one canonical form first: times as UTC with
microseconds, IP addresses as Python writes them, whole-number floats as ints
(PostgreSQL's jsonb gives `1.0` back as `1`). It never raises on odd values, so
a damaged row gives a wrong hash rather than stopping the check.

This module imports no models: settings, migrations and scripts may use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import math
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS_HASH = "0" * 64

# How many chains the log has. Eight lets eight audited transactions hold a head
# each and commit (and flush the WAL) together, which is more than two cores keep
# busy; more chains cost verify and the anchors a little and buy nothing here.
# Changing it needs a migration: head rows and the heads' check constraint.
CHAINS = 8

FIRST_CHAIN_FORMAT = 1  # chain 1: the single chain's document from before striping
FORMAT = 2  # chains 2 to CHAINS: the same document with the chain number in it

# The event's own columns that the hash covers, in no particular order (keys are sorted).
HASHED_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_agency",
    "action",
    "operation",
    "purpose",
    "outcome",
    "recipient",
    "request_path",
    "request_method",
    "ip_address",
    "user_agent",
    "request_id",
    "detail",
    "previous_hash",
)


def canonical_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def canonical_ip(value: Any) -> str | None:
    """One spelling per address: IPv4-mapped IPv6 becomes IPv4; IPv6 is compressed."""
    if value is None or value == "":
        return None
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return str(value)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def canonical_json(value: Any) -> Any:
    """JSON values as both databases give them back: whole-number floats as ints."""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, Mapping):
        return {str(k): canonical_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_json(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_subjects(subjects: Iterable[tuple[Any, Any, Any]]) -> list[list[Any]]:
    """Subjects as [record_type, record_id, person_id], in one fixed order."""
    rows = [[str(t), str(i), p] for t, i, p in subjects]
    rows.sort(key=_dumps)
    return rows


def _document(fields: Mapping[str, Any], subjects: Iterable[tuple]) -> dict:
    """The hashed document without its format and chain."""
    return {
        "seq": fields["seq"],
        "occurred_at": canonical_time(fields["occurred_at"]),
        "actor_id": fields["actor_id"],
        "actor_username": fields["actor_username"],
        "actor_agency": fields["actor_agency"],
        "action": fields["action"],
        "operation": fields["operation"],
        "purpose": fields["purpose"],
        "outcome": fields["outcome"],
        "recipient": fields["recipient"],
        "request_path": fields["request_path"],
        "request_method": fields["request_method"],
        "ip_address": canonical_ip(fields["ip_address"]),
        "user_agent": fields["user_agent"],
        "request_id": fields["request_id"],
        "detail": canonical_json(fields["detail"]),
        "subjects": canonical_subjects(subjects),
        "previous_hash": fields["previous_hash"],
    }


def canonical_document(fields: Mapping[str, Any], subjects: Iterable[tuple]) -> bytes:
    """The bytes that are hashed. `fields` without a "chain" are chain 1's."""
    chain = fields.get("chain", 1)
    document = _document(fields, subjects)
    if chain == 1 and not isinstance(chain, bool):
        document["format"] = FIRST_CHAIN_FORMAT
    else:
        document["format"] = FORMAT
        document["chain"] = chain
    return _dumps(document).encode("utf-8", "surrogatepass")


def event_hash(fields: Mapping[str, Any], subjects: Iterable[tuple]) -> str:
    """The hex SHA-256 of one event. `subjects` are (record_type, record_id, person_id)."""
    return hashlib.sha256(canonical_document(fields, subjects)).hexdigest()


def document_pieces(
    fields: Mapping[str, Any], subjects: Iterable[tuple]
) -> tuple[tuple[bytes, bytes, bytes], tuple[bytes, bytes, bytes, bytes]]:
    """An event's document before its chain, seq and previous hash are known, in pieces.

    For chain 1, `(p0, p1, p2)`: the document is p0 + previous hash + p1 + seq + p2.
    For the other chains, `(q0, q1, q2, q3)`: q0 + chain + q1 + previous hash + q2 +
    seq + q3. (The numbers as decimal text, the hash as its 64 hex digits.) The
    database fills them in under the head's lock; the result is byte for byte
    `canonical_document` of the finished event, which `verify` recomputes.
    """
    nonce = uuid.uuid4().hex  # marks no value can contain
    chain, form, previous, seq = (f"{name}-{nonce}" for name in ("chain", "form", "prev", "seq"))
    document = _document({**fields, "seq": seq, "previous_hash": previous}, subjects)
    document["chain"], document["format"] = chain, form
    text = _dumps(document).encode("utf-8", "surrogatepass")
    # Keys are sorted, so the marks come in this order: chain, format, previous_hash, seq.
    pieces = []
    for mark in (f'"{chain}"', f'"{form}"', previous, f'"{seq}"'):
        before, text = text.split(mark.encode(), 1)
        pieces.append(before)
    a, b, c, d = pieces  # a + chain + b + format + c + previous + d + seq + text
    chain_key = b',"chain":'  # "chain" follows "actor_username", so a ends with it
    if not a.endswith(chain_key):
        raise AssertionError("the chain key is not where it belongs in the document")
    first = (a[: -len(chain_key)] + b + str(FIRST_CHAIN_FORMAT).encode() + c, d, text)
    others = (a, b + str(FORMAT).encode() + c, d, text)
    return first, others
