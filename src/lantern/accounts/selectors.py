"""Reads about accounts: where a username stands after its sign-in attempts, devices, sessions."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conf import setting
from .models import FAILED_OUTCOMES, RESETTING_OUTCOMES, SignInAttempt, UserSession


@dataclass(frozen=True)
class SignInState:
    """How a username stands: failures in a row, and until when it must wait or is locked."""

    failures: int
    wait_until: dt.datetime | None = None
    locked_until: dt.datetime | None = None

    def is_locked(self, at: dt.datetime) -> bool:
        return self.locked_until is not None and at < self.locked_until

    def must_wait(self, at: dt.datetime) -> bool:
        return self.wait_until is not None and at < self.wait_until

    def seconds_to_wait(self, at: dt.datetime) -> int:
        if not self.must_wait(at):
            return 0
        return max(1, math.ceil((self.wait_until - at).total_seconds()))


def sign_in_state(*, username: str) -> SignInState:
    """Failures in a row for this username (since its last success or unlock), and what follows.

    After SIGN_IN_BACKOFF_AFTER_FAILURES failures each try waits 2^(n - that) seconds after the
    last failure (capped at SIGN_IN_BACKOFF_MAX_SECONDS); after SIGN_IN_LOCKOUT_AFTER_FAILURES
    the username is locked for SIGN_IN_LOCKOUT_SECONDS from the last failure. Refused tries
    (too soon, locked) are recorded but do not count. Attempts are taken in the order they were
    recorded, so several at one frozen moment in a test still count in order.
    """
    attempts = SignInAttempt.objects.filter(username=username)
    last_reset = (
        attempts.filter(outcome__in=RESETTING_OUTCOMES).order_by("-pk").values_list("pk", flat=True)
    ).first()
    failures = attempts.filter(outcome__in=FAILED_OUTCOMES)
    if last_reset is not None:
        failures = failures.filter(pk__gt=last_reset)
    count = failures.count()
    if count == 0:
        return SignInState(failures=0)
    last_failure_at = failures.order_by("-pk").values_list("at", flat=True).first()
    if count >= setting("SIGN_IN_LOCKOUT_AFTER_FAILURES"):
        locked_until = last_failure_at + dt.timedelta(seconds=setting("SIGN_IN_LOCKOUT_SECONDS"))
        return SignInState(failures=count, locked_until=locked_until)
    backoff_after = setting("SIGN_IN_BACKOFF_AFTER_FAILURES")
    if count >= backoff_after:
        wait = min(2 ** (count - backoff_after), setting("SIGN_IN_BACKOFF_MAX_SECONDS"))
        return SignInState(failures=count, wait_until=last_failure_at + dt.timedelta(seconds=wait))
    return SignInState(failures=count)


def user_for_username(username: str):
    """The account with exactly this username, or None (to record attempts; never shown)."""
    return get_user_model().objects.filter(username=username).first()


def second_factor_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    """The user's (confirmed, or pending enrolment) authenticator device."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def may_enrol(user, at) -> bool:
    """Whether the account may set up an authenticator app now: always in the demo;
    otherwise only while an administrator has opened a window for it."""
    from django.conf import settings

    if getattr(settings, "LANTERN_DEMO", False):
        return True
    return user.may_enrol_until is not None and at < user.may_enrol_until


def sessions_for(user):
    return UserSession.objects.filter(user=user)
