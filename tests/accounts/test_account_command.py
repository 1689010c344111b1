"""`lantern account ...`: disable, enable, unlock and reset from the command line."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.models import SignInAttempt, SignInOutcome

pytestmark = pytest.mark.django_db


def test_disable_and_enable(mash_worker, capsys):
    call_command("account", "disable", "mash.worker", "--reason", "Left the council")
    mash_worker.refresh_from_db()
    assert not mash_worker.is_active and mash_worker.disabled_reason == "Left the council"
    assert "disabled" in capsys.readouterr().out
    call_command("account", "enable", "mash.worker")
    mash_worker.refresh_from_db()
    assert mash_worker.is_active


def test_unlock_and_reset_second_factor(mash_worker):
    call_command("account", "unlock", "mash.worker")
    assert SignInAttempt.objects.get(username="mash.worker").outcome == SignInOutcome.UNLOCKED
    call_command("account", "reset-second-factor", "mash.worker", "--reason", "New phone")
    assert not TOTPDevice.objects.filter(user=mash_worker).exists()


def test_an_unknown_username_or_a_missing_reason_is_refused(mash_worker):
    with pytest.raises(CommandError, match="No account"):
        call_command("account", "enable", "nobody.here")
    with pytest.raises(CommandError, match="reason"):
        call_command("account", "disable", "mash.worker", "--reason", " ")
