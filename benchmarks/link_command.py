"""How long the whole `lantern link` command takes, stage by stage, at 100k and 1M records.

`benchmarks/linkage.py` times reading and the engine; the command also plans the moves,
writes them, refreshes the front door's key index and writes the audit event. This
times the command itself, in its own process, on a fresh copy of the cached synthetic
borough (the one `linkage.py` seeds: 70,000 and 700,000 people, about 100k and 1M
source records, seed 1), for two databases:

- keyed: records loaded the way Lantern loads them (seeding, `source_record_receive`),
  each with its front-door keys. The keys are built first, timed apart ("first key
  build"); then `lantern link`. This is the bulk link the target is about.
- new: a database whose records have no keys yet (the cached copy as it is): the
  command builds all of them in its index stage.

Baselines, measured in the same run on the same copy:
- bare read: the source records table alone (id, agency, names, date of birth, sex,
  postcode, person) fetched by Python's sqlite3 in a fresh process: the floor under
  the read stage.
- engine: the Splink scoring and clustering inside the command (its "engine" stage):
  the part this command does not own; everything else is Lantern's own work.

Every figure is wall-clock seconds (other work on the machine stretches all of them
alike; the JSON also has each command's CPU seconds and peak memory).

    python benchmarks/link_command.py                 # 100k and 1M (1M: ~6 minutes)
    python benchmarks/link_command.py --quick         # 10k and 100k, about two minutes
    python benchmarks/link_command.py --cases keyed   # only the keyed database

Target (issue 4): the whole bulk link on the 1M borough, keyed, under 60 s on two cores.

The last line is JSON: {"benchmark": "link_command", "figures": {...}, "targets": {...},
"met": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linkage_support import datasets

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "benchmarks" / "linkage"
TARGET_SECONDS = 60
TARGET_SIZE = "1m"
CASES = ("keyed", "new")
STAGES = ("read", "engine", "plan", "write", "index", "audit", "commit")

BARE_READ = """
import sqlite3, sys, time
started = time.perf_counter()
con = sqlite3.connect(sys.argv[1])
rows = con.execute(
    "SELECT id, agency_id, given_name, family_name, date_of_birth, sex, postcode, person_id "
    "FROM people_sourcerecord WHERE is_current"
).fetchall()
print(len(rows), time.perf_counter() - started)
"""

KEYS_BUILD = """
import time
import django
django.setup()
from django.db import transaction
from lantern.core.bulk import bulk_session
from lantern.linkage.frames import source_records_frame
from lantern.linkage.matching import keys_add
started = time.perf_counter()
with transaction.atomic(), bulk_session():
    written = keys_add(source_records_frame())
print(written, time.perf_counter() - started)
"""


def measured(args: list[str], env: dict) -> dict:
    """A child process: its output, wall seconds, its own CPU seconds and peak memory
    (read with os.wait4, so native memory such as DuckDB's counts)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(args[:4])} failed:\n{err.read()[-3000:]}")
        return {
            "out": out.read(),
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
        }


def lantern(*argv: str) -> list[str]:
    return [sys.executable, "-c", "from lantern.cli import main; main()", *argv]


def one_case(dataset, case: str, cache: Path) -> dict:
    """A fresh copy of the cached borough, migrated; for `keyed` its keys built first;
    then `lantern link`. Returns the figures."""
    with tempfile.TemporaryDirectory(prefix="lantern-link-") as folder:
        database = Path(folder) / "borough.sqlite3"
        shutil.copyfile(dataset.database(cache), database)
        env = datasets.django_env(folder, database)
        started = time.perf_counter()
        measured(lantern("migrate", "-v0"), env)
        figures: dict = {"migrate_seconds": round(time.perf_counter() - started, 1)}
        bare = measured([sys.executable, "-c", BARE_READ, str(database)], env)
        _rows, seconds = bare["out"].split()
        figures["bare_read_seconds"] = round(float(seconds), 2)
        if case == "keyed":
            keys = measured([sys.executable, "-c", KEYS_BUILD], env)
            written, seconds = keys["out"].split()
            figures["first_key_build"] = {
                "keys": int(written),
                "seconds": round(float(seconds), 1),
                "wall": round(keys["wall"], 1),
                "peak_mb": round(keys["peak_mb"]),
            }
        link = measured(lantern("link", "--no-progress"), env)
        figures["link"] = {
            "wall": round(link["wall"], 1),
            "cpu": round(link["cpu"], 1),
            "peak_mb": round(link["peak_mb"]),
            # The command's summary line (DuckDB may draw its own progress bar first).
            "summary": next(
                (line for line in link["out"].splitlines() if line.startswith("Linked")), ""
            ),
        }
        with sqlite3.connect(database) as con:
            records, links, reviews, before, after, timings = con.execute(
                "SELECT records, links_made, reviews_queued, people_before, people_after, "
                "timings FROM linkage_linkrun ORDER BY id DESC LIMIT 1"
            ).fetchone()
        timings = json.loads(timings)
        figures["stages"] = {s: timings.get(s) for s in STAGES}
        figures["total_in_command"] = timings.get("total")
        figures["outcome"] = {
            "records": records,
            "links_made": links,
            "reviews_queued": reviews,
            "people_before": before,
            "people_after": after,
        }
        figures["lantern_own_seconds"] = round(link["wall"] - (timings.get("engine") or 0), 1)
        return figures


def table(figures: dict, cases: list[str]) -> list[str]:
    header = (
        f"{'dataset':<13} {'case':<6} {'records':>9} | "
        + " ".join(f"{s:>6}" for s in STAGES)
        + f" | {'link s':>7} {'cpu s':>6} {'peak MB':>8} | {'keys s':>6} {'bare read':>9}"
    )
    lines = [header, "-" * len(header)]
    for name, by_case in figures.items():
        for case in cases:
            f = by_case.get(case)
            if not f:
                continue
            stages = " ".join(
                f"{f['stages'][s]:>6.1f}" if f["stages"].get(s) is not None else f"{'-':>6}"
                for s in STAGES
            )
            keys = f.get("first_key_build", {}).get("seconds")
            lines.append(
                f"{name:<13} {case:<6} {f['outcome']['records']:>9,} | {stages} | "
                f"{f['link']['wall']:>7.1f} {f['link']['cpu']:>6.1f} {f['link']['peak_mb']:>8,} | "
                f"{'-' if keys is None else f'{keys:.1f}':>6} {f['bare_read_seconds']:>9.1f}"
            )
    return lines


def growth(figures: dict, names: list[str], case: str) -> list[str]:
    if len(names) < 2 or not all(case in figures[n] for n in names):
        return []
    small, large = figures[names[0]][case], figures[names[-1]][case]
    factor = large["outcome"]["records"] / small["outcome"]["records"]
    lines = [f"Growth {names[0]} -> {names[-1]} ({case}): {factor:.1f}x the records took"]
    pairs = [("link (wall)", small["link"]["wall"], large["link"]["wall"])]
    pairs += [(s, small["stages"][s], large["stages"][s]) for s in STAGES]
    pairs.append(("bare read", small["bare_read_seconds"], large["bare_read_seconds"]))
    for label, a, b in pairs:
        if a is None or b is None:
            continue
        ratio = b / max(a, 1e-3)
        kind = "linear or better" if ratio < 1.3 * factor else "worse than linear"
        lines.append(f"  {label:<12} {a:>6.1f} s -> {b:>6.1f} s: {ratio:>5.1f}x ({kind})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only.")
    parser.add_argument(
        "--sizes",
        type=lambda s: [x.strip().lower() for x in s.split(",") if x.strip()],
        help="Borough sizes: 10k, 100k, 1m (default 100k,1m).",
    )
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        help="keyed, new (default both).",
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"Cache folder ({CACHE}).")
    args = parser.parse_args()
    sizes = args.sizes or (["10k", "100k"] if args.quick else ["100k", "1m"])
    if set(args.cases) - set(CASES):
        parser.error(f"cases are {', '.join(CASES)}")
    chosen = datasets.datasets_for(sizes, febrl=False)
    load_before = os.getloadavg()[0]
    print(
        f"`lantern link` on {os.cpu_count()} cores (load average {load_before:.1f}), SQLite; "
        f"boroughs cached in {args.cache}"
    )
    for dataset in chosen:
        done = datasets.ensure(dataset, args.cache)
        if done["seed_seconds"]:
            print(f"  {dataset.name}: seeded in {done['seed_seconds']:,.0f} s")

    figures: dict = {}
    for dataset in chosen:
        figures[dataset.name] = {}
        for case in args.cases:
            figures[dataset.name][case] = one_case(dataset, case, args.cache)
            print(f"  {dataset.name} {case}: {figures[dataset.name][case]['link']['summary']}")
    print()
    for line in table(figures, args.cases):
        print(line)
    print()
    names = [d.name for d in chosen]
    for case in args.cases:
        for line in growth(figures, names, case):
            print(line)
    for name, by_case in figures.items():
        keyed = by_case.get("keyed")
        if keyed:
            print(
                f"{name}: Lantern's own work (the command's wall time less the engine) "
                f"{keyed['lantern_own_seconds']:.1f} s; the bare read of the records table "
                f"{keyed['bare_read_seconds']:.1f} s; the first build of "
                f"{keyed['first_key_build']['keys']:,} keys "
                f"{keyed['first_key_build']['seconds']:.1f} s (once per database)."
            )
    load_after = os.getloadavg()[0]
    print(f"Load average {load_before:.1f} before the run, {load_after:.1f} after.")

    target_name = f"borough-{TARGET_SIZE}"
    checks: dict = {
        "bulk_link_seconds_under": TARGET_SECONDS,
        "measured_on": f"{target_name}, keyed",
    }
    met = None
    measured_figure = figures.get(target_name, {}).get("keyed")
    if measured_figure:
        seconds = measured_figure["link"]["wall"]
        checks["measured"] = {"bulk_link_seconds": seconds}
        met = seconds < TARGET_SECONDS
        print(
            f"Target on {target_name} (keyed): the whole `lantern link` {seconds:.1f} s "
            f"(< {TARGET_SECONDS} s): {'met' if met else 'NOT met'}."
        )
    else:
        print(f"Target: not measured (it needs the keyed case on {target_name}).")
    print(
        json.dumps(
            {
                "benchmark": "link_command",
                "figures": figures,
                "targets": checks,
                "met": met,
                "load_average": [round(load_before, 2), round(load_after, 2)],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
