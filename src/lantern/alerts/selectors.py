"""Every read of alerts, through the access policy, every look audited.

Who sees an alert: the staff of the team it was routed to, the staff of an agency with a
task from it, and anyone Lantern told about it, while the access policy lets them see the
person it is about. Anyone else is told it does not exist (404), and it never appears in
their lists, counts, home page or API. Lists (the inbox, the home page, the tasks) use the
policy's "list" action on the person; a single alert its "view" (pages) or "api".

What a reader sees of each fact behind an alert: the record itself (what kind, when,
what the agency wrote) only if the policy lets them read that record, an agency's event
as `policy.person_events_visible_to` answers it (the same answer as `policy.can` on the
event). Otherwise the fact is "a restricted record held by" the agency, with the day it
happened and nothing else: not its kind, not its time, not its summary.

A completed risk tool (lantern.risk) is read here as a normal-sensitivity record held by
the agency that completed it: by that agency's staff, and by anyone whose relationship
to the person lets them read other agencies' normal records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.timezone import localdate as local_day

from lantern.access import policy
from lantern.access.models import Relationship
from lantern.audit.services import Subject, audit_record, audit_refusal
from lantern.core import clock
from lantern.partners.models import Agency, Role
from lantern.people.models import Event, Person, Sensitivity
from lantern.people.safety import address_mask
from lantern.people.selectors import purpose_for

from . import rules as alert_rules
from .models import (
    OPEN_STATUSES,
    Alert,
    AlertFact,
    AlertRecipient,
    AlertTask,
    Severity,
    Status,
    TaskStatus,
)

CONSULTATION = "consultation"
PAGE_SIZE = 50
EVENT = "people.event"
ASSESSMENT = "risk.assessment"
LINK = "network.link"
# Who may read the rule back-test report: managers and analysts. Names appear only for
# people the reader may see; the partnership manager sees totals only.
REPORT_ROLES = frozenset({"partnership_manager", "team_manager", "police_analyst"})


# ---------------------------------------------------------------- who sees which alert
def _team(user):
    membership = getattr(user, "membership", None)
    return membership.team if membership else None


def _connected(user) -> Q:
    """Alerts the user has a part in: routed to their team, with a task for their agency,
    or told to them."""
    team, agency = _team(user), getattr(user, "agency", None)
    found = Q(Exists(AlertRecipient.objects.filter(alert=OuterRef("pk"), user=user)))
    if team is not None:
        found |= Q(team=team)
    if agency is not None:
        found |= Q(Exists(AlertTask.objects.filter(alert=OuterRef("pk"), agency=agency)))
    return found


def alerts_visible_to(user, action: str = "view") -> QuerySet[Alert]:
    """Every alert the user has a part in, about a person they may `action`."""
    if not policy.sees_case_data(user):
        return Alert.objects.none()
    people = policy.people_visible_to(user, action).values("pk")
    return Alert.objects.filter(_connected(user), person__in=people)


def team_alerts(user, action: str = "list") -> QuerySet[Alert]:
    """The alerts routed to the user's team, about people they may `action`."""
    team = _team(user)
    if team is None or not policy.sees_case_data(user):
        return Alert.objects.none()
    return Alert.objects.filter(
        team=team, person__in=policy.people_visible_to(user, action).values("pk")
    )


def may_see(user, alert: Alert, action: str = "view") -> bool:
    return alerts_visible_to(user, action).filter(pk=alert.pk).exists()


def alert_get(*, user, pk: int, action: str = "view") -> Alert:
    """The alert, if the user may see it; Alert.DoesNotExist (a 404) if not. A refused
    look at an alert that exists is recorded as refused."""
    try:
        return (
            alerts_visible_to(user, action)
            .select_related("person", "team__agency", "agency")
            .get(pk=pk)
        )
    except Alert.DoesNotExist:
        existing = Alert.objects.filter(pk=pk).first()
        if existing is not None and policy.sees_case_data(user):
            audit_refusal(
                actor=user,
                action=CONSULTATION,
                operation=f"alert.{action}",
                purpose="No part in the alert, or no relationship to the person",
                subjects=[Subject.of(existing)],
            )
        raise


# ---------------------------------------------------------------- the rule, in words
def rule_for(alert: Alert):
    """The rule as shipped (its name and description), or None if it is no longer shipped."""
    try:
        return alert_rules.rule(alert.rule)
    except LookupError:
        return None


def rule_name(code: str) -> str:
    try:
        return alert_rules.rule(code).name
    except LookupError:
        return code.replace("_", " ").capitalize()


# ---------------------------------------------------------------- the facts, as the reader may
@dataclass(frozen=True)
class FactView:
    """One fact behind an alert, as one reader may see it. A fact the reader may not read
    keeps only its agency and its day: `at`, `title`, `summary` and `place` stay empty."""

    agency: str
    day: dt.date  # the day it happened, UK time
    shown: bool  # False: "a restricted record held by" the agency
    at: dt.datetime | None = None
    title: str = ""  # the kind of record
    summary: str = ""  # what the agency wrote
    place: str = ""
    about_someone_else: bool = False  # recorded against another person (at the address, or
    # another child seen with the same adult or vehicle)
    source: str = ""  # "people.event:12"

    @property
    def text(self) -> str:
        if self.shown:
            return self.title
        return f"A restricted record held by {self.agency}"


def _assessment_readable(user, action: str, agency_id: int, relationships: set[str]) -> bool:
    """A risk tool read as a normal record held by the agency that completed it."""
    if not policy.sees_case_data(user):
        return False
    role, table = user.role.code, policy.table()
    if user.agency is not None and user.agency.pk == agency_id:
        return table.allows(role, Relationship.HOLDS_RECORD, "event", Sensitivity.NORMAL, action)
    return any(
        table.allows(role, rel, "event", Sensitivity.NORMAL, action)
        for rel in relationships - {Relationship.HOLDS_RECORD}
    )


def _tool_words(code: str, version: int | None, level: str) -> tuple[str, str]:
    """A risk tool's name and a level's label, as the tool's file says them."""
    try:
        from lantern.risk import tools

        tool = tools.tool(code, version)
        return tool.name, tool.label(level)
    except Exception:  # the risk app's files are its own: fall back to the codes
        return code.replace("_", " ").capitalize(), level


def describe_facts(
    user, facts: list[AlertFact], action: str = "view"
) -> tuple[list[FactView], list[Subject]]:
    """The facts as this reader may see them, and the records read to show them."""
    relationships: dict[int, set[str]] = {}
    people = Person.objects.in_bulk({f.person_id for f in facts})

    def rels(person_id: int) -> set[str]:
        if person_id not in relationships:
            relationships[person_id] = policy.person_relationships(user, people[person_id])
        return relationships[person_id]

    event_ids = [f.source_id for f in facts if f.source_type == EVENT]
    readable: set[int] = set()
    by_person: dict[int, list[int]] = defaultdict(list)
    for f in facts:
        if f.source_type == EVENT:
            by_person[f.person_id].append(f.source_id)
    if policy.sees_case_data(user):
        for person_id, ids in by_person.items():
            readable |= set(
                policy.person_events_visible_to(user, action, people[person_id], rels(person_id))
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
    events = Event.objects.select_related("event_type").in_bulk(readable & set(event_ids))
    assessments = {}
    assessment_ids = [f.source_id for f in facts if f.source_type == ASSESSMENT]
    if assessment_ids:
        from . import facts as fact_source

        model = fact_source.assessment_model()
        if model is not None:
            assessments = model.objects.in_bulk(assessment_ids)
    links = _links_readable(user, action, [f.source_id for f in facts if f.source_type == LINK])
    agencies = Agency.objects.in_bulk({f.agency_id for f in facts})
    alert_people = {f.alert.person_id for f in facts} if facts else set()
    # The address of anyone whose safe-contact settings hide it from the reader stays out
    # of what the records say (a fact may be about another person at her address).
    mask = address_mask(user=user, person_ids={f.person_id for f in facts} | alert_people)
    views, subjects = [], []
    for f in facts:
        agency = agencies[f.agency_id].name
        other = f.person_id not in alert_people
        if f.source_type == EVENT and f.source_id in events:
            event = events[f.source_id]
            views.append(
                FactView(
                    agency=agency,
                    day=local_day(event.occurred_at),
                    at=event.occurred_at,
                    shown=True,
                    title=event.event_type.name,
                    summary=mask.any_text(event.summary),
                    place=mask.any_text(event.place),
                    about_someone_else=other,
                    source=f"{EVENT}:{event.pk}",
                )
            )
            subjects.append(Subject(EVENT, event.pk, f.person_id))
            continue
        assessment = assessments.get(f.source_id) if f.source_type == ASSESSMENT else None
        if assessment is not None and _assessment_readable(
            user, action, assessment.agency_id, rels(f.person_id)
        ):
            name, level = _tool_words(assessment.tool, assessment.tool_version, assessment.level)
            views.append(
                FactView(
                    agency=agency,
                    day=local_day(assessment.completed_at),
                    at=assessment.completed_at,
                    shown=True,
                    title=name,
                    summary=f"Level: {level} (score {assessment.score})",
                    about_someone_else=other,
                    source=f"{ASSESSMENT}:{assessment.pk}",
                )
            )
            subjects.append(Subject(ASSESSMENT, assessment.pk, f.person_id))
            continue
        link = links.get(f.source_id) if f.source_type == LINK else None
        if link is not None:
            views.append(
                FactView(
                    agency=agency,
                    day=link.last_seen or link.first_seen,
                    at=f.at,
                    shown=True,
                    title=f"Intelligence {link.report.reference}: {link.get_kind_display()}",
                    summary=mask.any_text(f"{link.source.label} and {link.target.label}"),
                    about_someone_else=other,
                    source=f"{LINK}:{link.pk}",
                )
            )
            subjects.extend(
                Subject(LINK, link.pk, end.person_id)
                for end in (link.source, link.target)
                if end.person_id is not None
            )
            continue
        # Not for this reader: the agency and the day, nothing else.
        views.append(FactView(agency=agency, day=local_day(f.at), shown=False))
    return views, subjects


def _links_readable(user, action: str, ids: list[int]) -> dict:
    """The network links among `ids` this reader may see, with both ends (a person at an
    end only if the reader may see them): lantern.network decides, as alerts build on it."""
    if not ids or not policy.sees_case_data(user):
        return {}
    from lantern.network import selectors as network

    found = (
        network.links_visible_to(user, action)
        .filter(pk__in=ids)
        .select_related("report", "source__person", "target__person")
    )
    found = list(found)
    ends = {e.pk: e for link in found for e in (link.source, link.target)}
    readable = network.readable_entities(user, ends)
    return {
        link.pk: link for link in found if link.source_id in readable and link.target_id in readable
    }


# ---------------------------------------------------------------- the inbox
@dataclass(frozen=True)
class InboxCounts:
    open: int
    acknowledged: int
    high: int  # open or acknowledged, high severity
    closed: int


@dataclass
class AlertRow:
    alert: Alert
    rule_name: str
    facts: int
    agencies: list[str]


@dataclass
class Inbox:
    team: object
    show: str
    counts: InboxCounts
    page: Page
    rows: list[AlertRow]
    tasks: list[AlertTask] = field(default_factory=list)
    today: dt.date | None = None


SHOW = {
    "open": Q(status__in=OPEN_STATUSES),
    "closed": ~Q(status__in=OPEN_STATUSES),
    "all": Q(),
}


def _inbox_order(queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    """Open first, then high severity first, then the oldest first."""
    return queryset.annotate(
        open_first=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        high_first=Case(
            When(severity=Severity.HIGH, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("open_first", "high_first", "raised_at", "pk")


def _counts(queryset: QuerySet[Alert]) -> InboxCounts:
    found = queryset.aggregate(
        open=Count("pk", filter=Q(status=Status.OPEN)),
        acknowledged=Count("pk", filter=Q(status=Status.ACKNOWLEDGED)),
        high=Count("pk", filter=Q(status__in=OPEN_STATUSES, severity=Severity.HIGH)),
        closed=Count("pk", filter=~Q(status__in=OPEN_STATUSES)),
    )
    return InboxCounts(**found)


def _rows(alerts: list[Alert]) -> list[AlertRow]:
    found = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for alert_id, name in (
        AlertFact.objects.filter(alert__in=alerts)
        .order_by("alert", "agency__name")
        .values_list("alert", "agency__name")
    ):
        counts[alert_id] += 1
        if name not in found[alert_id]:
            found[alert_id].append(name)
    return [AlertRow(a, rule_name(a.rule), counts[a.pk], found[a.pk]) for a in alerts]


def agency_tasks(user, *, open_only: bool = True) -> QuerySet[AlertTask]:
    """Tasks from alerts for the user's agency, about people they may list."""
    agency = getattr(user, "agency", None)
    if agency is None or not policy.sees_case_data(user):
        return AlertTask.objects.none()
    found = AlertTask.objects.filter(
        agency=agency, alert__person__in=policy.people_visible_to(user, "list").values("pk")
    )
    return found.filter(status=TaskStatus.OPEN) if open_only else found


@transaction.atomic
def inbox(*, user, show: str = "open", page=None, page_size: int = PAGE_SIZE) -> Inbox:
    """The alerts routed to the user's team (open first, high first, oldest first), with
    counts over every alert the reader may see, and the open tasks alerts gave their
    agency. Every person shown is audited."""
    show = show if show in SHOW else "open"
    mine = team_alerts(user, "list")
    counts = _counts(mine)
    chosen = _inbox_order(mine.filter(SHOW[show]).select_related("person", "team"))
    paged = Paginator(chosen, page_size).get_page(page)
    rows = _rows(list(paged.object_list))
    tasks = list(
        agency_tasks(user)
        .select_related("alert__person", "agency")
        .order_by("due_on", "pk")[:page_size]
    )
    subjects = {}
    for row in rows:
        subjects[("a", row.alert.pk)] = Subject.of(row.alert)
        subjects[("p", row.alert.person_id)] = Subject.person(row.alert.person)
    for task in tasks:
        subjects[("t", task.pk)] = Subject.of(task, person_id=task.alert.person_id)
        subjects[("p", task.alert.person_id)] = Subject.person(task.alert.person)
    team = _team(user)
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="alert.inbox",
        purpose=f"Alerts routed to {team.name if team else 'no team'}, and the agency's tasks",
        subjects=list(subjects.values()),
        detail={"show": show, "page": paged.number, "alerts": len(rows), "tasks": len(tasks)},
    )
    return Inbox(
        team=team, show=show, counts=counts, page=paged, rows=rows, tasks=tasks, today=clock.today()
    )


# ---------------------------------------------------------------- one alert
@dataclass
class AlertView:
    alert: Alert
    rule: object  # rules.Rule, or None if no longer shipped
    rule_name: str
    facts: list[FactView]
    tasks: list[AlertTask]
    recipients: list[AlertRecipient]
    relationships: frozenset[str]
    can_decide: bool = False
    tasks_mine: set[int] = field(default_factory=set)
    today: dt.date | None = None
    role_names: dict[str, str] = field(default_factory=dict)

    @property
    def hidden_facts(self) -> int:
        return sum(1 for f in self.facts if not f.shown)


@transaction.atomic
def alert_view(*, user, alert: Alert, action: str = "view") -> AlertView:
    """Everything this reader may see of one alert they may see, audited: why (the rule),
    the facts as they may read them, the tasks, who was told."""
    from .services import may_decide

    relationships = policy.person_relationships(user, alert.person)
    facts = list(alert.facts.select_related("alert").order_by("at", "pk"))
    views, read = describe_facts(user, facts, action)
    tasks = list(alert.tasks.select_related("agency", "done_by").order_by("due_on", "pk"))
    recipients = list(alert.recipients.select_related("user", "agency").order_by("told_at", "pk"))
    agency = getattr(user, "agency", None)
    rule = rule_for(alert)
    view = AlertView(
        alert=alert,
        rule=rule,
        rule_name=rule.name if rule else rule_name(alert.rule),
        facts=views,
        tasks=tasks,
        recipients=recipients,
        relationships=frozenset(relationships),
        can_decide=alert.is_open and may_decide(user, alert),
        tasks_mine={
            t.pk for t in tasks if t.is_open and agency is not None and t.agency_id == agency.pk
        },
        today=clock.today(),
        role_names=dict(
            Role.objects.filter(code__in={r.role for r in recipients}).values_list("code", "name")
        ),
    )
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation=f"alert.{action}",
        purpose="Alert: " + purpose_for(relationships),
        subjects=[
            Subject.person(alert.person),
            Subject.of(alert),
            *read,
            *(Subject.of(t, person_id=alert.person_id) for t in tasks),
        ],
        detail={"facts_shown": len(read), "facts_withheld": view.hidden_facts},
    )
    return view


@transaction.atomic
def alerts_api_list(*, user, show: str = "open", limit: int = PAGE_SIZE) -> list[AlertView]:
    """The team's alerts for the API, each with its facts as the reader may read them
    (one policy look per person, not per fact), audited as one read."""
    show = show if show in SHOW else "open"
    alerts = list(
        _inbox_order(team_alerts(user, "api").filter(SHOW[show])).select_related(
            "person", "team__agency", "agency"
        )[:limit]
    )
    facts = defaultdict(list)
    for fact in (
        AlertFact.objects.filter(alert__in=alerts).select_related("alert").order_by("at", "pk")
    ):
        facts[fact.alert_id].append(fact)
    tasks = defaultdict(list)
    for task in (
        AlertTask.objects.filter(alert__in=alerts).select_related("agency").order_by("due_on", "pk")
    ):
        tasks[task.alert_id].append(task)
    views, subjects = [], []
    for alert in alerts:
        shown, read = describe_facts(user, facts[alert.pk], "api")
        rule = rule_for(alert)
        views.append(
            AlertView(
                alert=alert,
                rule=rule,
                rule_name=rule.name if rule else rule_name(alert.rule),
                facts=shown,
                tasks=tasks[alert.pk],
                recipients=[],
                relationships=frozenset(),
            )
        )
        subjects += [Subject.person(alert.person), Subject.of(alert), *read]
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="api.alerts.list",
        purpose="Alerts routed to the reader's team",
        subjects=subjects,
        detail={"show": show, "alerts": len(views)},
    )
    return views


# ---------------------------------------------------------------- the home page
@dataclass
class HomeAlerts:
    counts: InboxCounts
    alerts: list[AlertRow]
    tasks_open: int
    tasks_overdue: int


@transaction.atomic
def home_alerts(user, *, limit: int = 5) -> HomeAlerts | None:
    """For the home page: the team's open alerts (high first, oldest first) and counts,
    and the agency's open alert tasks, over what the user may see. None for a user with
    no team or who sees no case data."""
    if not policy.sees_case_data(user) or _team(user) is None:
        return None
    mine = team_alerts(user, "list")
    counts = _counts(mine)
    alerts = list(
        _inbox_order(mine.filter(status__in=OPEN_STATUSES)).select_related("person")[:limit]
    )
    today = clock.today()
    tasks = agency_tasks(user).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    if alerts:
        audit_record(
            actor=user,
            action=CONSULTATION,
            operation="home.alerts_panel",
            purpose="The team's open alerts on the home page",
            subjects=[s for a in alerts for s in (Subject.person(a.person), Subject.of(a))],
        )
    return HomeAlerts(
        counts=counts,
        alerts=_rows(alerts),
        tasks_open=tasks["open"],
        tasks_overdue=tasks["overdue"],
    )


# ---------------------------------------------------------------- the rule back-test report
@dataclass(frozen=True)
class FiringRow:
    """A firing the back-test found, about a person the reader may see."""

    rule_name: str
    at: dt.datetime
    person: Person
    facts: int


@dataclass
class RulesReport:
    report: object  # engine.Report
    rules: list  # rules.Rule, in the report
    months: list[tuple[str, int]]  # ("2026-03", alerts), every month of the stretch
    named: list[FiringRow]  # the latest firings about people the reader may see
    unnamed: int  # firings about people the reader may not see: counted, never named
    shows_names: bool


def may_read_rules_report(user) -> bool:
    role = getattr(user, "role", None)
    return role is not None and role.code in REPORT_ROLES


NAMED_SHOWN = 100


@transaction.atomic
def rules_report(*, user, since: dt.date, until: dt.date, code: str | None = None) -> RulesReport:
    """What the shipped rules (or one rule, on or off) would have raised from `since` to
    `until`: totals, alerts per month, and the firings about people the reader may see
    (the others counted only). Writes nothing but its audit event. LookupError for an
    unknown rule; the caller checks `may_read_rules_report` first."""
    from .engine import backtest_report

    rules = [alert_rules.rule(code)] if code else list(alert_rules.shipped())
    report = backtest_report(rules, since=since, until=until)
    shows_names = policy.sees_case_data(user)
    visible = set()
    ids = {f.person_id for f in report.firings}
    if shows_names and ids:
        visible = set(
            policy.people_visible_to(user, "list").filter(pk__in=ids).values_list("pk", flat=True)
        )
    mine = [f for f in report.firings if f.person_id in visible]
    latest = sorted(mine, key=lambda f: (f.at, f.person_id), reverse=True)[:NAMED_SHOWN]
    people = Person.objects.in_bulk({f.person_id for f in latest})
    names = {r.code: r.name for r in rules}
    named = [FiringRow(names[f.rule], f.at, people[f.person_id], len(f.facts)) for f in latest]
    counts = report.all_per_month
    audit_record(
        actor=user,
        action=CONSULTATION,
        operation="alert.rules_report",
        purpose="Rule back-test: what the rules would have raised" + (f" ({code})" if code else ""),
        subjects=[Subject.person(p) for p in sorted(people.values(), key=lambda p: p.pk)],
        detail={
            "since": since,
            "until": until,
            "rules": [r.code for r in rules],
            "firings": report.total,
            "named": len(named),
        },
    )
    return RulesReport(
        report=report,
        rules=rules,
        months=list(zip(report.months, counts, strict=True)),
        named=named,
        unnamed=report.total - len(mine),
        shows_names=shows_names,
    )
