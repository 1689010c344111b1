"""The risk tools API: the tools with their questions, completing one (refusals name the
question and save nothing), a person's assessments, a manager's decision, a hidden
person answering 404 everywhere, the audit, and the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.people.models import Person
from lantern.risk import services
from lantern.risk.models import Assessment, Status

from .conftest import CE, DA, PI, da_answers, lowest_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_alerts(monkeypatch):
    monkeypatch.setattr("lantern.alerts.intake.assessment_completed", lambda assessment: [])


def assessments_url(person):
    return reverse("api:person-risk-assessments", args=[person.reference])


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


# ---------------------------------------------------------------- the tools
def test_list_the_tools_with_their_questions(client_for, police_officer):
    reply = client_for(police_officer).get(reverse("api:risk-tools"))
    assert reply.status_code == 200
    tools = {t["code"]: t for t in reply.json()["results"]}
    assert set(tools) == {CE, DA, PI}
    da = tools[DA]
    assert da["version"] == 1 and da["current"] and da["may_complete"]
    assert len(da["questions"]) == 26 and da["max_score"] == 24
    assert [(b["level"], b["min"], b["max"]) for b in da["bands"]] == [
        ("standard", 0, 9),
        ("medium", 10, 13),
        ("high", 14, None),
    ]
    injured = da["questions"][0]
    assert injured["type"] == "yes_no" and injured["choices"][0] == {
        "value": "yes",
        "label": "Yes",
        "points": 1,
    }
    routes = {r["code"]: r for r in da["routes"]}
    assert routes["marac_repeat_incidents"]["when"] == [
        {"question": "incidents_12_months", "test": "at_least", "value": 3}
    ]
    separated_on = next(q for q in tools[PI]["questions"] if q["code"] == "separated_on")
    assert separated_on["only_if"] == [{"question": "separated", "test": "is", "value": "yes"}]
    assert tools[CE]["may_complete"]  # police officers screen children too


def test_totals_only_roles_see_no_tools(client_for, scrutineer):
    assert client_for(scrutineer).get(reverse("api:risk-tools")).status_code == 404


# ---------------------------------------------------------------- completing
def test_complete_a_tool(client_for, police_officer, adult):
    client = client_for(police_officer)
    reply = post(
        client,
        assessments_url(adult),
        {"tool": DA, "version": 1, "answers": da_answers(14, incidents_12_months=3)},
    )
    assert reply.status_code == 201, reply.content
    data = reply.json()
    assert data["person"] == adult.reference
    assert (data["score"], data["score_level"], data["level"], data["status"]) == (
        14,
        "high",
        "high",
        "final",
    )
    assert data["agency"] == "northmoor-police" and data["completed_by"] == "Tom Whitcombe"
    codes = [r["code"] for r in data["routes"]]
    assert "marac_high_score" in codes and "marac_repeat_incidents" in codes
    assert data["routes"][0]["text"].startswith("Refer to the risk conference (MARAC)")
    assert AuditEvent.objects.filter(operation="risk.assessment.complete").count() == 1
    assert AuditEvent.objects.filter(operation="api.risk.assessment.create").exists()


def test_an_answer_outside_the_allowed_values_is_refused(client_for, police_officer, adult):
    reply = post(
        client_for(police_officer),
        assessments_url(adult),
        {"tool": DA, "answers": da_answers(3, threats_to_kill="perhaps")},
    )
    assert reply.status_code == 400
    body = reply.json()
    assert list(body) == ["threats_to_kill"]
    assert "The answer must be yes or no, not 'perhaps'" in body["threats_to_kill"][0]
    assert not Assessment.objects.exists()


def test_a_downgrade_without_a_reason_is_refused(client_for, police_officer, adult):
    reply = post(
        client_for(police_officer),
        assessments_url(adult),
        {"tool": DA, "answers": da_answers(14), "level": "standard"},
    )
    assert reply.status_code == 400
    assert "needs a reason, and a team manager's agreement" in reply.json()["reason"][0]
    assert not Assessment.objects.exists()


def test_a_downgrade_decided_by_a_manager(client_for, client, police_officer, team_manager, adult):
    created = post(
        client_for(police_officer),
        assessments_url(adult),
        {"tool": DA, "answers": da_answers(14), "level": "medium", "reason": "Old answers"},
    ).json()
    assert created["status"] == "awaiting_approval" and created["level"] == "high"
    assert created["proposed_level"] == "medium"
    approve = reverse("api:risk-assessment-approve", args=[created["id"]])
    reply = post(client_for(police_officer), approve, {})
    assert reply.status_code == 400
    assert reply.json() == {"actor": ["Only a team manager can agree or refuse a lower level"]}
    client.logout()
    manager = client_for(team_manager)
    reply = post(manager, reverse("api:risk-assessment-reject", args=[created["id"]]), {})
    assert reply.status_code == 400 and "reason" in reply.json()
    reply = post(manager, approve, {"reason": "Agreed"})
    assert reply.status_code == 200
    data = reply.json()
    assert data["status"] == "final" and data["level"] == "medium"
    assert data["approved_by"] == "Grace Adebayo" and data["manager_reason"] == "Agreed"


def test_a_persons_assessments(client_for, police_officer, social_worker, adult):
    services.assessment_complete(actor=police_officer, person=adult, tool=DA, answers=da_answers(2))
    services.assessment_complete(
        actor=police_officer, person=adult, tool=DA, answers=da_answers(11)
    )
    reply = client_for(social_worker).get(assessments_url(adult))
    assert reply.status_code == 200
    data = reply.json()
    assert data["person"] == adult.reference
    assert [r["score"] for r in data["results"]] == [11, 2]
    event = AuditEvent.objects.get(operation="api.risk.assessments", action="consultation")
    assert event.subjects.filter(record_type="risk.assessment").count() == 2
    detail = client_for(social_worker).get(
        reverse("api:risk-assessment", args=[data["results"][0]["id"]])
    )
    assert detail.status_code == 200 and detail.json()["score_level"] == "medium"


# ---------------------------------------------------------------- hidden people
@pytest.fixture
def hidden_assessment(police_officer, hidden_person):
    return services.assessment_complete(
        actor=police_officer,
        person=hidden_person,
        tool=CE,
        answers=lowest_answers(CE) | {"sexual_health": "yes", "sexual_images": "yes"},
        level="low",
        reason="reason",
    )


def _calls(person, assessment):
    return [
        ("get", assessments_url(person), None),
        ("post", assessments_url(person), {"tool": CE, "answers": lowest_answers(CE)}),
        ("get", reverse("api:risk-assessment", args=[assessment.pk]), None),
        ("post", reverse("api:risk-assessment-approve", args=[assessment.pk]), {}),
        ("post", reverse("api:risk-assessment-reject", args=[assessment.pk]), {"reason": "x"}),
    ]


@pytest.mark.parametrize("reader", ["team_manager", "nhs_nurse", "school_dsl"])
def test_a_hidden_person_is_404_everywhere(
    request, client_for, reader, hidden_person, hidden_assessment
):
    client = client_for(request.getfixturevalue(reader))
    for method, url, data in _calls(hidden_person, hidden_assessment):
        reply = client.get(url) if method == "get" else post(client, url, data)
        assert reply.status_code == 404, url
        assert "Oriel" not in reply.content.decode()
    assert Assessment.objects.count() == 1
    hidden_assessment.refresh_from_db()
    assert hidden_assessment.status == Status.AWAITING_APPROVAL


def test_the_404_comes_from_the_access_policy(
    client_for, monkeypatch, nhs_nurse, hidden_person, hidden_assessment
):
    """Break the check once: with a policy that shows everyone to everyone, the API shows
    the hidden person's assessments, so the 404s above are the policy's doing."""
    from lantern.access import policy

    monkeypatch.setattr(
        policy, "people_visible_to", lambda user, action="view": Person.objects.all()
    )
    client = client_for(nhs_nurse)
    reply = client.get(assessments_url(hidden_person))
    assert reply.status_code == 200 and reply.json()["results"][0]["id"] == hidden_assessment.pk
    assert (
        client.get(reverse("api:risk-assessment", args=[hidden_assessment.pk])).status_code == 200
    )


# ---------------------------------------------------------------- the schema
def test_the_schema_describes_each_operation_once(client_for, police_officer):
    schema = client_for(police_officer).get(reverse("api:schema"), {"format": "json"}).json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "risk_tools_list",
        "risk_assessments_list",
        "risk_assessment_create",
        "risk_assessment_retrieve",
        "risk_assessment_approve",
        "risk_assessment_reject",
    } <= operations
    assert "/api/v1/people/{reference}/risk-assessments/" in schema["paths"]
    assert "RiskAssessment" in schema["components"]["schemas"]
