"""A one-time code works once: django-otp's TOTPDevice.last_t remembers the last step used."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import services
from lantern.core import clock

from .helpers import MORNING, code_for, enter_code, enter_password

pytestmark = pytest.mark.django_db


def test_a_code_cannot_sign_in_twice(client, mash_worker):
    with clock.frozen_at(MORNING):
        code = code_for(mash_worker, MORNING)
        enter_password(client, "mash.worker")
        assert enter_code(client, code)["Location"] == reverse("web:home")
        client.post(reverse("accounts:sign-out"))

        enter_password(client, "mash.worker")
        page = enter_code(client, code).content.decode()
        assert "it has already been used" in page
        assert client.get(reverse("web:home")).status_code == 302


def test_the_next_code_works_once_the_time_step_has_moved_on(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        enter_code(client, code_for(mash_worker, MORNING))
        client.post(reverse("accounts:sign-out"))
    later = MORNING + dt.timedelta(seconds=30)
    with clock.frozen_at(later):
        enter_password(client, "mash.worker")
        assert enter_code(client, code_for(mash_worker, later))["Location"] == reverse("web:home")


def test_last_t_is_recorded_and_older_codes_are_refused(mash_worker):
    device = TOTPDevice.objects.get(user=mash_worker, confirmed=True)
    step = int(MORNING.timestamp()) // device.step
    with clock.frozen_at(MORNING):
        assert services.second_factor_verify(device=device, code=code_for(mash_worker))
    device.refresh_from_db()
    assert device.last_t == step
    assert device.last_used_at == MORNING
    # The same code, and the one before it (still inside the tolerance), are both spent now.
    earlier = MORNING - dt.timedelta(seconds=30)
    with clock.frozen_at(MORNING + dt.timedelta(seconds=10)):
        assert not services.second_factor_verify(device=device, code=code_for(mash_worker, MORNING))
        assert not services.second_factor_verify(device=device, code=code_for(mash_worker, earlier))


def test_a_code_is_good_one_step_either_side_of_now_and_no_further(mash_worker):
    device = TOTPDevice.objects.get(user=mash_worker, confirmed=True)
    with clock.frozen_at(MORNING):
        assert not services.second_factor_verify(
            device=device, code=code_for(mash_worker, MORNING + dt.timedelta(seconds=90))
        )
        assert services.second_factor_verify(
            device=device, code=code_for(mash_worker, MORNING - dt.timedelta(seconds=30))
        )
