"""Context and networks: people, objects, locations and events (the police POLE model),
and the links between them, each from an intelligence report with its grading.

- `Entity`: one person (a lantern person), vehicle, phone, handset, online account,
  location or event, held once: a registration typed with a space, a phone number in
  another format or a person found through the linkage search all reach the same entity
  (`normalise.py` makes the key).
- `IntelligenceReport`: the unit of provenance, grading and access. Who recorded it,
  when, from which source, graded on the 3x5x2 scheme (`grading.py`): how reliable the
  source is, how the source knows, and whether and how it may be shared.
- `Link`: two entities seen together (a child found in a car, an adult driving it, a
  phone used by a child), with the dates, in one report.
- `SharedSummary`: what the police chose to tell another agency about a report, in words
  written for sharing, under an information-sharing agreement: the recipient sees the
  summary and the links it names, never the report, its grading or its source.
- The analysis (`analysis.py`) keeps each entity's connected group and community in the
  entity's own row, recomputed in full by `lantern network analyse` and kept up to date
  link by link in between; `AnalysisRun` records each full run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.access.models import InformationSharingAgreement
from lantern.partners.models import Agency
from lantern.people.models import Event, Person, Sensitivity


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    VEHICLE = "vehicle", "Vehicle"
    PHONE = "phone", "Phone number"
    HANDSET = "handset", "Handset (IMEI)"
    ONLINE_ACCOUNT = "online_account", "Online account"
    LOCATION = "location", "Location"
    EVENT = "event", "Event"


class PlaceType(models.TextChoices):
    ADDRESS = "address", "Address"
    TAKEAWAY = "takeaway", "Takeaway"
    HOTEL = "hotel", "Hotel"
    TAXI_BASE = "taxi_base", "Taxi firm or base"
    SHOP = "shop", "Shop or business"
    OPEN_SPACE = "open_space", "Open space"
    SCHOOL = "school", "School or college"
    ONLINE_SPACE = "online_space", "Online space"
    OTHER = "other", "Other place"


class Entity(models.Model):
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    key = models.CharField(
        max_length=200,
        help_text="The normalised identity within its kind: a registration without spaces, "
        "a phone number in one format, platform:handle, a place's name and postcode, a "
        "person's reference.",
    )
    label = models.CharField(max_length=200, help_text="How the entity is shown.")
    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="network_entity"
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Make and colour of a vehicle, a location's type and postcode, a phone's "
        "deal-line flag, an event's date.",
    )
    flagged = models.BooleanField(
        default=False,
        help_text="A person posing a risk, or a location of concern (a hotspot), as agreed "
        "by the police or a MACE meeting.",
    )
    flag_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    # The analysis, refreshed in full by `analysis.recompute` and kept current link by link
    # (`analysis.link_added`): the connected group's and the community's smallest entity id.
    component = models.BigIntegerField(null=True, blank=True, db_index=True)
    community = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="network_entity_once"),
            models.CheckConstraint(
                condition=Q(kind="person", person__isnull=False)
                | (~Q(kind="person") & Q(person__isnull=True)),
                name="network_entity_person_iff_person_kind",
            ),
        ]
        verbose_name_plural = "entities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class Origin(models.TextChoices):
    FORM = "form", "Entered on the form"
    API = "api", "Sent through the API"
    CSV = "csv", "Loaded from a CSV batch"
    EVENT = "event", "Taken from an agency's recorded event"


class IntelligenceReport(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The agency that holds it."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    observed_on = models.DateField(help_text="When what it reports was seen or happened.")
    source_description = models.CharField(
        max_length=200, help_text="Who or what the information came from, in the holder's words."
    )
    source_evaluation = models.CharField(max_length=1, help_text="3x5x2: A, B or C.")
    intelligence_assessment = models.CharField(max_length=1, help_text="3x5x2: 1 to 5.")
    handling_code = models.CharField(max_length=1, help_text="3x5x2: P or C.")
    handling_conditions = models.TextField(
        blank=True, help_text="For handling code C: the conditions on any sharing."
    )
    text = models.TextField(help_text="The report in the officer's words.")
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    origin_event = models.OneToOneField(
        Event,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_report",
        help_text="The agency event the report was taken from, for reports of origin 'event'.",
    )

    class Meta:
        indexes = [models.Index(fields=["agency", "observed_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def grading(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"


class LinkKind(models.TextChoices):
    SEEN_WITH = "seen_with", "Seen with"
    FOUND_WITH = "found_with", "Found with"
    ASSOCIATE = "associate", "Associates with"
    IN_VEHICLE = "in_vehicle", "Seen in the vehicle"
    DRIVES = "drives", "Drives"
    USES_PHONE = "uses_phone", "Uses the phone"
    CONTACTED = "contacted", "In contact by phone or online"
    USES_ACCOUNT = "uses_account", "Uses the online account"
    AT_LOCATION = "at_location", "Seen at"
    FOUND_AT = "found_at", "Found at"
    LIVES_AT = "lives_at", "Lives or stays at"
    WORKS_AT = "works_at", "Works at or runs"
    TOOK_PART = "took_part", "Took part in"


class Link(models.Model):
    report = models.ForeignKey(IntelligenceReport, on_delete=models.PROTECT, related_name="links")
    source = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="links_out")
    target = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    first_seen = models.DateField()
    last_seen = models.DateField(null=True, blank=True)
    # Copied from the report, so that filtering links by access needs no join.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    sensitivity = models.CharField(max_length=10, choices=Sensitivity.choices)

    class Meta:
        indexes = [
            models.Index(fields=["source", "first_seen"]),
            models.Index(fields=["target", "first_seen"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="network_link_two_entities"
            ),
            models.CheckConstraint(
                condition=Q(last_seen__isnull=True) | Q(last_seen__gte=models.F("first_seen")),
                name="network_link_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class SharedSummary(models.Model):
    report = models.ForeignKey(
        IntelligenceReport, on_delete=models.PROTECT, related_name="summaries"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The agency that shared it."
    )
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(
        InformationSharingAgreement, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(help_text="The sanitised summary, written for the recipient.")
    conditions = models.TextField(
        blank=True, help_text="The report's handling conditions, which travel with it."
    )
    links = models.ManyToManyField(Link, related_name="summaries")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        verbose_name_plural = "shared summaries"

    def __str__(self) -> str:
        return f"summary of {self.report_id} for {self.recipient_id}"


class AnalysisRun(models.Model):
    started_at = models.DateTimeField()
    seconds = models.FloatField()
    entities = models.PositiveIntegerField()
    links = models.PositiveIntegerField()
    components = models.PositiveIntegerField()
    communities = models.PositiveIntegerField()
    modularity = models.FloatField()

    def __str__(self) -> str:
        return f"analysis of {self.started_at:%Y-%m-%d %H:%M}"
