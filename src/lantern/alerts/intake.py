"""Where facts enter the rule engine as they arrive: agencies' events (people.services.
event_record and bulk loads), completed risk tools (lantern.risk) and new network links
(lantern.network.services.report_submit). Each call evaluates the rules that watch those
kinds of fact, for the people concerned only, and raises or adds to alerts, in the
caller's transaction.

How one call works, with no recompute of anything else:

1. The new rows become facts (facts.py); kinds no switched-on rule watches stop here,
   before any query.
2. The earlier facts that could complete a rule with them are read, in one query per
   source (events, risk tools): the same people's facts of the watched kinds within the
   longest window of the rules concerned; for a rule that counts facts shared between
   people (the same adult, the same car), every fact of that kind in the window; for a
   rule about the children at an address, the facts at the same postcodes; for network
   links, every link in the window touching either end of a new link that a rule counts
   (the child's other links, and the adult's links to other children).
3. An engine is primed with the facts before the earliest new one, then fed the new facts
   and the facts already held that happened after them (a record entered late can still
   complete a rule with what came after it), in time order. Only firings that include a
   new fact count: the others were evaluated when their own facts arrived.
4. The engine is told about alerts closed within a rule's `repeat_after_days`, so a rule
   that fired, was looked at and closed, does not fire again for the same person until
   its repeat period has passed (as the back-test counts it). An OPEN alert is not told:
   a new firing adds its new facts to it (services.alert_raise).

A rule that counts the other people around someone only when they are children at risk
(`others_at_risk`) asks about today: the live flow acts now, on what is known now
(facts.children_at_risk; a back-test asks about each day it replays).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from lantern.core import clock

from . import facts as fact_source
from . import rules as alert_rules
from .engine import Engine, Fact, Firing, postcode_key


def events_arrived(events) -> list:
    """Evaluate the rules over newly recorded people.Event rows. Returns the alerts raised
    or added to."""
    events = list(events)
    if not events:
        return []
    rules = _rules_watching({e.event_type.code for e in events})
    if not rules:
        return []
    return _evaluate(rules, fact_source.from_events(events))


def assessment_completed(assessment) -> list:
    """Evaluate the rules over a newly completed risk tool (a lantern.risk assessment).
    Returns the alerts raised or added to."""
    rules = _rules_watching({alert_rules.RISK_ASSESSMENT})
    if not rules:
        return []
    return _evaluate(rules, fact_source.from_assessments([assessment]))


def _rules_watching(kinds: set[str], rules=None) -> list:
    rules = alert_rules.active() if rules is None else rules
    return [r for r in rules if r.watches & kinds]


def evaluate(rules, new_facts: list[Fact]) -> list:
    """The live flow for given rules (tests give hand-made ones): see the module's
    docstring. Returns the alerts raised or added to."""
    rules = _rules_watching({f.kind for f in new_facts}, rules)
    return _evaluate(rules, new_facts) if rules else []


def _evaluate(rules, new_facts: list[Fact]) -> list:
    from . import services

    if not new_facts:
        return []
    by_address = any(r.subject == "children_at_address" for r in rules)
    engine = Engine(
        rules,
        households=fact_source.children_at if by_address else None,
        at_risk=_at_risk_now,
    )
    new_sources = {f.source for f in new_facts}
    held = [f for f in _held_facts(rules, new_facts) if f.source not in new_sources]
    first = min((f.at, f.source) for f in new_facts)
    engine.prime(f for f in held if (f.at, f.source) < first)
    _note_closed(engine, rules, new_facts, held)
    later = [f for f in held if (f.at, f.source) >= first]
    firings: list[Firing] = []
    for fact in sorted([*new_facts, *later], key=lambda f: (f.at, f.source)):
        for firing in engine.feed(fact):
            if any(f.source in new_sources for f in firing.facts):
                firings.append(firing)
    by_code = {r.code: r for r in rules}
    raised = []
    for firing in firings:
        alert = services.alert_raise(firing, rule=by_code[firing.rule])
        if alert not in raised:
            raised.append(alert)
    return raised


def _at_risk_now(person_ids, on: dt.date) -> set[int]:
    """The live flow's answer to "children at risk on the day": what is known today, since
    the alert is raised today (a link seen last month about a child who became at risk
    last week still counts)."""
    return fact_source.children_at_risk(person_ids, clock.today())


def _span(rules) -> dt.timedelta:
    return dt.timedelta(days=max(max(c.within_days for c in r.when) for r in rules))


def _held_facts(rules, new_facts: list[Fact]) -> list[Fact]:
    """The facts already recorded that could complete a rule with the new ones."""
    from lantern.people.models import Event

    span = _span(rules)
    low = min(f.at for f in new_facts) - span
    high = max(f.at for f in new_facts) + span
    kinds = set().union(*(r.watches for r in rules))
    people = {f.person_id for f in new_facts}
    shared_kinds = {c.kind for r in rules for c in r.when if c.shared_by}
    address_kinds = {c.kind for r in rules if r.subject == "children_at_address" for c in r.when}
    postcodes = {p for p in (_postcode(f.postcode) for f in new_facts) if p}

    def concerned(person_field: str, kind_field: str, postcode_fields=()) -> Q:
        clause = Q(**{f"{person_field}__in": people})
        if shared_kinds:
            clause |= Q(**{f"{kind_field}__in": shared_kinds})
        if address_kinds and postcodes:
            at_address = Q()
            for name in postcode_fields:
                at_address |= Q(**{f"{name}__in": postcodes})
            clause |= Q(**{f"{kind_field}__in": address_kinds}) & at_address
        return clause

    found: list[Fact] = []
    event_kinds = kinds - {alert_rules.RISK_ASSESSMENT, alert_rules.NETWORK_LINK}
    if event_kinds:
        events = Event.objects.filter(
            concerned(
                "source_record__person_id",
                "event_type__code",
                ("postcode", "source_record__postcode"),
            ),
            event_type__code__in=event_kinds,
            occurred_at__gte=low,
            occurred_at__lte=high,
        )
        found += fact_source.from_events(events)
    model = fact_source.assessment_model()
    if model is not None and alert_rules.RISK_ASSESSMENT in kinds:
        assessments = model.objects.filter(completed_at__gte=low, completed_at__lte=high)
        if alert_rules.RISK_ASSESSMENT not in shared_kinds:
            assessments = assessments.filter(person_id__in=people)
        found += fact_source.from_assessments(assessments)
    if alert_rules.NETWORK_LINK in kinds:
        found += _held_links(rules, new_facts, low, high)
    return found


def _held_links(rules, new_facts: list[Fact], low: dt.datetime, high: dt.datetime) -> list:
    """The links that could complete a rule with the new ones: those touching either end
    (the person's entity, and the other end) of a new link some rule's condition counts.
    A new link no condition counts (a child seen at a takeaway, for a rule about adults)
    reads nothing."""
    conditions = [c for r in rules for c in r.when if c.kind == alert_rules.NETWORK_LINK]
    entities = set()
    for fact in new_facts:
        if fact.kind == alert_rules.NETWORK_LINK and any(c.matches(fact) for c in conditions):
            entities.update(fact.details.get(k) for k in ("entity", "other"))
    entities.discard(None)
    if not entities:
        return []
    return fact_source.links_touching(
        entities, low=fact_source.local_day(low), high=fact_source.local_day(high)
    )


def _postcode(postcode: str) -> str:
    """A postcode as agencies store it (validated: upper case, one space)."""
    key = postcode_key(postcode)
    return f"{key[:-3]} {key[-3:]}" if len(key) > 3 else ""


def _note_closed(engine: Engine, rules, new_facts: list[Fact], held: list[Fact]) -> None:
    """Tell the engine about alerts closed within their rule's repeat period, for the
    people who could be alerted about: the facts' people and, for rules about the
    children at an address, the children living there."""
    from .models import OPEN_STATUSES, Alert

    people = {f.person_id for f in [*new_facts, *held]}
    if any(r.subject == "children_at_address" for r in rules):
        for fact in new_facts:
            place = fact.details.get("address") or fact.postcode
            if place:
                people.update(fact_source.children_at(place, fact_source.local_day(fact.at)))
    longest = max(r.repeat_after_days for r in rules)
    since = min(f.at for f in new_facts) - dt.timedelta(days=longest)
    closed = Alert.objects.filter(
        rule__in=[r.code for r in rules],
        person_id__in=people,
        fired_at__gte=since,
    ).exclude(status__in=OPEN_STATUSES)
    repeat = {r.code: dt.timedelta(days=r.repeat_after_days) for r in rules}
    for code, person_id, fired_at in closed.values_list("rule", "person_id", "fired_at"):
        if min(f.at for f in new_facts) - fired_at < repeat[code]:
            engine.note_fired(code, person_id, fired_at)


def history_arrived(*, since: dt.datetime, until: dt.datetime | None = None) -> list:
    """Facts that arrived in bulk (a borough seeded, an agency's backlog loaded) rather
    than one by one: replay the switched-on rules over them and raise, as the live flow
    would have, the alerts whose rule became true from `since` on. The facts before
    `since` (within the longest window) only set the rules' state: what fired before then
    is not raised again. Returns the alerts raised or added to."""
    from . import services
    from .engine import backtest

    rules = alert_rules.active()
    # Rules that count other children at risk read the alerts the others raise: they are
    # replayed second, over the alerts the first pass raised, so that a second run finds
    # nothing new.
    first = [r for r in rules if not _reads_risk(r)]
    second = [r for r in rules if _reads_risk(r)]
    raised = []
    for part in (first, second):
        if not part:
            continue
        kinds = set().union(*(r.watches for r in part))
        by_address = any(r.subject == "children_at_address" for r in part)
        firings = backtest(
            part,
            fact_source.history(since=since - _span(part), until=until, kinds=kinds),
            households=fact_source.households() if by_address else None,
        )  # a rule about children at risk reads facts.risk_history() when it first needs it
        raised += [services.alert_raise(f) for f in firings if f.at >= since]
    return raised


def _reads_risk(rule) -> bool:
    return any(c.others_at_risk for c in rule.when)


def links_arrived(links) -> list:
    """Evaluate the rules over new network links (lantern.network Link rows, just saved by
    network.services). Returns the alerts raised or added to."""
    links = list(links)
    if not links:
        return []
    rules = _rules_watching({alert_rules.NETWORK_LINK})
    if not rules:
        return []
    return _evaluate(rules, fact_source.from_links(links))
