"""The matching API: ranked people with their evidence, the same access rules as the page."""

from __future__ import annotations

import pytest

from lantern.audit.models import AuditEvent
from lantern.people.models import SourceRecord

pytestmark = pytest.mark.django_db


def police_only_record() -> SourceRecord:
    record = (
        SourceRecord.objects.filter(agency__code="northmoor-police", is_current=True)
        .exclude(date_of_birth=None)
        .order_by("pk")
        .first()
    )
    assert not SourceRecord.objects.filter(person_id=record.person_id).exclude(pk=record.pk)
    return record


def test_matches_come_ranked_with_their_evidence(client_for, police_officer):
    record = police_only_record()
    body = (
        client_for(police_officer)
        .get(
            "/api/v1/people/match/",
            {
                "given_name": record.given_name,
                "family_name": record.family_name,
                "date_of_birth": record.date_of_birth.isoformat(),
            },
        )
        .json()
    )
    [best, *_] = body["results"]
    assert best["reference"] == record.person.reference
    assert best["match_probability"] > 0.9 and best["strength"] == "Strong"
    assert {e["direction"] for e in best["evidence"]} <= {"for", "against"}
    assert any(e["label"] == "Same date of birth" for e in best["evidence"])
    assert AuditEvent.objects.filter(operation="api.people.match").exists()


def test_people_the_caller_may_not_see_never_appear(client_for, school_dsl):
    record = police_only_record()
    body = (
        client_for(school_dsl)
        .get(
            "/api/v1/people/match/",
            {
                "given_name": record.given_name,
                "family_name": record.family_name,
                "date_of_birth": record.date_of_birth.isoformat(),
            },
        )
        .json()
    )
    assert record.person.reference not in {m["reference"] for m in body["results"]}


def test_bad_details_are_refused_with_the_field_and_the_reason(client_for, police_officer):
    client = client_for(police_officer)
    response = client.get("/api/v1/people/match/", {"given_name": "Amy"})
    assert response.status_code == 400
    assert response.json()["family_name"] == ["This field is required."]
    response = client.get(
        "/api/v1/people/match/",
        {"given_name": "Amy", "family_name": "Hale", "date_of_birth": "2999-01-01"},
    )
    assert response.status_code == 400
    assert "future" in str(response.json())
    response = client.get(
        "/api/v1/people/match/",
        {"given_name": "Amy", "family_name": "Hale", "identifier": "9434765918"},
    )
    assert response.status_code == 400
    assert "not a valid NHS number" in str(response.json())
