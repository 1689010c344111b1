"""`lantern alerts_raise`: alerts over facts that arrived in bulk (the seeded borough),
raised as the live flow would have, and never twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from lantern.alerts.models import Alert, AlertFact
from lantern.core import clock

pytestmark = pytest.mark.django_db


def run(days: int) -> str:
    out = io.StringIO()
    call_command("alerts_raise", days=days, stdout=out)
    return out.getvalue()


def test_the_borough_history_raises_alerts_once(now):
    said = run(365)
    raised = Alert.objects.count()
    assert raised > 0, said
    assert f"{raised} alerts" in said
    since = clock.now() - dt.timedelta(days=365)
    assert all(a.fired_at >= since for a in Alert.objects.all())
    facts = AlertFact.objects.count()
    run(365)  # again: nothing new
    assert Alert.objects.count() == raised and AlertFact.objects.count() == facts
