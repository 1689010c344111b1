"""The front-door pages, as each person uses them: the referrer, the front door, the
agency asked for information, and everyone else (who finds nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string

from lantern.audit.models import AuditEvent
from lantern.core import clock
from lantern.frontdoor import selectors, services
from lantern.frontdoor.models import InformationRequest, Referral

pytestmark = pytest.mark.django_db

FORM = {
    "given_name": "Ellis",
    "family_name": "Quarrendon",
    "date_of_birth": "14 6 2013",
    "sex": "F",
    "concern": "Says an older man drives her home from school and buys her things.",
    "categories": ["sexual_exploitation"],
    "consent": "no",
    "lawful_basis": "safeguarding_without_consent",
    "lawful_basis_reason": "Her mother's partner may be involved.",
    "referrer_phone": "01632 960 222",
}


def test_a_referrer_makes_a_referral_and_sees_where_it_is(client_for, school_dsl):
    client = client_for(school_dsl)
    assert client.get("/front-door/referrals/new/").status_code == 200
    response = client.post("/front-door/referrals/new/", FORM)
    referral = Referral.objects.get(family_name="Quarrendon")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/front-door/referrals/{referral.reference}/"
    )
    assert referral.agency == school_dsl.agency and referral.channel == "form"
    page = client.get(response["Location"]).content.decode()
    assert "Received: waiting for the front door" in page and "older man" in page
    listing = client.get("/front-door/referrals/").content.decode()
    assert referral.reference in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": "1 1 2999"}, "cannot be in the future"),
        ({"lawful_basis_reason": ""}, "Enter why you are sharing"),
        ({"categories": []}, "Choose at least one kind of concern"),
        ({"nhs_number": "943 476 5918"}, "NHS number"),
    ],
)
def test_bad_input_shows_the_reason_by_the_field_and_saves_nothing(
    client_for, school_dsl, changes, message
):
    response = client_for(school_dsl).post("/front-door/referrals/new/", {**FORM, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Referral.objects.filter(family_name="Quarrendon").exists()


def test_the_queue_shows_open_referrals_with_overdue_in_red(client_for, mash_worker, make_referral):
    late = make_referral(received_at=clock.now() - dt.timedelta(days=6), family_name="Latimer")
    fresh = make_referral(family_name="Newbold")
    page = client_for(mash_worker).get("/front-door/").content.decode()
    assert late.reference in page and fresh.reference in page
    assert page.index(late.reference) < page.index(fresh.reference)  # soonest due first
    assert "Overdue" in page
    assert AuditEvent.objects.filter(operation="referral.queue").exists()


def test_the_whole_triage_on_the_page(client_for, mash_worker, make_referral, known_child):
    referral = make_referral(
        given_name=known_child.given_name,
        family_name=known_child.family_name,
        date_of_birth=known_child.date_of_birth,
    )
    client = client_for(mash_worker)
    url = f"/front-door/referrals/{referral.reference}/"
    page = client.get(url).content.decode()
    assert known_child.reference in page and "This is the child" in page  # ranked candidates
    assert "Not known: create a new person" in page

    assert client.post(url + "match/", {"person": known_child.reference}).status_code == 302
    assert client.post(url + "rate/", {"rag": "amber", "reason": "Exploitation"}).status_code == 302
    response = client.post(url + "ask/", {"agency": "kestrelford-nhs", "question": "Known?"})
    assert response.status_code == 302
    response = client.post(url + "decide/", {"decision": "assessment", "reason": ""})
    assert response.status_code == 200 and "Enter the reason for the decision" in (
        response.content.decode()
    )
    response = client.post(url + "decide/", {"decision": "assessment", "reason": "Needs support"})
    assert response.status_code == 302
    response = client.post(url + "feedback/", {"feedback": "Phoned the officer"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Child in need assessment (section 17)" in page and "Phoned the officer" in page
    assert "Closed: decided before an answer came" in page


def test_a_decision_refused_out_of_order_says_why(client_for, mash_worker, make_referral):
    referral = make_referral()
    response = client_for(mash_worker).post(
        f"/front-door/referrals/{referral.reference}/decide/",
        {"decision": "early_help", "reason": "x"},
    )
    assert response.status_code == 200
    assert "Match the child to a person" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).is_open


def test_a_child_not_known_is_created_from_the_page(client_for, mash_worker, make_referral):
    referral = make_referral(family_name="Zzyxworth")
    client = client_for(mash_worker)
    response = client.post(f"/front-door/referrals/{referral.reference}/new-person/")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.person is not None and referral.source_record.agency == referral.agency
    assert referral.person.reference in client.get(response["Location"]).content.decode()


def test_the_asked_agency_sees_the_child_as_referred_and_answers(
    client_for, nhs_nurse, rated, mash_worker
):
    services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="Known to you?"
    )
    request = InformationRequest.objects.get(referral=rated)
    client = client_for(nhs_nurse)
    listing = client.get("/front-door/requests/").content.decode()
    assert rated.child_name in listing
    asked = client.get(f"/front-door/referrals/{rated.reference}/").content.decode()
    assert rated.child_name in asked and "grey car" not in asked  # not the concern
    page = client.get(f"/front-door/requests/{request.pk}/").content.decode()
    assert "Known to you?" in page and rated.family_name in page
    response = client.post(f"/front-door/requests/{request.pk}/", {"answer": "One ED visit"})
    assert response.status_code == 302
    # answered: the referral is no longer theirs to see; their answer is
    assert client.get(f"/front-door/referrals/{rated.reference}/").status_code == 404
    page = client.get(f"/front-door/requests/{request.pk}/").content.decode()
    assert "One ED visit" in page and rated.family_name not in page


def test_an_agency_not_asked_finds_nothing(client_for, school_dsl, rated, mash_worker, nhs_nurse):
    services.information_request_send(
        actor=mash_worker, referral=rated, agency=nhs_nurse.agency, question="?"
    )
    request = InformationRequest.objects.get(referral=rated)
    client = client_for(school_dsl)
    assert client.get(f"/front-door/requests/{request.pk}/").status_code == 404
    assert client.post(f"/front-door/requests/{request.pk}/", {"answer": "x"}).status_code == 404
    assert client.get(f"/front-door/referrals/{rated.reference}/").status_code == 404
    assert client.get("/front-door/").status_code == 404  # not the front door
    assert rated.reference not in client.get("/front-door/referrals/").content.decode()
    assert rated.child_name not in client.get("/front-door/requests/").content.decode()
    assert not InformationRequest.objects.get(pk=request.pk).answer
    refused = AuditEvent.objects.filter(operation="referral.view", outcome="refused")
    assert refused.filter(subjects__record_id=str(rated.pk)).exists()


def test_the_referrer_cannot_triage_but_sees_the_outcome_and_feedback(
    client_for, police_officer, rated, mash_worker
):
    client = client_for(police_officer)
    url = f"/front-door/referrals/{rated.reference}/"
    assert client.post(url + "rate/", {"rag": "red", "reason": "x"}).status_code == 404
    services.referral_decide(
        actor=mash_worker, referral=rated, decision="strategy_discussion", reason="Harm"
    )
    services.referral_feedback_record(
        actor=mash_worker, referral=rated, told="Strategy discussion at 2pm; please attend"
    )
    page = client.get(url).content.decode()
    assert "Outcome: Strategy discussion (section 47 concerns)" in page
    assert "please attend" in page
    assert rated.person.reference not in page  # the referral, not the person's file


def test_the_home_panel_counts_without_names(mash_worker, rated, rf):
    panel = selectors.home_panel(user=mash_worker)
    assert panel.front_door_open >= 1
    request = rf.get("/")
    request.user = mash_worker
    html = render_to_string(
        "frontdoor/_home_panel.html", {"panel": panel, "user": mash_worker}, request=request
    )
    assert "referrals open at the front door" in html
    assert rated.child_name not in html


def test_each_label_on_the_triage_page_reaches_its_own_field(client_for, mash_worker, rated):
    """The triage page holds four forms; a label must never point at another form's field
    (the decision's "Why" once filled in the rating's reason instead)."""
    import re
    from collections import Counter

    page = client_for(mash_worker).get(f"/front-door/referrals/{rated.reference}/")
    ids = Counter(re.findall(r'\bid="([^"]+)"', page.content.decode()))
    assert [name for name, n in ids.items() if n > 1] == []
    html = page.content.decode()
    assert 'for="decide-reason"' in html and 'for="rate-reason"' in html


def test_the_triage_task_list_says_what_is_done_and_what_is_next(client_for, mash_worker, rated):
    page = client_for(mash_worker).get(f"/front-door/referrals/{rated.reference}/")
    html = page.content.decode()
    assert 'class="govuk-task-list"' in html
    assert "Matched" in html  # 1. who is the child
    assert "Decide first" in html  # 6. tell the referrer waits for the decision


def test_a_decision_in_time_is_shown_as_met(client_for, mash_worker, rated):
    client = client_for(mash_worker)
    url = f"/front-door/referrals/{rated.reference}/"
    done = client.post(url + "decide/", {"decision": "early_help", "reason": "Family asks"})
    assert done.status_code == 302
    html = client.get(url).content.decode()
    assert "Met</strong> decided within the deadline" in html
