"""From a police referral to a child protection plan, through the pages only.

A police officer refers a child; the front door matches, rates amber and asks the NHS
and the school; both answer; the front door decides on a strategy discussion within
the working day and tells the referrer; the allocated social worker records the
strategy discussion (council, police and health) with actions for the police and the
NHS, runs the section 47 enquiry, records the initial conference inside 15 working
days and starts the child protection plan, and books its review; each agency then sees
its own action, and only its own, on its home page.

The demo clock stands at each moment of a believable fortnight in November 2026 (GMT,
so UK time and UTC agree), so every deadline is met for a reason the pages can show.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from lantern.core import clock
from lantern.people.models import Person, SourceRecord

from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COUNCIL, NHS = "kestrelford-childrens-services", "kestrelford-nhs"
NHS_NAME = "Kestrelford Hospitals NHS Trust"
POLICE_NAME = "Northmoor Police"

POLICE_ACTION = "Trace the grey Astra seen at the school gates and its registered keeper"
NHS_ACTION = "Share the emergency department notes from the two night-time visits"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


# The fortnight, in order. Tuesday 3 November: referral, triage, answers and decision.
REFERRED = at(3, 9, 5)
TRIAGED = at(3, 9, 40)
NURSE_ANSWERS = at(3, 11, 10)
SCHOOL_ANSWERS = at(3, 11, 45)
DECIDED = at(3, 14, 0)
REFERRER_READS = at(3, 15, 30)
# Wednesday 4 November: the strategy discussion (held 09:30), recorded at 11:00.
DISCUSSED = at(4, 11, 0)
# Thursday 12 November: the enquiry's outcome. Tuesday 17 November: the conference.
ENQUIRY_DONE = at(12, 15, 0)
CONFERENCE_RECORDED = at(17, 16, 0)
# Wednesday 18 November: each agency opens Lantern.
NEXT_MORNING = at(18, 9, 0)


@pytest.fixture
def stand_at(monkeypatch):
    """Move the demo clock (read by the live server's thread too); put it back after."""

    def move(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "_fixed", moment)

    return move


@pytest.fixture
def as_user(page, stand_at):
    """Sign in afresh as someone, at a moment: each persona's turn is a new session."""

    def become(username: str, moment: dt.datetime) -> None:
        page.context.clear_cookies()
        stand_at(moment)
        page.goto("/sign-in/")
        sign_in(page, username)
        page.get_by_role("button", name="Sign out").wait_for()

    return become


def child_known_to_council_nhs_and_school() -> Person:
    """A child the council, the NHS and the school lead's school each hold a record of,
    with no referral or case yet: the police do not know them."""
    school = get_user_model().objects.get(username="school.dsl").agency

    def held_by(code: str):
        return Exists(
            SourceRecord.objects.filter(
                person=OuterRef("pk"), agency__code=code, is_current=True, sensitivity="normal"
            )
        )

    child = (
        Person.objects.filter(
            held_by(COUNCIL),
            held_by(NHS),
            held_by(school.code),
            sensitivity="normal",
            merged_into__isnull=True,
            date_of_birth__gt=dt.date(2009, 12, 1),
        )
        .exclude(referrals__isnull=False)
        .exclude(cases__isnull=False)
        .order_by("pk")
        .first()
    )
    assert child is not None, "the test borough has no child known to all three"
    return child


def confirmed(page, message: str) -> None:
    """Wait for the green banner that says a step was done."""
    page.locator(".govuk-notification-banner", has_text=message).wait_for()


def open_from_deadlines(page, child: Person, step: str) -> None:
    """From the social worker's deadlines to the child's casework, by the step's link."""
    page.get_by_role("link", name="Deadlines", exact=True).click()
    row = page.locator("tr", has_text=child.reference).filter(has_text=step)
    row.get_by_role("link", name=step).click()
    page.get_by_role("heading", name="What is next").wait_for()


def test_from_a_police_referral_to_a_child_protection_plan(page, screenshot, as_user):
    try:
        journey(page, screenshot, as_user)
    except BaseException:
        screenshot("casework-failed")  # the page as it was when the journey stopped
        raise


def journey(page, screenshot, as_user) -> None:
    child = child_known_to_council_nhs_and_school()
    described = child.source_records.get(agency__kind="school", is_current=True)
    school_name = described.agency.name
    name = f"{described.given_name} {described.family_name}"

    # 1. The police officer refers the child.
    as_user("police.officer", REFERRED)
    page.get_by_role("link", name="Make a referral to the front door").click()
    page.get_by_role("heading", name="Make a referral").wait_for()
    page.get_by_role("button", name="Send the referral").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter the child's given name" in summary.inner_text()
    assert "Choose at least one kind of concern" in summary.inner_text()
    page.get_by_label("Given name").fill(described.given_name)
    page.get_by_label("Family name").fill(described.family_name)
    page.get_by_label("Date of birth").fill(described.date_of_birth.strftime("%-d %-m %Y"))
    page.get_by_label("Female" if child.sex == "F" else "Male", exact=True).check()
    page.get_by_label("Postcode").fill(described.postcode)
    page.get_by_label("What are you worried about?").fill(
        "Seen three times this fortnight getting into a grey Astra with two adult men "
        "outside the school at 3pm. Found at 1am in a flat on the Marlow estate with a "
        "new phone she would not explain. She said: 'they look after me'."
    )
    page.get_by_label("Criminal exploitation").check()
    page.get_by_label("Sexual exploitation").check()
    page.get_by_label("Going missing").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Safeguarding children without consent").check()
    page.get_by_label("Why are you sharing without their agreement?").fill(
        "Telling the family first may warn the adults involved"
    )
    page.get_by_label("Your telephone number").fill("01632 960 418")
    screenshot("casework-01-referral-form")
    page.get_by_role("button", name="Send the referral").click()
    confirmed(page, "sent to the front door")
    reference = re.search(r"/referrals/(R-[A-Z0-9]+)/", page.url).group(1)
    assert "Received: waiting for the front door" in page.content()
    screenshot("casework-02-referral-sent")

    # 2. The front door: the queue, the match, an amber rating, two requests.
    as_user("mash.worker", TRIAGED)
    page.get_by_role("link", name="Front door", exact=True).click()
    page.get_by_role("heading", name="Referrals waiting for a decision").wait_for()
    row = page.locator("tr", has_text=reference)
    assert "Northmoor Police" in row.inner_text() and "not yet matched" in row.inner_text()
    screenshot("casework-03-front-door-queue")
    row.get_by_role("link", name=name).click()
    page.get_by_role("heading", name="Who is the child?").wait_for()
    screenshot("casework-04-triage-match")
    candidate = page.locator("tr", has_text=child.reference)
    assert "Strong" in candidate.inner_text()
    candidate.get_by_role("button", name="This is the child").click()
    confirmed(page, f"Matched: the child is {child.full_name}")
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Why this rating").fill(
        "Exploitation indicators and a night-time missing episode; no injury reported"
    )
    page.get_by_role("button", name="Record the rating").click()
    confirmed(page, "Rated amber")
    for agency in (NHS_NAME, school_name):
        page.get_by_label("Agency to ask").select_option(label=agency)
        page.get_by_role("button", name="Ask this agency").click()
        confirmed(page, f"Asked {agency}: the answer is due by Tuesday 3 November, 15:40")
    requests = page.locator("#requests + table, #requests ~ table").first
    assert NHS_NAME in requests.inner_text() and school_name in requests.inner_text()
    screenshot("casework-05-triage-rated-and-asked")

    # 3. The NHS nurse and the school lead each answer.
    as_user("nhs.nurse", NURSE_ANSWERS)
    page.get_by_role("link", name="front-door request for information").click()
    page.get_by_role("link", name=f"Answer about {name}").click()
    screenshot("casework-06-nurse-request")
    page.get_by_label("Your agency's answer").fill(
        "Two emergency department visits in October, both after midnight, once with a "
        "cut hand; left before being seen the second time. Registered with a GP."
    )
    page.get_by_role("button", name="Send your answer").click()
    confirmed(page, "Your answer has been sent to the front door")

    as_user("school.dsl", SCHOOL_ANSWERS)
    page.get_by_role("link", name="Requests for information").click()
    page.get_by_role("link", name=f"Answer about {name}").click()
    page.get_by_label("Your agency's answer").fill(
        "Attendance down to 64% this term; collected twice by a man who is not a parent. "
        "Year 9, form tutor worried about a new older boyfriend."
    )
    page.get_by_role("button", name="Send your answer").click()
    confirmed(page, "Your answer has been sent to the front door")
    screenshot("casework-07-school-answered")

    # 4. The front door sees both answers and decides, within the working day.
    as_user("mash.worker", DECIDED)
    page.get_by_role("link", name="Front door", exact=True).click()
    page.get_by_role("link", name=name).first.click()
    assert "Two emergency department visits" in page.content()
    assert "Attendance down to 64%" in page.content()
    page.get_by_label("Strategy discussion").check()
    page.get_by_label("Why", exact=True).fill(
        "Reasonable cause to suspect significant harm from exploitation: police, health "
        "and school information together"
    )
    page.get_by_role("button", name="Record the decision").click()
    confirmed(page, "Decision recorded")
    decision = page.locator("#decision-due").inner_text()
    assert "Met" in decision and "decided within the deadline" in decision
    page.get_by_label("What you told the referrer").fill(
        "Phoned DC Whitcombe at 14:05: a strategy discussion will be held tomorrow morning "
        "and the police are invited."
    )
    page.get_by_role("button", name="Record what the referrer was told").click()
    confirmed(page, "Recorded what the referrer was told")
    screenshot("casework-08-decided")

    as_user("police.officer", REFERRER_READS)
    page.get_by_role("link", name="Referrals", exact=True).click()
    page.locator("tr", has_text=reference).get_by_text("Strategy discussion").wait_for()
    page.get_by_role("link", name=reference).click()
    page.get_by_text("Outcome: Strategy discussion").wait_for()
    assert "a strategy discussion will be held tomorrow" in page.content()
    screenshot("casework-09-referrer-sees-outcome")

    # 5. The social worker: strategy discussion, enquiry, conference, plan, review.
    as_user("social.worker", DISCUSSED)
    page.get_by_role("link", name="Find a person").first.click()
    page.get_by_label("Name").fill(child.full_name)
    page.get_by_label("Date of birth").fill(child.date_of_birth.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=child.full_name).first.click()
    page.get_by_role("link", name="Casework").first.click()
    page.get_by_text("Hold the strategy discussion").first.wait_for()
    screenshot("casework-10-casework-before-discussion")
    page.get_by_role("link", name="Record the strategy discussion").click()
    page.get_by_label("When the meeting was held").fill("4 11 2026 09:30")
    page.get_by_label("Why the meeting was held").fill(f"Front-door decision on {reference}")
    attendance = {
        COUNCIL: ("Daniel Hartley, social worker", "Known to the council since a 2025 contact"),
        "northmoor-police": ("DC Tom Whitcombe", "Grey Astra seen three times; keeper not known"),
        NHS: ("Helen Marsh, named nurse", "Two night-time emergency visits in October"),
    }
    for code, (who, shared) in list(attendance.items())[:1]:
        page.locator(f"select[name=att_{code}]").select_option("attended")
        page.locator(f"input[name=who_{code}]").fill(who)
        page.locator(f"textarea[name=info_{code}]").fill(shared)
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Joint investigation (police and social care)").check()
    page.get_by_role("button", name="Record the strategy discussion").click()
    refused = page.locator(".govuk-error-summary")
    refused.wait_for()
    assert "Missing: Police force, NHS trust" in refused.inner_text()
    screenshot("casework-11-strategy-discussion-refused")
    for code, (who, shared) in list(attendance.items())[1:]:
        page.locator(f"select[name=att_{code}]").select_option("attended")
        page.locator(f"input[name=who_{code}]").fill(who)
        page.locator(f"textarea[name=info_{code}]").fill(shared)
    page.locator(f"select[name=att_{described.agency.code}]").select_option("apologies")
    page.get_by_label("Decisions").fill(
        "Start a section 47 enquiry\nJoint visit to the child and her mother tomorrow"
    )
    for n, (agency, text, due) in enumerate(
        [(POLICE_NAME, POLICE_ACTION, "27 11 2026"), (NHS_NAME, NHS_ACTION, "30 11 2026")]
    ):
        page.locator(f"select[name=action_{n}_agency]").select_option(label=agency)
        page.locator(f"textarea[name=action_{n}_text]").fill(text)
        page.locator(f"input[name=action_{n}_due]").fill(due)
    screenshot("casework-12-strategy-discussion-form")
    page.get_by_role("button", name="Record the strategy discussion").click()
    confirmed(page, "Strategy discussion recorded")
    assert POLICE_ACTION in page.content() and NHS_ACTION in page.content()
    screenshot("casework-13-strategy-discussion")
    page.get_by_role("button", name="Start the enquiry").click()
    confirmed(page, "Section 47 enquiry started")
    deadlines = page.locator("table", has_text="Initial child protection conference")
    assert "25 Nov 2026" in deadlines.inner_text()
    screenshot("casework-14-enquiry-started")

    as_user("social.worker", ENQUIRY_DONE)
    open_from_deadlines(page, child, "Initial child protection conference")
    page.get_by_role("link", name="Finish the section 47 enquiry").click()
    page.get_by_label("Initial child protection conference").check()
    page.get_by_label("Reasons for the outcome").fill(
        "Joint visit and police checks: the risk of sexual exploitation is likely to continue"
    )
    page.get_by_role("button", name="Record the outcome").click()
    confirmed(page, "Enquiry outcome recorded")
    screenshot("casework-15-enquiry-outcome")

    as_user("social.worker", CONFERENCE_RECORDED)
    open_from_deadlines(page, child, "Initial child protection conference")
    page.get_by_role("link", name="Hold the initial child protection conference").click()
    page.get_by_role("link", name="Record the initial conference").click()
    page.get_by_label("When the conference was held").fill("17 11 2026 10:00")
    page.get_by_label("Independent chair").fill("Ruth Ellery, independent chair")
    page.get_by_label("Child protection plan", exact=True).check()
    page.get_by_label("Category of harm").select_option(label="Sexual abuse")
    page.get_by_label("Reasons for the decision").fill(
        "Continuing risk of sexual exploitation by adults outside the family"
    )
    screenshot("casework-16-conference-form")
    page.get_by_role("button", name="Record the conference").click()
    confirmed(page, "Conference recorded")
    conference_deadline = page.locator("tr", has_text="Initial child protection conference")
    assert "Met" in conference_deadline.inner_text()
    screenshot("casework-17-conference")
    page.get_by_role("link", name="Start the plan").click()
    page.get_by_label("Helen Marsh").check()
    screenshot("casework-18-plan-form")
    page.get_by_role("button", name="Start the plan").click()
    confirmed(page, "Child protection plan started")
    review = page.locator("#next-review")
    assert "17 February 2027" in review.inner_text()
    assert "Not booked yet" in review.inner_text()
    page.get_by_text("Book the next review").click()
    page.get_by_label("Date of the next review").fill("10 2 2027")
    page.get_by_role("button", name="Book the review").click()
    confirmed(page, "Review booked")
    review = page.locator("#next-review").inner_text()
    assert "10 February 2027" in review and "must be held by Wednesday 17 February 2027" in review
    screenshot("casework-19-plan-with-review")

    # 6. Each agency sees its own action on its home page, and not the other's.
    for username, mine, theirs, shot in (
        ("police.officer", POLICE_ACTION, NHS_ACTION, "casework-20-police-home"),
        ("nhs.nurse", NHS_ACTION, POLICE_ACTION, "casework-21-nurse-home"),
    ):
        as_user(username, NEXT_MORNING)
        panel = page.locator("table", has_text=child.full_name)
        panel.get_by_role("link", name=mine).wait_for()
        assert theirs not in page.content()
        screenshot(shot)
