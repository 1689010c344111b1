"""The pages a user sees: sign-in, home for each role, search, the person page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.accounts.helpers import sign_in_verified

from lantern.people.models import Person, SourceRecord

pytestmark = pytest.mark.django_db


def test_pages_need_sign_in(client):
    for name in ["web:home", "web:people-search"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize(
    "username",
    [
        "mash.worker",
        "social.worker",
        "team.manager",
        "police.officer",
        "police.analyst",
        "nhs.nurse",
        "school.dsl",
        "support.worker",
    ],
)
def test_home_for_case_roles_shows_their_agency_and_recent_events(client, username):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    sign_in_verified(client, user)
    page = client.get(reverse("web:home")).content.decode()
    assert user.role.name in page.replace("&#x27;", "'")
    assert "people " in page and "Find a person" in page


@pytest.mark.parametrize("username", ["partnership.manager", "scrutineer", "dpo", "admin"])
def test_home_for_totals_roles_shows_totals_and_no_names(client, username):
    from django.contrib.auth import get_user_model

    sign_in_verified(client, get_user_model().objects.get(username=username))
    response = client.get(reverse("web:home"))
    page = response.content.decode()
    assert "Records held, by agency" in page
    assert "Find a person" not in page
    some_person = Person.objects.order_by("pk").first()
    assert some_person.reference not in page
    assert client.get(reverse("web:people-search"), {"name": "a"}).status_code == 404


def test_search_page_lists_matches_and_explains_errors(client_for, mash_worker):
    client = client_for(mash_worker)
    source = SourceRecord.objects.filter(agency=mash_worker.agency).first()
    page = client.get(reverse("web:people-search"), {"name": source.family_name}).content
    assert source.person.reference in page.decode()
    page = client.get(reverse("web:people-search"), {"date_of_birth": "31 2 2010"}).content
    assert "Date of birth must be a real date" in page.decode()
    page = client.get(reverse("web:people-search"), {"date_of_birth": "1 1 2999"}).content
    assert "cannot be in the future" in page.decode()
    page = client.get(reverse("web:people-search"), {"name": ""}).content.decode()
    assert "Enter a name, date of birth, postcode or identifier" in page


def test_person_page_shows_each_agency_record_and_the_timeline(
    client_for, mash_worker, open_referral
):
    person = (
        Person.objects.filter(
            source_records__events__isnull=False, source_records__agency=mash_worker.agency
        )
        .order_by("pk")
        .distinct()
        .first()
    )
    open_referral(person)
    page = client_for(mash_worker).get(reverse("web:person", args=[person.reference]))
    html = page.content.decode().replace("&#x27;", "'")
    assert page.status_code == 200
    for record in person.source_records.all():
        assert record.agency.name in html and record.local_id in html
    assert "Timeline from every agency" in html


def test_a_person_outside_ones_work_answers_404_not_403(client_for, school_dsl):
    hidden = Person.objects.exclude(source_records__agency=school_dsl.agency).first()
    response = client_for(school_dsl).get(reverse("web:person", args=[hidden.reference]))
    assert response.status_code == 404
    assert hidden.family_name not in response.content.decode()


def test_an_unknown_reference_answers_404(client_for, mash_worker):
    assert client_for(mash_worker).get(reverse("web:person", args=["P-NOPE"])).status_code == 404


def test_the_front_door_home_lists_open_referrals(client_for, mash_worker, open_referral):
    person = (
        Person.objects.exclude(source_records__agency=mash_worker.agency).order_by("pk").first()
    )
    open_referral(person)
    page = client_for(mash_worker).get(reverse("web:home")).content.decode()
    assert "Children open to the front door" in page and person.reference in page
