"""The rule engine on hand-built sequences of facts: each shipped rule fires when its
pattern is complete, and stays quiet on the near misses a practitioner would not want an
alert for (one episode short, too far apart, outside the window, one child only)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from lantern.alerts import engine, rules
from lantern.alerts.engine import Engine, Fact, backtest
from lantern.alerts.rules import Rule

START = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
CHILD = "2011-05-04"  # 14 at START
ADULT = "1984-10-12"
_sources = itertools.count(1)


def fact(kind, day, person=1, *, born=CHILD, postcode="", agency=1, **details) -> Fact:
    if born:
        details["born"] = born
    return Fact(
        person_id=person,
        kind=kind,
        at=START + dt.timedelta(days=day),
        agency_id=agency,
        source=("people.event", next(_sources)),
        postcode=postcode,
        details=details,
    )


def fired(codes, facts, households=None):
    """(rule, person, day) for each firing, feeding the facts in the order given."""
    chosen = [rules.rule(c) for c in ([codes] if isinstance(codes, str) else codes)]
    return [
        (f.rule, f.person_id, (f.at - START).days)
        for f in backtest(chosen, facts, households=households)
    ]


# ---------------------------------------------------------------------- missing and absent

MISSING = "missing_with_school_absence"


def test_two_missing_episodes_and_absence_in_30_days_fire_on_the_completing_fact():
    facts = [
        fact("missing_episode", 0),
        fact("school_absence_run", 10),
        fact("missing_episode", 25),
    ]
    assert fired(MISSING, facts) == [(MISSING, 1, 25)]


def test_the_firing_lists_the_facts_behind_it_oldest_first():
    facts = [
        fact("police_incident", -5),
        fact("missing_episode", 0),
        fact("school_absence_run", 10),
        fact("missing_episode", 25),
    ]
    (firing,) = backtest([rules.rule(MISSING)], facts)
    assert firing.facts == tuple(facts[1:])
    assert firing.version == 1 and firing.at == facts[-1].at


@pytest.mark.parametrize(
    "facts",
    [
        # one missing episode short
        [fact("missing_episode", 0), fact("school_absence_run", 10)],
        # two episodes 40 days apart
        [fact("missing_episode", 0), fact("school_absence_run", 30), fact("missing_episode", 40)],
        # the absence outside the 30 days
        [
            fact("school_absence_run", 0),
            fact("missing_episode", 31),
            fact("missing_episode", 35),
        ],
        # no absence at all
        [fact("missing_episode", 0), fact("missing_episode", 3)],
        # an adult (18 and over) is not a child, and a person of no known age counts as neither
        [
            fact("missing_episode", 0, born=ADULT),
            fact("school_absence_run", 1, born=ADULT),
            fact("missing_episode", 2, born=ADULT),
        ],
        [
            fact("missing_episode", 0, born=None),
            fact("school_absence_run", 1, born=None),
            fact("missing_episode", 2, born=None),
        ],
        # two children, one episode each
        [
            fact("missing_episode", 0, person=1),
            fact("school_absence_run", 1, person=1),
            fact("missing_episode", 2, person=2),
            fact("school_absence_run", 3, person=2),
        ],
    ],
    ids=[
        "one-episode",
        "40-days-apart",
        "absence-outside-window",
        "no-absence",
        "adult",
        "age-unknown",
        "two-children",
    ],
)
def test_near_misses_do_not_fire(facts):
    assert fired(MISSING, facts) == []


def test_exactly_30_days_apart_is_within_30_days():
    facts = [
        fact("missing_episode", 0),
        fact("school_absence_run", 15),
        fact("missing_episode", 30),
    ]
    assert fired(MISSING, facts) == [(MISSING, 1, 30)]


def test_a_child_counts_until_the_18th_birthday():
    born = (START + dt.timedelta(days=10)).date().replace(year=START.year - 18).isoformat()
    before = [
        fact("missing_episode", 0, born=born),
        fact("school_absence_run", 1, born=born),
        fact("missing_episode", 9, born=born),
    ]
    on_the_birthday = [*before[:2], fact("missing_episode", 10, born=born)]
    assert fired(MISSING, before) == [(MISSING, 1, 9)]
    assert fired(MISSING, on_the_birthday) == []


def test_three_missing_episodes_in_30_days():
    code = "missing_three_times_in_30_days"
    assert fired(code, [fact("missing_episode", d) for d in (0, 12, 29)]) == [(code, 1, 29)]
    assert fired(code, [fact("missing_episode", d) for d in (0, 12, 31)]) == []


# ---------------------------------------------------------------------- the same adult

SHARED = "found_with_adult_seen_with_other_children"
ADULT_X = {"adult": "Darren Hollis", "adult_dob": "1991-02-03"}


def test_an_adult_found_with_two_children_fires_for_both_children():
    facts = [
        fact("found_with_adult", 0, person=1, **ADULT_X, vehicle="KF19 ABC"),
        fact("found_with_adult", 50, person=2, **ADULT_X),
    ]
    assert fired(SHARED, facts) == [(SHARED, 1, 50), (SHARED, 2, 50)]
    firings = backtest([rules.rule(SHARED)], facts)
    assert all(f.facts == tuple(facts) for f in firings)


def test_the_same_adult_with_one_child_only_does_not_fire():
    facts = [fact("found_with_adult", d, person=1, **ADULT_X) for d in (0, 20, 40)]
    assert fired(SHARED, facts) == []


def test_the_same_name_with_another_date_of_birth_is_another_adult():
    facts = [
        fact("found_with_adult", 0, person=1, **ADULT_X),
        fact("found_with_adult", 5, person=2, adult="Darren Hollis", adult_dob="1979-02-03"),
    ]
    assert fired(SHARED, facts) == []


def test_names_are_compared_without_case_or_extra_spaces():
    facts = [
        fact("found_with_adult", 0, person=1, **ADULT_X),
        fact("found_with_adult", 5, person=2, adult=" darren  HOLLIS", adult_dob="1991-02-03"),
    ]
    assert fired(SHARED, facts) == [(SHARED, 1, 5), (SHARED, 2, 5)]


def test_the_same_vehicle_with_different_adults_fires():
    facts = [
        fact("found_with_adult", 0, person=1, adult="A One", adult_dob="1990-01-01", vehicle="V1"),
        fact("found_with_adult", 9, person=2, adult="B Two", adult_dob="1992-01-01", vehicle="V1"),
    ]
    assert fired(SHARED, facts) == [(SHARED, 1, 9), (SHARED, 2, 9)]


def test_two_children_found_with_the_adult_more_than_180_days_apart_do_not_fire():
    facts = [
        fact("found_with_adult", 0, person=1, **ADULT_X),
        fact("found_with_adult", 181, person=2, **ADULT_X),
    ]
    assert fired(SHARED, facts) == []


def test_adults_found_together_are_not_children_found_with_an_adult():
    facts = [
        fact("found_with_adult", 0, person=1, born=ADULT, **ADULT_X),
        fact("found_with_adult", 5, person=2, **ADULT_X),
    ]
    assert fired(SHARED, facts) == []


def test_a_third_child_fires_for_the_third_only_while_the_first_two_wait():
    facts = [
        fact("found_with_adult", 0, person=1, **ADULT_X),
        fact("found_with_adult", 5, person=2, **ADULT_X),
        fact("found_with_adult", 10, person=3, **ADULT_X),
    ]
    assert fired(SHARED, facts) == [(SHARED, 1, 5), (SHARED, 2, 5), (SHARED, 3, 10)]


# ---------------------------------------------------------------------- emergency attendances

ED = "repeated_emergency_attendances"


def test_three_emergency_attendances_in_90_days_for_a_child():
    assert fired(ED, [fact("ed_attendance", d) for d in (0, 40, 90)]) == [(ED, 1, 90)]
    assert fired(ED, [fact("ed_attendance", d) for d in (0, 40, 91)]) == []
    assert fired(ED, [fact("ed_attendance", d, born=ADULT) for d in (0, 1, 2)]) == []
    assert fired(ED, [fact("ed_attendance", d) for d in (0, 40)]) == []


# ---------------------------------------------------------------------- domestic abuse

AT_HOME = "domestic_incident_where_children_live"


def homes(table):
    def children_at(place, on):
        return table.get(place if "|" in place else engine.postcode_key(place), [])

    children_at.places = True  # understands address keys, as facts.households() does
    return children_at


def test_a_domestic_incident_fans_out_to_each_child_at_the_address():
    households = homes({"KF11AA": [7, 8]})
    facts = [fact("domestic_incident", 0, person=3, born=ADULT, postcode="KF1 1AA")]
    assert fired(AT_HOME, facts, households) == [(AT_HOME, 7, 0), (AT_HOME, 8, 0)]


def test_the_children_are_looked_up_on_the_day_and_at_the_postcode():
    asked = []

    def children_at(postcode, on):
        asked.append((postcode, on))
        return [9]

    facts = [fact("domestic_incident", 3, person=3, born=ADULT, postcode="kf1 1aa")]
    fired(AT_HOME, facts, children_at)
    assert asked == [("kf1 1aa", (START + dt.timedelta(days=3)).date())]


def test_an_address_is_not_its_postcode():
    """A postcode covers a dozen homes: an incident at one of them is about its children."""
    households = homes({"1 ASH ROAD|KF11AA": [7], "3 ASH ROAD|KF11AA": [8], "KF11AA": [7, 8]})
    facts = [
        fact("domestic_incident", 0, born=ADULT, postcode="KF1 1AA", address="1 ASH ROAD|KF11AA"),
        fact("domestic_incident", 0, born=ADULT, postcode="KF1 1AA", address="3 ASH ROAD|KF11AA"),
    ]
    assert fired(AT_HOME, facts[:1], households) == [(AT_HOME, 7, 0)]
    assert fired(AT_HOME, facts, households) == [(AT_HOME, 7, 0), (AT_HOME, 8, 0)]
    # with no address known, the postcode is all there is
    assert fired(AT_HOME, [fact("domestic_incident", 0, postcode="KF1 1AA")], households) == [
        (AT_HOME, 7, 0),
        (AT_HOME, 8, 0),
    ]


def test_a_lookup_that_knows_only_postcodes_is_asked_by_postcode():
    asked = []

    def by_postcode(postcode, on):
        asked.append(postcode)
        return [7]

    facts = [fact("domestic_incident", 0, postcode="KF1 1AA", address="1 ASH ROAD|KF11AA")]
    assert fired(AT_HOME, facts, by_postcode) == [(AT_HOME, 7, 0)]
    assert asked == ["KF1 1AA"]


def test_three_incidents_at_one_home_are_counted_apart_from_the_neighbours():
    rule = rules.rule("repeat_domestic_incidents")
    by_address = Rule(**{**_fields(rule), "subject": "children_at_address", "code": "by_home"})
    households = homes({"1 ASH ROAD|KF11AA": [7], "3 ASH ROAD|KF11AA": [8]})
    facts = [
        fact("domestic_incident", d, person=p, born=ADULT, postcode="KF1 1AA", address=a)
        for d, p, a in [
            (0, 1, "1 ASH ROAD|KF11AA"),
            (10, 2, "3 ASH ROAD|KF11AA"),
            (20, 3, "1 ASH ROAD|KF11AA"),
            (30, 4, "1 ASH ROAD|KF11AA"),
        ]
    ]
    firings = backtest([by_address], facts, households=households)
    assert [(f.person_id, (f.at - START).days) for f in firings] == [(7, 30)]
    assert [f.person_id for f in firings[0].facts] == [1, 3, 4]


def _fields(rule):
    return {name: getattr(rule, name) for name in Rule.__slots__}


def test_no_children_or_no_address_raises_nothing():
    households = homes({"KF11AA": [7]})
    assert fired(AT_HOME, [fact("domestic_incident", 0, postcode="KF2 2BB")], households) == []
    assert fired(AT_HOME, [fact("domestic_incident", 0, postcode="")], households) == []


def test_every_domestic_incident_is_passed_on_to_the_school():
    households = homes({"KF11AA": [7]})
    facts = [fact("domestic_incident", d, born=ADULT, postcode="KF1 1AA") for d in (0, 3)]
    assert fired(AT_HOME, facts, households) == [(AT_HOME, 7, 0), (AT_HOME, 7, 3)]


def test_an_engine_with_an_address_rule_needs_households():
    with pytest.raises(ValueError, match="households="):
        Engine([rules.rule(AT_HOME)])


def assessment(day, tool, level, person=3, postcode="KF1 1AA"):
    return fact(
        "risk_assessment",
        day,
        person=person,
        born=ADULT,
        postcode=postcode,
        tool=tool,
        version=1,
        level=level,
        score=15,
        routes=["judgement"],
    )


def test_a_high_domestic_abuse_assessment_fires_for_the_victim_and_the_children_at_home():
    households = homes({"KF11AA": [7, 8]})
    codes = [
        "high_risk_domestic_abuse",
        "high_risk_domestic_abuse_children_at_address",
        "dangerous_perpetrator_indicators",
    ]
    assert fired(codes, [assessment(0, "domestic_abuse_risk", "high")], households) == [
        ("high_risk_domestic_abuse", 3, 0),
        ("high_risk_domestic_abuse_children_at_address", 7, 0),
        ("high_risk_domestic_abuse_children_at_address", 8, 0),
    ]
    assert fired(codes, [assessment(0, "domestic_abuse_risk", "medium")], households) == []
    assert fired(codes, [assessment(0, "perpetrator_indicators", "high")], households) == [
        ("high_risk_domestic_abuse_children_at_address", 7, 0),
        ("high_risk_domestic_abuse_children_at_address", 8, 0),
        ("dangerous_perpetrator_indicators", 3, 0),
    ]


def test_three_domestic_incidents_in_12_months():
    code = "repeat_domestic_incidents"
    facts = [fact("domestic_incident", d, born=ADULT) for d in (0, 200, 365)]
    assert fired(code, facts) == [(code, 1, 365)]
    facts = [fact("domestic_incident", d, born=ADULT) for d in (0, 200, 366)]
    assert fired(code, facts) == []


# ---------------------------------------------------------------------- repeats and priming


def test_a_rule_fires_once_until_repeat_after_days_pass():
    facts = [fact("missing_episode", d) for d in (0, 5, 10, 20, 95, 99, 101, 200)]
    code = "missing_three_times_in_30_days"  # repeat_after_days = 90
    assert fired(code, facts) == [(code, 1, 10), (code, 1, 101)]


def test_repeats_are_counted_per_person():
    facts = [fact("missing_episode", d, person=p) for d in (0, 1, 2) for p in (1, 2)]
    facts.sort(key=lambda f: f.at)
    code = "missing_three_times_in_30_days"
    assert fired(code, facts) == [(code, 1, 2), (code, 2, 2)]


def test_a_firing_noted_before_keeps_the_engine_quiet_for_the_repeat_period():
    code = "missing_three_times_in_30_days"
    made = Engine([rules.rule(code)])
    made.note_fired(code, 1, START)
    assert [made.feed(fact("missing_episode", d)) for d in (0, 1, 2)] == [[], [], []]


def test_prime_loads_the_window_without_firing_and_the_next_fact_completes_it():
    made = Engine([rules.rule(MISSING)])
    earlier = [fact("school_absence_run", 2), fact("missing_episode", 0)]
    assert made.prime(earlier) is None
    (firing,) = made.feed(fact("missing_episode", 20))
    assert firing.rule == MISSING
    assert [f.kind for f in firing.facts] == [
        "missing_episode",
        "school_absence_run",
        "missing_episode",
    ]


def test_a_late_fact_completes_the_pattern_at_the_time_it_became_complete():
    made = Engine([rules.rule(MISSING)])
    assert made.feed(fact("missing_episode", 0)) == []
    assert made.feed(fact("missing_episode", 28)) == []
    late = fact("school_absence_run", 10)  # the school's return arrives after the police's
    (firing,) = made.feed(late)
    assert firing.at == START + dt.timedelta(days=28)
    assert [(f.at - START).days for f in firing.facts] == [0, 10, 28]


def test_a_fact_older_than_the_window_before_the_newest_is_too_late_to_count():
    made = Engine([rules.rule("missing_three_times_in_30_days")])
    assert made.feed(fact("missing_episode", 100)) == []
    assert made.feed(fact("missing_episode", 60)) == []  # 40 days late: dropped
    assert made.feed(fact("missing_episode", 62)) == []  # 38 days late: dropped
    # 25 days late, so it counts; with days 60 and 62 it would have made three by day 75
    assert made.feed(fact("missing_episode", 75)) == []


def test_the_sweep_forgets_only_what_can_no_longer_matter(monkeypatch):
    monkeypatch.setattr(engine, "SWEEP_EVERY", 2)
    code = "missing_three_times_in_30_days"
    facts = [fact("missing_episode", d, person=p) for d in range(0, 400, 9) for p in (1, 2, 3)]
    facts.sort(key=lambda f: f.at)
    swept = fired(code, facts)
    monkeypatch.setattr(engine, "SWEEP_EVERY", 10**9)
    assert fired(code, facts) == swept
    assert len(swept) > 3


def test_the_same_facts_give_the_same_firings_every_time():
    facts = [fact("missing_episode", d, person=p) for d in range(0, 90, 4) for p in (5, 1, 3)]
    facts += [fact("school_absence_run", d, person=p) for d in (3, 50) for p in (1, 3)]
    facts.sort(key=lambda f: f.at)
    codes = [MISSING, "missing_three_times_in_30_days"]
    assert fired(codes, facts) == fired(codes, facts)
    assert fired(codes, facts)


def test_facts_nobody_watches_cost_nothing_and_raise_nothing():
    made = Engine(rules.active(), households=homes({}))
    assert made.feed(fact("youth_service_session", 0)) == []
    assert made.facts_fed == 1
