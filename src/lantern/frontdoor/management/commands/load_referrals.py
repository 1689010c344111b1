"""`lantern load_referrals FILE --agency CODE [--dry-run]`: an agency's referrals, row by row."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lantern.frontdoor.batch import REQUIRED, BatchError, referrals_load


class Command(BaseCommand):
    help = (
        "Load an agency's referrals to the front door (CSV, UTF-8, header row naming at least "
        f"{', '.join(REQUIRED)}). Each row is reported; good rows load, bad rows do not."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="The referring agency's code.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, load none.")

    def handle(self, *args, file: Path, agency: str, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            report = referrals_load(agency=agency, data=data, dry_run=dry_run)
        except BatchError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        for outcome in report.outcomes:
            style = self.style.SUCCESS if outcome.loaded else self.style.ERROR
            self.stdout.write(style(("" if outcome.loaded else "Refused: ") + str(outcome)))
        verb = "would load" if dry_run else "loaded"
        self.stdout.write(
            f"{report.rows:,} rows: {verb} {report.loaded:,}, refused {report.refused_rows:,}."
        )
