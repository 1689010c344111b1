"""The people API: signed-in only, bounded pages, the same access rules as the pages."""

from __future__ import annotations

import pytest

from lantern.access import policy
from lantern.people.models import Event, Person

pytestmark = pytest.mark.django_db


def test_the_api_and_its_schema_need_sign_in(client):
    assert client.get("/api/v1/people/", {"name": "a"}).status_code == 403
    assert client.get("/api/v1/schema/").status_code == 403


def test_the_schema_is_served_to_signed_in_users(client_for, mash_worker):
    response = client_for(mash_worker).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/people/{reference}/" in response.content


def test_search_is_paginated_with_a_bounded_page_size(client_for, police_officer, police):
    from lantern.people.services import SourceRecordIn, source_record_receive

    for number in range(130):
        source_record_receive(
            actor=None,
            agency=police,
            record=SourceRecordIn(
                local_id=f"PAGE-{number}", given_name="Page", family_name="Zedworth"
            ),
        )
    client = client_for(police_officer)
    body = client.get("/api/v1/people/", {"name": "Zedworth", "page_size": 1000}).json()
    assert body["count"] == 130
    assert len(body["results"]) == 100
    body = client.get("/api/v1/people/", {"name": "Zedworth"}).json()
    assert len(body["results"]) == 25 and body["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "non_field_errors"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "31/02/2010"}, "date_of_birth"),
    ],
)
def test_bad_queries_are_refused_naming_the_field(client_for, mash_worker, params, field):
    response = client_for(mash_worker).get("/api/v1/people/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_person_detail_hides_restricted_events_of_other_agencies(client_for, mash_worker):
    event = (
        Event.objects.filter(
            sensitivity="restricted",
            source_record__person__in=policy.people_visible_to(mash_worker),
        )
        .exclude(source_record__agency=mash_worker.agency)
        .order_by("pk")
        .first()
    )
    person = event.source_record.person
    body = client_for(mash_worker).get(f"/api/v1/people/{person.reference}/").json()
    assert body["person"]["reference"] == person.reference
    restricted = [e for e in body["timeline"] if e["restricted"]]
    assert restricted and all(e["summary"] is None and e["event_type"] is None for e in restricted)
    assert event.summary not in str(body)


def test_hidden_people_answer_404_and_never_appear_in_search(client_for, school_dsl):
    hidden = Person.objects.exclude(source_records__agency=school_dsl.agency).first()
    client = client_for(school_dsl)
    assert client.get(f"/api/v1/people/{hidden.reference}/").status_code == 404
    results = client.get("/api/v1/people/", {"name": hidden.family_name, "page_size": 100}).json()[
        "results"
    ]
    assert hidden.reference not in {r["reference"] for r in results}


def test_totals_roles_get_404_from_the_people_api(client_for, scrutineer):
    assert client_for(scrutineer).get("/api/v1/people/", {"name": "a"}).status_code == 404
