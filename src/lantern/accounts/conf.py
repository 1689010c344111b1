"""Sign-in and session limits, read at the moment they are used (so tests can change them).

Each has a default here and may be set in the settings (see settings/base.py):

    SESSION_IDLE_SECONDS              sign out after this long without a request (30 minutes)
    SESSION_ABSOLUTE_SECONDS          sign out this long after signing in, however busy (8 hours)
    SIGN_IN_BACKOFF_AFTER_FAILURES    failures in a row before each try must wait (3)
    SIGN_IN_BACKOFF_MAX_SECONDS       the longest wait between tries (60)
    SIGN_IN_LOCKOUT_AFTER_FAILURES    failures in a row that lock the username (10)
    SIGN_IN_LOCKOUT_SECONDS           how long a lock lasts (30 minutes)
    SIGN_IN_SECOND_STEP_SECONDS       how long the code (or enrolment) step may take (10 minutes)
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "SESSION_IDLE_SECONDS": 30 * 60,
    "SESSION_ABSOLUTE_SECONDS": 8 * 60 * 60,
    "SIGN_IN_BACKOFF_AFTER_FAILURES": 3,
    "SIGN_IN_BACKOFF_MAX_SECONDS": 60,
    "SIGN_IN_LOCKOUT_AFTER_FAILURES": 10,
    "SIGN_IN_LOCKOUT_SECONDS": 30 * 60,
    "SIGN_IN_SECOND_STEP_SECONDS": 10 * 60,
}


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def duration_words(seconds: int) -> str:
    """30 minutes, 8 hours, 1 hour 30 minutes, 45 seconds."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if secs or not parts:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)
