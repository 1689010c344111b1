"""Matching at the front door: ranked candidate people for details typed from a phone call.

Bulk linkage (`engine.py`, Splink) decides who is who overnight. The front door
cannot wait for that: it asks, within a second, "is this child already known to
any agency?". Here the same trained model scores one query against the few
records that share a blocking key with it, in pure Python (`scorer.py`):

1. The query is prepared exactly as bulk linkage prepares a record.
2. Its blocking keys are looked up in `MatchKey` (one indexed query).
3. Those records are read (three indexed queries) and scored; each person is as
   likely as their best-matching record.

`MatchKey` rows are written for every current record by `lantern link`, and for
each record as it arrives or is corrected (`keys_refresh`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from lantern.core.bulk import BulkWriter, gc_paused, rows_insert
from lantern.people.models import SourceRecord

from .model import load
from .models import LinkRun, MatchKey, NameFrequency
from .prepare import IDENTIFIERS, name_key, prepare_frame, prepare_record
from .scorer import Score, Scorer, blocking_keys

CANDIDATE_LIMIT = 400  # records scored per query, at most


@dataclass(frozen=True)
class MatchQuery:
    given_name: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    postcode: str = ""
    sex: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def typed(
        cls,
        *,
        given_name: str,
        family_name: str,
        date_of_birth: dt.date | None = None,
        postcode: str = "",
        identifier: str = "",
        sex: str = "",
    ) -> MatchQuery:
        """The query from what someone typed: an identifier in any spacing counts as every
        scheme it is a valid value of (an NHS number, a UPN, a PNC ID)."""
        from lantern.people.selectors import identifier_candidates

        return cls(
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            date_of_birth=date_of_birth,
            postcode=postcode.strip(),
            sex=sex,
            identifiers=dict(identifier_candidates(identifier)) if identifier.strip() else {},
        )

    def raw(self) -> dict:
        return {
            "unique_id": "query",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "sex": self.sex or None,
            "postcode": self.postcode,
            "address": None,
            **{scheme: self.identifiers.get(scheme) for scheme in IDENTIFIERS},
        }

    def described(self) -> dict:
        found = {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "postcode": self.postcode,
            **self.identifiers,
        }
        return {k: v for k, v in found.items() if v}


# ---------------------------------------------------------------- reading records


_RECORD_COLUMNS = (
    "r.id, r.person_id, a.code, r.given_name, r.family_name, r.date_of_birth, r.sex, r.postcode"
)


def _raw(row: tuple) -> tuple[int, dict]:
    pk, person_id, agency, given, family, dob, sex, postcode = row
    return person_id, {
        "unique_id": str(pk),
        "source_dataset": agency,
        "given_name": given,
        "family_name": family,
        "date_of_birth": str(dob)[:10] if dob else None,  # a date, or ISO text on SQLite
        "sex": sex,
        "postcode": postcode or None,
        "address": None,
        "nhs_number": None,
        "upn": None,
        "pnc_id": None,
    }


def _marks(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def _fill_in(out: dict[int, tuple[int, dict]]) -> dict[int, tuple[int, dict]]:
    """Add each record's valid identifiers and current address (two queries)."""
    if not out:
        return out
    ids = list(out)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_record_id, scheme, value FROM people_identifier "  # noqa: S608
            f"WHERE is_valid AND source_record_id IN ({_marks(ids)})",
            ids,
        )
        for record_id, scheme, value in cursor.fetchall():
            out[record_id][1][scheme] = value
        cursor.execute(
            "SELECT source_record_id, line1, postcode FROM people_address "  # noqa: S608
            f"WHERE valid_to IS NULL AND NOT confidential AND source_record_id IN ({_marks(ids)}) "
            "ORDER BY source_record_id, valid_from DESC, id DESC",
            ids,
        )
        seen: set[int] = set()
        for record_id, line1, postcode in cursor.fetchall():
            if record_id in seen:
                continue
            seen.add(record_id)
            raw = out[record_id][1]
            raw["address"] = line1
            raw["postcode"] = raw["postcode"] or postcode
    return out


def raw_records(ids: Iterable[int]) -> dict[int, tuple[int, dict]]:
    """record id -> (person id, the record in linkage's raw schema), in three queries.

    Plain SQL: at the front door the ORM's own work would cost more than the queries."""
    ids = list(ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_RECORD_COLUMNS} FROM people_sourcerecord r "  # noqa: S608
            "JOIN partners_agency a ON a.id = r.agency_id "
            f"WHERE r.is_current AND r.id IN ({_marks(ids)})",
            ids,
        )
        out = {row[0]: _raw(row) for row in cursor.fetchall()}
    return _fill_in(out)


def _records_by_keys(keys: list[str]) -> dict[int, tuple[int, dict]]:
    """The current records holding any of the keys, at most CANDIDATE_LIMIT."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {_RECORD_COLUMNS} FROM linkage_matchkey k "  # noqa: S608
            "JOIN people_sourcerecord r ON r.id = k.source_record_id "
            "JOIN partners_agency a ON a.id = r.agency_id "
            f"WHERE r.is_current AND k.key IN ({_marks(keys)}) "
            f"ORDER BY r.id LIMIT {CANDIDATE_LIMIT}",
            keys,
        )
        return {row[0]: _raw(row) for row in cursor.fetchall()}


# ---------------------------------------------------------------- keys


def _key_rows(prepared: Iterable[dict]) -> Iterable[tuple[str, int]]:
    for record in prepared:
        record_id = int(record["unique_id"])
        for key in dict.fromkeys(blocking_keys(record)):
            yield key[:120], record_id


@transaction.atomic
def keys_refresh(record_ids: Sequence[int]) -> int:
    """Rewrite the keys of these records (new, corrected or relinked). Returns keys written."""
    MatchKey.objects.filter(source_record_id__in=record_ids).delete()
    prepared = [prepare_record(raw) for _, raw in raw_records(record_ids).values()]
    written = MatchKey.objects.bulk_create(
        MatchKey(key=key, source_record_id=record_id) for key, record_id in _key_rows(prepared)
    )
    return len(written)


def keys_frame(prepared) -> pd.DataFrame:
    """The blocking keys of many prepared records at once (key, record id): the same keys
    `scorer.blocking_keys` gives one record, built column-wise, because a million
    records one at a time take minutes. A test holds the two to the same answer.

    Each kind of key has its own prefix, so a record never has one key twice."""

    def column(name: str) -> np.ndarray:
        values = prepared[name].to_numpy(dtype=object)
        present = pd.notna(values)
        present[present] = values[present] != ""
        return np.where(present, values, None)

    ids = prepared["unique_id"].to_numpy().astype(np.int64)
    keys: list[np.ndarray] = []
    records: list[np.ndarray] = []

    def add(build: Callable[..., str], *parts: np.ndarray) -> None:
        mask = np.ones(len(ids), dtype=bool)
        for part in parts:
            mask &= part != None  # noqa: E711 - elementwise, on object arrays
        chosen = [part[mask].tolist() for part in parts]
        keys.append(
            np.array([build(*values)[:120] for values in zip(*chosen, strict=True)], dtype=object)
        )
        records.append(ids[mask])

    for prefix, name in (("nhs", "nhs_number"), ("upn", "upn"), ("pnc", "pnc_id")):
        add(lambda value, prefix=prefix: f"{prefix}:{value}", column(name))
    dob, family, given = (
        column("date_of_birth"),
        column("family_phonetic"),
        column("given_canonical"),
    )
    add(lambda d, f: f"df:{d}:{f}", dob, family)
    add(lambda d, g: f"dg:{d}:{g}", dob, given)
    first, last = column("given_name"), column("family_name")
    add(lambda d, a, b: f"dn:{d}:{a}:{b}" if a <= b else f"dn:{d}:{b}:{a}", dob, first, last)
    add(
        lambda d, a, b: f"di:{d}:{a[0]}{b[0]}" if a[0] <= b[0] else f"di:{d}:{b[0]}{a[0]}",
        dob,
        first,
        last,
    )
    year, postcode = column("dob_year"), column("postcode")
    add(lambda g, f, y: f"gfy:{g}:{f}:{y}", given, family, year)
    add(lambda g, f, p: f"gfp:{g}:{f}:{p}", given, family, postcode)
    add(lambda p, f, i: f"pfi:{p}:{f}:{i}", postcode, family, column("given_initial"))
    return pd.DataFrame(
        {
            "key": np.concatenate(keys) if keys else np.array([], dtype=object),
            "record": np.concatenate(records) if records else np.array([], dtype=np.int64),
        }
    )


def keys_add(frame, progress: Callable[[int], None] | None = None) -> int:
    """Keys for the records of a raw frame (`frames.source_records_frame()`) that have
    none yet. Returns keys written.

    Into an empty index (a borough loaded without keys) the keys go in without the
    index on `key`, which is built once at the end: a sort of eight million keys
    instead of eight million insertions into a growing tree."""
    with gc_paused():
        return _keys_add(frame, progress)


def _keys_add(frame, progress: Callable[[int], None] | None) -> int:
    empty = not MatchKey.objects.exists()
    if empty:
        unkeyed = frame
    else:
        missing = set(
            SourceRecord.objects.filter(is_current=True)
            .exclude(Exists(MatchKey.objects.filter(source_record=OuterRef("pk"))))
            .values_list("pk", flat=True)
        )
        if not missing:
            return 0
        unkeyed = frame[frame["unique_id"].astype("int64").isin(missing)]
    # The address is not in any key: leaving it out saves standardising it.
    prepared = prepare_frame(unkeyed.drop(columns=["address"], errors="ignore"))
    if prepared.empty:
        return 0
    keys = keys_frame(prepared)
    if keys.empty:
        return 0
    # In record order: the index on the record then grows at its end.
    order = np.argsort(keys["record"].to_numpy(), kind="stable")
    rows = zip(
        keys["key"].to_numpy()[order].tolist(),
        keys["record"].to_numpy()[order].tolist(),
        strict=True,
    )
    with transaction.atomic(), _index_built_after(empty and len(keys) >= REBUILD_AT):
        written = rows_insert(
            MatchKey._meta.db_table, ["key", MatchKey._meta.get_field("source_record").column], rows
        )
    if progress:
        progress(len(prepared))
    return written


REBUILD_AT = 100_000  # keys into an empty index at which building it after pays


@contextmanager
def _index_built_after(rebuild: bool) -> Iterator[None]:
    """Drop the index on `key` for a bulk load into an empty table and build it again
    after, in the same transaction (SQLite only: DDL there is transactional and takes
    no lock beyond the write lock the load holds anyway; on PostgreSQL dropping the
    index would lock the table against the front door until commit)."""
    if not rebuild or connection.vendor != "sqlite":
        yield
        return
    [index] = [i for i in MatchKey._meta.indexes if i.fields == ["key"]]
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
        yield
        cursor.execute("PRAGMA threads")
        [threads] = cursor.fetchone()
        cursor.execute("PRAGMA threads = 2")  # SQLite sorts the keys on two threads
        cursor.execute(str(index.create_sql(MatchKey, editor)))
        cursor.execute(f"PRAGMA threads = {int(threads)}")


def frequencies_rebuild(frame) -> None:
    """How common each standardised name is now (for the front door's scorer). Names are
    standardised once per distinct spelling, not once per record."""
    standard = {}
    for column in ("given_name", "family_name"):
        values = frame[column]
        distinct = values.dropna().unique()
        mapping = {value: name_key(value) for value in distinct}
        standard[column] = values.map(mapping)
    NameFrequency.objects.all().delete()
    writer = BulkWriter(NameFrequency, ["column", "value", "share"])
    for column, names in standard.items():
        shares = names.dropna().value_counts(normalize=True)
        for value, share in shares.items():
            writer.add((column, str(value)[:100], float(share)))
    writer.flush()


# ---------------------------------------------------------------- scoring


class _ScorerCache:
    """One scorer per process, rebuilt when a link run has changed the frequencies."""

    CHECK_EVERY = 10.0  # seconds between looks for a newer link run

    def __init__(self):
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.scorer: Scorer | None = None
        self.checked = 0.0

    def get(self) -> Scorer:
        now = time.monotonic()
        if self.scorer is not None and now - self.checked < self.CHECK_EVERY:
            return self.scorer
        latest = LinkRun.objects.order_by("-pk").values_list("pk", "finished_at").first()
        version = (connection.settings_dict["NAME"], latest)
        self.checked = now
        with self.lock:
            if self.scorer is None or self.version != version:
                frequencies: dict[str, dict[str, float]] = {}
                for column, value, share in NameFrequency.objects.values_list(
                    "column", "value", "share"
                ):
                    frequencies.setdefault(column, {})[value] = share
                model = load()
                records = max(SourceRecord.objects.filter(is_current=True).count(), 2)
                # A front-door query is one person sought among everyone known.
                self.scorer = Scorer(
                    model,
                    term_frequencies=frequencies,
                    prior=model.prior_for(records, mode="link", other=records),
                )
                self.version = version
            return self.scorer


_scorers = _ScorerCache()


@dataclass
class Candidate:
    person_id: int
    record_id: int
    score: Score


def candidates_for(
    query: MatchQuery, *, readable: Callable[[list[int]], set[int]] | None = None
) -> list[Candidate]:
    """Every person with a record sharing a key with the query, best first (not audited:
    the selector that shows them audits). `readable` keeps, of the candidate record ids,
    those the user may read: only those are scored."""
    prepared = prepare_record(query.raw())
    keys = blocking_keys(prepared)
    if not keys:
        return []
    records = _records_by_keys(keys)
    if readable is not None:
        allowed = readable(list(records))
        records = {pk: value for pk, value in records.items() if pk in allowed}
    records = _fill_in(records)
    scorer = _scorers.get()
    ranked = scorer.rank_people(
        prepared,
        ((person_id, prepare_record(raw)) for person_id, raw in records.values()),
    )
    return [
        Candidate(person_id=person_id, record_id=int(score.unique_id), score=score)
        for person_id, score in ranked
    ]
