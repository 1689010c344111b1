"""Anchors: the chain's head, signed and kept outside the database.

An anchor is one JSON line `{"anchored_at", "format", "hash", "seq", "signature"}`
appended to `AUDIT_ANCHOR_DIR/audit-anchors-YYYY-MM.jsonl`. The signature is
HMAC-SHA256, keyed by AUDIT_ANCHOR_KEY, over the line's other fields as
canonical JSON. Someone who can rewrite the database but does not hold the key
cannot make the anchors agree with a rewritten or shortened log: `verify`
checks that every anchored event is still there with the same hash.

Anchors are written by `lantern audit anchor` (run it from a timer every
minute), and after every AUDIT_ANCHOR_EVERY-th event once its transaction has
committed. Ship the folder somewhere the database's administrators cannot write
(a separate host, write-once storage) for the anchors to be worth most. One
folder belongs to one database.
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

from .chain import GENESIS_HASH, canonical_time

ANCHOR_FORMAT = 1
FILE_PREFIX = "audit-anchors-"


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    anchored_at: str
    signature: str
    path: Path | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        if self.path is None:
            return "an anchor"
        return f"the anchor at {self.path.name} line {self.line} ({self.anchored_at})"


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


def _payload(seq: int, digest: str, anchored_at: str) -> bytes:
    document = {"format": ANCHOR_FORMAT, "seq": seq, "hash": digest, "anchored_at": anchored_at}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(key: bytes, seq: int, digest: str, anchored_at: str) -> str:
    return hmac.new(key, _payload(seq, digest, anchored_at), hashlib.sha256).hexdigest()


def signature_valid(key: bytes, anchor: Anchor) -> bool:
    expected = sign(key, anchor.seq, anchor.hash, anchor.anchored_at)
    return hmac.compare_digest(expected, anchor.signature)


def audit_anchor() -> Anchor:
    """Append the chain's current head, signed, to this month's anchor file."""
    from .models import AuditEvent

    key = anchor_key()
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, digest = last or (0, GENESIS_HASH)
    now = clock.now()
    anchored_at = canonical_time(now)
    signature = sign(key, seq, digest, anchored_at)
    folder = anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{FILE_PREFIX}{anchored_at[:7]}.jsonl"
    line = json.dumps(
        {
            "anchored_at": anchored_at,
            "format": ANCHOR_FORMAT,
            "hash": digest,
            "seq": seq,
            "signature": signature,
        },
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
    return Anchor(seq=seq, hash=digest, anchored_at=anchored_at, signature=signature, path=path)


def anchor_files(folder: Path | None = None) -> list[Path]:
    folder = folder or anchor_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if p.is_file())


def _parse(text: str) -> Anchor:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    seq, digest = document.get("seq"), document.get("hash")
    anchored_at, signature = document.get("anchored_at"), document.get("signature")
    if document.get("format") != ANCHOR_FORMAT:
        raise ValueError(f"unknown format {document.get('format')!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError("seq is not a whole number")
    for name, value in (("hash", digest), ("anchored_at", anchored_at), ("signature", signature)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is missing")
    return Anchor(seq=seq, hash=digest, anchored_at=anchored_at, signature=signature)


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
                        seq=anchor.seq,
                        hash=anchor.hash,
                        anchored_at=anchor.anchored_at,
                        signature=anchor.signature,
                        path=path,
                        line=number,
                    ),
                )
