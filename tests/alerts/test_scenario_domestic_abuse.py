"""A scenario modelled on a real case, with fictional names.

Dean Ashcombe's partner, Kerry Vance, ended their 18-month relationship and asked him to
leave. Each agency saw part of what followed: the police heard he holds a shotgun
certificate and that he has been searching for her new address and buying cable ties;
intelligence says he shares violent misogynist videos; he came to her door uninvited. Her
two children live with her; their school knows them, not him.

Her domestic-abuse risk checklist scores medium. The officer marks it high on professional
judgement, saying why. From that one decision, through the live services, with nothing fed
by hand: a risk conference (MARAC) referral and safety-plan tasks reach the police, the
council and health; the children at the address are flagged to their school's safeguarding
lead before the next school day; and the incident at the door had already reached the school.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.alerts.conftest import COUNCIL, NHS, POLICE, make_person

from lantern.alerts.models import Alert, AlertRecipient, AlertTask
from lantern.people.services import event_record
from lantern.risk import services as risk_services
from lantern.risk import tools

pytestmark = pytest.mark.django_db

HOME = "KF4 7QD"  # Kerry's and the children's home (Tuesday 10 November 2026 is "now")
SURVIVORS = "harbour-survivors"


def days_ago(n: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 11, 10, hour, 0, tzinfo=dt.UTC) - dt.timedelta(days=n)


def answers(tool_code: str, **given) -> dict:
    """Every question of a tool answered 'no' (or nothing), then what the officer found."""
    tool = tools.tool(tool_code)
    found = {}
    for question in tool.questions:
        if question.type == "yes_no":
            found[question.code] = "no"
        elif question.type == "choice":
            found[question.code] = question.choices[0].value
        elif question.type == "number":
            found[question.code] = 0
    found.update(given)
    return {code: value for code, value in found.items() if value is not None}


@pytest.fixture
def household(school_dsl):
    kerry = make_person(
        "Kerry", "Vance", dt.date(1991, 4, 2), POLICE, NHS, SURVIVORS, postcode=HOME
    )
    dean = make_person("Dean", "Ashcombe", dt.date(1988, 9, 17), POLICE)
    school = school_dsl.agency
    lily = make_person("Lily", "Vance", dt.date(2016, 1, 20), COUNCIL, NHS, school, postcode=HOME)
    josh = make_person("Josh", "Vance", dt.date(2014, 6, 8), COUNCIL, NHS, school, postcode=HOME)
    return kerry, dean, lily, josh


def police_record(person, officer, kind, at, summary, **extra):
    return event_record(
        actor=officer,
        source=person.source_records.get(agency__code=POLICE, is_current=True),
        event_type=kind,
        occurred_at=at,
        summary=summary,
        **extra,
    )


def test_a_separated_man_with_weapons_who_plans(household, police_officer, school_dsl):
    kerry, dean, lily, josh = household
    officer = police_officer
    police_record(
        kerry,
        officer,
        "relationship_separation",
        days_ago(40),
        "Ended an 18-month relationship and asked him to leave",
    )
    police_record(
        dean,
        officer,
        "intelligence_report",
        days_ago(30),
        "Holds a shotgun certificate; two shotguns registered at his address",
        details={"firearms_certificate": True, "weapons_access": True, "grading": "B2"},
    )
    police_record(
        dean,
        officer,
        "intelligence_report",
        days_ago(20),
        "Searched online for her new address and bought cable ties; shares violent "
        "misogynist videos",
        details={"planning": True, "online_content": "violent_misogyny", "grading": "B2"},
    )
    # He comes to her door: a domestic incident at an address where children live.
    police_record(
        kerry,
        officer,
        "domestic_incident",
        days_ago(6, hour=21),
        "Ex-partner came to the address uninvited and would not leave",
        postcode=HOME,
        details={"suspect": "Dean Ashcombe"},
    )
    at_door = Alert.objects.filter(rule="domestic_incident_where_children_live")
    assert set(at_door.values_list("person_id", flat=True)) == {lily.pk, josh.pk}

    # The checklist scores medium; the officer marks it high, and says why.
    checklist = risk_services.assessment_complete(
        actor=officer,
        person=kerry,
        tool="domestic_abuse_risk",
        answers=answers(
            "domestic_abuse_risk",
            very_frightened="yes",
            separated="yes",
            stalking="yes",
            weapon="yes",
            jealous_controlling="yes",
            getting_worse="yes",
            known_to_police="yes",
            cut_off="yes",
            money_control="yes",
            contact_conflict="yes",
            children_or_dependants="yes",
            incidents_12_months=2,
        ),
        level="high",
        reason="Recent separation, a shotgun certificate, planning (her address searched, "
        "cable ties bought) and violent misogynist content: a risk to her life",
    )
    assert checklist.score_level == "medium" and checklist.level == "high"
    assert checklist.status == "final"

    # A risk conference referral and safety-plan tasks reach the police, the council, health.
    alert = Alert.objects.get(rule="high_risk_domestic_abuse", person=kerry)
    assert alert.severity == "high" and alert.route == "marac_referral"
    tasks = AlertTask.objects.filter(alert=alert)
    kinds = {task.agency.kind for task in tasks}
    assert {"police", "childrens_services", "nhs"} <= kinds
    assert any("risk conference" in t.text for t in tasks if t.agency.kind == "police")
    assert all(task.due_on <= dt.date(2026, 11, 12) for task in tasks)

    # The children at the address are flagged to their school, before the next school day.
    flagged = Alert.objects.filter(rule="high_risk_domestic_abuse_children_at_address")
    assert set(flagged.values_list("person_id", flat=True)) == {lily.pk, josh.pk}
    told = AlertRecipient.objects.filter(alert__in=flagged, user=school_dsl)
    assert told.count() == 2
    next_school_day = dt.datetime(2026, 11, 11, 8, 30, tzinfo=dt.UTC)  # GMT in November
    assert all(r.know_by <= next_school_day for r in told)
    # Dean has no children at the school; nothing about him reaches it.
    assert not AlertRecipient.objects.filter(alert__person=dean, user=school_dsl).exists()


def test_the_same_answers_without_judgement_stay_medium_and_refer_nobody(household, police_officer):
    kerry, *_ = household
    checklist = risk_services.assessment_complete(
        actor=police_officer,
        person=kerry,
        tool="domestic_abuse_risk",
        answers=answers(
            "domestic_abuse_risk",
            very_frightened="yes",
            separated="yes",
            stalking="yes",
            weapon="yes",
            jealous_controlling="yes",
            getting_worse="yes",
            known_to_police="yes",
            cut_off="yes",
            money_control="yes",
            contact_conflict="yes",
            children_or_dependants="yes",
            incidents_12_months=2,
        ),
    )
    assert checklist.level == "medium"
    assert not Alert.objects.filter(rule="high_risk_domestic_abuse").exists()
