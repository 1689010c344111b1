"""The alert pages: the team's inbox (open first, high first, oldest first, with counts),
one alert (why, the records, the tasks, the team's decisions), the home page panel, and
the rule back-test report with its chart. Every person shown is audited (the suite's
autouse check), and an alert or a person a reader may not see answers 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape
from tests.accounts.helpers import sign_in_verified

from lantern.alerts import rules, selectors, services
from lantern.alerts.models import Status
from lantern.alerts.rules import Task
from lantern.audit.models import AuditEvent
from lantern.core import clock

from .conftest import NOW, POLICE, firing_for, make_person, make_rule, record, user

pytestmark = pytest.mark.django_db


def raise_about(person, *, rule, days_ago: float, summary="Missing overnight"):
    event = record(person, POLICE, "missing_episode", NOW - dt.timedelta(days=days_ago), summary)
    with clock.frozen_at(NOW - dt.timedelta(days=days_ago)):
        return services.alert_raise(firing_for(rule, person, event), rule=rule)


@pytest.fixture
def three_alerts():
    """Three children only the police know, alerted to the front door: a medium alert
    raised first, a high one raised later, and a high one since acted on."""
    people = [
        make_person(given, "Inboxwood", dt.date(2012, 1, n + 1), POLICE)
        for n, given in enumerate(["Ada", "Bo", "Cy"])
    ]
    medium = raise_about(people[0], rule=make_rule("medium_rule", severity="medium"), days_ago=5)
    high = raise_about(people[1], rule=make_rule("high_rule"), days_ago=1)
    done = raise_about(people[2], rule=make_rule("high_rule"), days_ago=9)
    services.alert_act(actor=user("team.manager"), alert=done, action="Strategy discussion")
    return medium, high, done


def test_the_inbox_lists_open_alerts_high_first_then_oldest_with_counts(client, three_alerts):
    medium, high, done = three_alerts
    sign_in_verified(client, user("mash.worker"))
    html = client.get("/alerts/").content.decode()
    shown = re.findall(r'href="/alerts/(\d+)/"', html)
    assert shown[:2] == [str(high.pk), str(medium.pk)]
    assert str(done.pk) not in shown  # acted on: closed, and no longer the front door's to see
    assert re.search(r'id="count-open">2<', html) and re.search(r'id="count-high">1<', html)
    event = AuditEvent.objects.filter(operation="alert.inbox").latest("id")
    assert {s.person_id for s in event.subjects.all() if s.person_id} == {
        medium.person_id,
        high.person_id,
    }


def test_the_inbox_keeps_closed_alerts_about_people_the_team_still_sees(client, child):
    """The front door holds the child's council record, so a closed alert stays listed."""
    alert = raise_about(child, rule=make_rule(), days_ago=1)
    services.alert_dismiss(actor=user("mash.worker"), alert=alert, reason="Known to us")
    sign_in_verified(client, user("mash.worker"))
    assert f'href="/alerts/{alert.pk}/"' not in client.get("/alerts/").content.decode()
    closed = client.get("/alerts/?show=closed").content.decode()
    assert f'href="/alerts/{alert.pk}/"' in closed and "Dismissed" in closed


def test_another_team_has_an_empty_inbox(client, three_alerts, nhs_nurse):
    sign_in_verified(client, nhs_nurse)
    page = client.get("/alerts/")
    assert page.status_code == 200 and 'id="no-alerts"' in page.content.decode()


def test_totals_only_roles_have_no_inbox(client, scrutineer):
    sign_in_verified(client, scrutineer)
    assert client.get("/alerts/").status_code == 404


def test_the_alert_page_says_why_lists_the_records_and_the_tasks(client, child):
    rule = rules.rule("missing_three_times_in_30_days")  # a shipped rule: its own words
    alert = raise_about(child, rule=rule, days_ago=1, summary="Found at the station at 2am")
    sign_in_verified(client, user("mash.worker"))
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert escape(rule.name) in html and escape(rule.description) in html
    assert "Found at the station at 2am" in html and "recorded by Northmoor Police" in html
    for task in rule.tasks:
        assert escape(task.text) in html
    assert "Acknowledge: I am looking at it" in html and "Dismiss the alert" in html
    assert AuditEvent.objects.filter(operation="alert.view").latest("id").detail == {
        "facts_shown": 1,
        "facts_withheld": 0,
    }


def test_acknowledge_act_and_dismiss_from_the_page(client, child):
    alert = raise_about(child, rule=make_rule(), days_ago=1)
    sign_in_verified(client, user("mash.worker"))
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 302
    alert.refresh_from_db()
    assert alert.status == Status.ACKNOWLEDGED
    again = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 400 and "already acknowledged" in again.content.decode()
    blank = client.post(f"/alerts/{alert.pk}/dismiss/", {"reason": ""})
    assert blank.status_code == 400
    assert "Enter why the alert needs no action" in blank.content.decode()
    done = client.post(f"/alerts/{alert.pk}/act/", {"action": "Home visit with the police"})
    assert done.status_code == 302 and done["Location"] == f"/alerts/{alert.pk}/"
    alert.refresh_from_db()
    assert (alert.status, alert.status_reason) == (Status.ACTED_ON, "Home visit with the police")
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Acted on by Priya Okonjo" in page and "Dismiss the alert" not in page


def test_someone_with_no_part_in_an_alert_gets_not_found_and_the_look_is_recorded(
    client, child, social_worker
):
    alert = raise_about(child, rule=make_rule(), days_ago=1)
    sign_in_verified(client, social_worker)  # holds the child's council record; not the team
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/alerts/{alert.pk}/dismiss/", {"reason": "x"}).status_code == 404
    refused = AuditEvent.objects.filter(operation="alert.view", outcome="refused").latest("id")
    assert refused.actor_id == social_worker.pk
    alert.refresh_from_db()
    assert alert.status == Status.OPEN


def test_a_task_is_recorded_done_from_the_page_by_its_agency(client, child, police_officer):
    alert = raise_about(
        child, rule=make_rule(tasks=(Task("police", "Trace the car", 1),)), days_ago=1
    )
    task = alert.tasks.get()
    sign_in_verified(client, police_officer)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Record this task as done" in page and "Dismiss the alert" not in page
    blank = client.post(f"/alerts/tasks/{task.pk}/done/", {"note": ""})
    assert blank.status_code == 400 and "Enter what was done" in blank.content.decode()
    assert (
        client.post(f"/alerts/tasks/{task.pk}/done/", {"note": "Keeper traced"}).status_code == 302
    )
    task.refresh_from_db()
    assert task.status == "done"


def test_the_home_panel_shows_the_teams_open_alerts(child, three_alerts):
    mash = user("mash.worker")
    panel = selectors.home_alerts(mash)
    assert (panel.counts.open, panel.counts.high) == (2, 1)
    html = render_to_string("alerts/_home_panel.html", {"alerts_panel": panel, "user": mash})
    assert "2 new alerts" in html and "1 high" in html
    assert three_alerts[1].person.reference in html
    assert AuditEvent.objects.filter(operation="home.alerts_panel").latest("id").actor_id == mash.pk
    assert selectors.home_alerts(user("scrutineer")) is None


# ---------------------------------------------------------------- the back-test report
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("partnership.manager", 200),
        ("team.manager", 200),
        ("police.analyst", 200),
        ("mash.worker", 404),
        ("scrutineer", 404),
        ("dpo", 404),
    ],
)
def test_the_rules_report_is_for_managers_and_analysts(client, username, status):
    sign_in_verified(client, user(username))
    assert client.get("/alerts/rules/").status_code == status


def test_the_rules_report_has_a_chart_with_its_numbers_in_a_table_and_no_names_for_totals_roles(
    client,
):
    sign_in_verified(client, user("partnership.manager"))
    page = client.get("/alerts/rules/", {"since": "2025-11-01", "until": "2026-10-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="lantern-chart" role="img"' in html
    assert 'aria-labelledby="per-month-title per-month-desc"' in html
    assert html.count("<rect ") == 12  # a bar a month
    table = html[html.index('id="per-month-table"') :]
    assert "November 2025" in table and "October 2026" in table
    assert 'id="firings"' not in html and not re.search(r"P-[A-Z0-9]{8}", html)
    assert 'id="by-rule"' in html
    event = AuditEvent.objects.filter(operation="alert.rules_report").latest("id")
    assert event.detail["named"] == 0


def test_one_rules_report_names_only_people_the_reader_may_see(client, child):
    """The back-test of one rule (switched off rules too) over a child's history: the
    police analyst sees the child (the police hold her record); the partnership manager
    only the total."""
    for days in (40, 25, 10):
        record(child, POLICE, "missing_episode", NOW - dt.timedelta(days=days), "Missing")
    analyst = user("police.analyst")
    sign_in_verified(client, analyst)
    url = "/alerts/rules/missing_three_times_in_30_days/"
    html = client.get(url, {"since": "2026-09-01", "until": "2026-11-10"}).content.decode()
    assert child.reference in html and 'id="description"' in html
    client.logout()
    sign_in_verified(client, user("partnership.manager"))
    totals = client.get(url, {"since": "2026-09-01", "until": "2026-11-10"}).content.decode()
    assert child.reference not in totals
    assert re.search(r'id="total">[1-9]', totals)
    assert client.get("/alerts/rules/no_such_rule/").status_code == 404
