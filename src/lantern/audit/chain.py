"""The hash chain: how one audit event's hash is worked out.

An event's hash is SHA-256 over a canonical JSON document (keys sorted, no
spaces, UTF-8) holding every field that means something: its place in the chain
(`seq`), when, who (the actor's id and the name and agency as they were then),
the s62 action and the operation, the purpose, the outcome, the recipient, the
request it came from, the free-form detail, the sorted list of records it
touched, and the previous event's hash. The first event follows 64 zeros.

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
FORMAT = 1

# The event's own columns that the hash covers, in no particular order (keys are sorted).
HASHED_FIELDS = (
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


def canonical_document(fields: Mapping[str, Any], subjects: Iterable[tuple]) -> bytes:
    document = {
        "format": FORMAT,
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
    return _dumps(document).encode("utf-8", "surrogatepass")


def event_hash(fields: Mapping[str, Any], subjects: Iterable[tuple]) -> str:
    """The hex SHA-256 of one event. `subjects` are (record_type, record_id, person_id)."""
    return hashlib.sha256(canonical_document(fields, subjects)).hexdigest()
