"""The front door's API: a referral made and read, requests listed and answered, through
the same access policy and audit as the pages."""

from __future__ import annotations

import pytest

from lantern.audit.models import AuditEvent
from lantern.frontdoor import services
from lantern.frontdoor.models import InformationRequest, Referral

pytestmark = pytest.mark.django_db

BODY = {
    "given_name": "Ellis",
    "family_name": "Quarrendon",
    "date_of_birth": "2013-06-14",
    "nhs_number": "943 476 5919",
    "concern": "Seen with older men at the bus station late at night.",
    "categories": ["criminal_exploitation"],
    "consent": False,
    "lawful_basis": "law_enforcement",
    "lawful_basis_reason": "Part of an investigation.",
}


def test_a_referral_is_made_through_the_api(client_for, police_officer):
    response = client_for(police_officer).post(
        "/api/v1/referrals/", BODY, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    referral = Referral.objects.get(reference=body["reference"])
    assert referral.channel == "api" and referral.identifiers == {"nhs_number": "9434765919"}
    assert body["shown_as"] == "referrer" and body["status"].startswith("Received")
    assert "rag" not in body  # the triage is the front door's


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received_at": "2999-01-01T09:00:00Z"}, "received_at"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"categories": ["dragons"]}, "categories"),
        ({"lawful_basis_reason": ""}, "lawful_basis_reason"),
        ({"consent": None}, "consent"),
    ],
)
def test_bad_input_is_refused_naming_the_field(client_for, police_officer, changes, field):
    response = client_for(police_officer).post(
        "/api/v1/referrals/", {**BODY, **changes}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Referral.objects.filter(family_name="Quarrendon").exists()


def test_reading_a_referral_is_audited_and_a_hidden_one_is_404(
    client_for, police_officer, school_dsl, rated
):
    body = client_for(police_officer).get(f"/api/v1/referrals/{rated.reference}/").json()
    assert body["reference"] == rated.reference and body["shown_as"] == "referrer"
    assert AuditEvent.objects.filter(
        operation="referral.api", actor_username=police_officer.username
    ).exists()
    response = client_for(school_dsl).get(f"/api/v1/referrals/{rated.reference}/")
    assert response.status_code == 404


def test_the_front_door_reads_the_whole_triage(client_for, mash_worker, rated):
    body = client_for(mash_worker).get(f"/api/v1/referrals/{rated.reference}/").json()
    assert body["shown_as"] == "triage" and body["rag"] == "amber"
    assert body["person"] == rated.person.reference


def test_requests_are_listed_and_answered_by_the_asked_agency_only(
    client_for, nhs_nurse, school_dsl, mash_worker, rated
):
    services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="Known?"
    )
    request = InformationRequest.objects.get(referral=rated)
    school = client_for(school_dsl)
    assert school.get("/api/v1/information-requests/").json() == {"open": [], "answered": []}
    response = school.post(
        f"/api/v1/information-requests/{request.pk}/answer/",
        {"answer": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    school.logout()
    nurse = client_for(nhs_nurse)
    listed = nurse.get("/api/v1/information-requests/").json()["open"]
    assert [r["id"] for r in listed] == [request.pk]
    assert listed[0]["child"]["family_name"] == rated.family_name
    url = f"/api/v1/information-requests/{request.pk}/answer/"
    response = nurse.post(url, {"answer": "Nothing known"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "answered"
    response = nurse.post(url, {"answer": "Again"}, content_type="application/json")
    assert response.status_code == 400 and "answer" in response.json()
    # answered: the referral is gone from the nurse's view, the API included
    assert nurse.get(f"/api/v1/referrals/{rated.reference}/").status_code == 404
