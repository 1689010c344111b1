"""Signing in from tests: through both steps of the real pages, or straight to fully signed in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.core import clock

PASSWORD = "lantern-demo-only"
# A moment to stand at; each test moves on from here with clock.frozen_at(...).
MORNING = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def code_for(user, at: dt.datetime | None = None, *, confirmed: bool = True) -> str:
    """The code the user's authenticator app shows at this moment (worked out independently)."""
    device = TOTPDevice.objects.get(user=user, confirmed=confirmed)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or clock.now()).timestamp()
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client, user):
    """Like client.force_login(user), and also past the one-time code step (django-otp verified).

    Persona test clients use this, because pages and the API need both steps.
    """
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def enter_password(client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("accounts:sign-in"), {"username": username, "password": password, **extra}
    )


def enter_code(client, code: str):
    return client.post(reverse("accounts:second-factor"), {"code": code})


def sign_in_both_steps(client, user, at: dt.datetime):
    """Password and code through the real pages, standing at `at`. Returns the last response."""
    with clock.frozen_at(at):
        enter_password(client, user.username)
        return enter_code(client, code_for(user, at))


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None
