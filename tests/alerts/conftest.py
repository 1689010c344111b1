"""Alert fixtures: a fixed moment, fictional people known to the agencies we choose, their
events written straight to the table (so only the test decides what the rules see), and
rules and firings built by hand, as the engine would emit them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from lantern.alerts import facts as fact_source
from lantern.alerts.engine import Firing
from lantern.alerts.rules import Condition, Rule, Task
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.people.models import Event, EventType, Person
from lantern.people.services import AddressIn, SourceRecordIn, source_record_receive

# A Tuesday in November (GMT: UK time and UTC agree), clear of bank holidays.
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
COUNCIL, POLICE, NHS = "kestrelford-childrens-services", "northmoor-police", "kestrelford-nhs"
HOME = "KF4 7QD"


@pytest.fixture(autouse=True)
def now(db):
    with clock.frozen_at(NOW):
        yield NOW


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def team_manager(db):
    return user("team.manager")


@pytest.fixture
def school(school_dsl) -> Agency:
    """The demo safeguarding lead's school."""
    return school_dsl.agency


_made = {"n": 0}


def make_person(
    given: str,
    family: str,
    born: dt.date | None,
    *agencies,
    postcode: str = "",
    sensitivity: str = "normal",
) -> Person:
    """A fictional person with a current record at each agency (a code or an Agency),
    already one person, living at `postcode` if given."""
    person = None
    for agency in agencies:
        _made["n"] += 1
        code = agency.code if isinstance(agency, Agency) else agency
        addresses = (AddressIn(line1="1 Heron Row", town="Kestrelford", postcode=postcode),)
        source = source_record_receive(
            actor=None,
            agency=code,
            record=SourceRecordIn(
                local_id=f"AL-{_made['n']}-{family}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                addresses=addresses if postcode else (),
            ),
            person=person,
        )
        person = source.person
    if sensitivity != "normal":
        Person.objects.filter(pk=person.pk).update(sensitivity=sensitivity)
        person.refresh_from_db()
    return person


def record(
    person: Person,
    agency: str | Agency,
    kind: str,
    at: dt.datetime,
    summary: str,
    *,
    sensitivity: str = "normal",
    postcode: str = "",
    details: dict | None = None,
) -> Event:
    """An event straight into the table: no rule sees it until a test feeds it."""
    code = agency.code if isinstance(agency, Agency) else agency
    source = person.source_records.get(agency__code=code, is_current=True)
    return Event.objects.create(
        source_record=source,
        event_type=EventType.objects.get(code=kind),
        occurred_at=at,
        summary=summary,
        sensitivity=sensitivity,
        postcode=postcode,
        details=details or {},
        recorded_at=at,
    )


def facts_of(*events: Event):
    return tuple(fact_source.from_events(list(events)))


def make_rule(
    code: str = "test_rule",
    *,
    kind: str = "missing_episode",
    at_least: int = 1,
    route: str = "exploitation_alert",
    severity: str = "high",
    tasks: tuple[Task, ...] = (),
    notify: tuple[str, ...] = (),
    notify_by: str = "now",
    subject: str = "person",
    window_days: int = 30,
    repeat_after_days: int = 90,
    status: str = "on",
) -> Rule:
    return Rule(
        code=code,
        version=3,
        name=f"Test rule {code}",
        description=f"A rule made for a test: {at_least} {kind} in {window_days} days.",
        status=status,
        severity=severity,
        route=route,
        subject=subject,
        about="anyone",
        window_days=window_days,
        repeat_after_days=repeat_after_days,
        when=(Condition(kind=kind, at_least=at_least, within_days=window_days),),
        tasks=tasks,
        notify=notify,
        notify_by=notify_by,
    )


def firing_for(rule: Rule, person: Person, *events: Event) -> Firing:
    facts = facts_of(*events)
    return Firing(rule.code, rule.version, person.pk, max(f.at for f in facts), facts)


@pytest.fixture
def child(school) -> Person:
    """A girl of 14 the council, the police and her school hold records of."""
    return make_person(
        "Mira", "Quellwood", dt.date(2012, 3, 14), COUNCIL, POLICE, school, postcode=HOME
    )


@pytest.fixture
def stranger_child() -> Person:
    """A boy only the police know: the front door has no relationship with him."""
    return make_person("Tobin", "Farrowgate", dt.date(2011, 7, 2), POLICE)


@pytest.fixture
def missing_twice(child):
    """Two missing episodes in a fortnight, one of them restricted."""
    first = record(
        child,
        POLICE,
        "missing_episode",
        NOW - dt.timedelta(days=15),
        "Missing overnight, found at a takeaway",
    )
    second = record(
        child,
        POLICE,
        "missing_episode",
        NOW - dt.timedelta(days=2),
        "Missing two nights; found in a flat with older men",
        sensitivity="restricted",
    )
    return first, second
