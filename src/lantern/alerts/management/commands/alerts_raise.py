"""`lantern alerts_raise [--days N]`: raise the alerts the switched-on rules would have
raised over facts that arrived in bulk (a seeded borough, an agency's backlog), for the
last N days (90). The live flow raises alerts as each event is recorded; this is for what
did not arrive that way. Running it twice adds nothing: an open alert takes only new facts."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction

from lantern.alerts import intake
from lantern.core import clock


class Command(BaseCommand):
    help = "Raise the alerts the rules would have raised over the last N days' facts."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="How far back (90 days).")

    def handle(self, *args, days: int, **options):
        if days < 1:
            self.stderr.write("--days must be 1 or more")
            return
        since = clock.now() - dt.timedelta(days=days)
        with transaction.atomic():
            alerts = intake.history_arrived(since=since)
        people = len({a.person_id for a in alerts})
        opened = len({a.pk for a in alerts})
        self.stdout.write(
            f"Rules replayed over the last {days} days: {opened} alerts about {people} people."
        )
