"""The audit log: who did what to which records, when, why, and with what outcome.

The log is append-only. Events are written only by `lantern.audit.services`,
into one of `chain.CHAINS` independent chains; within its chain each event is
numbered 1, 2, 3... with no gaps and chained to the one before by hash (see
`chain.py` and ADR 0005). Across chains there is no order but time: read the log
by `occurred_at`, not by `seq`. Nothing here can change or remove an event
through the ORM; on PostgreSQL, triggers refuse UPDATE and DELETE as well
(migration 0003).

`AuditSubject` has no foreign key to the records it names, so erasing a person
never erases the record that they were looked at.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .chain import CHAINS


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove the audit log through the ORM."""


class Action(models.TextChoices):
    """The processing operations the Data Protection Act 2018 section 62 requires logs of."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure (including transfer)"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"
    # Not a s62 operation on personal data: signing in and out, refused sign-ins,
    # changes to who may do what. Kept in the same chain so it is just as hard to forge.
    SECURITY = "security", "Security"


S62_ACTIONS = frozenset(
    {
        Action.COLLECTION,
        Action.ALTERATION,
        Action.CONSULTATION,
        Action.DISCLOSURE,
        Action.COMBINATION,
        Action.ERASURE,
    }
)


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"


def _refuse(what: str):
    raise AppendOnlyError(f"The audit log is append-only: {what} is refused.")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse("changing audit events")

    def delete(self):
        _refuse("deleting audit events")

    def _raw_delete(self, using):
        _refuse("deleting audit events")

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse("changing audit events")

    def bulk_create(self, objs, *args, **kwargs):
        _refuse("writing audit events other than through lantern.audit.services")


class AuditSubjectQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse("changing the records an audit event names")

    def delete(self):
        _refuse("deleting the records an audit event names")

    def _raw_delete(self, using):
        _refuse("deleting the records an audit event names")

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse("changing the records an audit event names")


class AuditEvent(models.Model):
    chain = models.PositiveSmallIntegerField(
        default=1, help_text=f"Which of the {CHAINS} chains the event is in (1 to {CHAINS})."
    )
    seq = models.BigIntegerField(help_text="1, 2, 3... with no gaps, within its chain.")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,  # the (actor, occurred_at) index below serves
        # No foreign key in the database: the log stands on its own (it keeps the actor's
        # name and agency as they were), and each event skips a check of, and a share
        # lock on, the user's row (ADR 11). Django still refuses to delete a user who acted.
        db_constraint=False,
        help_text="Empty when Lantern itself acted (an import, a scheduled job).",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    operation = models.CharField(
        max_length=100, help_text='What was done, e.g. "person.view" or "people.search".'
    )
    purpose = models.TextField(help_text="The justification given for the action.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    recipient = models.CharField(
        max_length=300, blank=True, help_text="Who received the data (disclosures)."
    )
    request_path = models.CharField(max_length=500, blank=True)
    request_method = models.CharField(max_length=10, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq")
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_event_occurred_at"),
            models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_time"),
            models.Index(fields=["operation", "occurred_at"], name="audit_event_operation_time"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "Lantern"
        return f"#{self.place} {who} {self.operation} ({self.action}, {self.outcome})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse("changing an audit event")
        if not getattr(self, "_appending", False):
            _refuse("saving an audit event directly; use lantern.audit.services.audit_record")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse("deleting an audit event")

    @property
    def place(self) -> str:
        """Where the event is in the log, as people read it: "2.17" is event 17 of chain 2."""
        return f"{self.chain}.{self.seq}"


class AuditSubject(models.Model):
    """One record an audit event touched."""

    # No foreign key in the database: subjects are only ever written by the append, in the
    # same statement as their event, and are hashed into it, so `verify` finds a subject
    # added, changed or removed by hand, and one naming no event (ADR 11).
    event = models.ForeignKey(
        AuditEvent, on_delete=models.PROTECT, related_name="subjects", db_constraint=False
    )
    person_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="The person the record is about."
    )
    record_type = models.CharField(max_length=100, help_text='e.g. "people.person".')
    record_id = models.CharField(max_length=100)

    objects = AuditSubjectQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"], name="audit_subject_record")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}"

    def save(self, *args, **kwargs):
        _refuse("saving an audit subject on its own; subjects are written with their event")

    def delete(self, *args, **kwargs):
        _refuse("deleting an audit subject")


class AuditChainHead(models.Model):
    """The last event in one chain: a row per chain, its id the chain's number.

    An append locks one head row until its transaction ends, so each chain takes
    its appends one at a time, and the chains take theirs side by side.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id__gte=1, id__lte=CHAINS), name="audit_head_one_per_chain"
            )
        ]

    def __str__(self) -> str:
        return f"Audit chain {self.id} head at #{self.last_seq}"

    @property
    def chain(self) -> int:
        return self.id
