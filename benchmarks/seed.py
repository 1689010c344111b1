"""How long seeding the synthetic borough takes, and how much memory it needs.

For each size, in a fresh SQLite database (or PostgreSQL with --database-url):
- baseline: drawing the same borough in memory without writing it (the cost of
  the generator alone, measured in the same run);
- seed: `lantern seed`, everything written in one transaction.
Each size runs in its own process, so peak memory (max RSS) is that size's own.

    python benchmarks/seed.py            # 100k and 1M people (target: 1M < 10 min, < 4 GB)
    python benchmarks/seed.py --quick    # 10k and 50k, about a minute

The last line is JSON: {"benchmark": "seed", "figures": {...}, "targets": {...}, "met": ...}
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
TARGET_SECONDS = 600
TARGET_BYTES = 4 * 1024**3


def child(mode: str, people: int) -> None:
    """Runs inside the measured process: prints one JSON line of figures."""
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command

    today = dt.date(2026, 11, 1)
    started = time.perf_counter()
    if mode == "baseline":
        from lantern.synth.borough import Borough

        borough = Borough(people=people, seed=1, today=today)
        drawn = sum(len(household) for household in borough.households())
        extra = {"drawn": drawn}
    else:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        from lantern.synth.services import borough_seed

        summary = borough_seed(people=people, seed=1, today=today)
        extra = {
            "records": summary.source_records,
            "events": summary.events,
            "persons": summary.persons,
        }
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_bytes": peak, **extra}))


def measure(mode: str, people: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as folder:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lantern.settings.production",
            "SECRET_KEY": "benchmark-only-" + "x" * 50,
            "AUDIT_ANCHOR_KEY": "benchmark-only-" + "y" * 50,
            "LANTERN_HOME": folder,
            "DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
            "PYTHONPATH": str(ROOT / "src"),
        }
        if database_url and mode == "seed":
            reset_postgres(database_url, env)
        result = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(people)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"{mode} for {people:,} people failed:\n{result.stderr[-3000:]}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        if not database_url:
            figures["database_bytes"] = sum(
                p.stat().st_size for p in Path(folder).glob("bench.sqlite3*")
            )
        return figures


def reset_postgres(url: str, env: dict) -> None:
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('DROP SCHEMA public CASCADE');"
        "c.execute('CREATE SCHEMA public')"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes, about a minute.")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--database-url", help="Measure on this (emptied!) PostgreSQL instead.")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000, 50_000] if args.quick else [100_000, 1_000_000])
    engine = "postgresql" if args.database_url else "sqlite"
    print(f"Seeding the synthetic borough on {engine}, {os.cpu_count()} cores")
    print(
        f"{'people':>10} {'baseline s':>11} {'seed s':>9} {'people/s':>10} {'peak MB':>9} "
        f"{'records':>10} {'events':>10} {'db MB':>8}"
    )
    figures = {}
    for people in sizes:
        base = measure("baseline", people, args.database_url)
        seed = measure("seed", people, args.database_url)
        figures[str(people)] = {
            "baseline_seconds": round(base["seconds"], 1),
            "seconds": round(seed["seconds"], 1),
            "peak_mb": round(seed["peak_bytes"] / 1024**2),
            "records": seed["records"],
            "events": seed["events"],
        }
        print(
            f"{people:>10,} {base['seconds']:>11.1f} {seed['seconds']:>9.1f} "
            f"{people / seed['seconds']:>10,.0f} {seed['peak_bytes'] / 1024**2:>9,.0f} "
            f"{seed['records']:>10,} {seed['events']:>10,} "
            f"{seed.get('database_bytes', 0) / 1024**2:>8,.0f}"
        )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = figures[str(large)]["seconds"] / max(figures[str(small)]["seconds"], 1e-9)
        print(
            f"Growth: {large / small:,.0f}x the people took {ratio:,.1f}x the time "
            f"({'linear' if ratio < 1.3 * large / small else 'worse than linear'})."
        )
    largest = figures[str(max(sizes))]
    met = None
    if max(sizes) >= 1_000_000:
        met = largest["seconds"] < TARGET_SECONDS and largest["peak_mb"] * 1024**2 < TARGET_BYTES
    print(
        json.dumps(
            {
                "benchmark": "seed",
                "figures": figures,
                "targets": {
                    "1000000_people_seconds": TARGET_SECONDS,
                    "1000000_people_peak_mb": TARGET_BYTES // 1024**2,
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
