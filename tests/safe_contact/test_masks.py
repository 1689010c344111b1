"""The rule behind the walker, one question at a time: who her address is hidden from,
when it is hidden, and that a search or a match never says where she lives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from lantern.access import policy
from lantern.core import clock
from lantern.linkage import selectors as linkage_selectors
from lantern.linkage.matching import MatchQuery
from lantern.people.models import Person
from lantern.people.safety import REDACTED, address_mask
from lantern.people.selectors import PeopleQuery, people_matching
from lantern.support import services as support
from tests.accounts.helpers import sign_in_verified

from .conftest import HOME_LINE, HOME_POSTCODE, NOW, OLD_LINE, user

pytestmark = pytest.mark.django_db

PEOPLE = ["mash.worker", "social.worker", "police.officer", "nhs.nurse", "school.dsl"]


def _hidden_by_queryset(who, person) -> bool:
    return Person.objects.filter(pk=person.pk).filter(policy.address_hidden_q(who)).exists()


@pytest.mark.parametrize("username", [*PEOPLE, "support.worker"])
def test_the_queryset_and_the_question_agree(survivor, username):
    who = user(username)
    one = policy.address_hidden_from(who, survivor.person)
    assert one is (username != "support.worker")
    assert _hidden_by_queryset(who, survivor.person) is one
    assert (survivor.person.pk in policy.hidden_addresses_among(who, [survivor.person.pk])) is one


def test_the_latest_settings_are_in_force(survivor, social_worker, support_worker):
    """Her lead worker records that the risk has passed: her address shows again."""
    with clock.frozen_at(NOW - dt.timedelta(hours=1)):
        support.safe_contact_set(
            actor=support_worker, person=survivor.person, phone="07700 900417", hide_address=False
        )
    assert not policy.address_hidden_from(social_worker, survivor.person)
    assert not _hidden_by_queryset(social_worker, survivor.person)
    page = sign_in_verified(Client(), social_worker).get(
        reverse("web:person", args=[survivor.person.reference])
    )
    assert HOME_LINE in page.content.decode()


def test_a_lead_worker_whose_plan_ended_no_longer_sees_it(survivor, support_worker):
    support.plan_end(actor=support_worker, plan=survivor.plan, reason="She moved away")
    assert policy.address_hidden_from(support_worker, survivor.person)
    assert _hidden_by_queryset(support_worker, survivor.person)


@pytest.mark.parametrize("username", PEOPLE)
def test_a_search_by_her_postcode_does_not_find_her(survivor, username):
    who = user(username)
    by_name = people_matching(user=who, query=PeopleQuery(name="Linnea Farrowdale"))
    if not by_name.filter(pk=survivor.person.pk).exists():
        pytest.skip(f"{username} may not search for her at all")
    by_postcode = people_matching(user=who, query=PeopleQuery(postcode=HOME_POSTCODE))
    assert not by_postcode.filter(pk=survivor.person.pk).exists()
    both = people_matching(
        user=who, query=PeopleQuery(name="Farrowdale", postcode=HOME_POSTCODE.replace(" ", ""))
    )
    assert not both.filter(pk=survivor.person.pk).exists()


def test_her_lead_worker_finds_her_by_postcode(survivor, support_worker):
    found = people_matching(user=support_worker, query=PeopleQuery(postcode=HOME_POSTCODE))
    assert found.filter(pk=survivor.person.pk).exists()


def test_a_match_does_not_say_her_address_matched(survivor, mash_worker, support_worker):
    query = MatchQuery.typed(
        given_name="Linnea",
        family_name="Farrowdale",
        date_of_birth=dt.date(2010, 5, 2),
        postcode=HOME_POSTCODE,
    )

    def address_evidence(who):
        matches = linkage_selectors.people_matching_details(user=who, query=query)
        mine = [m for m in matches if m.person.pk == survivor.person.pk]
        assert mine, "the match should find her by name and date of birth"
        return [
            e for e in mine[0].evidence_for + mine[0].evidence_against if e.comparison == "address"
        ]

    assert address_evidence(support_worker)  # the lead worker is told the address matched
    assert not address_evidence(mash_worker)


def test_the_mask_takes_out_each_way_of_writing_her_address(survivor, social_worker):
    mask = address_mask(user=social_worker, person_ids=[survivor.person.pk])
    text = (
        f"Seen at {HOME_LINE.upper()}, {HOME_POSTCODE.replace(' ', '').lower()}; "
        f"before that at {OLD_LINE.replace(' ', '  ')}. The park on Mill Lane, KF1 2AB."
    )
    shown = mask.text(survivor.person.pk, text)
    assert HOME_LINE.lower() not in shown.lower() and "rh173uz" not in shown.lower()
    assert "Saltmarsh" not in shown
    assert shown.count(REDACTED) == 3
    assert "Mill Lane, KF1 2AB" in shown  # other places stay
    assert mask.text(None, text) == text  # a text about nobody hidden is untouched
    assert mask.scrub({"a": [text], "n": 3}) == {"a": [shown], "n": 3}


def test_nobody_hidden_costs_nothing_and_changes_nothing(survivor, social_worker):
    other = Person.objects.exclude(pk=survivor.person.pk).first()
    mask = address_mask(user=social_worker, person_ids=[other.pk])
    assert not mask and mask.text(other.pk, HOME_LINE) == HOME_LINE


def test_her_home_is_absent_from_the_network(survivor, police_officer):
    """Like a person the reader may not see: not relabelled (which would tell someone who
    typed the address that it is hers), absent, with its links."""
    client = sign_in_verified(Client(), police_officer)
    home = survivor.home_place.pk
    assert client.get(reverse("network:entity", args=[home])).status_code == 404
    assert client.get(reverse("network:entity-pdf", args=[home])).status_code == 404
    assert client.get(f"/api/v1/network/entities/{home}/neighbourhood/").status_code == 404
    found = client.get(reverse("network:start") + "?q=Wrenhollow")
    assert f'href="/network/entity/{home}/"' not in found.content.decode()
    her = client.get(reverse("network:person", args=[survivor.person.reference]), follow=True)
    html = her.content.decode()
    assert her.status_code == 200 and "Ashgrave" in html  # the rest of her network stays
    assert f'"{home}"' not in html and "Lives or stays at" not in html
