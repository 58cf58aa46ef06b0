"""The fast path that writes past calls for `actions.calls_import` (ADR 0011).

Measured by bench/bench_import_calls.py, and shaped by it:

- Django's bulk_create spent ~700 µs a row preparing each value of each model instance, against
  tens of µs for the SQL itself. Here each row is a plain tuple built in one loop per chunk,
  values already in the form the database takes: executemany on SQLite, COPY (CSV) on
  PostgreSQL. Columns this path does not fill take their model default, prepared once by Django
  itself; a new column without a default stops the import with a clear error.
- Random (version 4) keys scattered a million inserts over every page of the key indexes.
  Imported rows get time-ordered keys (version 7), increasing through the import, so primary
  keys and the call_id indexes are appended to; each chunk goes in received-time order.
- SQLite: a page cache big enough for the indexes being filled, during the import only.
- PostgreSQL works in its own process, so a second thread sends each chunk's COPY and waits
  for the server while the calling thread parses the next chunk; the thread holds the GIL only
  to hand over a prepared buffer. It uses the same connection, so the same transaction; the
  calling thread does not touch the database until the thread has finished, and any error of
  the thread is raised in the calling thread. (On SQLite a thread was measured slower: the
  writer re-takes the GIL for every row, and waits for it each time.)

Constraints, foreign keys and the transaction are the database's, as for any other write.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from crossroads.core.models import Agency, ImportBatch
from crossroads.encounters.history import HistoricCall, HistoricScreen
from crossroads.encounters.models import CallForService, CallUnit, Encounter, EncounterScreen
from crossroads.people.models import Person

# Encounter keys derive from the source's id, so the same record always gets the same key.
IMPORT_NAMESPACE = UUID("6f1d3a52-9a0c-4c47-8f0e-3f0b7c2f1e64")

Row = tuple[Any, ...]
SQLITE_CACHE_KIB = 512 * 1024  # during an import only
Scorer = Callable[[UUID, HistoricScreen], EncounterScreen]


class Table:
    """One table's insert: the columns a row builder fills, then every other column's default."""

    def __init__(
        self, model: type[models.Model], filled: Sequence[str], connection: BaseDatabaseWrapper
    ) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        if unknown := [name for name in filled if name not in fields]:
            raise LookupError(f"{model.__name__} has no columns {unknown}")
        self.postgres = connection.vendor == "postgresql"
        tail = []
        for field in model._meta.concrete_fields:
            if field.attname in filled or isinstance(field, models.AutoField):
                continue  # filled per row, or numbered by the database
            # What Django itself would write for a field left unset ("" for text; now for a
            # time kept by the database, such as updated_at).
            stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            default = timezone.now() if stamped else field.get_default()
            if default is None and not field.null:
                raise LookupError(
                    f"{model.__name__}.{field.attname} has no default: the import must fill it"
                )
            value = field.get_db_prep_save(default, connection)
            if self.postgres and isinstance(field, models.JSONField):
                value = json.dumps(default)  # COPY takes the JSON text
            tail.append((field, value))
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = [fields[name] for name in filled] + [field for field, _ in tail]
        names = ", ".join(quote(field.column) for field in columns)
        self.tail: Row = tuple(value for _, value in tail)
        # Table and column names come from the models, never from the file.
        if self.postgres:
            # CSV: an unquoted empty cell is NULL, except in columns that take no NULL, where
            # it is the empty string.
            required = ", ".join(quote(field.column) for field in columns if not field.null)
            self.sql = (
                f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({required}))"
            )
        else:
            marks = ", ".join(["?"] * len(columns))
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608

    def prepare(self, rows: list[Row]) -> Any:
        """What `insert` sends: the rows with the defaults (SQLite), or CSV text (PostgreSQL)."""
        tail = self.tail
        if not self.postgres:
            return [row + tail for row in rows]
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([row + tail for row in rows])
        return text.getvalue().encode()

    def insert(self, raw: Any, prepared: Any) -> None:
        """Send prepared rows through the DB-API connection `raw` (the one Django's wraps)."""
        if not prepared:
            return
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                copy.write(prepared)
        else:
            raw.executemany(self.sql, prepared)


class HistoricWriter:
    """Writes the chunks of HistoricCall records of one import: calls, units, encounters, screens,
    and a person for each person reference the agency does not have yet.

    Use it as a context manager inside the import's transaction; leaving it waits for the
    writes (or stops them after an error) and raises the writer's error, if any.
    """

    CALL_COLUMNS = (
        "id",
        "agency_id",
        "number",
        "year",
        "external_id",
        "import_batch_id",
        "source",
        "initial_call_type",
        "final_call_type",
        "behavioural_health",
        "flag_set_by",
        "received_at",
        "dispatched_at",
        "arrived_at",
        "cleared_at",
        "location",
        "precinct",
        "sector",
        "beat",
        "response",
        "status",
    )
    UNIT_COLUMNS = (
        "call_id",
        "officer_id",
        "external_officer_id",
        "cit_certified",
        "dispatched_at",
    )
    PERSON_COLUMNS = ("id", "agency_id", "external_ref", "import_batch_id")
    ENCOUNTER_COLUMNS = (
        "id",
        "agency_id",
        "call_id",
        "person_id",
        "officer_id",
        "officer_cit_certified",
        "client_key",
        "occurred_at",
        "signs",
        "deescalation",
        "weapon_present",
        "highest_force",
        "subject_injured",
        "officer_injured",
        "disposition",
        "hold_legal_basis",
        "transport_destination",
        "minutes_on_scene",
        "custody_transfer_minutes",
        "guide_version",
        "submitted_at",
    )
    SCREEN_COLUMNS = ("encounter_id", "instrument", "answers", "sex", "result", "positive")

    def __init__(
        self,
        *,
        agency: Agency,
        batch: ImportBatch,
        guide_version: str,
        connection: BaseDatabaseWrapper,
        scored: Scorer,
        people: dict[str, str],
    ) -> None:
        """`people`: the agency's person references so far, each to its person's key (hex);
        the writer adds the persons it creates (`people_created` counts them)."""
        self.agency = agency
        self.zone = ZoneInfo(agency.time_zone)
        self.batch = batch
        self.guide_version = guide_version
        self.connection = connection
        self.scored = scored
        self.people = people
        self.people_created = 0
        # Persons first: a chunk's encounters point at them.
        self.tables = (
            Table(Person, self.PERSON_COLUMNS, connection),
            Table(CallForService, self.CALL_COLUMNS, connection),
            Table(CallUnit, self.UNIT_COLUMNS, connection),
            Table(Encounter, self.ENCOUNTER_COLUMNS, connection),
            Table(EncounterScreen, self.SCREEN_COLUMNS, connection),
        )
        # Keys go as 32 hex digits: SQLite stores them so (as Django does), PostgreSQL reads
        # them as uuid. Times: aware datetimes for psycopg, naive UTC text for SQLite (Django's).
        self.moment: Callable[[datetime | None], Any] = (
            _same if connection.vendor == "postgresql" else _naive_utc
        )
        self.namespace = IMPORT_NAMESPACE.bytes + f"{agency.pk}/".encode()
        self.keys = OrderedKeys()
        self.postgres = connection.vendor == "postgresql"
        self._queue: queue.Queue[list[Any] | None] = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._drain, name="import-writer", daemon=True)
        self._cache_size: int | None = None

    def __enter__(self) -> HistoricWriter:
        self.connection.ensure_connection()
        if not self.postgres:
            with self.connection.cursor() as cursor:
                # A page cache that holds the indexes being filled (the default is 2 MB): a
                # million rows otherwise evict and reread index pages all along. Restored after.
                cursor.execute("PRAGMA cache_size")
                self._cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        # On PostgreSQL, Django's foreign keys are checked at commit (deferred). Checking them
        # as rows arrive instead (SET CONSTRAINTS ALL IMMEDIATE) was measured 5% slower.
        self._raw = self.connection.connection
        if self.postgres:
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.postgres:
            self._stopped = kind is not None  # the import is being undone: write no more
            self._queue.put(None)
            self._thread.join()
        elif self._cache_size is not None:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self._cache_size)}")
        if kind is None and self._failure is not None:
            raise self._failure

    def write(self, records: Sequence[HistoricCall]) -> None:
        """Write one chunk: here on SQLite; on PostgreSQL the rows are prepared here and sent
        by the writer thread while the caller reads the next chunk."""
        if self._failure is not None:
            raise self._failure
        chunk = [
            table.prepare(rows)
            for table, rows in zip(self.tables, self._rows(records), strict=True)
        ]
        if self.postgres:
            self._queue.put(chunk)
            return
        with self.connection.wrap_database_errors:
            for table, prepared in zip(self.tables, chunk, strict=True):
                table.insert(self._raw, prepared)

    def _drain(self) -> None:
        """The writer thread (PostgreSQL): one COPY per table and chunk; while the server
        works, the thread waits without the GIL and the caller parses on."""
        tables = self.tables
        while (chunk := self._queue.get()) is not None:
            if self._failure is not None or self._stopped:
                continue  # keep taking chunks, so the producer never waits forever
            try:
                with self.connection.wrap_database_errors:
                    for table, prepared in zip(tables, chunk, strict=True):
                        table.insert(self._raw, prepared)
            except BaseException as failure:  # raised again in the calling thread
                self._failure = failure

    def _rows(self, records: Sequence[HistoricCall]) -> list[list[Row]]:
        moment, namespace = self.moment, self.namespace
        agency_id, batch_id = self.agency.pk.hex, self.batch.pk.hex
        zone, guide = self.zone, self.guide_version
        imported = CallForService.FlagSetBy.IMPORT.value
        # In time order, so the (agency, received_at) index is walked once per chunk, in order.
        records = sorted(records, key=_received)
        keys = iter(self.keys.take(len(records) + sum(len(r.encounters) for r in records)))
        people = self.people
        persons: list[Row] = []
        calls: list[Row] = []
        units: list[Row] = []
        encounters: list[Row] = []
        screens: list[Row] = []
        for record in records:
            call_key = next(keys)
            received = record.received_at
            received_at = moment(received)
            calls.append(
                (
                    call_key,
                    agency_id,
                    record.external_id,
                    received.year if received.tzinfo is zone else received.astimezone(zone).year,
                    record.external_id,
                    batch_id,
                    record.source,
                    record.initial_call_type,
                    record.final_call_type,
                    record.behavioural_health,
                    imported,
                    received_at,
                    moment(record.dispatched_at),
                    moment(record.arrived_at),
                    moment(record.cleared_at),
                    record.location,
                    record.precinct,
                    record.sector,
                    record.beat,
                    record.response,
                    record.status,
                )
            )
            for unit in record.units:
                sent = unit.dispatched_at
                units.append(
                    (
                        call_key,
                        unit.officer and unit.officer.hex,
                        unit.external_officer_id,
                        unit.cit_certified,
                        received_at if sent is received else moment(sent),
                    )
                )
            for index, given in enumerate(record.encounters):
                encounter_key = next(keys)
                occurred = moment(given.occurred_at)
                person_key = None
                if ref := given.person_ref:
                    person_key = people.get(ref)
                    if person_key is None:
                        person_key = people[ref] = self.keys.take(1)[0]
                        persons.append((person_key, agency_id, ref, batch_id))
                encounters.append(
                    (
                        encounter_key,
                        agency_id,
                        call_key,
                        person_key,
                        given.officer and given.officer.hex,
                        given.officer_cit_certified,
                        _name_key(namespace, f"{record.external_id}/{index}"),
                        occurred,
                        _codes(given.signs),
                        _codes(given.deescalation),
                        given.weapon_present,
                        given.highest_force,
                        given.subject_injured,
                        given.officer_injured,
                        given.disposition,
                        given.hold_legal_basis,
                        given.transport_destination,
                        given.minutes_on_scene,
                        given.custody_transfer_minutes,
                        guide,
                        occurred,
                    )
                )
                for screen in given.screens:
                    scored = self.scored(UUID(encounter_key), screen)
                    screens.append(
                        (
                            encounter_key,
                            scored.instrument,
                            json.dumps(scored.answers),
                            scored.sex,
                            json.dumps(scored.result),
                            scored.positive,
                        )
                    )
        self.people_created += len(persons)
        return [persons, calls, units, encounters, screens]


class OrderedKeys:
    """Time-ordered UUIDs (version 7, RFC 9562) as hex, increasing through one import.

    The import's start in milliseconds leads, then a counter from a random 60-bit start, so the
    keys of two imports do not meet.
    """

    def __init__(self) -> None:
        self.prefix = f"{int(time.time() * 1000) & (1 << 48) - 1:012x}7"
        self.counter = int.from_bytes(os.urandom(8)) >> 4

    def take(self, n: int) -> list[str]:
        start, self.counter = self.counter, self.counter + n
        prefix, low, variant = self.prefix, (1 << 62) - 1, 2 << 62
        # 12 bits of the counter, then the variant bits (10) and the counter's 62 low bits.
        return [
            f"{prefix}{c >> 62 & 0xFFF:03x}{variant | (c & low):016x}"
            for c in range(start, start + n)
        ]


def _received(record: HistoricCall) -> datetime:
    return record.received_at


def _same(value: Any) -> Any:
    return value


def _naive_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{moment} has no time zone")
    return (moment.replace(tzinfo=None) - offset).isoformat(" ")


def _name_key(namespace: bytes, name: str) -> str:
    """uuid5(IMPORT_NAMESPACE, "<agency pk>/" + name).hex, without building UUID objects."""
    digest = bytearray(hashlib.sha1(namespace + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50
    digest[8] = digest[8] & 0x3F | 0x80
    return digest.hex()


def _codes(codes: Sequence[str]) -> str:
    """A list of codes as the JSON a JSONField stores, sorted as encounter_submit stores it."""
    return json.dumps(sorted(codes)) if codes else "[]"
