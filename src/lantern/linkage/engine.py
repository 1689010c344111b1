"""Linking in bulk: every source record into people, and new records into existing people.

`link` runs the whole pipeline on a raw frame: prepare, block, score with Splink on
an embedded DuckDB database, decide, cluster. `link_new` links a batch of new
records to people already known, without re-clustering the world. Both take
`backend="spark"` to score on Splink's Spark backend instead (`linkage.spark`), for
a region or a national unit; the same model, the same decisions.

A scored pair is decided in three bands. At or above `link` probability it is a
link; from `review` up to `link` a human decides; below, nothing. Rules about
households override the scores and send pairs to review instead:

- a pair giving one address (a household) links automatically only when it agrees
  on first name and date of birth; with either missing, only if it also shares a
  valid identifier (a father and son of one name, one date unrecorded);
- where a home holds two people born on one day (twins: two valid NHS numbers, or
  two sexes, at one address with one date of birth), its records link only on a
  shared identifier, or on a first name only one of the twins has.

Why not "never link within a household" at all: a person's own records share an
address too (98.7% of the true links on the synthetic million do), so that would
leave nearly every link to a human. A child's record merged into their sibling's
is the worst mistake this system can make; a pair left for a reviewer costs a
minute of someone's time; the rules above are where the two meet.

Links are clustered by connected components, and a cluster that would hold two
different valid NHS numbers (or UPNs, or PNC IDs) is undone into review. The
engine never touches Django: it takes pandas frames and returns pandas frames, so
the benchmark, the command and the tests all run the same code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .model import LinkageModel, load
from .prepare import IDENTIFIERS, checked_identifiers, prepare_frame

# progress(stage, done, total): stages "prepare", "score", "decide", "cluster" in
# order, each reported (stage, 0, n) as it starts and with `done` = `total` at its end.
Progress = Callable[[str, int, int], None]

SAME_ADDRESS = "Same address and postcode"
# Levels at which two records agree on first name / date of birth for the
# household rule. "Close spelling" counts: a typo is not a different child.
GIVEN_AGREES = (
    "Same first name",
    "First name given as the family name",
    "Nickname or formal name (Bill and William)",
    "Close spelling of the first name",
)
DOB_AGREES = ("Same date of birth", "Day and month swapped (03/04 and 04/03)")


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities that divide links, reviews and nothing.

    Chosen on the synthetic borough of a million records: at 0.95 no two different
    people were linked, while the scores are honest below it (of the pairs scored
    0.90 to 0.95, 94% were the same person: mostly movers without an NHS number,
    beside namesakes born the same day). The review band down to 0.5 holds the pairs
    a human can settle.
    """

    link: float = 0.95
    review: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.link < 1:
            raise ValueError("Thresholds need 0 < review <= link < 1.")


@dataclass
class LinkResult:
    """What a linking run found.

    `pairs`: one row per scored pair at or above the review threshold, with
    unique_id_l, unique_id_r, match_weight, match_probability, decision ('link' or
    'review'), same_household, household_clash, shared_identifier,
    identifier_conflict (a link undone because its cluster held two different valid
    identifiers of one kind), and for every comparison its gamma
    (the level hit), its label and its weight (mw_), so the evidence can be shown.
    `clusters`: a Series unique_id -> cluster id for every record in the run (the
    smallest unique_id in the cluster for `link`; see `link_new` for its own ids).
    `timings`: seconds per stage. `held_for_review` (link_new only): new records a
    human must place before they join anyone.
    """

    pairs: pd.DataFrame
    clusters: pd.Series
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    held_for_review: frozenset = frozenset()

    @property
    def links(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "link"]

    @property
    def reviews(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "review"]


class _Clock:
    def __init__(self, progress: Progress | None):
        self.timings: dict[str, float] = {}
        self.progress = progress
        self.started = time.perf_counter()
        self.last = self.started

    def lap(self, stage: str) -> None:
        """Close a stage: record its seconds and report it done."""
        now = time.perf_counter()
        self.timings[stage] = round(now - self.last, 3)
        self.last = now
        self.report(stage, 1, 1)

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def finish(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self.started, 3)
        return self.timings


# ---------------------------------------------------------------- scoring


def _score(
    model: LinkageModel,
    tables: list[pd.DataFrame],
    *,
    link_type: str,
    prior: float,
    threshold: float,
    clock: _Clock,
    chunks: int,
    backend: str = "duckdb",
) -> pd.DataFrame:
    """Blocked pairs scored by Splink, at or above `threshold` probability."""
    if backend == "spark":
        return _score_on_spark(
            model,
            tables,
            link_type=link_type,
            prior=prior,
            threshold=threshold,
            clock=clock,
            chunks=chunks,
        )
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    registered = [
        db_api.register(table, table_name=f"records_{i}") for i, table in enumerate(tables)
    ]
    # Gamma (the level each comparison hit) is kept only with the matching columns;
    # the l/r values themselves are dropped in SQL below, before pandas sees them.
    settings = model.settings_for(prior=prior, link_type=link_type, retain_matching_columns=True)
    settings["retain_intermediate_calculation_columns"] = True
    linker = Linker(
        registered if len(registered) > 1 else registered[0],
        settings,
        log_level=logging.WARNING,
    )
    parts = []
    for chunk in range(1, chunks + 1):
        clock.report("score", chunk - 1, chunks)
        predicted = linker.inference.predict_chunk(
            left_chunk=(chunk, chunks),
            right_chunk=(1, 1),
            threshold_match_probability=threshold,
            warning_mode="never",
        )
        wanted = ", ".join(f'"{c}"' for c in _wanted_columns(predicted.columns, model))
        sql = f"SELECT {wanted} FROM {predicted.physical_name}"  # noqa: S608 - Splink's names
        parts.append(db_api.duckdb_con.execute(sql).df())
        predicted.drop_table_from_database_and_remove_from_cache()
    db_api.duckdb_con.close()
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _score_on_spark(
    model: LinkageModel,
    tables: list[pd.DataFrame],
    *,
    link_type: str,
    prior: float,
    threshold: float,
    clock: _Clock,
    chunks: int,
) -> pd.DataFrame:
    """The same scoring on Splink's Spark backend (see `linkage.spark`): the same
    model in Spark's SQL, the same columns back, as pandas."""
    from splink import Linker

    from . import spark

    db_api = spark.api()
    session = db_api.spark
    with spark.tidied(session):
        registered = [
            db_api.register(spark.frame(session, table), table_name=f"records_{i}")
            for i, table in enumerate(tables)
        ]
        settings = model.settings_for(
            prior=prior, link_type=link_type, retain_matching_columns=True, dialect="spark"
        )
        settings["retain_intermediate_calculation_columns"] = True
        linker = Linker(
            registered if len(registered) > 1 else registered[0],
            settings,
            log_level=logging.WARNING,
        )
        parts = []
        for chunk in range(1, chunks + 1):
            clock.report("score", chunk - 1, chunks)
            predicted = linker.inference.predict_chunk(
                left_chunk=(chunk, chunks),
                right_chunk=(1, 1),
                threshold_match_probability=threshold,
                warning_mode="never",
            )
            wanted = _wanted_columns(predicted.columns, model)
            parts.append(spark.to_pandas(session.table(predicted.physical_name).select(*wanted)))
            predicted.drop_table_from_database_and_remove_from_cache()
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _wanted_columns(columns, model: LinkageModel) -> list[str]:
    names = [c.unquote().name for c in columns]
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    for comparison in model.comparison_names:
        keep += [f"gamma_{comparison}", f"mw_{comparison}", f"mw_tf_adj_{comparison}"]
    return [c for c in keep if c in names]


# ---------------------------------------------------------------- deciding


@dataclass(frozen=True)
class TwinFlags:
    """Records whose home holds two people born on their date of birth (`home`), and
    two such people with their canonical first name too (`name`)."""

    home: frozenset[str] = frozenset()
    name: frozenset[str] = frozenset()


def _twin_flags(prepared: pd.DataFrame, checked: pd.DataFrame) -> TwinFlags:
    """Find homes with twins: two checked NHS numbers (or UPNs, or PNC IDs), or two
    sexes, among the records giving one address and one date of birth mean two
    people born the same day in one home. Only identifiers whose check holds count:
    a mistyped number is not a second child. Done in DuckDB on 64-bit hashes of the
    keys (a collision would only send a pair to review): a million records, a second.
    """
    import duckdb

    homes = prepared[
        ["unique_id", "address_key", "postcode", "date_of_birth", "given_canonical", "sex"]
    ].assign(**{column: checked[column] for column in IDENTIFIERS})
    several = " OR ".join(  # two different values, as min <> max: cheaper than distinct
        f"min({column}) <> max({column})" for column in (*IDENTIFIERS, "sex")
    )
    sql = f"""
        WITH keyed AS (
            SELECT unique_id, nhs_number, upn, pnc_id, sex,
                hash(address_key, postcode, date_of_birth) AS home,
                hash(address_key, postcode, date_of_birth, coalesce(given_canonical, ''))
                    AS named
            FROM homes
            WHERE address_key IS NOT NULL AND postcode IS NOT NULL
                AND date_of_birth IS NOT NULL
        ),
        shared AS (SELECT home FROM keyed GROUP BY home HAVING count(*) >= 2),
        candidates AS (SELECT * FROM keyed WHERE home IN (SELECT home FROM shared)),
        twin_homes AS (SELECT home FROM candidates GROUP BY home HAVING {several}),
        twin_names AS (SELECT named FROM candidates GROUP BY named HAVING {several})
        SELECT unique_id, named IN (SELECT named FROM twin_names) AS twin_name
        FROM candidates WHERE home IN (SELECT home FROM twin_homes)
    """  # noqa: S608 - column names are our constants; no value is interpolated
    with duckdb.connect() as con:
        con.register("homes", homes)
        rows = con.execute(sql).fetchall()
    return TwinFlags(
        home=frozenset(row[0] for row in rows),
        name=frozenset(row[0] for row in rows if row[1]),
    )


def _gamma_of(model: LinkageModel, comparison: str, labels: tuple[str, ...]) -> list[int]:
    return [lv["gamma"] for lv in model.levels(comparison) if lv["label_for_charts"] in labels]


def _decide(
    pairs: pd.DataFrame,
    prepared: pd.DataFrame,
    twins: TwinFlags,
    model: LinkageModel,
    thresholds: Thresholds,
    origin: pd.Series | None = None,
) -> pd.DataFrame:
    """Add same_household, household_clash, labels and the decision to scored pairs.

    Within one household (same address and postcode) a pair is a clash, and goes to
    review, when first name or date of birth disagree; when either is missing and
    no valid identifier is shared (a father and son of one name, one date missing);
    when the home holds twins and the pair neither shares an identifier nor
    carries the one first name only one twin has; or, given `origin` (unique_id ->
    the agency that sent the record, for frames from several agencies), when one
    agency holds both records and they share no identifier. An agency that holds two
    records at one address has usually been told about two people (twins given one
    name by a tired clerk); when it is one person twice, a human should say so.
    """
    if pairs.empty:
        for column, dtype in (
            ("decision", object),
            ("same_household", bool),
            ("household_clash", bool),
            ("shared_identifier", bool),
            ("identifier_conflict", bool),
            *((f"label_{name}", object) for name in model.comparison_names),
        ):
            pairs[column] = pd.Series(dtype=dtype)
        return pairs
    names = model.comparison_names

    def hit(comparison: str, labels: tuple[str, ...]) -> pd.Series:
        return pairs[f"gamma_{comparison}"].isin(_gamma_of(model, comparison, labels))

    same_home = hit("address", (SAME_ADDRESS,))
    given_agrees = hit("given_name", GIVEN_AGREES)
    dob_agrees = hit("date_of_birth", DOB_AGREES)
    unconfirmed = (pairs["gamma_given_name"] == -1) | (pairs["gamma_date_of_birth"] == -1)
    contradicts = ~(given_agrees | (pairs["gamma_given_name"] == -1)) | ~(
        dob_agrees | (pairs["gamma_date_of_birth"] == -1)
    )
    shared_identifier = pd.Series(False, index=pairs.index)
    for identifier in IDENTIFIERS:
        if identifier in names:
            top = max(lv["gamma"] for lv in model.levels(identifier))
            shared_identifier |= pairs[f"gamma_{identifier}"] == top

    # The twin rule, on the few candidate pairs only.
    candidate = same_home & dob_agrees & ~shared_identifier
    candidate &= pairs["unique_id_l"].isin(twins.home) | pairs["unique_id_r"].isin(twins.home)
    twin_clash = pd.Series(False, index=pairs.index)
    if candidate.any():
        subset = pairs.loc[candidate, ["unique_id_l", "unique_id_r"]]
        canonical = prepared.set_index("unique_id")["given_canonical"]
        wanted = pd.unique(subset.to_numpy().ravel())
        canonical = canonical.reindex(wanted)
        one_twin_name = (
            (
                subset["unique_id_l"].map(canonical).to_numpy()
                == subset["unique_id_r"].map(canonical).to_numpy()
            )
            & ~subset["unique_id_l"].isin(twins.name).to_numpy()
            & ~subset["unique_id_r"].isin(twins.name).to_numpy()
        )
        twin_clash.loc[candidate] = ~one_twin_name
    clash = (same_home & (contradicts | (unconfirmed & ~shared_identifier))) | twin_clash
    if origin is not None:
        held_twice = same_home & ~shared_identifier & ~clash
        if held_twice.any():
            subset = pairs.loc[held_twice, ["unique_id_l", "unique_id_r"]]
            clash.loc[held_twice] = (
                subset["unique_id_l"].map(origin).to_numpy()
                == subset["unique_id_r"].map(origin).to_numpy()
            )

    pairs["same_household"] = same_home.to_numpy()
    pairs["household_clash"] = clash.to_numpy()
    pairs["shared_identifier"] = shared_identifier.to_numpy()
    pairs["identifier_conflict"] = False
    linked = (pairs["match_probability"] >= thresholds.link) & ~clash
    pairs["decision"] = np.where(linked, "link", "review")
    labels = model.labels()
    for comparison in names:
        pairs[f"label_{comparison}"] = pd.Categorical(
            pairs[f"gamma_{comparison}"].map(labels[comparison])
        )
    return pairs


def _origin(prepared: pd.DataFrame) -> pd.Series:
    """unique_id -> the agency (source dataset) that sent the record."""
    return pd.Series(prepared["source_dataset"].to_numpy(), index=prepared["unique_id"].to_numpy())


# ---------------------------------------------------------------- clustering


def connected_components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component root for each of n nodes joined by edges (left[i], right[i]).

    Hook-and-compress in numpy: each round points every edge's larger root at its
    smaller one, then halves paths until every node points at its root. A few
    rounds suffice for the shallow clusters linkage makes (a million nodes in well
    under a second), with no dependency beyond numpy.
    """
    parent = np.arange(n)
    if len(left) == 0:
        return parent
    while True:
        root_l, root_r = parent[left], parent[right]
        differ = root_l != root_r
        if not differ.any():
            return parent
        low = np.minimum(root_l[differ], root_r[differ])
        high = np.maximum(root_l[differ], root_r[differ])
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def _clusters(unique_ids: pd.Series, links: pd.DataFrame) -> pd.Series:
    """unique_id -> cluster id: the smallest unique_id in its cluster (so the same
    clusters get the same ids run after run)."""
    ids = np.sort(unique_ids.to_numpy())
    index = pd.Index(ids)
    left = index.get_indexer(links["unique_id_l"].to_numpy())
    right = index.get_indexer(links["unique_id_r"].to_numpy())
    roots = connected_components(len(ids), left, right)
    return pd.Series(ids[roots], index=index, name="cluster_id").rename_axis("unique_id")


def _cluster_without_conflicts(
    pairs: pd.DataFrame, prepared: pd.DataFrame, checked: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series]:
    """Cluster the links; where a cluster would hold two different valid NHS numbers
    (or UPNs, or PNC IDs), a chain of links has joined two people. Its links not
    backed by a shared identifier go to review instead, and the cluster is redone
    (at the second attempt, all its links).

    Rare (one cluster in a million records on the synthetic borough), but a chain is
    how two children end up as one without any single pair looking wrong. Only
    identifiers whose check holds count. Done on integer positions in numpy: a
    million records take about a second.
    """
    order = np.argsort(prepared["unique_id"].to_numpy(), kind="stable")
    ids = prepared["unique_id"].to_numpy()[order]
    index = pd.Index(ids)
    left = index.get_indexer(pairs["unique_id_l"].to_numpy())
    right = index.get_indexer(pairs["unique_id_r"].to_numpy())
    # Each checked identifier as integer codes in the same order (-1: none).
    codes = [
        pd.factorize(checked[identifier].to_numpy()[order], use_na_sentinel=True)[0]
        for identifier in IDENTIFIERS
        if checked[identifier].notna().any()
    ]
    is_link = (pairs["decision"] == "link").to_numpy()
    roots = connected_components(len(ids), left[is_link], right[is_link])
    for attempt in range(2):
        conflicted = np.zeros(len(ids), dtype=bool)
        for code in codes:
            held = code >= 0
            low = np.full(len(ids), np.iinfo(np.int64).max)
            high = np.full(len(ids), -1)
            np.minimum.at(low, roots[held], code[held])
            np.maximum.at(high, roots[held], code[held])
            conflicted |= high > low
        if not conflicted.any():
            break
        demote = is_link & conflicted[roots[left]]
        if attempt == 0:
            demote &= ~pairs["shared_identifier"].to_numpy()
        pairs.loc[demote, "decision"] = "review"
        pairs.loc[demote, "identifier_conflict"] = True
        is_link &= ~demote
        roots = connected_components(len(ids), left[is_link], right[is_link])
    # A component's root is its smallest position, so its smallest unique_id.
    clusters = pd.Series(ids[roots], index=index, name="cluster_id").rename_axis("unique_id")
    return pairs, clusters


# ---------------------------------------------------------------- the runs

BACKENDS = ("duckdb", "spark")


def backend_check(backend: str) -> None:
    """Refuse an unknown backend, and for Spark start it now: `SparkUnavailable`
    (no pyspark, no Java) is raised before a run has written anything."""
    if backend not in BACKENDS:
        raise ValueError(f"backend is one of {', '.join(BACKENDS)}, not {backend!r}.")
    if backend == "spark":
        from . import spark

        spark.api()


def link(
    frame: pd.DataFrame,
    *,
    model: LinkageModel | None = None,
    mode: str = "dedupe",
    thresholds: Thresholds | None = None,
    prior: float | None = None,
    chunks: int | None = None,
    progress: Progress | None = None,
    backend: str = "duckdb",
) -> LinkResult:
    """Link every record in a raw frame into clusters of the same person.

    mode "dedupe" compares every record with every other (one agency's duplicates
    included); "link" compares only records from different `source_dataset`s. The
    prior defaults to the model's, scaled to this frame's size. `chunks` splits the
    scoring to bound memory on very large frames, at a cost in time (four chunks
    took four times as long at a million records), so the default is one.
    `backend` "spark" scores on Splink's Spark backend (`linkage.spark`) instead of
    an embedded DuckDB; everything else is the same code.
    """
    if mode not in ("dedupe", "link"):
        raise ValueError('mode is "dedupe" or "link".')
    backend_check(backend)
    model = model or load()
    thresholds = thresholds or Thresholds()
    clock = _Clock(progress)
    clock.report("prepare", 0, 1)
    prepared = prepare_frame(frame)
    clock.lap("prepare")
    if mode == "link":
        sizes = prepared.groupby("source_dataset").size()
        if len(sizes) != 2:
            raise ValueError('mode "link" needs exactly two source_dataset values.')
        tables = [group for _, group in prepared.groupby("source_dataset", sort=True)]
        prior = prior or model.prior_for(int(sizes.iloc[0]), mode="link", other=int(sizes.iloc[1]))
        link_type = "link_only"
    else:
        tables = [prepared]
        prior = prior or model.prior_for(len(prepared))
        link_type = "dedupe_only"
    chunks = chunks or 1
    pairs = _score(
        model,
        tables,
        link_type=link_type,
        prior=prior,
        threshold=thresholds.review,
        clock=clock,
        chunks=chunks,
        backend=backend,
    )
    clock.lap("score")
    clock.report("decide", 0, 1)
    checked = checked_identifiers(prepared)
    twins = _twin_flags(prepared, checked)
    origin = (
        _origin(prepared) if mode == "dedupe" and prepared["source_dataset"].nunique() > 1 else None
    )
    pairs = _decide(pairs, prepared, twins, model, thresholds, origin)
    clock.lap("decide")
    clock.report("cluster", 0, 1)
    pairs, clusters = _cluster_without_conflicts(pairs, prepared, checked)
    clock.lap("cluster")
    return LinkResult(
        pairs=pairs,
        clusters=clusters,
        timings=clock.finish(),
        counts={
            "records": len(prepared),
            "pairs": len(pairs),
            "links": int((pairs["decision"] == "link").sum()),
            "reviews": int((pairs["decision"] == "review").sum()),
            "clusters": int(clusters.nunique()),
        },
    )


def link_new(
    new_frame: pd.DataFrame,
    existing_frame: pd.DataFrame,
    *,
    existing_clusters: Mapping | pd.Series | None = None,
    model: LinkageModel | None = None,
    thresholds: Thresholds | None = None,
    prior: float | None = None,
    progress: Progress | None = None,
    backend: str = "duckdb",
) -> LinkResult:
    """Link new records to people already known, leaving existing people as they are.

    Each new record is scored against the existing records (and the other new ones).
    It joins the existing cluster it links to best, unless a record of that cluster
    clashes with it (same household, different child); with only grey-zone pairs or
    a clash it goes to review; with nothing it starts a new cluster, shared with any
    new records it links to. A new record that would join two existing people goes
    to review: merging people is a human's decision.

    `existing_clusters` maps existing unique_id -> cluster (person) id; by default
    each existing record is its own cluster. `clusters` in the result covers the new
    records only; a new cluster's id is "new:" and its smallest unique_id. `backend`
    is as for `link`.
    """
    backend_check(backend)
    model = model or load()
    thresholds = thresholds or Thresholds()
    clock = _Clock(progress)
    new, existing = prepare_frame(new_frame), prepare_frame(existing_frame)
    origin = _origin(pd.concat([existing, new], ignore_index=True))
    origin = origin if origin.nunique() > 1 else None
    new = new.assign(source_dataset="new")
    existing = existing.assign(source_dataset="existing")
    clock.lap("prepare")
    clusters_of = (
        pd.Series(existing_clusters) if existing_clusters is not None else pd.Series(dtype=object)
    )
    prior = prior or model.prior_for(len(new), mode="link", other=len(existing))
    across = _score(
        model,
        [existing, new],
        link_type="link_only",
        prior=prior,
        threshold=thresholds.review,
        clock=clock,
        chunks=1,
        backend=backend,
    )
    within = (
        _score(
            model,
            [new],
            link_type="dedupe_only",
            prior=model.prior_for(len(existing) + len(new)),
            threshold=thresholds.review,
            clock=clock,
            chunks=1,
            backend=backend,
        )
        if len(new) > 1
        else pd.DataFrame()
    )
    clock.lap("score")
    both = pd.concat([existing, new], ignore_index=True)
    checked = checked_identifiers(both)
    twins = _twin_flags(both, checked)
    across = _orient(_decide(across, both, twins, model, thresholds, origin), set(new["unique_id"]))
    within = _decide(within, both, twins, model, thresholds, origin) if not within.empty else within
    clock.lap("decide")

    known = across["unique_id_r"].map(clusters_of) if len(clusters_of) else across["unique_id_r"]
    across["cluster_r"] = known.where(known.notna(), across["unique_id_r"])
    # The clusters each new record clashes with can never be joined automatically.
    clashing = set(
        zip(
            across.loc[across["household_clash"], "unique_id_l"],
            across.loc[across["household_clash"], "cluster_r"],
            strict=True,
        )
    )
    joins: dict[object, object] = {}
    held: set = set()
    # The best link first; between equal weights (two copies of one record) the
    # smallest id, so the choice never rests on the order the scorer returned.
    candidates = across[across["decision"] == "link"].sort_values(
        ["match_weight", "unique_id_r"], ascending=[False, True], kind="stable"
    )
    for unique_id, group in candidates.groupby("unique_id_l", sort=False):
        best = group.iloc[0]["cluster_r"]
        if (unique_id, best) in clashing:
            held.add(unique_id)
        else:
            joins[unique_id] = best
    # Grey-zone pairs with no link anywhere: a human places the record.
    grey = set(across.loc[across["decision"] == "review", "unique_id_l"])
    held.update(grey - set(joins))

    checked_existing = checked.iloc[: len(existing)].assign(
        unique_id=existing["unique_id"].to_numpy()
    )
    existing_ids = _identifiers_by_cluster(checked_existing, clusters_of, set(joins.values()))
    new_ids = checked.iloc[len(existing) :].set_index(new["unique_id"].to_numpy())
    links_within = (
        within[within["decision"] == "link"]
        if not within.empty
        else pd.DataFrame({"unique_id_l": [], "unique_id_r": []})
    )
    roots = _clusters(new["unique_id"], links_within)
    components: dict[object, list[object]] = {}
    for unique_id in sorted(new["unique_id"]):
        components.setdefault(roots[unique_id], []).append(unique_id)
    clusters: dict[object, object] = {}
    for root, members in components.items():
        joined = {joins[m] for m in members if m in joins}
        target = next(iter(joined)) if len(joined) == 1 else None
        values = [existing_ids.get(target, {})] if target is not None else []
        values += [new_ids.loc[m].dropna().to_dict() for m in members]
        clashes = target is not None and any((m, target) in clashing for m in members)
        if len(joined) > 1 or clashes or _identifiers_conflict(values):
            # These records would merge existing people, carry into a person a record
            # held apart from them as one of their household, or join two different
            # NHS numbers (or UPNs, or PNC IDs) as one person: a human decides.
            held.update(members)
            for member in members:
                clusters[member] = f"new:{member}"
            continue
        for member in members:
            clusters[member] = target if target is not None else f"new:{root}"
    pairs = pd.concat([across.drop(columns=["cluster_r"]), within], ignore_index=True)
    clock.lap("cluster")
    result = pd.Series(clusters, name="cluster_id", dtype=object).rename_axis("unique_id")
    fresh = result.astype(str).str.startswith("new:")
    return LinkResult(
        pairs=pairs,
        clusters=result,
        timings=clock.finish(),
        counts={
            "records": len(new),
            "joined_existing": int((~fresh).sum()),
            "new_clusters": int(result[fresh].nunique()),
            "held_for_review": len(held),
        },
        held_for_review=frozenset(held),
    )


def _identifiers_by_cluster(
    existing: pd.DataFrame, clusters_of: pd.Series, wanted: set
) -> dict[object, dict[str, set]]:
    """The valid identifiers each wanted existing cluster holds, scheme by scheme."""
    if not wanted:
        return {}
    ids = existing["unique_id"]
    cluster = ids.map(clusters_of) if len(clusters_of) else ids
    cluster = cluster.where(cluster.notna(), ids)
    rows = existing.loc[cluster.isin(wanted).to_numpy(), ["unique_id", *IDENTIFIERS]]
    rows = rows.assign(cluster=cluster[cluster.isin(wanted)].to_numpy())
    held: dict[object, dict[str, set]] = {}
    for identifier in IDENTIFIERS:
        present = rows[rows[identifier].notna()]
        for key, value in zip(present["cluster"], present[identifier], strict=True):
            held.setdefault(key, {}).setdefault(identifier, set()).add(value)
    return held


def _identifiers_conflict(holdings: list[dict]) -> bool:
    """Do these records (or clusters) hold two different values of one identifier?"""
    seen: dict[str, set] = {}
    for holding in holdings:
        for scheme, values in holding.items():
            seen.setdefault(scheme, set()).update(values if isinstance(values, set) else {values})
    return any(len(values) > 1 for values in seen.values())


def _orient(pairs: pd.DataFrame, new_ids: set[str]) -> pd.DataFrame:
    """Put the new record on the left of every pair (Splink orders by dataset name)."""
    if pairs.empty:
        return pairs
    flip = ~pairs["unique_id_l"].isin(new_ids)
    if flip.any():
        left = pairs.loc[flip, "unique_id_l"].copy()
        pairs.loc[flip, "unique_id_l"] = pairs.loc[flip, "unique_id_r"]
        pairs.loc[flip, "unique_id_r"] = left
    return pairs
