"""The synthetic borough's own records: what was seeded, and the ground truth.

The truth is kept beside the data, never in it: linkage, rules and network
analysis are measured against it, and nothing a user sees reads it.
"""

from __future__ import annotations

from django.db import models

from lantern.people.models import SourceRecord


class BoroughSeed(models.Model):
    """The one borough seeded into this database."""

    name = models.CharField(max_length=100)
    seed = models.BigIntegerField()
    people = models.PositiveIntegerField(help_text="How many real individuals were generated.")
    source_records = models.PositiveIntegerField()
    events = models.PositiveIntegerField()
    seeded_at = models.DateTimeField()
    reference_date = models.DateField(help_text="The 'today' the borough's history runs up to.")

    def __str__(self) -> str:
        return f"{self.name} (seed {self.seed}, {self.people:,} people)"


class TrueIdentity(models.Model):
    """Which real individual each source record describes."""

    source_record = models.OneToOneField(
        SourceRecord, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    individual = models.PositiveIntegerField(db_index=True)
    household = models.PositiveIntegerField(
        default=0, help_text="The household the individual lived in: siblings and twins share one."
    )

    def __str__(self) -> str:
        return f"record {self.source_record_id} is individual {self.individual}"


class Scenario(models.Model):
    """A planted pattern: an exploitation group, a domestic-abuse escalation, twins."""

    class Kind(models.TextChoices):
        EXPLOITATION_GROUP = "exploitation_group", "Exploitation group"
        DOMESTIC_ABUSE_ESCALATION = "domestic_abuse_escalation", "Domestic abuse escalation"
        TWINS = "twins", "Twins who must never be merged"
        SIBLINGS = "siblings", "Siblings who must never be merged"

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField()
    facts = models.JSONField(default=dict, help_text="Vehicles, places and dates planted.")

    def __str__(self) -> str:
        return self.title


class ScenarioMember(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="members")
    individual = models.PositiveIntegerField()
    role = models.CharField(max_length=40)
    harm_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the planted serious harm happened to this person (empty for those "
        "not planted at risk): early identification is measured as an alert before it.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "individual"], name="scenario_member_once")
        ]

    def __str__(self) -> str:
        return f"individual {self.individual}, {self.role}"
