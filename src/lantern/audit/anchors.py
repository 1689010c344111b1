"""Anchors: the heads of the log's chains, signed and kept outside the database.

An anchor is one JSON line appended to `AUDIT_ANCHOR_DIR/audit-anchors-YYYY-MM.jsonl`:

    {"anchored_at": ..., "format": 2, "heads": [[1, 1200, "9f2c..."], [2, 34, "07ab..."], ...],
     "signature": ...}

`heads` holds, for every chain 1 to CHAINS, its number, its last event's `seq`
and that event's hash (0 and 64 zeros for a chain with no events yet). Lines of
format 1, written before the log was striped, hold one `seq` and `hash`: they
are read as the head of chain 1, which is what they were.

The signature is HMAC-SHA256, keyed by AUDIT_ANCHOR_KEY, over the line's other
fields as canonical JSON. Someone who can rewrite the database but does not hold
the key cannot make the anchors agree with a rewritten or shortened chain:
`verify` checks that every anchored event is still there with the same hash.

Anchors are written by `lantern audit anchor` (run it from a timer every
minute), and after every AUDIT_ANCHOR_EVERY-th event of a chain once its
transaction has committed. Ship the folder somewhere the database's
administrators cannot write (a separate host, write-once storage) for the
anchors to be worth most. One folder belongs to one database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lantern.core import clock

from .chain import CHAINS, GENESIS_HASH, canonical_time

SINGLE_CHAIN_FORMAT = 1  # before the log was striped: one head, chain 1's
ANCHOR_FORMAT = 2
FILE_PREFIX = "audit-anchors-"

Head = tuple[int, int, str]  # (chain, seq, hash)


@dataclass(frozen=True)
class Anchor:
    heads: tuple[Head, ...]
    anchored_at: str
    signature: str
    format: int = ANCHOR_FORMAT
    path: Path | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        if self.path is None:
            return "an anchor"
        return f"the anchor at {self.path.name} line {self.line} ({self.anchored_at})"

    @property
    def events(self) -> int:
        """How many events the anchored chains held."""
        return sum(seq for _, seq, _ in self.heads)

    def head(self, chain: int) -> Head | None:
        return next((h for h in self.heads if h[0] == chain), None)

    def described(self) -> str:
        """e.g. "chain 1 at event 1,200, chain 2 at event 34" (chains with no events left out)."""
        parts = [f"chain {c} at event {seq:,}" for c, seq, _ in self.heads if seq > 0]
        return ", ".join(parts) or "no events yet"


@dataclass(frozen=True)
class AnchorLine:
    """One line of an anchor file: the anchor, or why it could not be read."""

    path: Path
    line: int
    anchor: Anchor | None
    error: str = ""


def anchor_dir() -> Path:
    configured = getattr(settings, "AUDIT_ANCHOR_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "audit-anchors"


def anchor_key() -> bytes:
    key = getattr(settings, "AUDIT_ANCHOR_KEY", "") or ""
    if not key:
        raise ImproperlyConfigured(
            "AUDIT_ANCHOR_KEY is not set, so the audit log cannot be anchored or its "
            "anchors checked: set AUDIT_ANCHOR_KEY or AUDIT_ANCHOR_KEY_FILE"
        )
    return key.encode("utf-8")


def _fields(heads: tuple[Head, ...], anchored_at: str, format: int) -> dict:
    """The signed fields of a line, as they are written."""
    if format == SINGLE_CHAIN_FORMAT:
        ((_, seq, digest),) = heads
        return {"format": format, "seq": seq, "hash": digest, "anchored_at": anchored_at}
    return {
        "format": format,
        "heads": [[c, seq, digest] for c, seq, digest in heads],
        "anchored_at": anchored_at,
    }


def _payload(heads: tuple[Head, ...], anchored_at: str, format: int) -> bytes:
    document = _fields(heads, anchored_at, format)
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(
    key: bytes, heads: tuple[Head, ...], anchored_at: str, *, format: int = ANCHOR_FORMAT
) -> str:
    return hmac.new(key, _payload(heads, anchored_at, format), hashlib.sha256).hexdigest()


def signature_valid(key: bytes, anchor: Anchor) -> bool:
    expected = sign(key, anchor.heads, anchor.anchored_at, format=anchor.format)
    return hmac.compare_digest(expected, anchor.signature)


def current_heads() -> tuple[Head, ...]:
    """Each chain's last committed event, from the events themselves (one indexed query each)."""
    from .models import AuditEvent

    heads = []
    for chain in range(1, CHAINS + 1):
        last = (
            AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash")
        ).first()
        seq, digest = last or (0, GENESIS_HASH)
        heads.append((chain, seq, digest))
    return tuple(heads)


def audit_anchor() -> Anchor:
    """Append the chains' current heads, signed, to this month's anchor file."""
    key = anchor_key()
    heads = current_heads()
    anchored_at = canonical_time(clock.now())
    signature = sign(key, heads, anchored_at)
    folder = anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{FILE_PREFIX}{anchored_at[:7]}.jsonl"
    line = json.dumps(
        {**_fields(heads, anchored_at, ANCHOR_FORMAT), "signature": signature},
        sort_keys=True,
        separators=(",", ":"),
    )
    # One write to a file opened for appending: concurrent anchors never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return Anchor(heads=heads, anchored_at=anchored_at, signature=signature, path=path)


def anchor_files(folder: Path | None = None) -> list[Path]:
    folder = folder or anchor_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if p.is_file())


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(name: str, value) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is missing")
    return value


def _heads(document: dict) -> tuple[Head, ...]:
    if document.get("format") == SINGLE_CHAIN_FORMAT:
        seq = document.get("seq")
        if not _whole(seq):
            raise ValueError("seq is not a whole number")
        return ((1, seq, _text("hash", document.get("hash"))),)
    heads = document.get("heads")
    if not isinstance(heads, list) or not heads:
        raise ValueError("heads is missing")
    found: list[Head] = []
    for head in heads:
        if not isinstance(head, list) or len(head) != 3:
            raise ValueError("a head is not [chain, seq, hash]")
        chain, seq, digest = head
        if not _whole(chain) or not _whole(seq):
            raise ValueError("a head's chain or seq is not a whole number")
        found.append((chain, seq, _text("a head's hash", digest)))
    if len({c for c, _, _ in found}) != len(found):
        raise ValueError("a chain is named twice")
    return tuple(found)


def _parse(text: str) -> Anchor:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    format = document.get("format")
    if format not in (SINGLE_CHAIN_FORMAT, ANCHOR_FORMAT):
        raise ValueError(f"unknown format {format!r}")
    return Anchor(
        heads=_heads(document),
        anchored_at=_text("anchored_at", document.get("anchored_at")),
        signature=_text("signature", document.get("signature")),
        format=format,
    )


def read_anchor_lines(folder: Path | None = None) -> Iterator[AnchorLine]:
    """Every line of every anchor file, one at a time (the files may be large)."""
    for path in anchor_files(folder):
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.decode("utf-8", "replace").strip()
                if not text:
                    continue
                try:
                    anchor = _parse(text)
                except ValueError as exc:  # JSONDecodeError is a ValueError
                    yield AnchorLine(path, number, None, str(exc))
                    continue
                yield AnchorLine(
                    path,
                    number,
                    Anchor(
                        heads=anchor.heads,
                        anchored_at=anchor.anchored_at,
                        signature=anchor.signature,
                        format=anchor.format,
                        path=path,
                        line=number,
                    ),
                )
