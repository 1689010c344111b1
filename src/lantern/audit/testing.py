"""Helpers for tests in any app: make the audit write fail on purpose.

    from lantern.audit.testing import audit_writes_fail

    def test_a_failed_audit_write_refuses_the_action(police, police_officer):
        with audit_writes_fail(), pytest.raises(AuditWriteFailed):
            people_services.source_record_receive(...)   # which calls audit_record
        assert not SourceRecord.objects.filter(local_id="T-1").exists()

or, with pytest's monkeypatch:

    def boom(fields, subjects):
        raise AuditWriteFailed("the audit store is down")
    monkeypatch.setattr("lantern.audit.services._write", boom)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from lantern.audit import services


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
