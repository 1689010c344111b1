"""`lantern audit anchor` and `lantern audit verify`: what they say and their exit status."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lantern.audit.anchors import read_anchor_lines
from lantern.audit.chain import CHAINS
from lantern.audit.models import AuditEvent
from lantern.audit.services import audit_record
from lantern.audit.testing import on_chain

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def events(actor, n: int) -> list:
    return [
        audit_record(actor=actor, action="consultation", operation="person.view", purpose="x")
        for _ in range(n)
    ]


def test_anchor_writes_an_anchor_and_says_where(mash_worker, anchor_folder):
    last = events(mash_worker, 2)[-1]
    with on_chain(2):
        second = events(mash_worker, 1)[-1]
    out, _ = run("anchor")
    total = AuditEvent.objects.count()
    assert f"Anchored the audit log's {CHAINS} chains ({total:,} events: " in out
    assert f"chain 1 at event {last.seq:,}, chain 2 at event {second.seq:,})" in out
    assert str(anchor_folder) in out
    (line,) = read_anchor_lines()
    assert line.anchor.head(1)[1] == last.seq and line.anchor.head(2)[1] == second.seq


def test_verify_reports_what_it_checked(mash_worker):
    last = events(mash_worker, 3)[-1]
    run("anchor")
    out, err = run("verify", "--batch-size", "2")
    assert out.strip() == (
        f"The audit log is intact: {last.seq:,} events checked (chain 1, unbroken from "
        f"event 1 to event {last.seq:,}) and 1 anchor checked."
    )
    assert err == ""


def test_verify_reports_every_chain(mash_worker):
    last = events(mash_worker, 2)[-1]
    with on_chain(5):
        fifth = events(mash_worker, 2)[-1]
    out, _ = run("verify")
    assert out.strip() == (
        f"The audit log is intact: {last.seq + 2:,} events checked (2 chains, each unbroken "
        f"from event 1: chain 1 to event {last.seq:,}, chain 5 to event {fifth.seq}) and "
        "0 anchors checked."
    )


def test_verify_names_the_first_broken_link_and_fails(mash_worker, tamper):
    with on_chain(3):
        written = events(mash_worker, 6)
    run("anchor")
    with tamper.sandbox():
        tamper.set_field((3, written[2].seq), "purpose", "changed")
        tamper.delete_event((3, written[4].seq))
        err = StringIO()
        with pytest.raises(CommandError) as caught:
            call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    first = written[2].seq
    assert str(caught.value).startswith(f"The first broken link is at event {first} of chain 3: ")
    assert f"Event {first} of chain 3 was altered" in str(caught.value)
    report = err.getvalue()
    assert report.startswith("The audit log failed verification: 2 problems found in ")
    assert f"  - Event {first} of chain 3 was altered" in report
    assert f"  - Chain 3 has a gap: event {written[4].seq} of chain 3 is missing." in report


def test_verify_without_a_subcommand_is_refused():
    with pytest.raises(CommandError, match=r"subcommand|required"):
        call_command("audit")


def lantern(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lantern.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.mark.first_run_only  # its own SQLite database, in subprocesses
def test_the_command_line_exit_status(tmp_path):
    """The real `lantern audit` on a database of its own: 0 when intact, 1 when not."""
    database = tmp_path / "audit.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "lantern.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),
        "PYTHONPATH": str(ROOT / "src"),
    }
    write = (
        "import django; django.setup()\n"
        "from lantern.audit.services import audit_record\n"
        "for _ in range(4):\n"
        "    audit_record(actor=None, action='collection', operation='extract.load',"
        " purpose='Nightly extract')\n"
    )
    steps = [
        lantern("migrate", "--verbosity", "0", env=env),
        subprocess.run([sys.executable, "-c", write], env=env, capture_output=True, text=True),
        lantern("audit", "anchor", env=env),
    ]
    for step in steps:
        assert step.returncode == 0, step.stderr[-3000:]
    intact = lantern("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert "The audit log is intact: 4 events checked" in intact.stdout
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_auditevent SET purpose = 'Nothing to see' WHERE seq = 2")
    broken = lantern("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "The first broken link is at event 2 of chain 1" in broken.stderr
