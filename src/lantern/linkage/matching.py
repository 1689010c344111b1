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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from lantern.core.bulk import BulkWriter
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
    records one at a time take minutes. A test holds the two to the same answer."""

    def present(column: str) -> pd.Series:
        values = prepared[column]
        return values.notna() & (values.astype(str) != "")

    text = {c: prepared[c].astype(str) for c in prepared.columns}
    ids = prepared["unique_id"].astype("int64")
    parts = []

    def add(mask: pd.Series, keys: pd.Series) -> None:
        parts.append(pd.DataFrame({"key": keys[mask].str.slice(0, 120), "record": ids[mask]}))

    for prefix, column in (("nhs", "nhs_number"), ("upn", "upn"), ("pnc", "pnc_id")):
        add(present(column), prefix + ":" + text[column])
    dob, family, given = (
        present("date_of_birth"),
        present("family_phonetic"),
        present("given_canonical"),
    )
    add(dob & family, "df:" + text["date_of_birth"] + ":" + text["family_phonetic"])
    add(dob & given, "dg:" + text["date_of_birth"] + ":" + text["given_canonical"])
    both = present("given_name") & present("family_name")
    first = text["given_name"].where(text["given_name"] <= text["family_name"], text["family_name"])
    second = text["family_name"].where(
        text["given_name"] <= text["family_name"], text["given_name"]
    )
    add(dob & both, "dn:" + text["date_of_birth"] + ":" + first + ":" + second)
    a, b = text["given_name"].str.slice(0, 1), text["family_name"].str.slice(0, 1)
    initials = a.where(a <= b, b) + b.where(a <= b, a)
    add(dob & both, "di:" + text["date_of_birth"] + ":" + initials)
    year, postcode = present("dob_year"), present("postcode")
    add(
        given & family & year,
        "gfy:" + text["given_canonical"] + ":" + text["family_phonetic"] + ":" + text["dob_year"],
    )
    add(
        given & family & postcode,
        "gfp:" + text["given_canonical"] + ":" + text["family_phonetic"] + ":" + text["postcode"],
    )
    add(
        postcode & family & present("given_initial"),
        "pfi:" + text["postcode"] + ":" + text["family_phonetic"] + ":" + text["given_initial"],
    )
    return pd.concat(parts, ignore_index=True).drop_duplicates(["record", "key"])


def keys_add(frame, progress: Callable[[int], None] | None = None) -> int:
    """Keys for the records of a raw frame (`frames.source_records_frame()`) that have
    none yet. Returns keys written."""
    unkeyed = set(
        SourceRecord.objects.filter(is_current=True)
        .exclude(Exists(MatchKey.objects.filter(source_record=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if not unkeyed:
        return 0
    frame = frame[frame["unique_id"].astype("int64").isin(unkeyed)]
    prepared = prepare_frame(frame)
    if prepared.empty:
        return 0
    keys = keys_frame(prepared)
    writer = BulkWriter(MatchKey, ["key", "source_record"], batch_size=50_000)
    for row in zip(keys["key"].tolist(), keys["record"].tolist(), strict=True):
        writer.add(row)
    writer.flush()
    if progress:
        progress(len(prepared))
    return writer.written


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
