"""`crossroads analytics export`: a de-identified copy of the snapshot's event tables for outside
evaluators (SECURITY.md 19).

Every export, with or without Safe Harbor:
- the event tables (calls, encounters, referrals, services, cases, shifts), as CSV or Parquet,
  one file each, for one agency or all, for a range of days or all of them;
- record ids (call, encounter, referral, case) are replaced by sequence numbers made for this
  export only, in a random order, and so are the snapshot's person and officer pseudonyms: the
  numbers join the export's tables to one another, but not to the live system, to the snapshot,
  or to another export (the snapshot itself holds no names or free text).

With Safe Harbor (HIPAA, 45 CFR 164.514(b)(2)), in addition:
- every date is reduced to its year (`local_date` becomes `year`), and every instant, the
  month, and anything finer is dropped;
- ages over 89 are given as "90+";
- geography smaller than a state goes: the snapshot holds precincts, not ZIP codes, so there is
  no ZIP3 to keep and `area` is dropped; agencies (a city's or county's police) and programs
  (named after their agency) become codes such as agency-1 and program-1.
A README.txt in the export says what was done, table by table.

Written into a new directory beside the target and renamed into place when complete, so a
failed export leaves nothing behind; the export is recorded in the audit trail
(actions.deidentified_export_write).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb
from django.utils import timezone

from crossroads.analytics import metrics
from crossroads.analytics.schema import TABLES
from crossroads.analytics.snapshot import Manifest

EVENT_TABLES = ("calls", "encounters", "referrals", "services", "cases", "shifts")
RECORD_IDS = {"call_id": "call", "encounter_id": "encounter", "referral_id": "referral"}
RECORD_IDS |= {"case_id": "case", "person_key": "person", "officer_key": "officer"}
AGENCY_COLUMNS = frozenset({"agency", "receiving_agency", "referred_by_agency"})
OLDEST_AGE_SHOWN = 89  # Safe Harbor: ages over 89 are grouped
Format = Literal["csv", "parquet"]


class ExportError(ValueError):
    """An export that cannot be made; the message names the option at fault."""


@dataclass(frozen=True)
class ExportRequest:
    destination: Path
    safe_harbor: bool = False
    agency: str | None = None  # a slug; None: every agency
    first: date | None = None
    last: date | None = None
    format: Format = "csv"


@dataclass
class Exported:
    destination: Path
    rows: dict[str, int] = field(default_factory=dict)


def write_export(request: ExportRequest, root: Path) -> Exported:
    """Write the export (actions.deidentified_export_write records it in the audit trail)."""
    _check(request, root)
    engine = metrics.Engine(root, agency=request.agency)
    duck = engine.duck
    _chosen_rows(duck, request)
    _numbering(duck, request.safe_harbor)
    parent = request.destination.parent
    building = Path(tempfile.mkdtemp(dir=parent, prefix=f".{request.destination.name}."))
    try:
        exported = Exported(request.destination)
        for table in EVENT_TABLES:
            target = building / f"{table}.{request.format}"
            options = "FORMAT csv, HEADER" if request.format == "csv" else "FORMAT parquet"
            duck.execute(f"COPY ({_select(table, request.safe_harbor)}) TO '{target}' ({options})")
            (count,) = duck.execute(f"SELECT count(*) FROM chosen_{table}").fetchone() or (0,)
            exported.rows[table] = int(count)
        (building / "README.txt").write_text(_readme(request, root, exported))
        if request.destination.exists():
            request.destination.rmdir()  # checked empty above
        building.rename(request.destination)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return exported


def _check(request: ExportRequest, root: Path) -> None:
    if Manifest.read(root) is None:
        raise ExportError("there is no analytics snapshot yet; run `crossroads analytics refresh`")
    target = request.destination
    if not target.parent.is_dir():
        raise ExportError(f"--output: there is no directory {target.parent}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"--output: {target} exists and is not an empty directory")
    if request.first and request.last and request.last < request.first:
        raise ExportError("--to: the last day comes before the first (--from)")


def _chosen_rows(duck: duckdb.DuckDBPyConnection, request: ExportRequest) -> None:
    """The rows to export, as temporary tables: the agency's (the engine reads only its
    partitions) and those whose day is in the range."""
    for table in EVENT_TABLES:
        duck.execute(
            f"CREATE TEMP TABLE chosen_{table} AS SELECT * FROM {table} "
            "WHERE ($first IS NULL OR local_date >= CAST($first AS DATE)) "
            "AND ($last IS NULL OR local_date <= CAST($last AS DATE))",
            {"first": request.first, "last": request.last},
        )


def _numbering(duck: duckdb.DuckDBPyConnection, safe_harbor: bool) -> None:
    """For each kind of id, every value in any exported table -> a number, in random order."""
    sources: dict[str, list[str]] = {}
    for table in EVENT_TABLES:
        for column in _columns(table, safe_harbor):
            if column.numbered:
                sources.setdefault(column.numbered, []).append(
                    f"SELECT CAST({column.name} AS VARCHAR) AS original FROM chosen_{table}"
                )
    # Ordered by a hash under a secret drawn for this export and then forgotten: the order
    # says nothing about the original ids, and no later export numbers them the same way.
    secret = secrets.token_hex(16)
    for kind, selects in sources.items():
        duck.execute(
            f"CREATE TEMP TABLE numbers_{kind} AS SELECT original, "
            "row_number() OVER (ORDER BY sha256($secret || original)) AS number "
            f"FROM (SELECT DISTINCT original FROM ({' UNION ALL '.join(selects)}) "
            "WHERE original IS NOT NULL)",
            {"secret": secret},
        )


@dataclass(frozen=True)
class Column:
    name: str  # in the snapshot
    exported_as: str
    expression: str  # over the snapshot's row `t`
    numbered: str | None = None  # replaced by this kind's export-local number


def _columns(table: str, safe_harbor: bool) -> list[Column]:
    """The export's columns of one table, each as the rules above make it."""
    columns = []
    for name, type_ in TABLES[table].columns.items():
        kind = RECORD_IDS.get(name)
        if safe_harbor:
            if name in ("month", "area") or type_ == "TIMESTAMP":
                continue
            if name == "local_date":
                columns.append(Column(name, "year", "CAST(year(t.local_date) AS INTEGER)"))
                continue
            if name == "age":
                grouped = (
                    f"CASE WHEN t.age > {OLDEST_AGE_SHOWN} THEN '90+' "
                    "ELSE CAST(t.age AS VARCHAR) END"
                )
                columns.append(Column(name, name, grouped))
                continue
            if name in AGENCY_COLUMNS:
                kind = "agency"
            elif name == "program":
                kind = "program"
        columns.append(Column(name, name, f"t.{name}", kind))
    return columns


def _select(table: str, safe_harbor: bool) -> str:
    selected, joins = [], []
    for n, column in enumerate(_columns(table, safe_harbor)):
        if column.numbered is None:
            selected.append(f"{column.expression} AS {column.exported_as}")
            continue
        kind = column.numbered
        joins.append(
            f"LEFT JOIN numbers_{kind} n{n} ON n{n}.original = CAST({column.expression} AS VARCHAR)"
        )
        # Codes for agencies and programs read as such; record ids stay plain numbers.
        number = f"'{kind}-' || n{n}.number" if kind in ("agency", "program") else f"n{n}.number"
        selected.append(f"{number} AS {column.exported_as}")
    return f"SELECT {', '.join(selected)} FROM chosen_{table} t {' '.join(joins)}"


def _readme(request: ExportRequest, root: Path, exported: Exported) -> str:
    manifest = Manifest.read(root)
    taken = manifest.generated_at if manifest else "unknown"
    days = (
        f"{request.first or 'the first day held'} to {request.last or 'the last day held'}"
        if request.first or request.last
        else "every day the snapshot holds"
    )
    lines = [
        "Crossroads de-identified export",
        "",
        f"Made: {timezone.now().isoformat(timespec='seconds')}",
        f"From the analytics snapshot taken: {taken}",
        f"Agency: {request.agency or 'every agency in the snapshot'}",
        f"Days: {days} (each row's own day, in its agency's calendar)",
        f"HIPAA Safe Harbor: {'yes' if request.safe_harbor else 'no'}",
        "",
        "Files (rows):",
        *(f"  {t}.{request.format}: {n:,}" for t, n in exported.rows.items()),
        "",
        "What was done to every table:",
        "  - Record ids (call_id, encounter_id, referral_id, case_id) are numbers made for this",
        "    export only, in a random order. They join this export's tables to one another and",
        "    to nothing else: not to the live system, and not to another export.",
        "  - People (person_key) and officers (officer_key) were already keyed pseudonyms in the",
        "    snapshot; here they are numbers made for this export only, in the same way.",
        "  - No names, dates of birth, addresses, narratives, notes or other free text are in the",
        "    snapshot, so none is here.",
    ]
    if request.safe_harbor:
        lines += [
            "",
            "HIPAA Safe Harbor (45 CFR 164.514(b)(2)), in addition:",
            "  - Dates: each row's day is reduced to its year (column `year`); every time of day",
            "    and date-time column (received_at, occurred_at, sent_at, ...) and the month are",
            "    dropped.",
            "  - Ages: ages over 89 are given as '90+'; other ages are whole years.",
            "  - Geography: the snapshot holds precincts (`area`), not ZIP codes, so there is no",
            "    ZIP3 to keep and `area` is dropped. Agencies (agency, receiving_agency,",
            "    referred_by_agency) and programs are replaced by codes (agency-1, program-1,",
            "    ...): their names would name a city or county.",
            "  - Durations recorded as minutes (minutes_on_scene, custody_transfer_minutes) stay.",
            "  - Safe Harbor also requires that whoever releases the data has no actual knowledge",
            "    that what remains could identify a person: look at rare combinations (a small",
            "    agency, a rare disposition, one year) before release.",
        ]
    else:
        lines += [
            "",
            "Not Safe Harbor: dates, times, ages, precincts and agencies are as the snapshot holds",
            "them. This is a limited data set: share it only under a data use agreement.",
        ]
    lines += ["", "Columns:"]
    for table in EVENT_TABLES:
        names = [column.exported_as for column in _columns(table, request.safe_harbor)]
        lines.append(f"  {table}: {', '.join(names)}")
    return "\n".join(lines) + "\n"
