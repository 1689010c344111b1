"""Fast bulk writes for large loads (the synthetic borough, agency extracts).

Rows are tuples in the order of the given fields, with primary keys chosen by the
caller, so that related rows can refer to each other without a round trip. On
PostgreSQL rows go in through COPY; on SQLite through executemany. Values are
prepared by each field's own database preparation, so what lands is exactly
what the ORM would have written. Call `reset_sequences` after a load that chose
its own keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
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
    def _preparer(field: models.Field) -> Callable[[Any], Any]:
        if isinstance(field, models.JSONField):
            return lambda value: json.dumps(value, separators=(",", ":"))
        if connection.vendor == "sqlite":
            # What Django's SQLite backend stores, without its per-value overhead:
            # datetimes as naive UTC text, dates as ISO text.
            if isinstance(field, models.DateTimeField):
                return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
            if isinstance(field, models.DateField):
                return lambda v: None if v is None else v.isoformat()
        elif isinstance(field, models.DateTimeField | models.DateField):
            return lambda value: value  # psycopg's COPY adapts dates and aware datetimes
        return lambda value: value

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        prepare = self._prepare
        prepared = [tuple(p(v) for p, v in zip(prepare, row, strict=True)) for row in self.rows]
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
                cursor.executemany(sql, prepared)
        self.written += len(self.rows)
        self.rows.clear()


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
