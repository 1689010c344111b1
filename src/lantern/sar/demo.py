"""The demo's subject access request: the adult survivor Harbour supports (her address
hidden, someone may be seeking her) asked for her records; the request was logged nine
days ago and the pack prepared, so the data protection officer has one to check."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.timescales.rules import LONDON

from . import services
from .models import IdentityCheck, Requester, SubjectAccessRequest


def _at(day: dt.date, hour: int):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON))


def _survivor():
    from lantern.support.models import SafeContact, SupportPlan

    hidden = SafeContact.objects.filter(hide_address=True).values("person_id")
    plan = SupportPlan.objects.filter(person_id__in=hidden).order_by("pk").first()
    return plan.person if plan is not None else None


def sar_demo_ensure(today: dt.date) -> SubjectAccessRequest | None:
    """Log and prepare the demo's request, once. None when it exists already, or when
    the demo has no DPO or no survivor to ask."""
    dpo = get_user_model().objects.filter(username="dpo").first()
    person = _survivor()
    if dpo is None or person is None or SubjectAccessRequest.objects.exists():
        return None
    with _at(today - dt.timedelta(days=9), 10):
        request = services.sar_log(
            actor=dpo,
            person=person,
            received_on=today - dt.timedelta(days=9),
            requester=Requester.SUBJECT,
            identity_check=IdentityCheck.IN_PERSON,
            identity_note="Came to the Harbour office with her support worker.",
        )
    with _at(today - dt.timedelta(days=2), 15):
        services.sar_prepare(actor=dpo, request=request)
    return request
