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

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast

from lantern.people.models import Address, Identifier, SourceRecord

from .prepare import IDENTIFIERS, RAW_COLUMNS

CHUNK = 20_000


def source_records_frame(
    queryset: QuerySet[SourceRecord] | None = None, *, person: bool = False
) -> pd.DataFrame:
    """The current source records (or those in `queryset`) in the raw linkage schema.

    `unique_id` is the source record's primary key as text, `source_dataset` the
    agency's code. Dates are ISO text; blanks become None. With `person`, a last
    column `person_id` says which person each record belongs to now.
    """
    records = queryset if queryset is not None else SourceRecord.objects.all()
    records = records.filter(is_current=True)
    # The date read as ISO text by the database itself: converting a million
    # Python dates costs more than the query.
    fields = ["pk", "agency__code", "given_name", "family_name", "dob_text", "sex", "postcode"]
    found = _fetch(
        records.order_by("pk")
        .annotate(dob_text=Cast("date_of_birth", CharField()))
        .values_list(*fields, *(["person_id"] if person else [])),
        len(fields) + person,
    )
    if not len(found):
        empty = pd.DataFrame({column: pd.Series(dtype=object) for column in RAW_COLUMNS})
        if person:
            empty["person_id"] = pd.Series(dtype=np.int64)
        return empty
    pk = found[:, 0].astype(np.int64)
    at = pd.Index(pk)  # record -> row
    out: dict[str, np.ndarray] = {
        "unique_id": pk.astype(str).astype(object),
        "source_dataset": _blank_as_none(found[:, 1]),
        "given_name": _blank_as_none(found[:, 2]),
        "family_name": _blank_as_none(found[:, 3]),
        "date_of_birth": _blank_as_none(found[:, 4]),
        "sex": _blank_as_none(found[:, 5]),
    }
    postcode = _blank_as_none(found[:, 6])
    person_id = found[:, 7].astype(np.int64) if person else None
    del found
    # Identifiers and addresses of the same records: joined on the current flag when
    # reading everything (SQLite plans the join far better than IN (subquery)).
    if queryset is None:
        of_records = {"source_record__is_current": True}
    else:
        of_records = {"source_record__in": records.values("pk")}

    identifiers = _fetch(
        Identifier.objects.filter(is_valid=True, **of_records).values_list(
            "source_record_id", "scheme", "value"
        ),
        3,
    )
    row = at.get_indexer(identifiers[:, 0].astype(np.int64))
    for name in IDENTIFIERS:
        # One identifier per scheme per record (a constraint), so no cell is written twice.
        column = np.full(len(pk), None, dtype=object)
        chosen = (identifiers[:, 1] == name) & (row >= 0)
        column[row[chosen]] = identifiers[chosen, 2]
        out[name] = _blank_as_none(column)

    # The current address: still in use (no end date). Where an agency holds two open
    # addresses the one that started last wins (the first of each record's in this
    # order). Never a confidential address: linkage evidence shown to a reviewer
    # ("same address") would say where someone in hiding lives.
    addresses = _fetch(
        Address.objects.filter(valid_to__isnull=True, confidential=False, **of_records)
        .order_by("source_record_id", F("valid_from").desc(nulls_last=True), "-pk")
        .values_list("source_record_id", "line1", "postcode"),
        3,
    )
    owner = addresses[:, 0].astype(np.int64)
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    row = at.get_indexer(owner[first])
    inside = row >= 0
    address = np.full(len(pk), None, dtype=object)
    address_postcode = np.full(len(pk), None, dtype=object)
    address[row[inside]] = addresses[first, 1][inside]
    address_postcode[row[inside]] = addresses[first, 2][inside]
    out["address"] = _blank_as_none(address)
    # The record's own postcode first; the address book's when the record has none.
    out["postcode"] = np.where(pd.isna(postcode), _blank_as_none(address_postcode), postcode)
    frame = pd.DataFrame({name: out[name] for name in RAW_COLUMNS}, dtype=object)
    if person:
        frame["person_id"] = person_id
    return frame


def _fetch(rows: QuerySet, width: int) -> np.ndarray:
    """The query's rows as one (rows, width) array of Python values.

    The ORM builds the SQL (so filters, joins and quoting are Django's), but the rows
    bypass its per-row machinery, which costs more than the query itself at a
    million rows. No value here needs a Python converter: dates arrive as text.
    """
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # .none(), or a filter that can match nothing
        return np.empty((0, width), dtype=object)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return np.empty((0, width), dtype=object)
    return np.array(found, dtype=object).reshape(len(found), width)


def _blank_as_none(values) -> np.ndarray:
    """An object array with every empty or missing value as None (the raw schema's blank).
    Values come from the database: a missing one is None, never NaN."""
    values = np.asarray(values, dtype=object)
    return np.where((values == None) | (values == ""), None, values)  # noqa: E711 - elementwise


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
