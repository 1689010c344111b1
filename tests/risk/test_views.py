"""The risk tool pages: choosing a tool, the questionnaire made from the file (errors
beside each question and in a summary), the result with its warning and routes, the
history with changes over time, the manager's queue and decision, and a person the
reader may not see answering 404 on every page."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.people.models import Person
from lantern.risk import services
from lantern.risk.models import Assessment, Status

from .conftest import CE, DA, da_answers, lowest_answers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_alerts(monkeypatch):
    monkeypatch.setattr("lantern.alerts.intake.assessment_completed", lambda assessment: [])


def post_answers(answers: dict, **extra) -> dict:
    data = {f"q_{code}": str(value) for code, value in answers.items()}
    data.update(extra)
    return data


def complete_url(person, tool=DA):
    return reverse("risk:complete", args=[person.reference, tool])


def text(reply) -> str:
    return re.sub(r"\s+", " ", html.unescape(reply.content.decode()))


# ---------------------------------------------------------------- choosing a tool
def test_the_history_offers_the_tools_of_the_readers_role(client_for, police_officer, adult):
    reply = client_for(police_officer).get(reverse("risk:person", args=[adult.reference]))
    assert reply.status_code == 200
    page = text(reply)
    assert "No risk tool has been completed about Carys" in page
    assert reverse("risk:choose", args=[adult.reference]) in page
    choose = text(client_for(police_officer).get(reverse("risk:choose", args=[adult.reference])))
    assert "Domestic abuse risk checklist" in choose and "Perpetrator indicators" in choose
    assert "Child exploitation screening" not in choose  # she is 34


def test_choosing_a_tool_opens_its_questionnaire(client_for, social_worker, child):
    client = client_for(social_worker)
    url = reverse("risk:choose", args=[child.reference])
    reply = client.get(url, {"tool": CE})
    assert reply.status_code == 302 and reply["Location"] == complete_url(child, CE)
    reply = client.get(url, {"tool": "tarot"})
    assert reply.status_code == 400 and "Choose one of the risk tools listed" in text(reply)


# ---------------------------------------------------------------- the questionnaire
def test_the_questionnaire_is_made_from_the_file(client_for, police_officer, adult):
    reply = client_for(police_officer).get(complete_url(adult))
    assert reply.status_code == 200
    page = text(reply)
    for heading in ("The abuse now", "The person's circumstances", "History and pattern"):
        assert f'<h2 class="govuk-heading-m govuk-!-margin-top-6">{heading}</h2>' in page
    assert page.count('type="radio" value="yes"') == 24
    assert 'name="q_incidents_12_months"' in page and 'name="q_persons_view"' in page
    assert "The score supports your professional judgement. It does not replace it." in page
    assert "standard 0 to 9, medium 10 to 13, high 14 or more" in page
    assert AuditEvent.objects.filter(
        operation="risk.questionnaire", subjects__person_id=adult.pk
    ).exists()


def test_errors_show_beside_each_question_and_in_a_summary(client_for, police_officer, adult):
    answers = da_answers(3)
    del answers["injured"]
    answers["stalking"] = "sometimes"
    answers["incidents_12_months"] = "lots"
    reply = client_for(police_officer).post(complete_url(adult), post_answers(answers))
    assert reply.status_code == 400
    page = text(reply)
    assert "There is a problem" in page
    assert '<a href="#id_q_injured_0">Choose yes or no: “Was the person hurt' in page
    assert "<a href=\"#id_q_stalking_0\">The answer must be yes or no, not 'sometimes'" in page
    assert (
        '<a href="#id_q_incidents_12_months">Enter a whole number, like 3: “How many incidents'
        in page
    )
    assert (
        '<p id="id_q_stalking-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "The answer must be yes or no, not 'sometimes'</p>" in page
    )
    assert 'id="id_q_injured-error" class="govuk-error-message"' in page
    assert 'id="id_q_stalking-error" class="govuk-error-message"' in page
    assert not Assessment.objects.exists()
    # What was typed is kept
    assert 'name="q_very_frightened" type="radio" value="yes" checked' in page


def test_work_out_the_score_first_saves_nothing(client_for, police_officer, adult):
    reply = client_for(police_officer).post(
        complete_url(adult), post_answers(da_answers(11), action="score")
    )
    assert reply.status_code == 200
    page = text(reply)
    assert "The answers give a score of 11 (of 24)" in page and "Medium" in page
    assert "Nothing is saved yet." in page
    assert not Assessment.objects.exists()


def test_completing_shows_the_result(client_for, police_officer, adult):
    client = client_for(police_officer)
    reply = client.post(complete_url(adult), post_answers(da_answers(14, incidents_12_months=1)))
    assessment = Assessment.objects.get()
    assert reply.status_code == 302
    assert reply["Location"] == reverse("risk:assessment", args=[assessment.pk])
    page = text(client.get(reply["Location"]))
    assert "Assessment completed" in page
    assert "The score supports your professional judgement. It does not replace it." in page
    assert "Refer to the risk conference (MARAC): the score is high (14 or more)." in page
    assert re.search(r"Level from the score</dt>.*?High", page)
    assert "the level the answers give" in page
    assert "Was the person hurt in the most recent incident?" in page
    assert "(1 point)" in page
    assert AuditEvent.objects.filter(operation="risk.assessment.view").exists()


def test_raising_the_level_on_the_page(client_for, police_officer, adult):
    client = client_for(police_officer)
    data = post_answers(da_answers(4), level="high")
    reply = client.post(complete_url(adult), data)
    assert reply.status_code == 400
    assert "Say why you chose High, higher than the level the answers give (Standard)" in text(
        reply
    )
    data["reason"] = "Non-fatal strangulation two days ago"
    reply = client.post(complete_url(adult), data)
    page = text(client.get(reply["Location"]))
    assert "raised by professional judgement" in page
    assert "Non-fatal strangulation two days ago" in page
    assert (
        "Refer to the risk conference (MARAC): professional judgement puts the risk at high."
        in page
    )


# ---------------------------------------------------------------- a lower level and the manager
def test_a_lower_level_waits_for_a_manager_who_decides_on_the_page(
    client_for, client, police_officer, team_manager, adult
):
    police = client_for(police_officer)
    data = post_answers(da_answers(14), level="medium", reason="Answers about a past partner")
    reply = police.post(complete_url(adult), data)
    assessment = Assessment.objects.get()
    assert assessment.status == Status.AWAITING_APPROVAL
    page = text(police.get(reply["Location"]))
    assert "Waiting for a manager" in page and "Until a team manager agrees, high counts" in page
    assert "Record the decision" not in page  # not a manager

    client.logout()
    manager = client_for(team_manager)
    queue = text(manager.get(reverse("risk:approvals")))
    assert "Carys Wendover" in queue and "Answers about a past partner" in queue
    page = text(manager.get(reverse("risk:assessment", args=[assessment.pk])))
    assert "Record the decision" in page
    decide = reverse("risk:decide", args=[assessment.pk])
    reply = manager.post(decide, {"decision": "reject", "reason": ""})
    assert reply.status_code == 400 and "Say why the lower level is refused" in text(reply)
    reply = manager.post(decide, {"decision": "approve", "reason": "He is in custody"})
    assert reply.status_code == 302
    assessment.refresh_from_db()
    assert assessment.level == "medium" and assessment.approved_by == team_manager
    page = text(manager.get(reply["Location"]))
    assert "Lower level agreed" in page and "He is in custody" in page
    assert "Carys Wendover" not in text(manager.get(reverse("risk:approvals")))


def test_the_queue_is_for_managers_only(client_for, social_worker):
    assert client_for(social_worker).get(reverse("risk:approvals")).status_code == 404


# ---------------------------------------------------------------- the history
def test_the_history_shows_changes_over_time(client_for, police_officer, social_worker, adult):
    from lantern.core import clock

    from .conftest import NOW

    for days, yes in ((60, 4), (30, 11), (0, 15)):
        with clock.frozen_at(NOW - __import__("datetime").timedelta(days=days)):
            services.assessment_complete(
                actor=police_officer, person=adult, tool=DA, answers=da_answers(yes)
            )
    reply = client_for(social_worker).get(reverse("risk:person", args=[adult.reference]))
    page = text(reply)
    assert "Domestic abuse risk checklist" in page
    assert page.index("Up from Medium") < page.index("Up from Standard") < page.index("First")
    assert page.count("Tom Whitcombe") == 3 and "Northmoor Police" in page
    event = AuditEvent.objects.get(operation="risk.history.view", action="consultation")
    assert event.subjects.filter(record_type="risk.assessment").count() == 3
    # The police's assessments shown to the council are a disclosure from the police
    disclosure = AuditEvent.objects.get(operation="risk.history.view", action="disclosure")
    assert disclosure.detail["from_agency"] == "northmoor-police"


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


def _pages(person, assessment):
    return [
        ("get", reverse("risk:person", args=[person.reference])),
        ("get", reverse("risk:choose", args=[person.reference])),
        ("get", complete_url(person, CE)),
        ("post", complete_url(person, CE)),
        ("get", reverse("risk:assessment", args=[assessment.pk])),
        ("post", reverse("risk:decide", args=[assessment.pk])),
    ]


@pytest.mark.parametrize("reader", ["team_manager", "nhs_nurse", "school_dsl", "social_worker"])
def test_a_hidden_person_is_404_on_every_page(
    request, client_for, reader, hidden_person, hidden_assessment
):
    client = client_for(request.getfixturevalue(reader))
    for method, url in _pages(hidden_person, hidden_assessment):
        data = {"decision": "approve"} if "decide" in url else post_answers(lowest_answers(CE))
        reply = client.get(url) if method == "get" else client.post(url, data)
        assert reply.status_code == 404, url
        assert "Oriel" not in reply.content.decode()
    refused = AuditEvent.objects.filter(outcome="refused", subjects__person_id=hidden_person.pk)
    assert refused.exists()
    hidden_assessment.refresh_from_db()
    assert hidden_assessment.status == Status.AWAITING_APPROVAL
    assert Assessment.objects.count() == 1


def test_the_queue_never_lists_a_hidden_person(client_for, team_manager, hidden_assessment):
    page = text(client_for(team_manager).get(reverse("risk:approvals")))
    assert "Oriel" not in page and "Nothing is waiting for a decision." in page


def test_the_404_comes_from_the_access_policy(
    client_for, monkeypatch, nhs_nurse, hidden_person, hidden_assessment
):
    """Break the check once: with a policy that lets everyone see everyone, the same
    pages show the hidden person, so the 404s above are the policy's doing."""
    from lantern.access import policy

    monkeypatch.setattr(
        policy, "people_visible_to", lambda user, action="view": Person.objects.all()
    )
    client = client_for(nhs_nurse)
    reply = client.get(reverse("risk:person", args=[hidden_person.reference]))
    assert reply.status_code == 200 and "Oriel Pennock" in reply.content.decode()
    reply = client.get(reverse("risk:assessment", args=[hidden_assessment.pk]))
    assert reply.status_code == 200 and "Oriel Pennock" in reply.content.decode()


def test_roles_without_case_data_see_nothing(client_for, scrutineer, adult):
    assert (
        client_for(scrutineer).get(reverse("risk:person", args=[adult.reference])).status_code
        == 404
    )


def test_a_role_the_tool_does_not_name_cannot_open_it(client_for, school_dsl, adult):
    from .conftest import make_person

    pupil = make_person(
        "Lacey", "Brindle", __import__("datetime").date(2010, 2, 3), school_dsl.agency.code
    )
    assert client_for(school_dsl).get(complete_url(pupil, DA)).status_code == 404  # not offered
    assert client_for(school_dsl).get(complete_url(pupil, CE)).status_code == 200
    assert client_for(school_dsl).get(complete_url(pupil, "tarot")).status_code == 404


def test_signed_out_is_sent_to_sign_in(client, adult):
    assert client.get(reverse("risk:person", args=[adult.reference])).status_code == 302
