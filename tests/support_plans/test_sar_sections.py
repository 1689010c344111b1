"""Her support in her subject access pack: the plan, her own words, the services and the
contacts, with her lead worker named as a professional and another person's number in a
worker's note redacted and listed."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.sar import pack as packs
from lantern.sar.pack import _plain
from lantern.support import services

from .conftest import MONDAY, on

pytestmark = pytest.mark.django_db


def _section(gathered, key):
    return next((s for s in gathered.content["sections"] if s["key"] == key), None)


def _text(section) -> str:
    """The section as the pack holds it, each redaction as its marker."""
    text = []
    for item in section["items"]:
        text.append(_plain(item["heading"]))
        text.extend(f"{f['label']}: {_plain(f['parts'])}" for f in item["fields"])
    return "\n".join(text)


def test_her_support_is_in_her_pack_with_others_data_redacted(plan_for, support_worker, child):
    plan = plan_for(child)
    with on(MONDAY + dt.timedelta(days=2)):
        services.need_add(
            actor=support_worker,
            plan=plan,
            area="safety",
            description="Worried about being found",
            in_her_words="I just want to walk to college without looking behind me",
        )
        services.contact_record(
            actor=support_worker,
            plan=plan,
            happened_at=dt.datetime.combine(MONDAY, dt.time(14), tzinfo=dt.UTC)
            + dt.timedelta(days=1),
            method="phone",
            summary="She said messages still come from 07700 900456 late at night",
        )
        services.safe_contact_set(
            actor=support_worker,
            person=child,
            phone="07700 900123",
            times="Weekdays 10:00 to 14:00",
            hide_address=True,
            hide_reason="Her abuser is looking for her",
        )
        gathered = packs.gather(child)

    support = _text(_section(gathered, "support"))
    assert "I just want to walk to college without looking behind me" in support
    assert "Aisha Rahman" in support  # named as a professional, not redacted
    assert "07700 900456" not in support
    assert any(r.original == "07700 900456" for r in gathered.redactions)
    safe = _text(_section(gathered, "safe_contact"))
    assert "07700 900123" in safe  # her own number
    assert "Weekdays 10:00 to 14:00" in safe
