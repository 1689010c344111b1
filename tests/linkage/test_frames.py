"""Source records as a frame: the raw schema, valid identifiers only, in few queries."""

from __future__ import annotations

import pytest

from lantern.linkage.frames import RAW_COLUMNS, source_records_frame, truth_frame
from lantern.people.models import Address, Identifier, SourceRecord

pytestmark = pytest.mark.django_db


def test_one_row_per_current_record_in_the_raw_schema(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        frame = source_records_frame()
    assert list(frame.columns) == list(RAW_COLUMNS)
    assert len(frame) == SourceRecord.objects.filter(is_current=True).count()
    assert frame["unique_id"].is_unique
    assert frame["unique_id"].map(type).eq(str).all()


def test_values_match_the_records():
    frame = source_records_frame().set_index("unique_id")
    record = (
        SourceRecord.objects.filter(is_current=True, date_of_birth__isnull=False)
        .select_related("agency")
        .order_by("pk")
        .first()
    )
    row = frame.loc[str(record.pk)]
    assert row["source_dataset"] == record.agency.code
    assert row["given_name"] == record.given_name
    assert row["family_name"] == record.family_name
    assert row["date_of_birth"] == record.date_of_birth.isoformat()
    assert row["sex"] == record.sex
    assert row["postcode"] == record.postcode
    current = record.addresses.filter(valid_to__isnull=True).order_by("-valid_from").first()
    assert row["address"] == current.line1


def test_only_identifiers_whose_check_digit_held_are_read():
    frame = source_records_frame().set_index("unique_id")
    invalid = Identifier.objects.filter(is_valid=False, source_record__is_current=True)
    assert invalid.exists()
    for identifier in invalid:
        assert frame.loc[str(identifier.source_record_id), identifier.scheme] is None
    valid = Identifier.objects.filter(is_valid=True, source_record__is_current=True).first()
    assert frame.loc[str(valid.source_record_id), valid.scheme] == valid.value


def test_the_current_address_not_an_old_one():
    moved = Address.objects.filter(valid_to__isnull=False).select_related("source_record").first()
    assert moved is not None, "the test borough has someone who moved"
    frame = source_records_frame().set_index("unique_id")
    row = frame.loc[str(moved.source_record_id)]
    current = moved.source_record.addresses.get(valid_to__isnull=True)
    assert row["address"] == current.line1


def test_a_queryset_limits_the_frame():
    police = SourceRecord.objects.filter(agency__code="northmoor-police")
    frame = source_records_frame(police)
    assert len(frame) == police.filter(is_current=True).count() > 0
    assert set(frame["source_dataset"]) == {"northmoor-police"}


def test_no_records_give_an_empty_frame_with_the_columns():
    frame = source_records_frame(SourceRecord.objects.none())
    assert frame.empty
    assert list(frame.columns) == list(RAW_COLUMNS)


def test_truth_frame_matches_the_records():
    truth = truth_frame()
    frame = source_records_frame()
    assert set(truth["unique_id"]) == set(frame["unique_id"])
    assert {"individual", "household"} <= set(truth.columns)
