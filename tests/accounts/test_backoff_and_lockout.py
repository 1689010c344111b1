"""Failures in a row slow each next try, then lock the username for 30 minutes; all recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.accounts import selectors, services
from lantern.accounts.models import SignInAttempt, SignInOutcome
from lantern.core import clock

from .helpers import MORNING, code_for, enter_code, enter_password

pytestmark = pytest.mark.django_db

GAP = dt.timedelta(minutes=2)  # longer than any backoff, shorter than the lockout


def _errors(response) -> list[str]:
    """The error summary's messages, as the user reads them."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r">([^<]+)</a>", summary.group(1)) if summary else []


def _fail(client, username: str, times: int, start: dt.datetime = MORNING) -> dt.datetime:
    """Wrong passwords, spaced so that no backoff refuses them. Returns the last one's moment."""
    at = start
    for _ in range(times):
        with clock.frozen_at(at):
            enter_password(client, username, "wrong")
        at += GAP
    return at - GAP


def _outcomes(username: str) -> list[str]:
    return list(
        SignInAttempt.objects.filter(username=username)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )


def test_after_three_failures_the_next_try_must_wait_a_second(client):
    with clock.frozen_at(MORNING):
        for _ in range(3):
            enter_password(client, "mash.worker", "wrong")
        refused = enter_password(client, "mash.worker")
    assert _errors(refused) == [
        "There have been too many failed attempts to sign in. Wait 1 second, then try again."
    ]
    assert _outcomes("mash.worker")[-1] == SignInOutcome.TOO_SOON
    with clock.frozen_at(MORNING + dt.timedelta(seconds=1)):
        assert enter_password(client, "mash.worker")["Location"] == reverse(
            "accounts:second-factor"
        )


@pytest.mark.parametrize(("failures", "wait"), [(3, 1), (4, 2), (5, 4), (8, 32), (9, 60)])
def test_the_wait_doubles_with_each_failure_up_to_a_cap(client, failures, wait):
    last = _fail(client, "mash.worker", failures)
    state = selectors.sign_in_state(username="mash.worker")
    assert state.failures == failures
    assert state.wait_until == last + dt.timedelta(seconds=wait)
    with clock.frozen_at(last + dt.timedelta(seconds=wait - 1)):
        assert "Wait 1 second" in _errors(enter_password(client, "mash.worker"))[0]
    with clock.frozen_at(last + dt.timedelta(seconds=wait)):
        assert enter_password(client, "mash.worker").status_code == 302


def test_refused_tries_are_recorded_but_do_not_count_as_failures(client):
    with clock.frozen_at(MORNING):
        for _ in range(8):
            enter_password(client, "mash.worker", "wrong")
    assert _outcomes("mash.worker") == ["bad_password"] * 3 + ["too_soon"] * 5
    assert selectors.sign_in_state(username="mash.worker").failures == 3


def test_ten_failures_lock_the_account_for_thirty_minutes_even_with_the_right_password(
    client, mash_worker
):
    last = _fail(client, "mash.worker", 9)
    with clock.frozen_at(last + GAP):
        tenth = enter_password(client, "mash.worker", "wrong")
    locked_message = (
        "This account is locked because of too many failed attempts to sign in. "
        "Try again after 9:48am, or ask your system administrator to unlock it."
    )
    assert _errors(tenth) == [locked_message]  # 9:18am + 30 minutes (GMT)
    with clock.frozen_at(last + GAP + dt.timedelta(minutes=29, seconds=59)):
        refused = enter_password(client, "mash.worker")
    assert _errors(refused) == [locked_message]
    attempt = SignInAttempt.objects.filter(username="mash.worker").first()
    assert attempt.outcome == SignInOutcome.LOCKED_OUT and attempt.user == mash_worker
    with clock.frozen_at(last + GAP + dt.timedelta(minutes=30)):
        assert enter_password(client, "mash.worker")["Location"] == reverse(
            "accounts:second-factor"
        )


def test_a_failure_after_a_lock_has_ended_locks_again_at_once(client):
    last = _fail(client, "mash.worker", 10)
    after = last + dt.timedelta(minutes=30)
    with clock.frozen_at(after):
        response = enter_password(client, "mash.worker", "wrong")
    assert "Try again after 10:18am" in _errors(response)[0]


def test_an_unknown_username_is_treated_exactly_like_a_known_one(client):
    """Same messages at every stage, so nobody can learn which usernames exist."""
    known, unknown = [], []
    for username, seen in (("mash.worker", known), ("nobody.here", unknown)):
        at = MORNING
        for _ in range(11):
            with clock.frozen_at(at):
                seen.append(_errors(enter_password(client, username, "wrong")))
                seen.append(_errors(enter_password(client, username, "wrong")))  # too soon
            at += GAP
    assert known == unknown
    assert any("locked" in errors[0] for errors in unknown)
    assert set(_outcomes("nobody.here")) == {"bad_password", "too_soon", "locked_out"}
    assert not SignInAttempt.objects.filter(username="nobody.here", user__isnull=False).exists()


def test_wrong_codes_count_towards_backoff_and_lockout(client, mash_worker):
    last = _fail(client, "mash.worker", 8)
    at = last + GAP
    with clock.frozen_at(at):
        enter_password(client, "mash.worker")
        right = code_for(mash_worker, at)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        response = enter_code(client, wrong)  # the ninth failure
        assert "The code is not right" in _errors(response)[0]
        response = enter_code(client, right)  # too soon: refused without a look at the code
        assert "Wait 1 minute" in _errors(response)[0]
    at += GAP
    with clock.frozen_at(at):
        response = enter_code(client, wrong)  # the tenth: locked, back to the start
        assert response["Location"] == reverse("accounts:sign-in")
        page = client.get(response["Location"]).content.decode()
    assert "This account is locked" in page and "govuk-notification-banner" in page
    assert _outcomes("mash.worker")[-4:] == ["password_ok", "bad_code", "too_soon", "bad_code"]
    with clock.frozen_at(at):
        assert client.get(reverse("accounts:second-factor"))["Location"] == reverse(
            "accounts:sign-in"
        )


def test_a_lock_made_elsewhere_stops_a_half_finished_sign_in(client, mash_worker, settings):
    settings.SIGN_IN_SECOND_STEP_SECONDS = 60 * 60
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
    _fail(Client(), "mash.worker", 10, start=MORNING + dt.timedelta(seconds=5))
    at = MORNING + dt.timedelta(minutes=20)
    with clock.frozen_at(at):
        response = enter_code(client, code_for(mash_worker, at))
    assert response["Location"] == reverse("accounts:sign-in")
    assert _outcomes("mash.worker")[-1] == SignInOutcome.LOCKED_OUT


def test_signing_in_starts_the_count_again(client, mash_worker):
    last = _fail(client, "mash.worker", 5)
    at = last + GAP
    with clock.frozen_at(at):
        enter_password(client, "mash.worker")
        enter_code(client, code_for(mash_worker, at))
    assert selectors.sign_in_state(username="mash.worker").failures == 0


def test_an_administrator_can_unlock_an_account(client, mash_worker, sysadmin):
    last = _fail(client, "mash.worker", 10)
    services.user_unlock(actor=sysadmin, user=mash_worker)
    with clock.frozen_at(last + dt.timedelta(minutes=1)):
        assert enter_password(client, "mash.worker").status_code == 302


def test_a_disabled_account_with_the_right_password_is_told_so_and_recorded(
    client, mash_worker, sysadmin
):
    services.user_disable(actor=sysadmin, user=mash_worker, reason="Left the council")
    with clock.frozen_at(MORNING):
        right = enter_password(client, "mash.worker")
        wrong = enter_password(client, "mash.worker", "wrong")
    assert _errors(right) == ["This account has been disabled. Ask your system administrator."]
    assert _errors(wrong) == ["Enter a correct username and password. Both are case-sensitive."]
    assert _outcomes("mash.worker") == ["disabled", "bad_password"]


def test_every_attempt_records_who_when_where_and_how_it_ended(client, mash_worker):
    with clock.frozen_at(MORNING):
        client.post(
            reverse("accounts:sign-in"),
            {"username": "mash.worker", "password": "wrong"},
            REMOTE_ADDR="192.0.2.7",
        )
    attempt = SignInAttempt.objects.get(username="mash.worker")
    assert (attempt.user, attempt.at, attempt.ip, attempt.outcome) == (
        mash_worker,
        MORNING,
        "192.0.2.7",
        SignInOutcome.BAD_PASSWORD,
    )
