"""The network API under /api/v1/network/: recording a report as JSON, reading it, the
network around an entity, flags, and sanitised summaries shared with another agency,
through the same services, selectors and audit as the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.network import services
from lantern.network.models import Entity, IntelligenceReport, Link, SharedSummary
from tests.accounts.helpers import sign_in_verified

from .conftest import TODAY, link_unseen, person, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_network")]

REPORTS = "/api/v1/network/reports/"


def as_user(client, user):
    client.logout()
    return sign_in_verified(client, user)


def body(child, **changes) -> dict:
    """A report: a child in a car, the car at a hotel."""
    data = {
        "observed_on": str(TODAY - dt.timedelta(days=4)),
        "source_description": "Patrol officer",
        "source_evaluation": "B",
        "intelligence_assessment": "2",
        "handling_code": "P",
        "text": "Child seen getting out of the car at the hotel at 1am",
        "entities": [
            {"ref": "child", "kind": "person", "person_reference": child.reference},
            {"ref": "car", "kind": "vehicle", "value": "QX71LNT", "details": {"colour": "silver"}},
            {
                "ref": "hotel",
                "kind": "location",
                "value": "Station Hotel, Canal Street",
                "place_type": "hotel",
                "postcode": "kf1 2ab",
            },
        ],
        "links": [
            {"source": "child", "target": "car", "kind": "in_vehicle"},
            {"source": "car", "target": "hotel", "kind": "at_location", "first_seen": "2026-10-01"},
        ],
    }
    data.update(changes)
    return data


def counts():
    return (IntelligenceReport.objects.count(), Entity.objects.count(), Link.objects.count())


def post_refused(client, data) -> dict:
    before = counts()
    answer = client.post(REPORTS, data, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert counts() == before, "a refused report left something behind"
    return answer.json()


# ---------------------------------------------------------------- recording
def test_a_report_is_recorded_and_read_back(client, police_officer, police_children):
    child = police_children[0]
    as_user(client, police_officer)
    answer = client.post(REPORTS, body(child), content_type="application/json")
    assert answer.status_code == 201, answer.content
    found = answer.json()
    report = IntelligenceReport.objects.get(pk=found["id"])
    assert report.origin == "api" and report.submitted_by == police_officer
    assert found["reference"] == report.reference and found["grading"] == "B2P"
    assert [x["kind"] for x in found["links"]] == ["in_vehicle", "at_location"]
    car = found["links"][0]["target"]
    assert (
        car["label"] == "QX71 LNT" and found["links"][0]["source"]["reference"] == child.reference
    )
    assert found["links"][1]["target"]["label"] == "Station Hotel, Canal Street, KF1 2AB"
    assert found["links"][1]["first_seen"] == "2026-10-01"
    assert Entity.objects.get(pk=car["id"]).details == {"colour": "silver"}
    collected = AuditEvent.objects.filter(operation="network.report.submit").latest("id")
    assert collected.action == "collection" and collected.detail["origin"] == "api"
    # read back on its own
    again = client.get(f"{REPORTS}{report.pk}/")
    assert again.status_code == 200 and again.json()["text"] == report.text
    read = AuditEvent.objects.filter(operation="network.report.api").latest("id")
    assert child.pk in set(
        AuditSubject.objects.filter(event=read).values_list("person_id", flat=True)
    )


def test_the_same_car_and_phone_however_typed_are_one_entity(
    client, police_officer, police_children
):
    as_user(client, police_officer)
    ids = []
    for child, registration, number in zip(
        police_children[:2],
        ["AB12CDE", "ab12 cde"],
        ["+44 7700 900123", "07700900123"],
        strict=True,
    ):
        data = body(
            child,
            entities=[
                {"ref": "c", "kind": "person", "person_reference": child.reference},
                {"ref": "v", "kind": "vehicle", "value": registration},
                {"ref": "p", "kind": "phone", "value": number},
            ],
            links=[
                {"source": "c", "target": "v", "kind": "in_vehicle"},
                {"source": "c", "target": "p", "kind": "uses_phone"},
            ],
        )
        answer = client.post(REPORTS, data, content_type="application/json")
        assert answer.status_code == 201, answer.content
        ids.append(tuple(x["target"]["id"] for x in answer.json()["links"]))
    assert ids[0] == ids[1]
    assert Entity.objects.filter(kind="vehicle", key="AB12CDE").count() == 1
    assert Entity.objects.filter(kind="phone", key="07700900123").count() == 1


def test_bad_input_is_refused_naming_the_field(
    client, police_officer, police_children, unseen_child
):
    child = police_children[0]
    as_user(client, police_officer)
    good = body(child)

    def with_entity(number, **entity):
        entities = [dict(e) for e in good["entities"]]
        entities[number - 1] = {**entities[number - 1], **entity}
        return body(child, entities=entities)

    def with_link(number, **link):
        links = [dict(x) for x in good["links"]]
        links[number - 1] = {**links[number - 1], **link}
        return body(child, links=links)

    bad_car = post_refused(client, with_entity(2, value="AB12 CD"))
    assert "is not a UK registration" in bad_car["entities[2].value"][0]
    phone = {"ref": "car", "kind": "phone", "value": "07700 90012"}
    assert "phone number" in post_refused(client, with_entity(2, **phone))["entities[2].value"][0]
    unknown = post_refused(client, with_link(2, target="takeaway"))
    assert "'takeaway'" in unknown["links[2].target"][0]
    nowhere = post_refused(client, with_entity(3, entity_id=987654321))
    assert nowhere == {"entities[3].entity_id": ["There is no entity 987654321 in Lantern"]}
    grading = post_refused(client, body(child, source_evaluation="E"))
    assert "3x5x2" in grading["source_evaluation"][0]
    assert "intelligence_assessment" in post_refused(
        client, body(child, intelligence_assessment="7")
    )
    assert "handling_conditions" in post_refused(client, body(child, handling_code="C"))
    unseen = {"person_reference": unseen_child.reference}
    assert "entities[1].person_reference" in post_refused(client, with_entity(1, **unseen))
    # the shape of the JSON, refused the same way, counting from 1
    assert "links[2].first_seen" in post_refused(client, with_link(2, first_seen="yesterday"))
    assert "entities[1].ref" in post_refused(client, with_entity(1, ref=""))
    assert "links" in post_refused(client, {k: v for k, v in good.items() if k != "links"})
    assert "links[1].kind" in post_refused(client, with_link(1, kind="teleported"))


def test_only_the_police_record_intelligence(client, social_worker, scrutineer, police_children):
    as_user(client, social_worker)
    refused = post_refused(client, body(police_children[0]))
    assert list(refused) == ["agency"]
    as_user(client, scrutineer)
    assert (
        client.post(REPORTS, body(police_children[0]), content_type="application/json").status_code
        == 404
    )


# ---------------------------------------------------------------- reading
@pytest.fixture
def sighting(police_officer, police_children):
    return record(
        police_officer,
        [
            person("c", police_children[0]),
            services.EntityInput("v", kind="vehicle", value="QX71 LNT"),
            services.EntityInput(
                "h", kind="location", value="Station Hotel, Canal Street", place_type="hotel"
            ),
        ],
        [("c", "v", "in_vehicle"), ("v", "h", "at_location")],
        grading="B2C",
        handling_conditions="Not to be shared with the family",
        source_description="Hotel night manager",
    )


def test_a_report_is_hidden_from_other_agencies(client, nhs_nurse, mash_worker, sighting):
    for user in (nhs_nurse, mash_worker):
        as_user(client, user)
        assert client.get(f"{REPORTS}{sighting.pk}/").status_code == 404
    assert client.get(f"{REPORTS}999999/").status_code == 404


def test_a_person_the_reader_may_not_see_is_left_out_of_the_report(
    client, police_officer, sighting, unseen_child
):
    car = Entity.objects.get(kind="vehicle", key="QX71LNT")
    link_unseen(sighting, unseen_child, car)
    as_user(client, police_officer)
    found = client.get(f"{REPORTS}{sighting.pk}/").json()
    assert found["links_left_out"] == 1 and len(found["links"]) == 2
    assert unseen_child.reference not in str(found)


def test_the_neighbourhood_of_an_entity(client, police_analyst, nhs_nurse, sighting, unseen_child):
    car = Entity.objects.get(kind="vehicle", key="QX71LNT")
    link_unseen(sighting, unseen_child, car)
    as_user(client, police_analyst)
    url = f"/api/v1/network/entities/{car.pk}/neighbourhood/"
    answer = client.get(url, {"hops": 1})
    assert answer.status_code == 200
    found = answer.json()
    assert found["centre"] == car.pk
    kinds = sorted(n["kind"] for n in found["nodes"])
    assert kinds == ["location", "person", "vehicle"]  # the unseen child is absent
    assert unseen_child.reference not in answer.content.decode()
    assert len(found["edges"]) == 2
    only_places = client.get(url, {"hops": 2, "kinds": "location"}).json()
    assert sorted(n["kind"] for n in only_places["nodes"]) == ["location", "vehicle"]
    before = client.get(url, {"until": "2000-01-01"}).json()
    assert [n["id"] for n in before["nodes"]] == [car.pk] and before["edges"] == []
    event = AuditEvent.objects.filter(operation="network.neighbourhood").latest("id")
    assert event.actor == police_analyst
    bad = client.get(
        url, {"hops": 9, "kinds": "spaceship", "since": "2026-10-10", "until": "2026-10-01"}
    )
    assert bad.status_code == 400 and {"hops", "kinds[1]"} <= set(bad.json())
    as_user(client, nhs_nurse)
    assert client.get(url).status_code == 404


def test_flagging_an_entity(client, police_officer, nhs_nurse, sighting):
    hotel = Entity.objects.get(kind="location", key="station hotel canal street")
    url = f"/api/v1/network/entities/{hotel.pk}/flag/"
    as_user(client, nhs_nurse)
    assert client.post(url, {"reason": "MACE"}).status_code == 404
    as_user(client, police_officer)
    blank = client.post(url, {"flagged": True, "reason": " "})
    assert blank.status_code == 400 and "flag_reason" in blank.json()
    answer = client.post(url, {"flagged": True, "reason": "MACE meeting, 3 November"})
    assert answer.status_code == 200
    assert answer.json()["flagged"] and answer.json()["flag_reason"] == "MACE meeting, 3 November"
    hotel.refresh_from_db()
    assert hotel.flagged
    assert AuditEvent.objects.filter(operation="network.entity.flag", actor=police_officer).exists()
    off = client.post(url, {"flagged": False}, content_type="application/json")
    assert off.status_code == 200 and not off.json()["flagged"]


# ---------------------------------------------------------------- sharing
def share(client, report, **changes):
    data = {
        "recipient": "kestrelford-childrens-services",
        "text": "A car linked to concerns was seen at the Station Hotel overnight.",
        **changes,
    }
    if "links" not in data:
        data["links"] = [report.links.get(kind="at_location").pk]
    return client.post(f"{REPORTS}{report.pk}/summaries/", data, content_type="application/json")


def test_a_summary_is_shared_and_the_recipient_sees_it_without_the_report(
    client, police_officer, mash_worker, nhs_nurse, sighting, council
):
    as_user(client, police_officer)
    answer = share(client, sighting)
    assert answer.status_code == 201, answer.content
    shared = answer.json()
    assert shared["recipient"] == council.code
    assert shared["conditions"] == "Not to be shared with the family"
    assert shared["agreement"] == "kestrelford-safeguarding"
    disclosure = AuditEvent.objects.get(operation="network.summary.share")
    assert disclosure.action == "disclosure" and disclosure.recipient == council.name

    as_user(client, mash_worker)
    listed = client.get("/api/v1/network/summaries/")
    assert listed.status_code == 200
    [seen] = listed.json()["results"]
    assert seen["id"] == shared["id"] and seen["report"] is None
    assert seen["conditions"] == "Not to be shared with the family"
    assert [x["kind"] for x in seen["links"]] == ["at_location"]
    text = listed.content.decode()
    for secret in ("Hotel night manager", sighting.text, sighting.reference, "B2C", "grading"):
        assert secret not in text
    assert client.get(f"{REPORTS}{sighting.pk}/").status_code == 404
    car = Entity.objects.get(kind="vehicle", key="QX71LNT")
    around = client.get(f"/api/v1/network/entities/{car.pk}/neighbourhood/").json()
    assert [e["kind"] for e in around["edges"]] == ["at_location"]  # not the child in the car

    as_user(client, nhs_nurse)
    assert client.get("/api/v1/network/summaries/").json()["results"] == []
    as_user(client, police_officer)
    [own] = client.get("/api/v1/network/summaries/").json()["results"]
    assert own["report"] == sighting.reference


def test_sharing_refusals(client, police_officer, police_children, mash_worker, sighting):
    as_user(client, police_officer)
    before = SharedSummary.objects.count()
    assert "recipient" in share(client, sighting, recipient="no-such-agency").json()
    assert "recipient" in share(client, sighting, recipient="northmoor-police").json()
    other = record(
        police_officer,
        [
            person("c", police_children[1]),
            services.EntityInput("v", kind="vehicle", value="QX71 LNT"),
        ],
        [("c", "v", "in_vehicle")],
    )
    foreign = share(client, sighting, links=[other.links.get().pk])
    assert foreign.status_code == 400 and "links" in foreign.json()
    assert share(client, sighting, text="").status_code == 400
    doubtful = record(
        police_officer,
        [
            person("c", police_children[1]),
            services.EntityInput("v", kind="vehicle", value="QX71 LNT"),
        ],
        [("c", "v", "in_vehicle")],
        grading="C5P",
    )
    graded_5 = share(client, doubtful, links=[])
    assert graded_5.status_code == 400 and "report" in graded_5.json()
    assert SharedSummary.objects.count() == before
    as_user(client, mash_worker)
    assert share(client, sighting).status_code == 404


def test_a_link_to_a_person_the_sharer_may_not_see_cannot_be_shared(
    client, police_officer, sighting, unseen_child
):
    car = Entity.objects.get(kind="vehicle", key="QX71LNT")
    hidden = link_unseen(sighting, unseen_child, car)
    as_user(client, police_officer)
    answer = share(client, sighting, links=[hidden.pk])
    assert answer.status_code == 400 and "links" in answer.json()


def test_the_summaries_come_a_page_at_a_time(client, police_officer, mash_worker, sighting):
    as_user(client, police_officer)
    for n in range(3):
        assert share(client, sighting, text=f"Summary number {n}").status_code == 201
    as_user(client, mash_worker)
    first = client.get("/api/v1/network/summaries/", {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert first["results"][0]["text"] == "Summary number 2"
    second = client.get(first["next"]).json()
    assert [s["text"] for s in second["results"]] == ["Summary number 0"]
    assert second["next"] is None and second["previous"]
    assert client.get("/api/v1/network/summaries/", {"page": "x"}).status_code == 400


def test_the_schema_describes_the_network_endpoints(client, police_officer):
    as_user(client, police_officer)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/network/reports/",
        "/api/v1/network/reports/{id}/",
        "/api/v1/network/reports/{id}/summaries/",
        "/api/v1/network/entities/{id}/neighbourhood/",
        "/api/v1/network/entities/{id}/flag/",
        "/api/v1/network/summaries/",
    ):
        assert path in paths
