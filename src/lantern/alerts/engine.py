"""The rule engine: alert rules (alerts/data/rules/*.toml) evaluated over facts as they
arrive, one fact at a time, with no full recompute; the same code replays history for a
back-test.

The two shapes below are the engine's contract with the rest of Lantern: everything that
feeds it makes `Fact`s, and everything that acts on it reads `Firing`s.

How a rule is evaluated (the naive reference in tests/alerts/test_engine_property.py
restates this independently and must agree with the engine):

- A fact counts for a rule when it matches one of the rule's conditions (its kind and
  every `where` filter) and is about the people the rule is `about`: "children" means the
  person was under 18 on the day of the fact, by the date of birth facts.py puts in
  `details["born"]` (an ISO date); a fact with no date of birth counts only for rules
  about "anyone". (Fact's fields are fixed, so the date of birth travels in the details.)
- A rule is evaluated when a fact that counts for it is fed, at that fact's time `t`, for
  each candidate: the fact's subject (its person; for a rule about the children at an
  address, its place: the address facts.py resolved, else the postcode) and, for a
  `shared_by` condition the fact matches, every person whose facts share one of its values
  within the condition's days.
- A condition holds for a candidate at `t` when at least `at_least` of the candidate's
  counting facts of that condition happened in [t - within_days, t]; a shared condition
  also needs one of those facts to carry a value that the counting facts of at least
  `people_at_least` distinct people carry within the same days. All conditions must hold.
  A shared condition marked `others_at_risk` counts the candidate and, of the other
  people, only those the `at_risk` lookup answers were children at risk on the day of `t`
  (facts.children_at_risk says who is); its facts are then theirs and the candidate's.
  For such a condition the other people sharing the value are candidates only when the
  fact's own person is a child at risk that day (one who is not changes nothing for
  them); a change in who is at risk is seen when the next fact about them is fed.
- Then it fires for the candidate (for a place: for each child living there on the day,
  from `households`), unless it fired for the same (rule, person) less than
  `repeat_after_days` before `t`.
- A firing's facts are the candidate's counting facts in each condition's days and, for a
  shared condition, every fact that shares a value that met the count; oldest first.

Facts should be fed in time order (a back-test replays them so). A fact that arrives late,
after newer facts about the same subject (a school's weekly absence return, say), is put
in its place and the rule is also evaluated at the times of those newer facts within the
window after it, firing at the first time it holds: the pattern became complete then. A
fact older than the window before the newest fact about its subject is too late to count.

State is held per (rule, subject) and per (rule, condition, shared value) in deques in
time order; facts older than the rule's window are evicted as newer ones arrive, and a
sweep now and then forgets subjects whose window has passed, so memory follows the window,
not the history. Each fact costs O(rules watching its kind x facts in the window).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lantern.alerts.rules import Condition, Rule


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing an agency recorded about a person, as the rules see it."""

    person_id: int
    kind: str  # an event type code (people/data/event_types.toml), or "risk_assessment"
    at: dt.datetime  # when it happened (not when it was recorded)
    agency_id: int  # the agency that recorded it
    source: tuple[str, int]  # what to cite: ("people.event", pk) or ("risk.assessment", pk)
    sensitivity: str = "normal"
    postcode: str = ""
    ended_at: dt.datetime | None = None
    details: Mapping = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule became true for a person: raise (or add to) an alert about them."""

    rule: str  # the rule's code
    version: int  # the rule's version when it fired
    person_id: int  # who the alert is about
    at: dt.datetime  # when the rule became true: the time of the fact that completed it
    facts: tuple[Fact, ...]  # the facts that made it true, oldest first


# `households(postcode, on)`: the people under 18 living at a postcode on a date. A lookup
# with the attribute `places = True` (facts.households(), facts.children_at) is given the
# fact's address key instead when the fact has one (details["address"], see facts.py): a
# postcode covers a dozen or so homes, and an incident at one is about its children only
# (those lookups answer nobody for a postcode alone).
Households = Callable[[str, dt.date], Iterable[int]]

# `at_risk(person_ids, on)`: which of these people were children at risk on a day, for
# conditions marked `others_at_risk`. A back-test asks the recorded history as it stood
# on each day (facts.risk_history(), the default); the live flow asks what is known now
# (intake.py).
AtRisk = Callable[[Iterable[int], dt.date], Iterable[int]]

SWEEP_EVERY = 50_000  # facts between sweeps of state whose window has passed


def postcode_key(postcode: str) -> str:
    """A postcode as a lookup key: upper case, no spaces."""
    return "".join(postcode.split()).upper()


def place(fact: Fact) -> str:
    """Where a fact happened, for rules about the children at an address: the address key
    facts.py resolved (details["address"]), else the postcode."""
    return fact.details.get("address") or fact.postcode


def place_key(fact: Fact) -> str:
    """The place as the engine groups facts by it ("" when the fact has no place)."""
    address = fact.details.get("address")
    return address if address else postcode_key(fact.postcode)


def is_child(fact: Fact) -> bool | None:
    """Under 18 on the day of the fact (None: no date of birth known)."""
    born = fact.details.get("born")
    if not born:
        return None
    if not isinstance(born, str):
        born = born.isoformat()
    at = fact.at
    # ISO dates compare as text; the 18th birthday is the day the person stops counting.
    return born > f"{at.year - 18:04d}-{at.month:02d}-{at.day:02d}"


def _about(about: str, fact: Fact) -> bool:
    if about == "anyone":
        return True
    child = is_child(fact)
    if child is None:
        return False
    return child if about == "children" else not child


def _order(fact: Fact):
    return (fact.at, fact.source, fact.person_id)


def _in_days(window: deque, low: dt.datetime, high: dt.datetime) -> list:
    """The entries of a time-ordered deque of (at, ...) tuples with low <= at <= high."""
    if not window:
        return []
    if window[0][0] >= low and window[-1][0] <= high:
        return list(window)
    return [entry for entry in window if low <= entry[0] <= high]


def _insert(window: deque, entry: tuple) -> None:
    """Keep the deque in time order: append, or (a late fact) put it in its place."""
    if not window or entry[0] >= window[-1][0]:
        window.append(entry)
        return
    position = len(window)
    while position and window[position - 1][0] > entry[0]:
        position -= 1
    window.insert(position, entry)


def _evict(window: deque, span: dt.timedelta) -> None:
    if window:
        horizon = window[-1][0] - span
        while window[0][0] < horizon:
            window.popleft()


class _Compiled:
    """A rule prepared for the engine: which conditions each kind of fact can meet."""

    __slots__ = ("by_address", "conditions", "index", "repeat", "rule", "span")

    def __init__(self, index: int, rule: Rule):
        self.index = index
        self.rule = rule
        self.conditions = rule.when
        self.by_address = rule.subject == "children_at_address"
        self.repeat = dt.timedelta(days=rule.repeat_after_days)
        self.span = dt.timedelta(days=max(c.within_days for c in rule.when))


class Engine:
    """Evaluates rules over facts fed one at a time (see the module's docstring)."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        households: Households | None = None,
        at_risk: AtRisk | None = None,
    ):
        self.rules = list(rules)
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise ValueError("Each rule may be given to the engine once")
        self.households = households
        # A lookup marked `places` (facts.households(), facts.children_at) understands a
        # fact's address key; any other is asked by postcode, as the contract first said.
        self._places = bool(getattr(households, "places", False))
        needs = [r.code for r in self.rules if r.subject == "children_at_address"]
        if needs and households is None:
            raise ValueError(
                f"Rule(s) {', '.join(needs)} raise alerts about the children at an address: "
                "give the engine households= (facts.households())"
            )
        # Read lazily: only a rule with an `others_at_risk` condition, fed a fact it counts,
        # needs it; with none given, the recorded history answers (facts.risk_history()).
        self._at_risk = at_risk
        self._risk_day: dt.date | None = None
        self._risk_known: dict[int, bool] = {}
        self._compiled = [_Compiled(i, r) for i, r in enumerate(self.rules)]
        # kind -> [(compiled rule, indexes of its conditions of that kind)]
        self._by_kind: dict[str, list[tuple[_Compiled, tuple[int, ...]]]] = {}
        for compiled in self._compiled:
            for kind in sorted(compiled.rule.watches):
                wanted = tuple(i for i, c in enumerate(compiled.conditions) if c.kind == kind)
                self._by_kind.setdefault(kind, []).append((compiled, wanted))
        # (rule index, subject) -> deque of (at, fact, conditions met as bits)
        self._subjects: dict[tuple[int, object], deque] = {}
        # (rule index, condition index, alternative, value) -> deque of (at, fact)
        self._shared: dict[tuple[int, int, int, tuple], deque] = {}
        self._fired: dict[tuple[str, int], dt.datetime] = {}
        self._newest: dt.datetime | None = None
        self._since_sweep = 0
        self.facts_fed = 0

    # ------------------------------------------------------------------ feeding

    def feed(self, fact: Fact) -> list[Firing]:
        """One fact (in time order for its subject): store it and return what fires."""
        return self._take(fact, evaluate=True)

    def prime(self, facts: Iterable[Fact]) -> None:
        """Load earlier facts as state, in time order, without evaluating anything: the
        window before the facts about to be fed. (It does not mark rules as fired: an alert
        already open for a rule and person is the caller's to know; see `note_fired`.)"""
        for fact in sorted(facts, key=_order):
            self._take(fact, evaluate=False)

    def note_fired(self, rule_code: str, person_id: int, at: dt.datetime) -> None:
        """Tell the engine a rule fired for a person at `at` (say an alert raised before
        this engine was made), so it waits `repeat_after_days` before firing again."""
        key = (rule_code, person_id)
        if key not in self._fired or self._fired[key] < at:
            self._fired[key] = at

    def _take(self, fact: Fact, *, evaluate: bool) -> list[Firing]:
        self.facts_fed += 1
        if self._newest is None or fact.at > self._newest:
            self._newest = fact.at
        self._since_sweep += 1
        if self._since_sweep >= SWEEP_EVERY:
            self._sweep()
        watching = self._by_kind.get(fact.kind)
        if not watching:
            return []
        firings: list[Firing] = []
        for compiled, wanted in watching:
            bits = 0
            for index in wanted:
                if compiled.conditions[index].matches(fact):
                    bits |= 1 << index
            if not bits or not _about(compiled.rule.about, fact):
                continue
            if compiled.by_address:
                subject = place_key(fact)
                if not subject:
                    continue
            else:
                subject = fact.person_id
            window = self._subjects.get((compiled.index, subject))
            if window is None:
                window = self._subjects[(compiled.index, subject)] = deque()
            elif fact.at < window[-1][0] - compiled.span:
                continue  # too late to count
            _insert(window, (fact.at, fact, bits))
            _evict(window, compiled.span)
            candidates = {subject}
            for index in wanted:
                condition = compiled.conditions[index]
                if not bits >> index & 1 or not condition.shared_by:
                    continue
                low = fact.at - condition.within
                for alternative in range(len(condition.shared_by)):
                    value = condition.shared_value(fact, alternative)
                    if value is None:
                        continue
                    key = (compiled.index, index, alternative, value)
                    group = self._shared.get(key)
                    if group is None:
                        group = self._shared[key] = deque()
                    _insert(group, (fact.at, fact))
                    _evict(group, condition.within)
                    if evaluate and self._counts_for_others(condition, fact):
                        candidates.update(e[1].person_id for e in _in_days(group, low, fact.at))
            if evaluate:
                for candidate in sorted(candidates):
                    for moment in self._moments(compiled, candidate, fact.at):
                        where = place(fact) if self._places else fact.postcode
                        found = self._evaluate(compiled, candidate, moment, where)
                        if found:
                            firings.extend(found)
                            break
        return firings

    # ------------------------------------------------------------------ evaluating

    def _moments(self, compiled: _Compiled, subject, t: dt.datetime) -> list[dt.datetime]:
        """When to evaluate: at `t`, and for a late fact also at the times of the newer
        facts about the subject that are within the window after it."""
        window = self._subjects.get((compiled.index, subject))
        if not window or window[-1][0] <= t:
            return [t]
        later = {e[0] for e in window if t < e[0] <= t + compiled.span}
        return [t, *sorted(later)]

    def _evaluate(self, compiled: _Compiled, subject, t: dt.datetime, where: str):
        rule = compiled.rule
        window = self._subjects.get((compiled.index, subject))
        if not window:
            return []
        evidence: dict[int, Fact] = {}
        for index, condition in enumerate(compiled.conditions):
            low = t - condition.within
            bit = 1 << index
            own = [e[1] for e in _in_days(window, low, t) if e[2] & bit]
            if len(own) < condition.at_least:
                return []
            if condition.shared_by:
                shared = self._shared_evidence(compiled, index, condition, own, low, t, subject)
                if not shared:
                    return []
                for fact in shared:
                    evidence[id(fact)] = fact
            for fact in own:
                evidence[id(fact)] = fact
        facts = tuple(sorted(evidence.values(), key=_order))
        if compiled.by_address:
            people = sorted(set(self.households(where, t.date())))
        else:
            people = [subject]
        firings = []
        for person in people:
            last = self._fired.get((rule.code, person))
            if last is not None and t - last < compiled.repeat:
                continue
            self._fired[(rule.code, person)] = t
            firings.append(Firing(rule.code, rule.version, person, t, facts))
        return firings

    def _shared_evidence(self, compiled, index, condition, own, low, t, subject) -> list[Fact]:
        found: list[Fact] = []
        for alternative in range(len(condition.shared_by)):
            values = {condition.shared_value(f, alternative) for f in own} - {None}
            for value in sorted(values, key=repr):
                group = self._shared.get((compiled.index, index, alternative, value))
                if not group:
                    continue
                entries = _in_days(group, low, t)
                if condition.others_at_risk:
                    entries = self._subject_and_at_risk(entries, subject, t)
                if len({e[1].person_id for e in entries}) >= condition.people_at_least:
                    found.extend(e[1] for e in entries)
        return found

    def _subject_and_at_risk(self, entries: list, subject, t: dt.datetime) -> list:
        """The entries about the subject, and about the other people who were children at
        risk on the day of `t`."""
        others = {e[1].person_id for e in entries} - {subject}
        if not others:
            return entries
        risky = self._risky(others, t.date())
        return [e for e in entries if e[1].person_id == subject or e[1].person_id in risky]

    def _counts_for_others(self, condition: Condition, fact: Fact) -> bool:
        """Whether a fact can change a shared condition for the OTHER people sharing its
        value. Under `others_at_risk` only if its person is a child at risk that day: a
        child who is not at risk joining an adult changes nothing for the adult's other
        children (and each shared fact costs a look at the whole group otherwise)."""
        if not condition.others_at_risk:
            return True
        return bool(self._risky({fact.person_id}, fact.at.date()))

    def _risky(self, people: set, day: dt.date) -> set:
        """Which of these people were children at risk on the day, asked of `at_risk`
        once per person and day."""
        if self._at_risk is None:
            from lantern.alerts import facts as fact_source

            self._at_risk = fact_source.risk_history()
        if day != self._risk_day:
            self._risk_day, self._risk_known = day, {}
        known = self._risk_known
        unknown = sorted(p for p in people if p not in known)
        if unknown:
            answered = set(self._at_risk(unknown, day))
            for person in unknown:
                known[person] = person in answered
        return {p for p in people if known[p]}

    # ------------------------------------------------------------------ memory

    def _sweep(self) -> None:
        """Forget subjects and shared values whose newest fact is out of every window,
        and firings older than their repeat period: they can no longer change anything."""
        self._since_sweep = 0
        newest = self._newest
        if newest is None:
            return
        spans = {c.index: c.span for c in self._compiled}
        for key in [k for k, w in self._subjects.items() if w[-1][0] < newest - spans[k[0]]]:
            del self._subjects[key]
        within = {
            (c.index, i): cond.within for c in self._compiled for i, cond in enumerate(c.conditions)
        }
        for key in [k for k, w in self._shared.items() if w[-1][0] < newest - within[k[:2]]]:
            del self._shared[key]
        repeats = {c.rule.code: c.repeat for c in self._compiled}
        spent = dt.timedelta()
        for key in [k for k, at in self._fired.items() if newest - at >= repeats.get(k[0], spent)]:
            del self._fired[key]


def backtest(
    rules: Iterable[Rule],
    facts: Iterable[Fact],
    *,
    households: Households | None = None,
    at_risk: AtRisk | None = None,
) -> list[Firing]:
    """Replay facts (in time order) through a fresh engine; every firing, in order."""
    engine = Engine(rules, households=households, at_risk=at_risk)
    firings: list[Firing] = []
    for fact in facts:
        firings.extend(engine.feed(fact))
    return firings


# ---------------------------------------------------------------------- the back-test report


@dataclass(frozen=True)
class RuleTotal:
    code: str
    name: str
    version: int
    status: str
    firings: int
    people: int
    per_1000_children_per_month: float


@dataclass
class Report:
    """What rules would have raised over a stretch of history (nothing is written)."""

    since: dt.date
    until: dt.date
    rules: list[Rule]
    firings: list[Firing]
    totals: dict[str, RuleTotal]  # by rule code, in the rules' order
    months: list[str]  # "YYYY-MM", every month from since to until
    per_month: dict[str, list[int]]  # rule code -> firings in each of `months`
    children: int  # people under 18 on the middle day of the stretch
    facts_read: int
    seconds: float

    @property
    def total(self) -> int:
        return len(self.firings)

    @property
    def month_count(self) -> float:
        """The stretch's length in months (at least one day)."""
        return max(1, (self.until - self.since).days + 1) / (365.25 / 12)

    @property
    def per_1000_children_per_month(self) -> float:
        return _rate(self.total, self.children, self.month_count)

    @property
    def all_per_month(self) -> list[int]:
        return [sum(counts) for counts in zip(*self.per_month.values(), strict=True)] or [
            0 for _ in self.months
        ]

    @property
    def facts_per_second(self) -> float:
        return self.facts_read / self.seconds if self.seconds else 0.0


def _rate(count: int, children: int, months: float) -> float:
    if not children or not months:
        return 0.0
    return count * 1000 / children / months


def _months(since: dt.date, until: dt.date) -> list[str]:
    found, year, month = [], since.year, since.month
    while (year, month) <= (until.year, until.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def backtest_report(
    rules: Iterable[Rule],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Report:
    """Replay the history (facts.history) through the rules and count what they would
    have raised from `since` to `until` (inclusive dates; by default from the first fact
    to today). Facts in the window before `since` are primed, so a rule that needs two
    episodes in 30 days can complete on the first day. Reads only: writes nothing."""
    from lantern.alerts import facts as fact_source
    from lantern.core import clock

    rules = list(rules)
    started = time.perf_counter()
    until = until or clock.today()
    kinds = set().union(*(r.watches for r in rules)) if rules else set()
    households = (
        fact_source.households() if any(r.subject == "children_at_address" for r in rules) else None
    )
    engine = Engine(rules, households=households)
    longest = max((r.window_days for r in rules), default=0)
    read_from = since - dt.timedelta(days=longest) if since else None
    firings: list[Firing] = []
    first: dt.date | None = None
    read = 0
    history = fact_source.history(since=read_from, until=until, kinds=kinds) if kinds else ()
    for fact in history:
        read += 1
        day = fact_source.local_day(fact.at)
        if since is not None and day < since:
            engine.prime((fact,))
            continue
        first = first or day
        firings.extend(engine.feed(fact))
    since = since or first or until
    months = _months(since, until)
    slot = {m: i for i, m in enumerate(months)}
    per_month = {r.code: [0] * len(months) for r in rules}
    for firing in firings:
        per_month[firing.rule][slot[fact_source.local_day(firing.at).strftime("%Y-%m")]] += 1
    children = fact_source.children_count(since + (until - since) / 2)
    month_count = max(1, (until - since).days + 1) / (365.25 / 12)
    totals = {}
    for r in rules:
        mine = [f for f in firings if f.rule == r.code]
        totals[r.code] = RuleTotal(
            code=r.code,
            name=r.name,
            version=r.version,
            status=r.status,
            firings=len(mine),
            people=len({f.person_id for f in mine}),
            per_1000_children_per_month=_rate(len(mine), children, month_count),
        )
    return Report(
        since=since,
        until=until,
        rules=rules,
        firings=firings,
        totals=totals,
        months=months,
        per_month=per_month,
        children=children,
        facts_read=read,
        seconds=time.perf_counter() - started,
    )
