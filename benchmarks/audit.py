"""What auditing costs: on the pages people use most, and for writes on PostgreSQL.

1. Person page and search page, through Django's test client in one process, with
   the audit on and (in the same run, on the same data) with the audit write
   replaced by a no-op: the extra time per page. Measured at two borough sizes, to
   show how it grows. Target: under 10% extra.
2. Audited writes per second on PostgreSQL (a small write plus its audit event, one
   transaction each, on a durable server: fsync and synchronous commit on), beside
   the same writes without the audit event, with 1 client and with several at once
   (each client a process with its own connection, as a gunicorn server's workers
   are). Plain and audited alternate at each number of clients, in the same run;
   so does "one chain": audited, but every append forced onto chain 1, which is how
   the log was before it was striped (one head lock, so one commit at a time).
   Target: at least 1,000 audited writes per second. The clients share the machine's
   cores with PostgreSQL, and most of their CPU is Django's; so the same plain and
   audited writes are also sent by a thin client (psycopg, no ORM: Lantern's checks,
   its document pieces and its append statement), which shows PostgreSQL's own share.
3. How fast `lantern audit verify` walks the chains those writes made.

    python benchmarks/audit.py           # 10k and 40k people; 5,000 writes a measurement
    python benchmarks/audit.py --quick   # 2k and 8k people; 2,000 writes a measurement
    python benchmarks/audit.py --database-url postgres://...  # use this (emptied!) server
    python benchmarks/audit.py --skip-pages --clients 1,8     # only the writes, 1 and 8 clients
    python benchmarks/audit.py --skip-pages --hold-ms 5       # each write transaction stays open
                                      # 5 ms more (as on a slow disk): what the head lock costs

The last line is JSON: {"benchmark": "audit", "figures": {...}, "targets": {...}, "met": ...}
"""

from __future__ import annotations

import argparse
import contextlib
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
CLIENTS = (1, 2, 4, 8, 16)
ROUNDS = 2  # the modes alternate this many times at each number of clients
MODES = ("plain", "audited", "one chain")
# PostgreSQL's own share, with a client that costs it little: the same write and the same
# audit event (Lantern's checks, its document pieces and its append statement), sent
# through psycopg directly, without Django's ORM and transaction machinery around them.
THIN_MODES = ("plain, thin client", "audited, thin client")


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


def _writer(client: int, count: int, mode: str, hold: float, ids: tuple, start, finished) -> None:
    """One client: its own process and connection; `count` transactions once all are ready."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from lantern.access.models import Notification
    from lantern.audit.services import Subject, audit_record
    from lantern.audit.testing import on_chain
    from lantern.core import clock
    from lantern.people.models import Person

    audited = mode != "plain"
    user = get_user_model().objects.get(pk=ids[0])
    person = Person.objects.get(pk=ids[1])
    now = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0"
        )
        backend = cursor.fetchone()[0]
    if mode in THIN_MODES:
        connection.ensure_connection()
        writes = _thin_writes(connection.connection, client, count, mode, user, person, now)
    start.wait()
    cpu = time.process_time(), _server_cpu(backend)
    began = time.monotonic()  # one clock for every process (CLOCK_MONOTONIC)
    # "one chain": every append goes to chain 1, as when the log had one head.
    with on_chain(1) if mode == "one chain" else contextlib.nullcontext():
        if mode in THIN_MODES:
            writes()
        for number in range(0 if mode in THIN_MODES else count):
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind="bench",
                    message=f"note {client}.{number}",
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
                if hold:
                    time.sleep(hold)  # the transaction, and the head it holds, stay open
    ended = time.monotonic()
    server = _server_cpu(backend)
    client = time.process_time() - cpu[0]
    finished.put((began, ended, client, None if server is None else server - cpu[1]))
    connection.close()


def _thin_writes(raw, client: int, count: int, mode: str, user, person, now):
    """The thin client's loop: each write its own transaction, straight through psycopg."""
    import psycopg

    from lantern.audit.services import _APPEND_SQL, Subject, _prepare, append_parameters

    insert = (
        "INSERT INTO access_notification (recipient_id, kind, message, person_id, created_at) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id"
    )
    audited = mode == "audited, thin client"

    def run() -> None:
        raw.autocommit = False
        cursor = psycopg.Cursor(raw)
        for number in range(count):
            cursor.execute(
                insert, [user.pk, "bench", f"note {client}.{number}", person.pk, now], prepare=True
            )
            note_id = cursor.fetchone()[0]
            if audited:
                fields, subjects = _prepare(
                    actor=user,
                    action="alteration",
                    operation="bench.write",
                    purpose="benchmark",
                    subjects=[
                        Subject.person(person),
                        Subject("access.notification", note_id, person.pk),
                    ],
                    outcome="allowed",
                    recipient="",
                    detail=None,
                )
                rows = [subject.as_tuple() for subject in subjects]
                cursor.execute(_APPEND_SQL, append_parameters(fields, rows, None)[0], prepare=True)
                cursor.fetchone()
            raw.commit()
        raw.autocommit = True

    return run


def _server_cpu(pid: int) -> float | None:
    """CPU seconds a local PostgreSQL backend has used, or None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _writes_per_second(clients: int, count: int, mode: str, ids: tuple, hold: float = 0) -> dict:
    """`count` transactions shared by `clients` processes started together: how many per
    second, and the CPU each took (the clients' and, on a local server, their backends')."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked client opens its own
    context = multiprocessing.get_context("fork")
    start, finished = context.Barrier(clients), context.Queue()
    each = count // clients
    workers = [
        context.Process(target=_writer, args=(n, each, mode, hold, ids, start, finished))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    spans = [finished.get(timeout=1800) for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a writer failed (exit status {worker.exitcode})")
    seconds = max(span[1] for span in spans) - min(span[0] for span in spans)
    done = each * clients
    figures = {
        "per_second": done / seconds,
        "client_cpu_ms": sum(span[2] for span in spans) / done * 1000,
    }
    if all(span[3] is not None for span in spans):
        figures["server_cpu_ms"] = sum(span[3] for span in spans) / done * 1000
    return figures


def writes_child(count: int, clients: list[int], hold: float) -> None:
    from collections import Counter

    from django.contrib.auth import get_user_model
    from django.db import connection

    from lantern.audit.models import AuditEvent
    from lantern.audit.verify import verify_audit_log
    from lantern.core import clock
    from lantern.people.models import Person

    person = Person.objects.create(given_name="Bench", family_name="Mark", created_at=clock.now())
    user = get_user_model().objects.create(username="bench")
    ids = (user.pk, person.pk)
    _writes_per_second(1, 50, "audited", ids)  # warm the server up (and the audit path)
    modes = MODES + THIN_MODES if connection.vendor == "postgresql" else MODES[:2]
    results: dict = {"engine": connection.vendor, "clients": {}, "cpu_ms": {}, "cpu_split_ms": {}}
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    split: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    for n in clients:
        rates: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(ROUNDS):
            for mode in modes:
                measured = _writes_per_second(n, count, mode, ids, hold)
                rates[mode].append(measured["per_second"])
                if "server_cpu_ms" in measured:
                    cpu[mode].append(measured["client_cpu_ms"] + measured["server_cpu_ms"])
                    split[mode].append((measured["client_cpu_ms"], measured["server_cpu_ms"]))
        results["clients"][str(n)] = {
            label: statistics.mean(values) for label, values in rates.items()
        }
    for label, values in cpu.items():
        if values:  # CPU per write (client + its backend), the median over every measurement
            results["cpu_ms"][label] = statistics.median(values)
            results["cpu_split_ms"][label] = [
                statistics.median(part) for part in zip(*split[label], strict=True)
            ]
    chains = Counter(AuditEvent.objects.values_list("chain", flat=True))
    started = time.perf_counter()
    verified = verify_audit_log()
    results["verify_seconds"] = time.perf_counter() - started
    results["verify_events"] = verified.events_checked
    results["verify_ok"] = verified.ok
    results["chains_used"] = len(chains)
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
    parser.add_argument(
        "--clients", help=f"Numbers of clients writing at once, e.g. 1,8 (default {CLIENTS})"
    )
    parser.add_argument("--skip-pages", action="store_true", help="Measure only the writes.")
    parser.add_argument(
        "--hold-ms",
        type=float,
        default=0,
        help="Keep each write transaction open this much longer, as a slow commit would.",
    )
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
    if args.skip_pages:
        print("   skipped (--skip-pages)")
    print(f"{'people':>8} {'page':<12} {'audit on ms':>12} {'audit off ms':>13} {'extra':>7}")
    figures: dict = {"pages": {}}
    worst = 0.0
    for people in [] if args.skip_pages else sizes:
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

    print("\n2. Writes per second, plain and audited (and on one chain), by number of clients")
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
    clients = [int(n) for n in args.clients.split(",")] if args.clients else list(CLIENTS)
    if not url:
        clients = [1]  # SQLite takes one writer at a time
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
            result = run_child(
                ["writes", str(writes), ",".join(map(str, clients)), str(args.hold_ms / 1000)],
                env,
            )
    finally:
        if started_pg:
            subprocess.run(
                ["scripts/throwaway-postgres", "stop"],
                cwd=ROOT,
                env={**os.environ, "PG_DIR_NAME": "bench-postgres"},
                check=False,
            )
    durable = " (durable)" if result["engine"] == "postgresql" else ""
    held = f", each transaction held open {args.hold_ms:g} ms more" if args.hold_ms else ""
    print(
        f"   on {result['engine']}{durable}, {os.cpu_count()} cores, {writes:,} writes a "
        f"measurement, mean of {ROUNDS} alternating rounds{held}"
    )
    print(
        f"   {'clients':>7} {'plain/s':>9} {'audited/s':>10} {'one chain/s':>12} "
        f"{'audited/plain':>14} {'audited vs 1 client':>20} {'thin: plain/s':>14} "
        f"{'thin: audited/s':>16}"
    )
    by_clients = result["clients"]
    one = by_clients[str(clients[0])]["audited"]
    best_clients, best = None, 0.0
    for n in clients:
        row = by_clients[str(n)]
        if row["audited"] > best:
            best_clients, best = n, row["audited"]
        print(
            f"   {n:>7} {row['plain']:>9,.0f} {row['audited']:>10,.0f} "
            f"{row.get('one chain', float('nan')):>12,.0f} "
            f"{row['audited'] / row['plain']:>14.0%} {row['audited'] / one:>19.1f}x "
            f"{row.get(THIN_MODES[0], float('nan')):>14,.0f} "
            f"{row.get(THIN_MODES[1], float('nan')):>16,.0f}"
        )
    cpu_ms = result["cpu_ms"]
    if cpu_ms:
        cores = os.cpu_count() or 1
        print(
            f"   CPU per write (client process + its PostgreSQL backend, median): "
            f"{cpu_ms['plain']:.2f} ms plain, {cpu_ms['audited']:.2f} ms audited; so {cores} "
            f"idle cores could do at most {cores * 1000 / cpu_ms['plain']:,.0f} plain or "
            f"{cores * 1000 / cpu_ms['audited']:,.0f} audited writes/s"
        )
        print(
            "   of which in the client process / in PostgreSQL: "
            + ", ".join(
                f"{label} {client:.2f} / {server:.2f} ms"
                for label, (client, server) in result["cpu_split_ms"].items()
            )
        )
    reached = [n for n in clients if by_clients[str(n)]["audited"] >= WRITES_TARGET]
    if reached:
        print(
            f"   Through Lantern's Django code: {WRITES_TARGET:,} audited writes/s reached from "
            f"{reached[0]} client{'s' if reached[0] != 1 else ''} (best {best:,.0f}/s with "
            f"{best_clients})."
        )
    else:
        print(
            f"   Through Lantern's Django code: {WRITES_TARGET:,} audited writes/s NOT reached "
            f"(best {best:,.0f}/s with {best_clients} client{'s' if best_clients != 1 else ''})."
        )
    thin = [by_clients[str(n)].get(THIN_MODES[1], 0.0) for n in clients]
    if any(thin):
        print(
            f"   PostgreSQL's own share, with a thin client on the same cores (the same write "
            f"and audit event, no ORM): best {max(thin):,.0f} audited writes/s; "
            f"{WRITES_TARGET:,} {'reached' if max(thin) >= WRITES_TARGET else 'NOT reached'}."
        )
    figures["writes"] = {
        "engine": result["engine"],
        "writes_per_measurement": writes,
        "hold_ms": args.hold_ms,
        "clients": {n: {k: round(v, 1) for k, v in row.items()} for n, row in by_clients.items()},
        "best_audited_per_second": round(best, 1),
        "best_audited_thin_client_per_second": round(max(thin), 1) if any(thin) else None,
        "thin_client_reached_target": bool(any(thin) and max(thin) >= WRITES_TARGET),
        "best_audited_clients": best_clients,
        "target_reached_from_clients": reached[0] if reached else None,
        "cpu_ms_per_write": {k: round(v, 3) for k, v in cpu_ms.items()},
        "cpu_ms_per_write_client_server": {
            k: [round(v, 3) for v in pair] for k, pair in result["cpu_split_ms"].items()
        },
        "cpu_bound_ceiling_per_second": {
            k: round((os.cpu_count() or 1) * 1000 / v) for k, v in cpu_ms.items()
        },
        "chains_used": result["chains_used"],
        "verify_seconds": round(result["verify_seconds"], 2),
        "verify_events": result["verify_events"],
        "verify_ok": result["verify_ok"],
    }
    events = result["verify_events"]
    print(
        f"3. verify: {events:,} events in {result['chains_used']} chains in "
        f"{result['verify_seconds']:.2f} s ({events / result['verify_seconds']:,.0f} events/s), "
        f"every chain intact: {result['verify_ok']}"
    )
    writes_met = bool(reached) and result["verify_ok"] and result["engine"] == "postgresql"
    pages_met = worst < PAGE_TARGET if figures["pages"] else None  # None: not measured
    met = writes_met and pages_met
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
                clients = [int(n) for n in sys.argv[4].split(",")]
                writes_child(int(sys.argv[3]), clients, float(sys.argv[5]))
    else:
        sys.exit(main())
