"""The voice API: feedback for its agency's workers (record, list, read, tag, change
consent), refused with 400 naming the field and nothing saved, 404 to anyone else; the
partnership's anonymised view with hidden counts as null; "you said, we did"."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.voice import services
from lantern.voice.models import Feedback, Use
from tests.support.audit_coverage import REFERENCE

from .conftest import TODAY, on, record

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/voice/feedback/"
Q2 = dt.date(2026, 8, 14)


def get(client, url, **params):
    with on(TODAY):
        return client.get(url, params)


def post(client, url, data):
    with on(TODAY):
        return client.post(url, data, content_type="application/json")


def test_the_support_worker_records_reads_tags_and_withdraws_through_the_api(
    client_for, support_worker, survivor
):
    client = client_for(support_worker)
    made = post(
        client,
        FEEDBACK,
        {
            "words": "My worker stayed the same all year.",
            "given_on": "2026-10-20",
            "channel": "survey",
            "giver_kind": "adult_survivor",
            "person": survivor.reference,
            "consent": [Use.PARTNERSHIP_ANONYMISED],
            "themes": ["continuity_of_worker"],
            "sentiment": "positive",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["person"] == {"reference": survivor.reference, "name": "Maisie Thornbury"}
    assert body["themes"] == ["continuity_of_worker"] and body["consent"] == [
        Use.PARTNERSHIP_ANONYMISED
    ]
    pk = body["id"]
    listed = get(client, FEEDBACK, theme="continuity_of_worker").json()
    assert [r["id"] for r in listed["results"]] == [pk] and listed["count"] == 1
    tagged = post(
        client, f"{FEEDBACK}{pk}/themes/", {"themes": ["being_believed"], "sentiment": "mixed"}
    )
    assert tagged.status_code == 200 and tagged.json()["themes"] == ["being_believed"]
    withdrawn = post(
        client,
        f"{FEEDBACK}{pk}/consent/",
        {"change": "withdraw", "uses": [Use.PARTNERSHIP_ANONYMISED], "on": "2026-11-01"},
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["consent"] == []
    assert [c["kind"] for c in withdrawn.json()["consent_history"]] == ["given", "withdrawn"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"words": " "}, "words"),
        ({"given_on": "2026-11-03"}, "given_on"),
        ({"given_on": "yesterday"}, "given_on"),
        ({"themes": ["not_a_theme"]}, "themes"),
        ({"person": "P-XXXXXXXX"}, "person"),
        ({"consent": ["publish_with_name"]}, "consent"),
    ],
)
def test_bad_feedback_is_refused_naming_the_field(client_for, support_worker, change, field):
    data = {
        "words": "Something",
        "given_on": "2026-10-20",
        "channel": "phone",
        "giver_kind": "parent_carer",
    }
    data.update(change)
    before = Feedback.objects.count()
    reply = post(client_for(support_worker), FEEDBACK, data)
    assert reply.status_code == 400 and field in reply.json(), reply.json()
    assert Feedback.objects.count() == before


def test_feedback_is_404_to_another_agency_and_to_the_partnership(
    client_for, support_worker, other_agency_worker, partnership_manager, survivor
):
    feedback = record(support_worker, person=survivor)
    for outsider in (other_agency_worker, partnership_manager):
        client = client_for(outsider)
        assert get(client, f"{FEEDBACK}{feedback.pk}/").status_code == 404
        assert post(client, f"{FEEDBACK}{feedback.pk}/themes/", {"themes": []}).status_code == 404
        listed = get(client, FEEDBACK)
        assert listed.status_code in (200, 404)
        assert not REFERENCE.search(listed.content)
    assert get(client_for(partnership_manager), FEEDBACK).status_code == 404


def test_the_anonymised_view_through_the_api(client_for, support_worker, partnership_manager):
    for _ in range(6):
        record(support_worker, day=Q2)
    record(support_worker, day=Q2, themes=["police_response"])
    reply = get(client_for(partnership_manager), "/api/v1/voice/partnership/", year="2026")
    assert reply.status_code == 200
    body = reply.json()
    assert body["label"] == "April 2026 to March 2027" and body["threshold"] == 5
    numbers = [
        n
        for table in body["tables"].values()
        for row in [*table["rows"], table["totals"]]
        for n in [*row["counts"], row["total"]]
    ]
    assert None in numbers, "something is hidden"
    assert not [n for n in numbers if n is not None and 0 < n < 5]
    assert not REFERENCE.search(reply.content) and b"Harbour" not in reply.content
    bad = get(client_for(partnership_manager), "/api/v1/voice/partnership/", year="last")
    assert bad.status_code == 400 and "year" in bad.json()


@pytest.mark.parametrize("persona", ["dpo", "police_analyst", "sysadmin"])
def test_the_view_is_404_to_those_outside_it(client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, "/api/v1/voice/partnership/").status_code == 404
    assert get(client, "/api/v1/voice/actions/").status_code == 404


def test_actions_through_the_api(client_for, support_worker, partnership_manager):
    items = [record(support_worker) for _ in range(3)]
    with on(TODAY):
        made = services.action_create(
            actor=partnership_manager,
            title="Believed first time",
            you_said="x",
            we_did="y",
            agreed_on=TODAY,
            lead_body="The partnership board",
            themes=["being_believed"],
        )
        for item in items:
            services.action_link(actor=support_worker, action=made, feedback=item)
    listed = get(client_for(partnership_manager), "/api/v1/voice/actions/").json()["results"]
    row = next(r for r in listed if r["id"] == made.pk)
    assert row["feedback_count"] is None, "3 is hidden"
    assert row["lead"] == "The partnership board" and row["themes"] == ["being_believed"]
    theirs = get(client_for(partnership_manager), f"/api/v1/voice/actions/{made.pk}/").json()
    assert theirs["own_feedback"] == [] and theirs["quotes"] == []
    own = get(client_for(support_worker), f"/api/v1/voice/actions/{made.pk}/").json()
    assert sorted(own["own_feedback"]) == sorted(i.pk for i in items)
    assert get(client_for(partnership_manager), "/api/v1/voice/actions/999999/").status_code == 404
