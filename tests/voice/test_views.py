"""The voice pages, as each persona meets them: the support worker records, reads, tags,
quotes and links feedback (each refusal beside the field it names, nothing saved); the
partnership manager and the scrutineer read the anonymised view (no name, reference, day
or agency; nothing from 1 to 4) and "you said, we did"; everyone else gets 404."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from lantern.partners.models import Agency
from lantern.voice import services
from lantern.voice.models import ConsentChange, Feedback, PartnershipAction, Quote, Use
from tests.support.audit_coverage import REFERENCE

from .conftest import TODAY, on, record

pytestmark = pytest.mark.django_db

Q2 = dt.date(2026, 8, 14)


def text(reply) -> str:
    words = re.sub(r"<[^>]+>", " ", reply.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def get(client, url, **params):
    with on(TODAY):
        return client.get(url, params)


def post(client, url, data):
    with on(TODAY):
        return client.post(url, data)


@pytest.fixture
def scrutineer_user(scrutineer):
    return scrutineer


# ---------------------------------------------------------------- who gets in
@pytest.mark.parametrize(
    ("persona", "feedback_pages", "partnership_pages"),
    [
        ("support_worker", 200, 200),
        ("partnership_manager", 404, 200),
        ("scrutineer", 404, 200),
        ("police_analyst", 404, 404),
        ("dpo", 404, 404),
        ("sysadmin", 404, 404),
    ],
)
def test_who_gets_which_pages(client_for, request, persona, feedback_pages, partnership_pages):
    client = client_for(request.getfixturevalue(persona))
    assert get(client, "/voice/feedback/").status_code == feedback_pages
    assert get(client, "/voice/feedback/new/").status_code == feedback_pages
    assert get(client, "/voice/").status_code == partnership_pages
    assert get(client, "/voice/partnership/").status_code == partnership_pages
    assert get(client, "/voice/actions/").status_code == partnership_pages


def test_feedback_is_404_to_another_agency_and_to_the_partnership(
    client_for, support_worker, other_agency_worker, partnership_manager, survivor
):
    feedback = record(support_worker, person=survivor)
    for outsider in (other_agency_worker, partnership_manager):
        client = client_for(outsider)
        assert get(client, f"/voice/feedback/{feedback.pk}/").status_code == 404
        reply = post(client, f"/voice/feedback/{feedback.pk}/tag/", {"themes": "police_response"})
        assert reply.status_code == 404
        listed = get(client, "/voice/feedback/")
        assert survivor.reference.encode() not in listed.content
    assert list(feedback.theme_tags.values_list("theme", flat=True)) == ["being_believed"]


# ---------------------------------------------------------------- recording
def test_the_support_worker_records_feedback_about_someone_she_supports(
    client_for, support_worker, survivor
):
    client = client_for(support_worker)
    form = get(client, "/voice/feedback/new/")
    assert form.status_code == 200 and "What they said" in text(form)
    reply = post(
        client,
        "/voice/feedback/new/",
        {
            "words": "I was believed this time, and told what would happen next.",
            "given_on": "30 10 2026",
            "channel": "in_person",
            "giver_kind": "adult_survivor",
            "person": survivor.reference.lower(),
            "consent": [Use.PARTNERSHIP_ANONYMISED, Use.QUOTE_ANONYMISED],
            "themes": ["being_believed", "told_what_happens_next"],
            "sentiment": "positive",
        },
    )
    assert reply.status_code == 302
    made = Feedback.objects.get(person=survivor)
    assert reply["Location"] == f"/voice/feedback/{made.pk}/"
    assert made.uses == [Use.PARTNERSHIP_ANONYMISED, Use.QUOTE_ANONYMISED]
    page = get(client, reply["Location"])
    assert page.status_code == 200
    said = text(page)
    assert "I was believed this time" in said and survivor.reference in said
    assert "Being told what happens next" in said
    assert "Counted, without a name, in Oct to Dec 2026" in said


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"words": ""}, "words", "Enter what they said, in their own words"),
        ({"given_on": "3 11 2026"}, "given_on", "The day they gave it cannot be in the future"),
        ({"given_on": "31 2 2026"}, "given_on", "must be a real date"),
        ({"person": "P-XXXXXXXX"}, "person", "Choose a person you can see"),
    ],
)
def test_bad_feedback_is_shown_again_with_the_reason_beside_the_field(
    client_for, support_worker, change, field, says
):
    data = {
        "words": "Something they said",
        "given_on": "30 10 2026",
        "channel": "phone",
        "giver_kind": "parent_carer",
    }
    data.update(change)
    before = Feedback.objects.count()
    reply = post(client_for(support_worker), "/voice/feedback/new/", data)
    assert reply.status_code == 400
    page = reply.content.decode()
    assert f'id="feedback-{field}-error"' in page or f'href="#feedback-{field}"' in page
    assert says in text(reply)
    assert Feedback.objects.count() == before


def test_a_person_she_may_not_see_is_refused_in_the_same_words_as_no_one(
    client_for, support_worker, police_only
):
    data = {
        "words": "x",
        "given_on": "30 10 2026",
        "channel": "phone",
        "giver_kind": "parent_carer",
        "person": police_only.reference,
    }
    reply = post(client_for(support_worker), "/voice/feedback/new/", data)
    assert reply.status_code == 400
    assert "Choose a person you can see" in text(reply)
    assert police_only.reference not in text(reply).replace(f'value="{police_only.reference}"', "")


# ---------------------------------------------------------------- on the feedback page
def test_tagging_consent_quoting_and_linking_from_the_feedback_page(
    client_for, support_worker, partnership_manager
):
    feedback = record(
        support_worker,
        words="Four workers in two years. I had to tell it all again every time.",
        consent=[Use.SERVICE_LEARNING, Use.PARTNERSHIP_ANONYMISED],
    )
    with on(TODAY):
        board = services.action_create(
            actor=partnership_manager,
            title="Fewer changes of worker",
            you_said="People tell us they have too many workers.",
            we_did="Teams keep the same worker through a move.",
            agreed_on=TODAY,
            lead_body="The partnership board",
            themes=["continuity_of_worker"],
        )
    client = client_for(support_worker)
    url = f"/voice/feedback/{feedback.pk}/"
    tagged = post(
        client, url + "tag/", {"themes": ["continuity_of_worker"], "sentiment": "negative"}
    )
    assert tagged.status_code == 302
    assert list(feedback.theme_tags.values_list("theme", flat=True)) == ["continuity_of_worker"]
    # Quoting without consent: refused, naming consent, and nothing saved.
    refused = post(client, url + "quote/", {"text": "I had to tell it all again every time."})
    assert refused.status_code == 400
    assert (
        "Consent: The giver did not agree to their words being quoted, without their name"
        in text(refused)
    )
    assert not Quote.objects.exists()
    linked = post(client, url + "link/", {"action": str(board.pk)})
    assert linked.status_code == 302 and board.links.filter(feedback=feedback).exists()
    withdrawn = post(
        client,
        url + "consent/",
        {"change": "withdraw", "consent": [Use.PARTNERSHIP_ANONYMISED], "on": "2 11 2026"},
    )
    assert withdrawn.status_code == 302
    assert feedback.consent_changes.filter(kind=ConsentChange.Kind.WITHDRAWN).exists()
    again = post(client, url + "link/", {"action": str(board.pk)})
    assert again.status_code == 400
    assert "Consent: The giver withdrew their agreement to it being counted" in text(again)
    page = get(client, url)
    assert "Fewer changes of worker" in text(page) and "Withdrew" in text(page)


def test_taking_a_quote_down_sits_behind_a_details_and_still_works(client_for, support_worker):
    feedback = record(support_worker, words="The group on Thursdays kept me going.")
    with on(TODAY):
        quote = services.quote_choose(
            actor=support_worker, feedback=feedback, text="kept me going."
        )
    client = client_for(support_worker)
    url = f"/voice/feedback/{feedback.pk}/"
    page = get(client, url).content.decode()
    remove = f"/voice/quote/{quote.pk}/remove/"
    # Closed until opened: the form and its red button are inside the details, and the
    # details' summary is all a worker sees beneath the quote she has just chosen.
    hidden = re.search(rf'<details [^>]*id="take-down-{quote.pk}"[^>]*>(.*?)</details>', page, re.S)
    assert hidden, "the removal is behind a details"
    assert " open" not in hidden.group(0).split(">", 1)[0]
    summary, inside = hidden.group(1).split("</summary>", 1)
    assert "Take this quote down" in summary
    assert f'action="{remove}"' in inside and "govuk-button--warning" in inside
    assert f'action="{remove}"' not in page.replace(hidden.group(0), "")
    assert "govuk-button--warning" not in page.replace(hidden.group(0), "")

    refused = post(client, remove, {"reason": " "})
    assert refused.status_code == 302
    quote.refresh_from_db()
    assert quote.removed_at is None
    assert "why it is taken down" in text(get(client, url)).lower()

    taken = post(client, remove, {"reason": "She asked us to stop using it"})
    assert taken.status_code == 302
    quote.refresh_from_db()
    assert quote.removed_at is not None
    after = get(client, url)
    assert "Taken down 2 Nov 2026: She asked us to stop using it" in text(after)
    assert "Take this quote down" not in text(after)


def test_the_list_shows_the_agencys_feedback_with_its_themes(client_for, support_worker):
    record(support_worker, words="The Thursday group is the best bit of my week.")
    reply = get(client_for(support_worker), "/voice/feedback/", theme="being_believed")
    assert reply.status_code == 200
    assert "The Thursday group is the best bit of my week." in text(reply)
    other = get(client_for(support_worker), "/voice/feedback/", theme="police_response")
    assert "The Thursday group" not in text(other)


# ---------------------------------------------------------------- the partnership's view
def test_the_partnership_view_shows_no_one_and_no_count_below_five(
    client_for, support_worker, partnership_manager, scrutineer, survivor
):
    quoted = record(
        support_worker,
        words="Maisie believed me. Nobody had before.",
        day=Q2,
        person=survivor,
    )
    with on(TODAY):
        services.quote_choose(actor=support_worker, feedback=quoted, text="[name] believed me.")
    for _ in range(5):
        record(support_worker, day=Q2)
        record(support_worker, day=Q2, themes=["waiting_for_therapy"])
    record(support_worker, day=Q2, themes=["police_response"])
    for reader in (partnership_manager, scrutineer):
        reply = get(client_for(reader), "/voice/partnership/", year="2026")
        assert reply.status_code == 200
        page = reply.content.decode()
        said = text(reply)
        assert "April 2026 to March 2027" in said
        assert "“[name] believed me.”" in said and "Jul to Sep 2026" in said
        assert not REFERENCE.search(reply.content)
        for name in ("Maisie", "Thornbury", "Harbour", "14 Aug", "14 August"):
            assert name not in said, name
        counts = re.findall(r'data-count="(\w+)"', page)
        assert "hidden" in counts
        assert not [c for c in counts if c.isdigit() and 0 < int(c) < 5]
    assert get(client_for(partnership_manager), "/voice/partnership/", year="x").status_code == 404


def test_words_about_two_themes_are_quoted_once_on_the_page(
    client_for, support_worker, partnership_manager
):
    both = ["being_believed", "continuity_of_worker"]
    quoted = record(support_worker, words="One worker all the way through.", day=Q2, themes=both)
    for _ in range(5):
        record(support_worker, day=Q2, themes=both)
    with on(TODAY):
        services.quote_choose(actor=support_worker, feedback=quoted, text="One worker all the way")
    reply = get(client_for(partnership_manager), "/voice/partnership/", year="2026")
    section = text(reply).split("In their words", 1)[1].split("You said, we did", 1)[0]
    assert section.count("One worker all the way") == 1, section
    assert "Also about: Continuity of worker" in section


# ---------------------------------------------------------------- you said, we did
def test_an_action_is_recorded_and_traced_for_each_reader(
    client_for, support_worker, partnership_manager, survivor
):
    items = [record(support_worker, person=survivor if n == 0 else None) for n in range(5)]
    client = client_for(support_worker)
    start = get(client, "/voice/actions/new/", feedback=[str(f.pk) for f in items])
    assert start.status_code == 200 and "Behind it" in text(start)
    harbour = Agency.objects.get(code="harbour-survivors")
    data = {
        "title": "Someone rings back within a day",
        "you_said": "People said nobody rang them back.",
        "we_did": "Every message is answered within a working day.",
        "agreed_on": "1 11 2026",
        "lead_agency": str(harbour.pk),
        "status": "agreed",
        "feedback": [str(f.pk) for f in items],
    }
    made_reply = post(client, "/voice/actions/new/", data)
    assert made_reply.status_code == 302
    made = PartnershipAction.objects.get(title="Someone rings back within a day")
    assert made.links.count() == 5
    own = get(client, f"/voice/actions/{made.pk}/")
    assert own.status_code == 200 and survivor.reference in text(own)
    theirs = get(client_for(partnership_manager), f"/voice/actions/{made.pk}/")
    said = text(theirs)
    assert theirs.status_code == 200 and "Someone rings back within a day" in said
    assert not REFERENCE.search(theirs.content) and "They believed me" not in said
    assert 'data-count="5"' in theirs.content.decode()
    listed = get(client_for(partnership_manager), "/voice/actions/")
    assert "Someone rings back within a day" in text(listed)


def test_an_action_with_nothing_behind_it_is_refused_beside_the_themes(
    client_for, partnership_manager
):
    data = {
        "title": "Something",
        "you_said": "x",
        "we_did": "y",
        "agreed_on": "1 11 2026",
        "lead_body": "The partnership board",
        "status": "agreed",
    }
    reply = post(client_for(partnership_manager), "/voice/actions/new/", data)
    assert reply.status_code == 400
    assert 'id="action-themes-error"' in reply.content.decode() or "#action-themes" in (
        reply.content.decode()
    )
    assert "choose its themes or its feedback" in text(reply)
    assert not PartnershipAction.objects.exists()


def test_the_partnership_manager_moves_an_action_on_and_others_may_not(
    client_for, partnership_manager, support_worker
):
    with on(TODAY):
        made = services.action_create(
            actor=partnership_manager,
            title="Therapy while you wait",
            you_said="x",
            we_did="y",
            agreed_on=TODAY,
            lead_body="The partnership board",
            themes=["waiting_for_therapy"],
        )
    url = f"/voice/actions/{made.pk}/status/"
    assert post(client_for(support_worker), url, {"status": "done"}).status_code == 404
    no_day = post(client_for(partnership_manager), url, {"status": "done"})
    assert no_day.status_code == 400 and "Enter the day it was done" in text(no_day)
    done = post(client_for(partnership_manager), url, {"status": "done", "done_on": "2 11 2026"})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.status == "done" and made.done_on == TODAY
