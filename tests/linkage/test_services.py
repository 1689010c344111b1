"""Decisions about who is who: audited, refused without the right role or sight, reversible."""

import pytest
from django.core.exceptions import ValidationError
from tests.linkage.helpers import pair_of, two_people

from lantern.access.models import AccessBasis
from lantern.audit.models import AuditEvent
from lantern.linkage import services
from lantern.linkage.models import LinkChange, ReviewStatus
from lantern.people.models import Person, SourceRecord


@pytest.fixture
def seen_pair(mash_worker, open_referral):
    (p1, r1), (p2, r2) = two_people()
    open_referral(p1)
    open_referral(p2)
    return pair_of(r1, r2)


@pytest.mark.django_db
def test_same_person_joins_the_records_and_is_audited(mash_worker, seen_pair):
    a, b = seen_pair.record_a, seen_pair.record_b
    services.review_decide(actor=mash_worker, pair=seen_pair, same=True, reason="Same NHS no.")
    b.refresh_from_db()
    assert b.person_id == a.person_id
    absorbed = Person.objects.get(pk=LinkChange.objects.get(source_record=b).from_person_id)
    assert absorbed.merged_into_id == a.person_id
    event = AuditEvent.objects.filter(operation="linkage.review.decide").latest("id")
    assert event.action == "combination" and event.actor_id == mash_worker.pk
    assert {s.person_id for s in event.subjects.all()} == {a.person_id, absorbed.pk}


@pytest.mark.django_db
def test_not_the_same_person_is_remembered_and_cannot_be_decided_twice(mash_worker, seen_pair):
    services.review_decide(actor=mash_worker, pair=seen_pair, same=False, reason="Twins")
    seen_pair.refresh_from_db()
    assert seen_pair.status == ReviewStatus.DIFFERENT and seen_pair.reason == "Twins"
    assert seen_pair.record_a.person_id != seen_pair.record_b.person_id
    with pytest.raises(ValidationError, match="already been decided"):
        services.review_decide(actor=mash_worker, pair=seen_pair, same=True, reason="Oops")


@pytest.mark.django_db
def test_a_role_that_does_not_decide_linkage_is_refused(police_officer, seen_pair):
    with pytest.raises(ValidationError, match="Only a front-door social worker"):
        services.review_decide(actor=police_officer, pair=seen_pair, same=True, reason="x")
    seen_pair.refresh_from_db()
    assert seen_pair.status == ReviewStatus.PENDING


@pytest.mark.django_db
def test_a_decider_who_cannot_see_a_record_is_refused_and_nothing_changes(mash_worker):
    (_, r1), (p2, r2) = two_people()  # no open referral: the front door sees neither
    pair = pair_of(r1, r2)
    with pytest.raises(ValidationError, match="cannot see one of these records"):
        services.review_decide(actor=mash_worker, pair=pair, same=True, reason="x")
    assert SourceRecord.objects.get(pk=r2.pk).person_id == p2.pk
    assert not LinkChange.objects.exists()


@pytest.mark.django_db
def test_a_reason_is_required(mash_worker, seen_pair):
    with pytest.raises(ValidationError, match="reason"):
        services.review_decide(actor=mash_worker, pair=seen_pair, same=True, reason="  ")


@pytest.mark.django_db
def test_a_merge_carries_the_allocations_with_it(mash_worker, seen_pair):
    other = seen_pair.record_b.person
    bases = set(AccessBasis.objects.filter(person=other).values_list("pk", flat=True))
    assert bases  # the open referral
    into = seen_pair.record_a.person
    services.person_merge(actor=mash_worker, into=into, other=other, reason="Same child")
    assert set(AccessBasis.objects.filter(pk__in=bases).values_list("person_id", flat=True)) == {
        into.pk
    }


@pytest.mark.django_db
def test_split_and_undo_put_records_back(mash_worker, seen_pair, open_referral):
    services.review_decide(actor=mash_worker, pair=seen_pair, same=True, reason="Same")
    b = SourceRecord.objects.get(pk=seen_pair.record_b_id)
    change = LinkChange.objects.get(source_record=b)
    services.change_undo(actor=mash_worker, change=change, reason="Decided in error")
    b.refresh_from_db()
    assert b.person_id == change.from_person_id
    assert Person.objects.get(pk=change.from_person_id).merged_into_id is None
    seen_pair.refresh_from_db()
    assert seen_pair.status == ReviewStatus.PENDING
    with pytest.raises(ValidationError, match="already been undone"):
        services.change_undo(actor=mash_worker, change=change, reason="again")
    # The referral moved with the merge and stays with the person it went to: after the
    # undo, nobody gains sight of the restored person without a reason of their own.
    with pytest.raises(ValidationError, match="cannot see"):
        services.record_split(actor=mash_worker, record=b, reason="x")
    open_referral(b.person)
    with pytest.raises(ValidationError, match="only record"):
        services.record_split(actor=mash_worker, record=b, reason="x")


@pytest.mark.django_db
def test_a_split_record_becomes_a_person_of_its_own(mash_worker, seen_pair):
    services.review_decide(actor=mash_worker, pair=seen_pair, same=True, reason="Same")
    b = SourceRecord.objects.get(pk=seen_pair.record_b_id)
    person = services.record_split(actor=mash_worker, record=b, reason="Different child")
    b.refresh_from_db()
    assert b.person_id == person.pk != seen_pair.record_a.person_id
    assert (person.given_name, person.date_of_birth) == (b.given_name, b.date_of_birth)
    assert AuditEvent.objects.filter(operation="linkage.record.split").exists()


# ---------------------------------------------------------------- planning a bulk run


def _records(people: dict[str, int], nhs: dict[str, str] | None = None):
    import pandas as pd

    nhs = nhs or {}
    return pd.DataFrame(
        {
            "unique_id": list(people),
            "person_id": list(people.values()),
            "nhs_number": [nhs.get(r) for r in people],
            "upn": [None] * len(people),
            "pnc_id": [None] * len(people),
        }
    )


def _result(pairs, *, clusters=None, held=()):
    import pandas as pd

    from lantern.linkage.engine import LinkResult

    frame = pd.DataFrame(
        pairs,
        columns=["unique_id_l", "unique_id_r", "match_weight", "decision", "same_household"],
    )
    frame["match_probability"] = 0.99
    frame["household_clash"] = False
    return LinkResult(
        pairs=frame, clusters=pd.Series(clusters or {}, dtype=object), held_for_review=held
    )


@pytest.mark.django_db
def test_a_run_joins_each_cluster_to_its_lowest_numbered_person():
    records = _records({"1": 10, "2": 20, "3": 30, "4": 30, "5": 50})
    plan = services._plan(
        records,
        _result([("1", "2", 9.0, "link", False), ("2", "3", 8.0, "link", False)]),
        new_ids=None,
    )
    moves = {tuple(m) for m in plan.moves[["record", "old", "new"]].to_numpy().tolist()}
    # Record 4 is person 30's too: it moves with record 3. Record 5 is on its own.
    assert moves == {(2, 20, 10), (3, 30, 10), (4, 30, 10)}


@pytest.mark.django_db
def test_equal_links_are_settled_the_same_way_whatever_order_the_scorer_gave():
    # Records 2 and 3 share a household and are held for review; record 1 links to both
    # equally well, so only one of them can join it: always the lower-numbered.
    pairs = [
        ("1", "2", 7.0, "link", True),
        ("1", "3", 7.0, "link", True),
        ("2", "3", 3.0, "review", True),
    ]
    records = _records({"1": 10, "2": 20, "3": 30})
    for order in (pairs, pairs[::-1], [pairs[1], pairs[2], pairs[0]]):
        plan = services._plan(records, _result(order), new_ids=None)
        assert plan.moves[["record", "old", "new"]].to_numpy().tolist() == [[2, 20, 10]]
        assert plan.refused == 1


@pytest.mark.django_db
def test_a_new_record_held_for_review_joins_no_one():
    # Record 3 is new; the engine linked it to record 1 but held it for a person to place.
    records = _records({"1": 10, "2": 20, "3": 30})
    plan = services._plan(
        records,
        _result([("3", "1", 9.0, "link", False)], clusters={"3": "new:3"}, held=frozenset({"3"})),
        new_ids={"3"},
    )
    assert plan.moves.empty
    placed = services._plan(
        records, _result([("3", "1", 9.0, "link", False)], clusters={"3": 10}), new_ids={"3"}
    )
    assert placed.moves[["record", "old", "new"]].to_numpy().tolist() == [[3, 30, 10]]


@pytest.mark.django_db
def test_records_with_two_nhs_numbers_are_never_joined_through_a_third():
    records = _records({"1": 10, "2": 20, "3": 30}, nhs={"1": "4857773456", "3": "9434765919"})
    plan = services._plan(
        records,
        _result([("1", "2", 9.0, "link", False), ("2", "3", 8.0, "link", False)]),
        new_ids=None,
    )
    assert plan.moves[["record", "old", "new"]].to_numpy().tolist() == [[2, 20, 10]]
    assert plan.refused == 1
