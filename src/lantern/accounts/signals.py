from __future__ import annotations

from . import services


def forget_session_on_sign_out(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.user_session_forget(session_key=request.session.session_key)
