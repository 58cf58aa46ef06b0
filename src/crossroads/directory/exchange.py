"""HSDS 3.0 data in and out: the specification's tables, reading packages and JSON, writing them.

A package is a folder or a .zip of CSV files, one per HSDS table, usually with the
`datapackage.json` descriptor that names them. The tables, their fields, types, required fields
and value lists come from the official descriptor shipped in hsds_schema/ (data, not code), and
every package Crossroads writes carries that descriptor. HSDS JSON (a record, a list of them,
or a page of the HSDS API) nests records in one another; reading it takes them apart into the
same tables, each nested record given the reference its place implies (`Nesting`).

Reading checks every value and reports what is wrong as `file:line (id):column: reason` (the
line being the physical line of the CSV file, the id the record's, when it has a readable one)
or `file:$.json.path (id):field: reason`. What the standard allows but Crossroads cannot use
as is (a record pointing at one the package does not carry, coordinates off the globe, a file
that is no HSDS table) is a warning, never silence, and the data is kept as given. Fields
beyond HSDS are extension fields: kept verbatim and written back.
Pure: no Django, so packages are checked fast and tested in bulk.
"""

from __future__ import annotations

import codecs
import copy
import csv
import hashlib
import io
import json
import math
import os
import tempfile
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Literal, Protocol, cast

from pydantic import BaseModel, ConfigDict
from pydantic import Field as Alias

from crossroads.core.csv_files import ENCODING, HeaderError, csv_rows

SPEC_FILE = Path(__file__).with_name("hsds_schema") / "datapackage.json"
DESCRIPTOR = "datapackage.json"
# Declared unpacked size of the files read from one .zip: a bound on what a small upload can
# make the reader hold, far above any county's directory (65,000 records take about 6 MB).
MAX_UNPACKED = 1 << 30

Kind = Literal["uuid", "string", "number", "date", "datetime", "time"]
Value = uuid.UUID | str | Decimal | date | datetime | time | None
# Where a place on the globe is. HSDS does not bound coordinates (the official example has
# latitude 100): others are kept as given, with a warning that distance cannot find them.
COORDINATES = {"latitude": (-90, 90), "longitude": (-180, 180)}
# The records an HSDS JSON file holds, told by its name when not given: services.json,
# service_full.json, organization_list.json ... Longer names first (service_at_location).
JSON_TABLES = (
    "service_at_location",
    "service",
    "organization",
    "location",
    "taxonomy_term",
    "taxonomy",
)
PROGRESS_EVERY = 2_000  # records between progress reports
Progress = Callable[[int, int], None]  # (records read so far, records to read: an estimate)


# --- the specification ------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One HSDS field: its type, whether a record must have it, and its values if listed."""

    name: str
    kind: Kind
    required: bool
    values: tuple[str, ...] = ()
    refers_to: str | None = None  # the table an identifier points into

    def parse(self, text: str) -> Value:
        """The cell's value (None for an empty cell); ValueError naming what is wrong."""
        if not text.strip():
            if self.required:
                raise ValueError("missing value")
            return None
        if self.values and text not in self.values:
            known = ", ".join(repr(v) for v in self.values)
            raise ValueError(f"{text!r} is not one of {known}")
        if self.kind != "string":
            return _PARSERS[self.kind](text.strip())
        if "\x00" in text:  # PostgreSQL keeps no NUL in text
            raise ValueError("contains a NUL character")
        return text

    def format(self, value: Value | float) -> str:
        """The cell for a value: what `parse` reads back as the same value."""
        return cell_text(value)


def cell_text(value: Value | float) -> str:
    """A value as HSDS writes it in a CSV cell (and, for dates, times and ids, in JSON)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | float | int):
        return number_text(value)
    return str(value)


def number_text(value: Decimal | float | int) -> str:
    """A number as HSDS writes it: whole numbers without a decimal point, no exponent."""
    # repr() is the shortest text that reads back as the same float.
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return f"{exact.normalize():f}"


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a UUID") from None


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite() or not math.isfinite(float(number)):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time (ISO 8601)") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (write it as {text}Z if it is UTC)")
    return moment


def _time(text: str) -> time:
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time (HH:MM or HH:MM:SS)") from None
    if moment.tzinfo is not None:
        raise ValueError(f"{text!r}: opening times are local times, without an offset")
    return moment


_PARSERS: dict[Kind, Callable[[str], Value]] = {
    "uuid": _uuid,
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
}


@dataclass(frozen=True)
class Table:
    """One HSDS table: its name, its file in a tabular package, its fields in order."""

    name: str
    file: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def references(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.refers_to)


@dataclass(frozen=True)
class Nesting:
    """How a record of one table holds records of another in HSDS JSON: a service's `phones`.

    `many`: a list of records that each point at the holder (a phone's `service_id`); else one
    record the holder points at (a service's `organization_id`). `field` is that reference. A
    record that can belong to any table (an attribute, metadata) also names the holder's table,
    in `kind_field`."""

    key: str
    table: str
    many: bool
    field: str
    kind_field: str | None = None


Shapes = Mapping[str, Sequence[Nesting]]  # what each table's records hold, by table


@cache
def inherited_references(holder: str, held: str) -> tuple[tuple[str, str], ...]:
    """What a record of table `held` nested as one in a `holder` may leave out in JSON and
    share with it: a reference the tables require of it into a table the holder refers to too
    (a service's program belongs to the service's organization). (held's field, holder's)."""
    theirs = {f.refers_to: f.name for f in tables()[holder].references}
    return tuple(
        (f.name, theirs[f.refers_to])
        for f in tables()[held].references
        if f.required and f.refers_to in theirs
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Constraints(_Strict):
    required: bool = False
    enum: tuple[str, ...] = ()


class _FieldSpec(_Strict):
    name: str
    type: Literal["string", "number", "date", "datetime", "time"]
    format: str | None = None
    constraints: _Constraints = _Constraints()


class _Reference(_Strict):
    resource: str
    fields: str


class _ForeignKey(_Strict):
    fields: str
    reference: _Reference


class _Schema(_Strict):
    fields: tuple[_FieldSpec, ...]
    foreign_keys: tuple[_ForeignKey, ...] = Alias((), alias="foreignKeys")


class _Resource(_Strict):
    name: str
    path: str
    table_schema: _Schema = Alias(alias="schema")


class _Descriptor(_Strict):
    version: str
    resources: tuple[_Resource, ...]


def _table(resource: _Resource) -> Table:
    targets = {fk.fields: fk.reference.resource for fk in resource.table_schema.foreign_keys}
    fields = tuple(
        Field(
            name=spec.name,
            kind="uuid" if spec.format == "uuid" else spec.type,
            required=spec.constraints.required,
            values=spec.constraints.enum,
            refers_to=targets.get(spec.name),
        )
        for spec in resource.table_schema.fields
    )
    return Table(resource.name, resource.path, fields)


@cache
def official_descriptor() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def tables() -> dict[str, Table]:
    """The HSDS tables by name, in the official descriptor's order."""
    descriptor = _Descriptor.model_validate(official_descriptor())
    return {r.name: _table(r) for r in descriptor.resources}


def hsds_version() -> str:
    return str(official_descriptor()["version"])


# --- what reading finds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong (or, as a warning, worth knowing) at a place in the package.

    `line` 0 is the package or the file as a whole; 1 is a CSV file's header. A record read
    from JSON is named by its `record` path instead (`$.contents[0].phones[1]`)."""

    file: str
    line: int
    column: str
    reason: str
    record: str = ""
    record_id: str = ""  # the HSDS id of the record, when it has a readable one

    @property
    def place(self) -> str:
        where = self.record or (str(self.line) if self.line else "")
        where = f"{self.file}:{where}" if where else self.file
        if self.record_id:
            where = f"{where} ({self.record_id})"
        return f"{where}:{self.column}" if self.column else where

    def __str__(self) -> str:
        return f"{self.place}: {self.reason}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "record": self.record,
            "record_id": self.record_id,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class Row:
    """One record: the values of the HSDS fields it has, and its extension fields."""

    line: int
    values: dict[str, Value]
    extra: dict[str, str]
    record: str = ""  # where it is in JSON (its first place, if nested in several)

    @property
    def id(self) -> uuid.UUID:
        # Every row kept has one: "id" is required, and a row with a bad one is a problem.
        return cast(uuid.UUID, self.values["id"])


@dataclass
class TableRead:
    table: Table
    file: str
    columns: tuple[str, ...]  # the HSDS fields the file has, in its order
    extension: tuple[str, ...]  # its columns beyond HSDS
    rows: list[Row] = field(default_factory=list)
    first_lines: dict[uuid.UUID, int] = field(default_factory=dict, repr=False)

    def problem(self, row: Row, column: str, reason: str) -> Problem:
        """A problem (or warning) with a field of one of the table's records."""
        record_id = row.values.get("id")
        return Problem(self.file, row.line, column, reason, row.record, str(record_id or ""))


@dataclass
class Package:
    """What one package holds once read: its tables, and every problem and warning found."""

    name: str
    sha256: str
    tables: dict[str, TableRead] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())

    def ids(self, table: str) -> set[uuid.UUID]:
        read = self.tables.get(table)
        return {row.id for row in read.rows} if read else set()

    def check_references(self, known: Callable[[str, set[uuid.UUID]], set[uuid.UUID]]) -> None:
        """Warn of every identifier that points at a record neither here nor `known`.

        `known(table, ids)` answers which of `ids` the directory already has. HSDS data in the
        wild (the official examples among it) points at records it does not carry, so these
        are warnings: the records are kept and the link shows once its target arrives."""
        for read in self.tables.values():
            for ref in read.table.references:
                if ref.name not in read.columns or ref.refers_to is None:
                    continue
                wanted = {r.values.get(ref.name) for r in read.rows} - {None}
                targets = {v for v in wanted if isinstance(v, uuid.UUID)}
                missing = targets - self.ids(ref.refers_to)
                missing -= known(ref.refers_to, missing) if missing else set()
                for row in read.rows:
                    if row.values.get(ref.name) in missing:
                        self.warnings.append(
                            read.problem(
                                row,
                                ref.name,
                                f"no {ref.refers_to} {row.values[ref.name]} in the package "
                                "or the directory (kept; the link shows once it arrives)",
                            )
                        )


# --- reading ------------------------------------------------------------------------------------


class _Source(Protocol):
    """The files of a package, by their path inside it."""

    name: str

    def names(self) -> list[str]: ...

    def open_bytes(self, name: str) -> IO[bytes]: ...

    def sha256(self) -> str: ...

    def close(self) -> None: ...


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.name = self.root.name

    def names(self) -> list[str]:
        found = (p for p in self.root.rglob("*") if p.is_file())
        return sorted(p.relative_to(self.root).as_posix() for p in found)

    def open_bytes(self, name: str) -> IO[bytes]:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):
            raise FileNotFoundError(name)
        return path.open("rb")

    def sha256(self) -> str:
        """Of the files' names and contents, so the same folder always hashes the same."""
        digest = hashlib.sha256()
        for name in self.names():
            digest.update(name.encode() + b"\0" + (self.root / name).read_bytes() + b"\0")
        return digest.hexdigest()

    def close(self) -> None:
        return None


class _Zip:
    """A .zip, its files read in place (nothing is extracted). A zip of a folder keeps the files
    under the folder's name: the package's root is where its descriptor, or its CSV files, are."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.archive = zipfile.ZipFile(path)
        members = [m for m in self.archive.infolist() if not m.is_dir()]
        self.root = _root_of([m.filename for m in members])
        self.members = {
            m.filename.removeprefix(self.root): m
            for m in members
            if m.filename.startswith(self.root)
        }

    def names(self) -> list[str]:
        return sorted(self.members)

    def open_bytes(self, name: str) -> IO[bytes]:
        member = self.members.get(str(PurePosixPath(name)))
        if member is None:
            raise FileNotFoundError(name)
        return self.archive.open(member)

    def unpacked_size(self) -> int:
        return sum(m.file_size for m in self.members.values())

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    def close(self) -> None:
        self.archive.close()


def _root_of(names: list[str]) -> str:
    """The folder inside a zip that holds the package ('' for the top)."""
    descriptors = sorted((n for n in names if PurePosixPath(n).name == DESCRIPTOR), key=len)
    if descriptors:
        parent = str(PurePosixPath(descriptors[0]).parent)
        return "" if parent == "." else parent + "/"
    folders = {str(PurePosixPath(n).parent) for n in names if n.endswith(".csv")}
    if len(folders) == 1 and (folder := folders.pop()) != ".":
        return folder + "/"
    return ""


def read_package(path: Path, *, progress: Progress | None = None) -> Package:
    """Read and check a package (a folder, or a .zip); nothing is raised for bad content.

    `progress`, if given, hears at the start, every PROGRESS_EVERY records and at the end how
    many have been read, and about how many there are."""
    if not path.exists():
        return _refused(path.name, "no such file or folder")
    try:
        source: _Source = _Folder(path) if path.is_dir() else _Zip(path)
    except (zipfile.BadZipFile, OSError) as error:
        return _refused(path.name, f"neither a folder nor a readable .zip ({error})")
    with closing(source):
        if isinstance(source, _Zip) and source.unpacked_size() > MAX_UNPACKED:
            return _refused(path.name, f"unpacks to more than {MAX_UNPACKED >> 20} MiB")
        package = Package(name=source.name, sha256=source.sha256())
        resources = _resources(source, package)
        counter = _Counter(progress, _records_in(source, resources) if progress else 0)
        for table, file in resources:
            _read_table(source, table, file, package, counter)
        counter.end()
        if not package.tables and not package.problems:
            expected = ", ".join(t.file for t in list(tables().values())[:3])
            package.problems.append(
                Problem(package.name, 0, "", f"no HSDS tables found ({DESCRIPTOR}, {expected}…)")
            )
    return package


def _refused(name: str, reason: str, line: int = 0) -> Package:
    return Package(name=name, sha256="", problems=[Problem(name, line, "", reason)])


class _Counter:
    """Tells `progress` how many records have been read, every PROGRESS_EVERY of them."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        if progress is not None:
            progress(0, total)

    def step(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % PROGRESS_EVERY == 0:
            self.progress(self.done, max(self.total, self.done))

    def end(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.done)


def _records_in(source: _Source, resources: list[tuple[Table, str]]) -> int:
    """About how many records the files hold (their lines less the headers): one quick pass."""
    lines = 0
    for _, file in resources:
        try:
            with source.open_bytes(file) as stream:
                while block := stream.read(1 << 20):
                    lines += block.count(b"\n")
        except (FileNotFoundError, KeyError):
            continue  # reported when the table is read
        lines -= 1
    return max(lines, 0)


def _resources(source: _Source, package: Package) -> list[tuple[Table, str]]:
    """Which file holds which table: as the descriptor says, else by the standard file names."""
    names = source.names()
    known = tables()
    if DESCRIPTOR in names and not _descriptor_is_a_link(source, package):
        described = _described(source, package, known)
        if described is None:
            return []
        listed = described
    else:
        listed = [(t, t.file) for t in known.values() if t.file in names]
    read = {file for _, file in listed}
    for name in names:
        if name.endswith(".csv") and name not in read:
            package.warnings.append(
                Problem(name, 0, "", "not an HSDS table of this package; not read")
            )
    return listed


def _descriptor_is_a_link(source: _Source, package: Package) -> bool:
    """Where symbolic links are not kept, git checks one out as a file holding its target: the
    official examples' descriptor reads `../../datapackage.json`. Then the tables are read by
    their standard file names, as without a descriptor."""
    with source.open_bytes(DESCRIPTOR) as stream:
        head = stream.read(1024)
    target = head.decode("utf-8", "replace").strip()
    if len(head) == 1024 or not target.endswith(".json") or any(c in target for c in "{\n"):
        return False
    package.warnings.append(
        Problem(
            DESCRIPTOR,
            0,
            "",
            f"a link to {target} (checked out as a file), not a descriptor: the tables are "
            "read by their standard file names",
        )
    )
    return True


def _described(
    source: _Source, package: Package, known: dict[str, Table]
) -> list[tuple[Table, str]] | None:
    try:
        with source.open_bytes(DESCRIPTOR) as stream:
            descriptor = json.load(stream)
        resources = descriptor["resources"]
        listed = [(str(r["name"]), r["path"]) for r in resources]
    except (ValueError, KeyError, TypeError) as error:
        package.problems.append(
            Problem(DESCRIPTOR, 0, "", f"not a data package descriptor: {error}")
        )
        return None
    version = str(descriptor.get("version", ""))
    if version and not version.startswith(hsds_version().split(".")[0] + "."):
        package.warnings.append(
            Problem(DESCRIPTOR, 0, "version", f"written for HSDS {version}; read as HSDS 3")
        )
    found = []
    for name, file in listed:
        if name not in known:
            package.warnings.append(
                Problem(DESCRIPTOR, 0, "resources", f"{name!r} is not an HSDS table; not read")
            )
        elif not isinstance(file, str):
            package.problems.append(
                Problem(DESCRIPTOR, 0, "resources", f"{name}: one file per table, please")
            )
        else:
            found.append((known[name], file))
    return found


def _read_table(
    source: _Source, table: Table, file: str, package: Package, counter: _Counter
) -> None:
    try:
        with source.open_bytes(file) as stream:
            not_utf8 = _not_utf8(file, stream)
    except (FileNotFoundError, KeyError):
        package.problems.append(
            Problem(file, 0, "", f"missing: the descriptor lists it for {table.name}")
        )
        return
    if not_utf8:
        package.problems.append(not_utf8)
        return
    with io.TextIOWrapper(source.open_bytes(file), encoding=ENCODING, newline="") as text:
        try:
            header, rows = csv_rows(text)
            read = _header(table, file, header, package)
            if read is None:
                return
            for line, cells in rows:
                counter.step()
                _read_row(read, header, line, cells, package)
        except HeaderError as error:
            package.problems += [Problem(file, p.line, p.column, p.reason) for p in error.problems]
            return
    package.tables[table.name] = read


def _not_utf8(file: str, stream: IO[bytes]) -> Problem | None:
    """Checked before the CSV is parsed, so the line of the first bad byte can be named (a
    text reader decodes ahead of the line it hands out)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    while block := stream.read(1 << 20):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            line = lines + block.count(b"\n", 0, error.start) + 1
            return Problem(
                file, line, "", f"not UTF-8 text (byte {block[error.start]:#04x}); save it as UTF-8"
            )
        lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return Problem(file, lines + 1, "", "not UTF-8 text (it ends inside a character)")
    return None


def _header(table: Table, file: str, header: list[str], package: Package) -> TableRead | None:
    before = len(package.problems)
    seen: set[str] = set()
    for column in header:
        if not column.strip():
            package.problems.append(Problem(file, 1, "", "a column without a name"))
        elif column in seen:
            package.problems.append(Problem(file, 1, column, "column twice"))
        seen.add(column)
    for spec in table.fields:
        if spec.required and spec.name not in seen:
            package.problems.append(
                Problem(file, 1, spec.name, "missing column (HSDS requires it)")
            )
    if len(package.problems) > before:
        return None
    names = {f.name for f in table.fields}
    return TableRead(
        table=table,
        file=file,
        columns=tuple(c for c in header if c in names),
        extension=tuple(c for c in header if c not in names),
    )


def _read_row(
    read: TableRead, header: list[str], line: int, cells: list[str] | str, package: Package
) -> None:
    if isinstance(cells, str):
        package.problems.append(Problem(read.file, line, "", cells))
    elif len(cells) != len(header):
        package.problems.append(
            Problem(read.file, line, "", f"expected {len(header)} fields, found {len(cells)}")
        )
    else:
        texts = dict(zip(header, cells, strict=True))
        extra = {c: texts.pop(c) for c in read.extension if texts[c]}
        row = _accept(read, Row(line, {}, extra), texts, package)
        if row is None:
            return
        first = read.first_lines.setdefault(row.id, line)
        if first != line:
            package.problems.append(read.problem(row, "id", f"{row.id} again (first at {first})"))
            return
        _keep(read, row, package)


def _accept(read: TableRead, row: Row, texts: Mapping[str, str], package: Package) -> Row | None:
    """Check one record's HSDS fields: the row with their values, or None once each bad field
    is reported."""
    before = len(package.problems)
    for spec in read.table.fields:
        if spec.name not in texts:
            if spec.required:
                package.problems.append(read.problem(row, spec.name, "missing value"))
            continue
        try:
            row.values[spec.name] = spec.parse(texts[spec.name])
        except ValueError as error:
            package.problems.append(read.problem(row, spec.name, str(error)))
    return row if len(package.problems) == before else None


def _keep(read: TableRead, row: Row, package: Package) -> None:
    _check_coordinates(read, row, package)
    read.rows.append(row)


def _check_coordinates(read: TableRead, row: Row, package: Package) -> None:
    for column, (low, high) in COORDINATES.items():
        value = row.values.get(column)
        if isinstance(value, Decimal) and not low <= value <= high:
            package.warnings.append(
                read.problem(
                    row,
                    column,
                    f"{value} is outside {low}..{high}, not a place on the globe: the location "
                    "is kept but cannot be found by distance",
                )
            )
            return


# --- reading HSDS JSON --------------------------------------------------------------------------


def json_table(file_name: str) -> str | None:
    """The records an HSDS JSON file holds, told by its name: services.json, service_full.json."""
    stem = PurePosixPath(file_name).stem.lower()
    known = tables()
    for name in JSON_TABLES:
        if stem.startswith((name, PurePosixPath(known[name].file).stem)):
            return name
    return None


def read_json(
    path: Path, shapes: Shapes, *, table: str | None = None, progress: Progress | None = None
) -> Package:
    """Read and check an HSDS JSON file: one record, a list of them, or a page of the HSDS API
    (its `contents`), of the `table` given or told by the file's name. Nested records are taken
    apart into their tables; a problem names the record by its JSON path."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as error:
        return _refused(name, error.strerror or "cannot be read")
    try:
        document = json.loads(data.decode(ENCODING))
    except UnicodeDecodeError as error:
        return _refused(name, f"not UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8")
    except json.JSONDecodeError as error:
        return _refused(name, f"not JSON: {error.msg} (column {error.colno})", error.lineno)
    table = table or json_table(name)
    if table is None:
        named = ", ".join(f"{t}*.json" for t in JSON_TABLES)
        reason = f"which HSDS records does it hold? Name it so ({named}) or give its table"
        return _refused(name, reason)
    if table not in tables():
        return _refused(name, f"{table!r} is not an HSDS table")
    package = Package(name=name, sha256=hashlib.sha256(data).hexdigest())
    reader = _JsonReader(package, shapes)
    reader.document(table, document, "$")
    reader.finish(progress)
    return package


def read_records(name: str, records: Mapping[str, object], shapes: Shapes) -> Package:
    """Read records given as data, by HSDS table: {"service": [{"id": ..., "name": ...}]}.

    Each table's value is read as an HSDS JSON file of its records would be (a record, a list,
    a page; nested records taken apart), and named in problems by its path in `records`:
    `name:$.service[1]:status: ...`. A field a record leaves out is left as it is on a record
    already in the directory."""
    package = Package(name=name, sha256="")
    reader = _JsonReader(package, shapes)
    for table, data in records.items():
        if table in tables():
            reader.document(table, data, f"$.{table}")
        else:
            package.problems.append(Problem(name, 0, "", "not an HSDS table", f"$.{table}"))
    reader.finish()
    return package


Identity = uuid.UUID | str  # a record's id, or the path of one without a readable id


@dataclass
class _Seen:
    """One place a record appears in JSON: where, and its fields as given there, with the
    references its place implies."""

    table: str
    path: str
    fields: dict[str, object]
    holder: _Seen | None = None  # the record it is nested in as one (a service's program)


class _JsonReader:
    """Takes HSDS JSON apart into records by table. The same record nested in several places (a
    phone under its service and under its contact) is one record: its copies are merged, each
    adding the reference its place implies, and must agree on every field both give."""

    def __init__(self, package: Package, shapes: Shapes) -> None:
        self.package = package
        self.shapes = shapes
        self.seen: dict[str, dict[Identity, list[_Seen]]] = defaultdict(dict)
        self.record_ids: dict[str, str] = {}  # path -> the readable id of the record there

    def document(self, table: str, data: object, path: str) -> None:
        """A record, a list of records (or, given as data, any iterable), or a page of the HSDS
        API holding them."""
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            data, path = data["contents"], f"{path}.contents"
        if isinstance(data, Iterable) and not isinstance(data, dict | str | bytes):
            for number, item in enumerate(data):
                self.record(table, item, f"{path}[{number}]")
        else:
            self.record(table, data, path)

    def record(self, table: str, data: object, path: str) -> _Seen | None:
        if not isinstance(data, dict):
            self._problem(
                path, "", f"expected one {table} record (a JSON object), found {_kind(data)}"
            )
            return None
        holds = {n.key: n for n in self.shapes.get(table, ())}
        seen = _Seen(table, path, {k: v for k, v in data.items() if k not in holds})
        self.seen[table].setdefault(_identity(seen), []).append(seen)
        self._note_id(seen)
        for key, value in data.items():  # in the document's order, to name the first place
            if key in holds and value is not None:
                self._held(seen, holds[key], value)
        return seen

    def _held(self, holder: _Seen, nesting: Nesting, data: object) -> None:
        path = f"{holder.path}.{nesting.key}"
        if not nesting.many:
            held = self.record(nesting.table, data, path)
            if held is not None:
                held.holder = holder
                why = f"the {nesting.key} nested in it is"
                self._link(holder, nesting.field, held.fields.get("id"), why)
            return
        if not isinstance(data, list):
            self._problem(
                path, "", f"expected a list of {nesting.table} records, found {_kind(data)}"
            )
            return
        for number, item in enumerate(data):
            held = self.record(nesting.table, item, f"{path}[{number}]")
            if held is None:
                continue
            self._link(
                held, nesting.field, holder.fields.get("id"), f"it is nested in {holder.table}"
            )
            if nesting.kind_field:
                self._kind(held, nesting.kind_field, holder.table)

    def _link(self, seen: _Seen, field: str, target: object, why: str) -> None:
        """Give the record the reference its place implies, unless it says otherwise."""
        if target is None:
            return  # the record without an id is refused for it
        given = seen.fields.get(field)
        if given is None:
            seen.fields[field] = target
        elif not _same(tables()[seen.table], field, given, target):
            self._problem(seen.path, field, f"{_shown(given)} here, but {why} {_shown(target)}")

    def _kind(self, seen: _Seen, field: str, table: str) -> None:
        """An attribute or metadata names the table of the record it belongs to."""
        given = seen.fields.setdefault(field, table)
        if given != table:
            reason = f"{_shown(given)}, though it is nested in a {table}: kept as given"
            self._warn(seen.path, field, reason)

    def finish(self, progress: Progress | None = None) -> None:
        """Each record's copies merged, given what only its holder knows, and checked like a
        package's rows."""
        merged = {
            name: {key: self._merged(tables()[name], copies) for key, copies in by_id.items()}
            for name, by_id in self.seen.items()
        }
        self._inherit_references(merged)
        counter = _Counter(progress, sum(len(by_id) for by_id in self.seen.values()))
        for name, by_id in self.seen.items():
            table = tables()[name]
            given = {key for fields in merged[name].values() for key in fields}
            read = TableRead(
                table=table,
                file=self.package.name,
                columns=tuple(f.name for f in table.fields if f.name in given),
                extension=tuple(sorted(given - {f.name for f in table.fields})),
            )
            for key, copies in by_id.items():
                counter.step()
                self._accept(read, copies[0].path, merged[name][key])
            self.package.tables[name] = read
        counter.end()

    def _accept(self, read: TableRead, where: str, fields: dict[str, object]) -> None:
        texts: dict[str, str] = {}
        for key, value in fields.items():
            try:
                texts[key] = _as_text(value)
            except ValueError as error:
                self._problem(where, key, str(error))
        extra = {k: texts.pop(k) for k in read.extension if texts.get(k)}
        row = _accept(read, Row(0, {}, extra, where), texts, self.package)
        if row is not None:
            _keep(read, row, self.package)

    def _inherit_references(self, merged: dict[str, dict[Identity, dict[str, object]]]) -> None:
        """What a record nested as one leaves out of `inherited_references` is its holders'."""
        for name, by_id in self.seen.items():
            for key, copies in by_id.items():
                fields = merged[name][key]
                for column, offers in self._offered(copies, merged).items():
                    if fields.get(column) is not None:
                        continue
                    (value, where, holder), *others = offers.values()
                    fields[column] = value  # if refused below, not again as missing
                    if others:
                        said = ", ".join(f"{_shown(v)} at {p}" for v, p, _ in offers.values())
                        reason = f"left out, and the records it is nested in differ: {said}"
                        self._problem(where, column, reason)
                    else:
                        reason = f"left out: {_shown(value)}, as the {holder} it is nested in"
                        self._warn(where, column, reason)

    def _offered(
        self, copies: list[_Seen], merged: dict[str, dict[Identity, dict[str, object]]]
    ) -> dict[str, dict[object, tuple[object, str, str]]]:
        """What each copy's holder offers the record: field -> value -> (value, where, table)."""
        offered: dict[str, dict[object, tuple[object, str, str]]] = defaultdict(dict)
        for seen in copies:
            if seen.holder is None:
                continue
            holder = merged[seen.holder.table][_identity(seen.holder)]
            for mine, theirs in inherited_references(seen.holder.table, seen.table):
                value = holder.get(theirs)
                if value is not None:
                    offered[mine].setdefault(_same_id(value), (value, seen.path, seen.holder.table))
        return offered

    def _merged(self, table: Table, copies: list[_Seen]) -> dict[str, object]:
        """One record of its copies: each field as the first copy to give it gives it; a copy
        giving another value is a problem naming both places."""
        merged: dict[str, object] = {}
        origin: dict[str, str] = {}
        for seen in copies:
            for key, value in seen.fields.items():
                if key not in merged:
                    merged[key], origin[key] = value, seen.path
                elif not _same(table, key, merged[key], value):
                    self._problem(
                        seen.path,
                        key,
                        f"{_shown(value)} here, but {_shown(merged[key])} at {origin[key]}, the "
                        f"same {table.name}: the copies of a record must agree",
                    )
        return merged

    def _note_id(self, seen: _Seen) -> None:
        """The record's id, read as its row's is, to name it in the problems found here."""
        spec = next(f for f in tables()[seen.table].fields if f.name == "id")
        with suppress(ValueError):  # no readable id: named by its path alone
            self.record_ids[seen.path] = str(spec.parse(_as_text(seen.fields.get("id"))))

    def _problem(self, path: str, column: str, reason: str) -> None:
        record_id = self.record_ids.get(path, "")
        self.package.problems.append(Problem(self.package.name, 0, column, reason, path, record_id))

    def _warn(self, path: str, column: str, reason: str) -> None:
        record_id = self.record_ids.get(path, "")
        self.package.warnings.append(Problem(self.package.name, 0, column, reason, path, record_id))


def _same_id(value: object) -> object:
    """An identifier as compared: the same UUID however written."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def _identity(seen: _Seen) -> Identity:
    """Copies of a record share its id; one without a readable id stands alone (refused)."""
    found = _same_id(seen.fields.get("id"))
    return found if isinstance(found, uuid.UUID) else seen.path


def _same(table: Table, key: str, a: object, b: object) -> bool:
    """Whether two copies of a field agree: as HSDS reads them ("10:00" is "10:00:00", 12 is
    12.0, an id in capitals is the same id), or as text for a field beyond HSDS."""
    if a == b:
        return True
    try:
        texts = _as_text(a), _as_text(b)
        spec = next((f for f in table.fields if f.name == key), None)
        if spec is None:
            return texts[0] == texts[1]
        return spec.parse(texts[0]) == spec.parse(texts[1])
    except ValueError:
        return False


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise ValueError(f"{_kind(value)} where HSDS nests no records (an extension field is text)")
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{_shown(value)} is neither text nor a number")
    return value if isinstance(value, str) else number_text(value)


def _kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "text", bool: "true or false"}
    return "null" if value is None else kinds.get(type(value), "a number")


def _shown(value: object) -> str:
    """A value as JSON writes it, shortened to fit in a message."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# --- writing ------------------------------------------------------------------------------------


ExportRow = tuple[Mapping[str, Value | float], Mapping[str, str]]  # HSDS values, extension fields


@contextmanager
def replacing(destination: Path) -> Iterator[IO[bytes]]:
    """A file written beside `destination` and moved into place only when complete, so a failed
    export never leaves half a file where a good one was."""
    temp = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, or by the caller)
        dir=destination.parent, prefix=f".{destination.name}.", delete=False
    )
    try:
        with temp:
            yield temp
    except BaseException:
        os.unlink(temp.name)
        raise
    os.replace(temp.name, destination)


class PackageWriter(AbstractContextManager["PackageWriter"]):
    """Writes a package table by table, then its descriptor: to a .zip (`replacing` its
    destination) or into a folder."""

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        self.counts: dict[str, int] = {}
        self._extension: dict[str, tuple[str, ...]] = {}
        self._files = ExitStack()
        self._archive: zipfile.ZipFile | None = None
        if destination.suffix.lower() == ".zip":
            temp = self._files.enter_context(replacing(destination))
            self._archive = self._files.enter_context(
                zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED)
            )
        else:
            destination.mkdir(parents=True, exist_ok=True)

    def _open(self, name: str) -> IO[str]:
        if self._archive is not None:
            return io.TextIOWrapper(self._archive.open(name, "w"), encoding="utf-8", newline="")
        return (self.destination / name).open("w", encoding="utf-8", newline="")

    def write_table(
        self, table: Table, extension: tuple[str, ...], rows: Iterable[ExportRow]
    ) -> int:
        count = 0
        with self._open(table.file) as stream:
            writer = csv.writer(stream)
            writer.writerow([f.name for f in table.fields] + list(extension))
            for values, extra in rows:
                writer.writerow(
                    [f.format(values.get(f.name)) for f in table.fields]
                    + [extra.get(c, "") for c in extension]
                )
                count += 1
        self.counts[table.name] = count
        self._extension[table.name] = extension
        return count

    def descriptor(self) -> dict[str, Any]:
        """The official descriptor, with each table's extension fields added to its schema."""
        described = copy.deepcopy(official_descriptor())
        for resource in described["resources"]:
            for name in self._extension.get(resource["name"], ()):
                resource["schema"]["fields"].append({"name": name, "type": "string"})
        return described

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            with self._open(DESCRIPTOR) as stream:
                json.dump(self.descriptor(), stream, indent=2, ensure_ascii=False)
        self._files.__exit__(kind, error, trace)


def write_json_page(stream: IO[bytes], envelope: Mapping[str, object], docs: Iterable[Any]) -> None:
    """An HSDS API page (`envelope`, then its `contents`), written a document at a time."""
    with io.TextIOWrapper(stream, encoding="utf-8") as out:
        head = json.dumps({**envelope, "contents": []}, ensure_ascii=False)
        out.write(head[: -len("[]}")] + "[")
        for number, doc in enumerate(docs):
            out.write(("," if number else "") + "\n" + json.dumps(doc, ensure_ascii=False))
        out.write("\n]}\n")
