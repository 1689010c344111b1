"""In Chromium: a social worker screens a child for exploitation through the pages,
first with nothing answered (the errors), then answered, scored, judged higher and
completed; screenshots of each in test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.e2e.test_journeys import sign_in

from lantern.core import clock
from lantern.risk import tools

from .conftest import CE, COUNCIL, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOMENT = dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def moment(now):
    """Stand at MOMENT inside the risk tests' own frozen moment (`now`), and give the clock
    back as it was (a monkeypatched clock could stay frozen for later journeys)."""
    with clock.frozen_at(MOMENT):
        yield MOMENT


def test_screen_a_child_through_the_pages(page, screenshot, moment):
    child = make_person("Skye", "Marchbank", dt.date(2012, 9, 14), COUNCIL)
    sign_in(page, "social.worker")
    page.get_by_role("button", name="Sign out").wait_for()

    page.goto(f"/risk/people/{child.reference}/")
    page.get_by_role("link", name="Complete a risk tool").click()
    page.get_by_label("Child exploitation screening").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Child exploitation screening", level=1).wait_for()
    screenshot("risk-01-questionnaire")

    page.get_by_role("button", name="Complete the assessment").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Choose yes or no: “Has the child lived with abuse" in summary.inner_text()
    assert page.locator("#id_q_missing_episodes-error").is_visible()
    screenshot("risk-02-questionnaire-errors")

    tool = tools.tool(CE)
    worrying = {"missing_episodes": "3", "older_person": "known", "unexplained_goods": "yes"}
    for question in tool.questions:
        if question.type == "yes_no":
            index = 0 if worrying.get(question.code) == "yes" else 1
            page.locator(f"#id_q_{question.code}_{index}").check()
        elif question.type == "choice":
            values = [v for v, _ in question.options]
            index = values.index(worrying.get(question.code, values[0]))
            page.locator(f"#id_q_{question.code}_{index}").check()
        elif question.type == "number":
            page.locator(f"#id_q_{question.code}").fill(worrying.get(question.code, "0"))
    page.get_by_role("button", name="Work out the score first").click()
    score = page.locator("#score")
    score.wait_for()
    assert "The answers give a score of 13" in score.inner_text()
    assert "A known older person with power over the child" in score.inner_text()
    screenshot("risk-03-scored")

    page.locator("#id_reason").fill("Seen twice in a car outside the school at night")
    page.get_by_role("button", name="Complete the assessment").click()
    page.get_by_text("Assessment completed").wait_for()
    assert "Refer to children's social care today" in page.content()
    screenshot("risk-04-result")

    page.get_by_role("link", name="Every risk assessment of Skye").click()
    page.get_by_role("heading", name="Child exploitation screening").wait_for()
    screenshot("risk-05-history")
