"""Deadlines: one statutory timescale running for one step about one person.

A deadline belongs to the record whose step started it (a referral, a meeting, a
plan...) through a generic relation, so any app can own deadlines without this app
knowing its models. It is open until it is met or cancelled; an open deadline past
its due time is overdue, and is escalated to the owner team's manager once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from lantern.core import clock
from lantern.partners.models import Agency, Team
from lantern.people.models import Person

from .rules import LONDON, TimescaleRule, UnknownRule, rule

OPEN = Q(met_at__isnull=True, cancelled_at__isnull=True)


class DeadlineStatus(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    DUE_TODAY = "due_today", "Due today"
    UPCOMING = "upcoming", "Upcoming"
    MET = "met", "Met"
    MET_LATE = "met_late", "Met late"
    CANCELLED = "cancelled", "Cancelled"


# GOV.UK Frontend tag colours for each status.
STATUS_TAGS = {
    DeadlineStatus.OVERDUE: "govuk-tag--red",
    DeadlineStatus.DUE_TODAY: "govuk-tag--yellow",
    DeadlineStatus.UPCOMING: "govuk-tag--blue",
    DeadlineStatus.MET: "govuk-tag--green",
    DeadlineStatus.MET_LATE: "govuk-tag--orange",
    DeadlineStatus.CANCELLED: "govuk-tag--grey",
}


class Deadline(models.Model):
    rule = models.CharField(max_length=60, help_text="The code of a rule in timescales.toml.")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="deadlines")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deadlines")
    owner_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # The worklists: open deadlines by owner, soonest first.
            models.Index(
                fields=["owner_user", "due_at"], condition=OPEN, name="deadline_open_user"
            ),
            models.Index(
                fields=["owner_team", "due_at"], condition=OPEN, name="deadline_open_team"
            ),
            models.Index(
                fields=["owner_agency", "due_at"], condition=OPEN, name="deadline_open_agency"
            ),
            # Escalation: open, overdue, not yet escalated.
            models.Index(
                fields=["due_at"],
                condition=OPEN & Q(escalated_at__isnull=True),
                name="deadline_to_escalate",
            ),
            models.Index(fields=["subject_type", "subject_id", "rule"], name="deadline_subject"),
            models.Index(fields=["person", "due_at"], name="deadline_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "rule"],
                condition=OPEN,
                name="one_open_deadline_per_subject_and_rule",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("starts_at")),
                name="deadline_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(met_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="deadline_met_or_cancelled_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} for {self.person.reference}, due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def timescale(self) -> TimescaleRule:
        return rule(self.rule)

    @property
    def rule_name(self) -> str:
        try:
            return self.timescale.name
        except UnknownRule:
            return self.rule  # a rule since removed from the file: its code still says what it was

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def status_at(self, now: dt.datetime) -> str:
        """Where this deadline stands at `now` (a DeadlineStatus value)."""
        if self.cancelled_at is not None:
            return DeadlineStatus.CANCELLED
        if self.met_at is not None:
            return DeadlineStatus.MET_LATE if self.met_at > self.due_at else DeadlineStatus.MET
        if self.due_at < now:
            return DeadlineStatus.OVERDUE
        if self.due_at.astimezone(LONDON).date() == now.astimezone(LONDON).date():
            return DeadlineStatus.DUE_TODAY
        return DeadlineStatus.UPCOMING

    @property
    def status(self) -> str:
        """Where the deadline stands now. A worklist sets it for the moment it read at, so
        that every row of one page agrees."""
        return self.__dict__.get("_status") or self.status_at(clock.now())

    @status.setter
    def status(self, value: str) -> None:
        self.__dict__["_status"] = value

    @property
    def status_label(self) -> str:
        return DeadlineStatus(self.status).label

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[DeadlineStatus(self.status)]

    @property
    def owner_label(self) -> str:
        """Who answers for the deadline, most specific first."""
        if self.owner_user_id:
            return str(self.owner_user)
        if self.owner_team_id:
            return self.owner_team.name + ", " + self.owner_agency.name
        return self.owner_agency.name
