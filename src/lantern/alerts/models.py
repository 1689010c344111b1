"""Alerts: a rule (alerts/data/rules/) became true for a person, and a team must look.

An Alert is about one person and one rule, routed to one team by the partnership's
roles-and-responsibilities table (the rule's `route` step). It lists every fact that
caused it (AlertFact: which agency's record, of what kind, when), never a copy of what
the record says: each reader is shown a fact's content only if the access policy lets
them read the record itself (selectors.py).

At most one alert per rule and person is open (open or acknowledged) at a time: a new
firing adds its new facts to the open alert. Acting on an alert or dismissing it (with
a reason) closes it; the next firing after that is a new alert.

Rule tasks are AlertTask rows, not casework Actions: an Action belongs to a meeting or a
plan (a database constraint) and is made by a person, while a rule's task is made by
Lantern itself before any meeting, often for someone with no case at all (the victim
of a high-risk domestic abuse assessment). An open task gives its agency sight of the
person (the access policy's `alert_task` relationship), as an open action gives
`involved_agency`.

Who was told is AlertRecipient: each notification, to whom and why (the routed team, or
a role the rule names such as a child's school safeguarding lead), with the time they
should know by when the rule says (before the next school day).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency, Team
from lantern.people.models import Person, Sensitivity

USER = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTED_ON = "acted_on", "Acted on"
    DISMISSED = "dismissed", "Dismissed"


# An alert is open until it is acted on or dismissed.
OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"


class Alert(models.Model):
    """One rule true for one person, routed to one team."""

    rule = models.CharField(max_length=60, help_text="The rule's code.")
    rule_version = models.PositiveIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="alerts")
    route = models.CharField(max_length=40, help_text="The responsibilities step it went by.")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="alerts", help_text="The team routed to."
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="alerts", help_text="The team's agency."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    fired_at = models.DateTimeField(help_text="When the rule became true: its newest fact.")
    raised_at = models.DateTimeField(help_text="When Lantern raised the alert.")
    last_fact_at = models.DateTimeField(help_text="The time of the newest fact in the alert.")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    status_reason = models.TextField(
        blank=True, help_text="What was done (acted on), or why it was dismissed."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acted_on_at = models.DateTimeField(null=True, blank=True)
    acted_on_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "status"]),
            models.Index(fields=["person", "status"]),
            models.Index(fields=["rule", "raised_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "person"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="one_open_alert_per_rule_and_person",
            )
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk}: {self.rule} for {self.person.reference}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def closed_at(self):
        return self.acted_on_at or self.dismissed_at


class AlertFact(models.Model):
    """One fact that caused an alert: a pointer to an agency's record, never its content."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="facts")
    source_type = models.CharField(
        max_length=40, help_text='What the fact cites: "people.event" or "risk.assessment".'
    )
    source_id = models.BigIntegerField()
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whom the record is about (for an alert about the children at an address, "
        "the adult the incident was recorded against).",
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=50, help_text="An event type code, or risk_assessment.")
    at = models.DateTimeField(help_text="When it happened.")
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "source_type", "source_id"], name="alert_fact_once_per_alert"
            )
        ]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.source_type}:{self.source_id})"


class TaskStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled: the alert was dismissed"


class AlertTask(models.Model):
    """Something a rule says an agency must do about the person, by a working day."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="tasks")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="alert_tasks")
    text = models.CharField(max_length=500)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="What was done, or why it was cancelled.")

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["agency", "due_on"],
                condition=Q(status="open"),
                name="alerts_task_open_agency",
            )
        ]

    def __str__(self) -> str:
        return f"Task for {self.agency}: {self.text[:40]}"

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_on < today


class AlertRecipient(models.Model):
    """Someone Lantern told about an alert, and why: once when it was raised, and again
    each time new facts were added to it while it was open."""

    class Reason(models.TextChoices):
        TEAM = "team", "In the team the alert was routed to"
        ROLE = "role", "A role the rule names"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    role = models.CharField(max_length=40, help_text="The user's role code when told.")
    notification = models.ForeignKey(
        "access.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    told_at = models.DateTimeField()
    know_by = models.DateTimeField(
        null=True, blank=True, help_text="When they should know by (e.g. before school starts)."
    )

    class Meta:
        ordering = ["told_at", "pk"]
        indexes = [models.Index(fields=["alert", "user"])]

    def __str__(self) -> str:
        return f"{self.user} told of alert {self.alert_id}"
