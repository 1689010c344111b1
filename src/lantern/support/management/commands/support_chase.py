"""`lantern support_chase`: for cron, every working day. Referrals to a support service
with no answer within the service's working days to answer (counted from the referral,
or from the last chase) are chased: each chase is recorded on the referral (when, how
many times) and the plan's lead worker is told, naming the service and its phone number.
Safe to run again the same day: a chased referral is due again only after the service's
working days to answer have passed once more."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lantern.support.services import referrals_chase


class Command(BaseCommand):
    help = (
        "Chase referrals to support services that have had no answer in time, and tell "
        "each plan's lead worker."
    )

    def handle(self, *args, **options):
        chased = referrals_chase()
        self.stdout.write(
            f"{chased.referrals} referral(s) chased; {chased.notifications} lead worker "
            "notification(s) sent"
        )
