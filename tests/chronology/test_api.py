"""The chronology API: the same entries as the page, a hidden child 404, bad filters
refused naming the field, pages, and the audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent

from .conftest import POLICE

pytestmark = pytest.mark.django_db


def _url(person):
    return reverse("api:person-chronology", args=[person.reference])


def test_read_a_childs_chronology(client_for, police_officer, story):
    reply = client_for(police_officer).get(_url(story.child), {"page_size": 100})
    assert reply.status_code == 200
    data = reply.json()
    assert data["person"] == story.child.reference and data["count"] == 18
    assert len(data["results"]) == 18
    first = data["results"][0]
    assert set(first) >= {"when", "kind", "agency", "title", "summary", "url"}
    assert first["url"].startswith("http://testserver/")
    restricted = [r for r in data["results"] if r["restricted"]]
    assert [r["summary"] for r in restricted] == ["Seen with an adult known for supplying drugs"]
    assert AuditEvent.objects.filter(operation="api.chronology").count() == 1


def test_filters_and_pages(client_for, police_officer, story):
    client = client_for(police_officer)
    data = client.get(_url(story.child), {"agency": POLICE, "page_size": 2}).json()
    assert data["count"] == 5 and data["pages"] == 3 and len(data["results"]) == 2
    assert {r["agency"] for r in data["results"]} == {POLICE}
    second = client.get(data["next"]).json()
    assert second["page"] == 2 and second["previous"]
    kinds = client.get(_url(story.child), {"kind": ["plan", "conference"]}).json()
    assert {r["kind"] for r in kinds["results"]} == {"plan", "conference"}


def test_a_bad_filter_is_refused_naming_the_field(client_for, police_officer, story):
    reply = client_for(police_officer).get(_url(story.child), {"kind": "rumours"})
    assert reply.status_code == 400 and "kind" in reply.json()


def test_a_hidden_child_is_404(client_for, nhs_nurse, hidden_child):
    reply = client_for(nhs_nurse).get(_url(hidden_child))
    assert reply.status_code == 404
    assert "Ossian" not in reply.content.decode()


def test_no_entry_the_reader_may_not_see(client_for, school_dsl, story):
    data = client_for(school_dsl).get(_url(story.child), {"page_size": 100}).json()
    summaries = " ".join(r["summary"] for r in data["results"])
    assert "supplying drugs" not in summaries and "older men" not in summaries
    assert "New expensive trainers" in summaries


def test_the_api_lives_under_api_v1_with_the_rest(story):
    from django.urls import NoReverseMatch

    assert _url(story.child) == f"/api/v1/people/{story.child.reference}/chronology/"
    with pytest.raises(NoReverseMatch):
        reverse("chronology:api-person", args=[story.child.reference])


def test_the_schema_describes_it_once(client_for, police_officer):
    schema = client_for(police_officer).get(reverse("api:schema"), {"format": "json"}).json()
    path = schema["paths"]["/api/v1/people/{reference}/chronology/"]
    assert path["get"]["operationId"] == "chronology_retrieve"
    assert "ChronologyEntry" in schema["components"]["schemas"]
