"""Every write to the resource directory (ARCHITECTURE rule 2)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crossroads.core import access, audit
from crossroads.core.models import Agency, User
from crossroads.directory import exchange, freshness, hsds, index, queries, taxonomy
from crossroads.directory.models import (
    CapacityReport,
    HsdsRecord,
    Organization,
    ProposedChange,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    TermMapping,
    VerificationTask,
)


def taxonomy_install() -> bool:
    """Write the shipped Crossroads taxonomy as HSDS rows; True if anything changed.

    Runs after every migrate, so a fresh database can be searched by category at once. Like
    Django's own permissions and content types it is reference data the code ships, written
    by no one, so it leaves no audit event; agencies' terms are mapped onto it, never edited."""
    shipped = taxonomy.crossroads_taxonomy()
    with transaction.atomic():
        _, created = Taxonomy.objects.update_or_create(
            id=shipped.id,
            defaults={
                "name": shipped.name,
                "description": shipped.description,
                "uri": shipped.uri,
                "version": shipped.version,
            },
        )
        known = {t.id: t for t in TaxonomyTerm.objects.filter(taxonomy_detail_id=shipped.id)}
        changed = created
        for term in shipped.terms:
            values = {
                "code": term.code,
                "name": term.name,
                "description": term.description,
                "parent_id": term.parent_id,
                "taxonomy": shipped.name,
                "taxonomy_detail_id": shipped.id,
                "language": "en",
            }
            row = known.get(term.id)
            if row is None or any(getattr(row, k) != v for k, v in values.items()):
                TaxonomyTerm.objects.update_or_create(id=term.id, defaults=values)
                changed = True
    return changed


# --- HSDS exchange: packages in (helper "exchange") ----------------------------------------

HsdsRecords = Mapping[str, object]  # by table: a record, a list of them, or an HSDS page


@dataclass(frozen=True)
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class HsdsImport:
    """What one import did, table by table, and what it warned of."""

    source: str
    rows_read: int
    tables: dict[str, TableCounts]
    warnings: list[exchange.Problem]

    @property
    def written(self) -> int:
        return sum(c.created + c.updated for c in self.tables.values())


# Told how far an import is: its stage ("written", "indexed"), how many done, of how many.
ImportProgress = Callable[[str, int, int], None]


def hsds_import(
    *,
    by: User | None,
    package: exchange.Package | HsdsRecords,
    source: str,
    progress: ImportProgress | None = None,
) -> HsdsImport:
    """Load HSDS records into the directory, all or nothing, with one audit event.

    `package` is a package read from files (exchange.read_package, exchange.read_json) or
    records by table as HSDS JSON writes them, nested ones included. Records are matched by
    id: new ones are created, changed ones updated, so loading the same package twice changes
    nothing. Only the fields a package has are written; Crossroads' own columns (who keeps a
    listing, when it was verified) stay as they are. A package with any problem writes nothing
    (ValidationError naming each place); what the standard allows but Crossroads cannot use (a
    reference to a record nobody has) is a warning. The shipped Crossroads taxonomy is never
    overwritten. The search entries of the services a change shows in (before or after it) are
    rebuilt, and only those. `progress` hears how many records are written, then
    how many services indexed."""
    if by is not None:
        access.require_permission(by, "directory.maintain")
    if not isinstance(package, exchange.Package):
        package = exchange.read_records(source, package, hsds.SHAPES)
    prepared = _prepared_rows(package)
    if package.problems:
        raise _refusal(package.problems)
    package.check_references(lambda table, ids: hsds.TABLES[table].existing_ids(ids))
    with transaction.atomic():
        written = _Stage(progress, "written", sum(len(rows) for _, rows in prepared.values()))
        touched: set[Reference] = set()
        counts = {
            name: _upsert(read, rows, written, touched) for name, (read, rows) in prepared.items()
        }
        if touched:
            services = _services_showing(touched)
            indexed = _Stage(progress, "indexed", len(services))
            index.refresh_search_entries(service_ids=services)
            indexed.advance(indexed.total)
        audit.record(
            by=by,
            verb="directory.hsds_import",
            detail={
                "source": source,
                "sha256": package.sha256,
                "rows_read": package.rows_read,
                "tables": {name: asdict(c) for name, c in counts.items()},
                "warnings": len(package.warnings),
            },
        )
    return HsdsImport(source, package.rows_read, counts, package.warnings)


PreparedRows = list[tuple[exchange.Row, dict[str, Any]]]


def _prepared_rows(package: exchange.Package) -> dict[str, tuple[exchange.TableRead, PreparedRows]]:
    """Each row's values as model attributes, once the models' own checks (a number's digits)
    pass; the problems go to the package. Rows of the shipped taxonomy are left out."""
    prepared: dict[str, tuple[exchange.TableRead, PreparedRows]] = {}
    for name, read in package.tables.items():
        table = hsds.TABLES[name]
        rows: PreparedRows = []
        for row in read.rows:
            attributes, refused = table.model_values(row.values)
            for column, reason in refused.items():
                package.problems.append(read.problem(row, column, reason))
            rows.append((row, attributes))
        prepared[name] = (read, _without_shipped_taxonomy(table, read, rows, package))
    return prepared


def _without_shipped_taxonomy(
    table: hsds.Table, read: exchange.TableRead, rows: PreparedRows, package: exchange.Package
) -> PreparedRows:
    """The Crossroads taxonomy ships with the code (taxonomy_install); a package that carries
    it (an export of another installation) leaves it as installed, and says so if it differs."""
    if table.model not in (Taxonomy, TaxonomyTerm):
        return rows
    shipped = {taxonomy.TAXONOMY_ID} | set(taxonomy.crossroads_taxonomy().by_id())
    installed = table.model._default_manager.in_bulk(
        [row.id for row, _ in rows if row.id in shipped]
    )
    kept = []
    for row, attributes in rows:
        record = installed.get(row.id)
        if row.id not in shipped:
            kept.append((row, attributes))
        elif record is None or any(getattr(record, k) != v for k, v in attributes.items()):
            package.warnings.append(
                read.problem(
                    row,
                    "id",
                    "part of the Crossroads taxonomy, which ships with the code: left as "
                    "installed (map your own terms onto it instead)",
                )
            )
    return kept


def _refusal(problems: list[exchange.Problem]) -> ValidationError:
    named: dict[str, list[str]] = {}
    for problem in problems[:PROBLEMS_NAMED]:
        named.setdefault(problem.place, []).append(problem.reason)
    if (left_out := len(problems) - PROBLEMS_NAMED) > 0:
        named.setdefault("package", []).append(f"and {left_out} more problems.")
    named.setdefault("package", []).append("Nothing was imported.")
    return ValidationError(named)


class _Stage:
    """One stage of an import, as `progress` hears it: how many of `total` are done."""

    def __init__(self, progress: ImportProgress | None, name: str, total: int) -> None:
        self.progress = progress
        self.name = name
        self.total = total
        self.done = 0
        self.advance(0)

    def advance(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.name, self.done, self.total)


def _upsert(
    read: exchange.TableRead, rows: PreparedRows, written: _Stage, touched: set[Reference]
) -> TableCounts:
    """Create the new records and update the changed ones of one table, in bulk; what the
    search index shows of them (as they were and as they are) goes into `touched`."""
    model = hsds.TABLES[read.table.name].model
    created = updated = 0
    for start in range(0, len(rows), hsds.CHUNK):
        chunk = rows[start : start + hsds.CHUNK]
        new, changed, fields = _changes(model, read, chunk, touched)
        model._default_manager.bulk_create(new, batch_size=500)
        if changed:
            model._default_manager.bulk_update(changed, sorted(fields), batch_size=500)
        created, updated = created + len(new), updated + len(changed)
        written.advance(len(chunk))
    # Rows left out (the shipped taxonomy) count as unchanged: the package read them all.
    return TableCounts(created, updated, len(read.rows) - created - updated)


def _changes(
    model: type[HsdsRecord],
    read: exchange.TableRead,
    chunk: PreparedRows,
    touched: set[Reference],
) -> tuple[list[HsdsRecord], list[HsdsRecord], set[str]]:
    """The chunk's new records, its changed ones, and the fields that changed."""
    existing = model._default_manager.in_bulk([row.id for row, _ in chunk])
    new: list[HsdsRecord] = []
    changed: list[HsdsRecord] = []
    fields: set[str] = set()
    table = read.table.name
    for row, attributes in chunk:
        record = existing.get(row.id)
        if record is None:
            new.append(model(**attributes, extra=row.extra))
            touched.update(_shown_in(table, row.id, attributes))
            continue
        before = set(_shown_in(table, row.id, vars(record)))
        # The package's extension columns replace those of the record; others stay.
        extra = {k: v for k, v in record.extra.items() if k not in read.extension}
        extra |= row.extra
        different = {k for k, v in attributes.items() if getattr(record, k) != v}
        if extra != record.extra:
            different.add("extra")
        for name in different:
            setattr(record, name, extra if name == "extra" else attributes[name])
        if different:
            fields |= different
            changed.append(record)
            touched.update(before, _shown_in(table, row.id, attributes))
    return new, changed, fields


# What the search index reads (index.py): a record of these tables shows in the entries of the
# services, locations or sites it names. Other tables (phones, contacts, funding…) show in none.
# ("service" | "location" | "service_at_location" | "organization", id)
Reference = tuple[str, UUID]
_OWNERS = ("service", "location", "service_at_location")
_SHOWN_BY_OWNER = {"address", "schedule", "language", "cost_option"}


def _shown_in(table: str, record_id: UUID, values: dict[str, Any]) -> Iterator[Reference]:
    if table in ("organization", "location", "service"):
        yield table, record_id
    elif table == "service_at_location":
        yield "service", values["service_id"]
    elif table == "attribute" and values.get("link_entity") in _OWNERS:
        yield values["link_entity"], values["link_id"]
    elif table in _SHOWN_BY_OWNER:
        for owner in _OWNERS:
            if values.get(f"{owner}_id"):
                yield owner, values[f"{owner}_id"]


def _services_showing(touched: set[Reference]) -> set[UUID]:
    """The services whose entries show any of these records, as the records now stand."""
    ids: dict[str, list[UUID]] = {kind: [] for kind in (*_OWNERS, "organization")}
    for kind, record_id in touched:
        ids[kind].append(record_id)
    services = set(ids["service"])
    sites = ServiceAtLocation.objects.filter(
        Q(pk__in=ids["service_at_location"]) | Q(location_id__in=ids["location"])
    )
    services.update(sites.values_list("service_id", flat=True))
    by_organization = Service.objects.filter(organization_id__in=ids["organization"])
    services.update(by_organization.values_list("pk", flat=True))
    return services


ExportForm = Literal["package", "json"]


def hsds_export(
    *, by: User | None, destination: Path, form: ExportForm | None = None
) -> dict[str, int]:
    """Write the whole directory out as HSDS 3.0; the number of records by table. One audit
    event.

    As a tabular package (a .zip, or into a folder): every table, with the official
    descriptor; extension fields imported with the records go back out as extra columns. As
    JSON (`form` "json", or a destination ending in .json): one HSDS API page of every service,
    fully nested as the API serves one, extension fields included: the services and all that
    is theirs (records no service reaches, such as an organization without services, are in the
    package only)."""
    if by is not None:
        access.require_permission(by, "directory.maintain")
    if form is None:
        form = "json" if destination.suffix.lower() == ".json" else "package"
    with transaction.atomic():
        if form == "json":
            return _services_json(by, destination)
        return _package(by, destination)


def _package(by: User | None, destination: Path) -> dict[str, int]:
    with exchange.PackageWriter(destination) as writer:
        for table in hsds.TABLES.values():
            writer.write_table(table.spec, *table.export_rows())
        _export_audited(by, destination, "package", writer.counts)
    return writer.counts


def _services_json(by: User | None, destination: Path) -> dict[str, int]:
    services = Service.objects.order_by("name", "id")  # as the HSDS API lists them
    total = services.count()
    envelope = hsds.page(total=total, number=1, per_page=max(total, 1), size=total)

    def full(records: Sequence[Service]) -> list[hsds.JsonDoc]:
        return hsds.nested("service", records, full=True)

    with exchange.replacing(destination) as stream:
        exchange.write_json_page(stream, envelope, hsds.in_chunks(services, full))
        counts = {"service": total}
        _export_audited(by, destination, "json", counts)
    return counts


def _export_audited(
    by: User | None, destination: Path, form: ExportForm, counts: dict[str, int]
) -> None:
    audit.record(
        by=by,
        verb="directory.hsds_export",
        detail={"destination": destination.name, "format": form, "records": counts},
    )


# --- Live capacity (helper "capacity") -----------------------------------------------------

# Clocks of providers' systems drift a little; a report from further ahead is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
MOST_PLACES = 100_000  # more beds or slots than any one site has: a typing slip
LONGEST_WAIT_MINUTES = 365 * 24 * 60
PROBLEMS_NAMED = 20  # a batch wrong throughout is refused naming this many, not thousands
NOTE_LENGTH = CapacityReport._meta.get_field("note").max_length or 0


@dataclass(frozen=True)
class CapacityReading:
    """One reading of a site's capacity, as a provider's system or the demo loader sends it."""

    site_id: UUID
    kind: str
    available: int | None
    total: int | None
    accepting: bool
    wait_minutes: int | None
    reported_at: datetime
    note: str = ""


def capacity_report(
    *,
    by: User,
    site: ServiceAtLocation,
    kind: str,
    available: int | None,
    total: int | None,
    accepting: bool,
    wait_minutes: int | None,
    note: str = "",
    at: datetime | None = None,
) -> CapacityReport:
    """Record what a site can take now. Reports are kept as history; the newest per kind is
    what search shows, until it is older than DIRECTORY_CAPACITY_MAX_AGE.

    Only staff of the agency that keeps the site's organization may report for it; `site` comes
    through queries.capacity_site_for, which answers 404 to everyone else.
    """
    access.require_permission(by, "directory.capacity")
    if not queries.sites_kept_by(by.agency_id).filter(pk=site.pk).exists():
        raise PermissionDenied("Only the agency that keeps this listing reports its capacity.")
    reading = CapacityReading(
        site.pk, kind, available, total, accepting, wait_minutes, at or timezone.now(), note
    )
    if problems := _reading_problems(reading, timezone.now()):
        raise ValidationError(problems)
    with transaction.atomic():
        report = _report_of(reading, by)
        report.save()
        audit.record(
            by=by,
            verb="directory.capacity_report",
            obj=report,
            detail={"site": str(site.pk), "kind": kind, "has_room": report.has_room},
        )
        index.refresh_capacity(site_ids=[site.pk])
    return report


def capacity_reports_import(*, by: User | None, readings: Iterable[CapacityReading]) -> int:
    """Record many readings at once (a provider's bed-board system, the demo's histories): all
    or nothing, with one audit event. A bad reading is named by its index and field.

    A person may send readings only for sites their agency keeps; the system (`by=None`) for
    any site in the directory. A reading the directory already holds (the same site, kind and
    time) is not recorded again, so a system that resends its last day adds nothing. Returns
    how many reports were written.
    """
    readings = list(readings)
    if not readings:
        return 0
    _refuse_bad_readings(by, readings)
    with transaction.atomic():
        new = _not_yet_recorded(readings)
        site_ids = {reading.site_id for reading in new}
        CapacityReport.objects.bulk_create(
            (_report_of(reading, by) for reading in new), batch_size=1000
        )
        audit.record(
            by=by,
            verb="directory.capacity_import",
            detail={
                "reports": len(new),
                "already_recorded": len(readings) - len(new),
                "sites": len(site_ids),
            },
        )
        index.refresh_capacity(site_ids=site_ids)
    return len(new)


def _not_yet_recorded(readings: list[CapacityReading]) -> list[CapacityReading]:
    """The readings, less those recorded before or repeated within the batch."""
    held = CapacityReport.objects.filter(
        service_at_location_id__in={r.site_id for r in readings},
        reported_at__range=(
            min(r.reported_at for r in readings),
            max(r.reported_at for r in readings),
        ),
    ).values_list("service_at_location_id", "kind", "reported_at")
    seen = set(held)
    new = []
    for reading in readings:
        key = (reading.site_id, reading.kind, reading.reported_at)
        if key not in seen:
            seen.add(key)
            new.append(reading)
    return new


def _refuse_bad_readings(by: User | None, readings: list[CapacityReading]) -> None:
    if by is not None:
        access.require_permission(by, "directory.capacity")
    sites = (
        queries.sites_kept_by(by.agency_id) if by is not None else ServiceAtLocation.objects.all()
    )
    known = set(sites.filter(pk__in={r.site_id for r in readings}).values_list("pk", flat=True))
    unknown_site = "no site your agency keeps has this id." if by else "no site has this id."
    now = timezone.now()
    problems: dict[str, str] = {}
    for number, reading in enumerate(readings):
        found = _reading_problems(reading, now)
        if reading.site_id not in known:
            found["site_id"] = unknown_site
        problems.update({f"readings[{number}].{name}": text for name, text in found.items()})
    if len(problems) > PROBLEMS_NAMED:
        left_out = len(problems) - PROBLEMS_NAMED
        problems = dict(list(problems.items())[:PROBLEMS_NAMED])
        problems["readings"] = f"and {left_out} more problems; nothing was recorded."
    if problems:
        raise ValidationError(problems)


def _report_of(reading: CapacityReading, by: User | None) -> CapacityReport:
    return CapacityReport(
        service_at_location_id=reading.site_id,
        kind=reading.kind,
        available=reading.available,
        total=reading.total,
        accepting=reading.accepting,
        wait_minutes=reading.wait_minutes,
        note=reading.note.strip(),
        reported_at=reading.reported_at,
        reported_by=by,
    )


def _reading_problems(reading: CapacityReading, now: datetime) -> dict[str, str]:
    """What is wrong with a reading, by field; empty if nothing."""
    problems: dict[str, str] = {}
    if reading.kind not in CapacityReport.Kind.values:
        problems["kind"] = f"unknown kind {reading.kind!r}; one of {CapacityReport.Kind.values}."
    for name in ("available", "total"):
        value = getattr(reading, name)
        if value is not None and not 0 <= value <= MOST_PLACES:
            problems[name] = f"must be between 0 and {MOST_PLACES:,}."
    if reading.wait_minutes is not None and not 0 <= reading.wait_minutes <= LONGEST_WAIT_MINUTES:
        problems["wait_minutes"] = f"must be between 0 and {LONGEST_WAIT_MINUTES:,}."
    available, total = reading.available, reading.total
    if available is not None and total is not None and available > total:
        problems.setdefault("available", f"cannot be more than the total ({total}).")
    if len(reading.note) > NOTE_LENGTH:
        problems["note"] = f"at most {NOTE_LENGTH} characters."
    if timezone.is_naive(reading.reported_at):
        problems["reported_at"] = "give a time zone (for example 2026-11-26T09:30Z)."
    elif reading.reported_at > now + FUTURE_TOLERANCE:
        problems["reported_at"] = "is in the future."
    return problems


# --- Verification and proposed changes (helper "capacity") -----------------------------------


def verification_tasks_open(*, today: date) -> int:
    """The system's sweep: open a verification task for every organization, service and location
    not verified within DIRECTORY_VERIFY_WITHIN (never verified counts), once per record.

    Running it again opens nothing new; tasks whose record has since been verified (or removed)
    are closed, so the maintainer's list holds only work left to do. One audit event per sweep.
    Returns how many tasks it opened.
    """
    now = timezone.now()
    opened = closed = 0
    with transaction.atomic():
        for table, model in queries.LISTING_MODELS.items():
            overdue = _overdue_records(model, today)
            waiting = dict(
                VerificationTask.objects.filter(
                    record_table=table, status=VerificationTask.Status.OPEN
                ).values_list("record_id", "pk")
            )
            new = [
                VerificationTask(
                    record_table=table,
                    record_id=record_id,
                    record_name=name,
                    last_verified_on=verified_on,
                    created_at=now,
                )
                for record_id, (name, verified_on) in overdue.items()
                if record_id not in waiting
            ]
            # A sweep running at the same moment may open the same task: the database's one
            # open task per record decides, and the loser's row is dropped.
            VerificationTask.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
            settled = [pk for record_id, pk in waiting.items() if record_id not in overdue]
            closed += VerificationTask.objects.filter(pk__in=settled).update(
                status=VerificationTask.Status.DONE, closed_at=now
            )
            opened += len(new)
        audit.record(
            by=None,
            verb="directory.verification_tasks_open",
            detail={"today": today.isoformat(), "opened": opened, "closed": closed},
        )
    return opened


def _overdue_records(
    model: type[queries.Listing], today: date
) -> dict[UUID, tuple[str, date | None]]:
    within = settings.DIRECTORY_VERIFY_WITHIN
    rows = model.objects.values_list("pk", "name", "last_verified_on")
    return {
        pk: (name or str(pk), verified_on)
        for pk, name, verified_on in rows.iterator(chunk_size=5000)
        if freshness.verification_overdue(verified_on=verified_on, today=today, within=within)
    }


def record_verify(
    *, by: User, task: VerificationTask, at: datetime | None = None
) -> VerificationTask:
    """The maintainer confirms a listing is still true: it is verified today (the maintainer's
    local date) and its task is closed. `task` comes through queries.verification_task_for."""
    moment = at or timezone.now()
    with transaction.atomic():
        current = VerificationTask.objects.select_for_update().get(pk=task.pk)
        if current.status != VerificationTask.Status.OPEN:
            raise ValidationError({"task": "was already closed; nothing left to verify."})
        record = _locked_listing(current.record_table, current.record_id)
        day = _local_day(by, moment)
        record.last_verified_on = day
        record.save(update_fields=["last_verified_on"])
        _close(current, by, moment)
        audit.record(
            by=by,
            verb="directory.record_verify",
            obj=current,
            detail={
                "table": current.record_table,
                "record": str(current.record_id),
                "verified_on": day.isoformat(),
            },
        )
        index.refresh_search_entries(
            service_ids=_services_showing({(current.record_table, record.pk)})
        )
    return current


def _close(task: VerificationTask, by: User, moment: datetime) -> None:
    task.status = VerificationTask.Status.DONE
    task.closed_at = moment
    task.closed_by = by
    task.save(update_fields=["status", "closed_at", "closed_by"])


def _locked_listing(table: str, record_id: UUID) -> queries.Listing:
    record = queries.LISTING_MODELS[table].objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        raise ValidationError(
            {"record": f"this {table} is no longer in the directory; the next sweep closes it."}
        )
    return record


def _local_day(by: User, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(by.agency.time_zone)).date()


# What an organisation's staff may change in its own listing, by HSDS table; everything else
# (identifiers, references, coordinates, status) stays with the maintainer and HSDS imports.
SHORT, LONG = 250, 4000  # characters: a name or a phrase; a paragraph or a few


class FieldKind(enum.Enum):
    TEXT = "text"
    EMAIL = "email"
    URL = "url"
    AGE = "age"


@dataclass(frozen=True)
class Editable:
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    length: int = SHORT


NAME = Editable(required=True)
PARAGRAPH = Editable(length=LONG)
EMAIL = Editable(FieldKind.EMAIL)
WEB = Editable(FieldKind.URL)
AGE = Editable(FieldKind.AGE)
EDITABLE: dict[str, dict[str, Editable]] = {
    "organization": {
        "name": NAME,
        "alternate_name": Editable(),
        "description": Editable(required=True, length=LONG),
        "email": EMAIL,
        "website": WEB,
    },
    "service": {
        "name": NAME,
        "alternate_name": Editable(),
        "description": PARAGRAPH,
        "url": WEB,
        "email": EMAIL,
        "eligibility_description": PARAGRAPH,
        "application_process": PARAGRAPH,
        "fees_description": PARAGRAPH,
        "wait_time": Editable(),
        "minimum_age": AGE,
        "maximum_age": AGE,
        "interpretation_services": Editable(),
        "alert": PARAGRAPH,
    },
    "location": {
        "name": Editable(),
        "alternate_name": Editable(),
        "description": PARAGRAPH,
        "transportation": PARAGRAPH,
        "url": WEB,
    },
}
OLDEST_AGE = 120


class StaleProposal(Exception):
    """The listing changed after the edit was proposed: approving it would undo that change."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            f"The listing changed after this edit was proposed ({', '.join(fields)}): approving "
            "it would overwrite that. Reject it and ask the provider to propose it again."
        )
        self.fields = fields


def change_propose(*, by: User, record: queries.Listing, changes: dict[str, Any]) -> ProposedChange:
    """An organisation's own staff propose an edit to its listing; nothing changes in the
    directory until the maintainer approves it. Only the fields in EDITABLE, only values that
    differ from the listing now. `record` comes through queries.listing_for."""
    table = record.hsds_table
    access.require_permission(by, "directory.propose")
    organization = queries.keeper_of(record)
    if organization is None or organization.agency_id != by.agency_id:
        raise PermissionDenied("Only the agency that keeps this listing proposes edits to it.")
    cleaned = _cleaned_changes(table, changes, record)
    previous = {name: getattr(record, name) for name in cleaned}
    cleaned = {name: value for name, value in cleaned.items() if value != previous[name]}
    if not cleaned:
        raise ValidationError({"changes": "nothing differs from the listing as it is now."})
    change = ProposedChange(
        record_table=table,
        record_id=record.pk,
        organization=organization,
        changes=cleaned,
        previous={name: previous[name] for name in cleaned},
        proposed_by=by,
        proposed_at=timezone.now(),
    )
    with transaction.atomic():
        change.save()
        audit.record(
            by=by,
            verb="directory.change_propose",
            obj=change,
            detail={"table": table, "record": str(record.pk), "fields": sorted(cleaned)},
        )
    return change


def change_approve(
    *, by: User, change: ProposedChange, at: datetime | None = None
) -> ProposedChange:
    """The maintainer approves a proposed edit: it goes live, and the record counts as verified
    today. Refused (StaleProposal) if a field it changes was changed since it was proposed."""
    moment = at or timezone.now()
    with transaction.atomic():
        current = _pending(change)
        record = _locked_listing(current.record_table, current.record_id)
        moved = [
            name for name, before in current.previous.items() if getattr(record, name) != before
        ]
        if moved:
            raise StaleProposal(moved)
        for name, value in current.changes.items():
            setattr(record, name, value)
        record.last_verified_on = _local_day(by, moment)
        touched = [*current.changes, "last_verified_on"]
        if isinstance(record, Service):
            record.last_modified = moment  # HSDS: when the service's information last changed
            touched.append("last_modified")
        record.save(update_fields=touched)
        _review(current, by, moment, ProposedChange.Status.APPROVED)
        _close_open_task(current.record_table, record.pk, by, moment)
        audit.record(
            by=by,
            verb="directory.change_approve",
            obj=current,
            detail={"table": current.record_table, "fields": sorted(current.changes)},
        )
        index.refresh_search_entries(
            service_ids=_services_showing({(current.record_table, record.pk)})
        )
    return current


def change_reject(*, by: User, change: ProposedChange, note: str) -> ProposedChange:
    """The maintainer turns a proposed edit down, saying why; the provider sees the note."""
    note = note.strip()
    limit = ProposedChange._meta.get_field("review_note").max_length or 0
    if not note:
        raise ValidationError({"note": "say why, so the provider can correct it."})
    if len(note) > limit:
        raise ValidationError({"note": f"at most {limit} characters."})
    with transaction.atomic():
        current = _pending(change)
        current.review_note = note
        _review(current, by, timezone.now(), ProposedChange.Status.REJECTED)
        audit.record(
            by=by,
            verb="directory.change_reject",
            obj=current,
            detail={"table": current.record_table, "fields": sorted(current.changes)},
        )
    return current


def _pending(change: ProposedChange) -> ProposedChange:
    current = ProposedChange.objects.select_for_update().get(pk=change.pk)
    if current.status != ProposedChange.Status.PENDING:
        raise ValidationError({"change": f"was already reviewed: {current.get_status_display()}."})
    return current


def _review(change: ProposedChange, by: User, moment: datetime, status: str) -> None:
    change.status = status
    change.reviewed_by = by
    change.reviewed_at = moment
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])


def _close_open_task(table: str, record_id: UUID, by: User, moment: datetime) -> None:
    """An approved edit was reviewed against the record: it counts as its verification."""
    task = (
        VerificationTask.objects.select_for_update()
        .filter(record_table=table, record_id=record_id, status=VerificationTask.Status.OPEN)
        .first()
    )
    if task is not None:
        _close(task, by, moment)


def _cleaned_changes(
    table: str, changes: dict[str, Any], record: queries.Listing
) -> dict[str, Any]:
    """The proposed values as they would be stored, or a ValidationError naming each field."""
    fields = EDITABLE[table]
    problems: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in fields:
            problems[name] = f"is not a field you can edit; you can edit {', '.join(fields)}."
            continue
        try:
            cleaned[name] = _cleaned_value(fields[name], value)
        except ValidationError as error:
            problems[name] = " ".join(error.messages)
    lowest = cleaned.get("minimum_age", getattr(record, "minimum_age", None))
    highest = cleaned.get("maximum_age", getattr(record, "maximum_age", None))
    if not problems and lowest is not None and highest is not None and lowest > highest:
        problems["maximum_age"] = f"is below the minimum age ({lowest:g})."
    if problems:
        raise ValidationError(problems)
    return cleaned


def _cleaned_value(field: Editable, value: Any) -> str | float | None:
    if field.kind is FieldKind.AGE:
        return _cleaned_age(value)
    if value is None or value == "":
        if field.required:
            raise ValidationError("is required.")
        return None
    if not isinstance(value, str):
        raise ValidationError("must be text.")
    text = value.strip()
    if not text and field.required:
        raise ValidationError("is required.")
    if len(text) > field.length:
        raise ValidationError(f"at most {field.length:,} characters.")
    if field.kind is FieldKind.EMAIL and text:
        EmailValidator(message="is not an email address.")(text)
    if field.kind is FieldKind.URL and text:
        URLValidator(schemes=["http", "https"], message="is not a web address (https://…).")(text)
    return text or None


def _cleaned_age(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("must be a number of years.")
    if not 0 <= value <= OLDEST_AGE:
        raise ValidationError(f"must be between 0 and {OLDEST_AGE}.")
    return float(value)


# --- Listing ownership -------------------------------------------------------------------------


def organization_assign_agency(
    *, by: User | None, organization: Organization, agency: Agency | None
) -> Organization:
    """Name the Crossroads agency whose staff keep this listing and its capacity current (None
    releases it). HSDS has no notion of it: it decides who may report capacity and propose edits."""
    with transaction.atomic():
        organization.agency = agency
        organization.save(update_fields=["agency"])
        audit.record(
            by=by,
            verb="directory.organization_assign_agency",
            obj=organization,
            detail={"agency": str(agency.pk) if agency else None},
        )
    return organization


# --- Search (helper "search") ------------------------------------------------------------------


def search_index_rebuild(*, by: User | None) -> int:
    """Rebuild the whole search index from the directory's records; returns its entries.

    Imports and edits keep the index current; this is for after an upgrade that changes how
    entries are built, or after term mappings change (every service may read differently)."""
    if by is not None:
        access.require_permission(by, "directory.maintain")
    with transaction.atomic():
        entries = index.refresh_search_entries()
        audit.record(by=by, verb="directory.search_index_rebuild", detail={"entries": entries})
    return entries


def term_mapping_create(
    *, by: User | None, agency: Agency, term: TaxonomyTerm, category: str
) -> TermMapping:
    """Read an agency's own taxonomy term as a Crossroads code (a category, access or payment
    term) wherever its attributes tag a service, location or site; search follows at once."""
    if by is not None:
        access.require_permission(by, "directory.maintain")
    shipped = taxonomy.crossroads_taxonomy()
    known = [t.code for t in shipped.terms if t.parent_id is not None]
    if category not in known:
        raise ValidationError({"category": f"{category!r} is not a Crossroads taxonomy code."})
    with transaction.atomic():
        mapping, _ = TermMapping.objects.get_or_create(
            term=term, category=category, defaults={"agency": agency}
        )
        audit.record(
            by=by,
            verb="directory.term_mapping_create",
            obj=mapping,
            agency=agency,
            detail={"term": str(term.pk), "category": category},
        )
        index.refresh_search_entries(service_ids=index.services_tagged_with(term.pk))
    return mapping


# --- Verification history carried over (helper "demo") ----------------------------------------


def verifications_import(*, by: User | None, verified_on: Mapping[tuple[str, UUID], date]) -> int:
    """Carry over the days listings were last verified, as kept by the directory a county used
    before Crossroads (the demo's generated history arrives this way too): all or nothing, with
    one audit event; search shows the dates at once. `verified_on` maps (HSDS table, record id)
    to a day. The next verification sweep opens tasks for what is now overdue and closes the
    tasks of what was verified in time. Returns how many records were updated."""
    if by is not None:
        access.require_permission(by, "directory.maintain")
    with transaction.atomic():
        wanted = _verified_listings(verified_on)
        for table, days in wanted.items():
            on_day: dict[date, list[UUID]] = {}
            for record_id, day in days.items():
                on_day.setdefault(day, []).append(record_id)
            model = queries.LISTING_MODELS[table]
            for day, ids in on_day.items():
                model.objects.filter(pk__in=ids).update(last_verified_on=day)
        shown = {(table, record_id) for table, days in wanted.items() for record_id in days}
        index.refresh_search_entries(service_ids=_services_showing(shown))
        audit.record(
            by=by,
            verb="directory.verifications_import",
            detail={table: len(days) for table, days in wanted.items()},
        )
    return sum(len(days) for days in wanted.values())


def _verified_listings(
    verified_on: Mapping[tuple[str, UUID], date],
) -> dict[str, dict[UUID, date]]:
    """The days to write, by table; ValidationError naming what cannot be carried over."""
    # A day ahead of the server's date is today somewhere the maintainer may be.
    latest = timezone.localdate() + timedelta(days=1)
    wanted: dict[str, dict[UUID, date]] = {table: {} for table in queries.LISTING_MODELS}
    problems = []
    for (table, record_id), day in verified_on.items():
        if table not in wanted:
            problems.append(f"{table} {record_id}: only organizations, services and locations.")
        elif day > latest:
            problems.append(f"{table} {record_id}: {day} is in the future.")
        else:
            wanted[table][record_id] = day
    for table, days in wanted.items():
        known = queries.LISTING_MODELS[table].objects.in_bulk(list(days))
        problems += [f"{table} {pk}: not in the directory." for pk in days if pk not in known]
    if problems:
        left_out = len(problems) - PROBLEMS_NAMED
        more = [f"and {left_out} more; nothing was carried over."] if left_out > 0 else []
        raise ValidationError({"verified_on": [*problems[:PROBLEMS_NAMED], *more]})
    return wanted
