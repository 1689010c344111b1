"""Feeding facts one at a time gives exactly the firings of a naive recompute over every
fact so far. The reference below is written from the rules' meaning (engine.py's module
docstring), not from the engine: it keeps every fact and re-reads all of them at each new
fact, with its own age arithmetic, filters and key comparison."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.alerts import engine
from lantern.alerts.engine import Fact
from lantern.alerts.rules import Condition, Rule

START = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
KINDS = ["missing_episode", "school_absence_run", "found_with_adult", "domestic_incident"]
BORN = ["2008-02-29", "2008-03-15", "2008-02-10", "2012-06-01", "1980-01-01", None]
POSTCODES = ["KF1 1AA", "kf11aa", "KF2 2BB", ""]


ADDRESSES = [None, None, "1 HIGH STREET|KF11AA", "2 HIGH STREET|KF11AA"]


def households(place: str, on: dt.date) -> list[int]:
    """Children at a place: depends on the place and the day, as the real one does."""
    if place == "1 HIGH STREET|KF11AA":
        return [13]
    if place == "2 HIGH STREET|KF11AA":
        return [14, 10] if on.day % 3 else []
    compact = place.replace(" ", "").upper()
    if compact == "KF11AA":
        return [11, 10] if on.day % 2 else [10]
    if compact == "KF22BB":
        return [12]
    return []


households.places = True  # it is given a fact's address key when the fact has one


# ---------------------------------------------------------------------- the naive reference


def age_on(born: str, day: dt.date) -> int:
    year, month, date = (int(p) for p in born.split("-"))
    return day.year - year - ((day.month, day.day) < (month, date))


def about_ok(about: str, fact: Fact) -> bool:
    if about == "anyone":
        return True
    born = fact.details.get("born")
    if born is None:
        return False
    child = age_on(born, fact.at.date()) < 18
    return child if about == "children" else not child


def passes(condition: Condition, fact: Fact) -> bool:
    if fact.kind != condition.kind:
        return False
    for key, allowed in condition.where:
        value = getattr(fact, key) if key in ("postcode", "sensitivity") else fact.details.get(key)
        values = value if isinstance(value, list) else [value]
        if not any(v in allowed for v in values):
            return False
    return True


def shared_key(condition: Condition, alternative: int, fact: Fact):
    parts = []
    for key in condition.shared_by[alternative]:
        value = fact.details.get(key)
        if value is None or value == "":
            return None
        parts.append(" ".join(str(value).lower().split()))
    return tuple(parts)


def address(fact: Fact) -> str:
    return fact.details.get("address") or fact.postcode.replace(" ", "").upper()


def naive(rules: list[Rule], facts: list[Fact]) -> list[tuple]:
    seen: list[Fact] = []
    last: dict[tuple[str, int], dt.datetime] = {}
    out = []
    for new in facts:
        seen.append(new)
        t = new.at
        for rule in rules:

            def counts(condition, fact, rule=rule):
                return passes(condition, fact) and about_ok(rule.about, fact)

            met = [c for c in rule.when if counts(c, new)]
            if not met:
                continue
            by_address = rule.subject == "children_at_address"
            if by_address:
                if not address(new):
                    continue
                candidates = {address(new)}
            else:
                candidates = {new.person_id}
                for condition in met:
                    low = t - dt.timedelta(days=condition.within_days)
                    for alt in range(len(condition.shared_by)):
                        key = shared_key(condition, alt, new)
                        if key is None:
                            continue
                        candidates |= {
                            g.person_id
                            for g in seen
                            if counts(condition, g)
                            and shared_key(condition, alt, g) == key
                            and low <= g.at <= t
                        }
            for subject in sorted(candidates):
                evidence: list[Fact] = []
                holds = True
                for condition in rule.when:
                    low = t - dt.timedelta(days=condition.within_days)
                    own = [
                        g
                        for g in seen
                        if (address(g) == subject if by_address else g.person_id == subject)
                        and counts(condition, g)
                        and low <= g.at <= t
                    ]
                    if len(own) < condition.at_least:
                        holds = False
                        break
                    if condition.shared_by:
                        shared = []
                        for alt in range(len(condition.shared_by)):
                            keys = {shared_key(condition, alt, g) for g in own} - {None}
                            for key in sorted(keys, key=repr):
                                group = [
                                    g
                                    for g in seen
                                    if counts(condition, g)
                                    and shared_key(condition, alt, g) == key
                                    and low <= g.at <= t
                                ]
                                if len({g.person_id for g in group}) >= condition.people_at_least:
                                    shared += group
                        if not shared:
                            holds = False
                            break
                        evidence += shared
                    evidence += own
                if not holds:
                    continue
                unique = {g.source: g for g in evidence}.values()
                cited = tuple(g.source for g in sorted(unique, key=lambda g: (g.at, g.source)))
                where = new.details.get("address") or new.postcode
                people = sorted(set(households(where, t.date()))) if by_address else [subject]
                for person in people:
                    before = last.get((rule.code, person))
                    if before is not None and t - before < dt.timedelta(
                        days=rule.repeat_after_days
                    ):
                        continue
                    last[(rule.code, person)] = t
                    out.append((rule.code, person, t, cited))
    return out


def incremental(rules: list[Rule], facts: list[Fact]) -> list[tuple]:
    made = engine.Engine(rules, households=households)
    out = []
    for fact in facts:
        for firing in made.feed(fact):
            cited = tuple(f.source for f in firing.facts)
            out.append((firing.rule, firing.person_id, firing.at, cited))
    return out


# ---------------------------------------------------------------------- strategies


@st.composite
def facts(draw, kinds=KINDS):
    count = draw(st.integers(min_value=0, max_value=50))
    made = []
    for number in range(count):
        kind = draw(st.sampled_from(kinds))
        details = {}
        born = draw(st.sampled_from(BORN))
        if born is not None:
            details["born"] = born
        if kind == "found_with_adult":
            for key, values in (
                ("adult", ["Dean Rowe", "dean  ROWE", "Kyle Pike"]),
                ("adult_dob", ["1990-01-01", "1991-01-01"]),
                ("vehicle", ["KF19 ABC", "kf19 abc", "LX70 XYZ"]),
            ):
                value = draw(st.sampled_from([None, *values]))
                if value is not None:
                    details[key] = value
        details["grade"] = draw(st.sampled_from(["high", "low"]))
        home = draw(st.sampled_from(ADDRESSES))
        if home is not None:
            details["address"] = home
        made.append(
            Fact(
                person_id=draw(st.integers(min_value=1, max_value=3)),
                kind=kind,
                at=START
                + dt.timedelta(
                    days=draw(st.integers(min_value=0, max_value=60)),
                    hours=draw(st.sampled_from([0, 0, 6])),
                ),
                agency_id=1,
                source=("people.event", number),
                postcode=draw(st.sampled_from(POSTCODES)),
                details=details,
            )
        )
    return sorted(made, key=lambda f: f.at)  # time order; ties keep their drawn order


@st.composite
def rule_sets(draw, sharing=False):
    found = []
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        by_address = False if sharing else draw(st.booleans())
        window = draw(st.integers(min_value=1, max_value=40))
        conditions = []
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            kind = draw(st.sampled_from(KINDS))
            if sharing and not conditions:
                kind = "found_with_adult"
            shared = ()
            if kind == "found_with_adult" and not by_address:
                shared = draw(
                    st.sampled_from(
                        [(("adult", "adult_dob"),), (("vehicle",),), (("adult",), ("vehicle",)), ()]
                    )
                )
            where = draw(
                st.sampled_from(
                    [(), (("grade", ("high",)),), (("postcode", ("KF2 2BB", "KF1 1AA")),)]
                )
            )
            conditions.append(
                Condition(
                    kind=kind,
                    at_least=draw(st.sampled_from([1, 1, 2, 3])),
                    within_days=draw(st.integers(min_value=1, max_value=window)),
                    where=where,
                    shared_by=shared,
                    people_at_least=draw(st.integers(min_value=2, max_value=3)),
                )
            )
        found.append(
            Rule(
                code=f"rule_{number}",
                version=1,
                name="A rule",
                description="A rule drawn for the test.",
                status="on",
                severity="high",
                route="exploitation_alert",
                subject="children_at_address" if by_address else "person",
                about=draw(st.sampled_from(["children", "adults", "anyone"])),
                window_days=window,
                repeat_after_days=draw(st.sampled_from([0, 1, 10, 90])),
                when=tuple(conditions),
            )
        )
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_sets(), facts=facts(), sweep=st.sampled_from([10**9, 1, 3]))
def test_feeding_one_by_one_agrees_with_a_naive_recompute(rules, facts, sweep):
    with mock.patch.object(engine, "SWEEP_EVERY", sweep):
        assert incremental(rules, facts) == naive(rules, facts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rule_sets(sharing=True),
    facts=facts(kinds=["found_with_adult", "found_with_adult", "missing_episode"]),
)
def test_shared_values_across_people_agree_with_a_naive_recompute(rules, facts):
    assert incremental(rules, facts) == naive(rules, facts)


def test_the_reference_is_not_trivially_empty():
    """The property means something only if the drawn cases fire: a fixed case that does."""
    rule = Rule(
        code="two_missing",
        version=1,
        name="Two missing",
        description="Two missing episodes in ten days.",
        status="on",
        severity="high",
        route="exploitation_alert",
        subject="person",
        about="children",
        window_days=10,
        repeat_after_days=0,
        when=(Condition(kind="missing_episode", at_least=2, within_days=10),),
    )
    facts = [
        Fact(
            1,
            "missing_episode",
            START + dt.timedelta(days=d),
            1,
            ("e", d),
            details={"born": "2012-01-01"},
        )
        for d in (0, 4, 20)
    ]
    assert naive([rule], facts) == incremental([rule], facts)
    assert len(naive([rule], facts)) == 1
