"""Fixtures for the audit log's tests: an anchor folder per test, and a tamperer.

Tampering goes round every guard on purpose, as an attacker with database access
would: raw SQL, and on PostgreSQL the append-only triggers disabled first (the
test database's owner may; the change is undone when the savepoint rolls back).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.test import override_settings

from lantern.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from lantern.audit.models import AuditEvent, AuditSubject

EVENT_TABLE = AuditEvent._meta.db_table
SUBJECT_TABLE = AuditSubject._meta.db_table
HEAD_TABLE = "audit_auditchainhead"


@pytest.fixture(autouse=True)
def anchor_folder(settings, tmp_path):
    """Every test anchors into its own folder."""
    folder = tmp_path / "anchors"
    settings.AUDIT_ANCHOR_DIR = folder
    return folder


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


Place = tuple[int, int]  # (chain, seq)


def last_seq(chain: int = 1) -> int:
    return AuditEvent.objects.filter(chain=chain).aggregate(top=Max("seq"))["top"] or 0


def _column(name: str):
    return AuditEvent._meta.get_field(name)


def _prep(field_name: str, value):
    if value is None:
        return None
    return _column(field_name).get_db_prep_value(value, connection, prepared=False)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class Tamperer:
    """Raw-SQL changes to the audit tables, bypassing the ORM's and the database's guards.

    Events are named by their place, (chain, seq).
    """

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path

    @contextlib.contextmanager
    def sandbox(self) -> Iterator[None]:
        """A savepoint that is always rolled back, with its own anchor folder.

        Hypothesis runs many examples inside one test; each runs in here so that
        none sees another's events.
        """
        folder = self.tmp_path / f"anchors-{uuid.uuid4().hex}"
        with override_settings(AUDIT_ANCHOR_DIR=folder), transaction.atomic():
            if on_postgresql():
                with connection.cursor() as cursor:
                    # Rows written earlier in the test still have deferred foreign-key
                    # checks queued, and ALTER TABLE refuses to run until they are done.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    for table in (EVENT_TABLE, SUBJECT_TABLE, HEAD_TABLE):
                        cursor.execute(f"ALTER TABLE {_q(table)} DISABLE TRIGGER USER")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            yield
            transaction.set_rollback(True)

    @staticmethod
    def last_seq(chain: int = 1) -> int:
        return last_seq(chain)

    def execute(self, sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))

    def row(self, place: Place) -> dict:
        chain, seq = place
        return (
            AuditEvent.objects.filter(chain=chain, seq=seq)
            .values("id", *HASHED_FIELDS, "hash")
            .get()
        )

    def set_field(self, place: Place, field_name: str, value) -> None:
        column = _column(field_name).column
        self.execute(
            f"UPDATE {_q(EVENT_TABLE)} SET {_q(column)} = %s WHERE chain = %s AND seq = %s",  # noqa: S608
            [_prep(field_name, value), *place],
        )

    def move(self, place: Place, to: Place) -> None:
        """Give the event at `place` another place (in its chain or another)."""
        self.execute(
            f"UPDATE {_q(EVENT_TABLE)} SET chain = %s, seq = %s WHERE chain = %s AND seq = %s",  # noqa: S608
            [*to, *place],
        )

    def delete_event(self, place: Place) -> None:
        event_id = self.row(place)["id"]
        self.execute(f"DELETE FROM {_q(SUBJECT_TABLE)} WHERE event_id = %s", [event_id])  # noqa: S608
        self.execute(f"DELETE FROM {_q(EVENT_TABLE)} WHERE id = %s", [event_id])  # noqa: S608

    def swap(self, first: Place, second: Place) -> None:
        parked = (first[0], -1)
        for old, new in ((first, parked), (second, first), (parked, second)):
            self.move(old, new)

    def shift_up(self, place: Place) -> None:
        """Make room at `place`: every event of its chain from there on moves up one place."""
        chain, from_seq = place
        for seq in range(last_seq(chain), from_seq - 1, -1):
            self.move((chain, seq), (chain, seq + 1))

    def insert_event(self, fields: dict, digest: str) -> None:
        names = [*HASHED_FIELDS, "hash"]
        values = [_prep(n, fields[n]) for n in HASHED_FIELDS] + [digest]
        columns = ", ".join(_q(_column(n).column) for n in names)
        marks = ", ".join(["%s"] * len(names))
        self.execute(f"INSERT INTO {_q(EVENT_TABLE)} ({columns}) VALUES ({marks})", values)  # noqa: S608

    def subjects(self, place: Place) -> list[dict]:
        chain, seq = place
        return list(
            AuditSubject.objects.filter(event__chain=chain, event__seq=seq)
            .order_by("id")
            .values("id", "record_type", "record_id", "person_id")
        )

    def set_subject(self, subject_id: int, column: str, value) -> None:
        self.execute(
            f"UPDATE {_q(SUBJECT_TABLE)} SET {_q(column)} = %s WHERE id = %s",  # noqa: S608
            [value, subject_id],
        )

    def delete_subject(self, subject_id: int) -> None:
        self.execute(f"DELETE FROM {_q(SUBJECT_TABLE)} WHERE id = %s", [subject_id])  # noqa: S608

    def insert_subject(self, place: Place, record_type: str, record_id: str, person_id) -> None:
        event_id = self.row(place)["id"]
        self.execute(
            f"INSERT INTO {_q(SUBJECT_TABLE)} (event_id, record_type, record_id, person_id) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [event_id, record_type, record_id, person_id],
        )

    def insert_orphan_subject(self, event_id: int) -> None:
        """A subject row naming an event that does not exist."""
        self.execute(
            f"INSERT INTO {_q(SUBJECT_TABLE)} (event_id, record_type, record_id, person_id) "  # noqa: S608
            "VALUES (%s, 'people.person', '1', 1)",
            [event_id],
        )

    def set_head(self, chain: int, seq: int) -> None:
        digest = self.row((chain, seq))["hash"] if seq > 0 else GENESIS_HASH
        self.execute(
            f"UPDATE {_q(HEAD_TABLE)} SET last_seq = %s, last_hash = %s WHERE id = %s",  # noqa: S608
            [seq, digest, chain],
        )

    def rehash(self, place: Place) -> str:
        """Recompute one event's hash as an attacker who knows the algorithm would."""
        row = self.row(place)
        subjects = [
            (s["record_type"], s["record_id"], s["person_id"]) for s in self.subjects(place)
        ]
        digest = event_hash(row, subjects)
        self.set_field(place, "hash", digest)
        return digest

    def rechain(self, place: Place) -> None:
        """Rewrite every hash of the chain from `place` on so it links up again, and its head."""
        chain, from_seq = place
        previous = self.row((chain, from_seq - 1))["hash"] if from_seq > 1 else GENESIS_HASH
        for seq in range(from_seq, last_seq(chain) + 1):
            self.set_field((chain, seq), "previous_hash", previous)
            previous = self.rehash((chain, seq))
        self.set_head(chain, last_seq(chain))


@pytest.fixture
def tamper(db, tmp_path) -> Tamperer:
    return Tamperer(tmp_path)
