"""`lantern link`: link source records into people, with progress bars and a summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lantern.linkage.services import link_records
from lantern.linkage.spark import SparkUnavailable

STAGES = {"prepare": "Preparing", "score": "Scoring pairs"}


class Command(BaseCommand):
    help = (
        "Link every agency's source records into people with the trained model "
        "(Splink on DuckDB, or on Spark with --engine spark). Doubtful pairs, and pairs "
        "who share a household, go to review."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--new",
            action="store_true",
            help="Only records received since the last run, linked to the people already known.",
        )
        parser.add_argument(
            "--engine",
            choices=["duckdb", "spark"],
            default="duckdb",
            help="duckdb (embedded, default) or spark (for a region or a national unit).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, new: bool, engine: str, no_progress: bool, **options):
        bars: dict[str, tqdm] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if no_progress:
                return
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=STAGES.get(stage, stage.capitalize()))
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        try:
            run = link_records(new_only=new, progress=progress, engine_name=engine)
        except SparkUnavailable as problem:
            raise CommandError(f"{problem} Or link with --engine duckdb.") from problem
        finally:
            for bar in bars.values():
                bar.close()
        t = run.timings
        self.stdout.write(
            self.style.SUCCESS(
                f"Linked {run.records:,} records in {t.get('total', 0):.1f} s: "
                f"{run.links_made:,} joined to another record of the same person; "
                f"{run.people_before:,} people before, {run.people_after:,} after; "
                f"{run.reviews_queued:,} pairs sent to review"
                + (
                    f"; {run.refused_by_decision:,} links refused because a reviewer "
                    "kept the records apart or they share a household"
                    if run.refused_by_decision
                    else ""
                )
                + "."
            )
        )
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in t.items() if isinstance(v, float))
        self.stdout.write(f"Time: {stages}.")
