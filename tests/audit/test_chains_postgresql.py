"""On PostgreSQL, appends spread over the chains: a held head is skipped, never waited on
while another is free, and many writers at once leave every chain whole.

The lock tests hold heads from a second connection to the test database and never
commit, so they leave nothing behind. The concurrency test commits from many
connections, so it runs in a database of its own, made and dropped here.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from lantern.audit.chain import CHAINS
from lantern.audit.services import AuditWriteFailed, Subject, audit_record
from lantern.audit.verify import verify_audit_log

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 10  # more than CHAINS, so that some writers find every head held and wait
TRANSACTIONS = 30  # each


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite takes one writer at a time, on chain 1")


def record(actor, purpose: str = "Front-door enquiry"):
    return audit_record(
        actor=actor,
        action="consultation",
        operation="person.view",
        purpose=purpose,
        subjects=[Subject("people.person", 1, 1)],
    )


@contextlib.contextmanager
def held_heads(*chains: int) -> Iterator[None]:
    """Another transaction, on a connection of its own, holds these chains' heads."""
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM audit_auditchainhead WHERE id = ANY(%s) FOR UPDATE",
                [list(chains)],
            )
            assert sorted(row[0] for row in cursor.fetchall()) == sorted(chains)
        yield
    finally:
        other.rollback()
        other.close()


@contextlib.contextmanager
def lock_timeout(milliseconds: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


def test_an_append_takes_the_first_head_no_other_transaction_holds(mash_worker):
    with held_heads(1, 2, 4):
        first = record(mash_worker)
        again = record(mash_worker)  # this transaction holds head 3 now: its own lock is no bar
    assert (first.chain, again.chain) == (3, 3)
    assert again.previous_hash == first.hash
    # Once head 1 is free again it is the first free one (this transaction holds 1 and 3 then).
    assert record(mash_worker).chain == 1
    assert verify_audit_log().ok


def test_a_transaction_that_holds_a_head_never_waits(mash_worker):
    first = record(mash_worker)  # this test's transaction now holds head 1
    others = [c for c in range(1, CHAINS + 1) if c != first.chain]
    with held_heads(*others), lock_timeout(200):
        again = record(mash_worker)
    assert again.chain == first.chain and again.seq == first.seq + 1


def test_when_every_head_is_held_an_append_waits_for_one(mash_worker):
    with held_heads(*range(1, CHAINS + 1)), lock_timeout(300):
        started = time.monotonic()
        with pytest.raises(AuditWriteFailed) as caught:
            record(mash_worker)
        waited = time.monotonic() - started
    assert "lock timeout" in str(caught.value.__cause__)
    assert waited >= 0.25
    assert record(mash_worker).chain == 1  # once they are let go, it goes through
    assert verify_audit_log().ok


def test_the_append_is_one_statement_prepared_once_per_connection(mash_worker):
    """ADR 11: the server parses and plans the append once per connection, not per event."""
    for _ in range(3):
        record(mash_worker)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND NOT from_sql",
            ["%lantern_audit_append(%"],
        )
        assert cursor.fetchone()[0] == 1
    # While queries are logged it is run unprepared, so that the log shows its text.
    with CaptureQueriesContext(connection) as captured:
        event = record(mash_worker)
    assert any("lantern_audit_append(" in query["sql"] for query in captured)
    assert event.pk is not None and verify_audit_log().ok


# -- many writers at once, each on its own connection, in a database of their own --------


def writers(workers: int, transactions: int) -> None:
    """Runs in a child process on an empty database, after django.setup(): prints one
    JSON line."""
    import threading
    from collections import Counter

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from lantern.audit.models import AuditEvent
    from lantern.audit.services import Subject, audit_record
    from lantern.audit.verify import verify_audit_log

    call_command("migrate", verbosity=0)
    actor = get_user_model().objects.create(username="writer")
    start = threading.Barrier(workers)
    errors: list[str] = []
    committed = Counter()

    class RolledBack(Exception):
        pass

    def write(worker: int) -> None:
        try:
            start.wait()
            for number in range(transactions):
                events = 2 if number % 4 == 0 else 1
                try:
                    with transaction.atomic():
                        for _ in range(events):
                            audit_record(
                                actor=actor,
                                action="alteration",
                                operation="person.update",
                                purpose=f"Writer {worker}, transaction {number}",
                                subjects=[Subject("people.person", number, number)],
                            )
                        time.sleep(0.002)  # keep the head a moment, as a slow commit would
                        if number % 7 == 3:
                            raise RolledBack  # its events go, leaving no gap
                except RolledBack:
                    continue
                committed[worker] += events
        except Exception as exc:  # AuditWriteFailed above all; reported, and the test fails
            errors.append(f"writer {worker}: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify_audit_log()
    chains = Counter(AuditEvent.objects.values_list("chain", flat=True))
    print(
        json.dumps(
            {
                "errors": errors[:5],
                "committed": sum(committed.values()),
                "events": AuditEvent.objects.count(),
                "chains": {str(c): n for c, n in sorted(chains.items())},
                "verified": result.ok,
                "checked": result.events_checked,
                "problems": [p.message for p in result.problems[:5]],
            }
        )
    )


def _url(settings: dict, name: str) -> str:
    """A DATABASE_URL for database `name` on the test database's server, as the test's."""
    user = quote(settings["USER"] or "", safe="")
    password = quote(settings["PASSWORD"] or "", safe="")
    login = f"{user}:{password}@" if password else f"{user}@"
    where = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    options = {k: v for k, v in (settings.get("OPTIONS") or {}).items() if isinstance(v, str)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{login}{where}/{name}{query}"


@pytest.fixture
def own_database() -> Iterator[str]:
    """An empty database beside the test database; its DATABASE_URL."""
    name = f"lantern_audit_writers_{uuid.uuid4().hex[:12]}"
    admin = connections.create_connection("default")  # autocommit: CREATE DATABASE needs it
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield _url(admin.settings_dict, name)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def test_many_writers_at_once_spread_over_the_chains_and_every_chain_verifies(
    own_database, tmp_path
):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "lantern.settings.test",
        "DATABASE_URL": own_database,
        "AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    code = (
        "import django; django.setup(); "
        "from tests.audit.test_chains_postgresql import writers; "
        f"writers({WRITERS}, {TRANSACTIONS})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["verified"], result["problems"]
    assert result["events"] == result["checked"] == result["committed"]
    rolled_back = sum(1 for n in range(TRANSACTIONS) if n % 7 == 3)
    per_writer = sum(2 if n % 4 == 0 else 1 for n in range(TRANSACTIONS) if n % 7 != 3)
    assert rolled_back and result["committed"] == WRITERS * per_writer
    assert len(result["chains"]) > 1, result["chains"]
