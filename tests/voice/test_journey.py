"""In a browser: the support worker records what a survivor said, with her consent to be
counted and quoted, tags it and chooses words to quote; the partnership manager then sees
it counted, anonymised, in the partnership's view, and the action the partnership took
with the feedback behind it."""

from __future__ import annotations

import re

import pytest

from lantern.core import clock
from lantern.voice.demo import HARBOUR_ACTION, voice_demo_ensure
from lantern.voice.models import Feedback
from tests.e2e.test_journeys import sign_in
from tests.support.audit_coverage import REFERENCE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAID = (
    "I was passed between five workers. Since March it has been the same one, and she rings back."
)


def test_feedback_recorded_by_harbour_reaches_the_partnership_view(page, screenshot):
    today = clock.today()
    assert voice_demo_ensure(today) > 0
    sign_in(page, "support.worker")
    page.goto("/voice/feedback/new/")
    page.get_by_label("What they said").fill(SAID)
    page.get_by_label("The day they said it").fill(f"{today:%d %m %Y}")
    page.get_by_label("By phone or video call").check()
    page.get_by_label("An adult survivor").check()
    page.get_by_label("It may be counted, without their name, in the partnership's view").check()
    page.get_by_label("Their words may be quoted, without their name").check()
    page.get_by_label("Continuity of worker").check()
    page.get_by_label("Positive").check()
    page.get_by_role("button", name="Record feedback").click()
    page.get_by_text("Feedback recorded.").wait_for()
    made = Feedback.objects.get(words=SAID)
    assert page.url.endswith(f"/voice/feedback/{made.pk}/")
    page.get_by_text("Choose words to quote").click()
    page.get_by_label("Words to quote").fill(
        "Since March it has been the same one, and she rings back."
    )
    page.get_by_role("button", name="Choose these words").click()
    page.get_by_text("Quote chosen").wait_for()
    screenshot("voice-feedback")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "partnership.manager")
    page.goto("/voice/partnership/")
    page.get_by_role("heading", name="What children, families and survivors told us").wait_for()
    body = page.content()
    counts = re.findall(r'data-count="(\d+)"', body)
    assert counts and not [c for c in counts if 0 < int(c) < 5]
    assert "Since March it has been the same one, and she rings back." in body
    assert not REFERENCE.search(body.encode())
    for part in ("#in-their-words", "#by-theme", "#by-kind", "#by-sentiment"):
        assert "Harbour" not in page.inner_text(part)
    screenshot("voice-partnership")
    page.get_by_role("link", name=HARBOUR_ACTION).first.click()
    page.get_by_role("heading", name=HARBOUR_ACTION).wait_for()
    assert "Feedback behind it" in page.inner_text("main")
    screenshot("voice-action")
