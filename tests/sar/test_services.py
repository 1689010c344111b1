"""The steps of a subject access request, in order, each refused out of order with its
reason naming the field and nothing saved: logged (received date not in the future, a
representative's authority, due in a calendar month, extendable in the first month),
prepared, checked by a DPO other than the preparer (unless they say why not), released
(never before the check; withheld in part with a reason), and the release audited as a
disclosure to the requester with the lawful basis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.people.models import Person
from lantern.sar import deadlines, services
from lantern.sar.models import Redaction, Status, SubjectAccessRequest

from .conftest import TODAY, on, rendered_text

pytestmark = pytest.mark.django_db


def refused(field: str, call, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def log(actor, person, **changes):
    given = {
        "received_on": TODAY - dt.timedelta(days=2),
        "requester": "subject",
        "identity_check": "documents",
    }
    given.update(changes)
    with on(TODAY):
        return services.sar_log(actor=actor, person=person, **given)


# ---------------------------------------------------------------- received
def test_a_request_is_due_one_calendar_month_after_it_was_received(scenario, dpo):
    request = log(dpo, scenario["ellie"])
    assert request.status == Status.RECEIVED
    assert request.due_on == TODAY - dt.timedelta(days=2) + dt.timedelta(days=30)  # 31 Oct
    assert deadlines.response_due(dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)
    assert deadlines.extended_due(dt.date(2026, 1, 31)) == dt.date(2026, 4, 30)
    event = AuditEvent.objects.filter(operation="sar.log").latest("id")
    assert event.action == "collection"


def test_bad_requests_are_refused_naming_the_field_with_nothing_saved(scenario, dpo):
    ellie = scenario["ellie"]
    before = SubjectAccessRequest.objects.count()
    message = refused("received_on", log, dpo, ellie, received_on=TODAY + dt.timedelta(days=1))
    assert "cannot be in the future" in message
    refused("received_on", log, dpo, ellie, received_on=None)
    refused("representative_authority", log, dpo, ellie, requester="representative",
            representative_name="A solicitor")  # fmt: skip
    refused("representative_name", log, dpo, ellie, requester="representative")
    refused("identity_check", log, dpo, ellie, identity_check="")
    refused("requester", log, dpo, ellie, requester="neighbour")
    assert SubjectAccessRequest.objects.count() == before
    log(dpo, ellie)
    assert "already a request" in refused("person", log, dpo, ellie)


def test_a_worker_logs_a_request_only_for_a_person_they_may_see(
    scenario, police_officer, school_dsl
):
    request = log(police_officer, scenario["ellie"])
    assert request.logged_by == police_officer
    with pytest.raises(Person.DoesNotExist):
        log(school_dsl, scenario["ellie"])


def test_an_extension_is_decided_within_the_first_month_with_a_reason(logged, dpo):
    with on(TODAY):
        refused("extension_reason", services.sar_extend, actor=dpo, request=logged, reason=" ")
        services.sar_extend(actor=dpo, request=logged, reason="Records from five agencies")
    logged.refresh_from_db()
    assert logged.due == deadlines.extended_due(logged.received_on)
    assert logged.due.month == (logged.received_on.month + 2) % 12 + 1


def test_too_late_to_extend_after_the_first_month(logged, dpo):
    with on(logged.due_on + dt.timedelta(days=1)):
        message = refused(
            "extended_due_on", services.sar_extend, actor=dpo, request=logged, reason="Complex"
        )
    assert "within the first month" in message


def test_only_a_data_protection_officer_takes_the_steps(logged, social_worker):
    with on(TODAY):
        refused("actor", services.sar_prepare, actor=social_worker, request=logged)


# ---------------------------------------------------------------- order
def test_check_before_preparation_is_refused(logged, second_dpo):
    with on(TODAY):
        message = refused("status", services.sar_check, actor=second_dpo, request=logged)
    assert "prepare it before checking" in message


def test_a_pack_that_has_not_been_checked_cannot_be_released(logged, prepared, dpo):
    with on(TODAY):
        message = refused(
            "checked_by",
            services.sar_release,
            actor=dpo,
            request=prepared,
            disclosure="part",
            withheld_reason="Intelligence",
        )
    assert "has not been checked" in message
    prepared.refresh_from_db()
    assert prepared.status == Status.PREPARED and prepared.released_at is None
    assert not AuditEvent.objects.filter(operation="sar.release").exists()


def test_a_pack_is_prepared_once(prepared, dpo):
    with on(TODAY):
        refused("status", services.sar_prepare, actor=dpo, request=prepared)


def test_the_preparer_does_not_check_unless_they_say_why_no_one_else_can(prepared, dpo):
    with on(TODAY):
        message = refused("own_check_reason", services.sar_check, actor=dpo, request=prepared)
        assert "another data protection officer" in message
        services.sar_check(
            actor=dpo, request=prepared, own_check_reason="The only DPO in post this month"
        )
    prepared.refresh_from_db()
    assert prepared.status == Status.CHECKED
    assert prepared.own_check_reason == "The only DPO in post this month"


def test_checking_freezes_the_pack(checked, dpo):
    pack = checked.pack
    assert pack.pdf and len(pack.pdf_sha256) == 64
    with on(TODAY):
        refused("status", services.sar_redaction_lift, actor=dpo, request=checked, number=1,
                reason="Agreed")  # fmt: skip
        refused("status", services.sar_redaction_add, actor=dpo, request=checked, phrase="Ellie",
                kind="Name", exemption="third_party", reason="x")  # fmt: skip


# ---------------------------------------------------------------- redactions
def test_lifting_a_redaction_needs_a_reason(prepared, dpo):
    first = prepared.pack.redactions.get(number=1)
    with on(TODAY):
        message = refused(
            "reason", services.sar_redaction_lift, actor=dpo, request=prepared, number="R1",
            reason="",
        )  # fmt: skip
        assert "why the redaction is lifted" in message
        assert not Redaction.objects.get(pk=first.pk).lifted
        refused("number", services.sar_redaction_lift, actor=dpo, request=prepared, number="R999",
                reason="Agreed")  # fmt: skip
        services.sar_redaction_lift(
            actor=dpo, request=prepared, number="R1", reason="She already knows the car"
        )
    assert first.original in rendered_text(prepared)
    assert "[redacted R1]" not in rendered_text(prepared)


def test_the_dpo_adds_a_redaction_with_an_exemption(prepared, dpo):
    with on(TODAY):
        made = services.sar_redaction_add(
            actor=dpo,
            request=prepared,
            phrase="older man",
            kind="A description of a suspect",
            exemption="law_enforcement",
            reason="It would tell the suspect what the police know",
        )
        assert len(made) == 1 and not made[0].automatic
        assert "older man" not in rendered_text(prepared).lower()
        assert f"[redacted R{made[0].number}]" in rendered_text(prepared)
        message = refused("phrase", services.sar_redaction_add, actor=dpo, request=prepared,
                          phrase="not in the pack at all", kind="Name", exemption="third_party",
                          reason="x")  # fmt: skip
        assert "does not appear" in message
        refused("exemption", services.sar_redaction_add, actor=dpo, request=prepared,
                phrase="Ellie", kind="Name", exemption="because", reason="x")  # fmt: skip


# ---------------------------------------------------------------- released
def test_release_withholding_her_own_data_says_so_with_the_reason(checked, dpo):
    with on(TODAY):
        message = refused(
            "disclosure", services.sar_release, actor=dpo, request=checked, disclosure="full"
        )
        assert "withheld in part" in message
        refused("withheld_reason", services.sar_release, actor=dpo, request=checked,
                disclosure="part", withheld_reason=" ")  # fmt: skip
        services.sar_release(
            actor=dpo,
            request=checked,
            disclosure="part",
            withheld_reason="Police intelligence withheld to protect an investigation",
        )
    checked.refresh_from_db()
    assert checked.status == Status.RELEASED


def test_every_release_is_audited_as_a_disclosure_to_the_requester(checked, dpo):
    with on(TODAY):
        services.sar_release(
            actor=dpo, request=checked, disclosure="part", withheld_reason="Intelligence"
        )
        refused("status", services.sar_release, actor=dpo, request=checked, disclosure="part",
                withheld_reason="Again")  # fmt: skip
    event = AuditEvent.objects.get(operation="sar.release")
    person = checked.person
    assert event.action == "disclosure"
    assert event.recipient == f"{person.full_name} ({person.reference}), the data subject"
    assert event.detail["lawful_basis"] == "UK GDPR Art 15; DPA 2018 s45 (police-held data)"
    assert event.detail["pdf_sha256"] == checked.pack.pdf_sha256
    assert AuditSubject.objects.filter(event=event, person_id=person.pk).exists()


def test_a_representative_is_the_recipient_when_they_asked(scenario, dpo, second_dpo):
    request = log(
        dpo,
        scenario["ellie"],
        requester="representative",
        representative_name="Hollis & Crane Solicitors",
        representative_authority="Signed authority from Ms Marsden, dated 20 October 2026",
    )
    with on(TODAY):
        services.sar_prepare(actor=dpo, request=request)
        services.sar_check(actor=second_dpo, request=request)
        services.sar_release(actor=dpo, request=request, disclosure="part", withheld_reason="x")
    event = AuditEvent.objects.get(operation="sar.release")
    assert event.recipient.startswith("Hollis & Crane Solicitors, representative of Ellie")
