"""Contacts and referrals at the front door, their triage and their outcome.

A Referral keeps the child's details exactly as the referrer gave them: they are
never overwritten, even once the child is matched to a person. The steps happen in
order (received, matched and rated, information gathered, decided, referrer told)
and the guards on each step live in services.py; who may see a referral is the
access policy's `referral` record type.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from lantern.access.models import AccessBasis
from lantern.partners.models import Agency, Team
from lantern.people.models import REFERENCE_ALPHABET, Person, Sensitivity, Sex, SourceRecord


def new_referral_reference() -> str:
    return "R-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Channel(models.TextChoices):
    FORM = "form", "Online form"
    API = "api", "Agency system (API)"
    BATCH = "batch", "Batch file"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Decision(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    EARLY_HELP = "early_help", "Early help"
    ASSESSMENT = "assessment", "Child in need assessment (section 17)"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion (section 47 concerns)"


# Outcomes that start the 45-working-day assessment clock from the referral.
STARTS_ASSESSMENT = frozenset({Decision.ASSESSMENT, Decision.STRATEGY_DISCUSSION})


class Referral(models.Model):
    """A contact or referral about a child, from any agency, as the referrer gave it."""

    reference = models.CharField(max_length=12, unique=True, default=new_referral_reference)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        help_text="The referring agency: it sees this referral and its outcome.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="The front door the referral was sent to.",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    referrer_name = models.CharField(max_length=200)
    referrer_phone = models.CharField(max_length=30, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    # The child, as the referrer described them.
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    other_names = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    address_line1 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    identifiers = models.JSONField(default=dict, blank=True, help_text="scheme -> value, checked")

    concern = models.TextField()
    categories = models.JSONField(help_text="Codes from frontdoor/data/concern_categories.toml")
    consent = models.BooleanField(help_text="Whether the family agreed to the referral.")
    lawful_basis = models.CharField(max_length=40, blank=True)
    lawful_basis_reason = models.CharField(max_length=1000, blank=True)
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    # Triage.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    source_record = models.ForeignKey(
        SourceRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The referring agency's record made from this referral, for a child not known.",
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    access_basis = models.ForeignKey(
        AccessBasis,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The front door's access to the person while the referral is open.",
    )
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    decision_due_at = models.DateTimeField()

    # Outcome.
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feedback = models.TextField(blank=True, help_text="What the referrer was told.")
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["team", "decided_at"]),
            models.Index(fields=["agency", "received_at"]),
            models.Index(fields=["person", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"Referral {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None

    @property
    def child_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def status_label(self) -> str:
        """Where the referral is, in the words a referrer reads."""
        if self.decided_at is not None:
            return self.get_decision_display()
        if self.person_id or self.rag:
            return "Being looked at by the front door"
        return "Received: waiting for the front door"

    def is_overdue(self, now) -> bool:
        return self.decided_at is None and now > self.decision_due_at


class Rating(models.Model):
    """One red, amber or green rating of a referral, with why. Re-rating adds a row."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="ratings")
    rag = models.CharField(max_length=5, choices=Rag.choices)
    reason = models.CharField(max_length=1000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["-rated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_rag_display()} for {self.referral}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed: decided before an answer came"


class InformationRequest(models.Model):
    """The front door asks a named partner agency what it knows about the referred child."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="information_requests"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    rag = models.CharField(max_length=5, choices=Rag.choices, help_text="The rating when asked.")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default="open")
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"Information request to {self.agency} about {self.referral}"

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at
