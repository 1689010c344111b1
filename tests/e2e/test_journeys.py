"""A front-door social worker signs in, searches, and opens a child's record."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.people.models import SourceRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    """Password, then the one-time code the demo shows its demo users on the code page."""
    if "/sign-in/" not in page.url:
        page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("lantern-demo-only")
    page.get_by_role("button", name="Continue").click()
    code = page.locator("[data-demo-code]").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_sign_in_search_and_open_a_person(page, screenshot):
    """A child with a referral open at the front door: the front door sees every agency."""
    child = (
        SourceRecord.objects.filter(
            person__access_bases__kind="front_door",
            sensitivity="normal",
            date_of_birth__isnull=False,
            person__source_records__events__isnull=False,
        )
        .select_related("person", "agency")
        .order_by("pk")
        .first()
    )
    page.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
    sign_in(page, "mash.worker")
    page.get_by_role("heading", name="Front-door (MASH) social worker").wait_for()
    screenshot("01-home-front-door")

    page.get_by_role("link", name="Find a person").click()
    page.get_by_label("Name").fill(f"{child.given_name} {child.family_name}")
    page.get_by_label("Date of birth").fill(child.date_of_birth.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="Most likely matches").wait_for()
    page.get_by_text("Why").first.click()
    screenshot("02-search-results")

    page.get_by_role("link", name=child.person.full_name).first.click()
    page.get_by_role("heading", name="Timeline from every agency").wait_for()
    assert child.person.reference in page.content()
    assert child.agency.name in page.content()
    screenshot("03-person")

    page.get_by_role("tab", name="Agency records").click()
    page.get_by_text(f"record {child.local_id}").first.wait_for()


def test_a_search_error_is_shown_in_govuk_style(page, screenshot):
    sign_in(page, "police.officer")
    page.goto("/people/?date_of_birth=31/02/2012")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Date of birth must be a real date" in summary.inner_text()
    screenshot("04-search-error")


def test_a_scrutineer_sees_totals_and_no_search(page, screenshot):
    sign_in(page, "scrutineer")
    page.get_by_text("Records held, by agency").wait_for()
    assert page.get_by_role("link", name="Find a person").count() == 0
    screenshot("05-home-scrutineer")


def test_emergency_access_then_who_has_looked(page, screenshot):
    """A nurse with no relationship breaks glass; the DPO then sees it in the log."""
    from lantern.people.models import Person
    from tests.accounts.helpers import code_for

    person = (
        Person.objects.exclude(source_records__agency__code="kestrelford-nhs")
        .filter(sensitivity="normal", access_bases__isnull=True)
        .order_by("pk")
        .first()
    )
    sign_in(page, "nhs.nurse")
    page.goto(f"/people/{person.reference}/")
    page.get_by_role("link", name="ask for emergency access").click()
    page.get_by_label("Why do you need emergency access?").fill(
        "Brought into the emergency department unconscious; need to know who is involved"
    )
    from django.contrib.auth import get_user_model

    nurse = get_user_model().objects.get(username="nhs.nurse")
    # The sign-in used this time step's code; a code works once, so use the next one.
    from lantern.core import clock

    next_code = code_for(nurse, clock.now() + dt.timedelta(seconds=30))
    page.get_by_label("Code from your authenticator app").fill(next_code)
    page.get_by_role("button", name="Open emergency access").click()
    page.get_by_text("Emergency access is open for one hour").wait_for()
    screenshot("06-emergency-access")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "dpo")
    page.get_by_text("used emergency access").first.wait_for()
    screenshot("07-dpo-home-alert")
    page.goto(f"/people/{person.reference}/access-log/")
    page.get_by_text("access.break_glass.open").wait_for()
    assert "nhs.nurse" in page.content()
    screenshot("08-who-has-looked")


def test_review_a_doubtful_pair(page, screenshot):
    """The front door decides a pair that linkage left to a person, with a reason."""
    from django.contrib.auth import get_user_model

    from lantern.access.services import front_door_referral_open
    from lantern.linkage.models import ReviewPair, ReviewStatus
    from lantern.linkage.services import link_records
    from lantern.partners.models import Team

    link_records()
    # A referral about the child in a doubtful pair brings both records to the front door.
    pair = ReviewPair.objects.filter(status=ReviewStatus.PENDING).order_by("-match_probability")[0]
    worker = get_user_model().objects.get(username="mash.worker")
    for record in (pair.record_a, pair.record_b):
        front_door_referral_open(
            actor=worker,
            person=record.person,
            team=Team.objects.get(code="front-door"),
            reason="Referral received",
        )
    sign_in(page, "mash.worker")
    page.get_by_role("link", name="Records to review").click()
    page.get_by_role("heading", name="Records to review").wait_for()
    screenshot("09-review-queue")
    page.get_by_role("link", name="Decide").first.click()
    page.get_by_role("heading", name="Are these the same person?").wait_for()
    assert page.get_by_text("The evidence, field by field").count() == 1
    screenshot("10-review-pair")
    page.get_by_role("button", name="Record the decision").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Choose whether these are the same person" in page.content()
    page.get_by_label("Not the same person").check()
    page.get_by_label("Why").fill("Different schools and different dates of birth")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Lantern will not propose this pair again").wait_for()
    screenshot("11-review-decided")
    decided = ReviewPair.objects.get(status=ReviewStatus.DIFFERENT)
    assert decided.reason == "Different schools and different dates of birth"
