"""Operations, investigations and court outcomes, count by count.

- An `Operation` (held by a police force) holds `Investigation`s: active, closed, or
  closed with no further action. Each has `Suspect`s and `Victim`s (lantern persons) and
  `Arrest`s of suspects.
- A `CourtCase` is one defendant's case: its `Charge`s are the numbered counts of the
  indictment, each with its offence, a plea (none yet, guilty, not guilty), a verdict
  where there was a trial (guilty, not guilty, no verdict; unanimous or by a majority) and
  a `Sentence` if convicted. `Hearing`s are the dates in court.
- A count is convicted by a guilty plea or a guilty verdict. A sentence runs concurrently
  or consecutively to another count's; `outcomes.effective_term` adds the consecutive ones
  and not the concurrent ones.
- `BailCondition`s and `CourtOrder`s have expiry dates; the police may share bail
  conditions with an agency that needs them (the child's social worker).
- `VictimDuty`: one Victims' Code duty owed to one victim (tell her of the charge within a
  working day), a task with a deadline (timescales), opened when its trigger happens.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lantern.partners.models import Agency, Team
from lantern.people.models import Person, Sensitivity


class Operation(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    def __str__(self) -> str:
        return self.name


class InvestigationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    NO_FURTHER_ACTION = "nfa", "No further action"


class Investigation(models.Model):
    operation = models.ForeignKey(
        Operation, on_delete=models.PROTECT, related_name="investigations"
    )
    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=InvestigationStatus.choices, default=InvestigationStatus.ACTIVE
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=500, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team that keeps victims informed and owns the duties' deadlines.",
    )
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    class Meta:
        indexes = [models.Index(fields=["operation", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | (~Q(status="active") & Q(closed_on__isnull=False)),
                name="justice_investigation_closed_iff_not_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class Suspect(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.PROTECT, related_name="suspects"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    added_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["investigation", "person"], name="justice_suspect_once")
        ]

    def __str__(self) -> str:
        return f"suspect {self.person_id} in {self.investigation_id}"


class Victim(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.PROTECT, related_name="victims"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    identified_on = models.DateField()
    enhanced_rights = models.BooleanField(
        help_text="Entitled to the Victims' Code's enhanced service (a child, a victim of the "
        "most serious crime, persistently targeted, vulnerable or intimidated): told sooner."
    )
    engaged_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the victim last chose to take part (support the case); every spell is "
        "in Engagement.",
    )
    disengaged_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["investigation", "person"], name="justice_victim_once")
        ]

    def __str__(self) -> str:
        return f"victim {self.person_id} in {self.investigation_id}"


class Engagement(models.Model):
    """One spell in which a victim chose to take part (support the case). A victim may
    step back and come back: each spell is kept, so totals "as at" a past day hold."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="engagements")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["victim", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["victim"],
                condition=Q(ended_on__isnull=True),
                name="justice_one_open_engagement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.victim_id} engaged from {self.started_on}"


class Arrest(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.PROTECT, related_name="arrests"
    )
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="arrests")
    arrested_on = models.DateField()
    offences = models.JSONField(help_text="Offence codes suspected (justice/data/offences.toml).")

    class Meta:
        indexes = [models.Index(fields=["investigation", "arrested_on"])]

    def __str__(self) -> str:
        return f"arrest of {self.suspect_id} on {self.arrested_on}"


class CourtCase(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.PROTECT, related_name="court_cases"
    )
    defendant = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="court_cases")
    reference = models.CharField(max_length=40, unique=True)
    court = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.reference


class Plea(models.TextChoices):
    NONE = "none", "None yet"
    GUILTY = "guilty", "Guilty"
    NOT_GUILTY = "not_guilty", "Not guilty"


class Verdict(models.TextChoices):
    NONE = "none", "None yet"
    GUILTY = "guilty", "Guilty"
    NOT_GUILTY = "not_guilty", "Not guilty"
    NO_VERDICT = "no_verdict", "No verdict (the jury could not agree)"


class Charge(models.Model):
    """One count of a defendant's case."""

    court_case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="charges")
    # Copied from the case, so that an operation's totals read one table, not four joined.
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="+")
    defendant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    offence = models.CharField(max_length=60)
    particulars = models.CharField(max_length=500, blank=True)
    charged_on = models.DateField()
    victim = models.ForeignKey(
        Victim, on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    plea = models.CharField(max_length=12, choices=Plea.choices, default=Plea.NONE)
    plea_on = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, default=Verdict.NONE)
    verdict_on = models.DateField(null=True, blank=True)
    unanimous = models.BooleanField(null=True, blank=True)
    majority = models.CharField(
        max_length=5, blank=True, help_text="For a majority verdict: jurors for and against, 10-2."
    )

    class Meta:
        ordering = ["court_case", "number"]
        indexes = [
            # An operation's totals (justice/migrations/0005_totals_indexes.py).
            models.Index(
                fields=["operation", "charged_on", "defendant"],
                name="justice_charge_op_day_person",
            ),
            models.Index(
                fields=[
                    "operation",
                    "defendant",
                    "charged_on",
                    "plea",
                    "plea_on",
                    "verdict",
                    "verdict_on",
                ],
                condition=Q(plea="guilty") | Q(verdict="guilty"),
                name="justice_charge_convicted",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["court_case", "number"], name="justice_count_once")
        ]

    def __str__(self) -> str:
        return f"count {self.number} of {self.court_case_id}"

    @property
    def convicted(self) -> bool:
        return self.plea == Plea.GUILTY or self.verdict == Verdict.GUILTY

    @property
    def convicted_on(self):
        if self.plea == Plea.GUILTY:
            return self.plea_on
        if self.verdict == Verdict.GUILTY:
            return self.verdict_on
        return None


class HearingKind(models.TextChoices):
    FIRST_APPEARANCE = "first_appearance", "First appearance"
    PLEA = "plea", "Plea hearing"
    TRIAL = "trial", "Trial"
    SENTENCING = "sentencing", "Sentencing"
    APPEAL = "appeal", "Appeal"


# The order hearings come in: a later kind is never dated before an earlier one.
HEARING_ORDER = [k.value for k in HearingKind]


class Hearing(models.Model):
    court_case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="hearings")
    kind = models.CharField(max_length=20, choices=HearingKind.choices)
    on = models.DateField()
    court = models.CharField(max_length=200)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"


class SentenceKind(models.TextChoices):
    CUSTODY = "custody", "Custody"
    LIFE = "life", "Life imprisonment"
    SUSPENDED = "suspended", "Suspended sentence"
    COMMUNITY = "community", "Community order"
    OTHER = "other", "Other order"


class Sentence(models.Model):
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="sentence")
    # Copied from the count, so that an operation's totals read one table.
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="+")
    court_case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SentenceKind.choices)
    term_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="Custody or a suspended sentence: the term."
    )
    minimum_term_months = models.PositiveIntegerField(
        null=True, blank=True, help_text="Life: the minimum term before parole may be considered."
    )
    consecutive_to = models.ForeignKey(
        Charge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: concurrent (runs alongside the others). Otherwise it starts when "
        "this count's sentence ends.",
    )
    description = models.CharField(max_length=500, blank=True)
    sentenced_on = models.DateField()
    ends_after_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Custody: when this term ends, in months from the first sentencing, after "
        "the count it is consecutive to (that count is always sentenced first or with it). "
        "The case's effective term on any day is the largest of these passed by then.",
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["operation", "court_case", "sentenced_on", "kind", "ends_after_months"],
                condition=Q(kind__in=["custody", "life"]),
                name="justice_sentence_custodial",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on count {self.charge_id}"

    @property
    def custodial(self) -> bool:
        return self.kind in (SentenceKind.CUSTODY, SentenceKind.LIFE)


class BailCondition(models.Model):
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="bail_conditions")
    conditions = models.TextField()
    starts_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    shared_with = models.ManyToManyField(Agency, blank=True, related_name="+")
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )

    def __str__(self) -> str:
        return f"bail for {self.suspect_id} from {self.starts_on}"


class CourtOrder(models.Model):
    class Kind(models.TextChoices):
        SHPO = "shpo", "Sexual harm prevention order"
        SRO = "sro", "Sexual risk order"
        RESTRAINING = "restraining", "Restraining order"
        CAWN = "cawn", "Child abduction warning notice"
        DAPO = "dapo", "Domestic abuse protection order"
        OTHER = "other", "Other order"

    court_case = models.ForeignKey(
        CourtCase, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    made_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    terms = models.TextField()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} made {self.made_on}"


class VictimDuty(models.Model):
    """One Victims' Code duty owed to one victim: tell her of this, by then."""

    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="duties")
    duty = models.CharField(max_length=40, help_text="A duty's code in victims_code.toml.")
    trigger = models.CharField(max_length=200, help_text="What happened, in words.")
    triggered_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    how = models.CharField(max_length=300, blank=True, help_text="How the victim was told.")

    class Meta:
        ordering = ["triggered_at", "pk"]

    def __str__(self) -> str:
        return f"{self.duty} for {self.victim_id}"
