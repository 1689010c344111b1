"""What record linkage decided, and what people decided about it.

The engine (`engine.py`, Splink) proposes; these tables hold the outcome:

- `MatchKey`: the blocking keys of each current source record, indexed, so the
  front door finds candidate people among a million in a few milliseconds.
- `LinkRun`: one run of `lantern link`, with its counts and timings.
- `ReviewPair`: two source records a human must decide on (the grey zone, or a
  pair who share a household), and the decision once made. A "not the same
  person" decision is remembered: linkage never joins those two records again.
- `LinkChange`: every move of a source record from one person to another (a link,
  a merge, a split), with who, when and why, so each can be undone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lantern.people.models import Person, SourceRecord


class MatchKey(models.Model):
    key = models.CharField(max_length=120)
    source_record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")

    class Meta:
        # Keys are written once per record and de-duplicated as they are built: no unique
        # constraint, so a million records' keys go in with one index to keep, not two.
        indexes = [models.Index(fields=["key"], name="linkage_matchkey_key")]

    def __str__(self) -> str:
        return f"{self.key} -> record {self.source_record_id}"


class NameFrequency(models.Model):
    """How common each standardised name is among current records: a shared rare name is
    stronger evidence than a shared common one (term-frequency adjustment)."""

    column = models.CharField(max_length=20)
    value = models.CharField(max_length=100)
    share = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["column", "value"], name="name_frequency_once")
        ]

    def __str__(self) -> str:
        return f"{self.column} {self.value}: {self.share:.6f}"


class LinkRun(models.Model):
    class Mode(models.TextChoices):
        ALL = "all", "All source records"
        NEW = "new", "New source records only"

    mode = models.CharField(max_length=10, choices=Mode.choices)
    engine = models.CharField(max_length=20, default="duckdb")
    model_digest = models.CharField(max_length=64, help_text="SHA-256 of the model file used.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    records = models.PositiveIntegerField(default=0)
    last_record_id = models.BigIntegerField(
        default=0, help_text="The newest source record this run considered."
    )
    links_made = models.PositiveIntegerField(default=0)
    people_before = models.PositiveIntegerField(default=0)
    people_after = models.PositiveIntegerField(default=0)
    reviews_queued = models.PositiveIntegerField(default=0)
    refused_by_decision = models.PositiveIntegerField(
        default=0, help_text="Links the engine proposed that a human had already refused."
    )
    timings = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Link run {self.pk} ({self.get_mode_display()}) at {self.started_at:%Y-%m-%d %H:%M}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    SAME = "same", "The same person"
    DIFFERENT = "different", "Not the same person"


class ReviewPair(models.Model):
    class Why(models.TextChoices):
        GREY_ZONE = "grey_zone", "The evidence is not strong enough either way"
        HOUSEHOLD = "household", "They share an address: they may be relatives, or twins"

    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    match_weight = models.FloatField()
    match_probability = models.FloatField()
    evidence = models.JSONField(default=list, help_text="Field by field: the level and its weight.")
    why = models.CharField(max_length=20, choices=Why.choices)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    run = models.ForeignKey(
        LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="review_pair_once"),
            models.CheckConstraint(
                condition=Q(record_a__lt=F("record_b")), name="review_pair_in_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"])]

    def __str__(self) -> str:
        return f"Records {self.record_a_id} and {self.record_b_id}: {self.get_status_display()}"


class LinkChange(models.Model):
    class Kind(models.TextChoices):
        LINK = "link", "Linked by the engine"
        SAME = "same", "Linked by a reviewer"
        MERGE = "merge", "People merged"
        SPLIT = "split", "Record split off"
        UNDO = "undo", "A change undone"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    from_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(LinkRun, on_delete=models.SET_NULL, null=True, blank=True)
    pair = models.ForeignKey(ReviewPair, on_delete=models.SET_NULL, null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    made_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["to_person", "made_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: record {self.source_record_id} to {self.to_person_id}"
