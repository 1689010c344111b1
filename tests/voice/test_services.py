"""Recording feedback, tagging it, changing consent, quoting it and acting on it: what is
saved and audited, and each bad input refused naming the field, with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.audit.models import AuditEvent, AuditSubject
from lantern.partners.models import Agency
from lantern.voice import services
from lantern.voice.models import (
    ActionFeedback,
    ActionStatus,
    ConsentChange,
    Feedback,
    PartnershipAction,
    Quote,
    Use,
)

from .conftest import HARBOUR, TODAY, on, record

pytestmark = pytest.mark.django_db


def refused(call, field: str) -> str:
    """Run `call`, expect a refusal naming `field`, and return its message."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def last_event(operation: str) -> AuditEvent:
    return AuditEvent.objects.filter(operation=operation).order_by("-pk").first()


# ---------------------------------------------------------------- recording
def test_feedback_is_recorded_held_by_the_workers_agency_and_audited(support_worker, survivor):
    feedback = record(
        support_worker,
        words="Nobody listened when I was fifteen. Aisha listens.",
        person=survivor,
        themes=["being_believed", "continuity_of_worker"],
        consent=[Use.PARTNERSHIP_ANONYMISED],
    )
    assert feedback.agency.code == HARBOUR and feedback.recorded_by == support_worker
    assert feedback.person == survivor and feedback.sentiment == "positive"
    assert set(feedback.theme_tags.values_list("theme", flat=True)) == {
        "being_believed",
        "continuity_of_worker",
    }
    assert feedback.uses == [Use.PARTNERSHIP_ANONYMISED]
    assert feedback.themes_version == 1
    given = feedback.consent_changes.get()
    assert given.kind == ConsentChange.Kind.GIVEN and given.uses == [Use.PARTNERSHIP_ANONYMISED]
    event = last_event("voice.feedback.record")
    assert event.action == "collection" and event.actor_id == support_worker.pk
    assert AuditSubject.objects.filter(event=event, person_id=survivor.pk).exists()


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"words": "   "}, "words", "Enter what they said"),
        ({"given_on": TODAY + dt.timedelta(days=1)}, "given_on", "cannot be in the future"),
        ({"given_on": None}, "given_on", "Enter the day they gave it"),
        ({"themes": ["feeling_heard_by_aliens"]}, "themes", "is not a theme"),
        ({"channel": "carrier_pigeon"}, "channel", "is not one of"),
        ({"giver_kind": ""}, "giver_kind", "Enter who gave it"),
        ({"consent": ["sell_it"]}, "consent", "is not a use a giver can agree to"),
        ({"sentiment": "ecstatic"}, "sentiment", "is not positive, mixed or negative"),
    ],
)
def test_bad_feedback_is_refused_naming_the_field_and_nothing_is_saved(
    support_worker, change, field, says
):
    before = Feedback.objects.count(), ConsentChange.objects.count()
    message = refused(lambda: record(support_worker, day=TODAY, **change), field)
    assert says in message
    assert (Feedback.objects.count(), ConsentChange.objects.count()) == before


def test_a_person_the_worker_may_not_see_is_refused_as_if_unknown(support_worker, police_only):
    message = refused(lambda: record(support_worker, person=police_only), "person")
    assert "Choose a person you can see" in message
    assert not Feedback.objects.filter(person=police_only).exists()


@pytest.mark.parametrize("persona", ["partnership_manager", "police_analyst"])
def test_roles_that_do_not_hear_people_do_not_record_feedback(persona, request):
    user = request.getfixturevalue(persona)
    assert "record feedback" in refused(lambda: record(user), "agency")


# ---------------------------------------------------------------- tagging
def test_tagging_replaces_the_themes_and_records_who_and_when(support_worker, colleague):
    feedback = record(support_worker, themes=["being_believed"], sentiment="")
    with on(TODAY):
        services.feedback_tag(
            actor=colleague,
            feedback=feedback,
            themes=["waiting_for_therapy", "told_what_happens_next"],
            sentiment="negative",
        )
    feedback.refresh_from_db()
    assert set(feedback.theme_tags.values_list("theme", flat=True)) == {
        "waiting_for_therapy",
        "told_what_happens_next",
    }
    assert feedback.sentiment == "negative" and feedback.tagged_by == colleague
    assert last_event("voice.feedback.tag").detail["removed"] == ["being_believed"]
    with on(TODAY):
        message = refused(
            lambda: services.feedback_tag(
                actor=colleague, feedback=feedback, themes=["no_such_theme"], sentiment=""
            ),
            "themes",
        )
    assert "is not a theme" in message
    assert feedback.theme_tags.count() == 2


def test_another_agency_cannot_tag_it(support_worker, other_agency_worker):
    feedback = record(support_worker)
    with on(TODAY):
        refused(
            lambda: services.feedback_tag(
                actor=other_agency_worker,
                feedback=feedback,
                themes=["police_response"],
                sentiment="",
            ),
            "feedback",
        )
    assert list(feedback.theme_tags.values_list("theme", flat=True)) == ["being_believed"]


# ---------------------------------------------------------------- consent
def test_withdrawing_consent_is_recorded_never_deleted_and_takes_quotes_down(support_worker):
    feedback = record(support_worker, words="The group on Thursdays kept me going.")
    with on(TODAY):
        quote = services.quote_choose(
            actor=support_worker, feedback=feedback, text="The group on Thursdays kept me going."
        )
        services.feedback_consent_withdraw(
            actor=support_worker,
            feedback=feedback,
            uses=[Use.QUOTE_ANONYMISED, Use.PARTNERSHIP_ANONYMISED],
            on=TODAY,
            note="Told me on the phone she has changed her mind",
        )
    feedback.refresh_from_db()
    assert feedback.uses == [Use.SERVICE_LEARNING]
    assert [c.kind for c in feedback.consent_changes.all()] == ["given", "withdrawn"]
    quote.refresh_from_db()
    assert quote.removed_at is not None and "withdrew" in quote.removed_reason
    change = feedback.consent_changes.last()
    with pytest.raises(ValueError, match="never deleted"):
        change.delete()
    with pytest.raises(ValueError, match="never altered"):
        change.save()
    # Withdrawing what is already withdrawn says so; agreeing again is recorded too.
    with on(TODAY):
        message = refused(
            lambda: services.feedback_consent_withdraw(
                actor=support_worker, feedback=feedback, uses=[Use.QUOTE_ANONYMISED], on=TODAY
            ),
            "consent",
        )
        assert "nothing to withdraw" in message
        services.feedback_consent_give(
            actor=support_worker, feedback=feedback, uses=[Use.PARTNERSHIP_ANONYMISED], on=TODAY
        )
    assert Feedback.objects.get(pk=feedback.pk).consent_partnership
    assert feedback.consent_changes.count() == 3


def test_a_consent_change_cannot_be_dated_before_the_feedback(support_worker):
    feedback = record(support_worker)
    with on(TODAY):
        message = refused(
            lambda: services.feedback_consent_withdraw(
                actor=support_worker,
                feedback=feedback,
                uses=[Use.SERVICE_LEARNING],
                on=feedback.given_on - dt.timedelta(days=3),
            ),
            "on",
        )
    assert "the day they gave it" in message
    assert Feedback.objects.get(pk=feedback.pk).consent_service_learning


# ---------------------------------------------------------------- quotes
WORDS = (
    "When I told the police about the flat on Mercer Street they wrote it down and "
    "nothing happened. Maisie from the group said her officer rang back every week."
)


def test_a_quote_is_their_own_words_naming_no_one(support_worker, survivor):
    feedback = record(support_worker, words=WORDS, person=survivor)
    with on(TODAY):
        quote = services.quote_choose(
            actor=support_worker,
            feedback=feedback,
            text="When I told the police [...] they wrote it down and nothing happened.",
        )
        assert quote.text.startswith("When I told the police")
        not_theirs = refused(
            lambda: services.quote_choose(
                actor=support_worker, feedback=feedback, text="The police were brilliant."
            ),
            "text",
        )
        assert "not their words" in not_theirs
        named = refused(
            lambda: services.quote_choose(
                actor=support_worker,
                feedback=feedback,
                text="Maisie from the group said her officer rang back every week.",
            ),
            "text",
        )
        assert "names no one" in named
        services.quote_choose(
            actor=support_worker,
            feedback=feedback,
            text="[name] from the group said her officer rang back every week.",
        )
    assert Quote.objects.filter(feedback=feedback, removed_at__isnull=True).count() == 2


def test_quoting_without_consent_is_refused_naming_consent(support_worker):
    feedback = record(support_worker, consent=[Use.PARTNERSHIP_ANONYMISED])
    with on(TODAY):
        message = refused(
            lambda: services.quote_choose(
                actor=support_worker, feedback=feedback, text="They believed me this time."
            ),
            "consent",
        )
    assert message == "The giver did not agree to their words being quoted, without their name"
    assert not Quote.objects.exists()


# ---------------------------------------------------------------- actions
def action(actor, **extra):
    fields = {
        "title": "Therapy waiting list cut to twelve weeks",
        "you_said": "Survivors waited months for counselling with nothing in between.",
        "we_did": "The partnership funded two more counsellors and a weekly drop-in.",
        "agreed_on": TODAY - dt.timedelta(days=20),
        "lead_body": "Kestrelford Safeguarding Partnership board",
        "themes": ["waiting_for_therapy"],
    }
    fields.update(extra)
    with on(TODAY):
        return services.action_create(actor=actor, **fields)


def test_the_partnership_manager_records_a_board_action_on_themes(partnership_manager):
    made = action(partnership_manager)
    assert made.lead == "Kestrelford Safeguarding Partnership board"
    assert made.themes == ["waiting_for_therapy"] and made.status == ActionStatus.AGREED
    assert last_event("voice.action.create").action == "collection"


def test_an_action_with_no_feedback_or_theme_behind_it_is_refused(partnership_manager):
    message = refused(lambda: action(partnership_manager, themes=[]), "themes")
    assert "choose its themes or its feedback" in message
    assert not PartnershipAction.objects.exists()


def test_an_agency_links_its_own_feedback_only_with_consent(support_worker, survivor):
    harbour = Agency.objects.get(code=HARBOUR)
    agreed = record(support_worker, person=survivor)
    private = record(support_worker, consent=[Use.SERVICE_LEARNING])
    made = action(support_worker, lead_body="", lead_agency=harbour, themes=[], feedback=[agreed])
    assert list(made.feedback.all()) == [agreed]
    assert last_event("voice.action.create").action == "combination"
    with on(TODAY):
        message = refused(
            lambda: services.action_link(actor=support_worker, action=made, feedback=private),
            "consent",
        )
    assert "did not agree to it being counted, without their name" in message
    # Withdrawn consent says it was withdrawn, and the link is refused from then on.
    with on(TODAY):
        services.feedback_consent_withdraw(
            actor=support_worker, feedback=private, uses=[Use.SERVICE_LEARNING], on=TODAY
        )
        services.feedback_consent_give(
            actor=support_worker, feedback=private, uses=[Use.PARTNERSHIP_ANONYMISED], on=TODAY
        )
        services.feedback_consent_withdraw(
            actor=support_worker, feedback=private, uses=[Use.PARTNERSHIP_ANONYMISED], on=TODAY
        )
        message = refused(
            lambda: services.action_link(actor=support_worker, action=made, feedback=private),
            "consent",
        )
    assert message.startswith("The giver withdrew their agreement to it being counted")
    assert ActionFeedback.objects.filter(action=made).count() == 1


def test_a_worker_cannot_link_another_agencys_feedback_or_lead_for_another_agency(
    support_worker, other_agency_worker, partnership_manager
):
    theirs = record(support_worker)
    made = action(partnership_manager)
    with on(TODAY):
        refused(
            lambda: services.action_link(actor=other_agency_worker, action=made, feedback=theirs),
            "feedback",
        )
    harbour = Agency.objects.get(code=HARBOUR)
    message = refused(
        lambda: action(other_agency_worker, lead_body="", lead_agency=harbour), "lead_agency"
    )
    assert "You record actions that" in message
    assert refused(lambda: action(partnership_manager, lead_agency=harbour), "lead")


def test_an_action_moves_on_and_done_needs_its_day(partnership_manager, support_worker):
    made = action(partnership_manager)
    with on(TODAY):
        refused(
            lambda: services.action_status(actor=support_worker, action=made, status="done"),
            "action",
        )
        refused(
            lambda: services.action_status(actor=partnership_manager, action=made, status="done"),
            "done_on",
        )
        early = made.agreed_on - dt.timedelta(days=1)
        assert "the day it was agreed" in refused(
            lambda: services.action_status(
                actor=partnership_manager, action=made, status="done", done_on=early
            ),
            "done_on",
        )
        services.action_status(actor=partnership_manager, action=made, status="under_way")
        services.action_status(actor=partnership_manager, action=made, status="done", done_on=TODAY)
        assert "done already" in refused(
            lambda: services.action_status(
                actor=partnership_manager, action=made, status="stopped", note="x"
            ),
            "status",
        )
    made.refresh_from_db()
    assert made.status == ActionStatus.DONE and made.done_on == TODAY
