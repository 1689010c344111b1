"""How fast the audit log appends and verifies, and whether verify's memory stays flat.

Each step runs in its own process on a fresh SQLite database (or an emptied
PostgreSQL with --database-url), so peak memory (max RSS) is that step's own:

- append: N events through `audit_record`, each in its own transaction, with 3 subjects;
- concurrent: 8 threads appending at once; every chain must come out whole and gapless
  (on PostgreSQL the events spread over the chains; on SQLite they all go to chain 1);
- verify: a chain of N events (2 subjects each) is loaded in bulk, then a new process
  runs `verify_audit_log` over it. Memory must not grow with N.

    python benchmarks/audit_chain.py            # 20k appends; verify 100k and 1M events
    python benchmarks/audit_chain.py --quick    # 2k appends; verify 20k and 100k events

The last line is JSON: {"benchmark": "audit_chain", "figures": {...}, "targets": {...}, "met": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_VERIFY_SECONDS = 600  # 1M events
TARGET_VERIFY_PEAK_MB = 512


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(mode: str, count: int) -> None:
    """Runs inside the measured process: prints one JSON line of figures."""
    import django

    django.setup()
    from django.core.management import call_command

    if mode in {"append", "concurrent", "load"}:
        call_command("migrate", verbosity=0)
    from lantern.audit.services import Subject, audit_record

    started = time.perf_counter()
    extra: dict = {}
    if mode == "append":
        for n in range(count):
            audit_record(
                actor=None,
                action="consultation",
                operation="person.view",
                purpose="Benchmark",
                subjects=[Subject("people.person", n, n), Subject("people.sourcerecord", n, n)],
                detail={"n": n},
            )
    elif mode == "concurrent":
        extra = _concurrent(count, audit_record, Subject)
    elif mode == "load":
        from django.db import transaction

        with transaction.atomic():  # foreign keys are checked at commit
            _load(count)
    elif mode == "verify":
        from lantern.audit.verify import verify_audit_log

        result = verify_audit_log()
        extra = {"ok": result.ok, "events_checked": result.events_checked}
        if not result.ok:
            extra["first_problem"] = result.first.message
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_bytes": _peak(), **extra}))


def _concurrent(count: int, audit_record, Subject) -> dict:
    import threading

    from django.db import connection

    from lantern.audit.models import AuditEvent
    from lantern.audit.verify import verify_audit_log

    threads, errors = 8, []

    def work(worker: int) -> None:
        try:
            for n in range(count // threads):
                audit_record(
                    actor=None,
                    action="consultation",
                    operation="person.view",
                    purpose=f"Worker {worker}",
                    subjects=[Subject("people.person", n, n)],
                )
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    chains: dict[int, list[int]] = {}
    for chain, seq in AuditEvent.objects.order_by("chain", "seq").values_list("chain", "seq"):
        chains.setdefault(chain, []).append(seq)
    result = verify_audit_log()
    return {
        "threads": threads,
        "errors": errors[:3],
        "gapless": all(seqs == list(range(1, len(seqs) + 1)) for seqs in chains.values()),
        "events": sum(len(seqs) for seqs in chains.values()),
        "chains": len(chains),
        "ok": result.ok and not errors,
    }


def _load(count: int) -> None:
    """A valid chain (chain 1), written in bulk (as fast as the database takes rows)."""
    import datetime as dt

    from lantern.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
    from lantern.audit.models import AuditChainHead, AuditEvent, AuditSubject
    from lantern.core.bulk import BulkWriter

    events = BulkWriter(AuditEvent, ["id", *HASHED_FIELDS, "hash"])
    subjects = BulkWriter(AuditSubject, ["event", "record_type", "record_id", "person_id"])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    previous = GENESIS_HASH
    for seq in range(1, count + 1):
        fields = {
            "chain": 1,
            "seq": seq,
            "occurred_at": start + dt.timedelta(seconds=seq),
            "actor_id": None,
            "actor_username": "",
            "actor_agency": "",
            "action": "consultation",
            "operation": "people.search",
            "purpose": "Benchmark",
            "outcome": "allowed",
            "recipient": "",
            "request_path": "/people/",
            "request_method": "GET",
            "ip_address": "192.0.2.1",
            "user_agent": "bench",
            "request_id": f"{seq:032x}",
            "detail": {"page": seq % 7},
            "previous_hash": previous,
        }
        rows = [("people.person", str(seq), seq), ("people.sourcerecord", str(seq), seq)]
        digest = event_hash(fields, rows)
        events.add((seq, *(fields[f] for f in HASHED_FIELDS), digest))
        for row in rows:
            subjects.add((seq, *row))
        previous = digest
        if seq % 20_000 == 0:
            events.flush()
            subjects.flush()
    events.flush()
    subjects.flush()
    AuditChainHead.objects.filter(pk=1).update(last_seq=count, last_hash=previous)


def run_child(mode: str, count: int, env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(count)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{mode} {count:,} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def environment(folder: str, database_url: str | None) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lantern.settings.production",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "AUDIT_ANCHOR_KEY": "benchmark-only-anchor-key-" + "y" * 20,
        "AUDIT_ANCHOR_DIR": f"{folder}/anchors",
        "LANTERN_HOME": folder,
        "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
        "PYTHONPATH": str(ROOT / "src"),
    }
    if database_url:
        code = (
            "import django; django.setup(); from django.db import connection;"
            "c = connection.cursor(); c.execute('DROP SCHEMA public CASCADE');"
            "c.execute('CREATE SCHEMA public')"
        )
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes, under a minute.")
    parser.add_argument("--database-url", help="Measure on this (emptied!) PostgreSQL instead.")
    args = parser.parse_args()
    appends = 2_000 if args.quick else 20_000
    sizes = [20_000, 100_000] if args.quick else [100_000, 1_000_000]
    engine = "postgresql" if args.database_url else "sqlite"
    print(f"The audit log on {engine}, {os.cpu_count()} cores")
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as folder:
        append = run_child("append", appends, environment(folder, args.database_url))
        rate = appends / append["seconds"]
        figures["append"] = {"events": appends, "per_second": round(rate)}
        print(f"append      {appends:>10,} events   {rate:>8,.0f} events/s")
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as folder:
        together = run_child("concurrent", appends, environment(folder, args.database_url))
        figures["concurrent"] = {
            k: together[k] for k in ("threads", "events", "chains", "gapless", "ok", "errors")
        }
        print(
            f"concurrent  {together['events']:>10,} events   {together['threads']} threads, "
            f"{together['chains']} chains, each gapless: {together['gapless']}, "
            f"verified: {together['ok']}"
        )
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="lantern-bench-") as folder:
            env = environment(folder, args.database_url)
            load = run_child("load", size, env)
            check = run_child("verify", size, env)
        figures[str(size)] = {
            "load_seconds": round(load["seconds"], 1),
            "verify_seconds": round(check["seconds"], 1),
            "verify_peak_mb": round(check["peak_bytes"] / 1024**2),
            "ok": check["ok"],
        }
        peak_mb = check["peak_bytes"] / 1024**2
        print(
            f"verify      {size:>10,} events   {check['seconds']:>7.1f} s "
            f"({size / check['seconds']:>9,.0f} events/s), peak {peak_mb:,.0f} MB, "
            f"intact: {check['ok']}"
        )
    small, large = figures[str(sizes[0])], figures[str(sizes[-1])]
    print(
        f"Verify memory: {small['verify_peak_mb']} MB for {sizes[0]:,} events, "
        f"{large['verify_peak_mb']} MB for {sizes[-1]:,}."
    )
    met = None
    if sizes[-1] >= 1_000_000:
        met = (
            large["ok"]
            and figures["concurrent"]["ok"]
            and large["verify_seconds"] < TARGET_VERIFY_SECONDS
            and large["verify_peak_mb"] < TARGET_VERIFY_PEAK_MB
        )
    print(
        json.dumps(
            {
                "benchmark": "audit_chain",
                "figures": figures,
                "targets": {
                    "1000000_events_verify_seconds": TARGET_VERIFY_SECONDS,
                    "1000000_events_verify_peak_mb": TARGET_VERIFY_PEAK_MB,
                },
                "met": met,
            }
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
