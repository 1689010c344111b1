"""Signs people out after a spell without activity, and after a fixed time however busy.

Sits after django-otp's OTPMiddleware. Times come from `clock.now()`. A session
that has run out is flushed on the server (the user is signed out at once, and
the request goes on as anonymous, so the page sends them to sign in), and the
sign-in page says why in a notification banner.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import auth

from lantern.core import clock

from . import flow, services
from .conf import duration_words, setting


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if auth.SESSION_KEY in request.session and request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = clock.now()
        signed_in_at = _moment(session.get(flow.SIGNED_IN_AT_KEY)) or now
        last_seen_at = _moment(session.get(flow.LAST_SEEN_KEY)) or now
        idle = setting("SESSION_IDLE_SECONDS")
        absolute = setting("SESSION_ABSOLUTE_SECONDS")
        if now - last_seen_at >= dt.timedelta(seconds=idle):
            _sign_out(request, f"You were signed out after {duration_words(idle)} without activity")
        elif now - signed_in_at >= dt.timedelta(seconds=absolute):
            hours = duration_words(absolute)
            _sign_out(request, f"You were signed out because you had been signed in for {hours}")
        else:
            session[flow.SIGNED_IN_AT_KEY] = signed_in_at.isoformat()
            session[flow.LAST_SEEN_KEY] = now.isoformat()
            services.user_session_touch(user=request.user, session_key=session.session_key, at=now)


def _sign_out(request, message: str) -> None:
    auth.logout(request)  # flushes the session; the user_logged_out signal forgets it
    request.user.otp_device = None
    request.user.is_verified = lambda: False
    flow.notice_set(request, message)


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
