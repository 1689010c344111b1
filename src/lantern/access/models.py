"""The legitimate relationships that give someone access to a person, and the records
of access given in an emergency or shared between agencies.

Which relationship allows what is not here: it is the policy table, data/policy.csv.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency, Team
from lantern.people.models import Person


class Relationship(models.TextChoices):
    HOLDS_RECORD = "holds_record", "Your agency holds the record"
    ALLOCATED_WORKER = "allocated_worker", "Allocated worker"
    ALLOCATED_TEAM = "allocated_team", "Allocated team"
    FRONT_DOOR = "front_door", "Open referral at the front door"
    GRANT = "grant", "Access granted"
    BREAK_GLASS = "break_glass", "Emergency access"
    INFORMATION_REQUEST = "information_request", "Your agency was asked for information"
    INVOLVED_AGENCY = "involved_agency", "Your agency takes part in the child's casework"
    ALERT = "alert", "An alert about the person is open with your team"
    ALERT_TASK = "alert_task", "Your agency has an open task from an alert about the person"


# The relationships that are recorded as rows here; holds_record follows from source records
# (or, for a referral, from the agency that made it), information_request from the front
# door's open requests (frontdoor.InformationRequest).
RECORDED = [
    Relationship.ALLOCATED_WORKER,
    Relationship.ALLOCATED_TEAM,
    Relationship.FRONT_DOOR,
    Relationship.GRANT,
    Relationship.BREAK_GLASS,
]


class AccessBasis(models.Model):
    """Why someone may see a person: an allocation, an open referral, a grant, break-glass.

    A basis names a user (allocated worker, grant, break-glass) or a team (allocated
    team, front door) and runs from `starts_at` until `ends_at` (open-ended if empty).
    It is ended, never deleted, so the history of who could see whom stays.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="access_bases")
    kind = models.CharField(max_length=20, choices=[(r.value, r.label) for r in RECORDED])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_bases",
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="access_bases"
    )
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["person", "kind"]),
            models.Index(fields=["user", "kind"]),
            models.Index(fields=["team", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True)
                    | Q(user__isnull=True, team__isnull=False)
                ),
                name="access_basis_names_a_user_or_a_team",
            ),
        ]

    def __str__(self) -> str:
        whom = self.user or self.team
        return f"{self.get_kind_display()}: {whom} for {self.person}"


class BreakGlassRequest(models.Model):
    """Emergency access to a sealed person waits for a second person to approve it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    basis = models.OneToOneField(
        AccessBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Emergency access to {self.person} for {self.requested_by}"


class Notification(models.Model):
    """A message to a person or to everyone in an agency's role, e.g. a break-glass alert."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class InformationSharingAgreement(models.Model):
    """An agreement between agencies: why they share, on what lawful basis, and what."""

    class LawfulBasis(models.TextChoices):
        PUBLIC_TASK = "public_task", "Public task (UK GDPR 6(1)(e))"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (UK GDPR 6(1)(c))"
        VITAL_INTERESTS = "vital_interests", "Vital interests (UK GDPR 6(1)(d))"
        LAW_ENFORCEMENT = "law_enforcement", "Law enforcement purposes (DPA 2018 Part 3)"

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    special_category_condition = models.CharField(max_length=200, blank=True)
    data_categories = models.JSONField(help_text="The kinds of record shared: event categories.")
    agencies = models.ManyToManyField(Agency, related_name="sharing_agreements")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title
