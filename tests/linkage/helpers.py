"""Pairs of records for linkage tests."""

from lantern.core import clock
from lantern.linkage.models import ReviewPair
from lantern.people.models import Person, SourceRecord


def two_people():
    """Two different people who each have exactly one source record."""
    found = []
    for person in Person.objects.filter(merged_into__isnull=True).order_by("pk"):
        records = list(person.source_records.all())
        if len(records) == 1 and records[0].sensitivity == "normal":
            found.append((person, records[0]))
        if len(found) == 2:
            return found
    raise AssertionError("the test borough has no two single-record people")


def pair_of(a: SourceRecord, b: SourceRecord) -> ReviewPair:
    a, b = sorted([a, b], key=lambda r: r.pk)
    return ReviewPair.objects.create(
        record_a=a,
        record_b=b,
        match_weight=2.0,
        match_probability=0.8,
        why=ReviewPair.Why.GREY_ZONE,
        created_at=clock.now(),
    )
