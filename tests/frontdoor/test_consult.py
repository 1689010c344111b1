"""Who to ask at triage: the partnership's table names the agency kinds the front door
consults before deciding, and the triage page offers the agencies of those kinds that hold
a record of the child, to be asked at once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.casework import responsibilities
from lantern.frontdoor import services
from lantern.frontdoor.models import InformationRequest
from lantern.people.models import Person, SourceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(db):
    """A child held by the council (so the front door can find them), the hospital trust
    and a school."""
    held = (
        Person.objects.filter(merged_into__isnull=True, sensitivity="normal")
        .filter(source_records__agency__kind="childrens_services", source_records__is_current=True)
        .filter(source_records__agency__kind="nhs", source_records__is_current=True)
        .filter(source_records__agency__kind="school")
        .annotate(n=Count("source_records"))
        .order_by("pk")
    )
    for person in held:
        records = SourceRecord.objects.filter(person=person, is_current=True)
        if all(r.sensitivity == "normal" for r in records):
            return person
    pytest.skip("the test borough has no such child")


@pytest.fixture
def rated(child, make_referral, mash_worker):
    referral = make_referral(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
    )
    services.referral_match(actor=mash_worker, referral=referral, person=child)
    services.referral_rate(actor=mash_worker, referral=referral, rag="amber", reason="Exploitation")
    return referral


def holders(child, *kinds):
    return {
        r.agency.code: r
        for r in SourceRecord.objects.filter(
            person=child, is_current=True, agency__kind__in=kinds
        ).select_related("agency")
    }


def test_the_triage_page_offers_the_consulted_agencies_that_hold_a_record(
    client_for, mash_worker, rated, child
):
    consulted = responsibilities.step("referral_decision").consulted
    expected = holders(child, *consulted)
    others = holders(child, "childrens_services", "youth_service", "voluntary")
    page = client_for(mash_worker).get(f"/front-door/referrals/{rated.reference}/").content
    page = page.decode()
    assert "Who to ask" in page and "Ask the ticked agencies" in page
    for code, record in expected.items():
        assert f'value="{code}" checked' in page, record.agency.name
    for code in others:
        assert f'name="agencies" type="checkbox" value="{code}"' not in page
    # the records read to make the offer are in the audit of the look
    seen = set(
        AuditSubject.objects.filter(
            record_type="people.sourcerecord", event__operation="referral.view"
        ).values_list("record_id", flat=True)
    )
    assert {str(r.pk) for r in expected.values()} <= seen


def test_ticked_agencies_are_asked_at_once_and_drop_off_the_offer(
    client_for, mash_worker, rated, child
):
    nhs, school = (next(iter(holders(child, kind))) for kind in ("nhs", "school"))
    client = client_for(mash_worker)
    url = f"/front-door/referrals/{rated.reference}/"
    looks = AuditEvent.objects.filter(operation="referral.view").count()
    response = client.post(url + "consult/", {"agencies": [nhs, school], "question": "Known?"})
    assert response.status_code == 302
    # asking is a write: it does not also record a look at the triage page it never showed
    assert AuditEvent.objects.filter(operation="referral.view").count() == looks
    asked = InformationRequest.objects.filter(referral=rated)
    assert sorted(asked.values_list("agency__code", flat=True)) == sorted([nhs, school])
    assert len({r.due_at for r in asked}) == 1
    page = client.get(url).content.decode()
    assert "Answers are due by" in page or "answers are due by" in page
    assert f'name="agencies" type="checkbox" value="{nhs}"' not in page


def test_one_agency_that_cannot_be_asked_stops_them_all_and_is_named(
    client_for, mash_worker, rated, child
):
    nhs, school = (next(iter(holders(child, kind))) for kind in ("nhs", "school"))
    client = client_for(mash_worker)
    url = f"/front-door/referrals/{rated.reference}/"
    page_before = client.get(url)  # the offer is made ...
    assert page_before.status_code == 200
    services.information_request_send(  # ... then a colleague asks the school meanwhile
        actor=mash_worker, referral=rated, agency=school, question="Known?"
    )
    response = client.post(url + "consult/", {"agencies": [nhs, school], "question": "Known?"})
    assert response.status_code == 200
    text = response.content.decode()
    school_name = holders(child, "school")[school].agency.name
    assert "There is a problem" in text
    assert f"{school_name} has already been asked" in text.replace("&#x27;", "'")
    assert not InformationRequest.objects.filter(referral=rated, agency__code=nhs).exists()


def test_no_agency_ticked_is_refused_with_the_reason(client_for, mash_worker, rated):
    url = f"/front-door/referrals/{rated.reference}/consult/"
    response = client_for(mash_worker).post(url, {"question": "Known?"})
    assert "Tick at least one agency to ask" in response.content.decode()
    assert not InformationRequest.objects.filter(referral=rated).exists()


def test_a_record_the_front_door_may_not_see_is_neither_counted_nor_offered(
    client_for, mash_worker, rated, child
):
    school_records = SourceRecord.objects.filter(
        person=child, is_current=True, agency__kind="school"
    )
    school_records.update(sensitivity="restricted")
    codes = set(school_records.values_list("agency__code", flat=True))
    page = client_for(mash_worker).get(f"/front-door/referrals/{rated.reference}/")
    text = page.content.decode()
    for code in codes:
        assert f'value="{code}"' not in text.split("Who to ask")[1].split("Or ask one agency")[0]


def test_the_service_refuses_an_empty_list(mash_worker, rated):
    with pytest.raises(Exception, match="Tick at least one agency"):
        services.information_requests_send(
            actor=mash_worker, referral=rated, agencies=[], question="Known?"
        )
