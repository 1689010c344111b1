"""Finding people, and seeing only the people one's work gives access to."""

from __future__ import annotations

import pytest

from lantern.people import selectors
from lantern.people.models import Event, Identifier, Person, SourceRecord
from lantern.people.selectors import PeopleQuery

pytestmark = pytest.mark.django_db


def a_record(agency_code: str) -> SourceRecord:
    return (
        SourceRecord.objects.filter(
            agency__code=agency_code, is_current=True, date_of_birth__isnull=False
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )


def test_search_by_name_date_of_birth_and_postcode_finds_the_person(mash_worker):
    source = a_record("kestrelford-childrens-services")
    found = selectors.people_matching(
        user=mash_worker,
        query=PeopleQuery(
            name=f"{source.given_name[:3]} {source.family_name}",
            date_of_birth=source.date_of_birth,
            postcode=source.postcode.lower().replace(" ", ""),
        ),
    )
    assert source.person in found


def test_search_by_identifier_in_any_format(mash_worker):
    nhs = Identifier.objects.filter(
        scheme="nhs_number",
        is_valid=True,
        source_record__agency__code="kestrelford-childrens-services",
    ).first()
    spaced = f"{nhs.value[:3]} {nhs.value[3:6]} {nhs.value[6:]}"
    found = selectors.people_matching(user=mash_worker, query=PeopleQuery(identifier=spaced))
    assert nhs.source_record.person in found


def test_an_invalid_identifier_finds_no_one(mash_worker):
    untrusted = Identifier.objects.filter(is_valid=False).first()
    assert untrusted is not None, "the borough should carry some wrong check digits"
    found = selectors.people_matching(
        user=mash_worker, query=PeopleQuery(identifier=untrusted.value)
    )
    assert not found.exists()


def test_the_front_door_sees_other_agencies_records_only_while_a_referral_is_open(
    mash_worker, police
):
    from lantern.access.services import front_door_referral_open
    from lantern.partners.models import Team

    person = (
        Person.objects.filter(source_records__agency=police)
        .exclude(source_records__agency=mash_worker.agency)
        .exclude(access_bases__isnull=False)
        .order_by("pk")
        .first()
    )
    query = PeopleQuery(name=person.family_name, date_of_birth=person.date_of_birth)
    assert person not in selectors.people_matching(user=mash_worker, query=query)
    basis = front_door_referral_open(
        actor=mash_worker,
        person=person,
        team=Team.objects.get(code="front-door"),
        reason="Referral from the police",
    )
    assert person in selectors.people_matching(user=mash_worker, query=query)
    from lantern.access.services import basis_end

    basis_end(actor=mash_worker, basis=basis, reason="Referral closed: no further action")
    assert person not in selectors.people_matching(user=mash_worker, query=query)


def test_a_school_sees_only_people_it_holds_a_record_of(school_dsl):
    police_only = (
        Person.objects.filter(source_records__agency__code="northmoor-police")
        .exclude(source_records__agency=school_dsl.agency)
        .first()
    )
    pupil = Person.objects.filter(source_records__agency=school_dsl.agency).first()
    for person, visible in [(police_only, False), (pupil, True)]:
        found = selectors.people_matching(
            user=school_dsl,
            query=PeopleQuery(name=person.family_name, date_of_birth=person.date_of_birth),
        )
        assert (person in found) is visible
        if visible:
            assert selectors.person_get(user=school_dsl, reference=person.reference) == person
        else:
            with pytest.raises(Person.DoesNotExist):
                selectors.person_get(user=school_dsl, reference=person.reference)


@pytest.mark.parametrize("persona", ["scrutineer", "dpo", "sysadmin"])
def test_roles_without_case_data_see_no_one(persona, request):
    user = request.getfixturevalue(persona)
    assert not selectors.people_matching(user=user, query=PeopleQuery(name="a")).exists()
    person = Person.objects.first()
    with pytest.raises(Person.DoesNotExist):
        selectors.person_get(user=user, reference=person.reference)


def test_a_restricted_event_is_named_but_not_described_to_other_agencies(mash_worker, nhs_nurse):
    event = Event.objects.filter(
        sensitivity="restricted", source_record__agency__code="kestrelford-nhs"
    ).first()
    person = event.source_record.person
    for user, shown in [(mash_worker, False), (nhs_nurse, True)]:
        file = selectors.person_file(user=user, person=person)
        item = next(i for i in file.timeline if i.occurred_at == event.occurred_at)
        assert item.shown is shown
        assert (item.event is not None) is shown
        assert item.agency_name == "Kestrelford Hospitals NHS Trust"


def test_the_person_file_shows_where_agencies_disagree(mash_worker, open_referral):
    person = next(
        p
        for p in Person.objects.filter(source_records__isnull=False).distinct()[:3000]
        if len({(r.date_of_birth, r.given_name, r.family_name) for r in p.source_records.all()}) > 1
    )
    open_referral(person)
    file = selectors.person_file(user=mash_worker, person=person)
    assert file.disagreements
    for values in file.disagreements.values():
        assert len(values) > 1


def test_a_restricted_agency_record_is_named_but_not_shown_to_other_agencies(
    mash_worker, client_for, open_referral
):
    restricted = SourceRecord.objects.filter(
        sensitivity="restricted", agency__code="harbour-survivors"
    ).first()
    assert restricted is not None, "the domestic-abuse scenario plants a restricted record"
    person = restricted.person
    open_referral(person)
    file = selectors.person_file(user=mash_worker, person=person)
    assert restricted not in file.source_records
    assert file.withheld_holders == ["Harbour Survivors' Service"]
    page = client_for(mash_worker).get(f"/people/{person.reference}/").content.decode()
    assert restricted.local_id not in page
    assert (
        "Harbour Survivors' Service holds a record about this person that is not shared"
        in page.replace("&#x27;", "'")
    )
    body = client_for(mash_worker).get(f"/api/v1/people/{person.reference}/").json()
    assert restricted.local_id not in str(body)
    assert body["records_not_shared_held_by"] == ["Harbour Survivors' Service"]


def test_the_holding_agency_sees_its_own_restricted_record():
    from django.contrib.auth import get_user_model

    restricted = SourceRecord.objects.filter(
        sensitivity="restricted", agency__code="harbour-survivors"
    ).first()
    worker = get_user_model().objects.get(username="support.worker")
    file = selectors.person_file(user=worker, person=restricted.person)
    assert restricted in file.source_records and not file.withheld_holders
