"""An operation's totals, worked out by hand and checked at several "as at" days.

Operation Blackthorn (fictional) is built through the services, as the police officer:
four investigations (one closed with no further action, one closed after the convictions),
six suspects, eight arrests (one man arrested three times in all), five court cases for four
defendants (one man charged in two investigations), fifteen counts with guilty pleas, not
guilty pleas and then guilty, not guilty and no verdicts; sentences concurrent and
consecutive, one life sentence with a minimum term, a suspended sentence and a community
order; six victims, some engaged and one who withdrew.

Operation Rowan runs beside it, sharing one suspect, and none of it may count in
Blackthorn's totals.

THE WORKING (every figure below comes from this table)

Arrests, by day:
  2024-01-15 Alden Marsh (BT-1)        2024-03-05 Edric Gorse (BT-3)
  2024-01-20 Bram Colter (BT-1)        2024-04-10 Fenton Hale (BT-4)
  2024-02-10 Cyril Dunstan (BT-2)      2024-04-12 Alden Marsh (BT-4)
  2024-02-12 Dorian Fells (BT-2)       2024-05-01 Alden Marsh again (BT-1)

Investigations: BT-1 opened 2024-01-10; BT-2 opened 2024-02-01; BT-3 opened 2024-03-01, no
further action 2024-06-01; BT-4 opened 2024-04-01, closed after the convictions 2025-06-01.

Victims: BT-1 Gwen (identified 2024-01-12, engaged the same day), Hattie (identified
2024-01-12, engaged 2024-02-01, withdrew 2024-12-15); BT-2 Ida (identified 2024-02-05,
engaged 2024-02-20), Joan (identified 2024-08-01, never engaged); BT-3 Kezia (identified
2024-03-02, never engaged); BT-4 Lena (identified 2024-04-02, engaged the same day).

Court cases and counts (plea day, verdict day; "G" guilty, "NG" not guilty):
  C1 Alden Marsh, BT-1, charged 2024-06-03
     1 rape              NG 2024-07-01, guilty (unanimous) 2024-11-20
     2 rape              NG 2024-07-01, guilty (10-2) 2024-11-20
     3 trafficking       G  2024-07-01
     4 false imprisonment NG 2024-07-01, not guilty 2024-11-20
     sentenced 2025-01-10: 1 custody 60m; 2 custody 36m consecutive to 1; 3 custody 24m
     concurrent -> effective max(60 + 36, 24) = 96 months (8 years)
  C2 Bram Colter, BT-1, charged 2024-06-03
     1 sexual activity with a child   G 2024-07-01
     2 sexual communication           G 2024-07-01
     3 supply class A                 NG 2024-07-01, no verdict 2024-12-02 (hung jury)
     sentenced 2025-01-10: 1 suspended 18m; 2 community order -> no custody: 0
  C3 Cyril Dunstan, BT-2, charged 2024-07-01
     1 murder            G  2024-09-02
     2 rape              NG 2024-09-02, guilty (11-1) 2025-02-14
     3 holding in slavery NG 2024-09-02, guilty (unanimous) 2025-02-14
     4 threats to kill   G  2024-09-02
     sentenced 2025-03-21: 1 life, minimum 360m; 2 custody 144m concurrent; 4 custody 36m
     concurrent; 3 custody 120m consecutive to 4 -> max(360, 144, 36 + 120) = 360 months
  C4 Fenton Hale, BT-4, charged 2024-05-20
     1 kidnapping        G  2024-06-17
     2 assault (ABH)     G  2024-06-17
     3 coercive control  NG 2024-06-17, not guilty 2024-10-08
     sentenced 2024-11-15: 1 custody 48m; 2 custody 12m consecutive to 1 -> 60 months
  C5 Alden Marsh again, BT-4, charged 2024-05-20
     1 offensive weapon  G  2024-06-17
     sentenced 2024-11-15: custody 6m -> 6 months
  Dorian Fells (BT-2) and Edric Gorse (BT-3) are never charged.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.justice import selectors, services
from lantern.justice.models import InvestigationStatus, Operation
from lantern.justice.services import CountIn, SentenceIn
from lantern.people.models import Person

from .conftest import known_to_police, on

pytestmark = pytest.mark.django_db

BUILT = dt.date(2026, 1, 5)  # the day everything is recorded (all of it happened before)
D = dt.date


def expected(**figures):
    """A whole Totals row: anything not named is zero."""
    names = [
        "arrests",
        "people_charged",
        "people_convicted",
        "convictions",
        "custodial_months",
        "life_sentences",
        "active_investigations",
        "victims_identified",
        "victims_engaged",
    ]
    return {name: figures.get(name, 0) for name in names}


def figures(totals) -> dict:
    return {name: getattr(totals, name) for name in expected()}


# ---------------------------------------------------------------- the expected totals
# 31 March 2024: before Fenton Hale's and Alden Marsh's later arrests, and before BT-4.
BEFORE_LATER_ARRESTS = D(2024, 3, 31)
EXPECTED_BEFORE_LATER_ARRESTS = expected(
    arrests=5,  # Marsh 01-15, Colter 01-20, Dunstan 02-10, Fells 02-12, Gorse 03-05
    active_investigations=3,  # BT-1, BT-2, BT-3 (its NFA comes 06-01); BT-4 opens 04-01
    victims_identified=4,  # Gwen, Hattie, Ida, Kezia (Joan 08-01, Lena 04-02 come later)
    victims_engaged=3,  # Gwen, Hattie (02-01), Ida (02-20)
)

# 31 October 2024: the pleas are in, no verdict yet but C4's acquittal, nobody sentenced.
BEFORE_SENTENCING = D(2024, 10, 31)
EXPECTED_BEFORE_SENTENCING = expected(
    arrests=8,
    people_charged=4,  # Marsh (two cases, once), Colter, Dunstan, Hale
    # Counts convicted by guilty pleas only: C1 3; C2 1, 2; C3 1, 4; C4 1, 2; C5 1
    convictions=1 + 2 + 2 + 2 + 1,  # = 8
    people_convicted=4,  # Marsh (C1 and C5: one person), Colter, Dunstan, Hale
    active_investigations=3,  # BT-1, BT-2, BT-4 (BT-3: no further action on 06-01)
    victims_identified=6,
    victims_engaged=4,  # Gwen, Hattie, Ida, Lena
)

# 31 December 2024: C1's jury has convicted; C4 and C5 sentenced (11-15); C1, C2 not yet.
MID_SENTENCING = D(2024, 12, 31)
EXPECTED_MID_SENTENCING = expected(
    arrests=8,
    people_charged=4,
    # C1 1, 2, 3 (verdicts 11-20 and the plea); C2 1, 2 (3 hung); C3 1, 4 (its jury: 2025);
    # C4 1, 2 (3 acquitted); C5 1
    convictions=3 + 2 + 2 + 2 + 1,  # = 10
    people_convicted=4,
    custodial_months=60 + 6,  # C4: 48 then 12 consecutive; C5: 6
    active_investigations=3,  # BT-1, BT-2, BT-4
    victims_identified=6,
    victims_engaged=3,  # Hattie withdrew on 12-15
)

# 31 December 2025: everything done.
AT_THE_END = D(2025, 12, 31)
EXPECTED_AT_THE_END = expected(
    arrests=8,
    people_charged=4,
    convictions=3 + 2 + 4 + 2 + 1,  # = 12: C3's jury convicted on counts 2 and 3
    people_convicted=4,  # Marsh, convicted on four counts in two cases, is one person
    # C1 96 (60 + 36 consecutive; 24 concurrent adds nothing)
    # C2 0 (suspended and community: not custody)
    # C3 360 (life minimum; 144 and 36 + 120 concurrent with it)
    # C4 60 (48 + 12) ; C5 6
    custodial_months=96 + 0 + 360 + 60 + 6,  # = 522 months = 43.5 years
    life_sentences=1,
    active_investigations=2,  # BT-1, BT-2 (BT-4 closed 2025-06-01)
    victims_identified=6,
    victims_engaged=3,  # Gwen, Ida, Lena
)

# Operation Rowan (RW-1, opened 2024-02-01): Hollis Quarry arrested 2024-03-01 and Bram
# Colter (also a Blackthorn suspect) 2024-03-02; charged 2024-04-01; guilty pleas
# 2024-05-01; sentenced 2024-06-14: Quarry 1 custody 120m, 2 custody 60m consecutive to 1
# (180); Colter 1 custody 30m. One victim, Nell, engaged.
ROWAN_AT_THE_END = expected(
    arrests=2,
    people_charged=2,
    people_convicted=2,
    convictions=3,
    custodial_months=180 + 30,
    active_investigations=1,
    victims_identified=1,
    victims_engaged=1,
)


# ---------------------------------------------------------------- building it
def _suspect(officer, investigation, person, added_on):
    return services.suspect_add(
        actor=officer, investigation=investigation, person=person, added_on=added_on
    )


def _arrest(officer, suspect, day, *offences):
    services.arrest_record(actor=officer, suspect=suspect, arrested_on=day, offences=offences)


def _case(officer, suspect, reference, charged_on, counts):
    case = services.court_case_open(
        actor=officer, defendant=suspect, reference_=reference, court="Kestrelford Crown Court"
    )
    services.charges_add(
        actor=officer,
        court_case=case,
        charged_on=charged_on,
        counts=[CountIn(n, offence) for n, offence in enumerate(counts, start=1)],
    )
    return case


def _pleas(officer, case, day, guilty=(), not_guilty=()):
    for number in guilty:
        services.plea_enter(actor=officer, court_case=case, number=number, plea="guilty", on=day)
    for number in not_guilty:
        services.plea_enter(
            actor=officer, court_case=case, number=number, plea="not_guilty", on=day
        )


def _verdict(officer, case, number, verdict, day, majority=""):
    services.verdict_record(
        actor=officer,
        court_case=case,
        number=number,
        verdict=verdict,
        on=day,
        unanimous=None if verdict == "no_verdict" else not majority,
        majority=majority,
    )


def _victim(officer, investigation, person, identified_on, engaged_on=None, enhanced=False):
    return services.victim_add(
        actor=officer,
        investigation=investigation,
        person=person,
        identified_on=identified_on,
        enhanced_rights=enhanced,
        engaged_on=engaged_on,
    )


def build_blackthorn(officer) -> Operation:
    op = services.operation_create(
        actor=officer, code="op-blackthorn", name="Operation Blackthorn", started_on=D(2024, 1, 8)
    )
    marsh = known_to_police("Alden", "Marsh", D(1979, 4, 2), "M")
    colter = known_to_police("Bram", "Colter", D(1984, 9, 14), "M")
    dunstan = known_to_police("Cyril", "Dunstan", D(1971, 1, 30), "M")
    fells = known_to_police("Dorian", "Fells", D(1990, 6, 6), "M")
    gorse = known_to_police("Edric", "Gorse", D(1988, 11, 21), "M")
    hale = known_to_police("Fenton", "Hale", D(1976, 2, 17), "M")

    def investigation(ref, title, opened_on):
        return services.investigation_open(
            actor=officer, operation=op, reference_=ref, title=title, opened_on=opened_on
        )

    bt1 = investigation("BT-1", "Girls exploited from a takeaway on Mill Lane", D(2024, 1, 10))
    bt2 = investigation("BT-2", "A house held for exploitation in Kestrelford", D(2024, 2, 1))
    bt3 = investigation("BT-3", "A car seen outside a children's home", D(2024, 3, 1))
    bt4 = investigation("BT-4", "A woman held at a flat on Quarry Road", D(2024, 4, 1))

    # Victims, identified and engaged (or not), and one who withdraws later.
    _victim(
        officer,
        bt1,
        known_to_police("Gwen", "Ashby", D(2008, 3, 3)),
        D(2024, 1, 12),
        engaged_on=D(2024, 1, 12),
        enhanced=True,
    )
    hattie = _victim(
        officer, bt1, known_to_police("Hattie", "Brook", D(2007, 5, 9)), D(2024, 1, 12)
    )
    services.victim_engagement(actor=officer, victim=hattie, engaged_on=D(2024, 2, 1))
    _victim(
        officer,
        bt2,
        known_to_police("Ida", "Crane", D(2006, 7, 19)),
        D(2024, 2, 5),
        engaged_on=D(2024, 2, 20),
        enhanced=True,
    )
    _victim(officer, bt2, known_to_police("Joan", "Dell", D(2005, 12, 1)), D(2024, 8, 1))
    _victim(officer, bt3, known_to_police("Kezia", "Eyre", D(2009, 10, 10)), D(2024, 3, 2))
    _victim(
        officer,
        bt4,
        known_to_police("Lena", "Frome", D(1995, 8, 25)),
        D(2024, 4, 2),
        engaged_on=D(2024, 4, 2),
    )

    # Suspects and the eight arrests.
    s_marsh = _suspect(officer, bt1, marsh, D(2024, 1, 14))
    s_colter = _suspect(officer, bt1, colter, D(2024, 1, 19))
    s_dunstan = _suspect(officer, bt2, dunstan, D(2024, 2, 9))
    s_fells = _suspect(officer, bt2, fells, D(2024, 2, 11))
    s_gorse = _suspect(officer, bt3, gorse, D(2024, 3, 4))
    s_hale = _suspect(officer, bt4, hale, D(2024, 4, 9))
    s_marsh4 = _suspect(officer, bt4, marsh, D(2024, 4, 11))
    _arrest(officer, s_marsh, D(2024, 1, 15), "rape", "trafficking_sexual_exploitation")
    _arrest(officer, s_colter, D(2024, 1, 20), "sexual_activity_with_child")
    _arrest(officer, s_dunstan, D(2024, 2, 10), "holding_in_slavery")
    _arrest(officer, s_fells, D(2024, 2, 12), "holding_in_slavery")
    _arrest(officer, s_gorse, D(2024, 3, 5), "meeting_child_after_grooming")
    _arrest(officer, s_hale, D(2024, 4, 10), "kidnapping")
    _arrest(officer, s_marsh4, D(2024, 4, 12), "offensive_weapon")
    _arrest(officer, s_marsh, D(2024, 5, 1), "rape")  # arrested again in BT-1

    services.investigation_close(
        actor=officer,
        investigation=bt3,
        status=InvestigationStatus.NO_FURTHER_ACTION,
        closed_on=D(2024, 6, 1),
        reason="Not enough evidence to charge",
    )

    # C4 and C5 (BT-4): pleas, an acquittal, sentences in November 2024.
    c4 = _case(
        officer,
        s_hale,
        "T20240504",
        D(2024, 5, 20),
        ["kidnapping", "assault_abh", "controlling_coercive_behaviour"],
    )
    c5 = _case(officer, s_marsh4, "T20240505", D(2024, 5, 20), ["offensive_weapon"])
    _pleas(officer, c4, D(2024, 6, 17), guilty=[1, 2], not_guilty=[3])
    _pleas(officer, c5, D(2024, 6, 17), guilty=[1])
    _verdict(officer, c4, 3, "not_guilty", D(2024, 10, 8))
    services.sentence_pass(
        actor=officer,
        court_case=c4,
        sentenced_on=D(2024, 11, 15),
        sentences=[
            SentenceIn(1, "custody", term_months=48),
            SentenceIn(2, "custody", term_months=12, consecutive_to=1),
        ],
    )
    services.sentence_pass(
        actor=officer,
        court_case=c5,
        sentenced_on=D(2024, 11, 15),
        sentences=[SentenceIn(1, "custody", term_months=6)],
    )

    # C1 and C2 (BT-1), with their hearings.
    c1 = _case(
        officer,
        s_marsh,
        "T20240601",
        D(2024, 6, 3),
        ["rape", "rape", "trafficking_sexual_exploitation", "false_imprisonment"],
    )
    c2 = _case(
        officer,
        s_colter,
        "T20240602",
        D(2024, 6, 3),
        ["sexual_activity_with_child", "sexual_communication_with_child", "supply_class_a"],
    )
    for kind, day in [
        ("first_appearance", D(2024, 6, 4)),
        ("plea", D(2024, 7, 1)),
        ("trial", D(2024, 11, 4)),
    ]:
        services.hearing_schedule(actor=officer, court_case=c1, kind=kind, on=day)
    _pleas(officer, c1, D(2024, 7, 1), guilty=[3], not_guilty=[1, 2, 4])
    _pleas(officer, c2, D(2024, 7, 1), guilty=[1, 2], not_guilty=[3])
    # The sentencing hearing is listed once there is a conviction to sentence.
    services.hearing_schedule(actor=officer, court_case=c1, kind="sentencing", on=D(2025, 1, 10))
    _verdict(officer, c1, 1, "guilty", D(2024, 11, 20))
    _verdict(officer, c1, 2, "guilty", D(2024, 11, 20), majority="10-2")
    _verdict(officer, c1, 4, "not_guilty", D(2024, 11, 20))
    _verdict(officer, c2, 3, "no_verdict", D(2024, 12, 2))
    services.victim_engagement(actor=officer, victim=hattie, disengaged_on=D(2024, 12, 15))
    services.sentence_pass(
        actor=officer,
        court_case=c1,
        sentenced_on=D(2025, 1, 10),
        sentences=[
            SentenceIn(1, "custody", term_months=60),
            SentenceIn(2, "custody", term_months=36, consecutive_to=1),
            SentenceIn(3, "custody", term_months=24),
        ],
    )
    services.sentence_pass(
        actor=officer,
        court_case=c2,
        sentenced_on=D(2025, 1, 10),
        sentences=[
            SentenceIn(1, "suspended", term_months=18),
            SentenceIn(2, "community", description="200 hours of unpaid work"),
        ],
    )

    # C3 (BT-2): a murder admitted, a jury on the rest, a life sentence.
    c3 = _case(
        officer,
        s_dunstan,
        "T20240703",
        D(2024, 7, 1),
        ["murder", "rape", "holding_in_slavery", "threats_to_kill"],
    )
    _pleas(officer, c3, D(2024, 9, 2), guilty=[1, 4], not_guilty=[2, 3])
    _verdict(officer, c3, 2, "guilty", D(2025, 2, 14), majority="11-1")
    _verdict(officer, c3, 3, "guilty", D(2025, 2, 14))
    services.sentence_pass(
        actor=officer,
        court_case=c3,
        sentenced_on=D(2025, 3, 21),
        sentences=[
            SentenceIn(1, "life", minimum_term_months=360),
            SentenceIn(2, "custody", term_months=144),
            SentenceIn(3, "custody", term_months=120, consecutive_to=4),
            SentenceIn(4, "custody", term_months=36),
        ],
    )
    services.investigation_close(
        actor=officer,
        investigation=bt4,
        status=InvestigationStatus.CLOSED,
        closed_on=D(2025, 6, 1),
        reason="Both defendants convicted and sentenced",
    )
    assert s_fells.court_cases.count() == 0  # Dorian Fells: arrested, never charged
    return op


def build_rowan(officer) -> Operation:
    op = services.operation_create(
        actor=officer, code="op-rowan", name="Operation Rowan", started_on=D(2024, 2, 1)
    )
    rw1 = services.investigation_open(
        actor=officer,
        operation=op,
        reference_="RW-1",
        title="Children moved to a coastal town",
        opened_on=D(2024, 2, 1),
    )
    _victim(
        officer,
        rw1,
        known_to_police("Nell", "Garth", D(2008, 1, 4)),
        D(2024, 2, 2),
        engaged_on=D(2024, 2, 2),
        enhanced=True,
    )
    quarry = _suspect(
        officer, rw1, known_to_police("Hollis", "Quarry", D(1982, 3, 8), "M"), D(2024, 2, 28)
    )
    # Bram Colter: a Blackthorn suspect, already known, is a suspect here too.
    colter = _suspect(
        officer, rw1, Person.objects.get(given_name="Bram", family_name="Colter"), D(2024, 3, 1)
    )
    _arrest(officer, quarry, D(2024, 3, 1), "trafficking_sexual_exploitation")
    _arrest(officer, colter, D(2024, 3, 2), "supply_class_a")
    cq = _case(
        officer,
        quarry,
        "T20240401",
        D(2024, 4, 1),
        ["trafficking_sexual_exploitation", "false_imprisonment"],
    )
    cc = _case(officer, colter, "T20240402", D(2024, 4, 1), ["supply_class_a"])
    _pleas(officer, cq, D(2024, 5, 1), guilty=[1, 2])
    _pleas(officer, cc, D(2024, 5, 1), guilty=[1])
    services.sentence_pass(
        actor=officer,
        court_case=cq,
        sentenced_on=D(2024, 6, 14),
        sentences=[
            SentenceIn(1, "custody", term_months=120),
            SentenceIn(2, "custody", term_months=60, consecutive_to=1),
        ],
    )
    services.sentence_pass(
        actor=officer,
        court_case=cc,
        sentenced_on=D(2024, 6, 14),
        sentences=[SentenceIn(1, "custody", term_months=30)],
    )
    return op


@pytest.fixture
def operations(police_officer):
    with on(BUILT):
        blackthorn = build_blackthorn(police_officer)
        rowan = build_rowan(police_officer)
    return blackthorn, rowan


# ---------------------------------------------------------------- the checks
@pytest.mark.parametrize(
    ("as_at", "want"),
    [
        (BEFORE_LATER_ARRESTS, EXPECTED_BEFORE_LATER_ARRESTS),
        (BEFORE_SENTENCING, EXPECTED_BEFORE_SENTENCING),
        (MID_SENTENCING, EXPECTED_MID_SENTENCING),
        (AT_THE_END, EXPECTED_AT_THE_END),
    ],
    ids=["before-later-arrests", "before-sentencing", "mid-sentencing", "at-the-end"],
)
def test_blackthorn_totals_match_the_hand_worked_expectation(operations, as_at, want):
    blackthorn, _rowan = operations
    totals = selectors.operation_totals(operation=blackthorn, as_at=as_at)
    assert totals.as_at == as_at
    assert figures(totals) == want


def test_the_years_shown_are_the_months_worked_by_hand(operations):
    blackthorn, _rowan = operations
    totals = selectors.operation_totals(operation=blackthorn, as_at=AT_THE_END)
    assert totals.custodial_years == 43.5  # 522 / 12
    rows = {label: (value, definition) for label, value, definition in totals.rows()}
    assert rows["Custodial sentences (years, effective)"][0] == "43.5"
    assert rows["People convicted"][0] == "4"
    assert rows["Convictions (counts)"][0] == "12"
    assert rows["Life sentences"][0] == "1"
    assert all(definition for _value, definition in rows.values())


def test_the_day_a_thing_happens_counts_on_that_day(operations):
    blackthorn, _rowan = operations
    # 15 November 2024: C4 and C5 sentenced that day; BT-3's NFA (1 June) long past.
    on_the_day = selectors.operation_totals(operation=blackthorn, as_at=D(2024, 11, 15))
    day_before = selectors.operation_totals(operation=blackthorn, as_at=D(2024, 11, 14))
    assert (day_before.custodial_months, on_the_day.custodial_months) == (0, 66)
    # C1's jury, 20 November: two convictions that day; one acquittal adds nothing.
    before = selectors.operation_totals(operation=blackthorn, as_at=D(2024, 11, 19))
    after = selectors.operation_totals(operation=blackthorn, as_at=D(2024, 11, 20))
    assert after.convictions - before.convictions == 2
    # BT-4 closed on 1 June 2025: active the day before, not on the day.
    assert (
        selectors.operation_totals(operation=blackthorn, as_at=D(2025, 5, 31)).active_investigations
        == 3
    )
    assert (
        selectors.operation_totals(operation=blackthorn, as_at=D(2025, 6, 1)).active_investigations
        == 2
    )


def test_another_operation_never_leaks_into_the_totals(operations):
    blackthorn, rowan = operations
    both = selectors.operations_totals(
        as_at=AT_THE_END, operations=Operation.objects.filter(pk__in=[blackthorn.pk, rowan.pk])
    )
    assert figures(both[blackthorn.pk]) == EXPECTED_AT_THE_END
    assert figures(both[rowan.pk]) == ROWAN_AT_THE_END
    alone = selectors.operation_totals(operation=rowan, as_at=AT_THE_END)
    assert figures(alone) == ROWAN_AT_THE_END
    # All operations at once (the borough may hold others with nothing in them).
    everything = selectors.operations_totals(as_at=AT_THE_END)
    assert figures(everything[blackthorn.pk]) == EXPECTED_AT_THE_END
    assert figures(everything[rowan.pk]) == ROWAN_AT_THE_END


def test_a_victim_who_withdrew_and_came_back_counts_as_engaged_in_both_spells(
    police_officer, operation
):
    """Victims engaged "as at" a past day must not change when she comes back later.
    (victim_engagement once overwrote engaged_on with the day she came back, so her first
    spell disappeared from every earlier "as at": each spell is now kept.)"""
    with on(D(2026, 6, 1)):
        investigation = services.investigation_open(
            actor=police_officer,
            operation=operation,
            reference_="HW-2026-200",
            title="A girl groomed through a gaming site",
            opened_on=D(2026, 1, 6),
        )
        victim = _victim(
            police_officer,
            investigation,
            known_to_police("Orla", "Penhale", D(2010, 2, 2)),
            D(2026, 1, 10),
            engaged_on=D(2026, 1, 10),
            enhanced=True,
        )
        services.victim_engagement(actor=police_officer, victim=victim, disengaged_on=D(2026, 3, 1))
        services.victim_engagement(actor=police_officer, victim=victim, engaged_on=D(2026, 5, 1))

    def engaged(day):
        return selectors.operation_totals(operation=operation, as_at=day).victims_engaged

    # First spell 10 Jan - 1 Mar; withdrawn until 1 May; engaged again since.
    assert [engaged(D(2026, 2, 1)), engaged(D(2026, 4, 1)), engaged(D(2026, 5, 15))] == [1, 0, 1]
