"""The chronology page and its PDF: what each reader sees, the filter form, hidden
children, the export only for roles that may export, and the audit of each."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.chronology.selectors import PAGE_SIZE

from .conftest import POLICE, REFERRED, record

pytestmark = pytest.mark.django_db


def _url(person, name="chronology:person"):
    return reverse(name, args=[person.reference])


def pdf_text(body: bytes) -> str:
    """Every content stream of a PDF, inflated, as text: enough to find what it prints."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            parts.append(stream)
    return b"\n".join(parts).decode("latin-1")


def test_the_page_shows_the_timeline_with_links(client_for, police_officer, story):
    reply = client_for(police_officer).get(_url(story.child))
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "Tamsin Orchardley" in html and "18 entries" in html
    assert "Reported missing overnight" in html
    assert reverse("casework:plan", args=[story.plan.pk]) in html
    assert reverse("frontdoor:referral", args=[story.referral.reference]) in html
    assert "Download as PDF" in html
    events = AuditEvent.objects.filter(operation="chronology.view")
    assert events.count() == 1


def test_the_person_page_links_to_the_chronology(client_for, police_officer, story):
    reply = client_for(police_officer).get(reverse("web:person", args=[story.child.reference]))
    assert _url(story.child) in reply.content.decode()


def test_the_page_never_shows_what_the_reader_may_not_see(client_for, school_dsl, story):
    html = client_for(school_dsl).get(_url(story.child)).content.decode()
    assert "New expensive trainers" in html
    assert "supplying drugs" not in html and "Reported missing" not in html
    assert "older men" not in html  # the police referral
    assert "Download as PDF" not in html  # a school may not export the child


def test_filters_by_agency_and_type(client_for, police_officer, story):
    client = client_for(police_officer)
    html = client.get(_url(story.child), {"agency": POLICE, "kind": ["event"]}).content.decode()
    assert "2 entries matching the filters" in html
    assert "Reported missing overnight" in html and "Initial child protection" not in html
    assert "Clear filters" in html
    assert f"export.pdf?agency={POLICE}&amp;kind=event" in html


def test_a_bad_filter_is_refused_naming_the_field(client_for, police_officer, story):
    reply = client_for(police_officer).get(_url(story.child), {"kind": "gossip"})
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "There is a problem" in html and "Type of entry: gossip is not a type" in html
    reply = client_for(police_officer).get(_url(story.child), {"agency": "nowhere"})
    assert reply.status_code == 400 and "Agency: nowhere is not an agency" in reply.content.decode()


def test_a_long_chronology_is_paged(client_for, police_officer, child):
    for n in range(PAGE_SIZE + 5):
        record(child, POLICE, "police_incident", REFERRED - dt.timedelta(hours=n), f"Call {n}.")
    client = client_for(police_officer)
    first = client.get(_url(child)).content.decode()
    assert "Page 1 of 2" in first and "Call 0." in first and "Call 54." not in first
    second = client.get(_url(child), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second and "Call 54." in second and "Call 0." not in second


@pytest.mark.parametrize("name", ["chronology:person", "chronology:export"])
def test_a_hidden_child_is_not_found(client_for, school_dsl, hidden_child, name):
    reply = client_for(school_dsl).get(_url(hidden_child, name))
    assert reply.status_code == 404
    assert "Ossian" not in reply.content.decode()
    refused = AuditEvent.objects.filter(outcome="refused", subjects__person_id=hidden_child.pk)
    assert refused.exists()


def test_an_unknown_child_is_not_found(client_for, police_officer):
    assert client_for(police_officer).get("/chronology/P-AAAAAAAA/").status_code == 404


def test_totals_only_roles_see_no_chronology(client_for, scrutineer, story):
    assert client_for(scrutineer).get(_url(story.child)).status_code == 404


def test_signed_out_is_sent_to_sign_in(client, story):
    reply = client.get(_url(story.child))
    assert reply.status_code == 302


def test_the_pdf_export(client_for, police_officer, story):
    reply = client_for(police_officer).get(_url(story.child, "chronology:export"))
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert "attachment" in reply["Content-Disposition"]
    body = reply.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    text = pdf_text(body)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Tamsin Orchardley" in text and story.child.reference in text
    assert police_officer.username in text  # who exported it
    assert "10 Nov 2026" in text  # when
    for words in ("Reported missing overnight", "Seen with an adult", "Continuing risk"):
        assert words in text
    event = AuditEvent.objects.get(operation="chronology.export")
    assert event.subjects.filter(person_id=story.child.pk).count() > 10


def test_the_pdf_keeps_the_filters(client_for, police_officer, story):
    reply = client_for(police_officer).get(
        _url(story.child, "chronology:export"), {"kind": "event"}
    )
    text = pdf_text(reply.content)
    assert "Reported missing overnight" in text and "Continuing risk" not in text
    assert "2 entries" in text


def test_the_pdf_is_refused_to_a_role_without_export(client_for, school_dsl, story):
    """The school may see the child but not export them: no file, a 404, nothing exported."""
    reply = client_for(school_dsl).get(_url(story.child, "chronology:export"))
    assert reply.status_code == 404
    assert not AuditEvent.objects.filter(operation="chronology.export").exists()
