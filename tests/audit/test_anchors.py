"""Anchors: the chains' heads, signed, outside the database; forged anchors are found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lantern.audit.anchors import anchor_files, audit_anchor, read_anchor_lines, sign
from lantern.audit.chain import CHAINS, GENESIS_HASH
from lantern.audit.models import AuditEvent
from lantern.audit.services import audit_record
from lantern.audit.testing import on_chain
from lantern.audit.verify import verify_audit_log
from lantern.settings.base import require_anchor_key

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
KEY = b"test-only-audit-anchor-key-" + b"k" * 40


def some_events(actor, n: int = 3) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action="consultation", operation="person.view", purpose="x")
        for _ in range(n)
    ]


def lines(folder: Path) -> list[str]:
    return [line for path in anchor_files(folder) for line in path.read_text().splitlines()]


def append(folder: Path, text: str) -> None:
    path = anchor_files(folder)[-1]
    with path.open("a") as handle:
        handle.write(text + "\n")


def test_an_anchor_records_the_last_event_of_every_chain_signed(
    mash_worker, anchor_folder, settings
):
    last = some_events(mash_worker)[-1]
    with on_chain(3):
        third = some_events(mash_worker, 2)[-1]
    assert (last.chain, third.chain) == (1, 3)
    assert not anchor_folder.exists()
    anchor = audit_anchor()
    assert anchor_folder.is_dir()  # made when missing
    assert anchor.heads[0] == (1, last.seq, last.hash)
    assert anchor.heads[2] == (3, third.seq, third.hash)
    assert [c for c, _, _ in anchor.heads] == list(range(1, CHAINS + 1))
    # Chains with no events are anchored too, at 0 and 64 zeros.
    assert anchor.heads[1] == (2, 0, GENESIS_HASH)
    assert anchor.heads[3:] == tuple((c, 0, GENESIS_HASH) for c in range(4, CHAINS + 1))
    assert anchor.path.name.startswith("audit-anchors-") and anchor.path.suffix == ".jsonl"
    written = json.loads(lines(anchor_folder)[-1])
    assert written["format"] == 2
    assert written["heads"][0] == [1, last.seq, last.hash]
    assert len(written["heads"]) == CHAINS
    key = settings.AUDIT_ANCHOR_KEY.encode()
    assert written["signature"] == sign(key, anchor.heads, written["anchored_at"])
    result = verify_audit_log()
    assert result.ok and result.anchors_checked == 1


def test_an_anchor_from_before_the_chains_still_verifies_as_chain_1(mash_worker, anchor_folder):
    """Format 1 lines, written when the log was one chain, name chain 1's head."""
    last = some_events(mash_worker)[-1]
    anchored_at = "2026-11-01T00:00:00.000000Z"
    old = {"anchored_at": anchored_at, "format": 1, "hash": last.hash, "seq": last.seq}
    old["signature"] = sign(KEY, ((1, last.seq, last.hash),), anchored_at, format=1)
    anchor_folder.mkdir()
    (anchor_folder / "audit-anchors-2026-11.jsonl").write_text(json.dumps(old) + "\n")
    (line,) = read_anchor_lines()
    assert line.anchor.heads == ((1, last.seq, last.hash),)
    result = verify_audit_log()
    assert result.ok and result.anchors_checked == 1
    # ...and it still catches a rewrite of chain 1.
    forged = dict(old, hash="e" * 64)
    forged["signature"] = sign(KEY, ((1, last.seq, "e" * 64),), anchored_at, format=1)
    append(anchor_folder, json.dumps(forged))
    problem = verify_audit_log().first
    assert (problem.kind, problem.chain, problem.seq) == ("anchor", 1, last.seq)


def test_anchors_are_appended_one_line_each(mash_worker, anchor_folder):
    some_events(mash_worker, 1)
    audit_anchor()
    some_events(mash_worker, 2)
    audit_anchor()
    assert len(lines(anchor_folder)) == 2
    first, second = (line.anchor.head(1)[1] for line in read_anchor_lines())
    assert second == first + 2
    assert verify_audit_log().anchors_checked == 2


def _forge(anchor_folder: Path, **changes) -> None:
    line = json.loads(lines(anchor_folder)[-1])
    line.update(changes)
    append(anchor_folder, json.dumps(line))


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param(
            lambda line: {"heads": [[c, s + 5 * (c == 1), h] for c, s, h in line["heads"]]},
            id="later-seq",
        ),
        pytest.param(
            lambda line: {"heads": [[c, s, "0" * 64] for c, s, h in line["heads"]]},
            id="other-hash",
        ),
        pytest.param(lambda line: {"heads": line["heads"][:1]}, id="fewer-chains"),
        pytest.param(lambda line: {"anchored_at": "2020-01-01T00:00:00.000000Z"}, id="backdated"),
        pytest.param(lambda line: {"signature": "ab" * 32}, id="made-up-signature"),
    ],
)
def test_a_forged_anchor_line_is_found(mash_worker, anchor_folder, forgery):
    some_events(mash_worker)
    audit_anchor()
    line = json.loads(lines(anchor_folder)[-1])
    _forge(anchor_folder, **forgery(line))
    result = verify_audit_log()
    assert not result.ok
    assert [p.kind for p in result.problems] == ["anchor_signature"]
    assert "signature is not valid" in result.first.message
    assert result.anchors_checked == 1  # the genuine one


def test_an_anchor_signed_with_another_key_is_found(mash_worker, anchor_folder, settings):
    some_events(mash_worker)
    settings.AUDIT_ANCHOR_KEY = "an-attackers-own-key-" + "a" * 40
    audit_anchor()
    settings.AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-" + "k" * 40
    assert [p.kind for p in verify_audit_log().problems] == ["anchor_signature"]


def test_an_unreadable_anchor_line_is_found(mash_worker, anchor_folder):
    some_events(mash_worker)
    audit_anchor()
    append(anchor_folder, '{"seq": 3, "hash": "trunc')
    append(anchor_folder, json.dumps({"format": 1, "seq": -1, "hash": "x"}))
    append(anchor_folder, json.dumps({"format": 2, "heads": [[1, 2]], "anchored_at": "x"}))
    append(anchor_folder, json.dumps({"format": 3, "heads": [], "anchored_at": "x"}))
    problems = verify_audit_log().problems
    assert [p.kind for p in problems] == ["anchor_unreadable"] * 4
    assert "line 2 is not a readable anchor" in problems[0].message


@pytest.mark.parametrize("chain", [1, 4])
def test_a_signed_anchor_that_disagrees_with_the_log_is_found(mash_worker, anchor_folder, chain):
    """A genuine anchor whose event has since been replaced (here: signed by us, to test)."""
    some_events(mash_worker)
    with on_chain(chain):
        last = some_events(mash_worker)[-1]
    anchor = audit_anchor()
    heads = tuple((c, s, "e" * 64 if c == chain else h) for c, s, h in anchor.heads)
    _forge(
        anchor_folder,
        heads=[list(head) for head in heads],
        signature=sign(KEY, heads, anchor.anchored_at),
    )
    problem = verify_audit_log().first
    assert (problem.kind, problem.chain, problem.seq) == ("anchor", chain, last.seq)
    assert f"chain {chain} was rewritten" in problem.message


def test_without_the_key_anchors_cannot_be_written_or_checked(mash_worker, settings):
    some_events(mash_worker)
    audit_anchor()
    settings.AUDIT_ANCHOR_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="AUDIT_ANCHOR_KEY is not set"):
        audit_anchor()
    problems = verify_audit_log().problems
    assert [p.kind for p in problems] == ["anchor_key"]
    assert "1 anchors could not be checked" in problems[0].message


def test_an_anchor_folder_that_does_not_exist_yet_is_no_problem(mash_worker):
    some_events(mash_worker, 1)
    result = verify_audit_log()
    assert result.ok and result.anchors_checked == 0


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_a_missing_or_short_anchor_key_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="AUDIT_ANCHOR_KEY is not set"):
        require_anchor_key(key)
    assert require_anchor_key("x" * 32) == "x" * 32


@pytest.mark.first_run_only  # its own SQLite database, in a subprocess
def test_production_refuses_to_start_without_an_anchor_key(tmp_path):
    unwanted = {"DJANGO_SETTINGS_MODULE", "AUDIT_ANCHOR_KEY", "AUDIT_ANCHOR_KEY_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        SECRET_KEY="s" * 60,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        PYTHONPATH=str(ROOT / "src"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "lantern.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "AUDIT_ANCHOR_KEY is not set" in result.stderr
