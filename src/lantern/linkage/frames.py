"""Source records as one pandas frame in the linkage engine's raw schema.

The engine is pure computation: it never touches Django. This module is the one
bridge, used by the linking command and the benchmark. It reads a million records
in three set-based queries (records, valid identifiers, current addresses) and
joins them in pandas, because a query per record would take hours.

Only identifiers whose check digit held are read (`is_valid`): a failed check is
never evidence for a link. This is internal machinery, not a user-facing read, so
it writes no audit event itself; the caller (the link command) audits the run.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from lantern.people.models import Address, Identifier, SourceRecord

from .prepare import IDENTIFIERS, RAW_COLUMNS

CHUNK = 20_000


def source_records_frame(queryset: QuerySet[SourceRecord] | None = None) -> pd.DataFrame:
    """The current source records (or those in `queryset`) in the raw linkage schema.

    `unique_id` is the source record's primary key as text, `source_dataset` the
    agency's code. Dates are ISO text; blanks become None.
    """
    records = queryset if queryset is not None else SourceRecord.objects.all()
    records = records.filter(is_current=True)
    # The date read as ISO text by the database itself: converting a million
    # Python dates costs more than the query.
    rows = (
        records.order_by("pk")
        .annotate(dob_text=Cast("date_of_birth", CharField()))
        .values_list(
            "pk", "agency__code", "given_name", "family_name", "dob_text", "sex", "postcode"
        )
    )
    frame = pd.DataFrame.from_records(
        _iterate(rows),
        columns=[
            "pk",
            "source_dataset",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "postcode",
        ],
    )
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in RAW_COLUMNS})
    # Identifiers and addresses of the same records: joined on the current flag when
    # reading everything (SQLite plans the join far better than IN (subquery)).
    if queryset is None:
        of_records = {"source_record__is_current": True}
    else:
        of_records = {"source_record__in": records.values("pk")}

    identifiers = pd.DataFrame.from_records(
        _iterate(
            Identifier.objects.filter(is_valid=True, **of_records).values_list(
                "source_record_id", "scheme", "value"
            )
        ),
        columns=["pk", "scheme", "value"],
    )
    if identifiers.empty:
        wide = pd.DataFrame(columns=list(IDENTIFIERS), index=pd.Index([], name="pk"))
    else:
        wide = identifiers.pivot(index="pk", columns="scheme", values="value")
    frame = frame.join(wide.reindex(columns=list(IDENTIFIERS)), on="pk")

    # The current address: still in use (no end date). Where an agency holds two open
    # addresses the one that started last wins. Never a confidential address: linkage
    # evidence shown to a reviewer ("same address") would say where someone in hiding lives.
    addresses = pd.DataFrame.from_records(
        _iterate(
            Address.objects.filter(valid_to__isnull=True, confidential=False, **of_records)
            .annotate(from_text=Cast("valid_from", CharField()))
            .values_list("source_record_id", "line1", "postcode", "from_text", "pk")
        ),
        columns=["pk", "address", "address_postcode", "valid_from", "address_pk"],
    )
    addresses = addresses.sort_values(
        ["pk", "valid_from", "address_pk"], ascending=[True, False, False], na_position="last"
    ).drop_duplicates("pk")
    frame = frame.merge(addresses[["pk", "address", "address_postcode"]], on="pk", how="left")

    frame["unique_id"] = frame["pk"].astype(str)
    # The record's own postcode first; the address book's when the record has none.
    frame["postcode"] = frame["postcode"].where(
        frame["postcode"].astype(bool), frame["address_postcode"]
    )
    frame = frame[list(RAW_COLUMNS)].astype(object)
    return frame.where(frame.notna() & (frame != ""), None)


def _iterate(rows: QuerySet) -> Iterable[tuple]:
    """The query's rows as plain tuples, fetched in chunks.

    The ORM builds the SQL (so filters, joins and quoting are Django's), but the rows
    bypass its per-row machinery, which costs more than the query itself at a
    million rows. No value here needs a Python converter: dates arrive as text.
    """
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter that can match nothing
        return
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def truth_frame(queryset: QuerySet[SourceRecord] | None = None) -> pd.DataFrame:
    """The synthetic borough's ground truth for the same records: unique_id, individual,
    household. For measuring linkage only; nothing a user sees reads it."""
    from lantern.synth.models import TrueIdentity

    truth = TrueIdentity.objects.all()
    if queryset is not None:
        truth = truth.filter(source_record__in=queryset.values("pk"))
    frame = pd.DataFrame.from_records(
        _iterate(truth.values_list("source_record_id", "individual", "household")),
        columns=["unique_id", "individual", "household"],
    )
    frame["unique_id"] = frame["unique_id"].astype(str)
    return frame
