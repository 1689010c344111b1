"""Signing out is a POST, and ends the session on the server."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lantern.accounts.models import UserSession
from lantern.core import clock

from .helpers import MORNING, enter_password, session_key, sign_in_both_steps, sign_in_verified

pytestmark = pytest.mark.django_db


def test_signing_out_flushes_the_session_on_the_server(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    key = session_key(client)
    assert Session.objects.filter(session_key=key).exists()
    with clock.frozen_at(MORNING):
        response = client.post(reverse("accounts:sign-out"))
        assert response["Location"] == reverse("accounts:sign-in")
        assert "You have signed out" in client.get(response["Location"]).content.decode()
        assert client.get(reverse("web:home")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()


def test_an_old_session_cookie_does_not_come_back_to_life(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    key = session_key(client)
    with clock.frozen_at(MORNING):
        client.post(reverse("accounts:sign-out"))
        client.cookies["sessionid"] = key
        assert client.get(reverse("web:home")).status_code == 302


def test_signing_out_is_post_only(client, mash_worker):
    sign_in_both_steps(client, mash_worker, MORNING)
    with clock.frozen_at(MORNING):
        assert client.get(reverse("accounts:sign-out")).status_code == 405
        assert client.get(reverse("web:home")).status_code == 200


def test_signing_out_needs_the_csrf_token(mash_worker):
    client = sign_in_verified(Client(enforce_csrf_checks=True), mash_worker)
    assert client.post(reverse("accounts:sign-out")).status_code == 403
    assert client.get(reverse("web:home")).status_code == 200


def test_a_half_finished_sign_in_can_be_abandoned(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        client.post(reverse("accounts:sign-out"))
        assert client.get(reverse("accounts:second-factor"))["Location"] == reverse(
            "accounts:sign-in"
        )
