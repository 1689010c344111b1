"""Subject access requests: a person asks for everything Lantern holds about them.

- A `SubjectAccessRequest` moves through four steps, in order: received (logged by a data
  protection officer, or by a worker passing it on), pack prepared, checked by a data
  protection officer, released (in full, or with some of the person's own data withheld,
  with the reason). It is due one calendar month after it was received, or three when the
  DPO extends it, with a reason, within the first month (`deadlines.py`).
- The `Pack` is a snapshot taken when it was prepared: what every agency held then, with
  third parties' data already cut out into numbered `Redaction`s. The DPO may add a
  redaction or lift one, with a reason, until the pack is checked; checking freezes it and
  prints the PDF that is released, so what was checked is exactly what is released.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from lantern.partners.models import Agency
from lantern.people.models import REFERENCE_ALPHABET, Person

USER = settings.AUTH_USER_MODEL


def new_sar_reference() -> str:
    return "SAR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Requester(models.TextChoices):
    SUBJECT = "subject", "The person themselves"
    REPRESENTATIVE = "representative", "A representative with their authority"


class IdentityCheck(models.TextChoices):
    DOCUMENTS = "documents", "Identity documents seen (passport, driving licence, or similar)"
    IN_PERSON = "in_person", "Known to the worker, who confirmed who they are in person"
    QUESTIONS = "questions", "Answered questions only the person could answer"
    REPRESENTATIVE = "representative", "The representative's identity and authority checked"


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    PREPARED = "prepared", "Pack prepared"
    CHECKED = "checked", "Checked by a data protection officer"
    RELEASED = "released", "Released"


# The steps in the order they must happen.
STEPS = [Status.RECEIVED, Status.PREPARED, Status.CHECKED, Status.RELEASED]

STATUS_TAGS = {
    Status.RECEIVED: "govuk-tag--blue",
    Status.PREPARED: "govuk-tag--yellow",
    Status.CHECKED: "govuk-tag--purple",
    Status.RELEASED: "govuk-tag--green",
}


class Disclosure(models.TextChoices):
    FULL = "full", "Released in full (other people's information redacted)"
    PART = "part", "Released with some of the person's own information withheld"


class SubjectAccessRequest(models.Model):
    reference = models.CharField(max_length=16, unique=True, default=new_sar_reference)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(help_text="The day the request reached any partner agency.")
    due_on = models.DateField(help_text="One calendar month after it was received.")
    extended_due_on = models.DateField(
        null=True, blank=True, help_text="Three calendar months after it was received."
    )
    extension_reason = models.TextField(blank=True)
    extended_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extended_at = models.DateTimeField(null=True, blank=True)

    requester = models.CharField(max_length=20, choices=Requester.choices)
    representative_name = models.CharField(max_length=200, blank=True)
    representative_authority = models.TextField(
        blank=True, help_text="What gives the representative authority to ask."
    )
    identity_check = models.CharField(max_length=20, choices=IdentityCheck.choices)
    identity_note = models.CharField(max_length=500, blank=True)

    logged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    logged_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    logged_at = models.DateTimeField()

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    prepared_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(blank=True)
    own_check_reason = models.TextField(
        blank=True,
        help_text="Why the DPO who prepared the pack also checked it (no other DPO could).",
    )
    released_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    disclosure = models.CharField(max_length=10, choices=Disclosure.choices, blank=True)
    withheld_reason = models.TextField(blank=True)
    recipient = models.CharField(max_length=300, blank=True)
    lawful_basis = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["person"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def due(self):
        """The day the answer is due now: extended, or the first month."""
        return self.extended_due_on or self.due_on

    @property
    def requester_label(self) -> str:
        if self.requester == Requester.REPRESENTATIVE:
            return f"{self.representative_name} (representative)"
        return "The person themselves"

    def step_index(self) -> int:
        return STEPS.index(Status(self.status))


class Pack(models.Model):
    """What Lantern held about the person when the pack was prepared.

    `content` is the snapshot: sections of items of fields, each field's text a list of
    parts, either plain text or {"r": n}, a pointer to redaction n. The text a redaction
    covers is kept only on the redaction (for the DPO's check and for lifting)."""

    request = models.OneToOneField(
        SubjectAccessRequest, on_delete=models.CASCADE, related_name="pack"
    )
    content = models.JSONField()
    police_held = models.BooleanField(
        default=False, help_text="It holds police data, disclosed under DPA 2018 s45."
    )
    third_party_ids = models.JSONField(
        default=list, help_text="The other people whose data was found and redacted."
    )
    prepared_at = models.DateTimeField()
    pdf = models.BinaryField(null=True, blank=True, help_text="Printed when checked.")
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"Pack for {self.request_id}"


class Redaction(models.Model):
    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="redactions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=100, help_text="What kind of data, never the data.")
    exemption = models.CharField(max_length=30, help_text="A code in sar/exemptions.py.")
    why = models.CharField(max_length=500)
    original = models.TextField(help_text="The text covered; shown only to the DPO.")
    where = models.CharField(max_length=400, help_text="Section, item and field.")
    automatic = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pack", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "number"], name="sar_redaction_number_once")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"R{self.number}"

    @property
    def lifted(self) -> bool:
        return self.lifted_at is not None

    @property
    def citation(self) -> str:
        from .exemptions import citation

        return citation(self.exemption)
