"""Signing in takes two steps: username and password, then a one-time code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from lantern.accounts.models import SignInAttempt, SignInOutcome, UserSession
from lantern.core import clock

from .helpers import MORNING, code_for, enter_code, enter_password, session_key

pytestmark = pytest.mark.django_db


def test_a_wrong_password_says_so_in_an_error_summary(client):
    response = enter_password(client, "mash.worker", "wrong")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct username and password" in page
    assert "govuk-error-summary" in page and 'href="#id_username"' in page


def test_empty_fields_are_named_in_their_errors(client):
    page = client.post(reverse("accounts:sign-in"), {}).content.decode()
    assert "Enter your username" in page and "Enter your password" in page
    assert 'href="#id_password"' in page
    assert "<title>Sign in (error)" in page


def test_the_password_alone_does_not_sign_in(client, mash_worker):
    with clock.frozen_at(MORNING):
        response = enter_password(client, "mash.worker")
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:second-factor")
        home = client.get(reverse("web:home"))
        assert home.status_code == 302 and reverse("accounts:sign-in") in home["Location"]
        assert "_auth_user_id" not in client.session
    attempt = SignInAttempt.objects.filter(username="mash.worker").first()
    assert attempt.outcome == SignInOutcome.PASSWORD_ACCEPTED and attempt.user == mash_worker


def test_password_then_code_signs_in_and_is_verified(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        page = client.get(reverse("accounts:second-factor")).content.decode()
        assert "Enter the code from your authenticator app" in page
        assert "Signing in as mash.worker" in page
        response = enter_code(client, code_for(mash_worker, MORNING))
        assert response.status_code == 302 and response["Location"] == reverse("web:home")
        home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == mash_worker
    assert home.wsgi_request.user.is_verified()
    attempt = SignInAttempt.objects.filter(username="mash.worker").first()
    assert attempt.outcome == SignInOutcome.SUCCESS and attempt.ip == "127.0.0.1"
    assert UserSession.objects.filter(user=mash_worker, session_key=session_key(client)).exists()


def test_the_session_key_changes_after_each_step(client, mash_worker):
    with clock.frozen_at(MORNING):
        client.get(reverse("accounts:sign-in"))
        keys = [client.session.session_key]  # a visitor's session, before signing in
        enter_password(client, "mash.worker")
        keys.append(session_key(client))
        enter_code(client, code_for(mash_worker, MORNING))
        keys.append(session_key(client))
    assert len(set(keys)) == 3 and all(keys)
    # The earlier sessions are gone from the server, not merely unused.
    assert not Session.objects.filter(session_key__in=keys[:2]).exists()


def test_a_half_signed_in_user_asking_for_a_page_goes_to_the_code_page_and_then_to_it(
    client, mash_worker
):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        asked = client.get(reverse("web:people-search"))
        sign_in_url = asked["Location"]
        assert sign_in_url.startswith(reverse("accounts:sign-in"))
        sent_on = client.get(sign_in_url)
        assert sent_on["Location"] == reverse("accounts:second-factor")
        response = enter_code(client, code_for(mash_worker, MORNING))
    assert response["Location"] == reverse("web:people-search")


def test_next_is_kept_through_both_steps_but_never_to_another_site(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker", next="/people/")
        assert enter_code(client, code_for(mash_worker, MORNING))["Location"] == "/people/"
    client.logout()
    later = MORNING + dt.timedelta(minutes=1)
    with clock.frozen_at(later):
        enter_password(client, "mash.worker", next="https://evil.example/")
        assert enter_code(client, code_for(mash_worker, later))["Location"] == reverse("web:home")


def test_a_wrong_code_names_the_field_and_does_not_sign_in(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        right = code_for(mash_worker, MORNING)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        page = enter_code(client, wrong).content.decode()
        assert "The code is not right, or it has already been used" in page
        assert 'href="#id_code"' in page and "govuk-input--error" in page
        assert client.get(reverse("web:home")).status_code == 302
    assert SignInAttempt.objects.filter(username="mash.worker").first().outcome == "bad_code"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits"),
        ("12345a", "The code must be 6 digits"),
    ],
)
def test_a_code_that_is_not_six_digits_is_explained(client, mash_worker, typed, error):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        page = enter_code(client, typed).content.decode()
    assert error in page
    assert not SignInAttempt.objects.filter(outcome=SignInOutcome.BAD_CODE).exists()


def test_a_code_typed_with_spaces_is_accepted(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        code = code_for(mash_worker, MORNING)
        response = enter_code(client, f"{code[:3]} {code[3:]}")
    assert response["Location"] == reverse("web:home")


def test_the_code_page_without_a_password_first_goes_to_sign_in(client):
    response = client.get(reverse("accounts:second-factor"))
    assert response["Location"] == reverse("accounts:sign-in")


def test_the_code_step_must_follow_the_password_within_ten_minutes(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
    late = MORNING + dt.timedelta(minutes=10, seconds=1)
    with clock.frozen_at(late):
        response = enter_code(client, code_for(mash_worker, late))
        assert response["Location"] == reverse("accounts:sign-in")
        page = client.get(response["Location"]).content.decode()
    assert "You took longer than 10 minutes to finish signing in" in page
    assert "_auth_user_id" not in client.session


def test_a_password_change_between_the_steps_stops_the_sign_in(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        mash_worker.set_password("a-new-password-for-testing")
        mash_worker.save()
        response = enter_code(client, code_for(mash_worker, MORNING))
    assert response["Location"] == reverse("accounts:sign-in")


def test_someone_fully_signed_in_is_sent_on_from_the_sign_in_page(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        enter_code(client, code_for(mash_worker, MORNING))
        response = client.get(reverse("accounts:sign-in"), {"next": "/people/"})
    assert response["Location"] == "/people/"
