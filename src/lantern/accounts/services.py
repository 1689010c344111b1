"""Every write about accounts: sign-in attempts, second factors, sessions, disabling."""

from __future__ import annotations

import datetime as dt
import logging
from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.core import clock

from . import otp
from .models import SignInAttempt, SignInOutcome, UserSession

logger = logging.getLogger("lantern.accounts")


def _audit(actor, operation: str, purpose: str, **detail) -> None:
    """Account security events go into the same tamper-evident log as everything else."""
    from lantern.audit.services import audit_record

    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action="security",
        operation=operation,
        purpose=purpose,
        detail=detail,
    )


DEVICE_NAME = "Authenticator app"
# How long a new account (or one whose phone was lost) may set up its authenticator app.
ENROLMENT_WINDOW = dt.timedelta(days=7)
# A session's last_seen_at is written at most this often (the idle time-out itself is exact).
SESSION_TOUCH_SECONDS = 60


def sign_in_attempt_record(
    *, username: str, user, ip: str | None, outcome: SignInOutcome, at: dt.datetime | None = None
) -> SignInAttempt:
    attempt = SignInAttempt.objects.create(
        username=username[:150], user=user, ip=ip, outcome=outcome, at=at or clock.now()
    )
    if outcome == SignInOutcome.LOCKED_OUT:
        logger.warning("Sign-in refused for %r from %s: locked", username, ip)
    _audit(user, f"account.sign_in.{outcome}", "Signing in", username=username[:150], ip=ip or "")
    return attempt


# Second factor -------------------------------------------------------------


@transaction.atomic
def second_factor_verify(*, device: TOTPDevice, code: str, at: dt.datetime | None = None) -> bool:
    """Check a one-time code against a confirmed device; a code is good once only."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=True)
    return _accept(device, code, at or clock.now())


def second_factor_enrolment_start(*, user) -> TOTPDevice:
    """The device someone is setting up: kept until confirmed, so a reload shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def second_factor_enrolment_confirm(
    *, device: TOTPDevice, code: str, at: dt.datetime | None = None
) -> bool:
    """Confirm a new device with its first code. Refused if the user already has one confirmed."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if TOTPDevice.objects.filter(user_id=device.user_id, confirmed=True).exists():
        return False
    if not _accept(device, code, at or clock.now()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    type(device.user).objects.filter(pk=device.user_id).update(may_enrol_until=None)
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    logger.info("Second factor set up for user %s", device.user_id)
    _audit(device.user, "account.second_factor.set_up", "Authenticator app set up")
    return True


def _accept(device: TOTPDevice, code: str, at: dt.datetime) -> bool:
    step = otp.code_matches(device, code, at)
    if step is None:
        return False
    device.last_t = step
    device.last_used_at = at
    device.save(update_fields=["last_t", "drift", "last_used_at"])
    return True


@transaction.atomic
def second_factor_reset(*, actor, user, reason: str) -> None:
    """Remove a user's authenticator (a lost phone): they set up a new one at their next sign-in.

    Their sessions end, because a session verified by the old device must not outlive it.
    """
    _check_manager(actor)
    reason = _reason(reason)
    TOTPDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    user.may_enrol_until = clock.now() + ENROLMENT_WINDOW
    user.save(update_fields=["may_enrol_until"])
    logger.info("Second factor reset for %s by %s: %s", user.username, _who(actor), reason)
    _audit(actor, "account.second_factor.reset", reason, user=user.username)


@transaction.atomic
def second_factor_enrolment_allow(*, actor, user, reason: str) -> None:
    """Let a new account set up its authenticator app at its next sign-ins, for 7 days."""
    _check_manager(actor)
    reason = _reason(reason)
    user.may_enrol_until = clock.now() + ENROLMENT_WINDOW
    user.save(update_fields=["may_enrol_until"])
    _audit(actor, "account.second_factor.allow", reason, user=user.username)


# Sessions ------------------------------------------------------------------


def user_session_start(*, user, session_key: str, at: dt.datetime | None = None) -> UserSession:
    at = at or clock.now()
    session, _ = UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "created_at": at, "last_seen_at": at}
    )
    return session


def user_session_touch(*, user, session_key: str, at: dt.datetime | None = None) -> None:
    """Note that a signed-in session is in use (and start tracking it if it was not yet)."""
    at = at or clock.now()
    session = UserSession.objects.filter(session_key=session_key).first()
    if session is None or session.user_id != user.pk:
        user_session_start(user=user, session_key=session_key, at=at)
    elif (at - session.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
        UserSession.objects.filter(pk=session.pk).update(last_seen_at=at)


def user_session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(*, user) -> int:
    """End every session the user has, on the server. Returns how many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = UserSession.objects.filter(user=user)
    keys = list(sessions.values_list("session_key", flat=True))
    for key in keys:
        store().delete(key)
    sessions.delete()
    return len(keys)


# Disabling, enabling, unlocking --------------------------------------------


@transaction.atomic
def user_disable(*, actor, user, reason: str) -> None:
    """Stop an account signing in, and end all of its sessions at once."""
    _check_manager(actor)
    reason = _reason(reason)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("You cannot disable your own account.")
    user.is_active = False
    user.disabled_at = clock.now()
    user.disabled_by = actor
    user.disabled_reason = reason
    user.save(update_fields=["is_active", "disabled_at", "disabled_by", "disabled_reason"])
    ended = user_sessions_end(user=user)
    _audit(actor, "account.disable", reason, user=user.username, sessions_ended=ended)
    logger.info(
        "Account %s disabled by %s (%d sessions ended): %s",
        user.username,
        _who(actor),
        ended,
        reason,
    )


@transaction.atomic
def user_enable(*, actor, user) -> None:
    _check_manager(actor)
    user.is_active = True
    user.disabled_at = None
    user.disabled_by = None
    user.disabled_reason = ""
    user.save(update_fields=["is_active", "disabled_at", "disabled_by", "disabled_reason"])
    logger.info("Account %s enabled by %s", user.username, _who(actor))
    _audit(actor, "account.enable", "Account enabled", user=user.username)


@transaction.atomic
def user_unlock(*, actor, user) -> None:
    """Clear a lockout (and any backoff) after checking who is asking, e.g. by telephone."""
    _check_manager(actor)
    sign_in_attempt_record(
        username=user.username, user=user, ip=None, outcome=SignInOutcome.UNLOCKED
    )
    logger.info("Account %s unlocked by %s", user.username, _who(actor))
    _audit(actor, "account.unlock", "Account unlocked", user=user.username)


def _check_manager(actor) -> None:
    """Only someone whose role manages users (or the system itself, actor None) may do this."""
    if actor is not None:
        role = actor.role
        if role is None or not role.manages_users:
            raise PermissionDenied("Only a system administrator can change accounts.")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason"})
    return reason


def _who(actor) -> str:
    return actor.username if actor is not None else "the system"
