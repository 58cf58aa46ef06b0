"""The metric catalogue and the engine that runs it: one SQL file per metric, run on DuckDB over
the snapshot (ADR 0021).

A metric file starts with a header of `-- key: value` lines (a line `--   more` continues the
value): name, title, definition, numerator, denominator, unit, source, records, and optionally
part2 (the numbers rest on a Part 2 provider's records). Its SELECT returns, per period and
agency, `numerator`, `denominator` and `value`, optionally a `category` (a disposition, a window
of days) and further measures of its own (a 90th percentile beside a median).

What a metric may read: the snapshot tables by name (schema.py), and `periods(day, period)`:
every day of the range asked for, with the first day of the month, quarter or range it counts
in. Joining on it filters and buckets at once, the same way in every engine. Parameters, named:
$program and $area (NULL for all), $from_date and $to_date. The SQL keeps to what transpiles to
Spark unchanged (docs/analytics.md, "Writing a metric").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, ValidationError

from crossroads.analytics.schema import TABLES
from crossroads.analytics.snapshot import parquet_of, snapshot_dir

METRICS_DIR = Path(__file__).parent / "metrics"
Period = Literal["month", "quarter", "all"]
PARAMETER = re.compile(r"\$([a-z_]+)")
REQUIRED_COLUMNS = ("period", "agency", "numerator", "denominator", "value")


class MetricError(ValueError):
    """A metric file or a request for one that cannot be run; the message names the cause."""


class Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    source: str
    records: Literal["calls", "encounters", "referrals", "cases", "shifts", "officers"]
    part2: bool = False


@dataclass(frozen=True)
class Metric:
    header: Header
    sql: str
    path: Path

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def parameters(self) -> frozenset[str]:
        return frozenset(PARAMETER.findall(self.sql))

    def bound(self, filters: Filters) -> dict[str, Any]:
        """The named parameters this metric's SQL uses, with the filters' values (an engine
        refuses a parameter the SQL does not name)."""
        return {k: v for k, v in filters.parameters().items() if k in self.parameters}


def parse(path: Path) -> Metric:
    """A metric file: its header checked, its SQL kept as written."""
    text = path.read_text()
    values: dict[str, str] = {}
    last = None
    lines = text.splitlines()
    body_starts = 0
    for number, line in enumerate(lines):
        if not line.startswith("--"):
            body_starts = number
            break
        content = line[2:].strip()
        if match := re.fullmatch(r"([a-z0-9_]+):\s*(.*)", content):
            last = match[1]
            values[last] = match[2]
        elif last and content:
            values[last] += " " + content
    try:
        header = Header.model_validate(values)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise MetricError(f"{path.name}: header {where}: {problem['msg']}") from error
    if header.name != path.stem:
        raise MetricError(f"{path.name}: header name {header.name!r} is not the file's name")
    return Metric(header, "\n".join(lines[body_starts:]).strip().rstrip(";"), path)


@cache
def catalogue() -> dict[str, Metric]:
    """Every metric shipped, by name (read once per process)."""
    return {m.name: m for m in (parse(p) for p in sorted(METRICS_DIR.glob("*.sql")))}


def metric_named(name: str) -> Metric:
    try:
        return catalogue()[name]
    except KeyError:
        raise MetricError(
            f"no metric is called {name!r}; `crossroads metrics list` shows them"
        ) from None


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    by: Period = "all"
    agency: str | None = None
    program: str | None = None
    area: str | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise MetricError("--to: the last day comes before the first (--from)")

    def parameters(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "area": self.area,
            "from_date": self.first,
            "to_date": self.last,
        }


def period_start(day: date, by: Period, first: date) -> date:
    if by == "month":
        return day.replace(day=1)
    if by == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return first


def period_rows(filters: Filters) -> list[dict[str, date]]:
    """The `periods` table: each day of the range and the first day of its bucket."""
    days = (filters.last - filters.first).days + 1
    return [
        {"day": day, "period": period_start(day, filters.by, filters.first)}
        for day in (filters.first + timedelta(days=n) for n in range(days))
    ]


@dataclass
class Engine:
    """One DuckDB connection over a snapshot, with a view per table. Asked for one agency, the
    views read only that agency's partitions; but a program's participants are met in other
    agencies' records (a LEAD case at the provider, the person's arrests at the police), so a
    run with a program filter reads every agency's partitions and keeps the agency's rows."""

    root: Path = field(default_factory=snapshot_dir)
    agency: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if not (self.root / "manifest.json").exists():
            raise MetricError(
                "there is no analytics snapshot yet; run `crossroads analytics refresh` first"
            )
        self.duck = duckdb.connect()
        self.duck.execute("SET TimeZone = 'UTC'")
        if self.threads:
            self.duck.execute(f"SET threads = {int(self.threads)}")
        self.scope: str | None = ""  # no views yet
        self._views(self.agency)

    def _views(self, agency: str | None) -> None:
        if agency == self.scope:
            return
        for table in TABLES:
            self.duck.execute(f"CREATE OR REPLACE VIEW {table} AS {self._reader(table, agency)}")
        self.scope = agency

    def _reader(self, table: str, agency: str | None) -> str:
        spec = TABLES[table]
        columns = ", ".join(spec.columns)
        if not spec.partitioned:
            return f"SELECT {columns} FROM {parquet_of(self.root, table)}"
        files = self.root / table / f"agency={agency}" if agency else self.root / table
        pattern = "*/*.parquet" if agency else "*/*/*.parquet"
        if not any(files.glob(pattern)):
            empty = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in spec.columns.items())
            return f"SELECT {empty} WHERE false"
        # Every file of a table has the schema's columns in its order (a changed schema rebuilds
        # the whole snapshot), so no union_by_name: reading each file's schema first made every
        # metric of a 5-million-encounter run a third slower (bench/bench_analytics.py).
        return (
            f"SELECT {columns} FROM read_parquet('{files}/{pattern}', hive_partitioning = true, "
            "hive_types = {'agency': VARCHAR, 'month': VARCHAR})"
        )

    def run(self, metric: Metric, filters: Filters) -> list[dict[str, Any]]:
        unused = {"program": filters.program, "area": filters.area}
        for option, value in unused.items():
            if value is not None and option not in metric.parameters:
                raise MetricError(f"--{option}: {metric.name} is not counted by {option}")
        self._views(self.agency if filters.program is None else None)
        self.duck.register("period_rows", pa.Table.from_pylist(period_rows(filters)))
        self.duck.execute("CREATE OR REPLACE TEMP TABLE periods AS SELECT * FROM period_rows")
        self.duck.unregister("period_rows")
        wanted = metric.bound(filters)
        sql = f"SELECT * FROM ({metric.sql}) result"
        # Always, even when the views read only the agency's partitions: the small tables
        # (officers, certifications, agencies) hold every agency's rows.
        if filters.agency:
            sql += " WHERE agency = $only_agency"
            wanted["only_agency"] = filters.agency
        try:
            found = self.duck.execute(sql, wanted)
        except duckdb.Error as error:
            raise MetricError(f"{metric.path.name}: {error}") from error
        names = [d[0] for d in found.description]
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise MetricError(f"{metric.path.name}: the result has no {', '.join(missing)} column")
        rows = [dict(zip(names, row, strict=True)) for row in found.fetchall()]
        return sorted(rows, key=_order)


def _order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["period"], row["agency"], str(row.get("category") or ""))


def run(name: str, filters: Filters, root: Path | None = None) -> list[dict[str, Any]]:
    engine = Engine(root or snapshot_dir(), agency=filters.agency)
    return engine.run(metric_named(name), filters)
