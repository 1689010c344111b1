"""Signing in with a password and a one-time code, and setting up an authenticator app."""

from __future__ import annotations

import datetime as dt
import re
import time
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP

from lantern.core import clock

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_police_officer_signs_in_with_password_and_code(page, screenshot):
    page.goto("/people/")
    assert "/sign-in/?next=/people/" in page.url
    page.get_by_label("Username").fill("police.officer")
    page.get_by_label("Password").fill("lantern-demo-only")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    assert "/sign-in/code/" in page.url
    hint = page.locator("[data-demo-hint]")
    assert "Demo only" in hint.inner_text()
    code = page.locator("[data-demo-code]").inner_text()
    assert re.fullmatch(r"[0-9]{6}", code)

    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()
    assert "The code is not right" in page.locator(".govuk-error-summary").inner_text()
    code = page.locator("[data-demo-code]").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code)
    screenshot("sign-in-01-code")
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.get_by_role("heading", name="Find a person").wait_for()
    assert page.url.endswith("/people/")
    screenshot("sign-in-02-signed-in")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out").wait_for()
    screenshot("sign-in-03-signed-out")
    page.goto("/")
    assert "/sign-in/" in page.url


def test_a_new_account_sets_up_an_authenticator_app(page, screenshot, settings):
    settings.LANTERN_DEMO = False
    from lantern.accounts.services import second_factor_enrolment_allow

    newcomer = get_user_model().objects.create_user(
        username="new.starter", password="a-long-test-password-1", first_name="Nia"
    )
    second_factor_enrolment_allow(actor=None, user=newcomer, reason="New starter")
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("new.starter")
    page.get_by_label("Password").fill("a-long-test-password-1")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    assert page.locator("svg.segno").count() == 1
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    screenshot("sign-in-04-set-up-app")

    totp = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time()
    page.get_by_label("Code from your authenticator app").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Confirm and sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    assert urlsplit(page.url).path == "/"


def test_an_idle_session_ends_with_a_message(page, screenshot):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("nhs.nurse")
    page.get_by_label("Password").fill("lantern-demo-only")
    page.get_by_role("button", name="Continue").click()
    code = page.locator("[data-demo-code]").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()
    later = clock.now() + dt.timedelta(minutes=31)
    with clock.frozen_at(later):
        page.goto("/")
        banner = page.locator(".govuk-notification-banner")
        banner.wait_for()
    assert "You were signed out after 30 minutes without activity" in banner.inner_text()
    assert "/sign-in/" in page.url
    screenshot("sign-in-05-timed-out")
