"""Feedback for the demo, recorded through the services (so it is checked and audited like
any other): about a hundred pieces over the last ten months, mostly told to Harbour Survivors'
Service and some to the council and the hospital, tagged with themes; enough that the
partnership's view shows some themes counted five times or more in a quarter and others
hidden; quotes where the giver agreed; one withdrawal; and two "you said, we did" actions,
one the board's and one Harbour's with its feedback behind it.

Run after the borough and the demo sign-ins exist. Safe to run again: once the demo's
actions exist, it does nothing. Every word here is invented.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from lantern.access import policy
from lantern.core import clock
from lantern.partners.models import Agency
from lantern.timescales.rules import LONDON

from . import services
from .models import Channel, Feedback, GiverKind, PartnershipAction, Use

BOARD_ACTION = "Support while you wait for counselling"
HARBOUR_ACTION = "One worker from first contact to the end of support"
HARBOUR = "harbour-survivors"

EVERY = (Use.SERVICE_LEARNING, Use.PARTNERSHIP_ANONYMISED, Use.QUOTE_ANONYMISED)
COUNTED = (Use.SERVICE_LEARNING, Use.PARTNERSHIP_ANONYMISED)
OWN = (Use.SERVICE_LEARNING,)

# (words, themes, sentiment, quote): what people said, in invented words. The quote, where
# there is one, is taken from the words.
SAID = [
    (
        "The first time I told anyone nobody did anything. This time Aisha wrote it all "
        "down and rang me back the next day like she said she would.",
        ["being_believed", "told_what_happens_next"],
        "positive",
        "This time [my worker] wrote it all down and rang me back the next day like she "
        "said she would.",
    ),
    (
        "I have waited seven months for counselling. Nobody checks in while you wait.",
        ["waiting_for_therapy"],
        "negative",
        "I have waited seven months for counselling. Nobody checks in while you wait.",
    ),
    (
        "I have had four social workers in two years and I had to tell it all again every time.",
        ["continuity_of_worker", "being_believed"],
        "negative",
        "I had to tell it all again every time.",
    ),
    (
        "She believed me straight away. That is the first time that has happened.",
        ["being_believed"],
        "positive",
        "She believed me straight away. That is the first time that has happened.",
    ),
    (
        "The waiting list for therapy is too long. The drop-in on Tuesdays helped a bit.",
        ["waiting_for_therapy"],
        "mixed",
        None,
    ),
    (
        "When I went missing the police brought me back and that was it. No one asked why.",
        ["police_response", "being_listened_to"],
        "negative",
        "No one asked why.",
    ),
    (
        "My mum was treated like she was the problem. She was the one who kept ringing.",
        ["support_for_family", "being_believed"],
        "negative",
        None,
    ),
    (
        "Same worker for a year now. I do not have to start from the beginning.",
        ["continuity_of_worker"],
        "positive",
        "I do not have to start from the beginning.",
    ),
    (
        "Nobody told me what would happen after the interview. I found out from Facebook.",
        ["told_what_happens_next", "court_and_justice"],
        "negative",
        None,
    ),
    (
        "I still do not feel safe at home. The alarm they fitted helps at night.",
        ["feeling_safe_at_home"],
        "mixed",
        None,
    ),
    (
        "When I turned eighteen everything stopped. Harbour picked me up again.",
        ["moving_to_adult_services", "continuity_of_worker"],
        "mixed",
        None,
    ),
    (
        "They believed me this time and they kept me updated about the case.",
        ["being_believed", "told_what_happens_next"],
        "positive",
        "They believed me this time and they kept me updated about the case.",
    ),
]
# How often each saying recurs, by its place in SAID: the common themes reach five a
# quarter, the rest stay small (and hidden).
PATTERN = [0, 1, 3, 1, 2, 0, 4, 7, 1, 3, 5, 7, 0, 11, 1, 2, 6, 3, 8, 1, 9, 10, 0, 1]
OTHERS = [
    (
        "social.worker",
        "School let me do my exams in a separate room. That made it possible.",
        ["school_support"],
        "positive",
        GiverKind.YOUNG_PERSON,
    ),
    (
        "social.worker",
        "I did not know who had read my file or what it said about me.",
        ["who_knows_what"],
        "negative",
        GiverKind.YOUNG_PERSON,
    ),
    (
        "nhs.nurse",
        "The nurse at the sexual health clinic saw me the same day and did not judge me.",
        ["health_services"],
        "positive",
        GiverKind.YOUNG_PERSON,
    ),
    (
        "nhs.nurse",
        "I waited hours in A and E and then they sent me home with nobody to talk to.",
        ["health_services"],
        "negative",
        GiverKind.PARENT_CARER,
    ),
]


def _on(day: dt.date, hour: int = 11):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON))


def _consent(n: int) -> tuple[str, ...]:
    if n % 9 == 4:
        return OWN
    return EVERY if n % 3 != 1 else COUNTED


def voice_demo_ensure(today: dt.date) -> int:
    """Record the demo's feedback and actions as of `today`. Returns how many pieces of
    feedback were recorded (0 when the demo's actions exist already, or the demo's
    support worker does not)."""
    users = get_user_model().objects.in_bulk(
        ["support.worker", "social.worker", "nhs.nurse", "partnership.manager"],
        field_name="username",
    )
    worker = users.get("support.worker")
    if worker is None or PartnershipAction.objects.filter(title=BOARD_ACTION).exists():
        return 0
    people = list(policy.people_visible_to(worker).order_by("pk")[:6])
    made: list[Feedback] = []
    with _on(today):
        for n, which in enumerate(PATTERN * 4):
            words, themes, sentiment, quote = SAID[which]
            given_on = today - dt.timedelta(days=3 + 3 * n)
            person = people[n % len(people)] if people and n % 3 == 0 else None
            feedback = services.feedback_record(
                actor=worker,
                words=words,
                given_on=given_on,
                channel=[Channel.IN_PERSON, Channel.PHONE, Channel.SURVEY, Channel.ADVOCATE][n % 4],
                giver_kind=GiverKind.ADULT_SURVIVOR if n % 5 else GiverKind.YOUNG_PERSON,
                consent=_consent(n),
                person=person,
                themes=themes,
                sentiment=sentiment,
                consent_note="Agreed on the feedback form" if n % 2 else "Said so to her worker",
            )
            made.append(feedback)
            if (
                quote
                and feedback.consent_quote
                and not Feedback.objects.filter(quotes__text=quote).exists()
            ):
                services.quote_choose(actor=worker, feedback=feedback, text=quote)
        for n, (username, words, themes, sentiment, kind) in enumerate(OTHERS * 3):
            actor = users.get(username)
            if actor is None:
                continue
            made.append(
                services.feedback_record(
                    actor=actor,
                    words=words,
                    given_on=today - dt.timedelta(days=9 + 19 * n),
                    channel=Channel.IN_PERSON,
                    giver_kind=kind,
                    consent=COUNTED,
                    themes=themes,
                    sentiment=sentiment,
                )
            )
        # She changed her mind about being counted: recorded, and kept.
        changed = made[5]
        if changed.consent_partnership:
            services.feedback_consent_withdraw(
                actor=worker,
                feedback=changed,
                uses=[Use.PARTNERSHIP_ANONYMISED, Use.QUOTE_ANONYMISED]
                if changed.consent_quote
                else [Use.PARTNERSHIP_ANONYMISED],
                on=today - dt.timedelta(days=2),
                note="Rang to say she would rather it was not used beyond Harbour",
            )
    _actions(today, worker, users.get("partnership.manager"), made)
    return len(made)


def _actions(today, worker, manager, made: list[Feedback]) -> None:
    with _on(today):
        services.action_create(
            actor=manager or worker,
            title=BOARD_ACTION,
            you_said="Survivors told us they wait months for counselling with no one checking "
            "in on them while they wait.",
            we_did="The board funded a weekly drop-in and a call every fortnight from a "
            "support worker for everyone on the waiting list, and asked the therapy service "
            "to report its waiting times to every board meeting.",
            agreed_on=today - dt.timedelta(days=120),
            lead_body="Kestrelford Safeguarding Partnership board" if manager else "",
            lead_agency=None if manager else Agency.objects.get(code=HARBOUR),
            themes=["waiting_for_therapy"],
            status="under_way",
        )
        agreed_on = today - dt.timedelta(days=60)
        behind = [
            f
            for f in made
            if f.agency.code == HARBOUR
            and f.given_on <= agreed_on
            and f.consent_partnership
            and f.theme_tags.filter(theme="continuity_of_worker").exists()
        ]
        # Quote what was behind it, where the giver agreed: once for each saying.
        quotes = {words: quote for words, _themes, _sentiment, quote in SAID if quote}
        for item in behind:
            quote = quotes.get(item.words)
            if quote and item.consent_quote and not item.quotes.filter(text=quote).exists():
                services.quote_choose(actor=worker, feedback=item, text=quote)
                del quotes[item.words]
        services.action_create(
            actor=worker,
            title=HARBOUR_ACTION,
            you_said="Young people and adult survivors told us they had to tell their story "
            "again to every new worker.",
            we_did="Harbour now gives everyone one named worker from their first contact to "
            "the end of their support, with a named second who knows them, and hands over "
            "face to face when a worker leaves.",
            agreed_on=agreed_on,
            lead_agency=Agency.objects.get(code=HARBOUR),
            themes=["continuity_of_worker"],
            feedback=behind,
            status="done",
            done_on=today - dt.timedelta(days=7),
        )
