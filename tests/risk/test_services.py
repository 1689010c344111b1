"""Completing a risk tool: scores and levels, judgement up and down, a manager's decision,
answers refused naming the question with nothing saved, who may complete, the hand-over
to the alert rules, and the audit of every write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lantern.audit.models import AuditEvent
from lantern.people.models import Person
from lantern.risk import services
from lantern.risk.models import Assessment, Status

from .conftest import CE, DA, PI, TODAY, da_answers, lowest_answers, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_over(monkeypatch):
    """The assessments handed to the alert rules (lantern.alerts.intake)."""
    seen = []
    monkeypatch.setattr(
        "lantern.alerts.intake.assessment_completed", lambda assessment: seen.append(assessment)
    )
    return seen


def complete(actor, person, tool=DA, answers=None, **kwargs):
    return services.assessment_complete(
        actor=actor, person=person, tool=tool, answers=answers or da_answers(3), **kwargs
    )


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# ---------------------------------------------------------------- completing
def test_a_completed_tool_is_final_and_handed_to_the_alert_rules(
    police_officer, adult, handed_over
):
    assessment = complete(police_officer, adult, answers=da_answers(15, incidents_12_months=4))
    assessment.refresh_from_db()
    assert assessment.tool == DA and assessment.tool_version == 1
    assert assessment.score == 15
    assert assessment.score_level == assessment.level == "high"
    assert assessment.status == Status.FINAL
    assert assessment.completed_by == police_officer
    assert assessment.agency == police_officer.agency
    assert assessment.completed_at == dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
    assert "marac_high_score" in assessment.routes
    assert "marac_repeat_incidents" in assessment.routes
    assert "marac_professional_judgement" not in assessment.routes
    assert assessment.answers["injured"] == "yes"
    assert assessment.answers["incidents_12_months"] == 4
    assert handed_over == [assessment]


def test_the_completion_is_audited(police_officer, adult, handed_over):
    assessment = complete(police_officer, adult)
    event = AuditEvent.objects.get(operation="risk.assessment.complete")
    assert event.action == "collection" and event.actor_id == police_officer.pk
    assert {(s.record_type, s.record_id) for s in event.subjects.all()} == {
        ("people.person", str(adult.pk)),
        ("risk.assessment", str(assessment.pk)),
    }
    assert event.detail["score"] == 3 and event.detail["level"] == "standard"


def test_a_date_answer_is_kept_as_a_date(police_officer, perpetrator, handed_over):
    answers = lowest_answers(PI) | {"separated": "yes", "separated_on": dt.date(2026, 10, 1)}
    assessment = complete(police_officer, perpetrator, tool=PI, answers=answers)
    assert assessment.answers["separated_on"] == "2026-10-01"
    assert assessment.score == 3 + 3


# ---------------------------------------------------------------- judgement
def test_a_practitioner_may_raise_the_level_with_a_reason(police_officer, adult, handed_over):
    assessment = complete(
        police_officer,
        adult,
        level="high",
        reason="She was strangled last week and fears for her life",
    )
    assert assessment.score_level == "standard" and assessment.level == "high"
    assert assessment.status == Status.FINAL
    assert assessment.judgement_reason.startswith("She was strangled")
    assert "marac_professional_judgement" in assessment.routes
    assert handed_over == [assessment]


def test_raising_without_a_reason_is_refused(police_officer, adult, handed_over):
    errors = refusal(lambda: complete(police_officer, adult, level="medium"))
    assert errors == {
        "reason": ["Say why you chose Medium, higher than the level the answers give (Standard)"]
    }
    assert not Assessment.objects.exists() and handed_over == []


def test_a_downgrade_without_a_reason_is_refused(police_officer, adult, handed_over):
    errors = refusal(
        lambda: complete(police_officer, adult, answers=da_answers(14), level="medium", reason="  ")
    )
    assert errors == {
        "reason": [
            "A lower level (Medium) than the answers give (High) needs a reason, and a team "
            "manager's agreement"
        ]
    }
    assert not Assessment.objects.exists() and handed_over == []


def test_a_downgrade_with_a_reason_waits_for_a_manager_then_counts(
    police_officer, adult, team_manager, handed_over
):
    assessment = complete(
        police_officer,
        adult,
        answers=da_answers(14),
        level="medium",
        reason="Two answers were about a former partner now in prison",
    )
    assert assessment.status == Status.AWAITING_APPROVAL
    assert assessment.proposed_level == "medium"
    assert assessment.level == "high"  # the tool's level counts while it waits
    assert "marac_high_score" in assessment.routes
    assert handed_over == []  # not final yet

    approved = services.assessment_approve(
        actor=team_manager, assessment=assessment, reason="Agreed: he is in custody until 2029"
    )
    approved.refresh_from_db()
    assert approved.status == Status.FINAL and approved.level == "medium"
    assert approved.approved_by == team_manager and approved.approved_at is not None
    assert approved.manager_reason.startswith("Agreed")
    assert "marac_high_score" in approved.routes  # the score was still high
    assert handed_over == [approved]
    event = AuditEvent.objects.get(operation="risk.assessment.approve")
    assert event.action == "alteration" and event.detail["approved_level"] == "medium"


def test_a_refused_downgrade_leaves_the_tools_level(
    police_officer, adult, team_manager, handed_over
):
    assessment = complete(
        police_officer,
        adult,
        answers=da_answers(14),
        level="standard",
        reason="She says it is fine",
    )
    errors = refusal(
        lambda: services.assessment_reject(actor=team_manager, assessment=assessment, reason="")
    )
    assert errors == {"reason": ["Say why the lower level is refused"]}
    refused = services.assessment_reject(
        actor=team_manager,
        assessment=assessment,
        reason="Fourteen ticks: her view does not lower it",
    )
    refused.refresh_from_db()
    assert refused.status == Status.FINAL and refused.level == "high"
    assert refused.refused_by == team_manager and refused.approved_by is None
    assert refused.proposed_level == "standard"
    assert handed_over == [refused]
    assert AuditEvent.objects.filter(operation="risk.assessment.reject").count() == 1


def test_a_manager_cannot_approve_their_own_downgrade(
    team_manager, other_manager, child, handed_over
):
    answers = lowest_answers(CE) | {"sexual_health": "yes", "sexual_images": "yes"}
    assessment = complete(
        team_manager, child, tool=CE, answers=answers, level="low", reason="Old news"
    )
    assert assessment.score_level == "medium" and assessment.status == Status.AWAITING_APPROVAL
    errors = refusal(lambda: services.assessment_approve(actor=team_manager, assessment=assessment))
    assert "another team manager must decide" in errors["actor"][0]
    approved = services.assessment_approve(actor=other_manager, assessment=assessment)
    assert approved.level == "low"


def test_only_a_team_manager_decides(police_officer, social_worker, adult, handed_over):
    assessment = complete(
        police_officer, adult, answers=da_answers(12), level="standard", reason="r"
    )
    errors = refusal(
        lambda: services.assessment_approve(actor=social_worker, assessment=assessment)
    )
    assert errors == {"actor": ["Only a team manager can agree or refuse a lower level"]}


def test_a_decision_is_taken_once(police_officer, adult, team_manager, handed_over):
    assessment = complete(
        police_officer, adult, answers=da_answers(12), level="standard", reason="r"
    )
    services.assessment_approve(actor=team_manager, assessment=assessment)
    errors = refusal(
        lambda: services.assessment_reject(actor=team_manager, assessment=assessment, reason="x")
    )
    assert errors == {"status": ["This assessment is not waiting for a decision on a lower level"]}


def test_a_manager_who_may_not_see_the_person_cannot_decide(
    police_officer, team_manager, hidden_person, handed_over
):
    assessment = complete(
        police_officer,
        hidden_person,
        tool=CE,
        answers=lowest_answers(CE) | {"sexual_health": "yes", "sexual_images": "yes"},
        level="low",
        reason="r",
    )
    with pytest.raises(Assessment.DoesNotExist):
        services.assessment_approve(actor=team_manager, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == Status.AWAITING_APPROVAL


def test_unknown_level_is_refused(police_officer, adult, handed_over):
    errors = refusal(lambda: complete(police_officer, adult, level="severe", reason="x"))
    assert errors == {
        "level": [
            "Choose one of the Domestic abuse risk checklist's levels: Standard, Medium, High"
        ]
    }


# ---------------------------------------------------------------- answers
def test_an_answer_outside_the_allowed_values_is_refused_naming_the_question(
    police_officer, adult, handed_over
):
    errors = refusal(
        lambda: complete(police_officer, adult, answers=da_answers(3, stalking="sometimes"))
    )
    assert errors == {
        "stalking": [
            "The answer must be yes or no, not 'sometimes': “Does the abuser follow, watch, "
            "track, message or call the person over and over, or turn up where they are?”"
        ]
    }
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(operation="risk.assessment.complete").exists()


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"incidents_12_months": 400}, "incidents_12_months", "between 0 and 365, not 400"),
        ({"incidents_12_months": "3"}, "incidents_12_months", "a whole number, not '3'"),
        ({"incidents_12_months": True}, "incidents_12_months", "a whole number, not True"),
        ({"injured": None}, "injured", "Choose yes or no: “Was the person hurt"),
        ({"rumours": "yes"}, "rumours", "has no question 'rumours'"),
        ({"persons_view": "x" * 2001}, "persons_view", "2000 characters or fewer"),
    ],
)
def test_each_bad_answer_names_its_question(
    police_officer, adult, handed_over, change, code, words
):
    answers = da_answers(3)
    answers.update(change)
    if change.get("injured", "") is None:
        del answers["injured"]
    errors = refusal(lambda: complete(police_officer, adult, answers=answers))
    assert list(errors) == [code]
    assert words in errors[code][0]
    assert not Assessment.objects.exists()


def test_every_problem_is_named_at_once(police_officer, adult, handed_over):
    answers = da_answers(0)
    del answers["injured"]
    answers["stalking"] = "often"
    errors = refusal(lambda: complete(police_officer, adult, answers=answers))
    assert set(errors) == {"injured", "stalking"}


def test_a_date_in_the_future_is_refused(police_officer, perpetrator, handed_over):
    answers = lowest_answers(PI) | {"separated": "yes", "separated_on": "2026-11-11"}
    errors = refusal(lambda: complete(police_officer, perpetrator, tool=PI, answers=answers))
    assert errors["separated_on"][0].startswith("The date cannot be in the future: “When did")
    answers["separated_on"] = "next week"
    errors = refusal(lambda: complete(police_officer, perpetrator, tool=PI, answers=answers))
    assert "a date like 2026-03-27" in errors["separated_on"][0]


def test_a_question_asked_only_if_is_required_only_then(police_officer, perpetrator, handed_over):
    answers = lowest_answers(PI) | {"separated": "yes"}
    errors = refusal(lambda: complete(police_officer, perpetrator, tool=PI, answers=answers))
    assert errors == {
        "separated_on": [
            "Enter a date: “When did the relationship end, or when was the person told it would?”"
        ]
    }
    saved = complete(
        police_officer,
        perpetrator,
        tool=PI,
        answers=lowest_answers(PI) | {"separated": "no", "separated_on": "2026-10-01"},
    )
    assert "separated_on" not in saved.answers  # not asked, not kept


# ---------------------------------------------------------------- who and for whom
def test_a_role_the_tool_does_not_name_is_refused(school_dsl, handed_over):
    pupil = make_person("Lacey", "Brindle", dt.date(2010, 2, 3), school_dsl.agency.code)
    errors = refusal(lambda: complete(school_dsl, pupil))
    assert errors == {
        "tool": [
            "Your role (School designated safeguarding lead) cannot complete the "
            "Domestic abuse risk checklist"
        ]
    }


def test_a_hidden_person_does_not_exist_for_the_actor(nhs_nurse, hidden_person, handed_over):
    with pytest.raises(Person.DoesNotExist):
        complete(nhs_nurse, hidden_person, tool=CE, answers=lowest_answers(CE))
    assert not Assessment.objects.exists()


def test_a_tool_for_children_is_refused_for_an_adult(police_officer, adult, handed_over):
    errors = refusal(lambda: complete(police_officer, adult, tool=CE, answers=lowest_answers(CE)))
    assert errors == {
        "tool": [
            "The Child exploitation screening is for people aged 17 or under; this person is 34"
        ]
    }


def test_an_unknown_tool_or_old_version_is_refused(police_officer, adult, handed_over):
    assert refusal(lambda: complete(police_officer, adult, tool="horoscope")) == {
        "tool": ["There is no risk tool 'horoscope'"]
    }
    errors = refusal(lambda: complete(police_officer, adult, version=0))
    assert "Version 0 of the Domestic abuse risk checklist is no longer used" in errors["tool"][0]


def test_an_under_13_is_never_low_when_completed(social_worker, young_child, handed_over):
    assessment = complete(social_worker, young_child, tool=CE, answers=lowest_answers(CE))
    assert assessment.score == 0 and assessment.score_level == "medium"
    assert "exploitation_meeting" in assessment.routes
    assert TODAY.year - young_child.date_of_birth.year == 11


def test_the_score_alone_saves_nothing(police_officer, adult):
    _, outcome = services.assessment_score(
        actor=police_officer, person=adult, tool=DA, answers=da_answers(11)
    )
    assert outcome.score == 11 and outcome.score_level == "medium"
    assert not Assessment.objects.exists()
