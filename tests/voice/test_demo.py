"""The demo's feedback and actions: made through the services, once, with a partnership
view that shows some counts and hides others, and an action traced to its feedback."""

from __future__ import annotations

import pytest

from lantern.voice import selectors
from lantern.voice.demo import BOARD_ACTION, HARBOUR_ACTION, voice_demo_ensure
from lantern.voice.models import ConsentChange, Feedback, PartnershipAction, Quote

from .conftest import TODAY, on

pytestmark = pytest.mark.django_db


def test_the_demo_feedback_is_recorded_once_and_shows_in_the_partnership_view(
    partnership_manager, support_worker
):
    made = voice_demo_ensure(TODAY)
    assert made >= 40
    assert voice_demo_ensure(TODAY) == 0
    assert Feedback.objects.count() == made
    assert ConsentChange.objects.filter(kind="withdrawn").exists()
    assert Quote.objects.filter(removed_at__isnull=True).count() >= 3
    with on(TODAY):
        found = selectors.partnership_view(user=partnership_manager)
    numbers = found.view.numbers()
    shown = [n.value for n in numbers if not n.hidden]
    assert any(n.hidden for n in numbers), "some counts are hidden"
    assert any(v >= 5 for v in shown), "some counts are shown"
    assert not any(0 < v < 5 for v in shown)
    assert found.quotes, "some words are quoted"
    board = PartnershipAction.objects.get(title=BOARD_ACTION)
    harbour = PartnershipAction.objects.get(title=HARBOUR_ACTION)
    assert board.lead == "Kestrelford Safeguarding Partnership board"
    assert board.themes == ["waiting_for_therapy"] and not board.links.exists()
    with on(TODAY):
        traced = selectors.action_get(user=partnership_manager, pk=harbour.pk)
        own = selectors.action_get(user=support_worker, pk=harbour.pk)
    assert traced.feedback.value and traced.feedback.value >= 5
    assert traced.quotes and not traced.own_items
    assert len(own.own_items) == harbour.links.count()
