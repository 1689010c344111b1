"""Bad input to the court record is refused, with a reason naming the field, and nothing
is half-saved: no row added or changed, no Victims' Code task or deadline opened, and no
audit event for the write that did not happen.

The case: Ralph Tenby (fictional) is charged with six counts on 2 February 2026. At the
plea hearing on 2 March he admits counts 1 and 5, denies 2, 4 and 6, and says nothing yet
to count 3. On 15 May the jury acquits him on count 2 and convicts him on count 4; it is
still out on count 6. A co-defendant's case holds counts 1 and 9, so "count 9" exists,
but not in Tenby's case.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from lantern.audit.models import AuditEvent
from lantern.justice import services
from lantern.justice.models import (
    Arrest,
    Charge,
    CourtCase,
    Hearing,
    Investigation,
    Operation,
    Sentence,
    Suspect,
    Victim,
    VictimDuty,
)
from lantern.justice.services import CountIn, SentenceIn
from lantern.timescales.models import Deadline

from .conftest import known_to_police, on

pytestmark = pytest.mark.django_db

D = dt.date
OPENED = D(2026, 1, 6)
CHARGED = D(2026, 2, 2)
FIRST_APPEARANCE = D(2026, 2, 3)
PLEA_HEARING = D(2026, 3, 2)
TRIAL = D(2026, 5, 11)
VERDICTS = D(2026, 5, 15)
TODAY = D(2026, 6, 1)


# ---------------------------------------------------------------- nothing half-saved
def state() -> dict:
    """Everything a refused write could have touched."""
    return {
        "rows": {
            model.__name__: model.objects.count()
            for model in (
                Operation,
                Investigation,
                Suspect,
                Victim,
                Arrest,
                CourtCase,
                Charge,
                Hearing,
                Sentence,
                VictimDuty,
                Deadline,
                AuditEvent,
            )
        },
        "counts": list(
            Charge.objects.order_by("pk").values_list(
                "pk", "plea", "plea_on", "verdict", "verdict_on", "unanimous", "majority"
            )
        ),
        "sentences": list(
            Sentence.objects.order_by("pk").values_list(
                "pk", "kind", "term_months", "minimum_term_months", "consecutive_to_id"
            )
        ),
        "victims": list(
            Victim.objects.order_by("pk").values_list("pk", "engaged_on", "disengaged_on")
        ),
        "investigations": list(
            Investigation.objects.order_by("pk").values_list("pk", "status", "closed_on")
        ),
    }


def refused(field: str, call, says: str = "") -> str:
    """Run `call` on TODAY; it must be refused naming `field` (and saying `says`), and
    leave everything as it was. Returns the message."""
    before = state()
    with on(TODAY), pytest.raises(ValidationError) as caught:
        call()
    errors = caught.value.message_dict
    assert list(errors) == [field], errors
    message = errors[field][0]
    assert says in message, message
    assert state() == before
    return message


# ---------------------------------------------------------------- the case
@pytest.fixture
def court(police_officer, operation):
    officer = police_officer
    with on(VERDICTS + dt.timedelta(days=1)):
        investigation = services.investigation_open(
            actor=officer,
            operation=operation,
            reference_="HW-2026-101",
            title="A girl held at a flat above a shop",
            opened_on=OPENED,
        )
        tenby = services.suspect_add(
            actor=officer,
            investigation=investigation,
            person=known_to_police("Ralph", "Tenby", D(1983, 5, 5), "M"),
            added_on=OPENED,
        )
        pryor = services.suspect_add(
            actor=officer,
            investigation=investigation,
            person=known_to_police("Silas", "Pryor", D(1987, 8, 8), "M"),
            added_on=OPENED,
        )
        victim = services.victim_add(
            actor=officer,
            investigation=investigation,
            person=known_to_police("Tamsin", "Vale", D(2009, 9, 9)),
            identified_on=OPENED,
            enhanced_rights=True,
            engaged_on=OPENED,
        )
        services.arrest_record(
            actor=officer, suspect=tenby, arrested_on=D(2026, 1, 20), offences=["rape"]
        )
        case = services.court_case_open(
            actor=officer, defendant=tenby, reference_="T20260201", court="Kestrelford Crown Court"
        )
        services.charges_add(
            actor=officer,
            court_case=case,
            charged_on=CHARGED,
            counts=[
                CountIn(1, "rape"),
                CountIn(2, "false_imprisonment"),
                CountIn(3, "kidnapping"),
                CountIn(4, "assault_abh"),
                CountIn(5, "threats_to_kill"),
                CountIn(6, "controlling_coercive_behaviour"),
            ],
        )
        other = services.court_case_open(
            actor=officer, defendant=pryor, reference_="T20260202", court="Kestrelford Crown Court"
        )
        services.charges_add(
            actor=officer,
            court_case=other,
            charged_on=CHARGED,
            counts=[CountIn(1, "supply_class_a"), CountIn(9, "offensive_weapon")],
        )
        for kind, day in [
            ("first_appearance", FIRST_APPEARANCE),
            ("plea", PLEA_HEARING),
            ("trial", TRIAL),
        ]:
            services.hearing_schedule(actor=officer, court_case=case, kind=kind, on=day)
        for number, plea in [
            (1, "guilty"),
            (5, "guilty"),
            (2, "not_guilty"),
            (4, "not_guilty"),
            (6, "not_guilty"),
        ]:
            services.plea_enter(
                actor=officer, court_case=case, number=number, plea=plea, on=PLEA_HEARING
            )
        services.verdict_record(
            actor=officer,
            court_case=case,
            number=2,
            verdict="not_guilty",
            on=VERDICTS,
            unanimous=True,
        )
        services.verdict_record(
            actor=officer,
            court_case=case,
            number=4,
            verdict="guilty",
            on=VERDICTS,
            unanimous=True,
        )
    return SimpleNamespace(
        officer=officer,
        operation=operation,
        investigation=investigation,
        tenby=tenby,
        victim=victim,
        case=case,
        other=other,
    )


def sentence(court, *items, on_day=TODAY):
    return lambda: services.sentence_pass(
        actor=court.officer, court_case=court.case, sentenced_on=on_day, sentences=list(items)
    )


def plea(court, number, plea_, day, case=None):
    return lambda: services.plea_enter(
        actor=court.officer, court_case=case or court.case, number=number, plea=plea_, on=day
    )


def verdict(court, number, verdict_, day=TODAY, unanimous=True, majority=""):
    return lambda: services.verdict_record(
        actor=court.officer,
        court_case=court.case,
        number=number,
        verdict=verdict_,
        on=day,
        unanimous=unanimous,
        majority=majority,
    )


def hearing(court, kind, day):
    return lambda: services.hearing_schedule(
        actor=court.officer, court_case=court.case, kind=kind, on=day
    )


# ---------------------------------------------------------------- pleas and verdicts
def test_a_verdict_on_a_count_he_admitted(court):
    refused("verdict", verdict(court, 1, "not_guilty"), says="Count 1 has a guilty plea")


def test_a_verdict_on_a_count_with_no_plea(court):
    refused("verdict", verdict(court, 3, "guilty"), says="Count 3 has no plea yet")


def test_a_second_verdict_on_a_count_already_decided(court):
    refused("verdict", verdict(court, 2, "guilty"), says="Count 2 already has a verdict")


def test_a_plea_to_a_count_of_another_case(court):
    # Count 9 exists, in the co-defendant's case only.
    assert court.other.charges.filter(number=9).exists()
    message = refused("count", plea(court, 9, "guilty", TODAY), says="Count 9 is not a count")
    assert "T20260201" in message


def test_a_plea_to_a_count_that_is_nowhere(court):
    refused("count", plea(court, 77, "guilty", TODAY), says="Count 77 is not a count")


def test_a_plea_withdrawn_after_a_guilty_plea(court):
    refused("plea", plea(court, 1, "not_guilty", TODAY), says="already has a guilty plea")


def test_a_plea_after_the_verdict(court):
    refused("plea", plea(court, 4, "guilty", TODAY), says="already has a verdict")


def test_a_conviction_dated_before_the_charge(court):
    # A guilty plea to count 3, dated the week before he was charged.
    refused("on", plea(court, 3, "guilty", CHARGED - dt.timedelta(days=7)), says="the charge")


def test_a_verdict_dated_before_the_not_guilty_plea(court):
    refused(
        "on",
        verdict(court, 6, "guilty", PLEA_HEARING - dt.timedelta(days=1)),
        says="the not guilty plea",
    )


def test_a_change_of_plea_dated_before_the_first_plea(court):
    refused("on", plea(court, 6, "guilty", PLEA_HEARING - dt.timedelta(days=1)), says="first plea")


def test_a_plea_that_is_not_a_plea(court):
    refused("plea", plea(court, 3, "maybe", TODAY), says="guilty or not guilty")


@pytest.mark.parametrize(
    ("unanimous", "majority", "field"),
    [
        (False, "8-4", "majority"),  # eight of twelve is no majority the law accepts
        (False, "12-0", "majority"),  # that is unanimous
        (False, "", "majority"),
        (False, "ten to two", "majority"),
        (True, "11-1", "majority"),  # unanimous, and by a majority?
        (None, "", "unanimous"),
    ],
)
def test_a_majority_verdict_with_a_bad_majority(court, unanimous, majority, field):
    refused(field, verdict(court, 6, "guilty", unanimous=unanimous, majority=majority))


@pytest.mark.parametrize("majority", ["11-1", "10-2", "10-1", "9-1"])
def test_the_majorities_the_law_accepts(court, majority):
    with on(TODAY):
        count = verdict(court, 6, "guilty", unanimous=False, majority=majority)()
    assert (count.verdict, count.unanimous, count.majority) == ("guilty", False, majority)


@pytest.mark.parametrize("majority", ["9-3", "9-2", "10-3", "11-2", "11-3"])
def test_majorities_no_jury_can_return_are_refused(court, majority):
    """Juries Act 1974 s17: ten of eleven or twelve (11-1, 10-2, 10-1), or nine of ten
    (9-1). 9-3 would be nine of twelve; 11-2, thirteen jurors. (The pattern once accepted
    any of 9, 10 or 11 for and 1 to 3 against.)"""
    refused("majority", verdict(court, 6, "guilty", unanimous=False, majority=majority))


# ---------------------------------------------------------------- sentences
def test_a_sentence_on_an_acquitted_count(court):
    refused(
        "sentences[1].number",
        sentence(court, SentenceIn(2, "custody", term_months=24)),
        says="Count 2 was acquitted",
    )


def test_a_sentence_on_a_count_not_yet_decided(court):
    refused(
        "sentences[1].number",
        sentence(court, SentenceIn(6, "custody", term_months=24)),
        says="Count 6 is not convicted",
    )


def test_sentences_passed_partly_valid_save_none_of_them(court):
    # Counts 1, 4 and 5 are convicted; the third sentence is on the acquitted count 2.
    refused(
        "sentences[3].number",
        sentence(
            court,
            SentenceIn(1, "custody", term_months=96),
            SentenceIn(4, "custody", term_months=12, consecutive_to=1),
            SentenceIn(2, "custody", term_months=24),
            SentenceIn(5, "community"),
        ),
    )
    refused(
        "sentences[2].kind",
        sentence(
            court,
            SentenceIn(1, "custody", term_months=96),
            SentenceIn(4, "prison", term_months=12),
        ),
        says="'prison' is not a kind of sentence",
    )
    refused(
        "sentences[2].term_months",
        sentence(court, SentenceIn(1, "life", minimum_term_months=240), SentenceIn(4, "custody")),
    )
    refused(
        "sentences[1].minimum_term_months",
        sentence(court, SentenceIn(1, "life", minimum_term_months=721)),
    )


def test_a_consecutive_sentence_after_a_missing_count(court):
    message = refused(
        "sentences[2].consecutive_to",
        sentence(
            court,
            SentenceIn(1, "custody", term_months=96),
            SentenceIn(4, "custody", term_months=12, consecutive_to=42),
        ),
        says="Count 42 is not a count",
    )
    assert "T20260201" in message


def test_a_consecutive_sentence_after_a_count_with_no_custody(court):
    refused(
        "sentences[1].consecutive_to",
        sentence(
            court,
            SentenceIn(4, "custody", term_months=12, consecutive_to=5),
            SentenceIn(5, "community"),
        ),
        says="Count 5 has no custodial sentence",
    )
    refused(
        "sentences[1].consecutive_to",
        sentence(court, SentenceIn(4, "custody", term_months=12, consecutive_to=3)),
        says="Count 3 has no custodial sentence",
    )


def test_consecutive_sentences_in_a_ring(court):
    refused(
        "sentences",
        sentence(
            court,
            SentenceIn(1, "custody", term_months=96, consecutive_to=5),
            SentenceIn(4, "custody", term_months=12, consecutive_to=1),
            SentenceIn(5, "custody", term_months=6, consecutive_to=4),
        ),
        says="ring",
    )
    refused(
        "sentences",
        sentence(court, SentenceIn(1, "custody", term_months=96, consecutive_to=1)),
        says="ring",
    )


def test_a_ring_closed_through_a_sentence_passed_earlier(court):
    with on(TODAY):
        sentence(court, SentenceIn(1, "custody", term_months=96))()
    # Count 1's sentence stands; 4 after 5 and 5 after 4 is still a ring.
    refused(
        "sentences",
        sentence(
            court,
            SentenceIn(4, "custody", term_months=12, consecutive_to=5),
            SentenceIn(5, "custody", term_months=6, consecutive_to=4),
        ),
        says="ring",
    )
    refused(
        "sentences[1].number",
        sentence(court, SentenceIn(1, "custody", term_months=12)),
        says="Count 1 already has a sentence",
    )


def test_a_sentence_before_the_conviction(court):
    refused(
        "sentenced_on",
        sentence(
            court, SentenceIn(4, "custody", term_months=12), on_day=VERDICTS - dt.timedelta(1)
        ),
        says="the conviction on count 4",
    )


# ---------------------------------------------------------------- hearings
def test_a_trial_dated_before_the_plea_hearing(court):
    refused(
        "on",
        hearing(court, "trial", PLEA_HEARING - dt.timedelta(days=1)),
        says="cannot come before the plea hearing",
    )
    # The co-defendant's case, with no hearings yet: a plea hearing, then a trial before it.
    with on(TODAY):
        services.hearing_schedule(
            actor=court.officer, court_case=court.other, kind="plea", on=D(2026, 3, 10)
        )
    refused(
        "on",
        lambda: services.hearing_schedule(
            actor=court.officer, court_case=court.other, kind="trial", on=D(2026, 3, 9)
        ),
        says="A trial cannot come before the plea hearing on 10 March 2026",
    )


def test_a_first_appearance_after_the_trial(court):
    refused(
        "on",
        hearing(court, "first_appearance", TRIAL + dt.timedelta(days=3)),
        says="A first appearance cannot come after the",
    )
    # The co-defendant's case: his trial is listed first, then a first appearance after it.
    with on(TODAY):
        services.hearing_schedule(
            actor=court.officer, court_case=court.other, kind="trial", on=D(2026, 4, 1)
        )
    refused(
        "on",
        lambda: services.hearing_schedule(
            actor=court.officer,
            court_case=court.other,
            kind="first_appearance",
            on=D(2026, 4, 15),
        ),
        says="A first appearance cannot come after the trial on",
    )


def test_a_hearing_before_the_charge(court):
    refused("on", hearing(court, "first_appearance", CHARGED - dt.timedelta(days=1)))


def test_a_hearing_of_no_known_kind(court):
    refused("kind", hearing(court, "mention", TODAY), says="'mention' is not a kind")


# ---------------------------------------------------------------- offences, dates, people
def test_an_unknown_offence_saves_none_of_the_counts(court):
    refused(
        "counts[2].offence",
        lambda: services.charges_add(
            actor=court.officer,
            court_case=court.case,
            charged_on=TODAY,
            counts=[CountIn(7, "rape"), CountIn(8, "grievous_mischief")],
        ),
        says="'grievous_mischief' is not an offence",
    )
    refused(
        "offences[2]",
        lambda: services.arrest_record(
            actor=court.officer,
            suspect=court.tenby,
            arrested_on=TODAY,
            offences=["rape", "being_suspicious"],
        ),
    )


def test_a_count_number_used_twice(court):
    refused(
        "counts[1].number",
        lambda: services.charges_add(
            actor=court.officer,
            court_case=court.case,
            charged_on=TODAY,
            counts=[CountIn(3, "rape")],
        ),
        says="Count 3 is already in this case",
    )


def test_a_charge_before_the_investigation_opened(court):
    refused(
        "charged_on",
        lambda: services.charges_add(
            actor=court.officer,
            court_case=court.case,
            charged_on=OPENED - dt.timedelta(days=1),
            counts=[CountIn(7, "rape")],
        ),
    )


TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("on", lambda c: plea(c, 3, "guilty", TOMORROW)),
        ("on", lambda c: verdict(c, 6, "guilty", TOMORROW)),
        ("sentenced_on", lambda c: sentence(c, SentenceIn(1, "community"), on_day=TOMORROW)),
        (
            "arrested_on",
            lambda c: (
                lambda: services.arrest_record(
                    actor=c.officer, suspect=c.tenby, arrested_on=TOMORROW, offences=["rape"]
                )
            ),
        ),
        (
            "charged_on",
            lambda c: (
                lambda: services.charges_add(
                    actor=c.officer,
                    court_case=c.case,
                    charged_on=TOMORROW,
                    counts=[CountIn(7, "rape")],
                )
            ),
        ),
        (
            "closed_on",
            lambda c: (
                lambda: services.investigation_close(
                    actor=c.officer,
                    investigation=c.investigation,
                    status="closed",
                    closed_on=TOMORROW,
                    reason="Convicted",
                )
            ),
        ),
        (
            "disengaged_on",
            lambda c: (
                lambda: services.victim_engagement(
                    actor=c.officer, victim=c.victim, disengaged_on=TOMORROW
                )
            ),
        ),
    ],
    ids=["plea", "verdict", "sentence", "arrest", "charge", "close", "disengage"],
)
def test_a_date_in_the_future(court, field, call):
    refused(field, call(court), says="cannot be in the future")


@pytest.mark.parametrize("username", ["social.worker", "nhs.nurse", "police.analyst"])
def test_only_police_who_run_investigations_write_to_them(court, username):
    """The social worker and the nurse are not the police; the analyst reads, never
    writes. Each write is refused and leaves no trace."""
    user = get_user_model().objects.get(username=username)
    refused(
        "investigation",
        lambda: services.plea_enter(
            actor=user, court_case=court.case, number=3, plea="guilty", on=TODAY
        ),
        says="You cannot change this investigation",
    )
    refused(
        "investigation",
        lambda: services.sentence_pass(
            actor=user,
            court_case=court.case,
            sentenced_on=TODAY,
            sentences=[SentenceIn(1, "custody", term_months=12)],
        ),
    )
    refused(
        "investigation",
        lambda: services.verdict_record(
            actor=user,
            court_case=court.case,
            number=6,
            verdict="not_guilty",
            on=TODAY,
            unanimous=True,
        ),
    )
    refused(
        "investigation",
        lambda: services.arrest_record(
            actor=user, suspect=court.tenby, arrested_on=TODAY, offences=["rape"]
        ),
    )
    refused(
        "operation",
        lambda: services.investigation_open(
            actor=user,
            operation=court.operation,
            reference_="HW-2026-999",
            title="Not theirs to open",
            opened_on=TODAY,
        ),
    )
    refused(
        "agency",
        lambda: services.operation_create(
            actor=user, code="op-not-theirs", name="Operation Nettle", started_on=TODAY
        ),
    )


def test_the_refusals_left_the_case_able_to_go_on(court):
    """After every kind of refusal above, the right write still goes through (so the
    refusals were about the input, not a case stuck half-changed)."""
    with on(TODAY):
        services.plea_enter(
            actor=court.officer, court_case=court.case, number=3, plea="guilty", on=TODAY
        )
        made = services.sentence_pass(
            actor=court.officer,
            court_case=court.case,
            sentenced_on=TODAY,
            sentences=[
                SentenceIn(1, "custody", term_months=96),
                SentenceIn(4, "custody", term_months=12, consecutive_to=1),
                SentenceIn(3, "custody", term_months=30),
                SentenceIn(5, "community"),
            ],
        )
    assert [s.charge.number for s in made] == [1, 4, 3, 5]
    event = AuditEvent.objects.filter(operation="justice.sentence.pass").latest("occurred_at")
    assert event.detail["effective_months"] == 108  # 96 then 12; 30 concurrent
