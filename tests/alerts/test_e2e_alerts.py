"""In Chromium: agencies' records arrive, a rule raises an alert to the front door, and a
front-door worker reads the inbox and the alert (a restricted police record named, not
described), acknowledges it and records what was done. Screenshots in test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.e2e.test_journeys import sign_in

from lantern.alerts.models import Alert
from lantern.core import clock
from lantern.people.services import event_record

from .conftest import HOME, POLICE, make_person, record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Tuesday 10 November 2026, 09:20 (GMT: UK time and UTC agree).
MORNING = dt.datetime(2026, 11, 10, 9, 20, tzinfo=dt.UTC)


@pytest.fixture
def morning(now):
    """Stand at MORNING, inside the alerts' own frozen moment (`now`), and give the clock
    back as it was: monkeypatching the clock's moment could leave it frozen for the
    journeys that run later, whose one-time codes follow the real time."""
    with clock.frozen_at(MORNING):
        yield MORNING


def test_the_front_door_reads_and_acts_on_an_alert(page, screenshot, morning):
    from lantern.partners.models import Agency

    school = Agency.objects.filter(kind="school").order_by("pk").first()
    child = make_person(
        "Maisie", "Thornbury", dt.date(2012, 6, 3), "northmoor-police", school, postcode=HOME
    )
    record(
        child,
        POLICE,
        "missing_episode",
        MORNING - dt.timedelta(days=19),
        "Missing overnight; found at the Kestrel Kebab House",
    )
    record(
        child,
        school.code,
        "school_absence_run",
        MORNING - dt.timedelta(days=8),
        "Absent five days without explanation",
    )
    source = child.source_records.get(agency__code=POLICE)
    event_record(
        actor=None,
        source=source,
        event_type="missing_episode",
        occurred_at=MORNING - dt.timedelta(hours=30),
        summary="Missing two nights; disclosed being driven to a flat by older men",
        sensitivity="restricted",
    )
    alert = Alert.objects.get(person=child, rule="missing_with_school_absence")

    page.goto("/sign-in/")
    sign_in(page, "mash.worker")
    page.get_by_role("button", name="Sign out").wait_for()
    page.goto("/alerts/")
    page.get_by_role("heading", name="Alerts", exact=True).wait_for()
    row = page.get_by_role("row").filter(has_text="Maisie Thornbury").filter(has_text="High")
    tasks = page.locator("#tasks").inner_text()
    assert "Screen the child with the child exploitation screening tool" in tasks
    assert "High" in row.inner_text() and "Northmoor Police" in row.inner_text()
    screenshot("alerts-inbox")

    row.get_by_role("link", name="Maisie Thornbury").click()
    page.get_by_role("heading", name="Missing twice in a month, with school absence").wait_for()
    facts = page.locator("#facts").inner_text()
    assert "found at the Kestrel Kebab House" in facts
    assert "Absent five days without explanation" in facts
    assert "A restricted record held by Northmoor Police" in facts
    assert "driven to a flat" not in page.content()
    screenshot("alerts-alert")

    page.get_by_role("button", name="Acknowledge: I am looking at it").click()
    page.get_by_text("Acknowledged: your team can see you are looking at it.").wait_for()
    page.get_by_label("What was done").fill("Strategy discussion called for 14:00 with the police")
    page.get_by_role("button", name="Record what was done").click()
    page.get_by_text("Recorded what was done. The alert is closed.").wait_for()
    alert.refresh_from_db()
    assert alert.status == "acted_on"
    screenshot("alerts-acted-on")


def test_the_rule_back_test_report_shows_its_chart_and_table(page, screenshot, morning):
    page.goto("/sign-in/")
    sign_in(page, "partnership.manager")
    page.get_by_role("button", name="Sign out").wait_for()
    page.goto("/alerts/rules/?since=2025-11-01&until=2026-10-31")
    page.get_by_role("heading", name="What the rules would have raised").wait_for()
    chart = page.get_by_role("img", name="Alerts per month that the rules would have raised")
    assert chart.is_visible()
    assert page.locator("#per-month-table tbody tr").count() == 12
    assert page.locator("#firings").count() == 0  # totals only for this role
    screenshot("alerts-rules-report")
