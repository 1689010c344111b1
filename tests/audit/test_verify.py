"""Verify's edges: damaged rows, rows outside the chain, many problems, bad arguments."""

from __future__ import annotations

import pytest
from django.db import connection

from lantern.audit.chain import CHAINS, GENESIS_HASH
from lantern.audit.models import AuditEvent
from lantern.audit.services import Subject, audit_record
from lantern.audit.testing import on_chain
from lantern.audit.verify import verify_audit_log

pytestmark = pytest.mark.django_db


def events(actor, n: int) -> list:
    return [
        audit_record(
            actor=actor,
            action="consultation",
            operation="people.search",
            purpose="Search",
            subjects=[Subject("people.person", i, i) for i in range(n % 4)],
        )
        for _ in range(n)
    ]


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's column types refuse these values")


def test_a_garbled_value_is_reported_not_a_crash(mash_worker, tamper):
    sqlite_only()
    written = events(mash_worker, 5)
    with tamper.sandbox():
        tamper.execute(
            "UPDATE audit_auditevent SET occurred_at = '2026-13-45 99:99:99' WHERE seq = %s",
            [written[2].seq],
        )
        tamper.execute(  # valid JSON (SQLite checks that), but a string, not an object
            "UPDATE audit_auditevent SET detail = '\"a string\"' WHERE seq = %s",
            [written[3].seq],
        )
        result = verify_audit_log(batch_size=2)
    kinds = [(p.kind, p.seq) for p in result.problems]
    assert kinds[0] == ("unreadable", written[2].seq)
    assert ("hash", written[3].seq) in kinds
    assert result.events_checked == AuditEvent.objects.count()


def test_a_row_outside_the_numbering_is_found(mash_worker, tamper):
    written = events(mash_worker, 3)
    with tamper.sandbox():
        fields = tamper.row((1, written[0].seq))
        tamper.insert_event(dict(fields, seq=0, previous_hash=GENESIS_HASH), "0" * 64)
        problem = verify_audit_log().first
    assert (problem.kind, problem.chain, problem.seq) == ("out_of_place", 1, 0)
    assert "outside the chain" in problem.message


@pytest.mark.parametrize("chain", [0, CHAINS + 1])
def test_a_row_outside_the_chains_is_found(mash_worker, tamper, chain):
    written = events(mash_worker, 2)
    with tamper.sandbox():
        fields = tamper.row((1, written[0].seq))
        tamper.insert_event(dict(fields, chain=chain, seq=1, previous_hash=GENESIS_HASH), "0" * 64)
        result = verify_audit_log()
    assert [(p.kind, p.chain, p.seq) for p in result.problems] == [("out_of_place", chain, 1)]
    assert f"outside the chains, which are 1 to {CHAINS}" in result.first.message


def test_many_problems_are_counted_and_the_first_ones_listed(mash_worker, tamper):
    with on_chain(2):
        second = events(mash_worker, 15)
    first = events(mash_worker, 15)
    with tamper.sandbox():
        for event in first + second:
            tamper.set_field((event.chain, event.seq), "purpose", "rewritten")
        result = verify_audit_log(max_problems=10, batch_size=7)
    assert len(result.problems) == 10
    assert result.problem_count == 30
    # In the order of the log: chain 1 first, then chain 2.
    assert [(p.chain, p.seq) for p in result.problems] == [(1, e.seq) for e in first[:10]]


def test_every_chain_verifies_in_any_batch_size(mash_worker):
    written = events(mash_worker, 11)
    with on_chain(3):
        third = events(mash_worker, 5)
    with on_chain(CHAINS):
        last = events(mash_worker, 2)
    for size in (1, 2, 3, 10, 11, 5000):
        result = verify_audit_log(batch_size=size)
        assert result.ok, (size, result.problems)
        assert result.events_checked == AuditEvent.objects.count()
        assert result.chains == {1: written[-1].seq, 3: third[-1].seq, CHAINS: last[-1].seq}


def test_a_head_that_disagrees_with_its_chain_is_found(mash_worker, tamper):
    with on_chain(4):
        written = events(mash_worker, 3)
    with tamper.sandbox():
        tamper.set_head(4, written[1].seq)  # wound back: the last event looks added outside
        problem = verify_audit_log().first
    assert (problem.kind, problem.chain, problem.seq) == ("head", 4, written[2].seq)
    assert "beyond the chain's head" in problem.message


def test_a_batch_size_below_one_is_refused(db):
    with pytest.raises(ValueError, match="at least 1"):
        verify_audit_log(batch_size=0)
