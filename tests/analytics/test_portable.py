"""The metric SQL is portable: every metric transpiles to Spark, PostgreSQL and SQLite, and run
directly on the operational database (the benchmark's baseline; SQLite or PostgreSQL, whichever
the suite runs on) it gives the rows DuckDB gives over the snapshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from django.db import connection

from crossroads.analytics import metrics
from crossroads.analytics.portable import (
    UnportableSQL,
    sqlite_functions,
    sqlite_parameters,
    sqlite_value,
    to_postgres,
    to_spark,
    to_sqlite,
)
from crossroads.analytics.schema import TABLES
from tests.analytics.compat_snapshot import canonical, runs, write_compat_snapshot

TRANSPILERS = {"spark": to_spark, "postgres": to_postgres, "sqlite": to_sqlite}


def test_every_metric_transpiles_to_every_engine() -> None:
    assert metrics.catalogue(), "no metric files found"
    for name, metric in metrics.catalogue().items():
        for engine, transpile in TRANSPILERS.items():
            try:
                transpile(metric.sql)
            except UnportableSQL as error:
                pytest.fail(f"{name} on {engine}: {error}")


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT date_diff('minute', a, b) FROM t", "units other than days"),
        ("SELECT a FROM t QUALIFY row_number() OVER () = 1", "QUALIFY"),
        ("SELECT dayofweek(d) FROM t", "day of the week"),
        ("SELECT extract(dow FROM d) FROM t", "day of the week"),
        ("SELECT quantile_disc(x, 0.5) FROM t", "quantile_disc"),
        ("SELECT approx_quantile(x, 0.5) FROM t", "approx_quantile"),
        ("SELECT a // b FROM t", "integer division"),
    ],
)
def test_what_would_answer_differently_is_refused(sql: str, problem: str) -> None:
    for transpile in TRANSPILERS.values():
        with pytest.raises(UnportableSQL, match=problem):
            transpile(sql)


def test_spark_gets_exact_quantiles_and_fractional_seconds() -> None:
    spark = to_spark(
        "SELECT quantile_cont(CAST(epoch(b) - epoch(a) AS DOUBLE) / 60, 0.9), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY x), median(x) FROM t WHERE a = $area"
    )
    assert "PERCENTILE(CAST(CAST(UNIX_MICROS(CAST(b AS TIMESTAMP)) AS DOUBLE) / 1000000" in spark
    assert "PERCENTILE(x, 0.5)" in spark and "MEDIAN(x)" in spark
    assert "APPROX" not in spark and "UNIX_TIMESTAMP" not in spark
    assert spark.endswith("WHERE a = :area")


def test_postgres_and_sqlite_spell_out_group_by_all() -> None:
    sql = "SELECT p.period, e.agency, count(*) AS n FROM e JOIN p ON p.day = e.d GROUP BY ALL"
    assert to_postgres(sql).endswith("GROUP BY 1, 2")
    assert to_sqlite(sql).endswith("GROUP BY 1, 2")


def test_postgres_doubles_a_percent_sign_for_psycopg() -> None:
    assert to_postgres("SELECT a FROM t WHERE b LIKE 'co%' AND c = $area").endswith(
        "WHERE b LIKE 'co%%' AND c = %(area)s"
    )


def test_sqlite_months_are_refused_days_are_shifted() -> None:
    assert "STRFTIME('%Y-%m-%d %H:%M:%f', a, '+30 days')" in to_sqlite(
        "SELECT b <= a + INTERVAL 30 DAY FROM t"
    )
    with pytest.raises(UnportableSQL, match="only whole days"):
        to_sqlite("SELECT a + INTERVAL 1 MONTH FROM t")


# --- the same rows on the operational database ---------------------------------------------------


def _column_type(duckdb_type: str) -> str:
    dialect = "sqlite" if connection.vendor == "sqlite" else "postgres"
    return sqlglot.exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect)


def _load(snapshot: Path) -> None:
    """Each snapshot table, and an empty `periods`, as a temporary table of the test database
    (dropped with the test's transaction)."""
    engine = metrics.Engine(snapshot)
    tables = {name: table.columns for name, table in TABLES.items()}
    tables["periods"] = {"day": "DATE", "period": "DATE"}
    for name, columns in tables.items():
        spelled = ", ".join(f"{c} {_column_type(t)}" for c, t in columns.items())
        _execute(f"CREATE TEMP TABLE {name} ({spelled})")
        if name == "periods":
            continue
        rows = engine.duck.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
        _insert(name, list(columns), rows)


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if connection.vendor == "sqlite":
        marks = ", ".join("?" for _ in columns)
        connection.connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(sqlite_value(v) for v in row) for row in rows],
        )
    else:
        with connection.cursor() as cursor:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _execute(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """SQLite through the driver itself: Django's wrapper would read `%` as a placeholder."""
    if connection.vendor == "sqlite":
        found = connection.connection.execute(sql, sqlite_parameters(params or {}))
    else:
        cursor = connection.cursor()
        cursor.execute(sql, params or {})
        found = cursor
    if found.description is None:
        return []
    names = [d[0] for d in found.description]
    return [dict(zip(names, row, strict=True)) for row in found.fetchall()]


def _on_database(metric: metrics.Metric, filters: metrics.Filters) -> list[dict[str, Any]]:
    _execute("DELETE FROM periods")
    days = metrics.period_rows(filters)
    _insert("periods", ["day", "period"], [(d["day"], d["period"]) for d in days])
    transpile = to_sqlite if connection.vendor == "sqlite" else to_postgres
    return _execute(transpile(metric.sql), metric.bound(filters))


@pytest.mark.django_db
def test_every_metric_gives_duckdbs_rows_on_the_operational_database(tmp_path: Path) -> None:
    snapshot = write_compat_snapshot(tmp_path / "snapshot")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        sqlite_functions(connection.connection)
    _load(snapshot)
    duck = metrics.Engine(snapshot, threads=1)
    assert metrics.catalogue()
    for name, metric in metrics.catalogue().items():
        for filters in runs(metric):
            expected = canonical(duck.run(metric, filters))
            assert expected or filters.by == "all", f"{name}: no rows on the snapshot"
            got = canonical(_on_database(metric, filters))
            assert got == expected, f"{name} by {filters.by} on {connection.vendor}"


def test_the_docs_list_every_metric() -> None:
    """docs/analytics.md's table of metrics names each file of the catalogue, and no other."""
    docs = (Path(__file__).parents[2] / "docs" / "analytics.md").read_text()
    section = docs.split("## The metrics\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.M))
    assert listed == set(metrics.catalogue())
