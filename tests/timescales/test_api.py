"""The worklist API: /api/v1/deadlines/ and /api/v1/deadlines/team/, through the same
selectors as the pages: pages of 50, counts over the whole list, everyone shown audited,
and nothing about a person the caller may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.people.models import Person

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_my_deadlines(client_for, now, open_deadline, council_child, mash_worker):
    late = open_deadline(
        council_child, starts_at=NOW - dt.timedelta(days=4), owner_user=mash_worker
    )
    later = open_deadline(council_child, "assessment", owner_user=mash_worker)
    reply = client_for(mash_worker).get(reverse("api:deadlines"))
    assert reply.status_code == 200
    body = reply.json()
    assert (body["count"], body["overdue"], body["due_today"], body["upcoming"]) == (2, 1, 0, 1)
    assert body["team"] is None and body["page"] == 1 and body["next"] is None
    assert [row["id"] for row in body["results"]] == [late.pk, later.pk]
    row = body["results"][0]
    assert row["rule"] == "referral_decision" and row["name"] == "Referral decision"
    assert row["status"] == "overdue" and row["owner_user"] == "mash.worker"
    assert row["person"] == council_child.reference
    assert row["person_name"] == council_child.full_name
    assert row["owner_agency"] == "kestrelford-childrens-services"
    assert row["subject_kind"] == "sourcerecord"
    look = AuditEvent.objects.filter(
        operation="api.deadlines.worklist", actor_username="mash.worker"
    ).latest("id")
    assert look.subjects.filter(person_id=council_child.pk).exists()


def test_a_hidden_persons_deadline_is_in_no_list_and_no_count(
    client_for, now, open_deadline, council_child, police_only_person, mash_worker, team_manager
):
    """A deadline owned by the front door about someone only the police hold: neither the
    worker who owns it nor their manager learns it exists, from the rows or the counts."""
    open_deadline(police_only_person, owner_user=mash_worker)
    open_deadline(council_child, "assessment", owner_user=mash_worker)
    named = AuditEvent.objects.filter(subjects__person_id=police_only_person.pk)
    before = named.count()
    for user, name in ((mash_worker, "api:deadlines"), (team_manager, "api:deadlines-team")):
        reply = client_for(user).get(reverse(name))
        assert reply.status_code == 200
        body = reply.json()
        assert [r["person"] for r in body["results"]] == [council_child.reference]
        assert body["count"] == 1 and body["overdue"] == 0
        assert police_only_person.reference not in reply.content.decode()
        assert police_only_person.family_name not in reply.content.decode()
    assert named.count() == before


def test_the_teams_deadlines(
    client_for, now, open_deadline, council_child, mash_worker, team_manager
):
    mine = open_deadline(council_child, "initial_conference", owner_user=mash_worker)
    body = client_for(team_manager).get(reverse("api:deadlines-team")).json()
    assert body["team"] == "front-door"
    assert [(r["id"], r["owner_user"]) for r in body["results"]] == [(mine.pk, "mash.worker")]
    assert AuditEvent.objects.filter(
        operation="api.deadlines.team_worklist", subjects__person_id=council_child.pk
    ).exists()
    # The social worker is in another team: the front door's deadline is not theirs.
    other = client_for(get_user_model().objects.get(username="social.worker"))
    assert other.get(reverse("api:deadlines-team")).json()["results"] == []


def test_pages_of_fifty(client_for, now, open_deadline, council_child, mash_worker):
    """Any record may start a deadline: here 51 people's records each start one about the
    same child, so the worklist runs to two pages."""
    subjects = Person.objects.order_by("pk")[:51]
    for subject in subjects:
        open_deadline(council_child, "assessment", owner_user=mash_worker, subject=subject)
    api = client_for(mash_worker)
    first = api.get(reverse("api:deadlines")).json()
    assert first["count"] == 51 and first["pages"] == 2 and len(first["results"]) == 50
    assert first["next"].endswith("?page=2") and first["previous"] is None
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["page"] == 2
    small = api.get(reverse("api:deadlines"), {"page_size": 20, "page": 3}).json()
    assert len(small["results"]) == 11 and small["pages"] == 3
    too_big = api.get(reverse("api:deadlines"), {"page_size": 1000})
    assert too_big.status_code == 400 and "page_size" in too_big.json()


@pytest.mark.parametrize("name", ["api:deadlines", "api:deadlines-team"])
def test_roles_without_case_data_get_not_found(client_for, now, scrutineer, sysadmin, name):
    for user in (scrutineer, sysadmin):
        assert client_for(user).get(reverse(name)).status_code == 404


def test_signing_in_comes_first(client, now):
    assert client.get(reverse("api:deadlines")).status_code == 403


def test_the_schema_describes_both(client_for, mash_worker):
    schema = client_for(mash_worker).get(reverse("api:schema"), {"format": "json"}).json()
    assert schema["paths"]["/api/v1/deadlines/"]["get"]["operationId"] == "deadlines_mine"
    assert schema["paths"]["/api/v1/deadlines/team/"]["get"]["operationId"] == "deadlines_team"
    assert "WorklistRow" in schema["components"]["schemas"]
