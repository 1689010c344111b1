"""Anchors: the chain's head, signed, outside the database; forged anchors are found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lantern.audit.anchors import anchor_files, audit_anchor, read_anchor_lines, sign
from lantern.audit.models import AuditEvent
from lantern.audit.services import audit_record
from lantern.audit.verify import verify_audit_log
from lantern.settings.base import require_anchor_key

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


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


def test_an_anchor_records_the_last_event_signed(mash_worker, anchor_folder, settings):
    last = some_events(mash_worker)[-1]
    assert not anchor_folder.exists()
    anchor = audit_anchor()
    assert anchor_folder.is_dir()  # made when missing
    assert (anchor.seq, anchor.hash) == (last.seq, last.hash)
    assert anchor.path.name.startswith("audit-anchors-") and anchor.path.suffix == ".jsonl"
    written = json.loads(lines(anchor_folder)[-1])
    assert written["seq"] == last.seq and written["hash"] == last.hash
    key = settings.AUDIT_ANCHOR_KEY.encode()
    assert written["signature"] == sign(key, last.seq, last.hash, written["anchored_at"])
    result = verify_audit_log()
    assert result.ok and result.anchors_checked == 1


def test_anchors_are_appended_one_line_each(mash_worker, anchor_folder):
    some_events(mash_worker, 1)
    audit_anchor()
    some_events(mash_worker, 2)
    audit_anchor()
    assert len(lines(anchor_folder)) == 2
    assert [line.anchor.seq for line in read_anchor_lines()] == sorted(
        line.anchor.seq for line in read_anchor_lines()
    )
    assert verify_audit_log().anchors_checked == 2


def _forge(anchor_folder: Path, **changes) -> None:
    line = json.loads(lines(anchor_folder)[-1])
    line.update(changes)
    append(anchor_folder, json.dumps(line))


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param(lambda line: {"seq": line["seq"] + 5}, id="later-seq"),
        pytest.param(lambda line: {"hash": "0" * 64}, id="other-hash"),
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
    problems = verify_audit_log().problems
    assert [p.kind for p in problems] == ["anchor_unreadable", "anchor_unreadable"]
    assert "line 2 is not a readable anchor" in problems[0].message


def test_a_signed_anchor_that_disagrees_with_the_log_is_found(mash_worker, anchor_folder):
    """A genuine anchor whose event has since been replaced (here: signed by us, to test)."""
    last = some_events(mash_worker)[-1]
    anchor = audit_anchor()
    _forge(
        anchor_folder,
        hash="e" * 64,
        signature=sign(
            b"test-only-audit-anchor-key-" + b"k" * 40, last.seq, "e" * 64, anchor.anchored_at
        ),
    )
    problem = verify_audit_log().first
    assert (problem.kind, problem.seq) == ("anchor", last.seq)
    assert "the log was rewritten" in problem.message


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
