"""The casework overview's buttons follow "What is next": one green button for the step
the law expects now, and only the other steps the case's state allows (never a form the
service would refuse for coming out of order), each only for a role that may record it.
And the page reads each kind of record once and asks the access policy once."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access import policy
from lantern.casework import access, responsibilities, selectors, services
from lantern.core.validation import ValidationError

from .conftest import CASE_STARTED, HELD, NOW, user

pytestmark = pytest.mark.django_db

STRATEGY = "Record a strategy discussion"
ASSESSMENT = "Start an assessment"
CONFERENCE = "Record the initial conference"
PLAN = "Start a plan"
MACE = "Record a MACE meeting"
MARAC = "Record a MARAC"
CLOSE = "Close the case"


# ---------------------------------------------------------------- reading the page
class _Buttons(HTMLParser):
    """The overview's step buttons: (label, look, href) for each link with data-step."""

    def __init__(self):
        super().__init__()
        self.found: list[list[str]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-step" in attrs:
            classes = attrs.get("class", "").split()
            if "govuk-button" not in classes:
                look = "link"
            elif "govuk-button--secondary" in classes:
                look = "secondary"
            else:
                look = "primary"
            self.found.append(["", look, attrs["href"]])
            self._open = True

    def handle_data(self, data):
        if self._open:
            self.found[-1][0] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = False


class Page:
    def __init__(self, response):
        assert response.status_code == 200
        self.html = response.content.decode()
        parser = _Buttons()
        parser.feed(self.html)
        self.buttons = [(label.strip(), look, href) for label, look, href in parser.found]

    @property
    def primary(self) -> tuple[str, str] | None:
        """(label, href) of the green button; None if there is none."""
        found = [(label, href) for label, look, href in self.buttons if look == "primary"]
        assert len(found) <= 1, f"more than one primary button: {found}"
        return found[0] if found else None

    @property
    def secondary(self) -> set[str]:
        """Every other button or link offered, by its label."""
        return {label for label, look, _ in self.buttons if look != "primary"}


@pytest.fixture
def overview(client_for, child):
    def look(as_user=None, person=None) -> Page:
        person = person or child
        client = client_for(as_user or user("social.worker"))
        return Page(client.get(reverse("casework:person", args=[person.reference])))

    return look


def url(name: str, *args) -> str:
    return reverse(f"casework:{name}", args=args)


# ---------------------------------------------------------------- stages of a child's casework
@pytest.fixture
def decided_referral(child, police_officer, mash_worker):
    """The police refer the child and the front door decides (on what, the test says)."""
    from lantern.frontdoor import services as frontdoor
    from lantern.frontdoor.services import ReferralIn

    def decide(decision: str):
        referral = frontdoor.referral_make(
            actor=police_officer,
            data=ReferralIn(
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
                concern="Seen getting into cars with older men",
                categories=["criminal_exploitation"],
                consent=True,
                received_at=CASE_STARTED,
            ),
        )
        frontdoor.referral_match(actor=mash_worker, referral=referral, person=child)
        frontdoor.referral_rate(actor=mash_worker, referral=referral, rag="amber", reason="Cars")
        return frontdoor.referral_decide(
            actor=mash_worker, referral=referral, decision=decision, reason="Reasons given"
        )

    return decide


def test_no_case_offers_opening_one(overview, child, police_officer):
    page = overview()
    assert page.primary == ("Open a case", url("case-open", child.reference))
    assert page.secondary == {MACE}
    # The police may not open a case: no green button, only their own meetings.
    police = overview(police_officer)
    assert police.primary is None
    assert police.secondary == {MACE, MARAC}


def test_awaiting_the_strategy_discussion_the_front_door_decided(overview, child, decided_referral):
    decided_referral("strategy_discussion")
    page = overview()
    assert page.primary == (
        "Record the strategy discussion",
        url("meeting-new", child.reference, "strategy_discussion"),
    )
    assert page.secondary == {MACE}
    assert "Hold the strategy discussion the front door decided on" in page.html


def test_awaiting_the_assessment_the_front_door_decided(overview, child, decided_referral):
    decided_referral("assessment")
    page = overview()
    assert page.primary == ("Open the case", url("case-open", child.reference))
    assert page.secondary == {MACE}


def test_an_open_case_without_a_plan(overview, child, open_case):
    page = overview()
    assert page.primary == ("Start an assessment", url("assessment-new", child.reference))
    assert page.secondary == {STRATEGY, MACE, CLOSE}


def test_a_discussion_that_decided_on_an_enquiry_not_yet_started(overview, discussion):
    page = overview()
    assert page.primary == ("Start the section 47 enquiry", url("meeting", discussion.pk))
    assert page.secondary == {STRATEGY, ASSESSMENT, MACE, CLOSE}


def test_an_open_enquiry(overview, enquiry, police_officer):
    page = overview()
    assert page.primary == ("Finish the section 47 enquiry", url("enquiry", enquiry.pk))
    # No conference, no plan and no closing while the enquiry runs.
    assert page.secondary == {STRATEGY, ASSESSMENT, MACE}
    # The police may not record the enquiry: the next step is a link to it, no button.
    police = overview(police_officer)
    assert police.primary is None and police.secondary == {MACE, MARAC}
    assert f'href="{url("enquiry", enquiry.pk)}">Finish the section 47 enquiry' in police.html


def test_an_enquiry_that_decided_on_a_conference(overview, enquiry_for_conference):
    page = overview()
    assert page.primary == (
        "Hold the initial child protection conference",
        url("enquiry", enquiry_for_conference.pk),
    )
    # The conference is the green button, not a second one; the case cannot close yet.
    assert page.secondary == {STRATEGY, ASSESSMENT, MACE}


def test_a_conference_that_decided_on_a_plan(overview, conference):
    page = overview()
    assert page.primary == ("Start the child protection plan", url("conference", conference.pk))
    assert CONFERENCE not in page.secondary and PLAN not in page.secondary
    # case_close refuses here: the plan the conference decided on is owed.
    assert page.secondary == {STRATEGY, ASSESSMENT, MACE}
    with pytest.raises(ValidationError, match="start the plan before closing"):
        services.case_close(actor=conference.recorded_by, case=conference.case, reason="Done")


def test_a_child_protection_plan_before_its_first_core_group(overview, plan):
    page = overview()
    assert page.primary == ("Record the first core group meeting", url("plan", plan.pk))
    # Once a plan is open: no strategy discussion, conference, second plan or closing.
    assert page.secondary == {ASSESSMENT, MACE}


def test_a_child_protection_plan_with_its_core_group(overview, plan, social_worker):
    services.core_group_meeting_record(
        actor=social_worker, plan=plan, held_at=HELD + dt.timedelta(days=7), notes="Met"
    )
    page = overview()
    assert page.primary == ("Record the review conference", url("plan", plan.pk))
    assert page.secondary == {ASSESSMENT, MACE}


def test_a_child_in_need_plan(overview, open_case, social_worker):
    assessment = services.assessment_start(
        actor=social_worker, case=open_case, kind="child_in_need"
    )
    page = overview()
    assert page.primary == ("Finish the assessment", url("assessment", assessment.pk))
    assert page.secondary == {STRATEGY, MACE}  # one assessment at a time; none finished
    services.assessment_complete(actor=social_worker, assessment=assessment, findings="Needs")
    page = overview()  # a finished assessment: act on it (a plan), or close the case
    assert page.primary == (
        "Start a child in need plan",
        url("plan-new", open_case.person.reference),
    )
    assert page.secondary == {STRATEGY, ASSESSMENT, MACE, CLOSE}
    plan = services.plan_start(
        actor=social_worker, case=open_case, kind="child_in_need", lead_worker=social_worker
    )
    page = overview()
    assert page.primary == ("Go to the child in need plan", url("plan", plan.pk))
    assert page.secondary == {ASSESSMENT, MACE}


def test_a_closed_case(overview, child, open_case, social_worker):
    services.case_close(actor=social_worker, case=open_case, reason="Needs met")
    page = overview()
    assert page.primary == ("Open a new case", url("case-open", child.reference))
    assert page.secondary == {MACE}


def test_a_case_opened_for_an_assessment_offers_a_strategy_discussion_on_the_case(
    overview, child, decided_referral, social_worker, record_strategy
):
    """New concerns during an assessment can need a strategy discussion: it is offered,
    and recorded on the open case (as the form records it), not through the referral,
    whose front-door decision was an assessment."""
    referral = decided_referral("assessment")
    case = services.case_open(
        actor=social_worker, person=child, reason="Assess", referral=referral
    )
    page = overview()
    assert page.primary == ("Start an assessment", url("assessment-new", child.reference))
    assert STRATEGY in page.secondary
    with pytest.raises(ValidationError):  # not through a referral that decided otherwise
        record_strategy(referral=referral)
    parent = selectors.meeting_parent(child, "strategy_discussion")
    assert parent == {"case": case}
    meeting = record_strategy(**parent)
    assert meeting.case == case


def test_the_police_see_the_meetings_they_may_record_and_nothing_else(
    overview, police_officer, plan
):
    page = overview(police_officer)
    assert page.primary is None
    assert page.secondary == {MACE, MARAC}
    assert 'href="' + url("plan", plan.pk) + '">Hold the first core group meeting' in page.html


# ---------------------------------------------------------------- rights decided once
@pytest.mark.parametrize(
    "username", ["social.worker", "team.manager", "police.officer", "nhs.nurse", "mash.worker"]
)
def test_rights_answer_as_may_record_does(username, child, council_only_child):
    reader = user(username)
    for person in (child, council_only_child):
        found = access.rights(reader, sees=policy.can(reader, "view", person))
        for step in responsibilities.responsibilities().steps:
            assert found[step] is access.may_record(reader, person, step), (username, step)
        assert found["manage_case"] is access.may_manage_case(reader, person)
    assert not any(access.rights(reader, sees=False).values())


def test_next_step_reads_the_same_from_what_was_already_read(social_worker, child, plan):
    view = selectors.casework_for(user=social_worker, person=child)
    assert selectors.next_step(view.case, view.deadlines) == view.next_step


# ---------------------------------------------------------------- the cost of the page
# Everything the page reads besides the reader's relationships to the child: the session
# and the reader, the child, each kind of casework record once, deadlines, actions, the
# audit event (and the suite's audit-coverage check). The relationships are read once.
READS_BESIDES_THE_POLICY = 27


def _one_look_at_the_policy(reader, person) -> int:
    with CaptureQueriesContext(connection) as captured:
        policy.person_relationships(reader, person)
    return len(captured.captured_queries)


def _queries(client, person) -> int:
    address = reverse("casework:person", args=[person.reference])
    client.get(address)  # the first look warms the session and the content types
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


def test_the_overview_reads_a_full_history_within_a_query_ceiling(
    client_for, social_worker, team_manager, child, plan, record_strategy
):
    """Strategy discussion, enquiry, conference, plan, core group and review: the page
    reads each kind of record once and asks the policy about the child once (it cost 70
    queries when each button asked the policy again and next_step read the case's
    records a second time), and more history costs no more."""
    services.core_group_meeting_record(
        actor=social_worker, plan=plan, held_at=HELD + dt.timedelta(days=7), notes="Met"
    )
    services.review_conference_hold(
        actor=team_manager,
        plan=plan,
        held_at=NOW - dt.timedelta(hours=2),
        chair="Ruth Ellery",
        outcome="continue",
        category="sexual",
        reasons="Still at risk",
    )
    client = client_for(social_worker)
    full = _queries(client, child)
    ceiling = READS_BESIDES_THE_POLICY + _one_look_at_the_policy(user("social.worker"), child)
    assert full <= ceiling, f"{full} queries: the ceiling is {ceiling}"

    # More of everything: a second discussion and enquiry, more core groups, a review.
    again = record_strategy(held_at=NOW - dt.timedelta(hours=6), actions=[])
    services.enquiry_start(actor=social_worker, meeting=again)
    for hours in (5, 4):
        services.core_group_meeting_record(
            actor=social_worker, plan=plan, held_at=NOW - dt.timedelta(hours=hours), notes="Met"
        )
    services.review_conference_hold(
        actor=team_manager,
        plan=plan,
        held_at=NOW - dt.timedelta(hours=1),
        chair="Ruth Ellery",
        outcome="continue",
        category="sexual",
        reasons="Still at risk",
    )
    assert _queries(client, child) == full


def test_more_enquiries_cost_the_overview_no_more_queries(
    client_for, social_worker, team_manager, child, open_case, record_strategy
):
    """Without a plan, what is next is decided by going through every enquiry: whether
    each had its conference is read from the conferences already read, not asked of
    each enquiry."""

    def enquiry_with_its_conference(at: dt.datetime) -> None:
        meeting = record_strategy(held_at=at, actions=[])
        enquiry = services.enquiry_start(
            actor=social_worker, meeting=meeting, started_at=at + dt.timedelta(minutes=10)
        )
        services.enquiry_complete(
            actor=social_worker,
            enquiry=enquiry,
            outcome="initial_conference",
            reason="Risk of significant harm",
            completed_at=at + dt.timedelta(minutes=20),
        )
        services.conference_initial_hold(
            actor=team_manager,
            case=open_case,
            held_at=at + dt.timedelta(minutes=30),
            chair="Ruth Ellery",
            outcome="no_plan",
            reasons="Support as a child in need instead",
        )

    client = client_for(social_worker)
    enquiry_with_its_conference(HELD)
    one = _queries(client, child)
    for hours in (6, 3):
        enquiry_with_its_conference(NOW - dt.timedelta(hours=hours))
    assert _queries(client, child) == one
