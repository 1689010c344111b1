"""A child's casework after the front door: the case, meetings (strategy discussions,
MACE, MARAC) with their attendance, information shared, decisions and actions;
section 47 enquiries; assessments; conferences; plans with their core group, core
group meetings, reviews and actions.

The order the steps may happen in is guarded in services.py; the models hold the
data and the invariants a database can keep (one enquiry per strategy discussion,
one plan per conference, an action belongs to a meeting or to a plan).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency
from lantern.people.models import Person

USER = settings.AUTH_USER_MODEL


class Case(models.Model):
    """One episode of a child's casework, from a front-door decision (or an open case)
    to its closure."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    referral = models.OneToOneField(
        "frontdoor.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        help_text="The front-door referral whose decision started the case, if any.",
    )
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=1000)
    started_at = models.DateTimeField(help_text="The referral received, or the case opened.")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(closed_at__isnull=True), name="one_open_case"
            )
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} for {self.person.reference}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    MACE = "mace", "Multi-agency child exploitation meeting (MACE)"
    MARAC = "marac", "Multi-agency risk assessment conference (MARAC)"


class CriminalInvestigation(models.TextChoices):
    NONE = "none", "No criminal investigation"
    SINGLE = "single", "Police investigation (single agency)"
    JOINT = "joint", "Joint investigation (police and social care)"


class Meeting(models.Model):
    """A multi-agency meeting about one child (or, at MARAC, one victim)."""

    kind = models.CharField(max_length=30, choices=MeetingKind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meetings")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    referral = models.ForeignKey(
        "frontdoor.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    held_at = models.DateTimeField()
    chair = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(blank=True, help_text="Why the meeting was held.")
    # A strategy discussion's two decisions (empty for other kinds).
    start_section_47 = models.BooleanField(null=True, blank=True)
    criminal_investigation = models.CharField(
        max_length=10, choices=CriminalInvestigation.choices, blank=True
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at", "pk"]
        indexes = [models.Index(fields=["person", "held_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_at:%Y-%m-%d}"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Sent apologies"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class MeetingAgency(models.Model):
    """One invited agency at a meeting: whether it came, who for it, and what it shared."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agencies")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    attendance = models.CharField(max_length=20, choices=Attendance.choices)
    attendees = models.CharField(max_length=500, blank=True, help_text="Who, for this agency.")
    information = models.TextField(blank=True, help_text="What this agency shared.")

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="one_row_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_attendance_display()}"

    @property
    def took_part(self) -> bool:
        return self.attendance == Attendance.ATTENDED


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.text[:60]


class EnquiryOutcome(models.TextChoices):
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"
    CHILD_IN_NEED_PLAN = "child_in_need_plan", "Child in need plan"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"


class Enquiry(models.Model):
    """A section 47 enquiry, started by the strategy discussion that decided on one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="enquiries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    strategy_discussion = models.OneToOneField(
        Meeting, on_delete=models.PROTECT, related_name="enquiry"
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    lead_worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=EnquiryOutcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return f"Section 47 enquiry started {self.started_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


class AssessmentKind(models.TextChoices):
    CHILD_IN_NEED = "child_in_need", "Child in need assessment"
    CHILD_PROTECTION = "child_protection", "Child protection assessment"


class Assessment(models.Model):
    """A child and family assessment, due within 45 working days of the referral."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=AssessmentKind.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    lead_worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    findings = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} started {self.started_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


class ConferenceKind(models.TextChoices):
    INITIAL = "initial", "Initial child protection conference"
    REVIEW = "review", "Review child protection conference"


class ConferenceOutcome(models.TextChoices):
    PLAN = "plan", "Child protection plan"
    NO_PLAN = "no_plan", "No child protection plan"
    CONTINUE = "continue", "The plan continues"
    END = "end", "The plan ends: no longer at continuing risk of significant harm"


class Category(models.TextChoices):
    PHYSICAL = "physical", "Physical abuse"
    EMOTIONAL = "emotional", "Emotional abuse"
    SEXUAL = "sexual", "Sexual abuse"
    NEGLECT = "neglect", "Neglect"
    MULTIPLE = "multiple", "Multiple"


class Conference(models.Model):
    """An initial or review child protection conference, with the chair's decision."""

    kind = models.CharField(max_length=10, choices=ConferenceKind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="conferences")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    enquiry = models.OneToOneField(
        Enquiry, on_delete=models.PROTECT, null=True, blank=True, related_name="conference"
    )
    plan = models.ForeignKey(
        "Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    held_at = models.DateTimeField()
    chair = models.CharField(max_length=200, help_text="The independent chair.")
    outcome = models.CharField(max_length=10, choices=ConferenceOutcome.choices)
    category = models.CharField(max_length=10, choices=Category.choices, blank=True)
    reasons = models.TextField()
    dissent = models.TextField(blank=True, help_text="Who disagreed with the decision, and why.")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="initial", enquiry__isnull=False, plan__isnull=True)
                | Q(kind="review", enquiry__isnull=True, plan__isnull=False),
                name="conference_initial_has_enquiry_review_has_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_at:%Y-%m-%d}"


class PlanKind(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"


class ClosureReason(models.TextChoices):
    REVIEW_ENDED = "review_ended", "A review conference ended the plan"
    NEEDS_MET = "needs_met", "The child's needs are met"
    STEPPED_DOWN = "stepped_down", "Stepped down to early help"
    MOVED_AWAY = "moved_away", "The child moved to another area (transferred)"
    TURNED_18 = "turned_18", "The child turned 18"
    OTHER = "other", "Other (say why)"


class Plan(models.Model):
    """A child protection plan (decided by a conference) or a child in need plan."""

    kind = models.CharField(max_length=20, choices=PlanKind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    conference = models.OneToOneField(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_made"
    )
    enquiry = models.OneToOneField(
        Enquiry, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_made"
    )
    category = models.CharField(max_length=10, choices=Category.choices, blank=True)
    lead_worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    next_review_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_note = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CoreGroupMember(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="core_group")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, help_text="When not a Lantern user.")
    role = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["agency__name", "pk"]

    def __str__(self) -> str:
        return f"{self.who}, {self.agency}"

    @property
    def who(self) -> str:
        return self.user.get_full_name() if self.user_id else self.name


class CoreGroupMeeting(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="core_group_meetings")
    held_at = models.DateTimeField()
    notes = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at", "pk"]

    def __str__(self) -> str:
        return f"Core group meeting on {self.held_at:%Y-%m-%d}"


class Action(models.Model):
    """Something one agency (and perhaps a named person in it) will do by a date, agreed
    at a meeting or in a plan, and done with a note."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField()
    due_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner_agency", "due_on"],
                condition=Q(completed_at__isnull=True),
                name="casework_action_open_agency",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, plan__isnull=True)
                | Q(meeting__isnull=True, plan__isnull=False),
                name="action_belongs_to_a_meeting_or_a_plan",
            )
        ]

    def __str__(self) -> str:
        return f"Action for {self.owner_agency}: {self.description[:40]}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    def is_overdue(self, today) -> bool:
        return self.completed_at is None and self.due_on < today
