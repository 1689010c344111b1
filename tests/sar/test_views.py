"""The subject access pages: the DPO's list, logging a request (a refusal beside its field,
nothing saved), the request's steps, the pack with its redactions highlighted and listed,
redacting and lifting, checking, releasing and the PDF; a worker's status-only view; and
404 for everyone and everything hidden."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from lantern.sar.models import Status, SubjectAccessRequest

from .conftest import TODAY, on, pdf_text

pytestmark = pytest.mark.django_db


def text(reply) -> str:
    words = re.sub(r"<[^>]+>", " ", reply.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def get(client, url):
    with on(TODAY):
        return client.get(url)


def post(client, url, data=None):
    with on(TODAY):
        return client.post(url, data or {})


def url(name, sar):
    return reverse(f"sar:{name}", args=[sar.reference])


def test_the_dpo_logs_a_request_and_a_future_date_is_refused_beside_its_field(
    client_for, dpo, scenario
):
    client = client_for(dpo)
    form = {
        "person": scenario["ellie"].reference.lower(),
        "received_on": f"{TODAY + dt.timedelta(days=1):%d %m %Y}",
        "requester": "subject",
        "identity_check": "documents",
    }
    reply = post(client, reverse("sar:new"), form)
    assert reply.status_code == 200
    assert "The day the request was received cannot be in the future" in text(reply)
    assert "govuk-error-summary" in reply.content.decode()
    assert not SubjectAccessRequest.objects.filter(person=scenario["ellie"]).exists()
    form["received_on"] = f"{TODAY - dt.timedelta(days=1):%d %m %Y}"
    reply = post(client, reverse("sar:new"), form)
    assert reply.status_code == 302
    sar = SubjectAccessRequest.objects.get(person=scenario["ellie"])
    page = get(client, reverse("sar:list"))
    assert sar.reference in text(page) and "Ellie Marsden" in text(page)


def test_a_worker_logging_for_a_person_they_may_not_see_gets_404(client_for, school_dsl, scenario):
    reply = post(
        client_for(school_dsl),
        reverse("sar:new"),
        {
            "person": scenario["ellie"].reference,
            "received_on": f"{TODAY:%d %m %Y}",
            "requester": "subject",
            "identity_check": "in_person",
        },
    )
    assert reply.status_code == 404
    assert not SubjectAccessRequest.objects.filter(person=scenario["ellie"]).exists()


def test_the_whole_journey_through_the_pages(client_for, dpo, second_dpo, logged, scenario):
    client = client_for(dpo)
    page = get(client, url("request", logged))
    assert page.status_code == 200 and "Prepare the pack" in text(page)
    assert post(client, url("prepare", logged)).status_code == 302

    pack = get(client, url("pack", logged))
    body = text(pack)
    assert pack.status_code == 200
    assert "[redacted R1]" in body and 'class="sar-redaction"' in pack.content.decode()
    assert "What was withheld, and why" in body and "DPA 2018 Sch 2 Part 3 para 16" in body
    assert "covers: Dariusz Halloran" in body  # the DPO alone sees what a redaction covers

    refused = post(client, url("lift", logged), {"number": "R2", "reason": ""})
    assert refused.status_code == 400
    assert "Enter why the redaction is lifted" in text(refused)
    assert (
        post(client, url("lift", logged), {"number": "R1", "reason": "Known to her"}).status_code
        == 302
    )

    refused = post(client, url("release", logged), {"disclosure": "part", "withheld_reason": "x"})
    assert refused.status_code == 400
    assert "The pack has not been checked by a data protection officer" in text(refused)

    own = post(client, url("check", logged), {"note": ""})
    assert own.status_code == 400 and "another data protection officer" in text(own)
    assert post(client_for(second_dpo), url("check", logged), {"note": "Read"}).status_code == 302

    client = client_for(dpo)
    released = post(
        client, url("release", logged), {"disclosure": "part", "withheld_reason": "Intelligence"}
    )
    assert released.status_code == 302
    logged.refresh_from_db()
    assert logged.status == Status.RELEASED
    pdf = get(client, url("pdf", logged))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "Ellie Marsden" in words
    lifted = logged.pack.redactions.get(number=1).original  # lifted above: now shown
    assert lifted in words and "[redacted R1]" not in words and "[redacted R2]" in words
    still = [f for f in scenario["forbidden"] if lifted.replace(" ", "") not in f.replace(" ", "")]
    assert not [f for f in still if f.lower() in words.lower()]
    assert get(client, url("pack", logged)).status_code == 404  # released: the PDF remains


def test_a_worker_sees_the_status_and_no_pack(client_for, police_officer, prepared):
    client = client_for(police_officer)
    page = get(client, url("request", prepared))
    assert page.status_code == 200
    assert "Pack prepared" in text(page)
    assert "Read the pack" not in text(page) and "Prepare the pack" not in text(page)
    for name in ("pack", "pdf"):
        assert get(client, url(name, prepared)).status_code == 404
    assert post(client, url("check", prepared)).status_code == 404


@pytest.mark.parametrize("persona", ["school_dsl", "scrutineer"])
def test_hidden_requests_answer_404(client_for, persona, prepared, request):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, url("request", prepared)).status_code == 404
    if persona == "scrutineer":
        assert get(client, reverse("sar:list")).status_code == 404
    else:
        assert prepared.reference not in text(get(client, reverse("sar:list")))


def test_the_person_page_leads_to_logging_a_request_with_her_reference_filled_in(
    client_for, police_officer, scenario
):
    client = client_for(police_officer)
    person_page = get(client, reverse("web:person", args=[scenario["ellie"].reference]))
    link = f"{reverse('sar:new')}?person={scenario['ellie'].reference}"
    assert link in person_page.content.decode()
    form = get(client, link)
    assert f'value="{scenario["ellie"].reference}"' in form.content.decode()


# ---------------------------------------------------------------- what the DPO is told
def test_the_received_step_shows_the_day_received_apart_from_who_logged_it_and_when(
    client_for, dpo, scenario
):
    from lantern.sar import services

    received, logged_on = TODAY - dt.timedelta(days=1), TODAY
    with on(logged_on):
        sar = services.sar_log(
            actor=dpo,
            person=scenario["ellie"],
            received_on=received,
            requester="subject",
            identity_check="documents",
        )
    steps = text(get(client_for(dpo), url("request", sar))).split("Steps", 1)[1]
    name = dpo.get_full_name()
    assert f"Received: Done {received:%-d %b %Y}; logged {logged_on:%-d %b %Y} by {name}" in steps
    assert f"{received:%-d %b %Y}, {name}" not in steps  # never as if he received it


def test_the_dpo_is_told_how_many_redactions_withhold_her_own_information(
    client_for, dpo, second_dpo, logged
):
    from lantern.sar import services
    from lantern.sar.exemptions import THIRD_PARTY

    client = client_for(dpo)
    with on(TODAY):
        prepared = client.post(url("prepare", logged), follow=True)
    redactions = logged.pack.redactions.all()
    own = [r for r in redactions if r.exemption != THIRD_PARTY]
    others = len(redactions) - len(own)
    assert own and others, "the scenario withholds police intelligence about her"
    told = (
        f"Pack prepared, with {len(redactions)} redactions to check: {others} of other "
        f"people's information, {len(own)} of Ellie Marsden's own information withheld "
        f"under an exemption. While those {len(own)} stay in place, the pack can be released "
        "only as withheld in part"
    )
    assert told in text(prepared)

    page = get(client, url("pack", logged))
    body = text(page)
    assert f"{len(own)} of Ellie Marsden's own information withheld under an exemption" in body
    assert "released only as withheld in part" in body
    marked = re.findall(r'data-own="R(\d+)"', page.content.decode())
    assert sorted(map(int, marked)) == sorted(r.number for r in own)

    # Lift every one that withholds her own information: the pack says so, and then it
    # may be released in full.
    with on(TODAY):
        for r in own:
            services.sar_redaction_lift(
                actor=dpo, request=logged, number=r.number, reason="She may have it"
            )
    body = text(get(client, url("pack", logged)))
    assert f"{others} redactions to check, all of other people's information" in body
    assert "withheld in part" not in body
    assert post(client_for(second_dpo), url("check", logged), {"note": "Read"}).status_code == 302
    assert f"{others} redactions in place, all of other people's information" in text(
        get(client_for(dpo), url("request", logged))
    )
    released = post(client_for(dpo), url("release", logged), {"disclosure": "full"})
    assert released.status_code == 302
