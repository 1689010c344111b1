"""Time-based one-time codes (RFC 6238) on Lantern's clock, with django-otp's TOTPDevice.

django-otp's own `TOTPDevice.verify_token` reads the system clock. Lantern checks
codes against `clock.now()` instead, so that tests can stand at a chosen moment,
and otherwise does what django-otp does: a code is accepted one time step either
side of now, and never at or before the device's `last_t`, the time step of the
last code accepted. That is what stops a code being used twice.

Repeated wrong codes are slowed and locked by Lantern's sign-in backoff (see
`selectors.sign_in_state`), which counts wrong passwords and wrong codes together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

CODE_DIGITS = 6


def is_verified(user) -> bool:
    """Signed in with both a password and a one-time code (django-otp's idea of verified)."""
    if user is None or not user.is_authenticated:
        return False
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _totp(device: TOTPDevice, at: dt.datetime) -> TOTP:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at.timestamp()
    return totp


def code_matches(device: TOTPDevice, code: str, at: dt.datetime) -> int | None:
    """The time step the code belongs to if it is good now and unused, else None.

    Updates `device.drift` in memory when it matches (the caller saves it).
    """
    try:
        token = int(code)
    except (TypeError, ValueError):
        return None
    totp = _totp(device, at)
    if not totp.verify(token, device.tolerance, device.last_t + 1):
        return None
    if getattr(settings, "OTP_TOTP_SYNC", True):
        device.drift = totp.drift
    return totp.t()


@dataclass(frozen=True)
class CurrentCode:
    code: str
    seconds_left: int
    already_used: bool


def current_code(device: TOTPDevice, at: dt.datetime) -> CurrentCode:
    """The code an authenticator app shows at this moment (for the demo's hint, and tests)."""
    totp = _totp(device, at)
    step = totp.t()
    code = f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"
    elapsed = int(at.timestamp()) - device.t0
    return CurrentCode(
        code=code,
        seconds_left=device.step - (elapsed % device.step),
        already_used=step <= device.last_t,
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """An inline SVG QR code of the device's otpauth:// address, for an authenticator app."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(
        scale=5,
        border=4,
        dark="#0b0c0c",
        light="#ffffff",
        title="QR code for your authenticator app",
    )


def demo_key(username: str) -> str:
    """The demo's fixed secret for a demo user: the same on every machine, demo only."""
    return hashlib.sha1(f"lantern-demo-second-factor:{username}".encode()).hexdigest()  # noqa: S324


def is_demo_device(device: TOTPDevice) -> bool:
    """A device made by the demo for a demo user (so its code may be shown in the demo)."""
    return bool(settings.LANTERN_DEMO) and device.key == demo_key(device.user.username)
