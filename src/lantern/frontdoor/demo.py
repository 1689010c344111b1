"""Believable referrals for the demo, made through the real services at believable times:
one just arrived, one in triage with partners asked, one overdue, and decided ones,
one of which makes a later referral a re-referral.

    from lantern.frontdoor.demo import referrals_seed
    referrals_seed(today=clock.today())    # after demo_users_ensure; does nothing twice
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from lantern.core import clock
from lantern.people.models import Person

from . import services
from .models import Referral
from .services import ReferralIn

LONDON = ZoneInfo("Europe/London")


def _children(count: int) -> list[Person]:
    """Children the council holds a record of, so the front door can find them."""
    return list(
        Person.objects.filter(
            source_records__agency__code="kestrelford-childrens-services",
            source_records__is_current=True,
            sensitivity="normal",
            merged_into__isnull=True,
            date_of_birth__gte=dt.date(2009, 1, 1),
            date_of_birth__lte=dt.date(2016, 12, 31),
        )
        .distinct()
        .order_by("pk")[:count]
    )


def _as_referred(person: Person, **values) -> ReferralIn:
    return ReferralIn(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        **values,
    )


def referrals_seed(*, today: dt.date) -> list[Referral]:
    """A handful of open and decided referrals. Nothing if any referral exists already."""
    if Referral.objects.exists():
        return []
    users = get_user_model().objects.in_bulk(
        ["mash.worker", "team.manager", "police.officer", "nhs.nurse", "school.dsl"],
        field_name="username",
    )
    children = _children(4)
    if len(users) < 5 or len(children) < 4:
        return []
    mash, manager = users["mash.worker"], users["team.manager"]
    police, nurse, school = users["police.officer"], users["nhs.nurse"], users["school.dsl"]
    if today == clock.today():
        end = clock.now()
    else:
        end = dt.datetime.combine(today, dt.time(17), tzinfo=LONDON)

    def at(days: float, hours: float = 0):
        return clock.frozen_at(end - dt.timedelta(days=days, hours=hours))

    made = []
    # Two months ago: the school worried about neglect; early help, and the school was told.
    with at(62):
        earlier = services.referral_make(
            actor=school,
            data=_as_referred(
                children[0],
                concern="Coming to school hungry and in the same clothes all week; younger "
                "brother collected late most days.",
                categories=["neglect"],
                consent=True,
                referrer_phone="01632 960 411",
            ),
        )
        services.referral_match(actor=mash, referral=earlier, person=children[0])
        services.referral_rate(
            actor=mash, referral=earlier, rag="green", reason="No immediate risk; needs support"
        )
    with at(61, 20):
        services.referral_decide(
            actor=manager,
            referral=earlier,
            decision="early_help",
            reason="Mother agrees to a family support worker; no sign of significant harm.",
        )
        services.referral_feedback_record(
            actor=mash,
            referral=earlier,
            told="Phoned the safeguarding lead: early help offered and accepted.",
        )
    made.append(earlier)

    # Yesterday: the hospital saw injuries that did not fit the story; a strategy discussion.
    with at(1, 6):
        injuries = services.referral_make(
            actor=nurse,
            data=_as_referred(
                children[1],
                concern="Bruising to both upper arms, said to be from football; the account "
                "changed when the stepfather came back into the cubicle.",
                categories=["physical_abuse", "domestic_abuse"],
                consent=False,
                lawful_basis="safeguarding_without_consent",
                lawful_basis_reason="Telling the family first could put the child at risk.",
            ),
        )
        services.referral_match(actor=mash, referral=injuries, person=children[1])
        services.referral_rate(
            actor=mash, referral=injuries, rag="red", reason="Injuries with a changing account"
        )
        asked = services.information_request_send(
            actor=mash, referral=injuries, agency="northmoor-police", question="Call-outs?"
        )
    with at(1, 5):
        services.information_request_answer(
            actor=police,
            request=asked,
            answer="Two domestic call-outs to the address in the last three months.",
        )
    with at(1, 3):
        services.referral_decide(
            actor=manager,
            referral=injuries,
            decision="strategy_discussion",
            reason="Reasonable cause to suspect significant harm: injuries, a changing account "
            "and recent domestic abuse at home.",
        )
        services.referral_feedback_record(
            actor=mash,
            referral=injuries,
            told="Told the named nurse: strategy discussion today with police and health.",
        )
    made.append(injuries)

    # This morning: the school again, about the first child; in triage, partners asked.
    with at(0, 5):
        again = services.referral_make(
            actor=school,
            data=_as_referred(
                children[0],
                concern="Missed four days this week; friends say she has been staying with an "
                "older boyfriend in another town.",
                categories=["missing", "sexual_exploitation"],
                consent=False,
                lawful_basis="safeguarding_without_consent",
                lawful_basis_reason="The boyfriend may hear of it through the family.",
            ),
        )
        services.referral_match(actor=mash, referral=again, person=children[0])
        services.referral_rate(
            actor=mash, referral=again, rag="amber", reason="Missing with an older adult"
        )
        for agency in ("northmoor-police", "kestrelford-nhs"):
            services.information_request_send(
                actor=mash,
                referral=again,
                agency=agency,
                question="What do you know of her, her boyfriend and where she stays?",
            )
    made.append(again)

    # Three days ago and still open: overdue.
    with at(3):
        overdue = services.referral_make(
            actor=school,
            data=_as_referred(
                children[2],
                concern="Showed a friend messages from an adult asking for pictures and to "
                "meet; he is frightened to go home.",
                categories=["online_harm"],
                consent=True,
            ),
        )
        services.referral_rate(
            actor=mash, referral=overdue, rag="amber", reason="Online grooming, child afraid"
        )
    made.append(overdue)

    # An hour ago: a police referral not yet looked at.
    with at(0, 1):
        made.append(
            services.referral_make(
                actor=police,
                data=ReferralIn(
                    given_name="Tyler",
                    family_name="Osgathorpe",
                    date_of_birth=dt.date(2011, 2, 14),
                    sex="M",
                    postcode="",
                    concern="Found at 2am in a flat known for drug dealing, with £300 in cash "
                    "and two phones. Would not say how he got there.",
                    categories=["criminal_exploitation", "missing"],
                    consent=False,
                    lawful_basis="law_enforcement",
                    lawful_basis_reason="Part of an investigation into the adults at the flat.",
                ),
            )
        )
    return list(Referral.objects.filter(pk__in=[r.pk for r in made]).order_by("received_at"))
