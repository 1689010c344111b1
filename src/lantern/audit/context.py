"""Where an audited action came from: the request's path, method, address and id.

`AuditContextMiddleware` sets this for every request; jobs and tests set it with
`audit_context(...)`. Outside both, events carry an empty context and a fresh
request id. Only the path is kept, never the query string, which may hold
search terms about people.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

from .chain import canonical_ip

PATH_LENGTH = 500
METHOD_LENGTH = 10
USER_AGENT_LENGTH = 300
REQUEST_ID_LENGTH = 64
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    path: str = ""
    method: str = ""
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("lantern_audit_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def _clean_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return canonical_ip(value)


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def make_context(
    *,
    path: str = "",
    method: str = "",
    ip: str | None = None,
    user_agent: str = "",
    request_id: str | None = None,
) -> RequestContext:
    """A context with every value cut to fit its column; an unreadable address becomes None."""
    return RequestContext(
        path=_without_nul(path or "")[:PATH_LENGTH],
        method=_without_nul(method or "").upper()[:METHOD_LENGTH],
        ip=_clean_ip(ip),
        user_agent=_without_nul(user_agent or "")[:USER_AGENT_LENGTH],
        request_id=_without_nul(request_id or new_request_id())[:REQUEST_ID_LENGTH],
    )


def current_context() -> RequestContext:
    return _current.get() or RequestContext(request_id=new_request_id())


@contextlib.contextmanager
def audit_context(
    *,
    path: str = "",
    method: str = "",
    ip: str | None = None,
    user_agent: str = "",
    request_id: str | None = None,
) -> Iterator[RequestContext]:
    """Set the request context for audit events written inside the block."""
    context = make_context(
        path=path, method=method, ip=ip, user_agent=user_agent, request_id=request_id
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def _trust_proxy() -> bool:
    return bool(getattr(settings, "AUDIT_TRUST_FORWARDED_FOR", False))


def client_ip(request) -> str | None:
    """The client's address.

    X-Forwarded-For is honoured only when AUDIT_TRUST_FORWARDED_FOR is on, that is
    when Lantern runs behind one reverse proxy that sets it. Then the last address
    in the header is used: the one that proxy added, which the client cannot forge.
    """
    if _trust_proxy():
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops and _clean_ip(hops[-1]):
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


def context_from_request(request) -> RequestContext:
    request_id = None
    if _trust_proxy():  # the proxy's own request id, so its logs and ours line up
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        if _SAFE_REQUEST_ID.match(offered):
            request_id = offered
    return make_context(
        path=request.path,
        method=request.method or "",
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        request_id=request_id,
    )


def _set(context: RequestContext):
    return _current.set(context)


def _reset(token) -> None:
    _current.reset(token)
