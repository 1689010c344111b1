from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property


class User(AbstractUser):
    """A person who signs in to Lantern. What they may do comes from their membership."""

    job_title = models.CharField(max_length=120, blank=True)

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
