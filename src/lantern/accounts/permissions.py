"""The API's permission: signed in with a password and a one-time code."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from .otp import is_verified

MESSAGE = "Sign in to Lantern with your password and a one-time code to use the API."


class IsVerified(BasePermission):
    message = MESSAGE

    def has_permission(self, request, view) -> bool:
        if is_verified(request.user):
            return True
        # Signed in with a password only is not signed in at all, as far as the API goes:
        # say so (not a refusal that could be read as "this record is hidden").
        raise NotAuthenticated(MESSAGE)
