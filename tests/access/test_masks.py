"""A confidential address (a victim's new address) is shown only to the agency that holds it
and to the person's allocated worker; everyone else sees that it is withheld."""

from __future__ import annotations

import pytest

from lantern.people.models import Address, SourceRecord

pytestmark = pytest.mark.django_db


def test_a_confidential_address_is_withheld_from_other_agencies(
    client_for, mash_worker, nhs_nurse, open_referral
):
    record = (
        SourceRecord.objects.filter(
            agency=nhs_nurse.agency, sensitivity="normal", addresses__isnull=False
        )
        .order_by("pk")
        .first()
    )
    address = record.addresses.first()
    Address.objects.filter(pk=address.pk).update(confidential=True, line1="7 Hidden Walk")
    open_referral(record.person)
    front_door = client_for(mash_worker).get(f"/people/{record.person.reference}/")
    html = front_door.content.decode()
    assert record.local_id in html, "the front door sees the NHS record itself"
    assert "7 Hidden Walk" not in html and "Withheld: a confidential address" in html
    api = client_for(mash_worker).get(f"/api/v1/people/{record.person.reference}/").json()
    assert "7 Hidden Walk" not in str(api)
    holder = client_for(nhs_nurse).get(f"/people/{record.person.reference}/").content.decode()
    assert "7 Hidden Walk" in holder


def test_a_confidential_address_is_never_searchable_by_others(mash_worker, open_referral):
    from lantern.people import selectors

    record = (
        SourceRecord.objects.filter(
            agency__code="kestrelford-nhs", sensitivity="normal", addresses__valid_to__isnull=False
        )
        .order_by("pk")
        .first()
    )
    old = record.addresses.exclude(valid_to=None).first()
    Address.objects.filter(pk=old.pk).update(confidential=True, postcode="KF9 9ZZ")
    open_referral(record.person)
    found = selectors.people_matching(
        user=mash_worker, query=selectors.PeopleQuery(postcode="KF9 9ZZ")
    )
    assert record.person not in found
