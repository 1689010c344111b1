"""The subject access API: the requests the caller may see and their steps (never the
pack), logging one (400 naming the field for bad input, 404 for a person the caller may
not see), and 404 for a request hidden from the caller."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.sar.models import SubjectAccessRequest

from .conftest import TODAY, on

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/subject-access/"


def get(client, url):
    with on(TODAY):
        return client.get(url)


def post(client, data):
    with on(TODAY):
        return client.post(REQUESTS, data, content_type="application/json")


def body(scenario, **changes):
    given = {
        "person": scenario["ellie"].reference,
        "received_on": f"{TODAY - dt.timedelta(days=1):%Y-%m-%d}",
        "requester": "subject",
        "identity_check": "in_person",
    }
    given.update(changes)
    return given


def test_a_worker_logs_a_request_and_reads_its_status(client_for, police_officer, scenario):
    client = client_for(police_officer)
    reply = post(client, body(scenario))
    assert reply.status_code == 201, reply.content
    made = reply.json()
    assert made["status"] == "received" and made["person"] == scenario["ellie"].reference
    assert made["due_on"] == "2026-12-01"
    assert [s["done"] for s in made["steps"]] == [True, False, False, False]
    detail = get(client, f"{REQUESTS}{made['reference']}/").json()
    assert detail["reference"] == made["reference"]
    assert "pack" not in detail and "redactions" not in detail
    listed = get(client, REQUESTS).json()["results"]
    assert made["reference"] in [r["reference"] for r in listed]


def test_bad_input_answers_400_naming_the_field(client_for, dpo, scenario):
    client = client_for(dpo)
    future = post(client, body(scenario, received_on=f"{TODAY + dt.timedelta(days=3):%Y-%m-%d}"))
    assert future.status_code == 400
    assert "received_on" in future.json()
    representative = post(client, body(scenario, requester="representative"))
    assert representative.status_code == 400
    assert "representative_name" in representative.json()
    assert not SubjectAccessRequest.objects.filter(person=scenario["ellie"]).exists()


def test_a_person_or_request_hidden_from_the_caller_answers_404(
    client_for, school_dsl, prepared, scenario
):
    client = client_for(school_dsl)
    assert post(client, body(scenario)).status_code == 404
    assert get(client, f"{REQUESTS}{prepared.reference}/").status_code == 404
    assert prepared.reference not in str(get(client, REQUESTS).json())


def test_the_dpo_sees_every_request_with_its_steps(client_for, dpo, checked):
    reply = get(client_for(dpo), f"{REQUESTS}{checked.reference}/")
    assert reply.status_code == 200
    steps = reply.json()["steps"]
    assert [s["step"] for s in steps] == ["received", "prepared", "checked", "released"]
    assert [s["done"] for s in steps] == [True, True, True, False]
