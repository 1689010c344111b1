"""Reading feedback and the partnership's view: who reads what, what is counted, what is
quoted, and that every read of someone's feedback is audited naming them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.access.models import AccessBasis
from lantern.audit.models import AuditEvent, AuditSubject
from lantern.people.models import Sensitivity
from lantern.voice import selectors, services
from lantern.voice.models import Feedback, GiverKind, Use

from .conftest import TODAY, on, record

pytestmark = pytest.mark.django_db

Q2 = dt.date(2026, 8, 14)  # July to September 2026


def dpo():
    return get_user_model().objects.get(username="dpo")


def allocate(user, person):
    """Allocate the person to the user (so the user may see her; her colleagues may not)."""
    AccessBasis.objects.create(
        person=person,
        kind="allocated_worker",
        user=user,
        reason="Allocated: survivor support",
        starts_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )


def subjects_of(operation: str) -> set[tuple[str, str]]:
    event = AuditEvent.objects.filter(operation=operation).order_by("-pk").first()
    assert event is not None, f"no {operation} event"
    return set(AuditSubject.objects.filter(event=event).values_list("record_type", "record_id"))


# ---------------------------------------------------------------- who reads feedback
def test_the_agency_reads_its_feedback_and_no_other_agency_or_role_does(
    support_worker, colleague, other_agency_worker, partnership_manager, survivor
):
    named = record(support_worker, person=survivor)
    unnamed = record(support_worker, words="The drop-in is the best thing.")
    with on(TODAY):
        assert {f.pk for f in selectors.feedback_visible_to(colleague)} >= {named.pk, unnamed.pk}
        for outsider in (other_agency_worker, partnership_manager, dpo()):
            assert (
                not selectors.feedback_visible_to(outsider)
                .filter(pk__in=[named.pk, unnamed.pk])
                .exists()
            )
            with pytest.raises(Feedback.DoesNotExist):
                selectors.feedback_get(user=outsider, pk=named.pk)


def test_a_named_persons_feedback_stays_with_those_who_may_see_her(
    support_worker, colleague, police_only
):
    """Allocated to Aisha only: her colleague at the same agency may not see the woman, so
    may not read what she said either."""
    allocate(support_worker, police_only)
    with on(TODAY):
        feedback = record(support_worker, person=police_only)
        assert selectors.feedback_get(user=support_worker, pk=feedback.pk) == feedback
        assert not selectors.feedback_visible_to(colleague).filter(pk=feedback.pk).exists()
        with pytest.raises(Feedback.DoesNotExist):
            selectors.feedback_get(user=colleague, pk=feedback.pk)


def test_reading_feedback_is_audited_naming_the_feedback_and_the_person(support_worker, survivor):
    feedback = record(support_worker, person=survivor)
    with on(TODAY):
        selectors.feedback_get(user=support_worker, pk=feedback.pk)
    named = subjects_of("voice.feedback.view")
    assert ("voice.feedback", str(feedback.pk)) in named
    assert ("people.person", str(survivor.pk)) in named
    with on(TODAY):
        _page, items, total = selectors.feedback_page(user=support_worker)
    assert feedback in items and total >= 1
    listed = subjects_of("voice.feedback.list")
    assert {("voice.feedback", str(i.pk)) for i in items} <= listed
    assert ("people.person", str(survivor.pk)) in listed


def test_the_list_filters_by_theme_kind_and_consent(support_worker):
    believed = record(support_worker, themes=["being_believed"])
    waiting = record(
        support_worker,
        themes=["waiting_for_therapy"],
        giver_kind=GiverKind.PARENT_CARER,
        consent=[Use.SERVICE_LEARNING],
    )
    with on(TODAY):

        def shown(**filters):
            found = selectors.feedback_page(
                user=support_worker, filters=selectors.FeedbackFilters(**filters)
            )[1]
            return {f.pk for f in found}

        assert shown(theme="waiting_for_therapy") == {waiting.pk}
        assert shown(giver_kind=GiverKind.PARENT_CARER) == {waiting.pk}
        assert believed.pk in shown(use=Use.QUOTE_ANONYMISED)
        assert waiting.pk not in shown(use=Use.QUOTE_ANONYMISED)


# ---------------------------------------------------------------- a person's own feedback
def test_her_own_feedback_for_her_subject_access_pack(
    support_worker, other_agency_worker, team_manager, survivor
):
    ours = record(support_worker, words="Harbour kept going when nobody else did.", person=survivor)
    with on(TODAY):
        services.feedback_consent_withdraw(
            actor=support_worker, feedback=ours, uses=[Use.QUOTE_ANONYMISED], on=TODAY
        )
        found = selectors.feedback_for_person(user=dpo(), person=survivor)
    assert [f.pk for f in found] == [ours.pk]
    item = found[0]
    assert item.words == "Harbour kept going when nobody else did."
    assert item.agency == "Harbour Survivors' Service" and item.recorded_by == "Aisha Rahman"
    assert item.themes == ["Being believed"]
    assert item.consent_history[0].startswith("Agreed on 12 October 2026")
    assert item.consent_history[1].startswith("Withdrew on 2 November 2026")
    assert ("people.person", str(survivor.pk)) in subjects_of("voice.feedback.person")
    event = AuditEvent.objects.filter(operation="voice.feedback.person").latest("pk")
    assert event.purpose.startswith("Subject access request")
    # A worker of another agency reads none of it, and nothing is recorded as read.
    before = AuditEvent.objects.filter(operation="voice.feedback.person").count()
    with on(TODAY):
        assert selectors.feedback_for_person(user=other_agency_worker, person=survivor) == []
        assert selectors.feedback_for_person(user=team_manager, person=survivor) == []
    assert AuditEvent.objects.filter(operation="voice.feedback.person").count() == before


# ---------------------------------------------------------------- the partnership's view
def believed_cell(user) -> int | None:
    with on(TODAY):
        view = selectors.partnership_view(user=user, year=2026).view
    return view.by_theme.shown(("cell", "being_believed", "q2")).value


def test_only_consented_feedback_is_counted_and_withdrawal_counts_from_then_on(
    support_worker, partnership_manager, survivor
):
    counted = [record(support_worker, day=Q2) for _ in range(6)]
    record(support_worker, day=Q2, consent=[Use.SERVICE_LEARNING, Use.QUOTE_ANONYMISED])
    sealed = survivor
    sealed.sensitivity = Sensitivity.SEALED
    sealed.save(update_fields=["sensitivity"])
    record(support_worker, day=Q2)  # no person: counted
    assert believed_cell(partnership_manager) == 7
    with on(TODAY):
        services.feedback_consent_withdraw(
            actor=support_worker,
            feedback=counted[0],
            uses=[Use.PARTNERSHIP_ANONYMISED],
            on=TODAY,
        )
    assert believed_cell(partnership_manager) == 6
    for item in counted[1:3]:
        with on(TODAY):
            services.feedback_consent_withdraw(
                actor=support_worker, feedback=item, uses=[Use.PARTNERSHIP_ANONYMISED], on=TODAY
            )
    assert believed_cell(partnership_manager) is None, "4 is hidden"


def test_a_sealed_persons_feedback_is_never_counted(support_worker, partnership_manager, survivor):
    for _ in range(5):
        record(support_worker, day=Q2)
    about_her = record(support_worker, day=Q2, person=survivor)
    assert believed_cell(partnership_manager) == 6
    survivor.sensitivity = Sensitivity.SEALED
    survivor.save(update_fields=["sensitivity"])
    assert believed_cell(partnership_manager) == 5
    assert Feedback.objects.filter(pk=about_her.pk, consent_partnership=True).exists()


def test_sealed_feedback_is_never_counted(support_worker, partnership_manager):
    items = [record(support_worker, day=Q2) for _ in range(6)]
    assert believed_cell(partnership_manager) == 6
    Feedback.objects.filter(pk=items[0].pk).update(sensitivity=Sensitivity.SEALED)
    assert believed_cell(partnership_manager) == 5


def test_quotes_show_only_with_consent_under_a_theme_counted_five_times_and_are_audited(
    support_worker, partnership_manager, survivor
):
    quoted = record(
        support_worker, words="She rang back when she said she would.", day=Q2, person=survivor
    )
    no_quote = record(
        support_worker,
        words="Nobody rang me back at all.",
        day=Q2,
        consent=[Use.PARTNERSHIP_ANONYMISED],
    )
    small = record(
        support_worker, words="The police came quickly.", day=Q2, themes=["police_response"]
    )
    for _ in range(4):
        record(support_worker, day=Q2)
    for _ in range(5):
        record(support_worker, day=Q2, themes=["waiting_for_therapy"])
    with on(TODAY):
        services.quote_choose(
            actor=support_worker, feedback=quoted, text="She rang back when she said she would."
        )
        services.quote_choose(actor=support_worker, feedback=small, text="The police came quickly.")
        found = selectors.partnership_view(user=partnership_manager, year=2026)
    texts = {code: [q.text for q in quotes] for code, quotes in found.quotes.items()}
    assert texts == {"being_believed": ["She rang back when she said she would."]}
    assert found.quotes["being_believed"][0].quarter == "Jul to Sep 2026"
    assert "police_response" not in found.quotes, "a theme counted once quotes nothing"
    assert ("voice.feedback", str(no_quote.pk)) not in subjects_of("voice.partnership.view")
    assert ("voice.feedback", str(quoted.pk)) in subjects_of("voice.partnership.view")


def test_a_quote_about_two_themes_is_shown_once_naming_the_other(
    support_worker, partnership_manager
):
    both = ["being_believed", "continuity_of_worker"]
    quoted = record(support_worker, words="The same worker, and she believed me.", day=Q2,
                    themes=both)  # fmt: skip
    for _ in range(5):
        record(support_worker, day=Q2, themes=both)
    with on(TODAY):
        services.quote_choose(actor=support_worker, feedback=quoted, text="she believed me.")
        found = selectors.partnership_view(user=partnership_manager, year=2026)
    for code in both:
        assert found.view.theme_total(code).value == 6, "both themes are counted and shown"
    shown = [(code, q) for code, quotes in found.quotes.items() for q in quotes]
    assert [(code, q.text) for code, q in shown] == [("being_believed", "she believed me.")]
    assert shown[0][1].also == ("Continuity of worker",)


def test_the_partnership_view_of_a_year_with_nothing_in_it(partnership_manager):
    with on(TODAY):
        found = selectors.partnership_view(user=partnership_manager, year=2019)
    assert found.view.label == "April 2019 to March 2020"
    assert found.view.feedback_total.value == 0 and found.quotes == {}
    assert [c for c, _ in found.view.columns] == ["q1", "q2", "q3", "q4"]


# ---------------------------------------------------------------- you said, we did
def test_an_action_is_traced_to_its_feedback_for_each_reader(
    support_worker, other_agency_worker, partnership_manager
):
    from lantern.partners.models import Agency

    items = [
        record(support_worker, words=f"Point {n}: the same worker all year.") for n in range(5)
    ]
    with on(TODAY):
        services.quote_choose(
            actor=support_worker, feedback=items[0], text="the same worker all year."
        )
        made = services.action_create(
            actor=support_worker,
            title="One named worker",
            you_said="People had to repeat their story.",
            we_did="A named worker from the start.",
            agreed_on=TODAY,
            lead_agency=Agency.objects.get(code="harbour-survivors"),
            feedback=items,
        )
        seen_by = {
            "manager": selectors.action_get(user=partnership_manager, pk=made.pk),
            "harbour": selectors.action_get(user=support_worker, pk=made.pk),
            "council": selectors.action_get(user=other_agency_worker, pk=made.pk),
        }
    for view in seen_by.values():
        assert view.feedback.value == 5
        assert [q.text for q in view.quotes] == ["the same worker all year."]
    assert seen_by["manager"].own_items == [] and seen_by["council"].own_items == []
    assert {f.pk for f in seen_by["harbour"].own_items} == {f.pk for f in items}
    # One withdrawal and the count falls below five: hidden, and the quotes go with it.
    with on(TODAY):
        services.feedback_consent_withdraw(
            actor=support_worker, feedback=items[4], uses=[Use.PARTNERSHIP_ANONYMISED], on=TODAY
        )
        again = selectors.action_get(user=partnership_manager, pk=made.pk)
        rows = selectors.actions_list(user=partnership_manager)
    assert again.feedback.hidden and again.quotes == []
    assert next(r for r in rows if r.action.pk == made.pk).feedback.hidden
