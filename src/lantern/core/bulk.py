"""Fast bulk writes for large loads (the synthetic borough, agency extracts).

Rows are tuples in the order of the given fields, with primary keys chosen by the
caller, so that related rows can refer to each other without a round trip. On
PostgreSQL rows go in through COPY; on SQLite through INSERTs of many rows each
(a statement per row costs more than SQLite's own work at a million rows). Values
are prepared as each field's own database preparation would, so what lands is
what the ORM would have written. Call `reset_sequences` after a load that chose
its own keys. `rows_insert` is the same for plain tables (temporary ones included)
whose values need no preparation.
"""

from __future__ import annotations

import gc
import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from django.db import connection, models


class BulkWriter:
    def __init__(self, model: type[models.Model], fields: Sequence[str], batch_size: int = 20_000):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.columns = [f.column for f in self.fields]
        self.batch_size = batch_size
        self.rows: list[tuple] = []
        self.written = 0
        self._prepare = [self._preparer(f) for f in self.fields]

    @staticmethod
    def _preparer(field: models.Field) -> Callable[[Any], Any] | None:
        """How a value of this field is written; None when it is written as it is."""
        if isinstance(field, models.JSONField):
            return lambda value: json.dumps(value, separators=(",", ":"))
        if connection.vendor == "sqlite":
            # What Django's SQLite backend stores, without its per-value overhead:
            # datetimes as naive UTC text, dates as ISO text.
            if isinstance(field, models.DateTimeField):
                return _last_one(
                    lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
                )
            if isinstance(field, models.DateField):
                return lambda v: None if v is None else v.isoformat()
        return None  # psycopg's COPY adapts dates and aware datetimes itself

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def extend(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.rows.append(row)
            if len(self.rows) >= self.batch_size:
                self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows = self.rows
        if any(self._prepare):
            prepare = [p or _same for p in self._prepare]
            rows = [tuple(p(v) for p, v in zip(prepare, row, strict=True)) for row in rows]
        rows_insert(self.model._meta.db_table, self.columns, rows)
        self.written += len(self.rows)
        self.rows.clear()


def _same(value: Any) -> Any:
    return value


def _last_one(prepare: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`prepare`, remembering its last answer: a bulk load stamps one time on every row."""
    last: list = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, prepare(value)
        return last[1]

    return remembered


# Rows per INSERT on SQLite: enough to make the per-statement cost vanish, few enough
# that the statement stays small.
_ROWS_PER_STATEMENT = 500


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (values ready for the database) into a table; returns how many.

    PostgreSQL: one COPY. SQLite: INSERT statements of many rows each, as many as
    the database's limit on query parameters allows."""
    quoted_table = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {quoted_table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        width = len(columns)
        per = max(1, min(_ROWS_PER_STATEMENT, _sqlite_parameter_limit() // width))
        one = "(" + ", ".join(["%s"] * width) + ")"
        insert = f"INSERT INTO {quoted_table} ({names}) VALUES "  # noqa: S608 - our names
        many = insert + ", ".join([one] * per)
        # The driver's own cursor: with DEBUG on, Django's would write every statement
        # and its thousand values into its query log, which costs more than the insert.
        raw = cursor.cursor
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, per)):
            sql = many if len(batch) == per else insert + ", ".join([one] * len(batch))
            raw.execute(sql, list(itertools.chain.from_iterable(batch)))
            written += len(batch)
    return written


def _sqlite_parameter_limit() -> int:
    """The most parameters one SQLite statement takes (32766 since SQLite 3.32; Django
    assumes the old 999)."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except AttributeError:  # Python before 3.11
        return connection.features.max_query_params


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a million rows become Python objects.

    Each collection walks every object alive, and a million-row load triggers one
    again and again as it grows: half the time of reading a million records went
    there. The objects a bulk load makes hold no reference cycles, so nothing is
    lost by collecting once, after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def bulk_session(cache_mb: int = 256) -> Iterator[None]:
    """Around one large write on SQLite: a page cache that holds what the write touches
    (the default 2 MB spills changed pages to disk and reads them back again and again),
    and the connection's own setting back afterwards. Elsewhere, nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        [before] = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def next_id(model: type[models.Model]) -> int:
    latest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (latest or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting chosen keys, move PostgreSQL's sequences past them."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
