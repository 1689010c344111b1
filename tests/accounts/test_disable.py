"""Disabling an account ends every one of its sessions at once; enabling lets it back in."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts import services
from lantern.accounts.models import UserSession
from lantern.core import clock

from .helpers import MORNING, session_key, sign_in_both_steps, sign_in_verified

pytestmark = pytest.mark.django_db


def _two_sessions(user):
    laptop, phone = Client(), Client()
    sign_in_both_steps(laptop, user, MORNING)
    sign_in_verified(phone, user)
    with clock.frozen_at(MORNING):
        assert phone.get(reverse("web:home")).status_code == 200  # tracked from its first use
    return laptop, phone


def test_disabling_ends_all_the_users_sessions_at_once(mash_worker, sysadmin, police_officer):
    laptop, phone = _two_sessions(mash_worker)
    other = sign_in_verified(Client(), police_officer)
    keys = [session_key(laptop), session_key(phone)]
    assert UserSession.objects.filter(user=mash_worker).count() == 2

    with clock.frozen_at(MORNING):
        services.user_disable(actor=sysadmin, user=mash_worker, reason="Left the council")
        assert laptop.get(reverse("web:home")).status_code == 302
        assert phone.get(reverse("web:home")).status_code == 302
        assert other.get(reverse("web:home")).status_code == 200
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=mash_worker).exists()
    mash_worker.refresh_from_db()
    assert not mash_worker.is_active
    assert mash_worker.disabled_by == sysadmin
    assert mash_worker.disabled_reason == "Left the council"
    assert mash_worker.disabled_at == MORNING


def test_only_someone_who_manages_users_may_disable_and_never_themselves(
    mash_worker, police_officer, sysadmin
):
    with pytest.raises(PermissionDenied):
        services.user_disable(actor=police_officer, user=mash_worker, reason="Because")
    with pytest.raises(PermissionDenied):
        services.user_disable(actor=sysadmin, user=sysadmin, reason="Because")
    with pytest.raises(ValidationError):
        services.user_disable(actor=sysadmin, user=mash_worker, reason="  ")
    mash_worker.refresh_from_db()
    assert mash_worker.is_active


def test_enabling_lets_the_account_sign_in_again(client, mash_worker, sysadmin):
    services.user_disable(actor=sysadmin, user=mash_worker, reason="Suspended for review")
    services.user_enable(actor=sysadmin, user=mash_worker)
    mash_worker.refresh_from_db()
    assert mash_worker.is_active and mash_worker.disabled_reason == ""
    response = sign_in_both_steps(client, mash_worker, MORNING)
    assert response["Location"] == reverse("web:home")


def test_resetting_the_authenticator_ends_sessions_and_asks_for_a_new_one(
    client, mash_worker, sysadmin
):
    laptop, _ = _two_sessions(mash_worker)
    services.second_factor_reset(actor=sysadmin, user=mash_worker, reason="Lost phone")
    assert not TOTPDevice.objects.filter(user=mash_worker).exists()
    with clock.frozen_at(MORNING):
        assert laptop.get(reverse("web:home")).status_code == 302
        response = client.post(
            reverse("accounts:sign-in"),
            {"username": "mash.worker", "password": "lantern-demo-only"},
        )
    assert response["Location"] == reverse("accounts:enrol")
