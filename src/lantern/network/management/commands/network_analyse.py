"""`lantern network_analyse`: recompute the network's connected groups and communities
from every link, and print what was found."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lantern.network import analysis

from .network_ingest import _summary_line


class Command(BaseCommand):
    help = "Recompute the network's groups and communities in full."

    def handle(self, *args, **options):
        summary = analysis.recompute()
        self.stdout.write(_summary_line(summary))
        self.stdout.write(
            f"(read {summary.read_seconds:.2f} s, analyse {summary.analyse_seconds:.2f} s, "
            f"write {summary.write_seconds:.2f} s)"
        )
