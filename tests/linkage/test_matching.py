"""Matching at the front door: the right person near the top, and nothing hidden leaks."""

import datetime as dt
import math

import pytest

from lantern.audit.models import AuditEvent
from lantern.linkage.matching import MatchQuery, candidates_for, keys_refresh
from lantern.linkage.models import MatchKey
from lantern.people.models import SourceRecord
from lantern.synth.models import TrueIdentity


def query_from(record: SourceRecord) -> MatchQuery:
    return MatchQuery(
        given_name=record.given_name,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        postcode=record.postcode,
    )


def pairs_across_people(limit: int = 300):
    """(record, other record of the same individual held as another person)."""
    by_individual: dict[int, list[SourceRecord]] = {}
    truth = dict(TrueIdentity.objects.values_list("source_record_id", "individual"))
    for record in SourceRecord.objects.filter(is_current=True).order_by("pk"):
        by_individual.setdefault(truth[record.pk], []).append(record)
    found = []
    for records in by_individual.values():
        for a in records:
            for b in records:
                if a.person_id != b.person_id and a.pk < b.pk:
                    found.append((a, b))
    return found[:limit]


@pytest.mark.django_db
def test_the_true_person_is_in_the_top_five_for_differently_spelt_records():
    pairs = pairs_across_people()
    assert len(pairs) > 100
    hits = 0
    for a, b in pairs:
        top = [c.person_id for c in candidates_for(query_from(a))[:5]]
        hits += b.person_id in top
    assert hits / len(pairs) >= 0.97, f"{hits} of {len(pairs)}"


@pytest.mark.django_db
def test_each_match_explains_itself():
    a, b = pairs_across_people(1)[0]
    [best, *_] = [c for c in candidates_for(query_from(a)) if c.person_id == b.person_id]
    labels = [e.label for e in best.score.evidence]
    assert labels and all(isinstance(label, str) and label for label in labels)
    assert math.isfinite(best.score.match_weight)
    assert 0 <= best.score.match_probability <= 1


@pytest.mark.django_db
def test_a_new_record_is_found_as_soon_as_it_arrives(police):
    from lantern.people.services import SourceRecordIn, source_record_receive

    record = source_record_receive(
        actor=None,
        agency=police,
        record=SourceRecordIn(
            local_id="FD-1",
            given_name="Zebedee",
            family_name="Quarrington",
            date_of_birth=dt.date(2013, 5, 6),
        ),
    )
    assert MatchKey.objects.filter(source_record=record).exists()
    found = candidates_for(
        MatchQuery(
            given_name="Zebedee", family_name="Quarington", date_of_birth=dt.date(2013, 6, 5)
        )
    )
    assert found and found[0].record_id == record.pk


@pytest.mark.django_db
def test_the_page_shows_ranked_matches_only_from_records_the_user_may_read(
    client_for, police_officer, school_dsl
):
    # A record only the police hold: the police find it, the school does not.
    record = (
        SourceRecord.objects.filter(agency__code="northmoor-police", is_current=True)
        .exclude(date_of_birth=None)
        .order_by("pk")
        .first()
    )
    others = SourceRecord.objects.filter(person_id=record.person_id).exclude(pk=record.pk)
    assert not others.exists()
    params = {
        "name": f"{record.given_name} {record.family_name}",
        "date_of_birth": record.date_of_birth.strftime("%d/%m/%Y"),
    }
    police_page = client_for(police_officer).get("/people/", params).content.decode()
    assert "Most likely matches" in police_page
    assert record.person.reference in police_page
    event = AuditEvent.objects.filter(operation="people.match").latest("occurred_at")
    assert str(record.person_id) in {s.record_id for s in event.subjects.all()}

    school_page = client_for(school_dsl).get("/people/", params).content.decode()
    assert record.person.reference not in school_page
    latest = AuditEvent.objects.filter(operation="people.match").latest("occurred_at")
    assert str(record.person_id) not in {s.record_id for s in latest.subjects.all()}


@pytest.mark.django_db
def test_part_of_a_name_is_a_plain_search(client_for, police_officer):
    page = client_for(police_officer).get("/people/", {"name": "Smi"}).content.decode()
    assert "Most likely matches" not in page


def test_keys_refresh_ignores_unknown_records(db):
    assert keys_refresh([-1]) == 0


@pytest.mark.django_db
def test_keys_built_column_wise_are_the_keys_of_each_record():
    from lantern.linkage.frames import source_records_frame
    from lantern.linkage.matching import keys_frame
    from lantern.linkage.prepare import prepare_frame
    from lantern.linkage.scorer import blocking_keys

    prepared = prepare_frame(source_records_frame())
    assert len(prepared) > 500
    column_wise = set(zip(*(keys_frame(prepared)[c] for c in ("record", "key")), strict=True))
    one_by_one = {
        (int(record["unique_id"]), key[:120])
        for record in prepared.to_dict("records")
        for key in blocking_keys(record)
    }
    assert column_wise == one_by_one
    # And the index the test borough was seeded with holds exactly those keys.
    stored = set(MatchKey.objects.values_list("source_record_id", "key"))
    assert stored == one_by_one


@pytest.mark.django_db
def test_a_confidential_address_never_reaches_linkage(police):
    from lantern.linkage.frames import source_records_frame
    from lantern.linkage.matching import raw_records
    from lantern.people.services import AddressIn, SourceRecordIn, source_record_receive

    record = source_record_receive(
        actor=None,
        agency=police,
        record=SourceRecordIn(
            local_id="REFUGE-1",
            given_name="Imogen",
            family_name="Tarrant",
            date_of_birth=dt.date(1990, 2, 3),
            addresses=[
                AddressIn(
                    line1="1 Hidden Row", town="Kestrelford", postcode="KF1 1AA", confidential=True
                )
            ],
        ),
    )
    assert record.postcode == ""  # the record shows no postcode from a confidential address
    frame = source_records_frame(SourceRecord.objects.filter(pk=record.pk))
    assert frame.iloc[0]["address"] is None and frame.iloc[0]["postcode"] is None
    _, raw = raw_records([record.pk])[record.pk]
    assert raw["address"] is None and raw["postcode"] is None
    assert not MatchKey.objects.filter(source_record=record, key__contains="KF11AA").exists()
    assert not MatchKey.objects.filter(source_record=record, key__contains="KF1 1AA").exists()


@pytest.mark.django_db
def test_keys_built_into_an_empty_index_are_every_records_keys_and_the_index_is_back(
    monkeypatch,
):
    from django.db import connection

    from lantern.linkage import matching
    from lantern.linkage.frames import source_records_frame

    before = set(MatchKey.objects.values_list("source_record_id", "key"))
    MatchKey.objects.all().delete()
    monkeypatch.setattr(matching, "REBUILD_AT", 1)  # the path a million records take
    written = matching.keys_add(source_records_frame())
    stored = list(MatchKey.objects.values_list("source_record_id", "key"))
    assert written == len(stored) == len(set(stored))
    assert set(stored) == before
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, MatchKey._meta.db_table)
    assert any(i["columns"] == ["key"] and i["index"] for i in indexes.values())
    # A second call finds every record keyed and writes nothing.
    assert matching.keys_add(source_records_frame()) == 0
