"""Helpers for tests in any app: make the audit write fail, or choose its chain.

    from lantern.audit.testing import audit_writes_fail, on_chain

    def test_a_failed_audit_write_refuses_the_action(police, police_officer):
        with audit_writes_fail(), pytest.raises(AuditWriteFailed):
            people_services.source_record_receive(...)   # which calls audit_record
        assert not SourceRecord.objects.filter(local_id="T-1").exists()

or, with pytest's monkeypatch:

    def boom(fields, subjects):
        raise AuditWriteFailed("the audit store is down")
    monkeypatch.setattr("lantern.audit.services._write", boom)

Events go to chain 1 in tests (on SQLite always; on PostgreSQL appends take the
first head no other transaction holds, which in a test is chain 1). To write to
another chain:

    with on_chain(3):
        audit_record(...)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from lantern.audit import services
from lantern.audit.chain import CHAINS


@contextlib.contextmanager
def audit_writes_fail(
    message: str = "the audit store is unavailable (simulated)",
) -> Iterator[None]:
    """Inside the block, every audit_record/audit_refusal raises AuditWriteFailed."""

    def failing_write(fields, subjects):
        raise services.AuditWriteFailed(message)

    original = services._write
    services._write = failing_write
    try:
        yield
    finally:
        services._write = original


@contextlib.contextmanager
def on_chain(chain: int) -> Iterator[None]:
    """Inside the block, audit events are appended to the given chain."""
    if isinstance(chain, bool) or not isinstance(chain, int) or not 1 <= chain <= CHAINS:
        raise ValueError(f"There are chains 1 to {CHAINS}, not {chain!r}")
    token = services._forced_chain.set(chain)
    try:
        yield
    finally:
        services._forced_chain.reset(token)
