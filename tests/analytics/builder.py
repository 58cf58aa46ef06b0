"""Hand-built snapshots for metric tests: a few rows per table, written the way a refresh writes
them (the same schema, partitions and manifest), so a test can work out the answer by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from crossroads.analytics.schema import SCHEMA_VERSION, TABLES
from crossroads.analytics.snapshot import Manifest

AGENCY = "riverton-pd"


def _filled(table: str, row: dict[str, Any]) -> dict[str, Any]:
    spec = TABLES[table]
    unknown = set(row) - set(spec.columns)
    if unknown:
        raise KeyError(f"{table} has no columns {sorted(unknown)}")
    full = {column: row.get(column) for column in spec.columns}
    if "month" in spec.columns:  # an event table (schema.EVENT), partitioned or not
        full["agency"] = full["agency"] or AGENCY
        full["area"] = full["area"] if full["area"] is not None else ""
        day = full["local_date"]
        if isinstance(day, str):
            day = full["local_date"] = date.fromisoformat(day)
        full["month"] = full["month"] or day.strftime("%Y-%m")
    return full


def write_snapshot(root: Path, **tables: list[dict[str, Any]]) -> Path:
    """Write the tables given (rows as dicts; missing columns are NULL, agency defaults to
    riverton-pd, month follows local_date) and empty files for the rest. Returns `root`."""
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise KeyError(f"no snapshot tables {sorted(unknown)}")
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    root.mkdir(parents=True, exist_ok=True)
    for name, spec in TABLES.items():
        rows = [_filled(name, row) for row in tables.get(name, [])]
        columns = ", ".join(f"{c} {t}" for c, t in spec.columns.items())
        duck.execute(f"CREATE OR REPLACE TABLE t ({columns})")
        if rows:
            duck.register("given", pa.Table.from_pylist(rows))
            duck.execute(f"INSERT INTO t SELECT {spec.select_list()} FROM given")
            duck.unregister("given")
        if spec.partitioned:
            if rows:
                duck.execute(
                    f"COPY t TO '{root / name}' (FORMAT parquet, PARTITION_BY (agency, month), "
                    "OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part-{i}')"
                )
        else:
            (root / name).mkdir(exist_ok=True)
            duck.execute(f"COPY t TO '{root / name / 'data.parquet'}' (FORMAT parquet)")
    taken = "2026-11-27T00:00:00+00:00"
    Manifest(SCHEMA_VERSION, "hand-built", generated_at=taken, watermark=taken).write(root)
    return root
