"""One metric file, three more engines: the DuckDB SQL of a metric rewritten with sqlglot for
Apache Spark (a state running many agencies' snapshots on a cluster), and for PostgreSQL and
SQLite (the benchmark's baselines, the same SQL over flat tables in the operational databases).

sqlglot translates most of the SQL faithfully by itself (docs/research/issue-7-analytics.md,
section 4, lists what was checked on both engines). What it gets wrong, or silently changes, is
either rewritten here or refused with `UnportableSQL`, so a metric that transpiles gives the
same rows everywhere:

Refused for every engine (each gives different answers, or none, off DuckDB):
  QUALIFY; day-of-week functions (each engine numbers the days its own way);
  date_diff/date_sub in units other than days (DuckDB counts boundaries crossed, Spark whole
  units); quantile_disc and approx_quantile (each engine picks its own value, or approximates
  its own way); integer division `//`; a descending quantile ordering.

Spark (`to_spark`): quantile_cont(x, q), percentile_cont(q) WITHIN GROUP (ORDER BY x) become
  PERCENTILE(x, q) (sqlglot emits a call Spark refuses, or an *approximate* percentile);
  epoch(t) becomes microseconds / 1e6 (Spark's UNIX_TIMESTAMP drops the fraction of a second).
Every engine: GROUP BY ALL becomes the positions of the non-aggregate columns (PostgreSQL
  and SQLite have no GROUP BY ALL).
PostgreSQL (`to_postgres`): quantiles become PERCENTILE_CONT(q) WITHIN GROUP (sqlglot's own);
  a `%` in a string is doubled for psycopg.
SQLite (`to_sqlite`), over tables storing DATE as 'YYYY-MM-DD', TIMESTAMP as
  'YYYY-MM-DD HH:MM:SS.SSS' (what SQLite's strftime('%Y-%m-%d %H:%M:%f') writes, so stored and
  computed instants compare as text) and BOOLEAN as 0/1:
  quantiles and median become quantile_cont(x, q), an aggregate `sqlite_functions` registers;
  epoch(t) becomes julian-day arithmetic; `t + INTERVAL n DAY|HOUR|MINUTE|SECOND` becomes
  strftime(..., '+n days'); date_trunc(month|quarter|year|day) and extract/year/month/day become
  date()/strftime(); CAST(x AS TIMESTAMP) keeps milliseconds. Refused: month and year
  intervals (SQLite rolls Jan 31 + 1 month into March, DuckDB stops at Feb 28), GROUPING SETS,
  ROLLUP and CUBE, arg_max/arg_min, and a quantile used as a window function.

Named parameters ($name) come out in each driver's style: Spark `:name` (spark.sql(sql,
args={...})), psycopg `%(name)s`, sqlite3 `:name` (values through `sqlite_parameters`).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

SQLITE_INSTANT = "%Y-%m-%d %H:%M:%f"  # SQLite's strftime format of a stored TIMESTAMP
INSTANT_TYPES = (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)
SQLITE_INTERVAL_UNITS = {"DAY": "days", "HOUR": "hours", "MINUTE": "minutes", "SECOND": "seconds"}


class UnportableSQL(ValueError):
    """Metric SQL that would fail, or quietly answer differently, on another engine."""


Rewrite = Callable[[exp.Expr], exp.Expr]


def to_spark(sql: str) -> str:
    """Spark SQL for a metric written for DuckDB; run it with spark.sql(text, args=params)."""
    return _transpile(sql, "spark", _for_spark)


def to_postgres(sql: str) -> str:
    """PostgreSQL for a metric written for DuckDB; parameters in psycopg's %(name)s style."""
    return _transpile(sql, "postgres", _for_postgres)


def to_sqlite(sql: str) -> str:
    """SQLite for a metric written for DuckDB, over tables stored as this module's docstring
    says; the connection needs `sqlite_functions` first."""
    return _transpile(sql, "sqlite", _for_sqlite)


def _transpile(sql: str, dialect: str, rewrite: Rewrite) -> str:
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as error:
        raise UnportableSQL(f"not DuckDB SQL sqlglot can read: {error}") from error
    for node in tree.walk():
        _refuse_everywhere(node)
        _group_by_all_spelt_out(node)
    try:
        return _bottom_up(tree, rewrite).sql(dialect, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise UnportableSQL(f"{dialect}: {error}") from error


def _bottom_up(tree: exp.Expr, rewrite: Rewrite) -> exp.Expr:
    """Rewrite children before their parents (sqlglot's own transform goes top-down and skips
    what it replaced, so a quantile of an epoch() difference would keep its epoch())."""
    for node in reversed(list(tree.walk(bfs=False))):
        replacement = rewrite(node)
        if replacement is not node:
            if node is tree:
                return replacement
            node.replace(replacement)
    return tree


def _refuse_everywhere(node: exp.Expr) -> None:
    if isinstance(node, exp.Qualify):
        raise UnportableSQL("QUALIFY: filter a subquery on row_number() instead")
    if isinstance(node, exp.DayOfWeek | exp.DayOfWeekIso) or (
        isinstance(node, exp.Extract) and node.name.upper() in {"DOW", "ISODOW", "DAYOFWEEK"}
    ):
        raise UnportableSQL("day of the week: engines number the days differently")
    if isinstance(node, exp.DateDiff) and node.text("unit").upper() not in {"", "DAY"}:
        raise UnportableSQL(
            "date_diff in units other than days: use CAST(epoch(b) - epoch(a) AS DOUBLE) / 60 "
            "for minutes, or a window such as b <= a + INTERVAL 30 DAY"
        )
    if isinstance(node, exp.Anonymous) and node.name.lower() in {"date_sub", "datesub"}:
        raise UnportableSQL("date_sub: use epoch() differences")
    if isinstance(node, exp.PercentileDisc | exp.ApproxQuantile):
        raise UnportableSQL("quantile_disc, approx_quantile: use quantile_cont(x, q) or median(x)")
    if isinstance(node, exp.IntDiv):
        raise UnportableSQL("integer division //: use CAST(x AS DOUBLE) / NULLIF(n, 0)")
    if isinstance(node, exp.WithinGroup) and any(
        o.args.get("desc") for o in node.expression.expressions
    ):
        raise UnportableSQL("a quantile ordered descending: order ascending, take 1 - q")


def _quantile(node: exp.Expr) -> tuple[exp.Expr, exp.Expr] | None:
    """(x, q) of a continuous quantile written either way DuckDB allows, else None."""
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return node.this, node.expression  # quantile_cont(x, q)
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        return node.expression.expressions[0].this, node.this.this  # percentile_cont(q) W.G.
    if isinstance(node, exp.Median):
        return node.this, exp.Literal.number("0.5")
    return None


def _for_spark(node: exp.Expr) -> exp.Expr:
    quantile = _quantile(node)
    if quantile and not isinstance(node, exp.Median):  # Spark's MEDIAN is exact already
        return exp.Anonymous(this="PERCENTILE", expressions=list(quantile))
    if isinstance(node, exp.TimeToUnix):
        micros = exp.Anonymous(
            this="UNIX_MICROS", expressions=[exp.cast(node.this, exp.DataType.Type.TIMESTAMP)]
        )
        return exp.Div(
            this=exp.cast(micros, exp.DataType.Type.DOUBLE),
            expression=exp.Literal.number(1_000_000),
        )
    return node


def _for_postgres(node: exp.Expr) -> exp.Expr:
    """psycopg reads `%` as the start of a placeholder whenever parameters are given: a LIKE
    pattern's `%` is written `%%` (so run the text with a mapping, even an empty one)."""
    if isinstance(node, exp.Literal) and node.is_string and "%" in node.this:
        return exp.Literal.string(node.this.replace("%", "%%"))
    return node


def _group_by_all_spelt_out(node: exp.Expr) -> exp.Expr:
    """GROUP BY ALL (DuckDB, Spark) as the positions of the selected non-aggregates, which
    PostgreSQL and SQLite understand too. Done before any rewrite, while the aggregates are
    still sqlglot's own nodes."""
    group = node.args.get("group") if isinstance(node, exp.Select) else None
    if group is None or not group.args.get("all"):
        return node
    positions = [
        exp.Literal.number(position)
        for position, selected in enumerate(node.expressions, start=1)
        if not selected.find(exp.AggFunc, exp.Window)
    ]
    node.set("group", exp.Group(expressions=positions))
    return node


def _for_sqlite(node: exp.Expr) -> exp.Expr:
    quantile = _quantile(node)
    if quantile:
        if isinstance(node.parent, exp.Window):
            raise UnportableSQL("sqlite: a quantile over a window")
        return exp.Anonymous(this="quantile_cont", expressions=list(quantile))
    if isinstance(node, exp.TimeToUnix):  # seconds since 1970 from the julian day
        julian = exp.Anonymous(this="julianday", expressions=[node.this])
        return _template("(j - 2440587.5) * 86400.0", j=julian)
    if isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval):
        return _sqlite_shifted(node.this, node.expression, -1 if isinstance(node, exp.Sub) else 1)
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
        return _sqlite_truncated(node.this, node.text("unit").upper())
    if isinstance(node, exp.Extract):
        return _sqlite_part(node.expression, node.name.upper())
    if isinstance(node, exp.Year | exp.Month | exp.Day):
        return _sqlite_part(node.this, type(node).__name__.upper())
    if isinstance(node, exp.Cast) and node.to.is_type(*INSTANT_TYPES):
        return _strftime(SQLITE_INSTANT, node.this)
    if isinstance(node, exp.GroupingSets | exp.Rollup | exp.Cube):
        raise UnportableSQL("sqlite: GROUPING SETS, ROLLUP and CUBE")
    if isinstance(node, exp.ArgMax | exp.ArgMin):
        raise UnportableSQL("sqlite: arg_max/arg_min")
    return node


def _template(sql: str, **holes: exp.Expr) -> exp.Expr:
    """SQLite SQL with the columns named in `holes` replaced by those expressions."""
    return sqlglot.parse_one(sql, read="sqlite").transform(
        lambda n: holes[n.name].copy() if isinstance(n, exp.Column) and n.name in holes else n
    )


def _strftime(pattern: str, *arguments: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="strftime", expressions=[exp.Literal.string(pattern), *arguments])


def _sqlite_shifted(moment: exp.Expr, interval: exp.Expr, sign: int) -> exp.Expr:
    unit = interval.text("unit").upper().rstrip("S")
    amount = interval.this
    if unit not in SQLITE_INTERVAL_UNITS or not (
        isinstance(amount, exp.Literal) and amount.this.lstrip("-").isdigit()
    ):
        raise UnportableSQL(
            f"sqlite: INTERVAL {interval.this.sql()} {unit}: only whole days, hours, minutes "
            "or seconds"
        )
    modifier = f"{sign * int(amount.this):+d} {SQLITE_INTERVAL_UNITS[unit]}"
    return _strftime(SQLITE_INSTANT, moment, exp.Literal.string(modifier))


def _sqlite_truncated(moment: exp.Expr, unit: str) -> exp.Expr:
    if unit == "DAY":
        return exp.Anonymous(this="date", expressions=[moment])
    if unit in {"MONTH", "YEAR"}:
        start = exp.Literal.string(f"start of {unit.lower()}")
        return exp.Anonymous(this="date", expressions=[moment, start])
    if unit == "QUARTER":  # the month's start, less the months since the quarter began
        return _template(
            "date(m, 'start of month', '-' || ((CAST(strftime('%m', m) AS INTEGER) - 1) % 3)"
            " || ' months')",
            m=moment,
        )
    raise UnportableSQL(f"sqlite: date_trunc to {unit.lower()}")


def _sqlite_part(moment: exp.Expr, part: str) -> exp.Expr:
    patterns = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "HOUR": "%H", "MINUTE": "%M"}
    if part not in patterns:
        raise UnportableSQL(f"sqlite: extract({part.lower()})")
    return exp.cast(_strftime(patterns[part], moment), exp.DataType.Type.INT)


class _Quantile:
    """quantile_cont(x, q) for SQLite: linear interpolation between the closest ranks, as DuckDB,
    Spark's PERCENTILE and PostgreSQL's PERCENTILE_CONT compute it. NULLs are skipped."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.q = 0.5

    def step(self, value: float | None, q: float) -> None:
        if value is not None:
            self.values.append(value)
        self.q = q

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = self.q * (len(ordered) - 1)
        low, high = math.floor(position), math.ceil(position)
        return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def sqlite_functions(connection: sqlite3.Connection) -> None:
    """Register on a SQLite connection what `to_sqlite` output calls and SQLite lacks."""
    connection.create_aggregate("quantile_cont", 2, _Quantile)  # type: ignore[arg-type]


def sqlite_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values as the SQLite tables store them (dates and instants as text)."""
    return {name: sqlite_value(value) for name, value in values.items()}


def sqlite_value(value: Any) -> Any:
    """One value as stored in the SQLite tables: DATE, TIMESTAMP and BOOLEAN as listed above."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value
