"""`lantern seed --people N --seed S`: seed the synthetic borough into an empty database."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lantern.synth.services import borough_seed


class Command(BaseCommand):
    help = "Seed the synthetic borough of Kestrelford (synthetic people only, never real data)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000, help="How many people (5000).")
        parser.add_argument("--seed", type=int, default=1, help="The random seed (1).")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="The date the borough's history runs up to (YYYY-MM-DD; default today).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, people: int, seed: int, today, no_progress: bool, **options):
        bar = tqdm(
            total=people, unit=" people", disable=no_progress, desc="Seeding", smoothing=0.05
        )
        try:
            summary = borough_seed(people=people, seed=seed, today=today, progress=bar.update)
        except ValidationError as exc:
            raise CommandError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded Kestrelford: {summary.people:,} people as "
                f"{summary.source_records:,} agency records "
                f"({summary.persons:,} persons before linkage), {summary.events:,} events, "
                f"{summary.scenarios:,} planted scenarios, in {summary.seconds:,.1f} s."
            )
        )
