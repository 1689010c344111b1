"""Raising alerts from firings (dedupe, routing, tasks, who is told, when) and the team's
decisions on them (acknowledge, act, dismiss), each audited and refused out of order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.access import policy
from lantern.access.models import Notification
from lantern.alerts import services
from lantern.alerts.models import Alert, AlertFact, AlertRecipient, AlertTask, Status, TaskStatus
from lantern.alerts.rules import Task
from lantern.audit.models import AuditEvent
from lantern.core import clock
from lantern.partners.models import Team

from .conftest import (
    NOW,
    POLICE,
    firing_for,
    make_person,
    make_rule,
    record,
    user,
)

pytestmark = pytest.mark.django_db


def messages(field: str, exc) -> str:
    return " ".join(exc.value.message_dict[field])


# ---------------------------------------------------------------- raising, once
def test_a_firing_raises_an_alert_routed_to_the_front_door(child, missing_twice):
    rule = make_rule(at_least=2)
    alert = services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule)
    assert alert.status == Status.OPEN
    assert alert.team == Team.objects.get(code="front-door")
    assert alert.agency.code == "kestrelford-childrens-services"
    assert (alert.rule, alert.rule_version, alert.severity) == ("test_rule", 3, "high")
    assert alert.route == "exploitation_alert"
    assert alert.fired_at == missing_twice[1].occurred_at == alert.last_fact_at
    facts = list(alert.facts.order_by("at"))
    assert [(f.source_type, f.source_id) for f in facts] == [
        ("people.event", e.pk) for e in missing_twice
    ]
    assert [f.sensitivity for f in facts] == ["normal", "restricted"]
    assert {f.agency.code for f in facts} == {POLICE}
    event = AuditEvent.objects.filter(operation="alert.raise").latest("id")
    assert event.actor_id is None and event.action == "combination"
    assert event.detail["team"] == "front-door" and event.detail["fallback"] == ""
    assert {s.person_id for s in event.subjects.all()} == {child.pk}


def test_two_firings_make_one_alert_with_both_facts(child, missing_twice):
    """Dedupe: a second firing for the same rule and person adds its new facts to the open
    alert (the fact it shares is not added twice); a different rule is a different alert."""
    rule = make_rule()
    first = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    second = services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule)
    assert second.pk == first.pk
    assert Alert.objects.filter(person=child, rule=rule.code).count() == 1
    assert sorted(AlertFact.objects.filter(alert=first).values_list("source_id", flat=True)) == [
        e.pk for e in missing_twice
    ]
    first.refresh_from_db()
    assert first.last_fact_at == missing_twice[1].occurred_at
    assert AuditEvent.objects.filter(operation="alert.add_facts").count() == 1
    # the same firing again adds nothing, and records nothing
    services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule)
    assert AlertFact.objects.filter(alert=first).count() == 2
    assert AuditEvent.objects.filter(operation="alert.add_facts").count() == 1
    other = make_rule("another_rule")
    assert services.alert_raise(firing_for(other, child, missing_twice[0]), rule=other) != first


def test_an_acknowledged_alert_still_takes_new_facts_but_a_closed_one_does_not(
    child, missing_twice, mash_worker
):
    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    services.alert_acknowledge(actor=mash_worker, alert=alert)
    assert services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule) == alert
    services.alert_dismiss(actor=mash_worker, alert=alert, reason="Known: plan in place")
    third = record(child, POLICE, "missing_episode", NOW - dt.timedelta(hours=1), "Missing again")
    again = services.alert_raise(firing_for(rule, child, third), rule=rule)
    assert again.pk != alert.pk and again.is_open
    assert list(again.facts.values_list("source_id", flat=True)) == [third.pk]


def test_the_database_keeps_one_open_alert_per_rule_and_person(child, missing_twice):
    from django.db import IntegrityError, transaction

    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            **{
                f.attname: getattr(alert, f.attname)
                for f in Alert._meta.concrete_fields
                if f.attname != "id"
            }
        )


# ---------------------------------------------------------------- routing, per rule
ROUTES = {
    # route step: (team code, agency code)
    "exploitation_alert": ("front-door", "kestrelford-childrens-services"),
    "domestic_abuse_alert": ("front-door", "kestrelford-childrens-services"),
    "health_alert": ("safeguarding", "kestrelford-nhs"),
    "marac_referral": ("public-protection", "northmoor-police"),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_alert_step_routes_to_its_responsible_team(route, child, missing_twice):
    rule = make_rule(route=route)
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    assert (alert.team.code, alert.agency.code) == ROUTES[route]


def test_every_shipped_rule_routes_to_a_team_that_exists(child, missing_twice):
    """Each rule the partnership ships goes where the responsibilities table sends it."""
    from lantern.alerts import rules

    shipped = rules.shipped()
    assert shipped
    for rule in shipped:
        assert rule.route in ROUTES, rule.code
        alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
        assert (alert.team.code, alert.agency.code) == ROUTES[rule.route], rule.code
        assert (
            AuditEvent.objects.filter(operation="alert.raise").latest("id").detail["fallback"] == ""
        )


def test_a_team_that_cannot_be_found_sends_the_alert_to_the_front_door(
    child, missing_twice, monkeypatch
):
    from lantern.alerts import routing
    from lantern.casework import responsibilities

    real = responsibilities.step("health_alert")
    monkeypatch.setattr(
        routing.responsibilities,
        "step",
        lambda code: (
            real.__class__(**{**vars(real), "team": "no-such-team"})
            if code == "health_alert"
            else responsibilities.responsibilities().step(code)
        ),
    )
    rule = make_rule(route="health_alert")
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    assert alert.team.is_front_door
    detail = AuditEvent.objects.filter(operation="alert.raise").latest("id").detail
    assert "no team 'no-such-team'" in detail["fallback"]


# ---------------------------------------------------------------- tasks
def test_the_rules_tasks_go_to_an_agency_of_each_kind_due_in_working_days(child, missing_twice):
    rule = make_rule(
        route="marac_referral",
        tasks=(
            Task("police", "Refer to the risk conference", 1),
            Task("childrens_services", "Safety plan: children's services", 1),
            Task("nhs", "Safety plan: health", 2),
            Task("youth_service", "Offer a youth worker", 0),
        ),
    )
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    tasks = {t.agency.code: t for t in alert.tasks.all()}
    assert set(tasks) == {
        POLICE,
        "kestrelford-childrens-services",
        "kestrelford-nhs",
        "kestrelford-youth",
    }
    # Tuesday 10 November 2026: one working day is Wednesday, two is Thursday
    assert tasks[POLICE].due_on == dt.date(2026, 11, 11)
    assert tasks["kestrelford-nhs"].due_on == dt.date(2026, 11, 12)
    assert tasks["kestrelford-youth"].due_on == dt.date(2026, 11, 10)
    assert all(t.status == TaskStatus.OPEN for t in tasks.values())


def test_a_task_for_a_kind_with_no_agency_concerned_is_not_made_and_the_audit_says_so(
    missing_twice, child
):
    """A school task for a child no school knows: there are many schools, none is his."""
    police_only = make_person("Rafe", "Ottery", dt.date(2013, 1, 9), POLICE)
    event = record(police_only, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Missing")
    rule = make_rule(tasks=(Task("school", "Check attendance", 1),))
    alert = services.alert_raise(firing_for(rule, police_only, event), rule=rule)
    assert not alert.tasks.exists()
    detail = AuditEvent.objects.filter(operation="alert.raise").latest("id").detail
    assert detail["tasks_without_agency"] == ["school"]


def test_a_task_is_done_by_its_own_agency_only(child, missing_twice, police_officer, nhs_nurse):
    rule = make_rule(tasks=(Task("police", "Trace the car", 1),))
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    task = alert.tasks.get()
    with pytest.raises(AlertTask.DoesNotExist):
        services.alert_task_complete(actor=nhs_nurse, task=task, note="Not ours")
    with pytest.raises(ValidationError) as refused:
        services.alert_task_complete(actor=police_officer, task=task, note="  ")
    assert "what was done" in messages("note", refused)
    services.alert_task_complete(actor=police_officer, task=task, note="Keeper traced")
    task.refresh_from_db()
    assert (task.status, task.done_by, task.note) == ("done", police_officer, "Keeper traced")
    with pytest.raises(ValidationError) as again:
        services.alert_task_complete(actor=police_officer, task=task, note="Again")
    assert "already done" in messages("task", again)
    assert AuditEvent.objects.filter(operation="alert.task_complete").count() == 1


# ---------------------------------------------------------------- who is told
def test_the_team_is_told_and_nobody_who_may_not_see_the_person(stranger_child):
    """The front door is told about a child only the police know: the alert itself gives
    the front door sight of him. A sealed child's alert tells no one."""
    event = record(stranger_child, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Missing")
    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, stranger_child, event), rule=rule)
    front_door = Team.objects.get(code="front-door")
    staff = set(front_door.memberships.filter(ended_on__isnull=True).values_list("user", flat=True))
    told = set(AlertRecipient.objects.filter(alert=alert).values_list("user", flat=True))
    assert told and told == staff
    note = Notification.objects.filter(recipient=user("mash.worker"), kind="alert_raised").get()
    assert stranger_child.reference in note.message and "Missing" not in note.message

    sealed = make_person("Ivo", "Brackwater", dt.date(2012, 2, 2), POLICE, sensitivity="sealed")
    hidden = record(sealed, POLICE, "missing_episode", NOW - dt.timedelta(days=1), "Missing")
    sealed_alert = services.alert_raise(firing_for(rule, sealed, hidden), rule=rule)
    assert not AlertRecipient.objects.filter(alert=sealed_alert).exists()
    assert not Notification.objects.filter(person=sealed).exists()
    detail = AuditEvent.objects.filter(operation="alert.raise").latest("id").detail
    assert detail["told"] == [] and detail["told_no_one"] == len(staff)


def test_the_childs_school_safeguarding_lead_is_told_before_the_next_school_day(child, school_dsl):
    """A domestic incident recorded on the Friday evening before the August bank holiday:
    the school must know before 08:30 on Tuesday 1 September (UK summer time)."""
    friday_evening = dt.datetime(2026, 8, 28, 18, 40, tzinfo=dt.UTC)  # 19:40 in London
    with clock.frozen_at(friday_evening):
        event = record(child, POLICE, "domestic_incident", friday_evening, "Incident at home")
        rule = make_rule(
            kind="domestic_incident",
            route="domestic_abuse_alert",
            notify=("school_safeguarding_lead",),
            notify_by="before_next_school_day",
        )
        alert = services.alert_raise(firing_for(rule, child, event), rule=rule)
    told = AlertRecipient.objects.get(alert=alert, user=school_dsl)
    assert told.reason == "role" and told.agency == school_dsl.agency
    assert told.know_by == dt.datetime(2026, 9, 1, 7, 30, tzinfo=dt.UTC)
    assert told.told_at == friday_evening < told.know_by
    assert "08:30 on Tuesday 1 September" in told.notification.message
    # the team is told too, with no school-day deadline
    assert AlertRecipient.objects.filter(alert=alert, reason="team", know_by__isnull=True).exists()


def test_a_school_that_does_not_know_the_child_is_not_told(child, school_dsl):
    from lantern.partners.models import Agency

    other_school = Agency.objects.filter(kind="school").exclude(pk=school_dsl.agency.pk).first()
    pupil = make_person("Lark", "Penmoor", dt.date(2015, 5, 5), POLICE, other_school)
    event = record(pupil, POLICE, "domestic_incident", NOW - dt.timedelta(hours=3), "Incident")
    rule = make_rule(
        kind="domestic_incident",
        route="domestic_abuse_alert",
        notify=("school_safeguarding_lead",),
        notify_by="before_next_school_day",
    )
    alert = services.alert_raise(firing_for(rule, pupil, event), rule=rule)
    schools = set(
        AlertRecipient.objects.filter(alert=alert, reason="role").values_list("agency", flat=True)
    )
    assert school_dsl.agency.pk not in schools
    assert all(policy.can(r.user, "view", pupil) for r in alert.recipients.all())


def test_new_facts_tell_the_same_people_again(child, missing_twice):
    rule = make_rule()
    alert = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    before = alert.recipients.count()
    services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule)
    assert alert.recipients.count() == 2 * before
    assert Notification.objects.filter(kind="alert_more", person=child).count() == before


# ---------------------------------------------------------------- the team's decisions
@pytest.fixture
def alert(child, missing_twice):
    rule = make_rule(tasks=(Task("police", "Trace the car", 1),))
    return services.alert_raise(firing_for(rule, child, *missing_twice), rule=rule)


def test_acknowledge_then_act(alert, mash_worker, team_manager):
    services.alert_acknowledge(actor=mash_worker, alert=alert)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (Status.ACKNOWLEDGED, mash_worker)
    with pytest.raises(ValidationError) as twice:
        services.alert_acknowledge(actor=team_manager, alert=alert)
    assert "already acknowledged" in messages("alert", twice)
    with pytest.raises(ValidationError) as blank:
        services.alert_act(actor=team_manager, alert=alert, action="   ")
    assert "what was done" in messages("action", blank)
    services.alert_act(actor=team_manager, alert=alert, action="Referral opened")
    alert.refresh_from_db()
    assert (alert.status, alert.status_reason, alert.acted_on_by) == (
        Status.ACTED_ON,
        "Referral opened",
        team_manager,
    )
    assert alert.acknowledged_by == mash_worker  # kept
    assert alert.tasks.get().status == TaskStatus.OPEN  # the police still trace the car
    for refused in (
        lambda: services.alert_acknowledge(actor=mash_worker, alert=alert),
        lambda: services.alert_act(actor=mash_worker, alert=alert, action="More"),
        lambda: services.alert_dismiss(actor=mash_worker, alert=alert, reason="No"),
    ):
        with pytest.raises(ValidationError) as closed:
            refused()
        assert "already acted on by Grace Adebayo" in messages("alert", closed)
    operations = list(
        AuditEvent.objects.filter(operation__startswith="alert.a")
        .exclude(operation="alert.add_facts")
        .values_list("operation", flat=True)
        .order_by("id")
    )
    assert operations == ["alert.acknowledge", "alert.act"]


def test_dismiss_needs_a_reason_cancels_the_tasks_and_cannot_happen_twice(alert, mash_worker):
    with pytest.raises(ValidationError) as blank:
        services.alert_dismiss(actor=mash_worker, alert=alert, reason="")
    assert "why the alert needs no action" in messages("reason", blank)
    alert.refresh_from_db()
    assert alert.status == Status.OPEN  # nothing half-saved
    services.alert_dismiss(actor=mash_worker, alert=alert, reason="Already on a plan")
    alert.refresh_from_db()
    assert (alert.status, alert.status_reason) == (Status.DISMISSED, "Already on a plan")
    task = alert.tasks.get()
    assert task.status == TaskStatus.CANCELLED and "Already on a plan" in task.note
    with pytest.raises(ValidationError) as twice:
        services.alert_dismiss(actor=mash_worker, alert=alert, reason="Again")
    assert "already dismissed by Priya Okonjo" in messages("alert", twice)
    event = AuditEvent.objects.filter(operation="alert.dismiss").get()
    assert event.actor_id == mash_worker.pk and event.detail["tasks_cancelled"] == 1


def test_only_the_routed_team_in_a_recording_role_decides(
    alert, police_officer, social_worker, nhs_nurse
):
    """The exploitation team's social worker holds the child's council record, but the
    alert is not the team's: for her it does not exist. The NHS has no part in it. The
    police have a task from it, so they see it, and are told why they cannot decide."""
    for outsider in (social_worker, nhs_nurse):
        with pytest.raises(Alert.DoesNotExist):
            services.alert_acknowledge(actor=outsider, alert=alert)
    with pytest.raises(ValidationError) as refused:
        services.alert_dismiss(actor=police_officer, alert=alert, reason="Not for us")
    assert "Only Front door (MASH) can" in messages("actor", refused)
    alert.refresh_from_db()
    assert alert.status == Status.OPEN


def test_a_user_told_about_an_alert_sees_it_but_cannot_decide(child, school_dsl):
    event = record(child, POLICE, "domestic_incident", NOW - dt.timedelta(hours=2), "Incident")
    rule = make_rule(
        kind="domestic_incident",
        route="domestic_abuse_alert",
        notify=("school_safeguarding_lead",),
        notify_by="before_next_school_day",
    )
    alert = services.alert_raise(firing_for(rule, child, event), rule=rule)
    with pytest.raises(ValidationError) as refused:
        services.alert_acknowledge(actor=school_dsl, alert=alert)
    assert "Only Front door (MASH) can" in messages("actor", refused)


# ---------------------------------------------------------------- people merged by linkage
def test_alerts_follow_people_merged_and_two_open_alerts_become_one(child, missing_twice):
    rule = make_rule(tasks=(Task("police", "Trace the car", 1),))
    kept = services.alert_raise(firing_for(rule, child, missing_twice[0]), rule=rule)
    twin_record = make_person("Mira", "Quellwood", dt.date(2012, 3, 14), POLICE)
    later = record(twin_record, POLICE, "missing_episode", NOW - dt.timedelta(hours=5), "Again")
    other = services.alert_raise(firing_for(rule, twin_record, later), rule=rule)
    assert services.alerts_people_merged(mapping={twin_record.pk: child.pk}) == 1
    kept.refresh_from_db()
    other.refresh_from_db()
    assert other.person_id == child.pk and other.status == Status.DISMISSED
    assert f"merged into alert {kept.pk}" in other.status_reason
    assert kept.is_open and kept.last_fact_at == later.occurred_at
    assert sorted(kept.facts.values_list("source_id", flat=True)) == sorted(
        [missing_twice[0].pk, later.pk]
    )
    assert kept.facts.get(source_id=later.pk).person_id == child.pk
    assert kept.tasks.count() == 2
    assert AuditEvent.objects.filter(operation="alert.people_merged").exists()
