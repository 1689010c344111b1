"""The audit write and the business write stand or fall together; refusals always stay."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.utils import OperationalError
from django.http import Http404

from lantern.audit import services
from lantern.audit.anchors import read_anchor_lines
from lantern.audit.chain import CHAINS
from lantern.audit.models import AuditChainHead, AuditEvent, AuditSubject
from lantern.audit.services import AuditWriteFailed, Subject, audit_record, audit_refusal
from lantern.audit.testing import audit_writes_fail, on_chain
from lantern.audit.verify import verify_audit_log
from lantern.people.models import Person, SourceRecord
from lantern.people.services import AddressIn, SourceRecordIn, source_record_receive

pytestmark = pytest.mark.django_db


def incoming(local_id: str = "AUD-1") -> SourceRecordIn:
    return SourceRecordIn(
        local_id=local_id,
        given_name="Mia",
        family_name="Ashworth",
        date_of_birth=dt.date(2011, 4, 3),
        sex="F",
        addresses=[AddressIn(line1="4 Kiln Lane", town="Kestrelford", postcode="KF3 2AB")],
    )


def receive_and_audit(actor, agency, local_id: str = "AUD-1") -> SourceRecord:
    """A real service: the business write and its own audit event in one transaction."""
    return source_record_receive(actor=actor, agency=agency, record=incoming(local_id))


def counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        SourceRecord.objects.count(),
        AuditEvent.objects.count(),
        AuditSubject.objects.count(),
    )


def test_a_write_and_its_audit_event_are_committed_together(police, police_officer):
    before = counts()
    source = receive_and_audit(police_officer, police)
    after = counts()
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    event = AuditEvent.objects.order_by("-seq").first()
    assert ("people.sourcerecord", str(source.pk)) in event.subjects.values_list(
        "record_type", "record_id"
    )


def test_a_failing_audit_write_refuses_the_action_and_leaves_nothing(police, police_officer):
    before = counts()
    with audit_writes_fail(), pytest.raises(AuditWriteFailed):
        receive_and_audit(police_officer, police)
    assert counts() == before
    assert not SourceRecord.objects.filter(local_id="AUD-1").exists()


def test_the_audit_write_can_be_made_to_fail_with_monkeypatch(police, police_officer, monkeypatch):
    def boom(fields, subjects):
        raise AuditWriteFailed("the audit store is down")

    monkeypatch.setattr("lantern.audit.services._write", boom)
    before = counts()
    with pytest.raises(AuditWriteFailed, match="the audit store is down"):
        receive_and_audit(police_officer, police)
    assert counts() == before


def test_a_database_error_in_the_audit_write_undoes_it_and_refuses_the_action(
    police, police_officer, monkeypatch
):
    def disk_full(*args, **kwargs):
        raise OperationalError("database or disk is full")

    if connection.vendor == "postgresql":
        # One statement writes the event and its subjects: fail just after it ran.
        written = services._append_in_one_statement

        def fails_after_writing(*args):
            written(*args)
            disk_full()

        monkeypatch.setattr(services, "_append_in_one_statement", fails_after_writing)
    else:
        # The event row is written; its subjects fail.
        monkeypatch.setattr(services, "rows_insert", disk_full)
    heads = list(AuditChainHead.objects.order_by("id").values_list("last_seq", "last_hash"))
    before = counts()
    with pytest.raises(AuditWriteFailed) as caught:
        receive_and_audit(police_officer, police)
    assert isinstance(caught.value.__cause__, DatabaseError)
    assert counts() == before  # the event row written before the failure went too
    assert list(AuditChainHead.objects.order_by("id").values_list("last_seq", "last_hash")) == (
        heads
    )


def test_a_caught_audit_failure_still_rolls_back_the_callers_transaction(police, police_officer):
    before = counts()
    with audit_writes_fail(), transaction.atomic():
        Person.objects.create(
            given_name="Mia",
            family_name="Ashworth",
            created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        # A careless caller swallows the failure: the write must still not be committed.
        with contextlib.suppress(AuditWriteFailed):
            audit_record(
                actor=police_officer,
                action="collection",
                operation="source_record.receive",
                purpose="Record received",
            )
    assert counts() == before


def test_when_the_callers_transaction_rolls_back_its_audit_event_goes_too(police, police_officer):
    before = counts()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        receive_and_audit(police_officer, police)
        1 / 0  # noqa: B018 - something later in the same transaction fails
    assert counts() == before
    # The numbering carries on with no gap, and the chain is whole.
    source = receive_and_audit(police_officer, police, "AUD-2")
    assert source.pk
    assert verify_audit_log().ok


def test_a_refusal_stays_on_record_when_the_caller_then_raises(mash_worker):
    def a_view_that_refuses(person_id: int):
        audit_refusal(
            actor=mash_worker,
            action="consultation",
            operation="person.view",
            purpose="Front-door enquiry",
            subjects=[Subject("people.person", person_id, person_id)],
        )
        raise Http404

    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        a_view_that_refuses(41)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.outcome, event.operation) == ("refused", "person.view")
    assert list(event.subjects.values_list("person_id", flat=True)) == [41]


def test_a_refusal_inside_the_callers_transaction_is_refused(mash_worker):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match=r"outside transaction\.atomic"), transaction.atomic():
        audit_refusal(
            actor=mash_worker, action="consultation", operation="person.view", purpose="Enquiry"
        )
    assert AuditEvent.objects.count() == before


def test_a_refusal_must_be_a_refusal(mash_worker):
    with pytest.raises(ValueError, match="refusals only"):
        audit_refusal(
            actor=mash_worker,
            action="consultation",
            operation="person.view",
            purpose="Enquiry",
            outcome="allowed",
        )


def test_a_refused_sign_in_by_an_unknown_name_is_recorded(db):
    event = audit_refusal(
        actor=None,
        action="security",
        operation="account.sign_in",
        purpose="Sign-in",
        detail={"username": "no.such.user", "reason": "unknown user"},
    )
    assert AuditEvent.objects.get(pk=event.pk).detail["reason"] == "unknown user"


def test_anchors_are_written_after_commit_every_n_events(
    mash_worker, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        seqs = [
            audit_record(
                actor=mash_worker, action="consultation", operation="person.view", purpose="x"
            ).seq
            for _ in range(7)
        ]
        # Never inside the transaction: nothing is anchored until it commits.
        assert list(read_anchor_lines()) == []
    assert len(callbacks) == sum(1 for seq in seqs if seq % 3 == 0)
    # Each anchor records the chains' heads as they are once the transaction has committed.
    anchored = [line.anchor.head(1)[1] for line in read_anchor_lines()]
    assert anchored == [seqs[-1]] * len(callbacks)
    assert verify_audit_log().anchors_checked == len(anchored)


def test_anchors_are_due_every_n_events_of_each_chain(
    mash_worker, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        places = []
        for chain in (4, 4, 6, 6, 6, 6):
            with on_chain(chain):
                event = audit_record(
                    actor=mash_worker, action="consultation", operation="person.view", purpose="x"
                )
            places.append((event.chain, event.seq))
    assert len(callbacks) == sum(1 for _, seq in places if seq % 2 == 0)
    # Every anchor was written after the commit, so each records the same heads.
    (heads,) = {line.anchor.heads for line in read_anchor_lines()}
    assert heads[3][:2] == (4, places[1][1]) and heads[5][:2] == (6, places[-1][1])
    assert verify_audit_log().ok


def test_after_a_flush_the_heads_are_made_again_from_the_events(mash_worker, tamper):
    """A test flush empties the head table: the next append makes a head for every chain,
    each at its chain's last event, and carries on."""
    with on_chain(5):
        fifth = audit_record(
            actor=mash_worker, action="consultation", operation="person.view", purpose="x"
        )
    last = audit_record(
        actor=mash_worker, action="consultation", operation="person.view", purpose="x"
    )
    with tamper.sandbox():
        tamper.execute("DELETE FROM audit_auditchainhead")
        event = audit_record(
            actor=mash_worker, action="consultation", operation="person.view", purpose="x"
        )
        assert (event.chain, event.seq, event.previous_hash) == (1, last.seq + 1, last.hash)
        heads = dict(AuditChainHead.objects.values_list("id", "last_seq"))
        assert set(heads) == set(range(1, CHAINS + 1))
        assert (heads[1], heads[5]) == (event.seq, fifth.seq)
        assert verify_audit_log().ok


def test_no_anchor_is_written_for_events_that_rolled_back(
    mash_worker, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 1
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        audit_record(actor=mash_worker, action="consultation", operation="person.view", purpose="x")
        1 / 0  # noqa: B018
    assert callbacks == []
    assert list(read_anchor_lines()) == []


def test_a_failed_automatic_anchor_does_not_undo_the_committed_action(
    mash_worker, settings, django_capture_on_commit_callbacks, caplog
):
    settings.AUDIT_ANCHOR_EVERY = 1
    settings.AUDIT_ANCHOR_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        event = audit_record(
            actor=mash_worker, action="consultation", operation="person.view", purpose="x"
        )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert "could not be anchored" in caplog.text


def test_the_failure_helper_restores_the_real_write(mash_worker):
    with audit_writes_fail():
        assert services._write.__name__ == "failing_write"
    assert services._write.__name__ == "_write"
