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
        value = value.astimezone(dt.UTC)
        if value.year >= 1000:  # the same text as strftime's, in a quarter of the time
            return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
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


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


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
) -> tuple[str, str, str, str, str]:
    """An event's document before its chain, seq and previous hash are known, in pieces.

    Five texts `(a, b, c, d, e)`. The document of an event in chain 1 is

        a + b + "1" + c + previous hash + d + seq + e

    and of an event in chain n (2 to CHAINS)

        a + ',"chain":' + n + b + "2" + c + previous hash + d + seq + e

    (the numbers as decimal text, the hash as its 64 hex digits; "1" and "2" are
    FIRST_CHAIN_FORMAT and FORMAT). The database fills them in under the head's lock;
    the result is byte for byte `canonical_document` of the finished event, which
    `verify` recomputes (and the tests compare, over generated events).

    How it cuts: the document is written once with 0 and "" in the four places. Keys
    are sorted, and a quote inside a text value is always escaped, so each cut's marks
    can only appear where the document's own keys are, except inside `detail` (a JSON
    object of anything), which comes after "chain" and before the others: "chain" is
    found from the left, the rest from the right.
    """
    document = _document({**fields, "seq": 0, "previous_hash": ""}, subjects)
    document["chain"] = document["format"] = 0
    text = _dumps(document)
    a, mark, rest = text.partition(',"chain":0,')
    rest, mark_b, tail = rest.rpartition(',"format":0,')
    c, mark_c, tail = tail.rpartition(',"previous_hash":"",')
    d, mark_d, e = tail.rpartition(',"seq":0,')
    if not (mark and mark_b and mark_c and mark_d):
        raise AssertionError("the document's keys are not where they belong")
    return a, f',{rest},"format":', f',{c},"previous_hash":"', f'",{d},"seq":', f",{e}"


def assemble(pieces: tuple[str, str, str, str, str], chain: int, seq: int, previous: str) -> str:
    """What the database makes of `document_pieces` (for the tests, and to read it by)."""
    a, b, c, d, e = pieces
    if chain == 1:
        return f"{a}{b}{FIRST_CHAIN_FORMAT}{c}{previous}{d}{seq}{e}"
    return f'{a},"chain":{chain}{b}{FORMAT}{c}{previous}{d}{seq}{e}'
