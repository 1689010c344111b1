"""The alert relationships in the authorisation matrix, generated from the policy table
and driven through HTTP, as tests/access/test_matrix.py does for the others.

For every persona, each of the two relationships an alert gives (`alert`: an open alert
routed to your team; `alert_task`: an open task from an alert for your agency) and each
sensitivity, a person is made with records and events from other agencies at every
sensitivity, plus decoys that must give nothing (a closed alert routed to your team, an
open one routed to another team, your agency's task that is done, another agency's open
task). The person page, its events, the API and the alert inbox are checked against the
policy.csv rows, read here on their own. Removing the relationship from the policy code
makes the matrix fail (the last test).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from tests.accounts.helpers import sign_in_verified

from lantern.access.policy import POLICY_FILE
from lantern.alerts.models import Alert, AlertTask
from lantern.core import clock
from lantern.partners.models import Agency, Team
from lantern.people.models import Event, EventType, Person, SourceRecord

pytestmark = pytest.mark.django_db

PERSONAS = [
    "mash.worker",
    "team.manager",
    "social.worker",
    "police.officer",
    "police.analyst",
    "nhs.nurse",
    "school.dsl",
    "support.worker",
    "partnership.manager",
    "dpo",
]
RELATIONSHIPS = ["alert", "alert_task", "decoys"]
SENSITIVITIES = ["normal", "restricted", "sealed"]
OTHER_AGENCIES = {
    "kestrelford-youth": "youth_service_session",
    "national-exploitation-unit": "police_incident",
    "primary-1": "school_concern",
}


def read_table() -> dict[tuple[str, str, str, str], set[str]]:
    lines = [
        line
        for line in POLICY_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    table = {}
    for row in csv.DictReader(lines):
        for sensitivity in SENSITIVITIES:
            table[(row["role"], row["relationship"], row["record"], sensitivity)] = set(
                (row[sensitivity] or "").split()
            )
    return table


TABLE = read_table()


def allowed(role, relationships, record_type, sensitivity, action) -> bool:
    return any(
        action in TABLE.get((role, rel, record_type, sensitivity), set()) for rel in relationships
    )


def has(user, relationship: str) -> bool:
    if relationship == "alert":
        return bool(user.membership and user.membership.team)
    if relationship == "alert_task":
        return user.agency is not None
    return False


def _alert(person, team, *, status="open") -> Alert:
    now = clock.now()
    return Alert.objects.create(
        rule="matrix_rule",
        rule_version=1,
        person=person,
        route="exploitation_alert",
        team=team,
        agency=team.agency,
        severity="high",
        fired_at=now,
        raised_at=now,
        last_fact_at=now,
        status=status,
    )


def _task(alert, agency, *, status="open") -> AlertTask:
    return AlertTask.objects.create(
        alert=alert,
        agency=agency,
        text="Matrix task",
        due_on=clock.today(),
        status=status,
        created_at=clock.now(),
    )


def build(user, number: int) -> list[dict]:
    now = clock.now()
    team = user.membership.team if user.membership else None
    other_team = Team.objects.exclude(pk=getattr(team, "pk", None)).order_by("pk").first()
    other_agency = Agency.objects.exclude(pk=getattr(user.agency, "pk", None)).order_by("pk")[0]
    agencies = list(Agency.objects.filter(code__in=OTHER_AGENCIES))
    types = {t.code: t for t in EventType.objects.all()}
    made = []
    for index, (relationship, sensitivity) in enumerate(
        itertools.product(RELATIONSHIPS, SENSITIVITIES)
    ):
        family = f"Alertmatrix{number:02d}x{index:02d}"
        person = Person.objects.create(
            given_name="Sam", family_name=family, sensitivity=sensitivity, created_at=now
        )
        records, events = [], []
        for agency in agencies:
            for record_sensitivity in SENSITIVITIES:
                local_id = f"AM{number:02d}-{index:02d}-{agency.pk}-{record_sensitivity}"
                record = SourceRecord.objects.create(
                    agency=agency,
                    local_id=local_id,
                    person=person,
                    given_name="Sam",
                    family_name=family,
                    sensitivity=record_sensitivity,
                    received_at=now,
                )
                events.append(
                    Event.objects.create(
                        source_record=record,
                        event_type=types[OTHER_AGENCIES[agency.code]],
                        occurred_at=now - dt.timedelta(days=3),
                        recorded_at=now,
                        summary=f"Event {local_id}",
                        sensitivity=record_sensitivity,
                    )
                )
                records.append(record)
        if relationship == "alert" and team is not None:
            _alert(person, team)
        elif relationship == "alert_task" and user.agency is not None:
            _task(_alert(person, other_team), user.agency)
        elif relationship == "decoys":
            if team is not None:
                _alert(person, team, status="dismissed")
            elsewhere = _alert(person, other_team)
            _task(elsewhere, other_agency)
            if user.agency is not None:
                _task(elsewhere, user.agency, status="done")
        made.append({"person": person, "relationship": relationship, "events": events})
    return made


def run_matrix(client, personas) -> tuple[int, list[str]]:
    users = get_user_model().objects.in_bulk(personas, field_name="username")
    plans = {name: build(users[name], number) for number, name in enumerate(personas)}
    checks, wrong = 0, []

    def check(expected: bool, actual: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if expected != actual:
            wrong.append(f"{what}: expected {'shown' if expected else 'hidden'}")

    for name in personas:
        user = users[name]
        role = user.role.code
        sign_in_verified(client, user)
        inbox = client.get("/alerts/?show=all")
        inbox_html = inbox.content.decode() if inbox.status_code == 200 else ""
        for item in plans[name]:
            person, relationship = item["person"], item["relationship"]
            rels = {relationship} if has(user, relationship) else set()
            where = f"{name} / {relationship} / {person.sensitivity}"
            check(
                allowed(role, rels, "person", person.sensitivity, "list"),
                person.reference in inbox_html,
                f"{where}: inbox",
            )
            page = client.get(f"/people/{person.reference}/")
            can_view = allowed(role, rels, "person", person.sensitivity, "view")
            check(can_view, page.status_code == 200, f"{where}: person page")
            html = page.content.decode() if page.status_code == 200 else ""
            for event in item["events"]:
                see = can_view and allowed(role, rels, "event", event.sensitivity, "view")
                check(see, event.summary in html, f"{where}: {event.summary}")
            answer = client.get(f"/api/v1/people/{person.reference}/")
            can_api = allowed(role, rels, "person", person.sensitivity, "api")
            check(can_api, answer.status_code == 200, f"{where}: api person")
            body = answer.content.decode() if answer.status_code == 200 else ""
            for event in item["events"]:
                see = can_api and allowed(role, rels, "event", event.sensitivity, "api")
                check(see, event.summary in body, f"{where}: api {event.summary}")
        client.logout()
    return checks, wrong


def test_the_alert_relationships_answer_as_the_table_says(client):
    checks, wrong = run_matrix(client, PERSONAS)
    print(f"alert matrix: {checks} checks, {len(wrong)} wrong")
    assert not wrong, f"{len(wrong)} of {checks} checks wrong:\n" + "\n".join(wrong[:40])
    assert checks >= 1800


def test_the_matrix_fails_without_the_alert_relationships(client, monkeypatch):
    """Break it on purpose: the policy no longer knows either alert relationship."""
    monkeypatch.setattr("lantern.alerts.access.alert_q", lambda team, ref="pk": Q(pk__in=[]))
    monkeypatch.setattr("lantern.alerts.access.alert_task_q", lambda agency, ref="pk": Q(pk__in=[]))
    _, wrong = run_matrix(client, ["mash.worker", "nhs.nurse"])
    assert any("alert / normal: person page" in w for w in wrong)
    assert any("alert_task / normal: person page" in w for w in wrong)
