"""The three methods, each run the way its own documentation shows.

Every runner takes the dataset's records (see `datasets.RECORD_COLUMNS`) and returns an
`Outcome`: the pairs it decided (unique_id_l, unique_id_r, decision in link/review), its
clusters (unique_id -> cluster id), and its own timings and notes.

The two baselines see the same records after the same trivial cleaning (lower case,
trimmed text, upper-case postcodes) and block on the same rules (`BLOCKING_RULES`), so
they differ only in how they compare and score.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .metrics import connected_components

# Candidate pairs for both baselines: a true pair is missed only if it fails all of these.
# On FEBRL3 they admit 98% of the true pairs, on the borough 99.9%.
BLOCKING_RULES = [
    ("nhs_number",),
    ("given_name", "family_name", "dob_year"),
    ("date_of_birth", "family_name"),
    ("date_of_birth", "given_name"),
    ("postcode", "given_name", "family_name"),
    ("date_of_birth", "postcode"),
]
THRESHOLD = 0.5
EM_RULES = [("given_name", "family_name"), ("date_of_birth",)]
EM_MAX_PAIRS = 5e6
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


@dataclass
class Outcome:
    pairs: pd.DataFrame  # unique_id_l, unique_id_r, decision
    clusters: pd.Series  # unique_id -> cluster id (records left out are singletons)
    seconds: float  # training and linking, the input already in memory
    notes: dict = field(default_factory=dict)


class NotAvailable(Exception):
    """The method cannot run here; the message says why."""


# ------------------------------------------------------------------ shared cleaning
def baseline_clean(records: pd.DataFrame) -> pd.DataFrame:
    frame = records.copy()
    for column in ["given_name", "family_name", "address", "town", "sex"]:
        frame[column] = _text(frame[column]).str.lower()
    for column in ["postcode", "nhs_number", "upn", "pnc_id"]:
        frame[column] = _text(frame[column]).str.upper()
    frame["date_of_birth"] = _text(frame["date_of_birth"])
    frame["dob_year"] = frame["date_of_birth"].str[:4]
    for column in frame.columns.drop("unique_id"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _text(values: pd.Series) -> pd.Series:
    values = values.astype("string").str.strip()
    return values.where(values != "")


def _present(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].notna().any())


def _split_for_linking(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    parts = list(frame.groupby("source_dataset", sort=True))
    if len(parts) != 2:
        raise ValueError(f"linking needs two source datasets, not {len(parts)}")
    return parts


# ------------------------------------------------------------------ plain Splink
def splink_settings(frame: pd.DataFrame, mode: str):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    postcodes = frame["postcode"].dropna()
    british = postcodes.str.match(UK_POSTCODE).mean() > 0.5 if len(postcodes) else False
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.PostcodeComparison("postcode") if british else cl.ExactMatch("postcode"),
        cl.LevenshteinAtThresholds("address", [1, 3]),
        cl.ExactMatch("town"),
    ]
    for column in ["sex", "nhs_number", "upn", "pnc_id"]:
        if _present(frame, column):
            comparisons.append(cl.ExactMatch(column))
    return SettingsCreator(
        link_type="link_only" if mode == "link" else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING_RULES],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def run_splink(records: pd.DataFrame, mode: str) -> Outcome:
    """Splink 5 on DuckDB with the comparison library's standard comparisons.

    Trained the way Splink's tutorials train: lambda from a deterministic rule (recall
    0.7), u by random sampling (5M pairs), m by EM on two blocking rules (at most 5M
    pairs each); predictions at probability 0.5, clusters by connected components at 0.5.
    """
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    frame = baseline_clean(records).drop(columns=["source_dataset"])
    db_api = DuckDBAPI()
    if mode == "link":
        inputs = [
            db_api.register(part.drop(columns=["source_dataset"]), dataset_display_name=name)
            for name, part in _split_for_linking(baseline_clean(records))
        ]
    else:
        inputs = db_api.register(frame, dataset_display_name="records")
    linker = Linker(inputs, splink_settings(frame, mode), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.7
    )
    # Unseeded: Splink's seeded sampling took twice as long at 100k and far longer at 1M.
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
    for rule in EM_RULES:
        # max_pairs: Splink 5's own cap on EM's pairs; it bites only at 1M, where the
        # borough's few names make these blocks 17M and 37M pairs (over 10 minutes).
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), max_pairs=EM_MAX_PAIRS
        )
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    pairs = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r"]]
    clusters = clustered.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    seconds = time.perf_counter() - started
    pairs = pairs.assign(decision="link")
    return Outcome(
        pairs=pairs,
        clusters=clusters.set_index("unique_id")["cluster_id"],
        seconds=seconds,
        notes={"train_seconds": round(trained - started, 2)},
    )


# ------------------------------------------------------------------ recordlinkage ECM
def run_ecm(records: pd.DataFrame, mode: str) -> Outcome:
    """The recordlinkage toolkit: its own block index, binary comparisons, ECM.

    Comparisons as in the toolkit's FEBRL example: exact given name, family name by
    Jaro-Winkler >= 0.85, exact date of birth, postcode, town and identifier, address by
    string similarity >= 0.85. Missing values count as disagreement (its default).
    Clusters by connected components of the predicted matches.
    """
    import recordlinkage

    started = time.perf_counter()
    frame = baseline_clean(records).set_index("unique_id")
    indexer = recordlinkage.Index()
    for rule in BLOCKING_RULES:
        indexer.block(left_on=list(rule))
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string(
        "family_name", "family_name", method="jarowinkler", threshold=0.85, label="family_name"
    )
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("postcode", "postcode", label="postcode")
    compare.string("address", "address", threshold=0.85, label="address")
    compare.exact("town", "town", label="town")
    compare.exact("nhs_number", "nhs_number", label="nhs_number")
    if mode == "link":
        (_, left), (_, right) = _split_for_linking(frame.reset_index())
        left, right = left.set_index("unique_id"), right.set_index("unique_id")
        candidates = indexer.index(left, right)
        features = compare.compute(candidates, left, right)
    else:
        candidates = indexer.index(frame)
        features = compare.compute(candidates, frame)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    matches = classifier.fit_predict(features)
    left_ids = matches.get_level_values(0).to_numpy(dtype=np.int64)
    right_ids = matches.get_level_values(1).to_numpy(dtype=np.int64)
    clusters = connected_components(frame.index.to_numpy(), left_ids, right_ids)
    seconds = time.perf_counter() - started
    pairs = pd.DataFrame({"unique_id_l": left_ids, "unique_id_r": right_ids, "decision": "link"})
    return Outcome(
        pairs=pairs,
        clusters=clusters,
        seconds=seconds,
        notes={"candidate_pairs": len(candidates)},
    )


# ------------------------------------------------------------------ Lantern


def run_lantern(records: pd.DataFrame | None, mode: str) -> Outcome:
    """Lantern's engine. With `records` (FEBRL) it trains its model on them first; with
    None (the borough) it reads the source records itself and uses its saved model."""
    from lantern.linkage import engine
    from lantern.linkage import model as linkage_model
    from lantern.linkage.frames import source_records_frame
    from lantern.linkage.prepare import RAW_COLUMNS

    notes: dict = {}
    if records is None:
        started = time.perf_counter()
        frame = source_records_frame()
        notes["read_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        result = engine.link(frame, mode=mode)
    else:
        frame = records[list(RAW_COLUMNS)].copy()
        started = time.perf_counter()
        model = linkage_model.train(frame)
        notes["train_seconds"] = round(time.perf_counter() - started, 2)
        result = engine.link(frame, mode=mode, model=model)
    seconds = time.perf_counter() - started
    for name in ("timings", "counts"):
        if isinstance(getattr(result, name, None), dict):
            notes[name] = dict(getattr(result, name))
    pairs = pd.DataFrame(result.pairs)[["unique_id_l", "unique_id_r", "decision"]]
    return Outcome(
        pairs=pairs,
        clusters=_clusters_series(result.clusters),
        seconds=seconds,
        notes=notes,
    )


def _clusters_series(clusters) -> pd.Series:
    """Accept a Series (unique_id -> cluster) or a frame with unique_id and a cluster column."""
    if isinstance(clusters, pd.Series):
        return clusters
    frame = pd.DataFrame(clusters)
    label = next((c for c in ["cluster_id", "cluster", "person"] if c in frame.columns), None)
    if "unique_id" not in frame.columns or label is None:
        raise NotAvailable(f"clusters have columns {list(frame.columns)}: no unique_id/cluster_id")
    return frame.set_index("unique_id")[label]
