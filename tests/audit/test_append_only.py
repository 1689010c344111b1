"""Audit rows cannot be changed or removed: not through the ORM, nor, on PostgreSQL, in SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from lantern.audit.models import AppendOnlyError, AuditEvent, AuditSubject
from lantern.audit.services import Subject, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(mash_worker) -> AuditEvent:
    return audit_record(
        actor=mash_worker,
        action="consultation",
        operation="person.view",
        purpose="Front-door enquiry",
        subjects=[Subject("people.person", 3, 3), Subject("people.sourcerecord", 8, 3)],
    )


def unchanged(event: AuditEvent) -> bool:
    row = AuditEvent.objects.get(pk=event.pk)
    return (row.purpose, row.hash, event.subjects.count()) == (event.purpose, event.hash, 2)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: e.save(),
        lambda e: e.save(update_fields=["purpose"]),
        lambda e: e.delete(),
        lambda e: AuditEvent.objects.filter(pk=e.pk).update(purpose="changed"),
        lambda e: AuditEvent.objects.filter(pk=e.pk).delete(),
        lambda e: AuditEvent.objects.all().delete(),
        lambda e: AuditEvent.objects.bulk_update([e], ["purpose"]),
        lambda e: AuditEvent.objects.create(
            seq=e.seq + 1, action="consultation", operation="x.y", purpose="forged"
        ),
        lambda e: AuditEvent.objects.bulk_create([AuditEvent(seq=e.seq + 1)]),
        lambda e: e.subjects.update(record_id="99"),
        lambda e: e.subjects.all().delete(),
        lambda e: e.subjects.first().delete(),
        lambda e: e.subjects.first().save(),
        lambda e: AuditSubject(event=e, record_type="people.person", record_id="1").save(),
    ],
    ids=[
        "save",
        "save-some-fields",
        "delete",
        "queryset-update",
        "queryset-delete",
        "delete-all",
        "bulk-update",
        "create-directly",
        "bulk-create",
        "subjects-update",
        "subjects-delete",
        "subject-delete",
        "subject-save",
        "subject-add",
    ],
)
def test_the_orm_refuses_to_change_or_remove_audit_rows(event, attempt):
    event.purpose = "changed"
    with pytest.raises(AppendOnlyError, match="append-only"):
        attempt(event)
    event.refresh_from_db()
    assert unchanged(event)


def test_an_actor_with_audit_events_cannot_be_deleted(event, mash_worker):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError), transaction.atomic():
        mash_worker.delete()


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: the append-only triggers exist only there "
            "(run with DATABASE_URL=postgres://...)"
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET purpose = 'changed' WHERE seq = %s",
        "UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
        "UPDATE audit_auditsubject SET record_id = '99' WHERE event_id = "
        "(SELECT id FROM audit_auditevent WHERE seq = %s)",
        "DELETE FROM audit_auditsubject WHERE event_id = "
        "(SELECT id FROM audit_auditevent WHERE seq = %s)",
        "UPDATE audit_auditchainhead SET last_seq = %s - 1",
        "DELETE FROM audit_auditchainhead WHERE last_seq = %s",
    ],
)
def test_on_postgresql_the_database_refuses_changes_in_sql(postgresql_only, event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [event.seq])
    assert unchanged(event)


def test_on_postgresql_the_owner_can_still_truncate(postgresql_only, event):
    """TRUNCATE fires no row triggers: Django's test flush (run as the owner) relies on it."""
    with transaction.atomic():
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred checks
        raw("TRUNCATE audit_auditsubject, audit_auditevent")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)
    assert unchanged(event)


def test_on_sqlite_no_triggers_are_added(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = [name for (name,) in cursor.fetchall()]
    assert not [n for n in names if n.startswith("audit_")]
