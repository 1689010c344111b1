"""The policy: the table loads or is refused with a reason, and `can` always agrees with
the queryset filters that lists and searches use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.access import policy
from lantern.access.models import AccessBasis
from lantern.core import clock
from lantern.core.datafiles import DataFileError
from lantern.people.models import Event, Person, SourceRecord

pytestmark = pytest.mark.django_db

HEADER = "role,relationship,record,normal,restricted,sealed\n"


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("nobody,holds_record,person,view,,", "unknown role 'nobody'"),
        ("social_worker,friendship,person,view,,", "unknown relationship 'friendship'"),
        ("social_worker,holds_record,car,view,,", "unknown record type 'car'"),
        ("social_worker,holds_record,person,view peek,,", "unknown action(s) peek"),
    ],
)
def test_a_bad_policy_table_is_refused_with_the_row_and_problem(tmp_path, row, words):
    path = tmp_path / "policy.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(DataFileError) as caught:
        policy.PolicyTable.load(path)
    assert words in str(caught.value) and "row 2" in str(caught.value)


def test_a_repeated_row_is_refused(tmp_path):
    path = tmp_path / "policy.csv"
    row = "social_worker,holds_record,person,view,,\n"
    path.write_text(HEADER + row + row)
    with pytest.raises(DataFileError, match="appears twice"):
        policy.PolicyTable.load(path)


def test_the_shipped_table_loads():
    table = policy.PolicyTable.load()
    assert table.allows("social_worker", "allocated_worker", "person", "sealed", "view")
    assert not table.allows("independent_scrutineer", "holds_record", "person", "normal", "view")


PERSONAS = [
    "mash.worker",
    "social.worker",
    "team.manager",
    "police.officer",
    "police.analyst",
    "nhs.nurse",
    "school.dsl",
    "support.worker",
    "scrutineer",
    "dpo",
]


@pytest.fixture
def sample(db):
    """Some people with bases of every kind, and records and events at every sensitivity."""
    users = list(get_user_model().objects.filter(username__in=PERSONAS).order_by("username"))
    people = list(
        Person.objects.filter(source_records__events__isnull=False).distinct().order_by("pk")[:40]
    )
    now = clock.now()
    for index, person in enumerate(people[:30]):
        user = users[index % len(users)]
        kind = ["allocated_worker", "grant", "break_glass"][index % 3]
        AccessBasis.objects.create(
            person=person,
            kind=kind,
            user=user,
            reason="sample",
            starts_at=now - dt.timedelta(hours=2),
            ends_at=None if index % 4 else now - dt.timedelta(hours=1),
        )
        Person.objects.filter(pk=person.pk).update(
            sensitivity=["normal", "restricted", "sealed"][index % 3]
        )
    return users, [p.pk for p in people]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_can_agrees_with_the_queryset_filters(sample, data):
    users, person_ids = sample
    user = data.draw(st.sampled_from(users))
    action = data.draw(st.sampled_from(sorted(policy.ACTIONS)))
    person = Person.objects.get(pk=data.draw(st.sampled_from(person_ids)))
    in_filter = policy.people_visible_to(user, action).filter(pk=person.pk).exists()
    assert policy.can(user, action, person) == in_filter
    for record in SourceRecord.objects.filter(person=person):
        in_filter = policy.source_records_visible_to(user, action).filter(pk=record.pk).exists()
        assert policy.can(user, action, record) == in_filter
    for event in Event.objects.filter(source_record__person=person)[:5]:
        in_filter = policy.events_visible_to(user, action).filter(pk=event.pk).exists()
        assert policy.can(user, action, event) == in_filter


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_people_visible_among_some_are_the_filter_s(sample, data):
    """`people_visible_among` asks the cheapest relationship first: the same answer."""
    users, person_ids = sample
    user = data.draw(st.sampled_from(users))
    action = data.draw(st.sampled_from(sorted(policy.ACTIONS)))
    ids = set(data.draw(st.lists(st.sampled_from(person_ids), max_size=12)))
    expected = set(
        policy.people_visible_to(user, action).filter(pk__in=ids).values_list("pk", flat=True)
    )
    assert policy.people_visible_among(user, ids, action) == expected


def test_an_ended_basis_gives_nothing(social_worker):
    person = (
        Person.objects.exclude(source_records__agency=social_worker.agency).order_by("pk").first()
    )
    now = clock.now()
    basis = AccessBasis.objects.create(
        person=person, kind="allocated_worker", user=social_worker, reason="test", starts_at=now
    )
    assert policy.can(social_worker, "view", person)
    basis.ends_at = now
    basis.save()
    assert not policy.can(social_worker, "view", person)


def test_a_disabled_account_can_do_nothing(police_officer):
    person = Person.objects.filter(source_records__agency=police_officer.agency).first()
    assert policy.can(police_officer, "view", person)
    police_officer.is_active = False
    assert not policy.can(police_officer, "view", person)
    assert not policy.people_visible_to(police_officer).exists()


# ---------------------------------------------------------------- referrals
def _referral(agency, team, family: str, sensitivity: str = "normal", decided: bool = False):
    from lantern.frontdoor.models import Referral

    now = clock.now()
    return Referral.objects.create(
        agency=agency,
        team=team,
        referrer_name="Sample referrer",
        channel="form",
        received_at=now - dt.timedelta(hours=3),
        recorded_at=now,
        given_name="Sample",
        family_name=family,
        concern="Sample concern",
        categories=["neglect"],
        consent=True,
        sensitivity=sensitivity,
        decision_due_at=now + dt.timedelta(hours=20),
        decided_at=now if decided else None,
        decision="early_help" if decided else "",
    )


def _ask(referral, agency, status: str) -> None:
    from lantern.frontdoor.models import InformationRequest

    now = clock.now()
    InformationRequest.objects.create(
        referral=referral,
        agency=agency,
        question="?",
        rag="amber",
        asked_by=get_user_model().objects.get(username="mash.worker"),
        asked_at=now,
        due_at=now + dt.timedelta(hours=6),
        status=status,
    )


@pytest.fixture
def referral_sample(db):
    """Referrals from several agencies, to the front door and to another team, at every
    sensitivity, open and decided, with requests open, answered and closed."""
    from lantern.partners.models import Agency, Team

    users = list(get_user_model().objects.filter(username__in=PERSONAS).order_by("username"))
    agencies = list(Agency.objects.filter(memberships__user__in=users).distinct().order_by("pk"))
    front_door = Team.objects.get(code="front-door")
    elsewhere = Team.objects.exclude(is_front_door=True).order_by("pk").first()
    made = []
    for index in range(36):
        referral = _referral(
            agencies[index % len(agencies)],
            front_door if index % 3 else elsewhere,
            f"Sample{index:02d}",
            ["normal", "restricted", "sealed"][index % 3],
            decided=index % 5 == 0,
        )
        asked = agencies[(index * 7 + 1) % len(agencies)]
        _ask(referral, asked, ["open", "answered", "closed", "open"][index % 4])
        made.append(referral.pk)
    return users, made


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_can_agrees_with_the_referral_filter(referral_sample, data):
    from lantern.frontdoor.models import Referral

    users, referral_ids = referral_sample
    user = data.draw(st.sampled_from(users))
    action = data.draw(st.sampled_from(sorted(policy.ACTIONS)))
    referral = Referral.objects.get(pk=data.draw(st.sampled_from(referral_ids)))
    in_filter = policy.referrals_visible_to(user, action).filter(pk=referral.pk).exists()
    assert policy.can(user, action, referral) == in_filter


def test_referral_relationships(mash_worker, police_officer, nhs_nurse, school_dsl, police):
    from lantern.partners.models import Team

    referral = _referral(police, Team.objects.get(code="front-door"), "Relations")
    assert policy.referral_relationships(police_officer, referral) == {"holds_record"}
    assert policy.referral_relationships(mash_worker, referral) == {"front_door"}
    assert policy.referral_relationships(nhs_nurse, referral) == set()
    _ask(referral, nhs_nurse.agency, "open")
    assert policy.referral_relationships(nhs_nurse, referral) == {"information_request"}
    assert policy.can(nhs_nurse, "view", referral)
    assert not policy.can(nhs_nurse, "edit", referral)
    assert not policy.can(school_dsl, "view", referral)
    # an information request reaches the referral, never the person's file
    assert (
        not policy.table()
        .relationships_allowing("nhs_safeguarding_nurse", "person", "normal", "view")
        .count("information_request")
    )


def test_an_answered_request_or_a_decided_referral_ends_the_asked_agencys_view(nhs_nurse, police):
    from lantern.frontdoor.models import InformationRequest
    from lantern.partners.models import Team

    referral = _referral(police, Team.objects.get(code="front-door"), "Ended")
    _ask(referral, nhs_nurse.agency, "open")
    assert policy.can(nhs_nurse, "view", referral)
    InformationRequest.objects.filter(referral=referral).update(status="answered")
    assert not policy.can(nhs_nurse, "view", referral)
    InformationRequest.objects.filter(referral=referral).update(status="open")
    referral.decided_at = clock.now()
    referral.save()
    assert not policy.can(nhs_nurse, "view", referral)
    assert not policy.referrals_visible_to(nhs_nurse).filter(pk=referral.pk).exists()
