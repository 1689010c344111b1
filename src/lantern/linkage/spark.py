"""Splink on Spark: the same model, for a region or a national unit.

The engine scores on an embedded DuckDB database by default. With `backend="spark"`
it scores on Splink's Spark backend instead: the model file is the same, and
`LinkageModel.settings_for(dialect="spark")` rewrites each level's SQL for Spark
(backtick quoting, `arrays_overlap` for DuckDB's `list_has_any`, and the two string
functions below). Only scoring moves: the pairs above the review threshold come
back as a pandas frame and are decided and clustered by the same code as DuckDB's.

The string functions must give DuckDB's numbers, or a pair would fall in another
level on Spark than on DuckDB:

- Damerau-Levenshtein is the one in the jar Splink ships (registered by Splink);
  it is the unrestricted distance, as DuckDB's is.
- Jaro-Winkler is NOT the jar's. The jar uses Apache Commons Text, which takes
  an odd count k of half-transpositions as t = k / 2, where DuckDB and jellyfish
  round down (t = k // 2). Such pairs score up to 0.09 lower with the jar, enough
  to cross the 0.9 of a close spelling: "christopher" and "chrostopehr" are 0.911
  on DuckDB and 0.899 with the jar. So the model's Spark SQL calls
  `lantern_jaro_winkler`, jellyfish's Jaro-Winkler (the front door's scorer uses it
  too) as a vectorised pandas UDF. On a cluster the executors need jellyfish and
  pyarrow installed; both are Lantern dependencies.

`session()` gives a local Spark (the driver is the executor, one thread per core)
sized for one machine, or the session already running when Lantern is submitted to
a cluster (`spark-submit --jars` with the jar from `similarity_jar_location()`).
pyspark is the `spark` extra (`pip install 'lantern[spark]'`, included in dev) and
needs Java 17 or later.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .model import FUNCTIONS
from .prepare import PREPARED_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from splink.backends.spark import SparkAPI

INSTALL_HINT = "Linking on Spark needs pyspark (pip install 'lantern[spark]') and Java 17 or later."
JARO_WINKLER = FUNCTIONS["spark"]["jaro_winkler"]
# What the model's Spark SQL calls that Spark itself lacks (it has `levenshtein`
# and `arrays_overlap` built in).
NEEDED_FUNCTIONS = (JARO_WINKLER, FUNCTIONS["spark"]["damerau_levenshtein"])


class SparkUnavailable(RuntimeError):
    """Spark cannot run here: pyspark or Java is missing, or the jar is not loaded."""


def session(
    *,
    cores: int | None = None,
    memory: str | None = None,
    shuffle_partitions: int | None = None,
    fast_start: bool = False,
) -> SparkSession:
    """The active SparkSession, or a new local one for this machine.

    A new session runs `local[cores]` (all cores by default) with `memory` for the
    driver, which in local mode is also the executor (LANTERN_SPARK_MEMORY, else a
    quarter of the machine's memory, at least 2g). Shuffles use `shuffle_partitions`
    (four per core by default rather than Spark's 200, which on two cores spends
    more time scheduling empty tasks than working; adaptive execution merges small
    ones further). It listens on 127.0.0.1 only, has no web UI or console progress
    bar, carries Splink's similarity jar, and runs its Python workers on this
    interpreter (so they import the same jellyfish and pyarrow).

    `fast_start` trades speed on large data for a JVM that starts sooner: the JIT
    stops at its quick compiler (C1) and Spark interprets queries rather than
    compiling each to Java first. Right for tests and small frames, wrong for a
    region.

    Settings apply only when this call starts Spark; an existing session (the
    tests', or spark-submit's) is returned as it is.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:
        raise SparkUnavailable(INSTALL_HINT) from error

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    cores = cores or os.cpu_count() or 2
    memory = memory or os.environ.get("LANTERN_SPARK_MEMORY") or _quarter_of_memory()
    partitions = shuffle_partitions or 4 * cores
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("lantern-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        .config("spark.driver.maxResultSize", memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        # Spark makes its (here unused) warehouse folder in the working directory.
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "lantern-spark"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if fast_start:
        builder = builder.config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        builder = builder.config("spark.sql.codegen.wholeStage", "false")
    # Read by Spark before any setting: its address (on a machine whose name
    # resolves to 127.0.0.1 it would otherwise pick the first network interface),
    # and the Python its workers run ("python3" on the PATH, without our packages).
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # pyspark raises a bare PySparkRuntimeError without Java
        raise SparkUnavailable(f"{INSTALL_HINT} Starting Spark failed: {error}") from error
    spark.sparkContext.setLogLevel("ERROR")
    # py4j says INFO on every connection it closes, even at interpreter exit.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return spark


def _quarter_of_memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2g"
    return f"{max(2, total // 4 // 2**30)}g"


def api(spark: SparkSession | None = None) -> SparkAPI:
    """Splink's SparkAPI on `spark` (by default `session()`), with the functions the
    model calls registered and checked: Splink only warns when the jar's are
    missing, and the model would then fail halfway through scoring.

    Intermediate tables are persisted (memory, spilling to disk) rather than written
    to parquet, Splink's default off Databricks, which needs a checkpoint directory
    and costs a write and a read per table.
    """
    spark = spark or session()  # first: it explains a missing pyspark
    from splink.backends.spark import SparkAPI

    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    register_jaro_winkler(spark)
    missing = [name for name in NEEDED_FUNCTIONS if not spark.catalog.functionExists(name)]
    if missing:
        raise SparkUnavailable(
            f"Spark has no {', '.join(missing)}: start it with Splink's jar on its "
            "classpath (spark.jars = splink.backends.spark.similarity_jar_location())."
        )
    return db_api


def register_jaro_winkler(spark: SparkSession) -> None:
    """Register `lantern_jaro_winkler(a, b)`: jellyfish's Jaro-Winkler similarity, the
    same numbers as DuckDB's `jaro_winkler_similarity`, null when either is null.

    A pandas UDF: Spark hands it Arrow batches of both columns. Defined inside this
    function so it is shipped to the workers by value, needing only pandas and
    jellyfish there, not Lantern itself.
    """
    from pyspark.sql.functions import pandas_udf

    def jaro_winkler(left: pd.Series, right: pd.Series) -> pd.Series:
        import jellyfish

        return pd.Series(
            [
                None if a is None or b is None else jellyfish.jaro_winkler_similarity(a, b)
                for a, b in zip(left, right, strict=True)
            ],
            dtype="Float64",
        )

    spark.udf.register(JARO_WINKLER, pandas_udf(jaro_winkler, "double"))


def frame(spark: SparkSession, prepared: pd.DataFrame) -> DataFrame:
    """A prepared pandas frame as a Spark DataFrame with an explicit schema.

    Inferring one fails on a column with no values (a borough without PNC IDs) and
    guesses from a sample; every prepared column is text except `given_forms` (a
    list of names) and `unique_id` (integer when the frame's ids are integers).
    Goes through Arrow, so a million rows take seconds, not minutes.

    The frame is then checkpointed locally (held by the executors, its lineage cut).
    Spark 4 keeps data from Python as a LocalRelation inside the query plan, and its
    optimiser evaluates projections over one on the driver, again whenever a query
    is planned; Splink plans a dozen, each reading the records several times. At
    100,000 records a run took over 200 seconds that way, about 20 checkpointed.
    `tidied` releases the checkpoint when the run ends.
    """
    import pyarrow as pa

    integer_ids = pd.api.types.is_integer_dtype(prepared["unique_id"])
    types = {"given_forms": pa.list_(pa.string())}
    if integer_ids:
        types["unique_id"] = pa.int64()
    schema = pa.schema([pa.field(c, types.get(c, pa.string())) for c in PREPARED_COLUMNS])
    table = pa.Table.from_pandas(
        prepared[list(PREPARED_COLUMNS)], schema=schema, preserve_index=False
    )
    return spark.createDataFrame(table).localCheckpoint()


@contextmanager
def tidied(spark: SparkSession) -> Iterator[None]:
    """When a run ends, release what it held: the data Splink persisted, the
    temporary views it made (Splink's tables and our inputs) and the checkpointed
    inputs. Splink persists one table under a plan no view names (the blocked
    pairs, repartitioned after persisting), so the whole cache is cleared, first
    (dropping a view that is still cached makes Spark re-plan what depends on it):
    the session is the linking job's, not shared."""
    views, checkpoints = _views(spark), _persisted(spark)
    try:
        yield
    finally:
        spark.catalog.clearCache()
        for name in _views(spark) - views:
            spark.catalog.dropTempView(name)
        for rdd_id, rdd in _persisted(spark).items():
            if rdd_id not in checkpoints:
                rdd.unpersist(False)


def _views(spark: SparkSession) -> set[str]:
    return {table.name for table in spark.catalog.listTables() if table.isTemporary}


def _persisted(spark: SparkSession) -> dict:
    """The persisted RDDs (local checkpoints among them), by id, as Java objects."""
    return dict(spark.sparkContext._jsc.getPersistentRDDs().items())


def to_pandas(spark_frame: DataFrame) -> pd.DataFrame:
    """A Spark result as pandas, through Arrow: the same column types as DuckDB's
    (32-bit gamma levels, 64-bit weights), so the engine decides on either alike."""
    return spark_frame.toPandas()
