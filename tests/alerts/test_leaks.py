"""Never leaking: an alert shows each reader only what the access policy lets them read.

- A fact is described only to a reader who may read the record (policy.can on the event);
  anyone else sees "a restricted record held by" the agency and the day, nothing more:
  not the kind, not the time, not the summary. Pages and the API alike.
- Alerts about people a reader may not see never appear: not in the inbox, its counts,
  the home page panel, the API, nor in a notification.

Each check is also run once with the rule broken on purpose, to prove it can fail.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.accounts.helpers import sign_in_verified

from lantern.access import policy
from lantern.access.models import Notification
from lantern.alerts import selectors, services
from lantern.alerts.models import AlertRecipient
from lantern.alerts.rules import Task
from lantern.people.models import Event, Person

from .conftest import NOW, POLICE, firing_for, make_person, make_rule, record, user

pytestmark = pytest.mark.django_db

READERS = ["mash.worker", "team.manager", "police.officer", "school.dsl"]
SECRETS = {
    "normal": "Found at the Kestrel Kebab House at 1am",
    "restricted": "Disclosed being taken to a flat on Mill Lane by two men",
    "school": "Absent five days; seen at the bus station in school hours",
}


def at(day: int, hour: int, minute: int) -> dt.datetime:
    """A moment in November 2026 (GMT: UK time and UTC agree), at a time of day that
    appears nowhere else on the page."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def alert(child, school):
    """An exploitation alert about the child, with a task for the police (so they have a
    part in it) and her school told (so its safeguarding lead has one)."""
    events = [
        record(child, POLICE, "missing_episode", at(2, 1, 4), SECRETS["normal"]),
        record(
            child,
            POLICE,
            "missing_episode",
            at(7, 3, 17),
            SECRETS["restricted"],
            sensitivity="restricted",
        ),
        record(child, school.code, "school_absence_run", at(4, 8, 41), SECRETS["school"]),
    ]
    rule = make_rule(
        tasks=(Task("police", "Trace the car", 1),), notify=("school_safeguarding_lead",)
    )
    return services.alert_raise(firing_for(rule, child, *events), rule=rule)


def events_of(alert) -> list[Event]:
    return list(Event.objects.filter(pk__in=alert.facts.values("source_id")).order_by("pk"))


def leaks_in(text: str, reader, alert) -> list[str]:
    """Every fact shown that the policy says the reader may not read, and every fact the
    reader may read that is not shown."""
    wrong = []
    for event in events_of(alert):
        allowed = policy.can(reader, "view", event)
        if allowed != (event.summary in text):
            wrong.append(
                f"{reader.username}: {event.summary!r} {'missing' if allowed else 'leaked'}"
            )
        if not allowed and f"{event.occurred_at:%H:%M}" in text:
            wrong.append(f"{reader.username}: the time of a withheld record is shown")
    return wrong


@pytest.mark.parametrize("username", READERS)
def test_each_reader_sees_exactly_the_facts_the_policy_lets_them_read(client, alert, username):
    reader = user(username)
    sign_in_verified(client, reader)
    page = client.get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not leaks_in(html, reader, alert)
    withheld = [e for e in events_of(alert) if not policy.can(reader, "view", e)]
    for event in withheld:
        holder = event.source_record.agency.name
        assert f"A restricted record held by {holder}" in html
    api = client.get(f"/api/v1/alerts/{alert.pk}/")
    assert api.status_code == 200
    body = api.content.decode()
    assert not leaks_in(body, reader, alert)
    facts = json.loads(body)["facts"]
    hidden = [f for f in facts if not f["shown"]]
    assert len(hidden) == len(withheld)
    for fact in hidden:
        assert fact["at"] is None and fact["summary"] == "" and fact["place"] == ""
        assert fact["text"].startswith("A restricted record held by ")


def test_the_front_door_is_shown_the_restricted_police_record_as_withheld(client, alert):
    sign_in_verified(client, user("mash.worker"))
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert SECRETS["normal"] in html and SECRETS["school"] in html
    assert SECRETS["restricted"] not in html
    assert "A restricted record held by Northmoor Police</strong>, 7 November 2026" in html
    assert "03:17" not in html


def test_the_fact_check_fails_when_the_rule_is_broken(client, alert, monkeypatch):
    """Break the rule on purpose: every event of the person counts as readable."""
    monkeypatch.setattr(
        selectors.policy,
        "person_events_visible_to",
        lambda user, action, person, relationships: Event.objects.filter(
            source_record__person=person
        ),
    )
    reader = user("mash.worker")
    sign_in_verified(client, reader)
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert leaks_in(html, reader, alert)


# ---------------------------------------------------------------- hidden people
@pytest.fixture
def hidden_alert():
    """An alert routed to the front door about a sealed child: nobody there may see him."""
    sealed = make_person("Corin", "Ashdown", dt.date(2011, 1, 1), POLICE, sensitivity="sealed")
    event = record(sealed, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Sealed secret")
    rule = make_rule("sealed_rule")
    return services.alert_raise(firing_for(rule, sealed, event), rule=rule)


def hidden_anywhere(client, alert) -> list[str]:
    """Where the alert's person shows for the front door's worker: pages, counts, API."""
    person: Person = alert.person
    found = []
    inbox = client.get("/alerts/?show=all").content.decode()
    if person.reference in inbox or person.family_name in inbox:
        found.append("inbox")
    counts = selectors.inbox(user=user("mash.worker"), show="all").counts
    if counts.open:
        found.append("counts")
    api = client.get("/api/v1/alerts/?show=all").content.decode()
    if person.reference in api:
        found.append("api list")
    if client.get(f"/alerts/{alert.pk}/").status_code != 404:
        found.append("page")
    if client.get(f"/api/v1/alerts/{alert.pk}/").status_code != 404:
        found.append("api detail")
    panel = selectors.home_alerts(user("mash.worker"))
    if panel.counts.open or panel.alerts:
        found.append("home panel")
    return found


def test_alerts_about_people_a_team_may_not_see_appear_nowhere(client, hidden_alert):
    sign_in_verified(client, user("mash.worker"))
    assert hidden_anywhere(client, hidden_alert) == []
    assert not AlertRecipient.objects.filter(alert=hidden_alert).exists()
    assert not Notification.objects.filter(person=hidden_alert.person).exists()


def test_the_hidden_people_check_fails_when_the_rule_is_broken(client, hidden_alert, monkeypatch):
    """Break the rule on purpose: the policy lets everyone see everyone."""
    monkeypatch.setattr(
        selectors.policy, "people_visible_to", lambda user, action="view": Person.objects.all()
    )
    sign_in_verified(client, user("mash.worker"))
    assert {"inbox", "counts", "api list", "home panel"} <= set(
        hidden_anywhere(client, hidden_alert)
    )


def test_notifications_check_fails_when_the_rule_is_broken(monkeypatch):
    monkeypatch.setattr(services.policy, "can", lambda *args, **kwargs: True)
    sealed = make_person("Wren", "Calloway", dt.date(2012, 4, 4), POLICE, sensitivity="sealed")
    event = record(sealed, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Missing")
    rule = make_rule("broken_rule")
    services.alert_raise(firing_for(rule, sealed, event), rule=rule)
    assert Notification.objects.filter(person=sealed).exists()


# ---------------------------------------------------------------- the alert's own access
def test_the_routed_team_sees_the_child_only_while_the_alert_is_open(client, stranger_child):
    """The front door has no relationship with a child only the police know, until an
    alert about him is routed to it; dismissing the alert ends it."""
    mash = user("mash.worker")
    sign_in_verified(client, mash)
    assert client.get(f"/people/{stranger_child.reference}/").status_code == 404
    event = record(stranger_child, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Gone")
    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, stranger_child, event), rule=rule)
    assert "alert" in policy.person_relationships(mash, stranger_child)
    page = client.get(f"/people/{stranger_child.reference}/")
    assert page.status_code == 200 and "Gone" in page.content.decode()
    response = client.post(f"/alerts/{alert.pk}/dismiss/", {"reason": "Not a concern"})
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    assert client.get(f"/people/{stranger_child.reference}/").status_code == 404
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404


def test_an_agency_with_a_task_sees_the_person_until_the_task_is_done(client, stranger_child):
    nurse = user("nhs.nurse")
    event = record(stranger_child, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Gone")
    rule = make_rule(tasks=(Task("nhs", "Check the child's health records", 2),))
    alert = services.alert_raise(firing_for(rule, stranger_child, event), rule=rule)
    assert policy.person_relationships(nurse, stranger_child) == {"alert_task"}
    sign_in_verified(client, nurse)
    page = client.get(f"/people/{stranger_child.reference}/")
    assert page.status_code == 200
    assert "Gone" not in page.content.decode()  # the person, not the police's records
    services.alert_task_complete(actor=nurse, task=alert.tasks.get(), note="Nothing held")
    assert client.get(f"/people/{stranger_child.reference}/").status_code == 404
