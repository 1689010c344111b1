"""An operation for the demo, made through the services (so it is checked, audited and
opens the victims' duties like any other): the planted exploitation groups of the
synthetic borough investigated, the adults arrested, one man convicted and sentenced, and
another awaiting trial.

Run after the borough and the demo sign-ins exist. Safe to run again: once an operation
exists, it does nothing. Names are the synthetic borough's: nothing here is real.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.people.models import Person
from lantern.synth.models import Scenario, TrueIdentity
from lantern.timescales.rules import LONDON

from . import services
from .models import HearingKind, Operation, VictimDuty
from .services import CountIn, SentenceIn

POLICE = "northmoor-police"


def _people(group: Scenario, role: str) -> list[Person]:
    """The Lantern persons (held by the police) of a planted group's members in a role."""
    individuals = list(group.members.filter(role=role).values_list("individual", flat=True))
    ids = (
        TrueIdentity.objects.filter(
            individual__in=individuals,
            source_record__is_current=True,
            source_record__agency__code=POLICE,
        )
        .values_list("source_record__person", flat=True)
        .distinct()
    )
    return list(Person.objects.filter(pk__in=list(ids), merged_into__isnull=True).order_by("pk"))


def _on(day: dt.date, hour: int = 11):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON))


def justice_seed(*, today: dt.date) -> int:
    """Make the demo's operation as of `today`. Returns how many investigations were made."""
    officer = get_user_model().objects.filter(username="police.officer").first()
    if officer is None or Operation.objects.exists():
        return 0
    groups = list(
        Scenario.objects.filter(kind=Scenario.Kind.EXPLOITATION_GROUP).order_by("code")[:2]
    )
    groups = [g for g in groups if _people(g, "adult") and _people(g, "child")]
    if not groups:
        return 0
    started = today - dt.timedelta(days=420)
    with _on(started):
        operation = services.operation_create(
            actor=officer,
            code="op-harrier",
            name="Operation Harrier",
            started_on=started,
            description="Child sexual exploitation by groups of adults in the borough, "
            "linked through cars, takeaways and hotels.",
        )
    cases = [
        _investigation(officer, operation, group, number, today)
        for number, group in enumerate(groups)
    ]
    # The family liaison has told the victims of everything but the last few weeks.
    for duty in VictimDuty.objects.filter(
        done_at__isnull=True, triggered_at__lt=clock.now() - dt.timedelta(days=21)
    ).select_related("victim__investigation"):
        with _on(today):
            services.duty_done(
                actor=officer,
                duty=duty,
                done_at=duty.triggered_at + dt.timedelta(hours=20),
                how="Visited by the victim liaison officer",
            )
    # This week: the second man's trial is listed, and his victims are not told yet.
    if len(cases) > 1:
        with _on(today - dt.timedelta(days=2)):
            services.hearing_schedule(
                actor=officer,
                court_case=cases[1],
                kind=HearingKind.TRIAL,
                on=today + dt.timedelta(days=45),
            )
    return len(groups)


def _investigation(officer, operation, group: Scenario, number: int, today: dt.date):
    adults, children = _people(group, "adult"), _people(group, "child")
    opened = today - dt.timedelta(days=380 - 120 * number)
    with _on(opened):
        investigation = services.investigation_open(
            actor=officer,
            operation=operation,
            reference_=f"HAR-{number + 1:03d}",
            title=f"Children exploited by the adults of {group.title.lower()}",
            opened_on=opened,
        )
        suspects = [
            services.suspect_add(
                actor=officer, investigation=investigation, person=p, added_on=opened
            )
            for p in adults
        ]
        victims = [
            services.victim_add(
                actor=officer,
                investigation=investigation,
                person=child,
                identified_on=opened,
                enhanced_rights=True,  # every child victim has the enhanced service
                engaged_on=opened if i % 3 != 2 else None,
            )
            for i, child in enumerate(children)
        ]
    arrested = opened + dt.timedelta(days=9)
    with _on(arrested):
        for suspect in suspects:
            services.arrest_record(
                actor=officer,
                suspect=suspect,
                arrested_on=arrested,
                offences=["sexual_activity_with_child", "arranging_child_sex_offence"],
            )
    main = suspects[0]
    charged = opened + dt.timedelta(days=40)
    with _on(charged):
        case = services.court_case_open(
            actor=officer,
            defendant=main,
            reference_=f"T2026{7100 + number}",
            court="Kestrelford Crown Court",
        )
        services.charges_add(
            actor=officer,
            court_case=case,
            charged_on=charged,
            counts=[
                CountIn(1, "arranging_child_sex_offence", victim=victims[0]),
                CountIn(2, "sexual_activity_with_child", victim=victims[0]),
                CountIn(3, "sexual_activity_with_child", victim=victims[-1]),
                CountIn(4, "trafficking_sexual_exploitation", victim=victims[-1]),
            ],
        )
        services.hearing_schedule(
            actor=officer,
            court_case=case,
            kind=HearingKind.FIRST_APPEARANCE,
            on=charged + dt.timedelta(days=2),
            court="Kestrelford Magistrates' Court",
        )
        services.bail_set(
            actor=officer,
            suspect=suspects[-1],
            conditions="Not to contact any child named in the investigation; to live and sleep "
            "at his home address; not to enter the town centre after 6pm",
            starts_on=arrested if len(suspects) > 1 else charged,
            expires_on=today + dt.timedelta(days=10),
        )
    plea_day = charged + dt.timedelta(days=30)
    with _on(plea_day):
        services.hearing_schedule(
            actor=officer, court_case=case, kind=HearingKind.PLEA, on=plea_day
        )
        for count in (1, 4):
            services.plea_enter(
                actor=officer, court_case=case, number=count, plea="guilty", on=plea_day
            )
        for count in (2, 3):
            services.plea_enter(
                actor=officer, court_case=case, number=count, plea="not_guilty", on=plea_day
            )
    if number == 0:
        trial = plea_day + dt.timedelta(days=150)
        with _on(trial):
            services.hearing_schedule(
                actor=officer, court_case=case, kind=HearingKind.TRIAL, on=trial
            )
            services.verdict_record(
                actor=officer,
                court_case=case,
                number=2,
                verdict="guilty",
                on=trial,
                unanimous=False,
                majority="10-2",
            )
            services.verdict_record(
                actor=officer,
                court_case=case,
                number=3,
                verdict="not_guilty",
                on=trial,
                unanimous=True,
            )
        sentenced = trial + dt.timedelta(days=35)
        with _on(sentenced):
            services.hearing_schedule(
                actor=officer, court_case=case, kind=HearingKind.SENTENCING, on=sentenced
            )
            services.sentence_pass(
                actor=officer,
                court_case=case,
                sentenced_on=sentenced,
                sentences=[
                    SentenceIn(1, "custody", term_months=96),
                    SentenceIn(2, "custody", term_months=60, consecutive_to=1),
                    SentenceIn(4, "custody", term_months=72),
                ],
            )
    return case
