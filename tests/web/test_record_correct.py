"""Correcting an agency's record: a new version with a reason, only by those allowed."""

from __future__ import annotations

import pytest

from lantern.people.models import SourceRecord

pytestmark = pytest.mark.django_db


def own_record(user) -> SourceRecord:
    return (
        SourceRecord.objects.filter(agency=user.agency, is_current=True, sensitivity="normal")
        .select_related("person")
        .order_by("pk")
        .first()
    )


def test_a_record_is_corrected_as_a_new_version(client_for, police_officer):
    source = own_record(police_officer)
    client = client_for(police_officer)
    url = f"/people/{source.person.reference}/records/{source.pk}/correct/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "given_name": "Corrected",
            "family_name": source.family_name,
            "date_of_birth": "",
            "reason": "Name was misspelt",
        },
    )
    assert response.status_code == 302
    new = SourceRecord.objects.get(agency=source.agency, local_id=source.local_id, is_current=True)
    assert (new.version, new.given_name, new.correction_reason) == (
        source.version + 1,
        "Corrected",
        "Name was misspelt",
    )
    source.refresh_from_db()
    assert not source.is_current and source.given_name != "Corrected"


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"reason": ""}, "Enter why you are correcting this record"),
        ({"date_of_birth": "2099-01-01"}, "Date of birth cannot be in the future"),
        ({"date_of_birth": "2012-02-31"}, "Date of birth must be a real date"),
        ({"given_name": ""}, "Enter a given name"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_changes(
    client_for, police_officer, data, field_message
):
    source = own_record(police_officer)
    url = f"/people/{source.person.reference}/records/{source.pk}/correct/"
    form = {
        "given_name": "Sam",
        "family_name": "Smith",
        "date_of_birth": "",
        "reason": "A reason",
        **data,
    }
    response = client_for(police_officer).post(url, form)
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert SourceRecord.objects.filter(agency=source.agency, local_id=source.local_id).count() == 1


def test_another_agencys_record_cannot_be_corrected(client_for, police_officer, nhs_nurse):
    from lantern.people import services

    source = own_record(nhs_nurse)
    url = f"/people/{source.person.reference}/records/{source.pk}/correct/"
    assert (
        client_for(police_officer)
        .post(url, {"given_name": "X", "family_name": "Y", "reason": "r"})
        .status_code
        == 404
    )
    with pytest.raises(SourceRecord.DoesNotExist):
        services.source_record_correct(
            actor=police_officer,
            source=source,
            reason="r",
            record=services.source_record_as_input(source),
        )
