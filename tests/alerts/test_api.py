"""The alerts API under /api/v1/: the team's alerts, one alert, and the team's decisions,
through the same selectors, services and audit as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.accounts.helpers import sign_in_verified

from lantern.alerts import services
from lantern.alerts.models import Status
from lantern.audit.models import AuditEvent

from .conftest import NOW, POLICE, firing_for, make_rule, record, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(child):
    event = record(child, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Missing")
    rule = make_rule()
    return services.alert_raise(firing_for(rule, child, event), rule=rule)


def test_the_team_lists_its_alerts_with_their_facts(client, alert):
    sign_in_verified(client, user("mash.worker"))
    answer = client.get("/api/v1/alerts/")
    assert answer.status_code == 200
    [found] = answer.json()
    assert found["id"] == alert.pk and found["person"] == alert.person.reference
    assert found["status"] == "open" and found["severity"] == "high"
    assert found["last_fact_on"] == "2026-11-09"
    assert found["facts"][0]["shown"] and found["facts"][0]["summary"] == "Missing"
    event = AuditEvent.objects.filter(operation="api.alerts.list").latest("id")
    assert alert.person_id in {s.person_id for s in event.subjects.all()}
    assert client.get("/api/v1/alerts/", {"show": "closed"}).json() == []


def test_decisions_through_the_api(client, alert):
    sign_in_verified(client, user("mash.worker"))
    acknowledged = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 400 and "already acknowledged" in again.json()["alert"][0]
    blank = client.post(f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": " "})
    assert blank.status_code == 400 and "needs no action" in blank.json()["reason"][0]
    acted = client.post(f"/api/v1/alerts/{alert.pk}/act/", {"action": "Referral opened"})
    assert acted.status_code == 200
    alert.refresh_from_db()
    assert (alert.status, alert.status_reason) == (Status.ACTED_ON, "Referral opened")


def test_an_alert_that_is_not_yours_answers_not_found(client, alert):
    sign_in_verified(client, user("nhs.nurse"))
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client.get("/api/v1/alerts/").json() == []
    client.logout()
    sign_in_verified(client, user("scrutineer"))
    assert client.get("/api/v1/alerts/").status_code == 404


def test_the_schema_describes_the_alert_endpoints(client):
    sign_in_verified(client, user("mash.worker"))
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/alerts/{id}/act/",
        "/api/v1/alerts/{id}/dismiss/",
    ):
        assert path in paths


def test_closing_the_only_reason_to_see_the_person_answers_with_nothing(client, stranger_child):
    """The front door sees a child only the police know because an alert about him is open
    with it. Dismissing the alert ends that: the answer must not show him."""
    event = record(stranger_child, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Gone")
    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, stranger_child, event), rule=rule)
    sign_in_verified(client, user("mash.worker"))
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 200
    answer = client.post(f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": "Known to police"})
    assert answer.status_code == 204 and not answer.content
    alert.refresh_from_db()
    assert alert.status == Status.DISMISSED
    assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
