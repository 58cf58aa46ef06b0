"""Every metric gives the same rows on Apache Spark (local mode) as on DuckDB: the SQL transpiled
by portable.to_spark, over the same snapshot files registered the way docs/analytics.md tells a
state to register them on its cluster.

One JVM serves the whole module (about 5 s to start): the tests share an xdist group, so a
parallel run keeps them on one worker. Nothing is downloaded: no spark.jars.packages, and the
driver binds to the loopback address only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from crossroads.analytics import metrics
from crossroads.analytics.portable import to_spark
from crossroads.analytics.schema import TABLES
from tests.analytics.compat_snapshot import canonical, runs, write_compat_snapshot

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    # Without these Spark binds to the first network interface and says so at length.
    os.environ["SPARK_LOCAL_IP"] = LOOPBACK
    session = (
        SparkSession.builder.master("local[1]")
        .appName("crossroads-metrics-compat")
        .config("spark.driver.host", LOOPBACK)
        .config("spark.driver.bindAddress", LOOPBACK)
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        # Both engines read the naive UTC instants of the snapshot in UTC.
        .config("spark.sql.session.timeZone", "UTC")
        # agency=riverton-pd/month=2026-01 stay strings, as DuckDB reads them.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.log.level", "OFF")
        # Faster on tiny data: no code generation, no adaptive re-planning, a quick JIT.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def snapshot(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compatibility snapshot, each table registered as a Spark view of its files."""
    root = write_compat_snapshot(tmp_path_factory.mktemp("spark") / "snapshot")
    for name, table in TABLES.items():
        files = root / name
        if table.partitioned:
            frame = spark.read.option("basePath", str(files)).parquet(str(files))
        else:
            frame = spark.read.parquet(str(files / "data.parquet"))
        frame.createOrReplaceTempView(name)
        # Read from the files once, then from memory: ~50 queries run over the same rows.
        spark.catalog.cacheTable(name)
    return root


@cache
def periods(spark: SparkSession, first: date, last: date, by: metrics.Period) -> DataFrame:
    frame = spark.createDataFrame(
        metrics.period_rows(metrics.Filters(first, last, by)), schema="day DATE, period DATE"
    )
    return frame.cache()


def spark_rows(
    spark: SparkSession, metric: metrics.Metric, filters: metrics.Filters
) -> list[dict[str, Any]]:
    periods(spark, filters.first, filters.last, filters.by).createOrReplaceTempView("periods")
    found = spark.sql(to_spark(metric.sql), args=metric.bound(filters)).collect()
    return [row.asDict() for row in found]


def test_the_catalogue_has_metrics() -> None:
    assert len(metrics.catalogue()) >= 10


@pytest.mark.parametrize("name", sorted(metrics.catalogue()))
def test_spark_gives_duckdbs_rows(spark: SparkSession, snapshot: Path, name: str) -> None:
    metric = metrics.metric_named(name)
    duck = metrics.Engine(snapshot, threads=1)
    for filters in runs(metric):
        expected = canonical(duck.run(metric, filters))
        if filters.by == "month":
            assert expected, f"{name}: no rows on the compatibility snapshot; give it data"
        got: list[dict[str, Any]] = canonical(spark_rows(spark, metric, filters))
        assert got == expected, f"{name} by {filters.by}"
