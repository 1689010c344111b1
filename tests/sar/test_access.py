"""Who may see what: the data protection officer reads a pack in progress though the access
policy gives the DPO nothing about the person (the one exception, in lantern/sar/access.py);
a worker sees a request's status, never the pack; everyone else finds nothing; every read
of the pack is audited naming the person."""

from __future__ import annotations

import pytest

from lantern.access import policy
from lantern.audit.models import AuditEvent, AuditSubject
from lantern.sar import access, selectors, services
from lantern.sar.models import SubjectAccessRequest

from .conftest import TODAY, on

pytestmark = pytest.mark.django_db


def test_the_policy_alone_gives_the_dpo_nothing_about_the_person(prepared, dpo):
    ellie = prepared.person
    assert not policy.can(dpo, "view", ellie)
    assert not policy.people_visible_to(dpo).filter(pk=ellie.pk).exists()


def test_the_dpo_reads_a_pack_in_progress_through_the_subject_access_rule(prepared, dpo):
    """Fails if lantern.sar.access stops making the DPO the exception (by asking the
    policy instead, which gives the DPO nothing, as the test above shows)."""
    assert access.may_read_pack(dpo, prepared)
    view = selectors.pack_read(user=dpo, request=prepared)
    assert any(s.key == "chronology" and s.items for s in view.sections)


def test_every_read_of_the_pack_is_audited_naming_the_person(prepared, dpo):
    selectors.pack_read(user=dpo, request=prepared)
    event = AuditEvent.objects.filter(operation="sar.pack.view").latest("id")
    assert event.actor == dpo and event.action == "consultation"
    named = set(AuditSubject.objects.filter(event=event).values_list("person_id", flat=True))
    assert prepared.person_id in named
    # The DPO sees the covered text, so the other people in it were consulted too.
    assert set(prepared.pack.third_party_ids) <= named


@pytest.mark.parametrize("persona", ["police_officer", "social_worker", "nhs_nurse"])
def test_a_worker_who_may_see_her_sees_the_status_never_the_pack(prepared, persona, request):
    worker = request.getfixturevalue(persona)
    assert policy.can(worker, "view", prepared.person)
    found = selectors.request_get(user=worker, reference=prepared.reference)
    assert found.status == "prepared"
    assert not access.may_read_pack(worker, prepared)
    with pytest.raises(SubjectAccessRequest.DoesNotExist):
        selectors.pack_read(user=worker, request=prepared)
    assert prepared in selectors.requests_list(user=worker)


@pytest.mark.parametrize("persona", ["school_dsl", "scrutineer", "sysadmin"])
def test_anyone_else_finds_nothing(prepared, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(SubjectAccessRequest.DoesNotExist):
        selectors.request_get(user=user, reference=prepared.reference)
    assert prepared not in selectors.requests_list(user=user)
    refusal = AuditEvent.objects.filter(operation="sar.view", outcome="refused").latest("id")
    assert refusal.actor == user


def test_once_released_the_dpo_keeps_the_pdf_not_the_working_pack(checked, dpo):
    with on(TODAY):
        services.sar_release(actor=dpo, request=checked, disclosure="part", withheld_reason="x")
    checked.refresh_from_db()
    assert not access.may_read_pack(dpo, checked)
    assert selectors.pack_pdf(user=dpo, request=checked) == bytes(checked.pack.pdf)
    event = AuditEvent.objects.filter(operation="sar.pack.pdf").latest("id")
    assert AuditSubject.objects.filter(event=event, person_id=checked.person_id).exists()
