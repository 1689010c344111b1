"""`lantern network_load FILE --as USERNAME [--dry-run]`: intelligence reports from a CSV
file, recorded as a police user, each report only if all its rows are good."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lantern.network.batch import OPTIONAL, REQUIRED, BatchError, reports_load


class Command(BaseCommand):
    help = (
        "Record intelligence reports from a CSV file (UTF-8, one row per link, rows sharing "
        f"a report_ref make one report; columns {', '.join(REQUIRED)}, and optionally "
        f"{', '.join(OPTIONAL)}: see lantern/network/batch.py). Every row is reported; a "
        "report is recorded only if all its rows are good."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="The police user who records them (the reports are theirs, and audited so).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, record none.")

    def handle(self, *args, file: Path, username: str, dry_run: bool, **options):
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user is called {username!r}")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            result = reports_load(actor=actor, data=data, dry_run=dry_run)
        except BatchError as exc:
            raise CommandError(str(exc)) from exc
        for row in result.rows:
            style = self.style.SUCCESS if row.good else self.style.ERROR
            for line in row.lines():
                self.stdout.write(style(line))
        verb = "would record" if dry_run else "recorded"
        reports = (
            len({r.report_ref for r in result.rows if r.good})
            if dry_run
            else (result.recorded_reports)
        )
        self.stdout.write(
            f"{len(result.rows):,} rows: {verb} {reports:,} reports "
            f"({result.good_rows:,} rows); refused {result.refused_reports:,} reports "
            f"({result.refused_rows:,} rows)."
        )
