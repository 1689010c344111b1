"""`lantern deadlines_escalate`: for cron, every few minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lantern.timescales.services import deadlines_escalate


class Command(BaseCommand):
    help = (
        "Mark open deadlines that are past due as escalated and tell the owner team's "
        "managers. Each deadline is escalated once, so running it often is safe."
    )

    def handle(self, *args, **options):
        count = deadlines_escalate()
        self.stdout.write(f"{count} overdue deadline{'' if count == 1 else 's'} escalated")
