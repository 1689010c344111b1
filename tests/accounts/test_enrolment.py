"""An account with no authenticator app sets one up after its password, before it can go on."""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.core import clock

from .helpers import MORNING, code_for, enter_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-test-password-1"


@pytest.fixture
def newcomer(db, settings):
    """An account outside the demo, never signed in, with no authenticator app."""
    settings.LANTERN_DEMO = False
    user = get_user_model().objects.create_user(
        username="new.starter", password=NEW_PASSWORD, first_name="Nia", last_name="Starter"
    )
    from lantern.accounts.services import second_factor_enrolment_allow

    with clock.frozen_at(MORNING - dt.timedelta(days=1)):
        second_factor_enrolment_allow(actor=None, user=user, reason="New starter")
    return user


def _code_from_page(page: str, at: dt.datetime) -> str:
    """What an app would show after being given the key printed on the page."""
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = at.timestamp()
    return f"{totp.token():06d}"


def test_after_the_password_an_account_without_an_app_is_sent_to_set_one_up(client, newcomer):
    with clock.frozen_at(MORNING):
        response = enter_password(client, "new.starter", NEW_PASSWORD)
        assert response["Location"] == reverse("accounts:enrol")
        # The code page sends it on too, and nothing else opens.
        assert client.get(reverse("accounts:second-factor"))["Location"] == reverse(
            "accounts:enrol"
        )
        assert client.get(reverse("web:home")).status_code == 302
        page = client.get(reverse("accounts:enrol")).content.decode()
    assert "Set up an authenticator app" in page
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert re.search(r'id="secret-key">[A-Z2-7]{4}( [A-Z2-7]{4})+<', page)
    assert "Demo only" not in page
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed


def test_the_secret_stays_the_same_when_the_page_is_reloaded(client, newcomer):
    with clock.frozen_at(MORNING):
        enter_password(client, "new.starter", NEW_PASSWORD)
        first = client.get(reverse("accounts:enrol")).content.decode()
        second = client.get(reverse("accounts:enrol")).content.decode()
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', first).group(1)
    assert secret in second
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_a_wrong_code_is_explained_and_the_app_stays_unconfirmed(client, newcomer):
    with clock.frozen_at(MORNING):
        enter_password(client, "new.starter", NEW_PASSWORD)
        page = client.get(reverse("accounts:enrol")).content.decode()
        right = _code_from_page(page, MORNING)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        page = client.post(reverse("accounts:enrol"), {"code": wrong}).content.decode()
    assert "The code is not right" in page and 'href="#id_code"' in page
    assert not TOTPDevice.objects.get(user=newcomer).confirmed


def test_the_right_code_confirms_the_app_and_signs_in(client, newcomer):
    with clock.frozen_at(MORNING):
        enter_password(client, "new.starter", NEW_PASSWORD)
        page = client.get(reverse("accounts:enrol")).content.decode()
        response = client.post(reverse("accounts:enrol"), {"code": _code_from_page(page, MORNING)})
        assert response["Location"] == reverse("web:home")
        request = client.get(reverse("accounts:sign-in")).wsgi_request
    assert request.user == newcomer and request.user.is_verified()
    assert TOTPDevice.objects.get(user=newcomer).confirmed


def test_next_time_the_code_page_is_asked_for_not_the_set_up(client, newcomer):
    with clock.frozen_at(MORNING):
        enter_password(client, "new.starter", NEW_PASSWORD)
        page = client.get(reverse("accounts:enrol")).content.decode()
        client.post(reverse("accounts:enrol"), {"code": _code_from_page(page, MORNING)})
        client.post(reverse("accounts:sign-out"))
    later = MORNING + dt.timedelta(minutes=5)
    with clock.frozen_at(later):
        assert enter_password(client, "new.starter", NEW_PASSWORD)["Location"] == reverse(
            "accounts:second-factor"
        )
        # With an app already set up, the set-up page will not add another.
        assert client.get(reverse("accounts:enrol"))["Location"] == reverse(
            "accounts:second-factor"
        )
        code = code_for(newcomer, later)
        response = client.post(reverse("accounts:second-factor"), {"code": code})
    assert response["Location"] == reverse("web:home")
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_the_set_up_page_needs_the_password_first(client, newcomer):
    assert client.get(reverse("accounts:enrol"))["Location"] == reverse("accounts:sign-in")


def test_a_password_alone_cannot_set_up_a_second_factor_without_an_open_window(client, settings):
    """Outside the demo, someone who learns a new account's password cannot choose its app."""
    settings.LANTERN_DEMO = False
    get_user_model().objects.create_user(username="no.window", password=NEW_PASSWORD)
    with clock.frozen_at(MORNING):
        response = client.post(
            reverse("accounts:sign-in"), {"username": "no.window", "password": NEW_PASSWORD}
        )
    assert response.status_code == 200
    assert "setting one up has not been allowed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__username="no.window").exists()


def test_the_window_closes_after_seven_days(client, newcomer):
    with clock.frozen_at(MORNING + dt.timedelta(days=7)):
        response = client.post(
            reverse("accounts:sign-in"), {"username": "new.starter", "password": NEW_PASSWORD}
        )
    assert "setting one up has not been allowed" in response.content.decode()
