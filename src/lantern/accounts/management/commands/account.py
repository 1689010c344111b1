"""Look after an account from the command line (the system acts; no person is the actor).

lantern account disable USERNAME --reason "Left the council"
lantern account enable USERNAME
lantern account unlock USERNAME
lantern account reset-second-factor USERNAME --reason "Lost phone"
lantern account allow-second-factor USERNAME --reason "New starter"
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lantern.accounts import services


class Command(BaseCommand):
    help = "Disable, enable or unlock an account, or reset its authenticator app."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        disable = actions.add_parser("disable", help="Stop it signing in; end its sessions.")
        disable.add_argument("username")
        disable.add_argument("--reason", required=True)
        enable = actions.add_parser("enable", help="Let a disabled account sign in again.")
        enable.add_argument("username")
        unlock = actions.add_parser("unlock", help="Clear a lockout after failed sign-ins.")
        unlock.add_argument("username")
        reset = actions.add_parser(
            "reset-second-factor",
            help="Remove its authenticator app (it sets up a new one at its next sign-in).",
        )
        reset.add_argument("username")
        reset.add_argument("--reason", required=True)
        allow = actions.add_parser(
            "allow-second-factor",
            help="Let a new account set up its authenticator app within 7 days.",
        )
        allow.add_argument("username")
        allow.add_argument("--reason", required=True)

    def handle(self, *args, action, username, reason=None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account has the username {username!r}.")
        try:
            if action == "disable":
                services.user_disable(actor=None, user=user, reason=reason)
                done = "disabled, and its sessions ended"
            elif action == "enable":
                services.user_enable(actor=None, user=user)
                done = "enabled"
            elif action == "unlock":
                services.user_unlock(actor=None, user=user)
                done = "unlocked"
            elif action == "allow-second-factor":
                services.second_factor_enrolment_allow(actor=None, user=user, reason=reason)
                done = "may set up an authenticator app at its sign-ins in the next 7 days"
            else:
                services.second_factor_reset(actor=None, user=user, reason=reason)
                done = "reset: it will set up an authenticator app at its next sign-in"
        except ValidationError as exc:
            raise CommandError("Give a reason with --reason.") from exc
        self.stdout.write(f"{username}: {done}.")
