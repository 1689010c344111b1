"""The justice API under /api/v1/justice/: operations' totals with their definitions (no
one named), a court case count by count, and the plea, verdict and sentences on it;
refusals answered 400 naming the field as the request names it, nothing half-saved; a
case hidden from the caller answered 404, for reading and for changing."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.justice.models import Charge, Plea, Sentence, Verdict
from tests.support.audit_coverage import REFERENCE

from .conftest import on
from .test_views import SENTENCING, TODAY, partnership_manager, scene  # noqa: F401

pytestmark = pytest.mark.django_db

OPERATIONS = "/api/v1/justice/operations/"


def case_api(scene, tail=""):  # noqa: F811
    return f"/api/v1/justice/cases/{scene['case'].pk}/{tail}"


def get(client, url, day=TODAY, **params):
    with on(day):
        return client.get(url, params)


def post(client, url, data, day=TODAY):
    with on(day):
        return client.post(url, data, content_type="application/json")


def count(scene, number):  # noqa: F811
    return Charge.objects.get(court_case=scene["case"], number=number)


# ---------------------------------------------------------------- totals
def test_the_scrutineer_reads_every_operations_totals_and_what_they_count(
    client_for,
    scrutineer,
    scene,  # noqa: F811
):
    reply = get(client_for(scrutineer), OPERATIONS)
    assert reply.status_code == 200
    body = reply.json()
    assert body["as_at"] == "2026-11-02"
    found = {r["code"]: r for r in body["results"]}
    totals = found["op-lantern-test"]["totals"]
    assert totals["arrests"] == 2
    assert totals["people_charged"] == 1
    assert totals["people_convicted"] == 1
    assert totals["convictions"] == 6
    assert totals["active_investigations"] == 1
    assert totals["victims_identified"] == 1 and totals["victims_engaged"] == 1
    assert set(body["definitions"]) >= set(totals)
    assert body["definitions"]["people_convicted"].startswith("People convicted")
    assert not REFERENCE.search(reply.content) and b"Vennard" not in reply.content


def test_one_operations_totals_as_at_a_day(client_for, scene):  # noqa: F811
    client = client_for(partnership_manager())
    url = f"{OPERATIONS}op-lantern-test/totals/"
    early = get(client, url, as_at="2026-07-12").json()
    assert early["as_at"] == "2026-07-12" and early["totals"]["convictions"] == 0
    assert early["totals"]["arrests"] == 2 and early["definitions"]["arrests"]
    bad = get(client, url, as_at="12 July")
    assert bad.status_code == 400 and "as_at" in bad.json()
    assert get(client, f"{OPERATIONS}no-such-operation/totals/").status_code == 404


@pytest.mark.parametrize("persona", ["social_worker", "nhs_nurse", "sysadmin"])
def test_totals_are_404_to_those_who_neither_investigate_nor_read_totals(
    client_for,
    scene,  # noqa: F811
    persona,
    request,
):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, OPERATIONS).status_code == 404
    assert get(client, f"{OPERATIONS}op-lantern-test/totals/").status_code == 404


# ---------------------------------------------------------------- a court case
def test_the_officer_reads_the_case_count_by_count(client_for, police_officer, scene):  # noqa: F811
    reply = get(client_for(police_officer), case_api(scene))
    assert reply.status_code == 200
    body = reply.json()
    assert body["reference"] == "T20267014"
    assert body["defendant"] == {
        "reference": scene["defendant"].reference,
        "name": "Garrick Vennard",
    }
    counts = {c["number"]: c for c in body["counts"]}
    assert [c["offence"] for c in body["counts"]] == [
        "murder",
        "murder",
        "murder",
        "rape",
        "false_imprisonment",
        "offensive_weapon",
    ]
    assert counts[1]["plea"] == "guilty" and counts[1]["convicted"] is True
    assert counts[4]["plea"] == "not_guilty" and counts[4]["verdict"] == "guilty"
    assert counts[4]["unanimous"] is True
    assert counts[4]["outcome"] == "Convicted: found guilty unanimously on 28 October 2026"
    assert all(c["sentence"] is None for c in body["counts"]) and body["effective_term"] == ""
    assert body["timeline"][0] == {
        "on": "2026-07-11",
        "what": "Charged",
        "counts": [1, 2, 3, 4, 5, 6],
    }
    assert body["timeline"][-1]["what"] == "Sentencing at Kestrelford Crown Court (listed)"


@pytest.mark.parametrize("persona", ["social_worker", "scrutineer", "nhs_nurse"])
def test_the_case_is_404_to_anyone_but_the_police_for_reading_and_changing(
    client_for,
    scene,  # noqa: F811
    persona,
    request,
):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, case_api(scene)).status_code == 404
    reply = post(
        client, case_api(scene, "pleas/"), {"count": 4, "plea": "guilty", "on": "2026-11-01"}
    )
    assert reply.status_code == 404
    reply = post(
        client,
        case_api(scene, "sentences/"),
        {"sentenced_on": "2026-11-01", "sentences": [{"number": 1, "kind": "other"}]},
    )
    assert reply.status_code == 404
    assert count(scene, 4).plea == Plea.NOT_GUILTY
    assert not Sentence.objects.exists()
    assert (
        get(
            client_for(request.getfixturevalue(persona)), "/api/v1/justice/cases/999999/"
        ).status_code
        == 404
    )


def test_a_verdict_on_a_count_with_a_guilty_plea_is_refused_naming_the_verdict(
    client_for,
    police_officer,
    scene,  # noqa: F811
):
    reply = post(
        client_for(police_officer),
        case_api(scene, "verdicts/"),
        {"count": 2, "verdict": "not_guilty", "on": "2026-11-01", "unanimous": True},
    )
    assert reply.status_code == 400
    assert "Count 2 has a guilty plea" in reply.json()["verdict"][0]
    assert count(scene, 2).verdict == Verdict.NONE


def test_a_plea_to_a_count_of_no_such_number_is_refused_naming_the_count(
    client_for,
    police_officer,
    scene,  # noqa: F811
):
    client = client_for(police_officer)
    reply = post(
        client, case_api(scene, "pleas/"), {"count": 12, "plea": "guilty", "on": "2026-11-01"}
    )
    assert reply.status_code == 400
    assert reply.json()["count"] == ["Count 12 is not a count of case T20267014"]
    reply = post(
        client, case_api(scene, "pleas/"), {"count": 4, "plea": "maybe", "on": "2026-11-01"}
    )
    assert reply.status_code == 400 and "plea" in reply.json()
    reply = post(client, case_api(scene, "pleas/"), {"plea": "guilty"})
    assert reply.status_code == 400 and set(reply.json()) == {"count", "on"}


def test_sentences_refused_naming_the_item_and_field_save_none(
    client_for,
    police_officer,
    scene,  # noqa: F811
):
    client = client_for(police_officer)
    url = case_api(scene, "sentences/")
    sentences = [
        {"number": 1, "kind": "life", "minimum_term_months": 360},
        {"number": 4, "kind": "custody", "term_months": 96, "consecutive_to": 9},
        {"number": 6, "kind": "other"},
    ]
    reply = post(client, url, {"sentenced_on": "2026-11-05", "sentences": sentences}, SENTENCING)
    assert reply.status_code == 400
    assert reply.json() == {
        "sentences[2].consecutive_to": ["Count 9 is not a count of case T20267014"]
    }
    assert not Sentence.objects.filter(charge__court_case=scene["case"]).exists()

    sentences[1]["consecutive_to"] = 1
    sentences[2] = {"number": 6, "term_months": "many"}
    reply = post(client, url, {"sentenced_on": "2026-11-05", "sentences": sentences}, SENTENCING)
    assert reply.status_code == 400
    assert set(reply.json()) == {"sentences[3].kind", "sentences[3].term_months"}
    assert not Sentence.objects.filter(charge__court_case=scene["case"]).exists()


def test_sentences_passed_and_the_effective_term(client_for, police_officer, scene):  # noqa: F811
    sentences = [{"number": n, "kind": "life", "minimum_term_months": 360} for n in (1, 2, 3)]
    sentences += [
        {"number": 4, "kind": "custody", "term_months": 96, "consecutive_to": 1},
        {"number": 5, "kind": "custody", "term_months": 48},
        {"number": 6, "kind": "other", "description": "Forfeiture of the crossbow"},
    ]
    reply = post(
        client_for(police_officer),
        case_api(scene, "sentences/"),
        {"sentenced_on": "2026-11-05", "sentences": sentences},
        SENTENCING,
    )
    assert reply.status_code == 201, reply.json()
    body = reply.json()
    assert body["effective_term"] == "Life, with 38 years to serve before parole may be considered"
    counts = {c["number"]: c for c in body["counts"]}
    assert counts[4]["sentence"]["consecutive_to"] == 1
    assert counts[5]["sentence"]["consecutive_to"] is None
    assert counts[6]["sentence_text"] == "Other order (Forfeiture of the crossbow)"


def test_a_plea_and_a_verdict_through_the_api(client_for, police_officer, scene):  # noqa: F811
    client = client_for(police_officer)
    with on(dt.date(2026, 11, 2)):
        from lantern.justice import services

        services.charges_add(
            actor=police_officer,
            court_case=scene["case"],
            charged_on=dt.date(2026, 11, 2),
            counts=[services.CountIn(7, "threats_to_kill", "Threats to a witness")],
        )
    reply = post(
        client, case_api(scene, "pleas/"), {"count": 7, "plea": "not_guilty", "on": "2026-11-02"}
    )
    assert reply.status_code == 200
    reply = post(
        client,
        case_api(scene, "verdicts/"),
        {
            "count": 7,
            "verdict": "guilty",
            "on": "2026-11-02",
            "unanimous": False,
            "majority": "13-1",
        },
    )
    assert reply.status_code == 400 and "majority" in reply.json()
    reply = post(
        client,
        case_api(scene, "verdicts/"),
        {
            "count": 7,
            "verdict": "guilty",
            "on": "2026-11-02",
            "unanimous": False,
            "majority": "10-2",
        },
    )
    assert reply.status_code == 200
    seventh = {c["number"]: c for c in reply.json()["counts"]}[7]
    assert seventh["outcome"].startswith("Convicted: found guilty by a majority of 10-2 on ")
    assert seventh["verdict_on"] == "2026-11-02" and seventh["majority"] == "10-2"
