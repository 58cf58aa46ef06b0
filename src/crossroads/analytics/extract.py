"""Reading the operational tables for a snapshot: plain SQL through Django's connection, in
batches, into DuckDB tables named `raw_<source>`.

DuckDB's own SQLite and PostgreSQL scanners download themselves at run time, which this project
never does (ADR 0021), so the rows come through the DB-API. Each source column is read as text or
an integer in both databases (ids as 32 hex digits, instants as UTC text) so that one set of
DuckDB casts types them, whichever database they came from. Only the columns named here leave
the database: no names, dates of birth beyond the year of age, narratives or notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import duckdb
import pyarrow as pa
from django.db import connection
from django.db.models import Field, Model

from crossroads.encounters.models import CallForService, CallUnit, Encounter
from crossroads.people.models import Person
from crossroads.programs.models import Case, CaseEvent, Contact, Program
from crossroads.referrals.models import Referral, ReferralEvent

BATCH_ROWS = 50_000

_CALLS = CallForService._meta.db_table
_ENCOUNTERS = Encounter._meta.db_table
_CASES = Case._meta.db_table
_PROGRAMS = Program._meta.db_table
# The area of an event is the precinct of the call it came from.
_AREA_OF_CALL = f"SELECT c.precinct FROM {_CALLS} c WHERE c.id = t.call_id"
_AREA_OF_ENCOUNTER = (
    f"SELECT c.precinct FROM {_CALLS} c JOIN {_ENCOUNTERS} e ON e.call_id = c.id "
    "WHERE e.id = t.encounter_id"
)

# How a source column is read: as text (ids, instants, dates, codes) or as an integer (flags,
# counts), the same in both databases.
ID, INSTANT, DAY, TEXT, JSON, INT, FLAG = "id", "instant", "day", "text", "json", "int", "flag"
ARROW_TYPES = {kind: pa.string() for kind in (ID, INSTANT, DAY, TEXT, JSON)}


def _expression(kind: str, column: str) -> str:
    if connection.vendor != "postgresql":
        # SQLite keeps ids as hex, instants as UTC text and flags as 0/1 already; the casts only
        # stop the driver's own converters from parsing every instant into a datetime.
        if kind in (INSTANT, DAY, JSON):
            return f"CAST({column} AS TEXT)"
        return f"CAST({column} AS INTEGER)" if kind == FLAG else column
    return {
        ID: f"REPLACE(CAST({column} AS TEXT), '-', '')",
        INSTANT: f"TO_CHAR({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
        DAY: f"CAST({column} AS TEXT)",
        JSON: f"CAST({column} AS TEXT)",
        FLAG: f"CAST({column} AS INTEGER)",
    }.get(kind, column)


@dataclass(frozen=True)
class Source:
    """One operational table read into `raw_<name>`: its columns, and which of them say when the
    row's event happened and who it belongs to (what chooses its snapshot partition)."""

    name: str
    model: type[Model]
    columns: dict[str, str]  # field name -> kind
    # For a child of a partitioned table: the field naming its parent row.
    parent: str = "id"
    # Columns read from a related row: name -> (kind, SQL over alias t).
    related: tuple[tuple[str, str, str], ...] = ()

    @property
    def kinds(self) -> list[str]:
        return [*self.columns.values(), *(kind for _, kind, _ in self.related)]

    @property
    def fields(self) -> list[str]:
        return [*self.columns, *(name for name, _, _ in self.related)]

    def column(self, field: str) -> str:
        found = self.model._meta.get_field(field)
        if not isinstance(found, Field) or found.column is None:
            raise LookupError(f"{self.model.__name__}.{field} is not a column")
        return found.column

    def select(self, alias: str = "t") -> str:
        parts = [
            f"{_expression(kind, f'{alias}.{self.column(field)}')} AS {field}"
            for field, kind in self.columns.items()
        ] + [f"{_expression(kind, f'({sql})')} AS {name}" for name, kind, sql in self.related]
        return f"SELECT {', '.join(parts)} FROM {self.model._meta.db_table} {alias}"


@dataclass(frozen=True)
class Partitioned:
    """A source whose rows are split by agency and the local month of `when`."""

    source: Source
    agency: str  # field holding the agency id
    when: str  # field holding the instant of the event
    children: tuple[Source, ...] = ()
    # Rows the source's rows point at, read in one scan beside them: (the source, the field of
    # ours holding their id). A correlated subquery per row searches an index at random each
    # time: for the date of birth, 23 of a 5-million-encounter snapshot's 120 seconds.
    lookups: tuple[tuple[Source, str], ...] = ()


# Only what the derivation uses is read (every value read costs about a microsecond in Python);
# `updated_at` and a unit's dispatch time, which say what changed, are asked through the ORM.
CALLS = Partitioned(
    Source(
        "calls",
        CallForService,
        {
            "id": ID,
            "agency_id": ID,
            "received_at": INSTANT,
            "dispatched_at": INSTANT,
            "arrived_at": INSTANT,
            "cleared_at": INSTANT,
            "behavioural_health": FLAG,
            "initial_call_type": TEXT,
            "final_call_type": TEXT,
            "source": TEXT,
            "response": TEXT,
            "also_sent": JSON,  # responses sent alongside the primary one
            "status": TEXT,
            "precinct": TEXT,
        },
    ),
    agency="agency_id",
    when="received_at",
    children=(
        Source(
            "call_units",
            CallUnit,
            {"call_id": ID, "cit_certified": FLAG},
            parent="call_id",
        ),
    ),
)

ENCOUNTERS = Partitioned(
    Source(
        "encounters",
        Encounter,
        {
            "id": ID,
            "agency_id": ID,
            "call_id": ID,
            "person_id": ID,
            "officer_id": ID,
            "officer_cit_certified": FLAG,
            "occurred_at": INSTANT,
            "weapon_present": FLAG,
            "highest_force": TEXT,
            "subject_injured": FLAG,
            "officer_injured": FLAG,
            "disposition": TEXT,
            "minutes_on_scene": INT,
            "custody_transfer_minutes": INT,
        },
        related=(("area", TEXT, _AREA_OF_CALL),),
    ),
    agency="agency_id",
    when="occurred_at",
    # Read only for the age on the day; the date of birth is never written.
    lookups=((Source("people", Person, {"id": ID, "date_of_birth": DAY}), "person_id"),),
)

REFERRALS = Partitioned(
    Source(
        "referrals",
        Referral,
        {
            "id": ID,
            "agency_id": ID,
            "receiving_agency_id": ID,
            "person_id": ID,
            "source": TEXT,
            "encounter_id": ID,
            "case_id": ID,
            "need": TEXT,
            "urgency": TEXT,
            "handoff": TEXT,
            "status": TEXT,
            "created_at": INSTANT,
            "sent_at": INSTANT,
            "acknowledge_by": INSTANT,
            "acknowledged_at": INSTANT,
            "first_service_at": INSTANT,
        },
        related=(
            ("area", TEXT, _AREA_OF_ENCOUNTER),
            (
                "program",
                TEXT,
                f"SELECT p.slug FROM {_PROGRAMS} p JOIN {_CASES} k ON k.program_id = p.id "
                "WHERE k.id = t.case_id",
            ),
        ),
    ),
    agency="agency_id",
    when="created_at",
    children=(
        Source(
            "referral_events",
            ReferralEvent,
            {"referral_id": ID, "status": TEXT, "at": INSTANT},
            parent="referral_id",
        ),
    ),
)

CASES = Partitioned(
    Source(
        "cases",
        Case,
        {
            "id": ID,
            "program_id": ID,
            "agency_id": ID,
            "person_id": ID,
            "encounter_id": ID,
            "referred_by_agency_id": ID,
            "entry_path": TEXT,
            "status": TEXT,
            "opened_at": INSTANT,
            "intake_deadline_at": INSTANT,
            "charge_status": TEXT,
            "placement_type": TEXT,
            "placed_at": INSTANT,
            "closed_at": INSTANT,
        },
        related=(("area", TEXT, _AREA_OF_ENCOUNTER),),
    ),
    agency="agency_id",
    when="opened_at",
    children=(
        Source(
            "case_events",
            CaseEvent,
            {"case_id": ID, "kind": TEXT, "value": TEXT, "at": INSTANT},
            parent="case_id",
        ),
        Source(
            "contacts",
            Contact,
            {"case_id": ID, "at": INSTANT, "reached": FLAG},
            parent="case_id",
        ),
    ),
)

PARTITIONED_SOURCES = (CALLS, ENCOUNTERS, REFERRALS, CASES)


def _batches(sql: str, params: Sequence[Any], kinds: list[str]) -> Iterator[pa.RecordBatch]:
    # The rows go to Arrow as one struct array (pyarrow reads each row tuple as a struct's fields,
    # in one pass in C): five times faster than transposing with zip and converting column by
    # column, which took a third of a 5-million-encounter snapshot (bench/bench_analytics.py).
    row = pa.struct([(f"c{i}", ARROW_TYPES.get(kind, pa.int64())) for i, kind in enumerate(kinds)])
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH_ROWS):
            yield pa.RecordBatch.from_struct_array(pa.array(rows, type=row))


def read_into(
    duck: duckdb.DuckDBPyConnection,
    source: Source,
    where: str = "",
    params: Sequence[Any] | None = None,
    *,
    on_rows: Callable[[int], None] = lambda rows: None,
) -> int:
    """Append the source's rows (those matching `where`, over alias t) to `raw_<name>`."""
    table = f"raw_{source.name}"
    fields = source.fields
    duck.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        + ", ".join(
            f'"{field}" {"VARCHAR" if kind in ARROW_TYPES else "BIGINT"}'
            for field, kind in zip(fields, source.kinds, strict=True)
        )
        + ")"
    )
    sql = source.select() + (f" WHERE {where}" if where else "")
    read = 0
    for batch in _batches(sql, params or [], source.kinds):
        duck.register("incoming", batch)
        duck.execute(
            f"INSERT INTO {table} SELECT {', '.join(f'c{i}' for i in range(len(fields)))} "
            "FROM incoming"
        )
        duck.unregister("incoming")
        read += batch.num_rows
        on_rows(batch.num_rows)
    return read


def child_filter(partitioned: Partitioned, child: Source, where: str) -> str:
    """`where` over a partitioned table, said of its children's rows."""
    parent = partitioned.source
    return (
        f"t.{child.column(child.parent)} IN "
        f"(SELECT t.id FROM {parent.model._meta.db_table} t WHERE {where})"
    )


def lookup_filter(partitioned: Partitioned, via: str, where: str) -> str:
    """`where` over a partitioned table, said of the rows its field `via` points at."""
    parent = partitioned.source
    return (
        f"t.id IN (SELECT t.{parent.column(via)} FROM {parent.model._meta.db_table} t "
        f"WHERE {where})"
    )


def id_param(value: UUID) -> object:
    """A uuid as the database compares it (SQLite keeps 32 hex digits)."""
    return value if connection.vendor == "postgresql" else value.hex


def instant_param(value: datetime) -> object:
    """An aware instant as the database compares it (SQLite keeps UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)
