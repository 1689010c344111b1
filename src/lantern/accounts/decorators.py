"""Pages that need someone fully signed in: a password and a one-time code.

Use `verified_required` wherever `login_required` would go (it does both), or
`VerifiedRequiredMixin` on a class-based view. Someone not verified is sent to
the sign-in page, which sends a half-signed-in person (password given, code not
yet) straight on to the code page, and back to the page they wanted after it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login

from .otp import is_verified


def verified_required(view=None, *, login_url=None, redirect_field_name=REDIRECT_FIELD_NAME):
    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if is_verified(request.user):
                return view_func(request, *args, **kwargs)
            return redirect_to_login(
                request.get_full_path(), login_url or settings.LOGIN_URL, redirect_field_name
            )

        return wrapped

    return decorator if view is None else decorator(view)


class VerifiedRequiredMixin:
    """For class-based views: like LoginRequiredMixin, but needs the one-time code too."""

    login_url = None
    redirect_field_name = REDIRECT_FIELD_NAME

    def dispatch(self, request, *args, **kwargs):
        if not is_verified(request.user):
            return redirect_to_login(
                request.get_full_path(),
                self.login_url or settings.LOGIN_URL,
                self.redirect_field_name,
            )
        return super().dispatch(request, *args, **kwargs)
