"""A check over the whole test suite: every response that showed a person was audited.

Installed by the test settings. For each request it notes the audit events written
while the request ran; if the response names any person (by their reference) who is
not a subject of one of those events, the request is recorded as unaudited, and the
test that made it fails (see the autouse fixture in tests/conftest.py).
"""

from __future__ import annotations

import re
import threading

REFERENCE = re.compile(rb"P-[ABCDEFGHJKLMNPQRTUVWXY346789]{8}")

unaudited: list[str] = []
_lock = threading.Lock()


class AuditCoverageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from lantern.audit.models import AuditEvent

        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = self.get_response(request)
        if getattr(response, "streaming", False) or response.status_code >= 300:
            return response
        shown = set(REFERENCE.findall(response.content))
        if not shown:
            return response
        from lantern.audit.models import AuditSubject
        from lantern.people.models import Person

        audited_ids = set(
            AuditSubject.objects.filter(event__id__gt=before, person_id__isnull=False).values_list(
                "person_id", flat=True
            )
        )
        audited = {
            ref.encode()
            for ref in Person.objects.filter(pk__in=audited_ids).values_list("reference", flat=True)
        }
        missing = shown - audited
        if missing:
            with _lock:
                unaudited.append(
                    f"{request.method} {request.path}: "
                    f"{len(missing)} person(s) shown without an audit event"
                )
        return response
