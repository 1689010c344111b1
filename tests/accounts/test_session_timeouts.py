"""Sessions end after 30 minutes without activity, and 8 hours after signing in, whatever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from lantern.accounts.models import UserSession
from lantern.core import clock

from .helpers import MORNING, session_key, sign_in_both_steps

pytestmark = pytest.mark.django_db


def _minutes(n: float) -> dt.datetime:
    return MORNING + dt.timedelta(minutes=n)


def _home(client, at: dt.datetime):
    with clock.frozen_at(at):
        return client.get(reverse("web:home"))


def test_activity_keeps_a_session_going(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    for minute in (29, 58, 87):
        assert _home(client, _minutes(minute)).status_code == 200


def test_thirty_minutes_without_activity_signs_out_with_a_message(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    assert _home(client, _minutes(10)).status_code == 200
    key = session_key(client)
    response = _home(client, _minutes(40))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next=/"
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    with clock.frozen_at(_minutes(40)):
        page = client.get(response["Location"]).content.decode()
    assert "govuk-notification-banner" in page
    assert "You were signed out after 30 minutes without activity" in page
    assert not response.wsgi_request.user.is_authenticated


def test_the_message_shows_once(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    with clock.frozen_at(_minutes(31)):
        client.get(reverse("web:home"))
        assert "without activity" in client.get(reverse("accounts:sign-in")).content.decode()
        assert "without activity" not in client.get(reverse("accounts:sign-in")).content.decode()


def test_the_idle_limit_comes_from_the_settings(client, mash_worker, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    sign_in_both_steps(client, mash_worker, MORNING)
    assert _home(client, _minutes(4)).status_code == 200
    _home(client, _minutes(10))
    with clock.frozen_at(_minutes(10)):
        page = client.get(reverse("accounts:sign-in")).content.decode()
    assert "You were signed out after 5 minutes without activity" in page


def test_eight_hours_after_signing_in_the_session_ends_however_busy(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    minute = 0
    while minute < 8 * 60 - 20:
        minute += 20
        assert _home(client, _minutes(minute)).status_code == 200
    response = _home(client, _minutes(8 * 60))
    assert response.status_code == 302
    with clock.frozen_at(_minutes(8 * 60)):
        page = client.get(response["Location"]).content.decode()
    assert "You were signed out because you had been signed in for 8 hours" in page


def test_the_absolute_limit_comes_from_the_settings(client, mash_worker, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 60 * 60
    sign_in_both_steps(client, mash_worker, MORNING)
    assert _home(client, _minutes(25)).status_code == 200
    assert _home(client, _minutes(50)).status_code == 200
    assert _home(client, _minutes(60)).status_code == 302


def test_the_api_is_refused_once_the_session_has_timed_out(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    with clock.frozen_at(_minutes(5)):
        assert client.get("/api/v1/schema/").status_code == 200
    with clock.frozen_at(_minutes(45)):
        assert client.get("/api/v1/schema/").status_code == 403


def test_each_signed_in_session_is_tracked_with_when_it_was_last_used(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    _home(client, _minutes(20))
    tracked = UserSession.objects.get(session_key=session_key(client))
    assert tracked.user == mash_worker
    assert tracked.created_at == MORNING
    assert tracked.last_seen_at == _minutes(20)
