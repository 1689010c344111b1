"""Partner agencies, their teams, the roles people hold, and who works where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AgencyKind(models.TextChoices):
    CHILDRENS_SERVICES = "childrens_services", "Council children's services"
    POLICE = "police", "Police force"
    NHS = "nhs", "NHS trust or integrated care board"
    SCHOOL = "school", "School"
    YOUTH_SERVICE = "youth_service", "Youth service"
    VOLUNTARY = "voluntary", "Voluntary organisation"
    NATIONAL_POLICE_UNIT = "national_police_unit", "National police unit"


class Agency(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=AgencyKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=300, blank=True)
    is_front_door = models.BooleanField(
        default=False, help_text="The multi-agency front door (MASH) that triages referrals."
    )

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="team_code_unique_in_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.agency.name}"


class Role(models.Model):
    """A role someone holds in the partnership. Roles are data: see partners/data/roles.toml."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    agency_kinds = models.JSONField(
        default=list, help_text="The kinds of agency whose staff may hold this role."
    )
    sees_case_data = models.BooleanField(
        help_text="Whether the role works with records about people at all."
    )
    sees_totals = models.BooleanField(default=False)
    sees_audit = models.BooleanField(default=False)
    manages_users = models.BooleanField(default=False)
    decides_linkage = models.BooleanField(
        default=False, help_text="Decides whether two records are the same person."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    """A user working in an agency (and usually a team) in a role, from a date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_on__isnull=True),
                name="one_current_membership_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.agency}"
