"""`lantern network_ingest`: take into the network every police event that carries
network facts and was not taken yet (a seeded borough, an agency's backlog, a database
from before the network), then recompute the groups and communities in full. The live
flow takes each event as it is recorded; this is for what did not arrive that way.
Running it twice adds nothing."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from lantern.network import analysis, intake

CHUNK = 2000


class Command(BaseCommand):
    help = "Take the police's recorded events into the network, then recompute its groups."

    def handle(self, *args, **options):
        started = time.perf_counter()
        pending = list(intake.events_not_taken().values_list("pk", flat=True))
        reports = refused = without = 0
        for start in range(0, len(pending), CHUNK):
            chunk = intake.events_not_taken().filter(pk__in=pending[start : start + CHUNK])
            with transaction.atomic():
                taken = intake.events_taken(chunk, tell_alerts=False)
            reports += len(taken.reports)
            refused += len(taken.refused)
            without += taken.without_facts
            for event, reason in taken.refused.items():
                self.stderr.write(f"Event {event} not taken: {reason}")
        took = time.perf_counter() - started
        self.stdout.write(
            f"Took {reports:,} reports from {len(pending):,} police events in {took:.1f} s "
            f"({without:,} named no one else, no vehicle and no place; {refused:,} refused)."
        )
        summary = analysis.recompute()
        self.stdout.write(_summary_line(summary))


def _summary_line(summary) -> str:
    return (
        f"Analysed {summary.entities:,} entities and {summary.links:,} links in "
        f"{summary.seconds:.1f} s: {summary.components:,} connected groups, "
        f"{summary.communities:,} communities (modularity {summary.modularity:.3f})."
    )
