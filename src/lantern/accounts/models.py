from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property


class User(AbstractUser):
    """A person who signs in to Lantern. What they may do comes from their membership."""

    job_title = models.CharField(max_length=120, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disabled_reason = models.TextField(blank=True)
    may_enrol_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until when this account may set up an authenticator app (opened by an "
        "administrator for a new account or a lost phone). Outside the demo, an account with "
        "no app cannot set one up after this.",
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def membership(self):
        """The user's current staff membership (agency, team and role), or None."""
        return (
            self.memberships.filter(ended_on__isnull=True)
            .select_related("agency", "team", "role")
            .first()
        )

    @property
    def role(self):
        membership = self.membership
        return membership.role if membership else None

    @property
    def agency(self):
        membership = self.membership
        return membership.agency if membership else None


class SignInOutcome(models.TextChoices):
    SUCCESS = "success", "Signed in (password and code)"
    PASSWORD_ACCEPTED = "password_ok", "Password right; code still to come"
    BAD_PASSWORD = "bad_password", "Wrong username or password"
    BAD_CODE = "bad_code", "Wrong or already used one-time code"
    TOO_SOON = "too_soon", "Refused: too soon after earlier failures"
    LOCKED_OUT = "locked_out", "Refused: locked after too many failures"
    DISABLED = "disabled", "Refused: the account is disabled"
    UNLOCKED = "unlocked", "Unlocked by an administrator"
    NO_SECOND_FACTOR = "no_second_factor", "Refused: no authenticator app, and none may be set up"


# Failures count towards backoff and lockout; a success or an unlock starts the count again.
FAILED_OUTCOMES = (SignInOutcome.BAD_PASSWORD, SignInOutcome.BAD_CODE)
RESETTING_OUTCOMES = (SignInOutcome.SUCCESS, SignInOutcome.UNLOCKED)


class SignInAttempt(models.Model):
    """One try at either step of signing in, kept as a record of who tried what, and when.

    The username is kept as typed, whether or not such an account exists, so that
    backoff and lockout work the same for every username and never reveal which exist.
    """

    username = models.CharField(max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_in_attempts",
    )
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=SignInOutcome.choices)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "outcome"], name="sign_in_username_outcome")]

    def __str__(self) -> str:
        return f"{self.username} at {self.at:%Y-%m-%d %H:%M:%S}: {self.get_outcome_display()}"


class UserSession(models.Model):
    """A signed-in session, so that every session of a user can be ended at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"
