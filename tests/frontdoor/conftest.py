"""Front-door fixtures: a referral's details as a referrer gives them, a child the front
door already knows, and referrals at each step of triage."""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.frontdoor import services
from lantern.frontdoor.services import ReferralIn
from lantern.people.models import Person


def referral_in(**changes) -> ReferralIn:
    values = {
        "given_name": "Kayden",
        "family_name": "Marrowby",
        "date_of_birth": dt.date(2012, 5, 3),
        "sex": "M",
        "postcode": "",
        "concern": "Seen three nights running getting into a grey car with older men; "
        "new phone and trainers he cannot explain.",
        "categories": ["criminal_exploitation", "missing"],
        "consent": False,
        "lawful_basis": "safeguarding_without_consent",
        "lawful_basis_reason": "Asking his mother first could warn the men he is with.",
        "referrer_phone": "01632 960 123",
    }
    values.update(changes)
    return ReferralIn(**values)


@pytest.fixture
def make_referral(police_officer):
    def make(actor=None, **changes):
        return services.referral_make(actor=actor or police_officer, data=referral_in(**changes))

    return make


@pytest.fixture
def known_child(db):
    """A child the council holds a record of, so the front door can find them."""
    return (
        Person.objects.filter(
            source_records__agency__code="kestrelford-childrens-services",
            source_records__is_current=True,
            sensitivity="normal",
            merged_into__isnull=True,
            date_of_birth__gte=dt.date(2010, 1, 1),
        )
        .order_by("pk")
        .first()
    )


@pytest.fixture
def rated(make_referral, mash_worker, known_child):
    """A police referral matched to a known child and rated amber."""
    referral = make_referral(
        given_name=known_child.given_name,
        family_name=known_child.family_name,
        date_of_birth=known_child.date_of_birth,
    )
    services.referral_match(actor=mash_worker, referral=referral, person=known_child)
    services.referral_rate(
        actor=mash_worker, referral=referral, rag="amber", reason="Pattern of exploitation"
    )
    referral.refresh_from_db()
    return referral


@pytest.fixture
def team_manager(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="team.manager")
