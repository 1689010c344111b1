"""The demo: every demo user is enrolled, and the code page shows their code (demo only)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import otp
from lantern.core import clock
from lantern.synth.demo import DEMO_USERS, demo_users_ensure

from .helpers import MORNING, code_for, enter_password

pytestmark = pytest.mark.django_db


def test_every_demo_user_has_a_confirmed_authenticator_with_a_fixed_secret():
    for username, *_ in DEMO_USERS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert device.key == otp.demo_key(username)
    assert len({otp.demo_key(username) for username, *_ in DEMO_USERS}) == len(DEMO_USERS)


def test_ensuring_the_demo_users_again_keeps_one_device_each_and_its_last_use(mash_worker):
    device = TOTPDevice.objects.get(user=mash_worker)
    device.last_t = 123
    device.save()
    demo_users_ensure(today=MORNING.date())
    assert TOTPDevice.objects.filter(user=mash_worker).get().last_t == 123


def test_the_code_page_shows_a_demo_user_the_current_code_in_the_demo(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        page = client.get(reverse("accounts:second-factor")).content.decode()
    assert "Demo only" in page
    assert f"data-demo-code>{code_for(mash_worker, MORNING)}<" in page
    assert "It changes in 30 seconds" in page


def test_the_hint_says_when_its_code_has_just_been_used(client, mash_worker):
    device = TOTPDevice.objects.get(user=mash_worker)
    device.last_t = int(MORNING.timestamp()) // 30
    device.save()
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        page = client.get(reverse("accounts:second-factor")).content.decode()
    assert "this one has just been used" in page


def test_no_hint_outside_the_demo(client, mash_worker, settings):
    settings.LANTERN_DEMO = False
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        page = client.get(reverse("accounts:second-factor")).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert "Demo only" not in page and "data-demo-code" not in page
    assert code_for(mash_worker, MORNING) not in page


def test_no_hint_for_an_account_with_its_own_secret_even_in_the_demo(client):
    user = get_user_model().objects.create_user(username="real.person", password="a-long-pass-12")
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    with clock.frozen_at(MORNING):
        enter_password(client, "real.person", "a-long-pass-12")
        page = client.get(reverse("accounts:second-factor")).content.decode()
    assert "Demo only" not in page and "data-demo-code" not in page
