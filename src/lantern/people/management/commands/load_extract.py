"""`lantern load_extract FILE --agency CODE`: load an agency's CSV extract, row by row."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lantern.people.extracts import REQUIRED, ExtractError, extract_load, report_csv


class Command(BaseCommand):
    help = (
        "Load an agency's extract (CSV, UTF-8, header row naming at least "
        f"{', '.join(REQUIRED)}). Good rows load; every refused row is reported with its reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="The agency's code.")
        parser.add_argument("--report", type=Path, help="Also write the problems to this CSV.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, load none.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args,
        file: Path,
        agency: str,
        report: Path | None,
        dry_run: bool,
        no_progress: bool,
        **options,
    ):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        lines = data.count(b"\n")
        bar = tqdm(total=lines, unit=" rows", disable=no_progress, desc="Loading")
        try:
            result = extract_load(
                actor=None, agency=agency, data=data, dry_run=dry_run, progress=bar.update
            )
        except ExtractError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        finally:
            bar.close()
        for problem in result.refused:
            self.stdout.write(self.style.ERROR(f"Refused: {problem}"))
        for problem in result.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {problem}"))
        if report:
            report.write_text(report_csv(result), encoding="utf-8")
        verb = "would load" if dry_run else "loaded"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows:,} rows: {verb} {result.loaded:,}, refused {result.refused_rows:,}, "
                f"{len(result.warnings):,} warnings."
                + (
                    ""
                    if dry_run or not result.loaded
                    else " Run `lantern link --new` to link them."
                )
            )
        )
