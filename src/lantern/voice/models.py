"""What children, families and survivors said, what they agreed it may be used for, and
what the partnership did about it.

- `Feedback`: what someone said, in their own words, when and how; who gave it as a kind
  (a child, a parent...) and, if the worker knows, which person it is about or from. Held
  by the agency whose worker recorded it. The worker tags it with themes
  (data/themes.toml) and a sentiment.
- Consent is data: the uses the giver agreed to (`Use`), kept current on the feedback as
  three flags so that reads can filter on them, and every change kept in
  `ConsentChange` (given, or withdrawn: never deleted). A withdrawn use stops from then on.
- `Quote`: words from the feedback chosen to be quoted without a name, only while the
  giver's consent to be quoted holds.
- `PartnershipAction`: "you said, we did": what the partnership (an agency or a board) did
  in response, linked to the themes and the feedback behind it (`ActionFeedback`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency
from lantern.people.models import Person, Sensitivity


class GiverKind(models.TextChoices):
    CHILD = "child", "A child"
    YOUNG_PERSON = "young_person", "A young person"
    PARENT_CARER = "parent_carer", "A parent or carer"
    ADULT_SURVIVOR = "adult_survivor", "An adult survivor"
    OTHER = "other", "Someone else"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person, to a worker"
    PHONE = "phone", "By phone or video call"
    LETTER = "letter", "A letter, card or drawing"
    SURVEY = "survey", "A survey or questionnaire"
    MESSAGE = "message", "A text, email or online message"
    ADVOCATE = "advocate", "Through an advocate, on their behalf"
    GROUP = "group", "In a group or forum"
    MEETING = "meeting", "At a meeting about them"
    OTHER = "other", "Another way"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    MIXED = "mixed", "Mixed"
    NEGATIVE = "negative", "Negative"


class Use(models.TextChoices):
    """What a giver may agree their feedback is used for."""

    SERVICE_LEARNING = "service_learning", "The agency may learn from it"
    PARTNERSHIP_ANONYMISED = (
        "partnership_anonymised",
        "It may be counted, without their name, in the partnership's view",
    )
    QUOTE_ANONYMISED = "quote_anonymised", "Their words may be quoted, without their name"


# The flag on Feedback that holds each use's current consent.
CONSENT_FIELDS = {
    Use.SERVICE_LEARNING: "consent_service_learning",
    Use.PARTNERSHIP_ANONYMISED: "consent_partnership",
    Use.QUOTE_ANONYMISED: "consent_quote",
}


class Feedback(models.Model):
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The agency that holds it."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    given_on = models.DateField(help_text="The day they said it.")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    giver_kind = models.CharField(max_length=20, choices=GiverKind.choices)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who it is about or from, if the worker knows and may see them.",
    )
    sensitivity = models.CharField(
        max_length=10,
        choices=Sensitivity.choices,
        default=Sensitivity.NORMAL,
        help_text="Restricted or sealed when what was said could put the giver at risk.",
    )
    words = models.TextField(help_text="What they said, in their own words.")
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    themes_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The themes file's version when it was last tagged."
    )
    tagged_at = models.DateTimeField(null=True, blank=True)
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_service_learning = models.BooleanField(default=False)
    consent_partnership = models.BooleanField(default=False)
    consent_quote = models.BooleanField(default=False)

    class Meta:
        ordering = ["-given_on", "-pk"]
        indexes = [
            models.Index(fields=["agency", "given_on"]),
            models.Index(fields=["given_on", "consent_partnership"]),
        ]

    def __str__(self) -> str:
        return f"feedback {self.pk} given {self.given_on}"

    @property
    def uses(self) -> list[str]:
        """The uses the giver agrees to now."""
        return [use for use, name in CONSENT_FIELDS.items() if getattr(self, name)]

    def allows(self, use: str) -> bool:
        return bool(getattr(self, CONSENT_FIELDS[use]))


class FeedbackTheme(models.Model):
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="theme_tags")
    theme = models.CharField(max_length=60, help_text="A theme's code in themes.toml.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "theme"], name="voice_theme_once")
        ]
        indexes = [models.Index(fields=["theme"])]

    def __str__(self) -> str:
        return f"{self.theme} on {self.feedback_id}"


class ConsentChange(models.Model):
    """One change to what a giver agreed to. Never changed or deleted once written."""

    class Kind(models.TextChoices):
        GIVEN = "given", "Agreed"
        WITHDRAWN = "withdrawn", "Withdrew"

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="consent_changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    uses = models.JSONField(help_text="The uses agreed to or withdrawn (Use values).")
    on = models.DateField(help_text="The day the giver said so.")
    note = models.CharField(max_length=500, blank=True, help_text="How they said so.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {', '.join(self.uses)} on {self.on}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A consent change is never altered: record a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A consent change is never deleted")


class Quote(models.Model):
    """Words from a piece of feedback that may be shown, without a name, to the partnership,
    while the giver agrees to be quoted."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField()
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    chosen_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["chosen_at", "pk"]

    def __str__(self) -> str:
        return f"quote {self.pk} from {self.feedback_id}"


class ActionStatus(models.TextChoices):
    AGREED = "agreed", "Agreed"
    UNDER_WAY = "under_way", "Under way"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped"


class PartnershipAction(models.Model):
    """What the partnership did because of what it heard: "you said, we did"."""

    title = models.CharField(max_length=200)
    you_said = models.TextField(help_text="What the partnership heard, in its own words.")
    we_did = models.TextField(help_text="What was done, or is being done, about it.")
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_body = models.CharField(
        max_length=200, blank=True, help_text="A board or group of the partnership that leads it."
    )
    agreed_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.AGREED
    )
    done_on = models.DateField(null=True, blank=True)
    themes = models.JSONField(default=list, help_text="Theme codes (themes.toml) it answers.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    feedback = models.ManyToManyField(
        Feedback, through="ActionFeedback", related_name="actions", blank=True
    )

    class Meta:
        ordering = ["-agreed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_agency__isnull=False) | ~Q(lead_body=""),
                name="voice_action_has_a_lead",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False) | ~Q(status="done"),
                name="voice_action_done_has_a_day",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def lead(self) -> str:
        return self.lead_agency.name if self.lead_agency_id else self.lead_body


class ActionFeedback(models.Model):
    action = models.ForeignKey(PartnershipAction, on_delete=models.PROTECT, related_name="links")
    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="action_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "feedback"], name="voice_link_once")
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id} behind {self.action_id}"
