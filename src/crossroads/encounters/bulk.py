"""The fast path that writes past calls for `actions.calls_import` (ADR 0011).

Measured by bench/bench_import_calls.py, and shaped by it:

- Django's bulk_create spent ~700 µs a row preparing each value of each model instance, against
  tens of µs for the SQL itself. Here each row is a plain tuple built by one loop per chunk,
  values already in the form the database takes, sent with executemany on SQLite and COPY on
  PostgreSQL. Columns this path does not fill take their model default, prepared once by Django
  itself; a new column without a default stops the import with a clear error.
- Random (version 4) keys scattered a million inserts over every page of the key indexes.
  Imported rows get time-ordered keys (version 7), increasing through the import, so the
  primary keys and the call_id indexes are appended to.
- Parsing is Python and the inserts are mostly database work. A second thread does the inserts
  (SQLite releases the GIL while it works; PostgreSQL works in its own process) while the
  calling thread parses the next chunk: on two CPUs the two overlap. The thread uses the same
  connection, so the same transaction; the calling thread does not touch the database until
  the writer has finished, and any error of the writer is raised in the calling thread.

Constraints, foreign keys and the transaction are the database's, as for any other write.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from crossroads.core.models import Agency, ImportBatch
from crossroads.encounters.history import HistoricCall, HistoricScreen
from crossroads.encounters.models import CallForService, CallUnit, Encounter, EncounterScreen

# Encounter keys derive from the source's id, so the same record always gets the same key.
IMPORT_NAMESPACE = UUID("6f1d3a52-9a0c-4c47-8f0e-3f0b7c2f1e64")

Row = tuple[Any, ...]
Scorer = Callable[[UUID, HistoricScreen], EncounterScreen]


class Table:
    """One table's insert: the columns a row builder fills, then every other column's default."""

    def __init__(
        self, model: type[models.Model], filled: Sequence[str], connection: BaseDatabaseWrapper
    ) -> None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        if unknown := [name for name in filled if name not in fields]:
            raise LookupError(f"{model.__name__} has no columns {unknown}")
        tail = []
        for field in model._meta.concrete_fields:
            if field.attname in filled or isinstance(field, models.AutoField):
                continue  # filled per row, or numbered by the database
            # What Django itself would write for a field left unset ("" for text).
            default = field.get_default()
            if default is None and not field.null:
                raise LookupError(
                    f"{model.__name__}.{field.attname} has no default: the import must fill it"
                )
            tail.append((field.column, field.get_db_prep_save(default, connection)))
        quote = connection.ops.quote_name
        columns = [fields[name].column for name in filled] + [column for column, _ in tail]
        names = ", ".join(quote(column) for column in columns)
        self.tail: Row = tuple(value for _, value in tail)
        self.postgres = connection.vendor == "postgresql"
        # Table and column names come from the models, never from the file.
        self.sql = (
            f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            if self.postgres
            else f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
            f"VALUES ({', '.join(['?'] * len(columns))})"
        )

    def insert(self, raw: Any, rows: list[Row]) -> None:
        """Insert rows through the DB-API connection `raw` (the one Django's connection wraps)."""
        if not rows:
            return
        tail = self.tail
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            raw.executemany(self.sql, [row + tail for row in rows])


class HistoricWriter:
    """Writes the chunks of HistoricCall records of one import: calls, units, encounters, screens.

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
    ENCOUNTER_COLUMNS = (
        "id",
        "agency_id",
        "call_id",
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
    ) -> None:
        self.agency = agency
        self.zone = ZoneInfo(agency.time_zone)
        self.batch = batch
        self.guide_version = guide_version
        self.connection = connection
        self.scored = scored
        self.tables = (
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
        self._queue: queue.Queue[list[list[Row]] | None] = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._drain, name="import-writer", daemon=True)

    def __enter__(self) -> HistoricWriter:
        self.connection.ensure_connection()
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                # Check foreign keys as rows arrive, while parsing goes on, rather than all at
                # commit (Django's are deferred); for this transaction only.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self._raw = self.connection.connection
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stopped = kind is not None  # the import is being undone: write no more
        self._queue.put(None)
        self._thread.join()
        if kind is None and self._failure is not None:
            raise self._failure

    def write(self, records: Sequence[HistoricCall]) -> None:
        """Prepare one chunk's rows here and hand them to the writer thread."""
        if self._failure is not None:
            raise self._failure
        self._queue.put(self._rows(records))

    def _drain(self) -> None:
        tables = self.tables
        while (chunk := self._queue.get()) is not None:
            if self._failure is not None or self._stopped:
                continue  # keep taking chunks, so the producer never waits forever
            try:
                with self.connection.wrap_database_errors:
                    for table, rows in zip(tables, chunk, strict=True):
                        table.insert(self._raw, rows)
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
                    received.astimezone(zone).year,
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
                encounters.append(
                    (
                        encounter_key,
                        agency_id,
                        call_key,
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
        return [calls, units, encounters, screens]


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
    return str(moment.astimezone(UTC).replace(tzinfo=None))


def _name_key(namespace: bytes, name: str) -> str:
    """uuid5(IMPORT_NAMESPACE, "<agency pk>/" + name).hex, without building UUID objects."""
    digest = bytearray(hashlib.sha1(namespace + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50
    digest[8] = digest[8] & 0x3F | 0x80
    return digest.hex()


def _codes(codes: Sequence[str]) -> str:
    """A list of codes as the JSON a JSONField stores, sorted as encounter_submit stores it."""
    return json.dumps(sorted(codes)) if codes else "[]"
