"""Survivor support: plans that last as long as a survivor needs them.

- A `Provider` runs `Service`s (counselling, advocacy, sexual violence support, housing,
  education and work...): the partnership's directory, with each service's capacity and
  usual wait.
- A `SupportPlan` is one survivor's support, led by a named worker of a lead agency: her
  `Need`s, `Goal`s, the `ServiceReferral`s made for her (sent, accepted or declined, waiting,
  started, ended), the `SupportContact`s with her and the `PlanReview`s. A plan is not tied to
  a child's case: it goes on when the case closes and when she turns 18.
- A plan's `Engagement`s are the spells in which she was supported. Ending a plan ends the
  spell; re-engaging her (at any time, without a new referral to the front door) opens a new
  one on the same plan, so her history stays in one place.
- `SafeContact`: how and when she may be contacted safely, and whether her address is hidden
  from everyone but her lead worker. Each change is a new row; the latest is in force.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency
from lantern.people.models import Person, Sensitivity

USER = settings.AUTH_USER_MODEL


class ServiceCategory(models.TextChoices):
    COUNSELLING = "counselling", "Counselling and therapy"
    ADVOCACY = "advocacy", "Independent advocacy (ISVA, IDVA)"
    SEXUAL_VIOLENCE = "sexual_violence", "Sexual violence support"
    EXPLOITATION = "exploitation", "Exploitation support"
    HOUSING = "housing", "Housing"
    EDUCATION_WORK = "education_work", "Education and work"
    HEALTH = "health", "Health"
    LEGAL = "legal", "Legal help and compensation"
    PEER = "peer", "Peer support"
    OTHER = "other", "Other"


class ProviderKind(models.TextChoices):
    COMMISSIONED = "commissioned", "Commissioned"
    VOLUNTARY = "voluntary", "Voluntary"
    STATUTORY = "statutory", "Statutory"


class Provider(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner agency that runs it, if it works in Lantern.",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    description = models.TextField(blank=True)
    for_children = models.BooleanField(default=True)
    for_adults = models.BooleanField(default=True)
    capacity = models.PositiveIntegerField(help_text="How many people it can support at once.")
    typical_wait_weeks = models.PositiveIntegerField(
        default=0, help_text="The usual wait from acceptance to the first session, in weeks."
    )
    accepting = models.BooleanField(default=True)
    answer_within_days = models.PositiveIntegerField(
        default=10,
        help_text="Working days the provider has to answer a referral before it is chased.",
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider.name})"


class SupportPlan(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_plans")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The lead agency."
    )
    lead_worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    lead_access = models.ForeignKey(
        "access.AccessBasis",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The lead worker's allocation that came with the plan, while it is open.",
    )
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The child's case the plan began in, if any. The plan outlives it.",
    )
    summary = models.TextField(blank=True)
    review_every_months = models.PositiveSmallIntegerField(default=3)
    next_review_on = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="one_open_support_plan"
            )
        ]

    def __str__(self) -> str:
        return f"Support plan {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class Engagement(models.Model):
    """A spell of support: from the plan's opening (or a re-engagement) to its ending."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="engagements")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    start_reason = models.CharField(max_length=1000)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(ended_at__isnull=True), name="one_open_engagement"
            )
        ]

    def __str__(self) -> str:
        return f"Engagement {self.pk} of plan {self.plan_id}"


class NeedArea(models.TextChoices):
    SAFETY = "safety", "Feeling and being safe"
    EMOTIONAL = "emotional", "Emotional wellbeing and mental health"
    PHYSICAL = "physical", "Physical and sexual health"
    HOUSING = "housing", "Housing"
    EDUCATION_WORK = "education_work", "Education, training and work"
    JUSTICE = "justice", "The justice process (police, court)"
    MONEY = "money", "Money and compensation"
    FAMILY = "family", "Family and relationships"
    OTHER = "other", "Other"


class Need(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="needs")
    area = models.CharField(max_length=20, choices=NeedArea.choices)
    description = models.TextField()
    in_her_words = models.TextField(
        blank=True, help_text="What the survivor said about this need, in her own words."
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.get_area_display()


class GoalStatus(models.TextChoices):
    OPEN = "open", "Working towards"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "No longer wanted"


class Goal(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField()
    target_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["set_at", "pk"]

    def __str__(self) -> str:
        return self.description[:60]


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted, waiting to start"
    DECLINED = "declined", "Declined"
    STARTED = "started", "Started"
    ENDED = "ended", "Ended"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ServiceReferral(models.Model):
    """A referral of the survivor to one service, from sending to the service's end."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    referred_at = models.DateTimeField()
    referred_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.CharField(max_length=1000, blank=True)
    expected_start_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=1000, blank=True)
    last_chased_at = models.DateTimeField(null=True, blank=True)
    times_chased = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["referred_at", "pk"]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.service_id}"


class ContactMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    VIDEO = "video", "Video call"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    ATTEMPTED = "attempted", "Tried, no contact made"


class SupportContact(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="contacts")
    happened_at = models.DateTimeField()
    method = models.CharField(max_length=12, choices=ContactMethod.choices)
    summary = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-happened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.happened_at:%d %b %Y}"


class PlanReview(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    summary = models.TextField()
    her_view = models.TextField(blank=True, help_text="What the survivor said about her support.")
    next_review_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review on {self.held_on:%d %b %Y}"


class SafeContact(models.Model):
    """How and when a person may be contacted safely. Each change is a new row; the latest
    row for a person is the one in force."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safe_contacts")
    phone = models.CharField(max_length=40, blank=True, help_text="The only number to use.")
    times = models.CharField(
        max_length=200, blank=True, help_text="When it is safe to contact her."
    )
    may_call = models.BooleanField(default=True)
    may_text = models.BooleanField(default=True)
    may_leave_message = models.BooleanField(default=False)
    may_post = models.BooleanField(default=False)
    may_email = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    notes = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Anything else a worker must know, such as a name to give when calling.",
    )
    hide_address = models.BooleanField(
        default=False,
        help_text="Her address is shown only to her lead worker: someone may be seeking her.",
    )
    hide_reason = models.CharField(max_length=1000, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["person", "-recorded_at"])]

    def __str__(self) -> str:
        return f"Safe contact for person {self.person_id}"
