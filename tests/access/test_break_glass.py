"""Emergency access: a reason, the second factor again, an hour at most, owners and the
data protection officer told; a sealed person needs a second person to approve."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.access import policy, services
from lantern.access.models import BreakGlassRequest, Notification
from lantern.core import clock
from lantern.people.models import Person

pytestmark = pytest.mark.django_db

REASON = "Child reported missing overnight; need to know who else is linked"


def code_for(user, at: dt.datetime | None = None) -> str:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at or clock.now()).timestamp()
    return f"{totp.token():0{device.digits}d}"


def stranger_to(user) -> Person:
    return (
        Person.objects.exclude(source_records__agency=user.agency)
        .filter(sensitivity="normal", access_bases__isnull=True)
        .order_by("pk")
        .first()
    )


def test_emergency_access_opens_for_an_hour_and_tells_owners_and_the_dpo(school_dsl, dpo):
    person = stranger_to(school_dsl)
    assert not policy.can(school_dsl, "view", person)
    start = clock.now()
    with clock.frozen_at(start):
        services.break_glass_open(
            actor=school_dsl, person=person, reason=REASON, token=code_for(school_dsl, start)
        )
        assert not policy.can(school_dsl, "view", person), (
            "a school lead has no break-glass row in the policy table"
        )


def test_a_nurse_breaks_glass_and_it_expires(nhs_nurse, dpo):
    person = stranger_to(nhs_nurse)
    start = clock.now()
    with clock.frozen_at(start):
        basis = services.break_glass_open(
            actor=nhs_nurse, person=person, reason=REASON, token=code_for(nhs_nurse, start)
        )
        assert policy.can(nhs_nurse, "view", person)
    assert basis.ends_at - basis.starts_at == dt.timedelta(hours=1)
    assert Notification.objects.filter(recipient=dpo, person=person, kind="break_glass").exists()
    with clock.frozen_at(start + dt.timedelta(minutes=61)):
        assert not policy.can(nhs_nurse, "view", person)


@pytest.mark.parametrize(
    ("reason", "token", "field"),
    [
        ("", None, "reason"),
        ("urgent", None, "reason"),
        (REASON, "000000", "token"),
        (REASON, "", "token"),
    ],
)
def test_emergency_access_needs_a_reason_and_the_code(nhs_nurse, reason, token, field):
    person = stranger_to(nhs_nurse)
    with pytest.raises(ValidationError) as caught:
        services.break_glass_open(
            actor=nhs_nurse,
            person=person,
            reason=reason,
            token=code_for(nhs_nurse) if token is None else token,
        )
    assert field in caught.value.message_dict
    assert not policy.can(nhs_nurse, "view", person)


def test_a_sealed_person_needs_a_second_person(nhs_nurse, dpo):
    person = stranger_to(nhs_nurse)
    Person.objects.filter(pk=person.pk).update(sensitivity="sealed")
    person.refresh_from_db()
    with pytest.raises(ValidationError, match="second person"):
        services.break_glass_open(
            actor=nhs_nurse, person=person, reason=REASON, token=code_for(nhs_nurse)
        )
    request = services.break_glass_request(
        actor=nhs_nurse, person=person, reason=REASON, token=code_for(nhs_nurse)
    )
    assert not policy.can(nhs_nurse, "view", person)
    with pytest.raises(ValidationError, match="cannot approve your own"):
        services.break_glass_decide(
            actor=nhs_nurse, request=request, approve=True, reason="ok", token=code_for(nhs_nurse)
        )
    services.break_glass_decide(
        actor=dpo, request=request, approve=True, reason="Genuine emergency", token=code_for(dpo)
    )
    request.refresh_from_db()
    assert request.status == BreakGlassRequest.Status.APPROVED
    assert policy.can(nhs_nurse, "view", person)


def test_the_emergency_page_opens_access_and_the_person_page_then_shows(client_for, nhs_nurse):
    person = stranger_to(nhs_nurse)
    client = client_for(nhs_nurse)
    missing = client.get(f"/people/{person.reference}/")
    assert missing.status_code == 404
    assert "emergency access" in missing.content.decode()
    response = client.post(
        f"/people/{person.reference}/emergency-access/",
        {"reason": REASON, "token": code_for(nhs_nurse)},
    )
    assert response.status_code == 302
    assert client.get(f"/people/{person.reference}/").status_code == 200


def test_the_emergency_page_checks_the_code_before_saying_whether_a_reference_exists(
    client_for, nhs_nurse
):
    client = client_for(nhs_nurse)
    page = client.post(
        "/people/P-NOTAREAL/emergency-access/", {"reason": REASON, "token": "000000"}
    ).content.decode()
    assert "Enter the current code" in page and "no person with that reference" not in page
    page = client.post(
        "/people/P-NOTAREAL/emergency-access/", {"reason": REASON, "token": code_for(nhs_nurse)}
    ).content.decode()
    assert "There is no person with that reference" in page
