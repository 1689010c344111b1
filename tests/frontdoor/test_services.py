"""Front-door writes: a referral made, matched, rated, asked about, answered, decided and
fed back, each step only in its turn, each refusal naming the field, nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from lantern.access import policy
from lantern.access.models import AccessBasis
from lantern.audit.models import AuditEvent
from lantern.core import clock
from lantern.frontdoor import services
from lantern.frontdoor.models import InformationRequest, Rating, Referral, RequestStatus
from lantern.timescales.models import Deadline

from .conftest import referral_in

pytestmark = pytest.mark.django_db


def deadlines_for(referral, rule):
    return Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(Referral), subject_id=referral.pk, rule=rule
    )


def last_event(operation):
    return AuditEvent.objects.filter(operation=operation).order_by("-id").first()


# ---------------------------------------------------------------- making a referral
def test_a_referral_is_kept_as_given_with_its_decision_due(make_referral, police_officer):
    referral = make_referral()
    assert referral.agency == police_officer.agency
    assert referral.referred_by == police_officer
    assert referral.referrer_name == police_officer.get_full_name()
    assert referral.team.is_front_door
    assert referral.person is None and referral.is_open
    assert referral.decision_due_at > referral.received_at
    assert referral.decision_due_at - referral.received_at <= dt.timedelta(days=5)
    event = last_event("referral.make")
    assert event.action == "disclosure" and "Front door" in event.recipient
    assert event.subjects.filter(record_id=str(referral.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"received_at": "future"}, "received_at", "cannot be in the future"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth", "cannot be in the future"),
        ({"categories": ["alien_abduction"]}, "categories", "alien_abduction"),
        ({"categories": []}, "categories", "at least one"),
        ({"lawful_basis_reason": " "}, "lawful_basis_reason", "Enter why"),
        ({"lawful_basis": ""}, "lawful_basis", "lawful basis"),
        ({"consent": None}, "consent", "agreed"),
        ({"concern": ""}, "concern", "worried"),
        ({"given_name": ""}, "given_name", "given name"),
        ({"identifiers": {"nhs_number": "943 476 5918"}}, "nhs_number", "NHS number"),
        ({"postcode": "NOT A CODE"}, "postcode", "postcode"),
        ({"referrer_phone": "call me"}, "referrer_phone", "telephone"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    make_referral, changes, field, words
):
    if changes.get("received_at") == "future":
        changes = {"received_at": clock.now() + dt.timedelta(hours=2)}
    before = (Referral.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        make_referral(**changes)
    errors = caught.value.message_dict
    assert field in errors, errors
    assert words.lower() in " ".join(errors[field]).lower()
    assert (Referral.objects.count(), AuditEvent.objects.count()) == before


def test_with_consent_no_lawful_basis_is_needed_or_kept(make_referral):
    referral = make_referral(consent=True, lawful_basis="public_task", lawful_basis_reason="x")
    assert referral.consent and not referral.lawful_basis and not referral.lawful_basis_reason


def test_a_valid_identifier_is_kept_tidied(make_referral):
    referral = make_referral(identifiers={"nhs_number": "943 476 5919"})
    assert referral.identifiers == {"nhs_number": "9434765919"}


def test_a_totals_only_role_cannot_refer(make_referral, scrutineer):
    with pytest.raises(ValidationError) as caught:
        make_referral(actor=scrutineer)
    assert "actor" in caught.value.message_dict


def test_a_batch_referral_names_its_agency_and_referrer(police):
    referral = services.referral_make(
        actor=None,
        agency=police.code,
        channel="batch",
        data=referral_in(referrer_name="PC Jo Brannigan"),
    )
    assert referral.agency == police and referral.referred_by is None
    with pytest.raises(ValidationError) as caught:
        services.referral_make(actor=None, agency=police.code, data=referral_in())
    assert "referrer_name" in caught.value.message_dict


# ---------------------------------------------------------------- matching
def test_matching_opens_front_door_access_and_the_decision_deadline(
    make_referral, mash_worker, known_child
):
    referral = make_referral()
    services.referral_match(actor=mash_worker, referral=referral, person=known_child)
    referral.refresh_from_db()
    assert referral.person == known_child
    assert referral.access_basis.kind == "front_door" and referral.access_basis.ends_at is None
    assert "front_door" in policy.person_relationships(mash_worker, known_child)
    deadline = deadlines_for(referral, "referral_decision").get()
    assert deadline.person == known_child and deadline.met_at is None
    assert last_event("referral.match").action == "combination"


def test_matching_again_ends_the_first_access_and_deadline(make_referral, mash_worker, known_child):
    other = (
        type(known_child)
        .objects.filter(
            source_records__agency=mash_worker.agency, sensitivity="normal", merged_into=None
        )
        .exclude(pk=known_child.pk)
        .first()
    )
    referral = make_referral()
    services.referral_match(actor=mash_worker, referral=referral, person=known_child)
    first = Referral.objects.get(pk=referral.pk).access_basis
    services.referral_match(actor=mash_worker, referral=referral, person=other)
    first.refresh_from_db()
    assert first.ends_at is not None
    assert deadlines_for(referral, "referral_decision").filter(cancelled_at=None).count() == 1


def test_a_person_the_front_door_cannot_see_cannot_be_matched(make_referral, mash_worker):
    hidden = (
        policy.people_visible_to(mash_worker, "search")
        .model.objects.exclude(pk__in=policy.people_visible_to(mash_worker, "search"))
        .first()
    )
    referral = make_referral()
    with pytest.raises(ValidationError) as caught:
        services.referral_match(actor=mash_worker, referral=referral, person=hidden)
    assert "person" in caught.value.message_dict
    assert Referral.objects.get(pk=referral.pk).person is None


def test_a_child_not_known_becomes_the_referring_agencys_record(
    make_referral, mash_worker, police_officer
):
    referral = make_referral(address_line1="14 Heron Walk", town="Kestrelford", postcode="KF4 2QT")
    services.referral_person_create(actor=mash_worker, referral=referral)
    referral.refresh_from_db()
    source = referral.source_record
    assert source.agency == police_officer.agency
    assert source.local_id == f"referral-{referral.reference}"
    assert source.person == referral.person and source.postcode == "KF4 2QT"
    assert policy.can(police_officer, "view", referral.person)  # the police now hold a record
    assert policy.can(mash_worker, "view", referral.person)  # the front door, while open


def test_only_the_front_door_triages(make_referral, police_officer, social_worker, known_child):
    referral = make_referral()
    with pytest.raises(ValidationError) as caught:  # the referrer sees it, cannot triage it
        services.referral_rate(actor=police_officer, referral=referral, rag="red", reason="x")
    assert "actor" in caught.value.message_dict
    with pytest.raises(Referral.DoesNotExist):  # another team cannot even see it
        services.referral_rate(actor=social_worker, referral=referral, rag="red", reason="x")
    assert not Rating.objects.filter(referral=referral).exists()


# ---------------------------------------------------------------- rating
def test_re_rating_keeps_the_history(make_referral, mash_worker):
    referral = make_referral()
    services.referral_rate(actor=mash_worker, referral=referral, rag="green", reason="First")
    services.referral_rate(actor=mash_worker, referral=referral, rag="red", reason="Went missing")
    referral.refresh_from_db()
    assert referral.rag == "red"
    assert [r.rag for r in referral.ratings.all()] == ["red", "green"]


@pytest.mark.parametrize(
    ("rag", "reason", "field"), [("purple", "x", "rag"), ("red", "", "reason")]
)
def test_a_rating_needs_a_colour_and_a_reason(make_referral, mash_worker, rag, reason, field):
    referral = make_referral()
    with pytest.raises(ValidationError) as caught:
        services.referral_rate(actor=mash_worker, referral=referral, rag=rag, reason=reason)
    assert field in caught.value.message_dict
    assert not Rating.objects.filter(referral=referral).exists()


# ---------------------------------------------------------------- information requests
def test_a_request_is_due_by_the_rating_never_after_the_decision(rated, mash_worker, nhs_nurse):
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="What do you hold?"
    )
    assert request.rag == "amber" and request.status == RequestStatus.OPEN
    assert request.due_at <= rated.decision_due_at
    assert request.due_at - request.asked_at <= dt.timedelta(hours=6)
    event = last_event("referral.request")
    assert event.action == "disclosure" and event.recipient == nhs_nurse.agency.name


def test_a_request_needs_a_rating_first(make_referral, mash_worker, nhs_nurse):
    referral = make_referral()
    with pytest.raises(ValidationError) as caught:
        services.information_request_send(
            actor=mash_worker, referral=referral, agency=nhs_nurse.agency, question="?"
        )
    assert "Rate the referral" in caught.value.message_dict["agency"][0]


def test_the_front_door_does_not_ask_its_own_agency_or_ask_twice(rated, mash_worker, police):
    with pytest.raises(ValidationError):
        services.information_request_send(
            actor=mash_worker, referral=rated, agency=mash_worker.agency, question="?"
        )
    services.information_request_send(
        actor=mash_worker, referral=rated, agency=police, question="?"
    )
    with pytest.raises(ValidationError) as caught:
        services.information_request_send(
            actor=mash_worker, referral=rated, agency=police, question="?"
        )
    assert "already been asked" in caught.value.message_dict["agency"][0]


def test_only_the_asked_agency_answers_and_only_once(rated, mash_worker, nhs_nurse, school_dsl):
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    with pytest.raises(InformationRequest.DoesNotExist):
        services.information_request_answer(actor=school_dsl, request=request, answer="Nothing")
    services.information_request_answer(actor=nhs_nurse, request=request, answer="Two ED visits")
    request.refresh_from_db()
    assert request.answer == "Two ED visits" and not request.answered_late
    with pytest.raises(ValidationError) as caught:
        services.information_request_answer(actor=nhs_nurse, request=request, answer="More")
    assert "already answered" in caught.value.message_dict["answer"][0]
    assert InformationRequest.objects.get(pk=request.pk).answer == "Two ED visits"


def test_a_late_answer_is_taken_and_marked_late(rated, mash_worker, nhs_nurse):
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    with clock.frozen_at(request.due_at + dt.timedelta(minutes=5)):
        services.information_request_answer(actor=nhs_nurse, request=request, answer="Late news")
    request.refresh_from_db()
    assert request.answered_late
    assert last_event("referral.answer").detail["late"] is True


def test_an_empty_answer_is_refused(rated, mash_worker, nhs_nurse):
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    with pytest.raises(ValidationError) as caught:
        services.information_request_answer(actor=nhs_nurse, request=request, answer="  ")
    assert "answer" in caught.value.message_dict


# ---------------------------------------------------------------- deciding
def test_no_decision_before_matching_and_rating(make_referral, mash_worker, known_child):
    referral = make_referral()
    with pytest.raises(ValidationError) as caught:
        services.referral_decide(
            actor=mash_worker, referral=referral, decision="early_help", reason="x"
        )
    assert "Match the child" in caught.value.message_dict["decision"][0]
    services.referral_match(actor=mash_worker, referral=referral, person=known_child)
    with pytest.raises(ValidationError) as caught:
        services.referral_decide(
            actor=mash_worker, referral=referral, decision="early_help", reason="x"
        )
    assert "Rate the referral" in caught.value.message_dict["decision"][0]
    assert Referral.objects.get(pk=referral.pk).decided_at is None


@pytest.mark.parametrize(
    ("decision", "reason", "field"), [("", "x", "decision"), ("early_help", "", "reason")]
)
def test_a_decision_needs_an_outcome_and_a_reason(rated, mash_worker, decision, reason, field):
    with pytest.raises(ValidationError) as caught:
        services.referral_decide(
            actor=mash_worker, referral=rated, decision=decision, reason=reason
        )
    assert field in caught.value.message_dict
    assert Referral.objects.get(pk=rated.pk).decided_at is None


def test_a_strategy_discussion_decision(rated, mash_worker, nhs_nurse, police):
    asked = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    services.referral_decide(
        actor=mash_worker,
        referral=rated,
        decision="strategy_discussion",
        reason="Reasonable cause to suspect significant harm from exploitation",
    )
    rated.refresh_from_db()
    assert rated.decided_by == mash_worker and not rated.is_open
    assert deadlines_for(rated, "referral_decision").get().met_at is not None
    assessment = deadlines_for(rated, "assessment").get()
    assert assessment.starts_at == rated.received_at
    assert AccessBasis.objects.get(pk=rated.access_basis_id).ends_at is not None
    assert "front_door" not in policy.person_relationships(mash_worker, rated.person)
    assert InformationRequest.objects.get(pk=asked.pk).status == RequestStatus.CLOSED
    # the front door keeps the referral itself, to tell the referrer
    assert policy.can(mash_worker, "view", rated)


def test_no_further_action_starts_no_assessment(rated, mash_worker):
    services.referral_decide(
        actor=mash_worker, referral=rated, decision="no_further_action", reason="Already known"
    )
    assert not deadlines_for(rated, "assessment").exists()


def test_after_the_decision_nothing_more_is_asked_answered_or_decided(
    rated, mash_worker, nhs_nurse, police
):
    request = services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    services.referral_decide(actor=mash_worker, referral=rated, decision="early_help", reason="x")
    with pytest.raises(ValidationError) as caught:
        services.information_request_send(
            actor=mash_worker, referral=rated, agency=police, question="?"
        )
    assert "already been decided" in caught.value.message_dict["referral"][0]
    with pytest.raises(ValidationError) as caught:
        services.information_request_answer(actor=nhs_nurse, request=request, answer="Late")
    assert "answer" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.referral_decide(
            actor=mash_worker, referral=rated, decision="assessment", reason="x"
        )


def test_feedback_comes_after_the_decision_and_once(rated, mash_worker):
    with pytest.raises(ValidationError) as caught:
        services.referral_feedback_record(actor=mash_worker, referral=rated, told="Told")
    assert "feedback" in caught.value.message_dict
    services.referral_decide(actor=mash_worker, referral=rated, decision="early_help", reason="x")
    with pytest.raises(ValidationError) as caught:
        services.referral_feedback_record(
            actor=mash_worker,
            referral=rated,
            told="Told",
            told_at=clock.now() + dt.timedelta(hours=1),
        )
    assert "told_at" in caught.value.message_dict
    services.referral_feedback_record(
        actor=mash_worker, referral=rated, told="Phoned PC Whitcombe: early help offered"
    )
    rated.refresh_from_db()
    assert rated.feedback.startswith("Phoned") and rated.feedback_by == mash_worker
    with pytest.raises(ValidationError):
        services.referral_feedback_record(actor=mash_worker, referral=rated, told="Again")


def test_a_failed_audit_write_leaves_nothing_behind(rated, mash_worker):
    from lantern.audit.services import AuditWriteFailed
    from lantern.audit.testing import audit_writes_fail

    with audit_writes_fail(), pytest.raises(AuditWriteFailed):
        services.referral_decide(
            actor=mash_worker, referral=rated, decision="early_help", reason="x"
        )
    rated.refresh_from_db()
    assert rated.is_open
    assert AccessBasis.objects.get(pk=rated.access_basis_id).ends_at is None
    assert deadlines_for(rated, "referral_decision").get().met_at is None
