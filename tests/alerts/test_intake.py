"""The live flow: an agency records an event (people.services.event_record) or completes a
risk tool, and the shipped rules raise or add to alerts in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lantern.alerts import intake, services
from lantern.alerts.models import Alert, AlertRecipient, Status
from lantern.people.models import Event
from lantern.people.services import event_record

from .conftest import HOME, NOW, POLICE, make_person, record, user

pytestmark = pytest.mark.django_db

MISSING_AND_ABSENT = "missing_with_school_absence"


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def record_live(person, agency, kind, at, summary, **kw) -> Event:
    """Through the service every agency's event goes through: the rules see it."""
    source = person.source_records.get(agency__code=agency, is_current=True)
    return event_record(
        actor=None, source=source, event_type=kind, occurred_at=at, summary=summary, **kw
    )


@pytest.fixture
def absent_and_missing_once(child, school):
    record(child, POLICE, "missing_episode", days_ago(20), "Missing overnight")
    record(child, school.code, "school_absence_run", days_ago(12), "Five days unexplained")
    return child


def test_an_event_that_completes_a_rule_raises_the_alert_at_once(absent_and_missing_once):
    child = absent_and_missing_once
    event = record_live(child, POLICE, "missing_episode", days_ago(1), "Missing two nights")
    alert = Alert.objects.get(person=child, rule=MISSING_AND_ABSENT)
    assert alert.status == Status.OPEN and alert.team.code == "front-door"
    assert alert.facts.count() == 3
    assert alert.facts.filter(source_type="people.event", source_id=event.pk).exists()
    assert alert.fired_at == event.occurred_at
    assert {t.agency.code for t in alert.tasks.all()} == {
        "kestrelford-childrens-services",
        POLICE,
    }
    assert AlertRecipient.objects.filter(alert=alert, user=user("mash.worker")).exists()


def test_the_event_and_its_alert_commit_or_roll_back_together(absent_and_missing_once):
    child = absent_and_missing_once

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        record_live(child, POLICE, "missing_episode", days_ago(1), "Missing two nights")
        assert Alert.objects.filter(person=child, rule=MISSING_AND_ABSENT).exists()
        raise Stop
    assert not Alert.objects.filter(person=child).exists()
    assert not Event.objects.filter(summary="Missing two nights").exists()


def test_one_missing_episode_is_not_enough(child, school):
    record(child, school.code, "school_absence_run", days_ago(12), "Five days unexplained")
    record_live(child, POLICE, "missing_episode", days_ago(1), "Missing two nights")
    assert not Alert.objects.filter(person=child).exists()


def test_a_later_event_adds_to_the_open_alert(absent_and_missing_once):
    child = absent_and_missing_once
    record_live(child, POLICE, "missing_episode", days_ago(3), "Missing again")
    third = record_live(child, POLICE, "missing_episode", days_ago(1), "And again")
    alerts = Alert.objects.filter(person=child, rule=MISSING_AND_ABSENT)
    assert alerts.count() == 1
    assert alerts.get().facts.filter(source_id=third.pk).exists()
    # three in a month is a rule of its own: its own alert
    assert Alert.objects.filter(person=child, rule="missing_three_times_in_30_days").count() == 1


def test_a_record_entered_late_still_completes_a_rule_with_what_came_after(child, school):
    """The school records a run of absence two weeks late: it falls between the two missing
    episodes already held, and together they make the rule true."""
    record(child, POLICE, "missing_episode", days_ago(20), "Missing overnight")
    second = record(child, POLICE, "missing_episode", days_ago(2), "Missing two nights")
    late = record_live(child, school.code, "school_absence_run", days_ago(10), "Absent a week")
    alert = Alert.objects.get(person=child, rule=MISSING_AND_ABSENT)
    assert set(alert.facts.values_list("source_id", flat=True)) >= {late.pk, second.pk}
    assert alert.fired_at == second.occurred_at


def test_a_closed_alert_is_not_raised_again_within_the_rules_repeat_period(
    absent_and_missing_once, mash_worker
):
    child = absent_and_missing_once
    record_live(child, POLICE, "missing_episode", days_ago(5), "Missing two nights")
    alert = Alert.objects.get(person=child, rule=MISSING_AND_ABSENT)
    services.alert_dismiss(actor=mash_worker, alert=alert, reason="Known: plan in place")
    record_live(child, POLICE, "missing_episode", days_ago(1), "Missing again")
    assert Alert.objects.filter(person=child, rule=MISSING_AND_ABSENT).count() == 1


def test_kinds_no_rule_watches_cost_no_query(child):
    event = record(child, "kestrelford-childrens-services", "contact_with_social_care", NOW, "x")
    event = Event.objects.select_related("event_type").get(pk=event.pk)
    intake.events_arrived([])  # warm the rules
    with CaptureQueriesContext(connection) as queries:
        assert intake.events_arrived([event]) == []
    assert len(queries) == 0


def test_a_domestic_incident_alerts_about_each_child_at_the_address_and_tells_their_school(
    child, school_dsl
):
    """The incident is recorded against an adult at the child's home: the alert is about
    the child, and the child's school must know before the next school day."""
    adult = make_person("Dale", "Quellwood", dt.date(1984, 6, 1), POLICE, postcode=HOME)
    baby_brother = make_person(
        "Otto", "Quellwood", dt.date(2024, 1, 20), "kestrelford-nhs", postcode=HOME
    )
    event = record_live(
        adult,
        POLICE,
        "domestic_incident",
        days_ago(0.1),
        "Shouting and a smashed door",
        postcode=HOME,
    )
    alerts = Alert.objects.filter(rule="domestic_incident_where_children_live")
    assert set(alerts.values_list("person", flat=True)) == {child.pk, baby_brother.pk}
    assert not alerts.filter(person=adult).exists()
    alert = alerts.get(person=child)
    fact = alert.facts.get()
    assert (fact.source_id, fact.person_id) == (event.pk, adult.pk)
    told = AlertRecipient.objects.get(alert=alert, user=school_dsl)
    # Tuesday 10 November, recorded about 09:36: the school must know by 08:30 Wednesday
    assert told.know_by == dt.datetime(2026, 11, 11, 8, 30, tzinfo=dt.UTC)


def test_an_adult_found_with_two_children_alerts_about_both(child):
    other = make_person("Bea", "Harlow", dt.date(2012, 9, 9), POLICE)
    adult = {"adult": "Kieran Vosper", "adult_dob": "1990-04-04"}
    record(other, POLICE, "found_with_adult", days_ago(40), "Found in a car at 2am", details=adult)
    record_live(
        child,
        POLICE,
        "found_with_adult",
        days_ago(1),
        "Found in a flat with an older man",
        details={"adult": "kieran  VOSPER", "adult_dob": "1990-04-04"},
    )
    rule = "found_with_adult_seen_with_other_children"
    assert set(Alert.objects.filter(rule=rule).values_list("person", flat=True)) == {
        child.pk,
        other.pk,
    }


def test_a_high_risk_domestic_abuse_assessment_gives_every_agency_its_task(child):
    from lantern.alerts import facts as fact_source

    model = fact_source.assessment_model()
    if model is None:
        pytest.skip("The risk app has no Assessment model yet")
    victim = make_person("Jenna", "Quellwood", dt.date(1988, 2, 2), POLICE, postcode=HOME)
    assessment = model.objects.create(
        person=victim,
        tool="domestic_abuse_risk",
        tool_version=1,
        answers={},
        score=16,
        score_level="high",
        level="high",
        routes=["marac_high_score"],
        completed_by=user("police.officer"),
        agency=user("police.officer").agency,
        completed_at=NOW - dt.timedelta(hours=1),
    )
    intake.assessment_completed(assessment)
    alert = Alert.objects.get(person=victim, rule="high_risk_domestic_abuse")
    assert (alert.team.code, alert.agency.code) == ("public-protection", POLICE)
    kinds = sorted(alert.tasks.values_list("agency__kind", flat=True))
    assert kinds == ["childrens_services", "nhs", "police", "police"]
    assert Alert.objects.filter(
        person=child, rule="high_risk_domestic_abuse_children_at_address"
    ).exists()


def test_the_alert_page_says_whose_the_other_childs_record_is(child, client_for, police_officer):
    other = make_person("Bea", "Harlow", dt.date(2012, 9, 9), POLICE)
    adult = {"adult": "Kieran Vosper", "adult_dob": "1990-04-04"}
    record(other, POLICE, "found_with_adult", days_ago(40), "Found in a car at 2am", details=adult)
    record_live(child, POLICE, "found_with_adult", days_ago(1), "Found in a flat", details=adult)
    alert = Alert.objects.get(rule="found_with_adult_seen_with_other_children", person=child)
    page = client_for(police_officer).get(f"/alerts/{alert.pk}/").content.decode()
    assert "recorded about another child, with the same adult or vehicle" in page
    assert "another person at the address" not in page
