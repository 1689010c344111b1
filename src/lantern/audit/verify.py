"""Checking the audit log: the chain, its head and its anchors.

`verify_audit_log()` walks every event in `seq` order, a batch at a time (memory
stays flat however long the log is), recomputes each hash from the row and its
subjects, and checks that each event names the one before it. Then it reads
every anchor line, checks its signature, and checks that the event it names is
still there with the same hash.

It returns a `VerifyResult` whose `problems` are in chain order, the first
broken link first. Each problem says what is wrong in one sentence:

- `hash`: an event's contents (or its subjects) no longer match its hash;
- `link`: an event's previous_hash is not the hash of the event before it;
- `gap`: events are missing from the middle of the chain;
- `unreadable` / `out_of_place`: a row that cannot be read, or a seq outside 1, 2, 3...;
- `truncated`: an anchor or the chain head shows events beyond the end of the log;
- `anchor`: an anchored event now has a different hash (the log was rewritten);
- `head`: the chain head disagrees with the events (rows added outside Lantern);
- `anchor_signature`, `anchor_unreadable`, `anchor_key`: anchors that are forged,
  damaged, or that cannot be checked without AUDIT_ANCHOR_KEY.

What it cannot see: someone with write access to the database who appends new
events with correctly computed hashes after the last anchor. Anchoring every
minute, with the anchors shipped off the database host, bounds that window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max

from .anchors import Anchor, anchor_key, read_anchor_lines, signature_valid
from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from .models import AuditChainHead, AuditEvent, AuditSubject

BATCH_SIZE = 2000
MAX_PROBLEMS = 1000

KIND_ORDER = {
    kind: order
    for order, kind in enumerate(
        [
            "gap",
            "out_of_place",
            "unreadable",
            "hash",
            "link",
            "truncated",
            "anchor",
            "head",
            "anchor_signature",
            "anchor_unreadable",
            "anchor_key",
        ]
    )
}
_EVENT_COLUMNS = ("id", *HASHED_FIELDS, "hash")


@dataclass(frozen=True)
class Problem:
    kind: str
    seq: int | None  # where in the chain; None when the problem has no trusted place
    message: str

    def sort_key(self) -> tuple:
        return (self.seq is None, self.seq or 0, KIND_ORDER.get(self.kind, 99))


@dataclass
class VerifyResult:
    events_checked: int = 0
    anchors_checked: int = 0
    last_seq: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_not_listed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_not_listed


class _Problems:
    """Keeps the first `limit` problems in chain order, and counts the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, problem: Problem) -> None:
        self.items.append(problem)
        if len(self.items) > 2 * self.limit:
            self._trim()

    def _trim(self) -> None:
        self.items.sort(key=Problem.sort_key)
        self.dropped += max(0, len(self.items) - self.limit)
        del self.items[self.limit :]

    def result(self) -> tuple[list[Problem], int]:
        self._trim()
        return self.items, self.dropped


def _span(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first} to {last}"


def _fetch(queryset) -> list[dict]:
    """The batch's rows as dicts; a row the database cannot give back is marked unreadable."""
    try:
        return list(queryset.values(*_EVENT_COLUMNS))
    except Exception:  # a damaged value (e.g. a garbled time on SQLite) fails to convert
        rows = []
        for pk, seq in queryset.values_list("id", "seq"):
            try:
                rows.append(AuditEvent.objects.filter(pk=pk).values(*_EVENT_COLUMNS).get())
            except Exception:
                rows.append({"id": pk, "seq": seq, "_unreadable": True})
        return rows


def _subjects(first_seq: int, last_seq: int) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        AuditSubject.objects.filter(event__seq__gte=first_seq, event__seq__lte=last_seq)
        .order_by()
        .values_list("event_id", "record_type", "record_id", "person_id")
    )
    for event_id, record_type, record_id, person_id in rows.iterator(chunk_size=5000):
        found[event_id].append((record_type, record_id, person_id))
    return found


def _walk_chain(upto: int, batch_size: int, problems: _Problems) -> int:
    """Check every event up to `upto` in seq order; return how many were read."""
    expected, previous, link_known = 1, GENESIS_HASH, True
    checked = 0
    after: int | None = None
    while True:
        queryset = AuditEvent.objects.filter(seq__lte=upto).order_by("seq")
        if after is not None:
            queryset = queryset.filter(seq__gt=after)
        rows = _fetch(queryset[:batch_size])
        if not rows:
            return checked
        subjects = _subjects(rows[0]["seq"], rows[-1]["seq"])
        for row in rows:
            checked += 1
            seq = row["seq"]
            if seq < expected:
                problems.add(
                    Problem(
                        "out_of_place",
                        seq,
                        f"Event {seq} is outside the chain, which starts at event 1: "
                        "it was added outside Lantern.",
                    )
                )
                continue
            if seq > expected:
                problems.add(
                    Problem(
                        "gap",
                        expected,
                        f"The chain has a gap: {_span(expected, seq - 1)} "
                        f"{'is' if seq - 1 == expected else 'are'} missing.",
                    )
                )
                link_known = False
            if row.get("_unreadable"):
                problems.add(
                    Problem("unreadable", seq, f"Event {seq} cannot be read: it was damaged.")
                )
                previous, expected, link_known = None, seq + 1, False
                continue
            try:
                recomputed = event_hash(row, subjects.get(row["id"], ()))
            except Exception:  # a value of a type no honest row holds
                recomputed = None
            if recomputed != row["hash"]:
                problems.add(
                    Problem(
                        "hash",
                        seq,
                        f"Event {seq} was altered: its contents or the records it names "
                        "no longer match its hash.",
                    )
                )
            if link_known and row["previous_hash"] != previous:
                before = "64 zeros" if seq == 1 else f"the hash of event {seq - 1}"
                problems.add(
                    Problem(
                        "link",
                        seq,
                        f"Event {seq} is not linked to the event before it: its previous_hash "
                        f"is not {before}.",
                    )
                )
            previous, expected, link_known = row["hash"], seq + 1, True
        after = rows[-1]["seq"]


def _head() -> tuple[int, str] | None:
    return AuditChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()


def _top() -> int:
    return AuditEvent.objects.order_by().aggregate(top=Max("seq"))["top"] or 0


def _check_head(before, top: int, after, problems: _Problems) -> None:
    # Appends move the head and add the event in one commit, so read in this order
    # an honest log always has before <= top <= after.
    if before is not None and before[0] > top:
        problems.add(
            Problem(
                "truncated",
                top + 1,
                f"The log ends at event {top}, but the chain head records event {before[0]}: "
                f"{_span(top + 1, before[0])} {'was' if before[0] == top + 1 else 'were'} "
                "removed.",
            )
        )
    elif before is not None and before[0] > 0:
        at_head = AuditEvent.objects.filter(seq=before[0]).values_list("hash", flat=True).first()
        if at_head is not None and at_head != before[1]:
            problems.add(
                Problem(
                    "head",
                    before[0],
                    f"Event {before[0]} is not the event the chain head records: "
                    "the log was rewritten.",
                )
            )
    if after is not None and after[0] < top:
        problems.add(
            Problem(
                "head",
                after[0] + 1,
                f"{_span(after[0] + 1, top).capitalize()} "
                f"{'is' if after[0] + 1 == top else 'are'} beyond the chain head "
                f"(event {after[0]}): added outside Lantern.",
            )
        )


def _check_anchor_batch(anchors: list[Anchor], problems: _Problems) -> None:
    seqs = {a.seq for a in anchors if a.seq > 0}
    hashes = dict(AuditEvent.objects.filter(seq__in=seqs).order_by().values_list("seq", "hash"))
    top = None
    for anchor in anchors:
        if anchor.seq == 0:
            if anchor.hash != GENESIS_HASH:
                problems.add(Problem("anchor", 0, f"{anchor.where} records an impossible start."))
            continue
        found = hashes.get(anchor.seq)
        if found is None:
            top = _top() if top is None or top < anchor.seq else top
            if anchor.seq > top:
                problems.add(
                    Problem(
                        "truncated",
                        top + 1,
                        f"The log ends at event {top}, but {anchor.where} shows event "
                        f"{anchor.seq} existed: {_span(top + 1, anchor.seq)} "
                        f"{'was' if anchor.seq == top + 1 else 'were'} removed.",
                    )
                )
            else:
                problems.add(
                    Problem(
                        "anchor",
                        anchor.seq,
                        f"Event {anchor.seq}, recorded by {anchor.where}, is missing.",
                    )
                )
        elif found != anchor.hash:
            problems.add(
                Problem(
                    "anchor",
                    anchor.seq,
                    f"Event {anchor.seq} is not the event {anchor.where} recorded: "
                    f"the log was rewritten at or before event {anchor.seq}.",
                )
            )


def _check_anchors(folder: Path | None, batch_size: int, problems: _Problems) -> int:
    try:
        key = anchor_key()
    except ImproperlyConfigured:
        key = None
    checked = unchecked = 0
    pending: list[Anchor] = []
    for line in read_anchor_lines(folder):
        if line.anchor is None:
            problems.add(
                Problem(
                    "anchor_unreadable",
                    None,
                    f"{line.path.name} line {line.line} is not a readable anchor ({line.error}).",
                )
            )
            continue
        if key is None:
            unchecked += 1
            continue
        if not signature_valid(key, line.anchor):
            problems.add(
                Problem(
                    "anchor_signature",
                    None,
                    f"{line.anchor.where.capitalize()} claims event {line.anchor.seq} but its "
                    "signature is not valid: it was forged or altered.",
                )
            )
            continue
        checked += 1
        pending.append(line.anchor)
        if len(pending) >= batch_size:
            _check_anchor_batch(pending, problems)
            pending = []
    if pending:
        _check_anchor_batch(pending, problems)
    if unchecked:
        problems.add(
            Problem(
                "anchor_key",
                None,
                f"AUDIT_ANCHOR_KEY is not set, so {unchecked} anchors could not be checked.",
            )
        )
    return checked


def verify_audit_log(
    *,
    batch_size: int = BATCH_SIZE,
    max_problems: int = MAX_PROBLEMS,
    anchor_folder: Path | None = None,
) -> VerifyResult:
    """Check the whole audit log and its anchors (in AUDIT_ANCHOR_DIR unless given)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    problems = _Problems(max_problems)
    head_before = _head()
    top = _top()
    head_after = _head()
    result = VerifyResult(last_seq=top)
    result.events_checked = _walk_chain(top, batch_size, problems)
    _check_head(head_before, top, head_after, problems)
    result.anchors_checked = _check_anchors(anchor_folder, batch_size, problems)
    result.problems, result.problems_not_listed = problems.result()
    return result
