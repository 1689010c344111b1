"""In Chromium: a police officer opens Operations from the menu, reads the totals with what
each counts, goes down to the court case modelled on a real one, passes sentence on
several counts at once (a consecutive sentence pointing at a count with no custody is
refused beside that row, and nothing is saved), and reads the effective term. The
scrutineer then reads the same totals with no one named on the page. Screenshots in
test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.justice import services
from lantern.justice.models import Sentence
from lantern.partners.models import Agency
from tests.justice.conftest import on
from tests.justice.test_views import SENTENCING, make_scene
from tests.support.audit_coverage import REFERENCE

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _scene():
    officer = get_user_model().objects.get(username="police.officer")
    with on(dt.date(2026, 1, 5)):
        operation = services.operation_create(
            actor=officer,
            code="op-hawthorn",
            name="Operation Hawthorn",
            started_on=dt.date(2026, 1, 5),
        )
    return make_scene(officer, operation, Agency.objects.get(code="kestrelford-childrens-services"))


def test_an_officer_passes_sentence_and_the_scrutineer_reads_the_totals(
    page, screenshot, monkeypatch
):
    scene = _scene()
    monkeypatch.setattr(
        clock, "_fixed", dt.datetime.combine(SENTENCING, dt.time(16), tzinfo=dt.UTC)
    )
    try:
        _journey(page, screenshot, scene)
    except BaseException:
        screenshot("justice-failed")
        raise


def _journey(page, screenshot, scene) -> None:
    page.goto("/sign-in/")
    sign_in(page, "police.officer")
    page.get_by_role("link", name="Operations", exact=True).click()
    page.get_by_role("heading", name="Totals as at 5 November 2026").wait_for()
    row = page.locator('tr[data-operation="op-hawthorn"]')
    assert row.locator("td").nth(3).inner_text() == "6"  # convictions, counted by count
    screenshot("justice-01-totals-police")

    page.get_by_role("link", name="Operation Hawthorn").click()
    page.get_by_role("link", name="HW-2026-014").click()
    page.get_by_role("link", name="T20267014").click()
    page.get_by_role("heading", name="Garrick Vennard").wait_for()

    page.get_by_text("Pass sentence").click()
    for number in (1, 2, 3):
        page.locator(f"#sentence-s{number}_kind").select_option("life")
        page.locator(f"#sentence-s{number}_minimum_term_months").fill("360")
    page.locator("#sentence-s4_kind").select_option("custody")
    page.locator("#sentence-s4_term_months").fill("96")
    page.locator("#sentence-s4_consecutive_to").select_option("6")  # no custody on count 6
    page.locator("#sentence-s6_kind").select_option("other")
    page.get_by_role("button", name="Record the sentences").click()
    error = page.locator("#sentence-s4_consecutive_to-error")
    error.wait_for()
    assert "Count 6 has no custodial sentence to run after" in error.inner_text()
    assert not Sentence.objects.exists()
    screenshot("justice-02-sentence-refused")

    page.locator("#sentence-s4_consecutive_to").select_option("1")
    page.get_by_role("button", name="Record the sentences").click()
    page.locator(".govuk-notification-banner", has_text="Sentences recorded").wait_for()
    effective = page.locator("#effective").inner_text()
    assert "Life, with 38 years to serve before parole may be considered" in effective
    assert Sentence.objects.count() == 5
    screenshot("justice-03-case")

    page.context.clear_cookies()
    page.goto("/sign-in/")
    sign_in(page, "scrutineer")
    page.get_by_role("link", name="Operations", exact=True).click()
    page.get_by_role("heading", name="What each total counts").wait_for()
    html = page.content()
    assert not REFERENCE.search(html.encode())
    assert "Vennard" not in html and "Ashdown" not in html and "HW-2026-014" not in html
    years = page.locator('tr[data-operation="op-hawthorn"] td').nth(4).inner_text()
    assert years == "38.0"
    screenshot("justice-04-totals-scrutineer")
    assert scene["case"].reference == "T20267014"
