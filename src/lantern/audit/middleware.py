"""Gives every audit event written during a request that request's context."""

from __future__ import annotations

from .context import _reset, _set, context_from_request


class AuditContextMiddleware:
    """Set the audit request context for the view, and answer with its X-Request-ID.

    The context is cleared when the view returns, so a streaming response should
    write its audit event before it starts streaming.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = context_from_request(request)
        request.audit_request_id = context.request_id
        token = _set(context)
        try:
            response = self.get_response(request)
        finally:
            _reset(token)
        if "X-Request-ID" not in response:
            response["X-Request-ID"] = context.request_id
        return response
