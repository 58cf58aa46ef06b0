"""`crossroads analytics refresh`: the columnar snapshot the metrics run on (ADR 0021).

Layout under settings.ANALYTICS_DIR/snapshot:
    <table>/agency=<slug>/month=<YYYY-MM>/part-0.parquet   the event tables (schema.PARTITIONED)
    <table>/data.parquet                                   the small dimensions
    manifest.json                              schema, key fingerprint, watermark, counts

A full refresh builds a new tree beside the old one and swaps it in. An incremental refresh reads
only what changed since the watermark (rows whose `updated_at`, or whose children's time, is
later), finds every partition those rows sit in now or sat in before, and rewrites each of those
partitions whole from the database: so an edit that moves a record to another month, or a
deletion inside a partition, leaves no stale copy behind. The dimensions and the shift coverage
are small and rewritten every time.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from crossroads.analytics import derive, extract
from crossroads.analytics.models import AgencyParameters
from crossroads.analytics.pseudonyms import analytics_key, key_fingerprint, pseudonyms
from crossroads.analytics.schema import SCHEMA_VERSION, TABLES
from crossroads.core.models import Agency, Role, User
from crossroads.programs.models import Program
from crossroads.programs.types import program_types
from crossroads.training import coverage
from crossroads.training.models import Certification, RosterAssignment, Squad
from crossroads.training.queries import coverage_roster

# A row saved just before a refresh may commit just after the refresh read past it: the next
# refresh looks back this far again (re-reading a few partitions twice costs nothing).
OVERLAP = timedelta(minutes=5)
# Shift coverage is kept from this far back to the end of the coverage horizon ahead.
SHIFTS_BACK = timedelta(days=730)
SHIFTS_AHEAD = timedelta(days=90)

# Which snapshot tables each partitioned source makes.
OUTPUTS: dict[str, tuple[str, ...]] = {
    "calls": ("calls",),
    "encounters": ("encounters",),
    "referrals": ("referrals", "services"),
    "cases": ("cases",),
}
# For each source: its children and the field saying when a child row last changed.
CHANGED_CHILD_FIELD = {"call_units": "dispatched_at"}


class SnapshotError(Exception):
    """A refresh that cannot go ahead; the message says why and what to do."""


def snapshot_dir() -> Path:
    return Path(settings.ANALYTICS_DIR) / "snapshot"


@dataclass
class Manifest:
    schema_version: int
    key_fingerprint: str
    generated_at: str
    watermark: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> partition -> rows

    @classmethod
    def read(cls, root: Path) -> Manifest | None:
        path = root / "manifest.json"
        return cls(**json.loads(path.read_text())) if path.exists() else None

    def write(self, root: Path) -> None:
        temporary = root / "manifest.json.tmp"
        temporary.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True))
        temporary.replace(root / "manifest.json")

    def rows(self, table: str) -> int:
        return sum(self.tables.get(table, {}).values())


@dataclass(frozen=True)
class Refreshed:
    full: bool
    partitions: int  # event partitions written
    rows: dict[str, int]  # snapshot table -> rows now
    seconds: float


Progress = Callable[[int, int, str], None]  # (done, total, unit): rows, or partitions


@contextmanager
def _refresh_lock() -> Iterator[None]:
    """One refresh at a time; a second waits for the first, then finds little left to do."""
    Path(settings.ANALYTICS_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    with (Path(settings.ANALYTICS_DIR) / "refresh.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def refresh(*, full: bool = False, progress: Progress | None = None) -> Refreshed:
    started = timezone.now()
    with _refresh_lock():
        key = analytics_key()
        root = snapshot_dir()
        manifest = Manifest.read(root)
        if manifest and manifest.key_fingerprint != key_fingerprint(key) and not full:
            raise SnapshotError(
                "the analytics key differs from the one this snapshot was made with; run "
                "`crossroads analytics refresh --full` to rebuild every pseudonym under the new key"
            )
        rebuild = full or manifest is None or manifest.schema_version != SCHEMA_VERSION
        writer = _Writer(key, started, progress or (lambda done, total, unit: None))
        manifest = (
            writer.full(root) if rebuild or manifest is None else writer.since(root, manifest)
        )
    return Refreshed(
        full=rebuild,
        partitions=writer.partitions_written,
        rows={table: manifest.rows(table) for table in TABLES},
        seconds=(timezone.now() - started).total_seconds(),
    )


def _agency_lookups() -> tuple[list[dict[str, object]], dict[UUID, tuple[str, ZoneInfo]]]:
    parameters = {p.agency_id: p for p in AgencyParameters.objects.all()}
    rows: list[dict[str, object]] = []
    zones: dict[UUID, tuple[str, ZoneInfo]] = {}
    for agency in Agency.objects.order_by("short_name"):
        slug = slugify(agency.short_name)
        zones[agency.pk] = (slug, ZoneInfo(agency.time_zone))
        own = parameters.get(agency.pk)
        rows.append(
            {
                "agency_id": agency.pk.hex,
                "agency": slug,
                "name": agency.name,
                "type": agency.type,
                "time_zone": agency.time_zone,
                "jail_day_cost": _number(own and own.jail_day_cost),
                "jail_days_per_booking": _number(own and own.jail_days_per_booking),
                "ed_visit_cost": _number(own and own.ed_visit_cost),
                "officer_hour_cost": _number(own and own.officer_hour_cost),
                "response_target_minutes": own.response_target_minutes if own else None,
            }
        )
    return rows, zones


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


AGENCY_DIM = {"agency_id": "VARCHAR", **TABLES["agencies"].columns}


def _status_meanings() -> list[dict[str, object]]:
    """Which statuses of each program type mean eligible, ineligible, or intake done."""
    rows: list[dict[str, object]] = []
    for code, kind in program_types().items():
        first = kind.statuses[kind.initial]
        if first.decided_by_eligibility:
            meanings = ("eligible", "ineligible")
            rows += [
                {"type": code, "status": status, "meaning": meaning}
                for status, meaning in zip(first.next, meanings, strict=False)
            ]
        if kind.intake_status:
            rows.append({"type": code, "status": kind.intake_status, "meaning": "intake"})
    return rows


class _Writer:
    def __init__(self, key: bytes, started: datetime, progress: Progress) -> None:
        self.key = key
        self.started = started
        self.progress = progress
        self.partitions_written = 0
        # Rows per partition ("agency/month") of what this run wrote, by table, and the tables it
        # wrote whole: the manifest is updated from these rather than by counting every file of
        # the snapshot again (a second of each incremental refresh at 5 million encounters).
        self.written: dict[str, dict[str, int]] = {}
        self.whole: set[str] = set()
        self.keyed: dict[str, dict[str, int]] = {}  # kind -> id -> pseudonym, this run's
        self.duck = duckdb.connect()
        derive.prepare(self.duck)
        agencies, self.zones = _agency_lookups()
        derive.register(self.duck, "agency_dim", AGENCY_DIM, agencies)
        derive.register(
            self.duck,
            "program_dim",
            {"program_id": "VARCHAR", **TABLES["programs"].columns},
            [
                {
                    "program_id": p.pk.hex,
                    "program": p.slug,
                    "agency": self.zones[p.agency_id][0],
                    "type": p.type,
                    "name": p.name,
                }
                for p in Program.objects.all()
            ],
        )
        derive.register(
            self.duck,
            "status_meaning",
            {"type": "VARCHAR", "status": "VARCHAR", "meaning": "VARCHAR"},
            _status_meanings(),
        )

    # --- whole snapshot --------------------------------------------------------------------------

    def full(self, root: Path) -> Manifest:
        building = root.with_name("snapshot.new")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        total = sum(p.source.model._default_manager.count() for p in extract.PARTITIONED_SOURCES)
        done = 0
        self.progress(done, total, "rows")

        def read(rows: int) -> None:
            nonlocal done
            done += rows
            self.progress(done, total, "rows")

        for source in extract.PARTITIONED_SOURCES:
            self._read(source, "", [], on_rows=read)
        self._pseudonyms()
        for source in extract.PARTITIONED_SOURCES:
            for table in OUTPUTS[source.source.name]:
                derive.derived(self.duck, table)
                self.partitions_written += self._copy_partitioned(table, building / table)
        manifest = Manifest(
            SCHEMA_VERSION,
            key_fingerprint(self.key),
            self.started.isoformat(),
            (self.started - OVERLAP).isoformat(),
        )
        self._finish(building, manifest)
        old = root.with_name("snapshot.old")
        shutil.rmtree(old, ignore_errors=True)
        if root.exists():
            root.rename(old)
        building.rename(root)
        shutil.rmtree(old, ignore_errors=True)
        self.progress(total, total, "rows")
        return manifest

    # --- what changed since the last refresh -----------------------------------------------------

    def since(self, root: Path, manifest: Manifest) -> Manifest:
        watermark = datetime.fromisoformat(manifest.watermark)
        touched = {
            source.source.name: self._touched(root, source, watermark)
            for source in extract.PARTITIONED_SOURCES
        }
        total, done = sum(len(parts) for parts in touched.values()), 0
        self.progress(done, total, "partitions")
        for source in extract.PARTITIONED_SOURCES:
            for slug, month in sorted(touched[source.source.name]):
                self._rewrite(root, source, slug, month)
                done += 1
                self.progress(done, total, "partitions")
        manifest.generated_at = self.started.isoformat()
        manifest.watermark = (self.started - OVERLAP).isoformat()
        self._finish(root, manifest)
        return manifest

    def _touched(
        self, root: Path, source: extract.Partitioned, watermark: datetime
    ) -> set[tuple[str, str]]:
        """The partitions holding a row changed since the watermark: where it belongs now, and
        where the snapshot has it (an edit may have moved it)."""
        model: type[Model] = source.source.model
        changed = model._default_manager.filter(updated_at__gt=watermark)
        for child in source.children:
            when = CHANGED_CHILD_FIELD.get(child.name, "at")
            parents = child.model._default_manager.filter(**{f"{when}__gt": watermark})
            changed = changed | model._default_manager.filter(pk__in=parents.values(child.parent))
        rows = list(changed.values_list("pk", source.agency, source.when))
        now = {
            (self.zones[agency][0], self._month(agency, when))
            for _, agency, when in rows
            if when is not None
        }
        return now | self._partitions_holding(root, source, [pk.hex for pk, _, _ in rows])

    def _month(self, agency: UUID, when: datetime) -> str:
        return when.astimezone(self.zones[agency][1]).strftime("%Y-%m")

    def _partitions_holding(
        self, root: Path, source: extract.Partitioned, ids: list[str]
    ) -> set[tuple[str, str]]:
        table = OUTPUTS[source.source.name][0]
        if not ids or not any((root / table).glob("*/*/*.parquet")):
            return set()
        derive.register(self.duck, "changed_ids", {"id": "VARCHAR"}, [{"id": i} for i in ids])
        found = self.duck.execute(
            f"SELECT DISTINCT agency, month FROM {parquet_of(root, table)} "
            f"WHERE {TABLES[table].key} IN (SELECT id FROM changed_ids)"
        ).fetchall()
        return {(agency, month) for agency, month in found}

    def _rewrite(self, root: Path, source: extract.Partitioned, slug: str, month: str) -> None:
        agency = next((pk for pk, (s, _) in self.zones.items() if s == slug), None)
        if agency is None:
            for table in OUTPUTS[source.source.name]:  # the agency is gone: so is its partition
                shutil.rmtree(root / table / f"agency={slug}" / f"month={month}", True)
                self.written.setdefault(table, {})[f"{slug}/{month}"] = 0
            return
        zone = self.zones[agency][1]
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
        after = (first + timedelta(days=32)).replace(day=1)
        when = source.source.column(source.when)
        where = f"t.{source.source.column(source.agency)} = %s AND t.{when} >= %s AND t.{when} < %s"
        params = [
            extract.id_param(agency),
            extract.instant_param(first.astimezone(UTC)),
            extract.instant_param(after.astimezone(UTC)),
        ]
        for raw in [source.source, *source.children, *(lookup for lookup, _ in source.lookups)]:
            self.duck.execute(f"DROP TABLE IF EXISTS raw_{raw.name}")
        self._read(source, where, params)
        self._pseudonyms()
        for table in OUTPUTS[source.source.name]:
            derive.derived(self.duck, table)
            self._write_partition(root / table, slug, month, table)

    # --- shared steps ----------------------------------------------------------------------------

    def _read(
        self,
        source: extract.Partitioned,
        where: str,
        params: list[object],
        on_rows: Callable[[int], None] = lambda rows: None,
    ) -> None:
        extract.read_into(self.duck, source.source, where, params, on_rows=on_rows)
        for child in source.children:
            child_where = extract.child_filter(source, child, where) if where else ""
            extract.read_into(self.duck, child, child_where, params if where else [])
        for lookup, via in source.lookups:
            lookup_where = extract.lookup_filter(source, via, where) if where else ""
            extract.read_into(self.duck, lookup, lookup_where, params if where else [])

    def _pseudonyms(self) -> None:
        """Keys for the people and officers of the rows read so far."""
        people: set[str] = set()
        for table in ("raw_encounters", "raw_referrals", "raw_cases"):
            if self._exists(table):
                found = self.duck.execute(
                    f"SELECT DISTINCT person_id FROM {table} WHERE person_id IS NOT NULL"
                )
                people.update(row[0] for row in found.fetchall())
        officers: set[str] = set()
        if self._exists("raw_encounters"):
            found = self.duck.execute(
                "SELECT DISTINCT officer_id FROM raw_encounters WHERE officer_id IS NOT NULL"
            )
            officers.update(row[0] for row in found.fetchall())
        self._keys("person_keys", "person", people)
        self._keys("officer_keys", "officer", officers)

    def _keys(self, name: str, kind: str, ids: set[str]) -> None:
        # Each id is keyed once per run (an incremental refresh meets the same people in every
        # partition it rewrites), and handed to DuckDB as two columns, not a dict per row.
        known = self.keyed.setdefault(kind, {})
        known.update(pseudonyms(self.key, kind, ids - known.keys()))
        wanted = list(ids)
        keys = pa.table(
            {
                "id": pa.array(wanted, pa.string()),
                f"{kind}_key": pa.array([known[i] for i in wanted], pa.int64()),
            }
        )
        # A statement first: register() refuses while an earlier result is left half-read.
        self.duck.execute(f"CREATE OR REPLACE TABLE {name} (id VARCHAR, {kind}_key BIGINT)")
        self.duck.register("keyed_ids", keys)
        self.duck.execute(f"INSERT INTO {name} SELECT * FROM keyed_ids")
        self.duck.unregister("keyed_ids")

    def _exists(self, table: str) -> bool:
        found = self.duck.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchall()
        return bool(found and found[0][0])

    def _copy_partitioned(self, table: str, directory: Path) -> int:
        """Write snap_<table> as partitions under `directory`; returns how many."""
        directory.mkdir(parents=True, exist_ok=True)
        self.duck.execute(
            f"COPY (SELECT * FROM snap_{table} ORDER BY agency, month, local_date) TO "
            f"'{directory}' (FORMAT parquet, PARTITION_BY (agency, month), "
            "COMPRESSION zstd, OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part-{i}')"
        )
        counted = self.duck.execute(
            f"SELECT agency || '/' || month, count(*) FROM snap_{table} GROUP BY ALL"
        ).fetchall()
        self.written[table] = dict(counted)
        self.whole.add(table)
        return len(list(directory.glob("*/*")))

    def _write_partition(self, directory: Path, slug: str, month: str, table: str) -> None:
        """Replace one partition's rows. The new file is written under a name no reader globs
        (*.parquet) and moved over part-0.parquet in one step, so a dashboard reading meanwhile
        sees the old rows or the new, never both, and a refresh that dies half-way leaves no
        second copy behind; other files of the partition (a full refresh may write several) go
        after."""
        live = directory / f"agency={slug}" / f"month={month}"
        earlier = list(live.glob("*.parquet"))
        rows = self.duck.execute(
            f"SELECT count(*) FROM snap_{table} WHERE agency = ? AND month = ?", [slug, month]
        ).fetchone()
        kept, temporary = live / "part-0.parquet", live / "part-0.parquet.tmp"
        if rows and rows[0]:
            live.mkdir(parents=True, exist_ok=True)
            self.duck.execute(
                f"COPY (SELECT * EXCLUDE (agency, month) FROM snap_{table} "
                "WHERE agency = $slug AND month = $month ORDER BY local_date) "
                f"TO '{temporary}' (FORMAT parquet, COMPRESSION zstd)",
                {"slug": slug, "month": month},
            )
            temporary.replace(kept)
        for path in earlier:
            if path != kept or not (rows and rows[0]):
                path.unlink()
        temporary.unlink(missing_ok=True)  # left by a refresh that died writing it
        if live.exists() and not any(live.iterdir()):
            live.rmdir()
        self.written.setdefault(table, {})[f"{slug}/{month}"] = rows[0] if rows else 0
        self.partitions_written += 1

    def _finish(self, root: Path, manifest: Manifest) -> None:
        """The small tables, rewritten every time, and the manifest, written last."""
        self._dimensions(root)
        self._shifts(root)
        for table, spec in TABLES.items():
            if not spec.partitioned:
                manifest.tables[table] = _partition_rows(self.duck, root, table)
                continue
            counts = {} if table in self.whole else dict(manifest.tables.get(table, {}))
            counts.update(self.written.get(table, {}))
            manifest.tables[table] = {part: rows for part, rows in sorted(counts.items()) if rows}
        manifest.write(root)

    def _dimensions(self, root: Path) -> None:
        officers = _officer_rows()
        self._keys("officer_keys", "officer", {str(row["officer_id"]) for row in officers})
        derive.register(
            self.duck,
            "officer_rows",
            {
                "officer_id": "VARCHAR",
                "agency_id": "VARCHAR",
                "patrol": "BOOLEAN",
                "active_from": "DATE",
            },
            officers,
        )
        derive.register(
            self.duck,
            "certification_rows",
            {
                "officer_id": "VARCHAR",
                "agency_id": "VARCHAR",
                "course": "VARCHAR",
                "issued_on": "DATE",
                "expires_on": "DATE",
            },
            _certification_rows(),
        )
        sources = {
            "agencies": "SELECT * FROM agency_dim",
            "programs": "SELECT * FROM program_dim",
            "officers": "SELECT k.officer_key, a.agency, o.patrol, o.active_from "
            "FROM officer_rows o JOIN officer_keys k ON k.id = o.officer_id "
            "JOIN agency_dim a ON a.agency_id = o.agency_id",
            "certifications": "SELECT k.officer_key, a.agency, c.course, c.issued_on, c.expires_on "
            "FROM certification_rows c JOIN officer_keys k ON k.id = c.officer_id "
            "JOIN agency_dim a ON a.agency_id = c.agency_id",
        }
        for table, sql in sources.items():
            self._replace_file(root, table, f"SELECT {TABLES[table].select_list()} FROM ({sql})")

    def _shifts(self, root: Path) -> None:
        """Every rostered shift from two years back to the coverage horizon, with how many
        officers on duty held a valid CIT certification that day (training.coverage decides)."""
        rows = list(_shift_rows(self.zones))
        derive.register(self.duck, "snap_shifts", TABLES["shifts"].columns, rows)
        self._replace_file(root, "shifts", "SELECT * FROM snap_shifts ORDER BY agency, local_date")

    def _replace_file(self, root: Path, table: str, select: str) -> None:
        """Write an unpartitioned table whole beside its file, then move it over in one step."""
        directory = root / table
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / "data.parquet.new"
        self.duck.execute(f"COPY ({select}) TO '{temporary}' (FORMAT parquet, COMPRESSION zstd)")
        temporary.replace(directory / "data.parquet")


def _officer_rows() -> list[dict[str, object]]:
    """Patrol officers, each from the first day the records show them serving: the earliest of
    their account, their first roster posting and their first certification (an account opened
    when an agency moved to Crossroads is younger than the officer's service)."""
    officers = User.objects.filter(role_grants__role=Role.OFFICER, is_active=True).distinct()
    first_posting = _earliest(RosterAssignment.objects.values_list("officer_id", "starts_on"))
    first_certified = _earliest(Certification.objects.values_list("officer_id", "issued_on"))
    rows: list[dict[str, object]] = []
    for pk, agency_id, joined in officers.values_list("id", "agency_id", "date_joined"):
        if agency_id is None:
            continue
        known = [joined.date(), first_posting.get(pk), first_certified.get(pk)]
        rows.append(
            {
                "officer_id": pk.hex,
                "agency_id": agency_id.hex,
                "patrol": True,
                "active_from": min(day for day in known if day is not None),
            }
        )
    return rows


def _earliest(pairs: Iterable[tuple[UUID, date]]) -> dict[UUID, date]:
    earliest: dict[UUID, date] = {}
    for pk, day in pairs:
        if pk not in earliest or day < earliest[pk]:
            earliest[pk] = day
    return earliest


def _certification_rows() -> list[dict[str, object]]:
    return [
        {
            "officer_id": officer.hex,
            "agency_id": agency.hex,
            "course": course,
            "issued_on": issued,
            "expires_on": expires,
        }
        for officer, agency, course, issued, expires in Certification.objects.values_list(
            "officer_id", "agency_id", "course", "issued_on", "expires_on"
        )
    ]


def _shift_rows(zones: dict[UUID, tuple[str, ZoneInfo]]) -> Iterator[dict[str, object]]:
    for agency in Agency.objects.filter(pk__in=Squad.objects.values("agency")):
        slug, zone = zones[agency.pk]
        today = timezone.now().astimezone(zone).date()
        starts = RosterAssignment.objects.filter(agency=agency).order_by("starts_on")
        first_posting = starts.values_list("starts_on", flat=True).first()
        if first_posting is None:
            continue
        first = max(first_posting, today - SHIFTS_BACK)
        period = coverage.Period(first, today + SHIFTS_AHEAD)
        for slot in coverage.shift_coverage_of(coverage_roster(agency, period)).slots():
            yield {
                "agency": slug,
                "month": slot.day.strftime("%Y-%m"),
                "local_date": slot.day,
                "area": slot.precinct,
                "shift": slot.shift,
                "on_duty": slot.on_duty,
                "certified": slot.certified,
            }


def parquet_of(root: Path, table: str) -> str:
    """DuckDB's reader over one snapshot table's files."""
    if TABLES[table].partitioned:
        return (
            f"read_parquet('{root / table}/*/*/*.parquet', hive_partitioning = true, "
            "hive_types = {'agency': VARCHAR, 'month': VARCHAR})"
        )
    return f"read_parquet('{root / table}/data.parquet')"


def _partition_rows(duck: duckdb.DuckDBPyConnection, root: Path, table: str) -> dict[str, int]:
    if TABLES[table].partitioned:
        if not any((root / table).glob("*/*/*.parquet")):
            return {}
        parts = duck.execute(
            f"SELECT agency || '/' || month, count(*) FROM {parquet_of(root, table)} GROUP BY ALL"
        ).fetchall()
        return dict(sorted(parts))
    total = duck.execute(f"SELECT count(*) FROM {parquet_of(root, table)}").fetchone()
    return {"all": total[0] if total else 0}
