"""A merge carries along whatever the partnership holds about the person who was merged
away: cases, meetings, actions, risk tools, deadlines, referrals. Where carrying a row
would break a rule (two open cases for one child), that row stays with the merged-away
person, and everything else still moves."""

from __future__ import annotations

import pytest
from tests.linkage.helpers import two_people

from lantern.casework.models import Case, Meeting
from lantern.core import clock
from lantern.linkage import services
from lantern.partners.models import Agency

pytestmark = pytest.mark.django_db


def case_for(person, *, closed=False):
    now = clock.now()
    return Case.objects.create(
        person=person,
        lead_agency=Agency.objects.get(code="kestrelford-childrens-services"),
        reason="Test",
        started_at=now,
        opened_at=now,
        closed_at=now if closed else None,
        closure_reason="Done" if closed else "",
    )


def meeting_for(person, case, user):
    now = clock.now()
    return Meeting.objects.create(
        person=person,
        case=case,
        kind="mace",
        held_at=now,
        chair=user,
        recorded_at=now,
        recorded_by=user,
    )


@pytest.fixture
def people(open_referral):
    """Two people the front door may see (a referral open about each)."""
    (into, _), (other, _) = two_people()
    open_referral(into)
    open_referral(other)
    return into, other


def test_casework_moves_with_the_merge(mash_worker, people):
    into, other = people
    case = case_for(other)
    meeting = meeting_for(other, case, mash_worker)
    services.person_merge(actor=mash_worker, into=into, other=other, reason="Same child")
    case.refresh_from_db()
    meeting.refresh_from_db()
    assert case.person_id == into.pk and meeting.person_id == into.pk


def test_a_second_open_case_stays_behind_and_the_rest_still_moves(mash_worker, people):
    into, other = people
    kept = case_for(into)
    clash = case_for(other)
    old = case_for(other, closed=True)
    services.person_merge(actor=mash_worker, into=into, other=other, reason="Same child")
    for case in (kept, clash, old):
        case.refresh_from_db()
    assert kept.person_id == into.pk
    assert old.person_id == into.pk  # a closed case breaks no rule: it moves
    assert clash.person_id == other.pk  # two open cases for one child: left for a person
