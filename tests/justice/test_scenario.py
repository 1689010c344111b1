"""A case modelled on a real one, with fictional names: a man charged with three murders,
a rape, false imprisonment and possessing an offensive weapon. He admits all but the
rape at his plea hearing; a jury convicts him of the rape; his sentencing hearing is set
for the next week. The timeline, each count's outcome, and the Victims' Code tasks owed
to the bereaved (each entitled to the enhanced service) must all be right."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lantern.justice import selectors, services
from lantern.justice.models import HearingKind, VictimDuty
from lantern.timescales.models import Deadline

from .conftest import known_to_police, on

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

ARRESTED = dt.date(2026, 7, 10)  # Friday
CHARGED = dt.date(2026, 7, 11)  # Saturday
FIRST_APPEARANCE = dt.date(2026, 7, 13)  # Monday
PLEA_HEARING = dt.date(2026, 7, 24)
TRIAL = dt.date(2026, 10, 20)
VERDICT = dt.date(2026, 10, 28)  # Wednesday
SENTENCING = dt.date(2026, 11, 5)  # the next week


def due_local(duty: VictimDuty) -> dt.datetime:
    deadline = Deadline.objects.get(subject_id=duty.pk, rule="victims_code_enhanced")
    return deadline.due_at.astimezone(LONDON).replace(tzinfo=None)


def test_the_case_from_arrest_to_a_sentencing_hearing_set(police_officer, operation):
    with on(ARRESTED):
        defendant_person = known_to_police("Garrick", "Vennard", dt.date(1998, 3, 2), "M")
        mother = known_to_police("Maureen", "Ashdown", dt.date(1964, 5, 1))  # bereaved family
        investigation = services.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="HW-2026-014",
            title="Three women killed at a house in Kestrelford",
            opened_on=ARRESTED,
        )
        defendant = services.suspect_add(
            actor=police_officer,
            investigation=investigation,
            person=defendant_person,
            added_on=ARRESTED,
        )
        family = services.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=mother,
            identified_on=ARRESTED,
            enhanced_rights=True,
            engaged_on=ARRESTED,
        )
        services.arrest_record(
            actor=police_officer, suspect=defendant, arrested_on=ARRESTED, offences=["murder"]
        )
    arrest_duty = VictimDuty.objects.get(victim=family, duty="told_of_arrest")
    # Told within one working day: Friday afternoon's arrest, by Monday afternoon.
    assert due_local(arrest_duty) == dt.datetime(2026, 7, 13, 15, 0)
    with on(ARRESTED, 18):
        services.duty_done(
            actor=police_officer,
            duty=arrest_duty,
            done_at=dt.datetime(2026, 7, 10, 17, 30, tzinfo=dt.UTC),
            how="Family liaison officer visited",
        )

    with on(CHARGED):
        case = services.court_case_open(
            actor=police_officer,
            defendant=defendant,
            reference_="T20267014",
            court="Kestrelford Crown Court",
        )
        counts = [
            services.CountIn(1, "murder", "Murder of Lorna Ashdown"),
            services.CountIn(2, "murder", "Murder of Celia Ashdown"),
            services.CountIn(3, "murder", "Murder of Hazel Ashdown"),
            services.CountIn(4, "rape", "Rape of Celia Ashdown"),
            services.CountIn(5, "false_imprisonment", "False imprisonment of Celia Ashdown"),
            services.CountIn(6, "offensive_weapon", "A crossbow, in Mill Lane"),
        ]
        services.charges_add(
            actor=police_officer, court_case=case, charged_on=CHARGED, counts=counts
        )
        services.hearing_schedule(
            actor=police_officer,
            court_case=case,
            kind=HearingKind.FIRST_APPEARANCE,
            on=FIRST_APPEARANCE,
            court="Kestrelford Magistrates' Court",
        )
    charge_duty = VictimDuty.objects.get(victim=family, duty="told_of_charge")
    hearing_duty = VictimDuty.objects.get(victim=family, duty="told_of_hearing")
    # A Saturday charge: one working day is Monday, at the same time.
    assert due_local(charge_duty) == dt.datetime(2026, 7, 13, 15, 0)
    assert "6 count(s)" in charge_duty.trigger
    assert hearing_duty.trigger.startswith("First appearance listed for 13 July 2026")
    with on(FIRST_APPEARANCE, 9):
        for duty in (charge_duty, hearing_duty):
            services.duty_done(
                actor=police_officer,
                duty=duty,
                done_at=dt.datetime(2026, 7, 13, 8, 0, tzinfo=dt.UTC),
                how="Telephone call to Mrs Ashdown",
            )

    with on(PLEA_HEARING):
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.PLEA, on=PLEA_HEARING
        )
        for number in (1, 2, 3, 5, 6):
            services.plea_enter(
                actor=police_officer, court_case=case, number=number, plea="guilty", on=PLEA_HEARING
            )
        services.plea_enter(
            actor=police_officer, court_case=case, number=4, plea="not_guilty", on=PLEA_HEARING
        )
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.TRIAL, on=TRIAL
        )
    # The plea hearing's duty was still open when the trial was listed: one task, not two.
    assert (
        VictimDuty.objects.filter(
            victim=family, duty="told_of_hearing", done_at__isnull=True
        ).count()
        == 1
    )

    with on(VERDICT):
        services.verdict_record(
            actor=police_officer,
            court_case=case,
            number=4,
            verdict="guilty",
            on=VERDICT,
            unanimous=True,
        )
        services.hearing_schedule(
            actor=police_officer, court_case=case, kind=HearingKind.SENTENCING, on=SENTENCING
        )

    with on(VERDICT + dt.timedelta(days=1)):
        view = selectors.case_view(user=police_officer, pk=case.pk)
    outcomes = {c.charge.number: c.outcome for c in view.counts}
    for number in (1, 2, 3, 5, 6):
        assert outcomes[number] == "Convicted: pleaded guilty on 24 July 2026"
    assert outcomes[4] == "Convicted: found guilty unanimously on 28 October 2026"
    assert [c.offence for c in view.counts] == [
        "Murder",
        "Murder",
        "Murder",
        "Rape",
        "False imprisonment",
        "Possessing an offensive weapon in a public place",
    ]
    assert all(c.sentence == "" for c in view.counts) and view.effective == ""
    assert [(e.on, e.what, e.counts) for e in view.timeline] == [
        (CHARGED, "Charged", [1, 2, 3, 4, 5, 6]),
        (FIRST_APPEARANCE, "First appearance at Kestrelford Magistrates' Court", []),
        (PLEA_HEARING, "Plea hearing at Kestrelford Crown Court", []),
        (PLEA_HEARING, "Pleaded guilty", [1, 2, 3, 5, 6]),
        (PLEA_HEARING, "Pleaded not guilty", [4]),
        (TRIAL, "Trial at Kestrelford Crown Court", []),
        (VERDICT, "Verdict: guilty", [4]),
        (SENTENCING, "Sentencing at Kestrelford Crown Court (listed)", []),
    ]
    # The family's tasks: arrest, charge and first appearance done; the trial's listing and
    # the verdict to tell, each by the next working day after it happened.
    open_duties = {d.duty: d for d in view.duties if d.done_at is None}
    assert set(open_duties) == {"told_of_hearing", "told_of_verdict"}
    assert due_local(open_duties["told_of_verdict"]) == dt.datetime(2026, 10, 29, 14, 0)
    assert due_local(open_duties["told_of_hearing"]) == dt.datetime(2026, 7, 27, 15, 0)
    done = [d.duty for d in view.duties if d.done_at is not None]
    assert sorted(done) == ["told_of_arrest", "told_of_charge", "told_of_hearing"]


def test_an_overdue_duty_is_escalated_to_whoever_owns_it(police_officer, operation):
    """The police team has no manager in the demo partnership: the officer who recorded the
    arrest is told it is overdue, once."""
    from lantern.access.models import Notification
    from lantern.timescales.services import deadlines_escalate

    with on(ARRESTED):
        investigation = services.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="HW-2026-015",
            title="An assault",
            opened_on=ARRESTED,
        )
        suspect = services.suspect_add(
            actor=police_officer,
            investigation=investigation,
            person=known_to_police("Tobias", "Quarrie", dt.date(1990, 1, 1), "M"),
            added_on=ARRESTED,
        )
        services.victim_add(
            actor=police_officer,
            investigation=investigation,
            person=known_to_police("Nell", "Brightwater", dt.date(1995, 2, 2)),
            identified_on=ARRESTED,
            enhanced_rights=False,
        )
        services.arrest_record(
            actor=police_officer, suspect=suspect, arrested_on=ARRESTED, offences=["assault_abh"]
        )
    # Five working days from Friday 10 July: Friday 17 July, 15:00.
    with on(dt.date(2026, 7, 17), 13):
        assert deadlines_escalate() == 0
    with on(dt.date(2026, 7, 17), 15):
        assert deadlines_escalate() == 1
        assert deadlines_escalate() == 0
    told = Notification.objects.filter(recipient=police_officer, message__startswith="Overdue")
    assert told.count() == 1
    assert "Tell the victim" in told.get().message
