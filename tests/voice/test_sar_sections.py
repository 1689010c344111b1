"""Her feedback in her subject access pack: her words, what she agreed they may be used
for (and what she withdrew), the themes by name, and the worker named as a professional."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.sar import pack as packs
from lantern.sar.pack import _plain
from lantern.voice import services
from lantern.voice.models import Use

from .conftest import on, record

pytestmark = pytest.mark.django_db


def test_her_feedback_is_in_her_pack(support_worker, survivor):
    feedback = record(support_worker, words="Nobody rang me back for weeks.", person=survivor,
                      themes=["told_what_happens_next"], sentiment="negative")  # fmt: skip
    with on(dt.date(2026, 10, 20)):
        services.feedback_consent_withdraw(
            actor=support_worker,
            feedback=feedback,
            uses=[Use.QUOTE_ANONYMISED],
            on=dt.date(2026, 10, 19),
        )
        gathered = packs.gather(survivor)
    section = next(s for s in gathered.content["sections"] if s["key"] == "voice")
    (item,) = section["items"]
    fields = {f["label"]: _plain(f["parts"]) for f in item["fields"]}
    assert fields["Your words"] == "Nobody rang me back for weeks."
    assert "Aisha Rahman" in fields["Written down by"]
    assert "quoted" not in fields["You agree it may be used for"]
    assert fields["On 19 October 2026 you withdrew"] == Use.QUOTE_ANONYMISED.label
    assert "told what" in fields["Themes"].lower()
