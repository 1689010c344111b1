"""Checking the audit log: its chains, their heads and the anchors.

`verify_audit_log()` walks every chain, each in `seq` order, a batch at a time
(memory stays flat however long the log is), recomputes each event's hash from
the row and its subjects, and checks that each event names the one before it in
its chain, and that each chain runs 1, 2, 3... with no gaps. It checks each
chain's head row against the chain's last event. Then it reads every anchor
line, checks its signature, and checks that every event it names is still there
with the same hash.

It returns a `VerifyResult` whose `problems` are in order of chain, then place in
the chain, the first broken link first. Each problem says what is wrong in one
sentence, naming the event as "event 17 of chain 2":

- `hash`: an event's contents (or its subjects) no longer match its hash;
- `link`: an event's previous_hash is not the hash of the event before it;
- `gap`: events are missing from the middle of a chain;
- `unreadable` / `out_of_place`: a row that cannot be read, or one outside the
  chains 1 to CHAINS or their numbering 1, 2, 3...;
- `truncated`: an anchor or a chain's head shows events beyond the end of it;
- `anchor`: an anchored event now has a different hash (the log was rewritten);
- `head`: a chain's head disagrees with its events (rows added outside Lantern);
- `orphan`: records named by an event that does not exist (subject rows added
  outside Lantern: the database keeps no foreign key from a subject to its event);
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
from django.db.models import Exists, Max, OuterRef

from .anchors import Anchor, anchor_key, read_anchor_lines, signature_valid
from .chain import CHAINS, GENESIS_HASH, HASHED_FIELDS, event_hash
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
            "orphan",
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
    chain: int | None  # where in the log; None when the problem has no trusted place
    seq: int | None
    message: str

    def sort_key(self) -> tuple:
        return (
            self.seq is None,
            self.chain or 0,
            self.seq or 0,
            KIND_ORDER.get(self.kind, 99),
        )

    @property
    def place(self) -> str:
        """e.g. "event 17 of chain 2", or "" when the problem has no place."""
        return "" if self.seq is None else _event(self.chain, self.seq)


@dataclass
class VerifyResult:
    events_checked: int = 0
    anchors_checked: int = 0
    chains: dict[int, int] = field(default_factory=dict)  # chain: its last seq (if any events)
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
    """Keeps the first `limit` problems in log order, and counts the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, kind: str, chain: int | None, seq: int | None, message: str) -> None:
        self.items.append(Problem(kind, chain, seq, message))
        if len(self.items) > 2 * self.limit:
            self._trim()

    def _trim(self) -> None:
        self.items.sort(key=Problem.sort_key)
        self.dropped += max(0, len(self.items) - self.limit)
        del self.items[self.limit :]

    def result(self) -> tuple[list[Problem], int]:
        self._trim()
        return self.items, self.dropped


def _event(chain: int | None, seq: int) -> str:
    return f"event {seq} of chain {chain}"


def _span(chain: int, first: int, last: int) -> str:
    if first == last:
        return _event(chain, first)
    return f"events {first} to {last} of chain {chain}"


def _were(first: int, last: int, singular: str, plural: str) -> str:
    return singular if first == last else plural


def _fetch(queryset) -> list[dict]:
    """The batch's rows as dicts; a row the database cannot give back is marked unreadable."""
    try:
        return list(queryset.values(*_EVENT_COLUMNS))
    except Exception:  # a damaged value (e.g. a garbled time on SQLite) fails to convert
        rows = []
        for pk, chain, seq in queryset.values_list("id", "chain", "seq"):
            try:
                rows.append(AuditEvent.objects.filter(pk=pk).values(*_EVENT_COLUMNS).get())
            except Exception:
                rows.append({"id": pk, "chain": chain, "seq": seq, "_unreadable": True})
        return rows


def _subjects(event_ids: list[int]) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        AuditSubject.objects.filter(event_id__in=event_ids)
        .order_by()
        .values_list("event_id", "record_type", "record_id", "person_id")
    )
    for event_id, record_type, record_id, person_id in rows.iterator(chunk_size=5000):
        found[event_id].append((record_type, record_id, person_id))
    return found


def _walk_chain(chain: int, upto: int, batch_size: int, problems: _Problems) -> int:
    """Check one chain's events up to `upto` in seq order; return how many were read."""
    outside = not 1 <= chain <= CHAINS
    expected, previous, link_known = 1, GENESIS_HASH, True
    checked = 0
    after: int | None = None
    while True:
        queryset = AuditEvent.objects.filter(chain=chain, seq__lte=upto).order_by("seq")
        if after is not None:
            queryset = queryset.filter(seq__gt=after)
        rows = _fetch(queryset[:batch_size])
        if not rows:
            return checked
        subjects = _subjects([row["id"] for row in rows])
        for row in rows:
            checked += 1
            seq = row["seq"]
            if outside:
                problems.add(
                    "out_of_place",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} is outside the chains, which are 1 to "
                    f"{CHAINS}: it was added outside Lantern.",
                )
                continue
            if seq < expected:
                problems.add(
                    "out_of_place",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} is outside the chain, which starts at "
                    "event 1: it was added outside Lantern.",
                )
                continue
            if seq > expected:
                problems.add(
                    "gap",
                    chain,
                    expected,
                    f"Chain {chain} has a gap: {_span(chain, expected, seq - 1)} "
                    f"{_were(expected, seq - 1, 'is', 'are')} missing.",
                )
                link_known = False
            if row.get("_unreadable"):
                problems.add(
                    "unreadable",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} cannot be read: it was damaged.",
                )
                previous, expected, link_known = None, seq + 1, False
                continue
            try:
                recomputed = event_hash(row, subjects.get(row["id"], ()))
            except Exception:  # a value of a type no honest row holds
                recomputed = None
            if recomputed != row["hash"]:
                problems.add(
                    "hash",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} was altered: its contents or the records "
                    "it names no longer match its hash.",
                )
            if link_known and row["previous_hash"] != previous:
                before = "64 zeros" if seq == 1 else f"the hash of event {seq - 1}"
                problems.add(
                    "link",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} is not linked to the event before it: "
                    f"its previous_hash is not {before}.",
                )
            previous, expected, link_known = row["hash"], seq + 1, True
        after = rows[-1]["seq"]


def _heads() -> dict[int, tuple[int, str]]:
    return {
        chain: (seq, digest)
        for chain, seq, digest in AuditChainHead.objects.values_list("id", "last_seq", "last_hash")
    }


def _tops() -> dict[int, int]:
    """Each chain's last seq (chains with no events left out); one query, one snapshot."""
    rows = AuditEvent.objects.order_by().values_list("chain").annotate(top=Max("seq"))
    return dict(rows)


def _top(chain: int) -> int:
    found = AuditEvent.objects.filter(chain=chain).order_by().aggregate(top=Max("seq"))["top"]
    return found or 0


def _check_head(chain: int, before, top: int, after, problems: _Problems) -> None:
    # Appends move a head and add its event in one commit, so read in this order
    # an honest chain always has before <= top <= after.
    if before is not None and before[0] > top:
        problems.add(
            "truncated",
            chain,
            top + 1,
            f"Chain {chain} ends at event {top}, but its head records event {before[0]}: "
            f"{_span(chain, top + 1, before[0])} "
            f"{_were(top + 1, before[0], 'was', 'were')} removed.",
        )
    elif before is not None and before[0] > 0:
        at_head = (
            AuditEvent.objects.filter(chain=chain, seq=before[0])
            .values_list("hash", flat=True)
            .first()
        )
        if at_head is not None and at_head != before[1]:
            problems.add(
                "head",
                chain,
                before[0],
                f"Event {before[0]} of chain {chain} is not the event its head records: "
                "the log was rewritten.",
            )
    if after is not None and after[0] < top:
        problems.add(
            "head",
            chain,
            after[0] + 1,
            f"{_span(chain, after[0] + 1, top).capitalize()} "
            f"{_were(after[0] + 1, top, 'is', 'are')} beyond the chain's head "
            f"(event {after[0]}): added outside Lantern.",
        )


def _check_orphans(problems: _Problems) -> None:
    """Subject rows naming no event: an anti-join, so one pass however long the log."""
    orphans = AuditSubject.objects.order_by().filter(
        ~Exists(AuditEvent.objects.filter(pk=OuterRef("event_id")))
    )
    count = orphans.count()
    if count:
        named = sorted({e for e in orphans.values_list("event_id", flat=True)[:5]})
        problems.add(
            "orphan",
            None,
            None,
            f"{count} record{'s are' if count != 1 else ' is'} named by audit events that do "
            f"not exist (event ids {', '.join(map(str, named))}"
            f"{'...' if count > len(named) else ''}): added outside Lantern.",
        )


def _check_anchor_batch(anchors: list[Anchor], tops: dict[int, int], problems: _Problems):
    wanted: dict[int, set[int]] = defaultdict(set)
    for anchor in anchors:
        for chain, seq, _ in anchor.heads:
            if seq > 0:
                wanted[chain].add(seq)
    hashes: dict[tuple[int, int], str] = {}
    for chain, seqs in wanted.items():
        rows = AuditEvent.objects.filter(chain=chain, seq__in=seqs).order_by()
        hashes.update({(chain, s): h for s, h in rows.values_list("seq", "hash")})
    for anchor in anchors:
        for chain, seq, digest in anchor.heads:
            if seq == 0:
                if digest != GENESIS_HASH:
                    problems.add("anchor", chain, 0, f"{anchor.where} records an impossible start.")
                continue
            found = hashes.get((chain, seq))
            if found is None:
                if tops.get(chain, 0) < seq:  # appended since verify began?
                    tops[chain] = _top(chain)
                top = tops[chain]
                if seq > top:
                    problems.add(
                        "truncated",
                        chain,
                        top + 1,
                        f"Chain {chain} ends at event {top}, but {anchor.where} shows event "
                        f"{seq} existed: {_span(chain, top + 1, seq)} "
                        f"{_were(top + 1, seq, 'was', 'were')} removed.",
                    )
                else:
                    problems.add(
                        "anchor",
                        chain,
                        seq,
                        f"Event {seq} of chain {chain}, recorded by {anchor.where}, is missing.",
                    )
            elif found != digest:
                problems.add(
                    "anchor",
                    chain,
                    seq,
                    f"Event {seq} of chain {chain} is not the event {anchor.where} recorded: "
                    f"chain {chain} was rewritten at or before event {seq}.",
                )


def _check_anchors(
    folder: Path | None, batch_size: int, tops: dict[int, int], problems: _Problems
) -> int:
    try:
        key = anchor_key()
    except ImproperlyConfigured:
        key = None
    checked = unchecked = 0
    pending: list[Anchor] = []
    for line in read_anchor_lines(folder):
        if line.anchor is None:
            problems.add(
                "anchor_unreadable",
                None,
                None,
                f"{line.path.name} line {line.line} is not a readable anchor ({line.error}).",
            )
            continue
        if key is None:
            unchecked += 1
            continue
        if not signature_valid(key, line.anchor):
            problems.add(
                "anchor_signature",
                None,
                None,
                f"{line.anchor.where.capitalize()} claims {line.anchor.described()} but its "
                "signature is not valid: it was forged or altered.",
            )
            continue
        checked += 1
        pending.append(line.anchor)
        if len(pending) >= batch_size:
            _check_anchor_batch(pending, tops, problems)
            pending = []
    if pending:
        _check_anchor_batch(pending, tops, problems)
    if unchecked:
        problems.add(
            "anchor_key",
            None,
            None,
            f"AUDIT_ANCHOR_KEY is not set, so {unchecked} anchors could not be checked.",
        )
    return checked


def verify_audit_log(
    *,
    batch_size: int = BATCH_SIZE,
    max_problems: int = MAX_PROBLEMS,
    anchor_folder: Path | None = None,
) -> VerifyResult:
    """Check every chain of the audit log and its anchors (in AUDIT_ANCHOR_DIR unless given)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    problems = _Problems(max_problems)
    heads_before = _heads()
    tops = _tops()
    heads_after = _heads()
    result = VerifyResult(chains=dict(sorted(tops.items())))
    for chain, top in sorted(tops.items()):
        result.events_checked += _walk_chain(chain, top, batch_size, problems)
    for chain in sorted(set(heads_before) | set(tops) | set(heads_after)):
        _check_head(
            chain, heads_before.get(chain), tops.get(chain, 0), heads_after.get(chain), problems
        )
    _check_orphans(problems)
    result.anchors_checked = _check_anchors(anchor_folder, batch_size, dict(tops), problems)
    result.problems, result.problems_not_listed = problems.result()
    return result
