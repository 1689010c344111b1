"""People as the partnership knows them.

A SourceRecord is one agency's record of one person exactly as it arrived. It is
never overwritten: a correction is a new version. A Person is the individual those
records are resolved to. Events are the dated facts an agency records about the
person its record describes.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not recorded"


class Sensitivity(models.TextChoices):
    NORMAL = "normal", "Normal"
    RESTRICTED = "restricted", "Restricted"
    SEALED = "sealed", "Sealed"


class IdentifierScheme(models.TextChoices):
    NHS_NUMBER = "nhs_number", "NHS number"
    UPN = "upn", "Unique pupil number"
    PNC_ID = "pnc_id", "Police National Computer ID"


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXY346789"  # no look-alikes (0/O, 1/I, 5/S, 2/Z)


def new_person_reference() -> str:
    return "P-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Person(models.Model):
    """One individual, resolved from the source records of one or more agencies.

    The names and date of birth here are the preferred view for lists; the person
    page shows every agency's own version beside it.
    """

    reference = models.CharField(max_length=12, unique=True, default=new_person_reference)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    sensitivity = models.CharField(
        max_length=10,
        choices=Sensitivity.choices,
        default=Sensitivity.NORMAL,
        db_default=Sensitivity.NORMAL,
        help_text="Sealed: seen only by those allocated, or in an approved emergency.",
    )
    created_at = models.DateTimeField()
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when linkage found this was the same individual as another person.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class SourceRecord(models.Model):
    """One agency's record of one person, as received. Never changed once written."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="source_records")
    local_id = models.CharField(
        max_length=64, help_text="The agency's own reference for this person."
    )
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="source_records"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    other_names = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=8, blank=True)
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    received_at = models.DateTimeField()
    correction_reason = models.CharField(max_length=300, blank=True)
    raw = models.JSONField(default=dict, help_text="The record exactly as the agency sent it.")

    # Only these may change after the record is written: linking moves `person`,
    # and a correction marks the old version as no longer current.
    MUTABLE_FIELDS = frozenset({"person", "is_current"})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "local_id", "version"], name="source_record_version_unique"
            ),
            models.UniqueConstraint(
                fields=["agency", "local_id"],
                condition=Q(is_current=True),
                name="one_current_version_per_source_record",
            ),
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["postcode"]),
        ]

    def __str__(self) -> str:
        return f"{self.agency.name} record {self.local_id} (version {self.version})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                raise ValidationError(
                    "A source record is never overwritten: record a correction as a new version."
                )
        super().save(*args, **kwargs)


class Identifier(models.Model):
    """An identifier carried by a source record. Only valid ones are trusted for matching."""

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(max_length=20, choices=IdentifierScheme.choices)
    value = models.CharField(max_length=20, help_text="Normalised when valid; as received if not.")
    is_valid = models.BooleanField()
    problem = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["scheme", "value"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_record", "scheme"], name="one_identifier_per_scheme_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class Address(models.Model):
    """An address an agency holds for a person, with the dates it applied."""

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="addresses"
    )
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    confidential = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Hidden from everyone but the holding agency and the allocated worker, "
        "e.g. a victim's new address.",
    )

    class Meta:
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["postcode"])]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in [self.line1, self.line2, self.town, self.postcode] if p)


class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent"
    CHILD = "child", "Child"
    SIBLING = "sibling", "Sibling"
    HOUSEHOLD_MEMBER = "household_member", "Household member"
    PARTNER = "partner", "Partner"
    EX_PARTNER = "ex_partner", "Ex-partner"
    PROFESSIONAL = "professional", "Professional involved"


# How a relationship reads from the other person's side.
RELATIONSHIP_INVERSE = {
    RelationshipKind.PARENT: RelationshipKind.CHILD,
    RelationshipKind.CHILD: RelationshipKind.PARENT,
    RelationshipKind.SIBLING: RelationshipKind.SIBLING,
    RelationshipKind.HOUSEHOLD_MEMBER: RelationshipKind.HOUSEHOLD_MEMBER,
    RelationshipKind.PARTNER: RelationshipKind.PARTNER,
    RelationshipKind.EX_PARTNER: RelationshipKind.EX_PARTNER,
    RelationshipKind.PROFESSIONAL: RelationshipKind.PROFESSIONAL,
}


class Relationship(models.Model):
    """`related` is `person`'s <kind>: e.g. kind=parent means related is person's parent."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    related = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    recorded_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=models.F("related")), name="relationship_not_to_self"
            ),
            models.UniqueConstraint(
                fields=["person", "related", "kind", "recorded_by"],
                name="relationship_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.related} is {self.person}'s {self.get_kind_display().lower()}"


class EventType(models.Model):
    """A kind of event. Data, not code: see people/data/event_types.toml."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    category = models.CharField(max_length=40)
    agency_kinds = models.JSONField(help_text="The kinds of agency that may record this event.")
    has_duration = models.BooleanField(default=False)
    default_sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A dated fact an agency records about the person its source record describes.

    The recording agency is the source record's agency: an agency records events
    only against its own records.
    """

    source_record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="events")
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    place = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["source_record", "occurred_at"]),
            models.Index(fields=["event_type", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type.name} on {self.occurred_at:%d %b %Y}"
