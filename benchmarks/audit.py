"""What auditing costs: on the pages people use most, and for writes on PostgreSQL.

1. Person page and search page, through Django's test client in one process, with
   the audit on and (in the same run, on the same data) with the audit write
   replaced by a no-op: the extra time per page. Measured at two borough sizes, to
   show how it grows. Target: under 10% extra.
2. Audited writes per second on PostgreSQL (a small write plus its audit event, one
   transaction each, on a durable server: fsync and synchronous commit on), beside
   the same writes without the audit event. Target: at least 1,000 per second.
3. How fast `lantern audit verify` walks the chain those writes made.

    python benchmarks/audit.py           # 10k and 40k people; 5,000 writes
    python benchmarks/audit.py --quick   # 2k and 8k people; 2,000 writes
    python benchmarks/audit.py --database-url postgres://...  # use this (emptied!) server

The last line is JSON: {"benchmark": "audit", "figures": {...}, "targets": {...}, "met": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_TARGET = 0.10
WRITES_TARGET = 1000


def _setup_django(folder: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings.demo")
    os.environ.setdefault("LANTERN_HOME", folder)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _signed_in_client(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client, user


def pages_child(people: int, rounds: int) -> None:
    """Runs in its own process and database: prints one JSON line."""
    import datetime as dt

    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's ALLOWED_HOSTS and no outbound mail
    from lantern.access.services import front_door_referral_open
    from lantern.partners.models import Team
    from lantern.people import selectors
    from lantern.people.models import Person
    from lantern.synth.demo import demo_users_ensure
    from lantern.synth.services import borough_seed

    today = dt.date(2026, 11, 1)
    borough_seed(people=people, seed=1, today=today)
    demo_users_ensure(today=today)
    client, user = _signed_in_client("mash.worker")
    person = (
        Person.objects.filter(
            source_records__agency__code="kestrelford-nhs", source_records__events__isnull=False
        )
        .order_by("pk")
        .first()
    )
    front_door_referral_open(
        actor=user, person=person, team=Team.objects.get(code="front-door"), reason="benchmark"
    )
    surname = person.family_name
    urls = {
        "person page": f"/people/{person.reference}/",
        "search page": f"/people/?name={surname}",
    }
    real = selectors.audit_record
    figures = {}
    for label, url in urls.items():
        assert client.get(url).status_code == 200
        on, off = [], []
        for _ in range(rounds):  # alternate, so drift hits both equally
            for timings, audit in ((on, real), (off, lambda **kwargs: None)):
                selectors.audit_record = audit
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200
        selectors.audit_record = real
        figures[label] = {
            "on_ms": statistics.median(on) * 1000,
            "off_ms": statistics.median(off) * 1000,
        }
    print(json.dumps(figures))


def writes_child(count: int) -> None:
    from django.db import connection, transaction

    from lantern.access.models import Notification
    from lantern.audit.services import Subject, audit_record
    from lantern.audit.verify import verify_audit_log
    from lantern.core import clock
    from lantern.people.models import Person

    now = clock.now()
    person = Person.objects.create(given_name="Bench", family_name="Mark", created_at=now)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="bench")
    results = {}
    for label, audited in (("without audit", False), ("with audit", True)):
        started = time.perf_counter()
        for number in range(count):
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind="bench",
                    message=f"note {number}",
                    person=person,
                    created_at=now,
                )
                if audited:
                    audit_record(
                        actor=user,
                        action="alteration",
                        operation="bench.write",
                        purpose="benchmark",
                        subjects=[Subject.person(person), Subject.of(note, person.pk)],
                    )
        results[label] = count / (time.perf_counter() - started)
    started = time.perf_counter()
    verified = verify_audit_log()
    results["verify_seconds"] = time.perf_counter() - started
    results["verify_events"] = count
    results["verify_ok"] = not verified.problems
    results["engine"] = connection.vendor
    print(json.dumps(results))


def run_child(args: list[str], env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL for the writes (it is emptied!)")
    args = parser.parse_args()
    sizes = [2_000, 8_000] if args.quick else [10_000, 40_000]
    rounds = 30 if args.quick else 60
    writes = 2_000 if args.quick else 5_000
    base_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "lantern.settings.demo",
        "DEBUG": "false",  # the demo settings with DEBUG off: plain static files
    }
    base_env.pop("DATABASE_URL", None)

    print("1. Audit cost on pages (SQLite, median of alternating requests)")
    print(f"{'people':>8} {'page':<12} {'audit on ms':>12} {'audit off ms':>13} {'extra':>7}")
    figures: dict = {"pages": {}}
    worst = 0.0
    for people in sizes:
        with tempfile.TemporaryDirectory(prefix="lantern-audit-bench-") as folder:
            env = {
                **base_env,
                "LANTERN_HOME": folder,
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "AUDIT_ANCHOR_DIR": f"{folder}/anchors",
            }
            pages = run_child(["pages", str(people), str(rounds)], env)
        for label, page in pages.items():
            extra = page["on_ms"] / page["off_ms"] - 1
            worst = max(worst, extra)
            figures["pages"][f"{people}:{label}"] = {
                **{k: round(v, 2) for k, v in page.items()},
                "extra": round(extra, 3),
            }
            print(
                f"{people:>8,} {label:<12} {page['on_ms']:>12.1f} {page['off_ms']:>13.1f} "
                f"{extra:>7.1%}"
            )

    print("\n2. Audited writes per second")
    started_pg = False
    url = args.database_url
    if not url:
        pg = subprocess.run(
            ["scripts/throwaway-postgres", "start"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            env={**os.environ, "DURABLE": "1", "PG_DIR_NAME": "bench-postgres"},
        )
        if pg.returncode != 0:
            print("   PostgreSQL is not installed: measuring on SQLite instead.")
        else:
            url, started_pg = pg.stdout.strip(), True
    try:
        with tempfile.TemporaryDirectory(prefix="lantern-audit-bench-") as folder:
            env = {
                **base_env,
                "LANTERN_HOME": folder,
                "AUDIT_ANCHOR_DIR": f"{folder}/anchors",
                "DATABASE_URL": url or f"sqlite:///{folder}/bench.sqlite3",
            }
            if url:
                code = (
                    "import django; django.setup(); from django.db import connection;"
                    "c = connection.cursor(); c.execute('DROP SCHEMA public CASCADE');"
                    "c.execute('CREATE SCHEMA public')"
                )
                subprocess.run([sys.executable, "-c", code], env=env, check=True)
            result = run_child(["writes", str(writes)], env)
    finally:
        if started_pg:
            subprocess.run(
                ["scripts/throwaway-postgres", "stop"],
                cwd=ROOT,
                env={**os.environ, "PG_DIR_NAME": "bench-postgres"},
                check=False,
            )
    figures["writes"] = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in result.items()}
    print(
        f"   on {result['engine']} (durable): {result['without audit']:,.0f} writes/s without "
        f"audit, {result['with audit']:,.0f} with ({writes:,} each)"
    )
    print(
        f"3. verify: {writes:,} events in {result['verify_seconds']:.2f} s "
        f"({writes / result['verify_seconds']:,.0f} events/s), chain intact: "
        f"{result['verify_ok']}"
    )
    met = (
        worst < PAGE_TARGET
        and result["with audit"] >= WRITES_TARGET
        and result["engine"] == "postgresql"
    )
    print(
        json.dumps(
            {
                "benchmark": "audit",
                "figures": figures,
                "targets": {
                    "page_extra": PAGE_TARGET,
                    "audited_writes_per_second_postgresql": WRITES_TARGET,
                },
                "met": met,
            }
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        with tempfile.TemporaryDirectory() as scratch:
            _setup_django(os.environ.get("LANTERN_HOME", scratch))
            if sys.argv[2] == "pages":
                pages_child(int(sys.argv[3]), int(sys.argv[4]))
            else:
                writes_child(int(sys.argv[3]))
    else:
        sys.exit(main())
