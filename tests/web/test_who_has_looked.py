"""Who has looked at a person: for the person's owners and the data protection officer."""

from __future__ import annotations

import pytest

from lantern.people.models import Person

pytestmark = pytest.mark.django_db


def council_person(user) -> Person:
    return Person.objects.filter(source_records__agency=user.agency).order_by("pk").first()


def test_an_owner_sees_every_look_at_their_person(client_for, mash_worker, social_worker):
    person = council_person(mash_worker)
    client_for(social_worker).get(f"/people/{person.reference}/")
    client = client_for(mash_worker)
    page = client.get(f"/people/{person.reference}/access-log/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "social.worker" in html and "person.view" in html
    assert "Who has looked" in client.get(f"/people/{person.reference}/").content.decode()


def test_the_dpo_sees_the_log_but_not_the_person(client_for, dpo, mash_worker):
    person = council_person(mash_worker)
    client = client_for(dpo)
    assert client.get(f"/people/{person.reference}/").status_code == 404
    log = client.get(f"/people/{person.reference}/access-log/")
    assert log.status_code == 200
    assert person.family_name not in log.content.decode()


def test_others_get_404_for_the_log(client_for, school_dsl, scrutineer, mash_worker):
    person = Person.objects.exclude(source_records__agency=school_dsl.agency).first()
    for user in (school_dsl, scrutineer):
        assert client_for(user).get(f"/people/{person.reference}/access-log/").status_code == 404


def test_the_dpo_searches_the_log_and_the_search_is_recorded(client_for, dpo, police_officer):
    from lantern.audit.models import AuditEvent

    person = Person.objects.filter(source_records__agency=police_officer.agency).first()
    client_for(police_officer).get(f"/people/{person.reference}/")
    client = client_for(dpo)
    page = client.get("/audit/", {"reference": person.reference, "username": "police.officer"})
    html = page.content.decode()
    assert page.status_code == 200 and "person.view" in html
    latest = AuditEvent.objects.order_by("-id").first()
    assert (latest.operation, latest.actor) == ("audit.search", dpo)
    bad = client.get("/audit/", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert "To must be the same as or after From" in bad.content.decode()
    assert client_for(police_officer).get("/audit/").status_code == 404


def test_a_refused_look_is_in_the_log(client_for, school_dsl, dpo):
    from lantern.audit.models import AuditEvent

    person = Person.objects.exclude(source_records__agency=school_dsl.agency).first()
    assert client_for(school_dsl).get(f"/people/{person.reference}/").status_code == 404
    refused = AuditEvent.objects.filter(outcome="refused", actor=school_dsl).latest("id")
    assert refused.subjects.filter(person_id=person.pk).exists()
