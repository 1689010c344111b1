"""The voice rules (lantern/voice/access.py), each shown able to fail: who records, who
reads the words (a named person's feedback never reaches another agency, even one that
may see her), who sees the partnership view, who acts, and the subject access reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from lantern.access import policy
from lantern.access.models import AccessBasis
from lantern.partners.models import Agency, Role
from lantern.people.services import SourceRecordIn, source_record_receive
from lantern.voice import access, selectors
from lantern.voice.models import Feedback, PartnershipAction

from .conftest import TODAY, on, record

pytestmark = pytest.mark.django_db


def user(username: str):
    return get_user_model().objects.get(username=username)


def reaches(reader, feedback: Feedback) -> bool:
    """Whether the reader gets the feedback by any read: the list, the page, the check."""
    with on(TODAY):
        listed = feedback in selectors.feedback_page(user=reader)[1]
        try:
            selectors.feedback_get(user=reader, pk=feedback.pk)
            opened = True
        except Feedback.DoesNotExist:
            opened = False
        return listed or opened or access.may_read_feedback(reader, feedback)


@pytest.fixture
def shared_survivor(db):
    """Maisie Thornbury, known to Harbour and to the council: both may see her."""
    first = source_record_receive(
        actor=None,
        agency="harbour-survivors",
        record=SourceRecordIn(local_id="VA-1", given_name="Maisie", family_name="Thornbury"),
    ).person
    source_record_receive(
        actor=None,
        agency="kestrelford-childrens-services",
        record=SourceRecordIn(local_id="VA-2", given_name="Maisie", family_name="Thornbury"),
        person=first,
    )
    return first


def test_the_roles_named_here_are_the_partnerships_roles():
    codes = set(Role.objects.values_list("code", flat=True))
    assert codes >= access.PARTNERSHIP_ROLES | access.SUBJECT_ACCESS_ROLES


# ---------------------------------------------------------------- rule 1: who records
@pytest.mark.parametrize(
    ("username", "records"),
    [
        ("support.worker", True),
        ("social.worker", True),
        ("school.dsl", True),
        ("police.officer", True),
        ("police.analyst", False),
        ("partnership.manager", False),
        ("scrutineer", False),
        ("dpo", False),
        ("admin", False),
    ],
)
def test_who_records_feedback(username, records):
    assert access.records_feedback(user(username)) is records


def test_a_worker_who_left_records_nothing():
    worker = user("support.worker")
    worker.is_active = False
    assert not access.records_feedback(worker)


# ---------------------------------------------------------------- rule 2: who reads the words
def test_a_named_persons_feedback_never_reaches_another_agency_that_may_see_her(
    support_worker, colleague, shared_survivor
):
    council = user("social.worker")
    feedback = record(support_worker, person=shared_survivor)
    with on(TODAY):
        assert policy.can(council, "view", shared_survivor), "the council may see her"
    assert reaches(support_worker, feedback) and reaches(colleague, feedback)
    for outsider in ("social.worker", "team.manager", "nhs.nurse", "partnership.manager"):
        assert not reaches(user(outsider), feedback), outsider


def test_the_agency_check_is_what_keeps_another_agency_out(
    monkeypatch, support_worker, shared_survivor
):
    """Drop the agency from rule 2 and the council reads Harbour's feedback: the test above
    would fail."""
    feedback = record(support_worker, person=shared_survivor)
    council = user("social.worker")

    def without_agency(reader, prefix=""):
        visible = policy.people_visible_to(reader, "view").values("pk")
        return Q(person__isnull=True) | Q(person__in=visible)

    monkeypatch.setattr(access, "feedback_q", without_agency)
    monkeypatch.setattr(access, "may_read_feedback", lambda reader, item: True)
    assert reaches(council, feedback)


def test_the_person_check_is_what_keeps_a_colleague_from_someone_she_may_not_see(
    monkeypatch, support_worker, colleague, police_only
):
    AccessBasis.objects.create(
        person=police_only,
        kind="allocated_worker",
        user=support_worker,
        reason="Allocated",
        starts_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )
    feedback = record(support_worker, person=police_only)
    assert reaches(support_worker, feedback)
    assert not reaches(colleague, feedback)
    monkeypatch.setattr(access, "feedback_q", lambda reader, prefix="": Q(agency=reader.agency))
    monkeypatch.setattr(
        access, "may_read_feedback", lambda reader, item: item.agency_id == reader.agency.pk
    )
    assert reaches(colleague, feedback)


def test_the_filter_and_the_check_agree_item_by_item(
    support_worker, colleague, police_only, shared_survivor
):
    items = [
        record(support_worker),
        record(support_worker, person=shared_survivor),
        record(user("social.worker"), person=shared_survivor),
    ]
    readers = [support_worker, colleague, user("social.worker"), user("partnership.manager")]
    with on(TODAY):
        for reader in readers:
            visible = set(
                Feedback.objects.filter(access.feedback_q(reader)).values_list("pk", flat=True)
            )
            for item in items:
                assert (item.pk in visible) is access.may_read_feedback(reader, item)


# ---------------------------------------------------------------- rules 3 to 5
@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("partnership.manager", True),
        ("scrutineer", True),
        ("support.worker", True),
        ("nhs.nurse", True),
        ("police.analyst", False),
        ("dpo", False),
        ("admin", False),
    ],
)
def test_who_sees_the_partnership_view(username, sees):
    assert access.sees_partnership_view(user(username)) is sees


def test_who_records_and_changes_actions(partnership_manager, support_worker):
    harbour = Agency.objects.get(code="harbour-survivors")
    theirs = PartnershipAction(lead_agency=harbour, lead_body="")
    board = PartnershipAction(lead_agency=None, lead_body="The board")
    assert access.may_change_action(partnership_manager, board)
    assert access.may_change_action(partnership_manager, theirs)
    assert access.may_change_action(support_worker, theirs)
    assert not access.may_change_action(support_worker, board)
    assert not access.may_change_action(user("social.worker"), theirs)
    assert not access.may_record_action(user("scrutineer"))
    assert access.manages_actions(partnership_manager) and not access.manages_actions(
        support_worker
    )


def test_only_the_data_protection_officer_reads_for_a_subject_access_request():
    assert access.reads_for_subject_access(user("dpo"))
    for username in ("support.worker", "partnership.manager", "admin", "scrutineer"):
        assert not access.reads_for_subject_access(user(username))


def test_the_menu_offers_voice_to_those_who_see_the_view():
    from django.contrib.auth.models import AnonymousUser

    from lantern.voice.templatetags.voice_tags import sees_voice

    assert sees_voice(user("scrutineer")) and sees_voice(user("support.worker"))
    assert not sees_voice(user("dpo")) and not sees_voice(AnonymousUser())
