"""The two steps of signing in, and what the session remembers between and after them.

1. Username and password. Refused without a look at the password while the
   username is locked or must still wait. If right, the session key changes and
   the session remembers a *pending* sign-in (who, since when, where to go next);
   nobody is signed in yet, so no page that needs signing in will open.
2. A one-time code from the user's authenticator app (or, for an account without
   one, setting one up). If right, the user is signed in with Django and verified
   with django-otp, and the session key changes again.

Every try at either step is recorded as a `SignInAttempt`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import SESSION_KEY, get_user_model
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.core import clock

from . import selectors, services
from .conf import duration_words, setting
from .models import SignInOutcome

PENDING_KEY = "accounts.pending"
SIGNED_IN_AT_KEY = "accounts.signed_in_at"
LAST_SEEN_KEY = "accounts.last_seen_at"
NOTICE_KEY = "accounts.notice"

WRONG_DETAILS = "Enter a correct username and password. Both are case-sensitive."
DISABLED = "This account has been disabled. Ask your system administrator."
NO_SECOND_FACTOR = (
    "This account has no authenticator app set up, and setting one up has not been allowed. "
    "Ask your system administrator to let you set one up."
)
BAD_CODE = (
    "The code is not right, or it has already been used. "
    "Enter the code your authenticator app shows now."
)


@dataclass(frozen=True)
class Pending:
    """Someone who gave the right password and has still to give a code."""

    user: object
    backend: str
    next_url: str


@dataclass(frozen=True)
class Outcome:
    redirect_to: str | None = None
    error: str | None = None


# Step 1 ---------------------------------------------------------------------


def password_step(request, *, username: str, password: str, next_url: str) -> Outcome:
    at = clock.now()
    ip = client_ip(request)
    refused, _ = _refused_while_limited(username=username, ip=ip, at=at)
    if refused:
        return Outcome(error=refused)
    user = auth.authenticate(request, username=username, password=password)
    if user is None:
        known = selectors.user_for_username(username)
        if known is not None and not known.is_active and known.check_password(password):
            _record(username, known, ip, SignInOutcome.DISABLED, at)
            return Outcome(error=DISABLED)
        _record(username, known, ip, SignInOutcome.BAD_PASSWORD, at)
        return Outcome(error=_locked_now(username, at) or WRONG_DETAILS)
    if selectors.second_factor_device(user) is None and not selectors.may_enrol(user, at):
        # A password alone must never be enough to choose the second factor.
        _record(username, user, ip, SignInOutcome.NO_SECOND_FACTOR, at)
        return Outcome(error=NO_SECOND_FACTOR)
    _record(username, user, ip, SignInOutcome.PASSWORD_ACCEPTED, at)
    _pending_start(request, user=user, next_url=next_url, at=at)
    if selectors.second_factor_device(user) is None:
        return Outcome(redirect_to=reverse("accounts:enrol"))
    return Outcome(redirect_to=reverse("accounts:second-factor"))


# Step 2 ---------------------------------------------------------------------


def code_step(request, pending: Pending, device: TOTPDevice, code: str) -> Outcome:
    """Check the code from an already set-up authenticator app."""
    return _second_step(
        request,
        pending,
        device,
        lambda at: services.second_factor_verify(device=device, code=code, at=at),
    )


def enrol_step(request, pending: Pending, device: TOTPDevice, code: str) -> Outcome:
    """Check the first code from a newly set-up authenticator app, and confirm the app."""
    return _second_step(
        request,
        pending,
        device,
        lambda at: services.second_factor_enrolment_confirm(device=device, code=code, at=at),
    )


def _second_step(request, pending, device, check: Callable[[dt.datetime], bool]) -> Outcome:
    at = clock.now()
    ip = client_ip(request)
    user = pending.user
    refused, locked = _refused_while_limited(username=user.username, ip=ip, at=at, user=user)
    if locked:
        return _start_again(request, refused)
    if refused:
        return Outcome(error=refused)
    if not check(at):
        _record(user.username, user, ip, SignInOutcome.BAD_CODE, at)
        locked = _locked_now(user.username, at)
        if locked:
            return _start_again(request, locked)
        return Outcome(error=BAD_CODE)
    _record(user.username, user, ip, SignInOutcome.SUCCESS, at)
    _sign_in_complete(request, pending, device, at)
    return Outcome(redirect_to=pending.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _start_again(request, message: str) -> Outcome:
    request.session.pop(PENDING_KEY, None)
    notice_set(request, message)
    return Outcome(redirect_to=reverse("accounts:sign-in"))


def _sign_in_complete(request, pending: Pending, device: TOTPDevice, at: dt.datetime) -> None:
    key_before = request.session.session_key
    request.session.pop(PENDING_KEY, None)
    auth.login(request, pending.user, backend=pending.backend)
    otp_login(request, device)
    if request.session.session_key == key_before:  # login() cycles it; make sure
        request.session.cycle_key()
    request.session[SIGNED_IN_AT_KEY] = at.isoformat()
    request.session[LAST_SEEN_KEY] = at.isoformat()
    services.user_session_start(user=pending.user, session_key=request.session.session_key, at=at)


# Backoff and lockout ----------------------------------------------------------


def _refused_while_limited(*, username, ip, at, user=None) -> tuple[str | None, bool]:
    """If the username is locked or must still wait: record the refusal, and say why.

    Returns the message (None when the try may go ahead) and whether the username is locked.
    """
    state = selectors.sign_in_state(username=username)
    if state.is_locked(at):
        known = user or selectors.user_for_username(username)
        _record(username, known, ip, SignInOutcome.LOCKED_OUT, at)
        return locked_message(state.locked_until), True
    if state.must_wait(at):
        known = user or selectors.user_for_username(username)
        _record(username, known, ip, SignInOutcome.TOO_SOON, at)
        seconds = state.seconds_to_wait(at)
        message = (
            "There have been too many failed attempts to sign in. "
            f"Wait {duration_words(seconds)}, then try again."
        )
        return message, False
    return None, False


def _locked_now(username: str, at: dt.datetime) -> str | None:
    state = selectors.sign_in_state(username=username)
    return locked_message(state.locked_until) if state.is_locked(at) else None


def locked_message(until: dt.datetime) -> str:
    """The same words whether or not the username belongs to an account."""
    return (
        "This account is locked because of too many failed attempts to sign in. "
        f"Try again after {_time_words(until)}, or ask your system administrator to unlock it."
    )


def _time_words(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    words = f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    if local.date() != timezone.localtime(clock.now()).date():
        words += f" on {local.day} {local:%B %Y}"
    return words


def _record(username, user, ip, outcome, at) -> None:
    services.sign_in_attempt_record(username=username, user=user, ip=ip, outcome=outcome, at=at)


# What the session remembers ------------------------------------------------------


def _pending_start(request, *, user, next_url: str, at: dt.datetime) -> None:
    if SESSION_KEY in request.session:
        request.session.flush()  # someone else (or a half-finished session) was here
    else:
        request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "hash": user.get_session_auth_hash(),
        "since": at.isoformat(),
        "next": next_url,
    }


def pending_resume(request) -> Pending | None:
    """The sign-in waiting for its second step, if there is one still in time."""
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    limit = setting("SIGN_IN_SECOND_STEP_SECONDS")
    if clock.now() - dt.datetime.fromisoformat(data["since"]) > dt.timedelta(seconds=limit):
        request.session.pop(PENDING_KEY)
        notice_set(
            request,
            f"You took longer than {duration_words(limit)} to finish signing in. Sign in again.",
        )
        return None
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data["hash"]):
        request.session.pop(PENDING_KEY)
        return None
    return Pending(user=user, backend=data["backend"], next_url=data.get("next") or "")


def pending_redirect_next(request, next_url: str) -> None:
    """A page asked for while half signed in becomes the place to go after the code."""
    data = request.session.get(PENDING_KEY)
    if data and next_url:
        data["next"] = next_url
        request.session.modified = True


def notice_set(request, heading: str, *, success: bool = False) -> None:
    """A message for the sign-in page's notification banner (it survives a session flush)."""
    request.session[NOTICE_KEY] = {"heading": heading, "success": success}


def notice_pop(request) -> dict | None:
    return request.session.pop(NOTICE_KEY, None)


def safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def client_ip(request) -> str | None:
    """The address the request came from. Behind a proxy this is the proxy's address."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
