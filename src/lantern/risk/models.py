"""A completed risk tool about a person: the answers, the score, the level the tool gave,
the level that counts after the practitioner's judgement, and the routes that follow.

The questions live in the tool's data file (tools.py), version by version; an assessment
keeps the version it used, so it is always shown with that version's questions.

Judgement: the practitioner may raise the level with a reason (it counts at once). A
lower level than the tool gives needs a reason and a team manager's agreement: until a
manager decides, the assessment waits (status "awaiting_approval") and the level that
counts stays the tool's; `proposed_level` holds the lower level asked for. A manager who
agrees makes it the level; one who refuses leaves the tool's level, with their reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency
from lantern.people.models import Person


class Status(models.TextChoices):
    FINAL = "final", "Final"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for a manager to agree a lower level"


class Assessment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="risk_assessments")
    tool = models.CharField(max_length=60, help_text="The tool's code (risk/data/tools/).")
    tool_version = models.PositiveIntegerField()
    answers = models.JSONField(
        default=dict, help_text="Answers by question code, as the tool's version asked them."
    )
    score = models.PositiveIntegerField()
    score_level = models.CharField(
        max_length=30, help_text="What the tool gives: the score's band, raised by floor rules."
    )
    level = models.CharField(
        max_length=30,
        help_text="The level that counts: the level chosen once final; while a lower level "
        "waits for a manager, the tool's level.",
    )
    judgement_reason = models.TextField(
        blank=True, help_text="Why the practitioner chose a level other than the tool's."
    )
    routes = models.JSONField(
        default=list, help_text="The codes of the tool's routes that apply at the level."
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The completing user's."
    )
    completed_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FINAL)
    proposed_level = models.CharField(
        max_length=30, blank=True, help_text="A lower level than the tool's, asked for."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refused_at = models.DateTimeField(null=True, blank=True)
    manager_reason = models.TextField(
        blank=True, help_text="The manager's reason for agreeing or refusing a lower level."
    )

    class Meta:
        ordering = ["-completed_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "completed_at"]),
            models.Index(fields=["tool", "completed_at"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["final", "awaiting_approval"]),
                name="risk_assessment_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting_approval") | ~Q(proposed_level=""),
                name="risk_assessment_waiting_names_a_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool} v{self.tool_version} for {self.person_id} ({self.level})"

    @property
    def awaiting_approval(self) -> bool:
        return self.status == Status.AWAITING_APPROVAL
