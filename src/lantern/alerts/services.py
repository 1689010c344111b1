"""Every write to alerts: raised (or added to) from a rule's firing, acknowledged, acted
on, dismissed, and their tasks done. Each checks its input and the order of the steps,
writes, and records its audit event, in one transaction (the caller's, when a firing
comes from an agency's new event: the event, the alert and its notifications commit or
roll back together).

Raising (`alert_raise`):

- One open alert per rule and person. A firing for a rule and person that already have
  an open (or acknowledged) alert adds the facts that are new to it, and tells the same
  people again that there is more; it never makes a second alert. A database constraint
  keeps this true even for two transactions at once.
- Routed by the roles-and-responsibilities table (routing.py): the rule's route step, the
  step's Responsible agency kind, that agency's team.
- The rule's tasks are made, one per task, for the agency of each task's kind.
- The routed team's staff are told, and so is everyone holding a role the rule names in an
  agency that holds a record of the person (a child's school safeguarding lead); for a
  rule that must reach them before the next school day, with that time.
- Nobody is told about a person they may not see (the access policy decides, after the
  alert exists, so the team's `alert` relationship counts): such people are counted in the
  audit event's `told_no_one`, never named in a notification.

Lifecycle: open -> acknowledged -> acted on | dismissed (acting or dismissing straight
from open is allowed; a closed alert cannot change). Acting needs what was done;
dismissing needs why. Dismissing cancels the alert's open tasks. The staff who may do
these are the routed team's, in a role the route step's `recorded_by` names, while they
may see the person. Anyone else is told the alert does not exist (a 404), unless they can
see it and only lack the role, when they are told why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When

from lantern.access import policy
from lantern.access.models import Notification
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_required, refuse
from lantern.people.models import Person

from . import routing
from . import rules as alert_rules
from .engine import Fact, Firing
from .models import (
    OPEN_STATUSES,
    Alert,
    AlertFact,
    AlertRecipient,
    AlertTask,
    Status,
    TaskStatus,
)
from .rules import Rule

LONDON = routing.LONDON


def _rule(firing: Firing, rule: Rule | None) -> Rule:
    if rule is not None:
        if rule.code != firing.rule:
            raise ValueError(f"The firing is for rule {firing.rule}, not {rule.code}")
        return rule
    return alert_rules.rule(firing.rule)


def _person(person_id: int) -> Person:
    """The person a firing is about, or the person they were merged into."""
    person = Person.objects.get(pk=person_id)
    seen = set()
    while person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person


def _fact_person_ids(facts: Iterable[Fact]) -> dict[int, int]:
    """Each fact's person, as now resolved (a merged person's facts follow them)."""
    ids = {f.person_id for f in facts}
    moved = dict(
        Person.objects.filter(pk__in=ids, merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    return {pk: moved.get(pk, pk) for pk in ids}


def _new_facts(alert: Alert | None, facts: tuple[Fact, ...]) -> list[Fact]:
    seen = set()
    if alert is not None:
        seen = set(alert.facts.values_list("source_type", "source_id"))
    found = []
    for fact in facts:
        key = (fact.source[0], int(fact.source[1]))
        if key not in seen:
            seen.add(key)
            found.append(fact)
    return found


def _store_facts(alert: Alert, facts: list[Fact], now: dt.datetime) -> None:
    people = _fact_person_ids(facts)
    AlertFact.objects.bulk_create(
        AlertFact(
            alert=alert,
            source_type=fact.source[0],
            source_id=int(fact.source[1]),
            person_id=people[fact.person_id],
            agency_id=fact.agency_id,
            kind=fact.kind,
            at=fact.at,
            sensitivity=fact.sensitivity,
            added_at=now,
        )
        for fact in facts
    )


def _tasks(alert: Alert, rule: Rule, facts: tuple[Fact, ...], now: dt.datetime) -> list[str]:
    """Make the rule's tasks; return the kinds no agency could be found for."""
    missing = []
    agency_ids = [f.agency_id for f in facts]
    for task in rule.tasks:
        agency = routing.agency_of_kind(
            task.agency_kind, person_id=alert.person_id, fact_agency_ids=agency_ids
        )
        if agency is None:
            missing.append(task.agency_kind)
            continue
        AlertTask.objects.create(
            alert=alert,
            agency=agency,
            text=task.text[:500],
            due_on=routing.task_due_on(now, task.due_working_days),
            created_at=now,
        )
    return missing


def _staff(**filters):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__ended_on__isnull=True,
            **{f"memberships__{k}": v for k, v in filters.items()},
        )
        .distinct()
        .order_by("pk")
    )


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(LONDON):%H:%M on %A %-d %B}"


def _tell(
    alert: Alert, rule: Rule, now: dt.datetime, *, more: bool
) -> tuple[list[AlertRecipient], int]:
    """Notify the routed team and the roles the rule names, each only if they may see the
    person. Returns who was told, and how many could not be told (hidden from them)."""
    person = alert.person
    wanted: dict[int, tuple] = {}
    for user in _staff(team=alert.team):
        wanted[user.pk] = (user, AlertRecipient.Reason.TEAM, alert.team.agency, None)
    know_by = (
        routing.before_next_school_day(now) if rule.notify_by == "before_next_school_day" else None
    )
    holders = set(
        person.source_records.filter(is_current=True, agency__active=True).values_list(
            "agency", flat=True
        )
    )
    for role in rule.notify:
        for user in _staff(role__code=role, agency__in=holders):
            if user.pk not in wanted:
                wanted[user.pk] = (user, AlertRecipient.Reason.ROLE, user.agency, know_by)
    told, hidden = [], 0
    for user, reason, agency, by in wanted.values():
        if not policy.can(user, "view", person):
            hidden += 1
            continue
        severity = alert.get_severity_display()
        if more:
            message = f"More information on the open {severity.lower()} alert about "
            message += f"{person.reference}: {rule.name}."
        else:
            message = f"{severity} alert about {person.reference}: {rule.name}."
        if by is not None:
            message += f" To know before school starts, {_when(by)}."
        elif reason == AlertRecipient.Reason.TEAM:
            message += f" In {alert.team.name}'s alerts."
        note = Notification.objects.create(
            recipient=user,
            kind="alert_more" if more else "alert_raised",
            message=message[:500],
            person=person,
            created_at=now,
        )
        told.append(
            AlertRecipient(
                alert=alert,
                user=user,
                agency=agency,
                reason=reason,
                role=user.role.code if user.role else "",
                notification=note,
                told_at=now,
                know_by=by,
            )
        )
    AlertRecipient.objects.bulk_create(told)
    return told, hidden


def _subjects(alert: Alert, facts: Iterable[Fact] = ()) -> list[Subject]:
    subjects = [Subject.person(alert.person), Subject.of(alert)]
    others = sorted({f.person_id for f in facts} - {alert.person_id})
    subjects += [Subject("people.person", pk, pk) for pk in others]
    return subjects


def _add_to(alert: Alert, rule: Rule, firing: Firing, now: dt.datetime) -> Alert:
    new = _new_facts(alert, firing.facts)
    if not new:
        return alert
    _store_facts(alert, new, now)
    newest = max(f.at for f in new)
    if newest > alert.last_fact_at:
        alert.last_fact_at = newest
        alert.save(update_fields=["last_fact_at"])
    told, hidden = _tell(alert, rule, now, more=True)
    audit_record(
        actor=None,
        action="combination",
        operation="alert.add_facts",
        purpose=f"Rule {rule.code} (version {firing.version}) is true again: {rule.name}",
        subjects=_subjects(alert, new),
        detail={
            "facts": [f"{f.source[0]}:{f.source[1]}" for f in new],
            "told": [r.user.username for r in told],
            "told_no_one": hidden,
        },
    )
    return alert


@transaction.atomic
def alert_raise(firing: Firing, *, rule: Rule | None = None) -> Alert:
    """Raise an alert from a rule's firing, or add its new facts to the alert open for the
    same rule and person (see the module's docstring). `rule` defaults to the shipped
    rule of the firing's code (on or off: a back-tested rule may be raised by hand)."""
    rule = _rule(firing, rule)
    if not firing.facts:
        raise ValueError("A firing must name the facts that made it true")
    person = _person(firing.person_id)
    now = clock.now()
    open_alert = (
        Alert.objects.select_for_update()
        .filter(rule=rule.code, person=person, status__in=OPEN_STATUSES)
        .select_related("person", "team__agency")
        .first()
    )
    if open_alert is not None:
        return _add_to(open_alert, rule, firing, now)
    route = routing.route_for(
        rule.route, person_id=person.pk, fact_agency_ids=[f.agency_id for f in firing.facts]
    )
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule.code,
                rule_version=firing.version,
                person=person,
                route=route.step.code,
                team=route.team,
                agency=route.agency,
                severity=rule.severity,
                fired_at=firing.at,
                raised_at=now,
                last_fact_at=max(f.at for f in firing.facts),
            )
    except IntegrityError:  # another transaction raised it first: add to theirs
        open_alert = (
            Alert.objects.select_for_update()
            .filter(rule=rule.code, person=person, status__in=OPEN_STATUSES)
            .select_related("person", "team__agency")
            .get()
        )
        return _add_to(open_alert, rule, firing, now)
    facts = _new_facts(None, firing.facts)
    _store_facts(alert, facts, now)
    no_agency = _tasks(alert, rule, firing.facts, now)
    told, hidden = _tell(alert, rule, now, more=False)
    audit_record(
        actor=None,
        action="combination",
        operation="alert.raise",
        purpose=f"Rule {rule.code} (version {firing.version}): {rule.name}",
        subjects=_subjects(alert, facts),
        recipient=f"{route.team.name}, {route.agency.name}",
        detail={
            "route": route.step.code,
            "team": route.team.code,
            "agency": route.agency.code,
            "fallback": route.fallback,
            "severity": rule.severity,
            "facts": [f"{f.source[0]}:{f.source[1]}" for f in facts],
            "tasks": alert.tasks.count(),
            "tasks_without_agency": no_agency,
            "told": [r.user.username for r in told],
            "told_no_one": hidden,
        },
    )
    return alert


# ---------------------------------------------------------------- the team's decisions
def may_decide(user, alert: Alert) -> bool:
    """The routed team's staff, in a role the route step names (the person's visibility
    is checked by the caller, once)."""
    from lantern.casework import responsibilities

    membership = getattr(user, "membership", None)
    role = getattr(user, "role", None)
    return (
        membership is not None
        and membership.team_id == alert.team_id
        and role is not None
        and role.code in responsibilities.step(alert.route).recorded_by
    )


def _for_decision(actor, alert: Alert) -> Alert:
    """The alert, locked, if the actor may decide on it; Alert.DoesNotExist if they may not
    see it (a 404), a refusal naming why if they see it but may not decide."""
    from . import selectors

    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("person", "team__agency")
        .get(pk=alert.pk)
    )
    if not selectors.may_see(actor, alert):
        raise Alert.DoesNotExist
    if not may_decide(actor, alert):
        refuse(
            "actor",
            f"Only {alert.team.name} can acknowledge, act on or dismiss this alert",
        )
    return alert


def _check_open(alert: Alert, doing: str) -> None:
    """A closed alert cannot change: the refusal says who closed it, when and how."""
    if alert.is_open:
        return
    if alert.status == Status.DISMISSED:
        how, who, when = "dismissed", alert.dismissed_by, alert.dismissed_at
    else:
        how, who, when = "acted on", alert.acted_on_by, alert.acted_on_at
    name = who.get_full_name() or who.username if who else "someone"
    refuse(
        "alert",
        f"This alert was already {how} by {name} on {when.astimezone(LONDON):%-d %B %Y}: "
        f"it cannot be {doing}",
    )


def _audit(actor, alert: Alert, operation: str, purpose: str, **detail) -> None:
    audit_record(
        actor=actor,
        action="alteration",
        operation=operation,
        purpose=purpose,
        subjects=_subjects(alert),
        detail={"rule": alert.rule, "status": alert.status, **detail},
    )


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    """The team has seen the alert and someone is looking at it."""
    alert = _for_decision(actor, alert)
    _check_open(alert, "acknowledged")
    if alert.status == Status.ACKNOWLEDGED:
        who = alert.acknowledged_by.get_full_name() if alert.acknowledged_by else "someone"
        refuse("alert", f"{who} already acknowledged this alert")
    alert.status = Status.ACKNOWLEDGED
    alert.acknowledged_at, alert.acknowledged_by = clock.now(), actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _audit(actor, alert, "alert.acknowledge", "Alert acknowledged by the team it went to")
    return alert


@transaction.atomic
def alert_act(*, actor, alert: Alert, action: str) -> Alert:
    """Record what was done about the alert (a referral made, a strategy discussion called,
    a visit): the alert closes. Its tasks stay with their agencies until done."""
    alert = _for_decision(actor, alert)
    _check_open(alert, "acted on")
    check_required("action", "what was done", action)
    now = clock.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    alert.status, alert.status_reason = Status.ACTED_ON, action.strip()
    alert.acted_on_at, alert.acted_on_by = now, actor
    alert.save(
        update_fields=[
            "status",
            "status_reason",
            "acted_on_at",
            "acted_on_by",
            "acknowledged_at",
            "acknowledged_by",
        ]
    )
    _audit(actor, alert, "alert.act", f"Alert acted on: {action.strip()[:200]}")
    return alert


@transaction.atomic
def alert_dismiss(*, actor, alert: Alert, reason: str) -> Alert:
    """Close the alert without action, with why. Its open tasks are cancelled."""
    alert = _for_decision(actor, alert)
    _check_open(alert, "dismissed")
    check_required("reason", "why the alert needs no action", reason)
    now = clock.now()
    alert.status, alert.status_reason = Status.DISMISSED, reason.strip()
    alert.dismissed_at, alert.dismissed_by = now, actor
    alert.save(update_fields=["status", "status_reason", "dismissed_at", "dismissed_by"])
    cancelled = alert.tasks.filter(status=TaskStatus.OPEN).update(
        status=TaskStatus.CANCELLED,
        done_at=now,
        done_by=actor,
        note=f"The alert was dismissed: {reason.strip()}"[:2000],
    )
    _audit(
        actor,
        alert,
        "alert.dismiss",
        f"Alert dismissed: {reason.strip()[:200]}",
        tasks_cancelled=cancelled,
    )
    return alert


@transaction.atomic
def alert_task_complete(*, actor, task: AlertTask, note: str) -> AlertTask:
    """Staff of the agency a task belongs to record that it is done, with what was done."""
    task = (
        AlertTask.objects.select_for_update(of=("self",))
        .select_related("alert__person", "agency")
        .get(pk=task.pk)
    )
    agency = getattr(actor, "agency", None)
    if (
        agency is None
        or agency.pk != task.agency_id
        or not policy.sees_case_data(actor)
        or not policy.can(actor, "view", task.alert.person)
    ):
        raise AlertTask.DoesNotExist
    if task.status != TaskStatus.OPEN:
        refuse("task", f"This task is already {task.get_status_display().lower()}")
    check_required("note", "what was done", note)
    task.status, task.note = TaskStatus.DONE, note.strip()
    task.done_at, task.done_by = clock.now(), actor
    task.save(update_fields=["status", "note", "done_at", "done_by"])
    audit_record(
        actor=actor,
        action="alteration",
        operation="alert.task_complete",
        purpose=f"Alert task done by {agency.name}",
        subjects=[*_subjects(task.alert), Subject.of(task, person_id=task.alert.person_id)],
    )
    return task


# ---------------------------------------------------------------- people merged by linkage
@transaction.atomic
def alerts_people_merged(*, mapping: dict[int, int]) -> int:
    """Linkage found that people are the same as others (old id -> surviving id): their
    alerts and facts follow them. Where both had an open alert for the same rule, the
    survivor's alert takes the other's facts and tasks, and the other is closed, saying
    so (one open alert per rule and person stays true). Returns the alerts moved."""
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return 0
    now = clock.now()
    AlertFact.objects.filter(person_id__in=mapping).update(
        person_id=Case(*(When(person_id=o, then=Value(n)) for o, n in mapping.items()))
    )
    moved, merged = [], []
    for alert in Alert.objects.select_for_update().filter(person_id__in=mapping).order_by("pk"):
        survivor_id = mapping[alert.person_id]
        keeper = (
            Alert.objects.filter(person_id=survivor_id, rule=alert.rule, status__in=OPEN_STATUSES)
            .exclude(pk=alert.pk)
            .first()
            if alert.is_open
            else None
        )
        if keeper is not None:
            held = set(keeper.facts.values_list("source_type", "source_id"))
            for fact in alert.facts.all():
                if (fact.source_type, fact.source_id) not in held:
                    fact.alert = keeper
                    fact.save(update_fields=["alert"])
            alert.tasks.update(alert=keeper)
            if alert.last_fact_at > keeper.last_fact_at:
                keeper.last_fact_at = alert.last_fact_at
                keeper.save(update_fields=["last_fact_at"])
            alert.status = Status.DISMISSED
            alert.status_reason = (
                f"The same person as another alert's: merged into alert {keeper.pk}"
            )
            alert.dismissed_at = now
            merged.append(alert.pk)
        alert.person_id = survivor_id
        alert.save(update_fields=["person", "status", "status_reason", "dismissed_at"])
        moved.append(alert)
    if moved:
        people = sorted({a.person_id for a in moved})
        audit_record(
            actor=None,
            action="combination",
            operation="alert.people_merged",
            purpose="Linkage found people to be the same: their alerts follow them",
            subjects=[Subject("people.person", p, p) for p in people]
            + [Subject.of(a) for a in moved],
            detail={"alerts": [a.pk for a in moved], "merged": merged},
        )
    return len(moved)
