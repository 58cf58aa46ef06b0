"""CAD / RMS call exports read through a declarative column mapping (ADR 0011).

A mapping file (mappings/<name>.yaml) says which column fills which field of a past call, how
its dates and times are written, in which time zone naive local times are, and what each value
of a coded column means in our vocabulary. Values are mapped, never guessed: a value the
mapping does not list is a problem reported with its line and column, and so is a missing
required value, a malformed date, a text too long for its field, an id seen twice.

`CallReader` turns CSV rows into `HistoricCall` records for `actions.calls_import`, or into the
list of problems that keep a row out. Pure: no Django here, so a mapping can be checked and a
file parsed fast and in bulk, and tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crossroads.core.csv_files import HeaderError, Problem
from crossroads.encounters.history import HistoricCall, HistoricEncounter, HistoricUnit

MAPPINGS_DIR = Path(__file__).with_name("mappings")

# Our codes, as the models declare them (CallForService.Source and .Status, Encounter.Disposition
# and .Force). Repeated here to keep this module free of Django; a test checks they agree.
SOURCES = frozenset(
    {"911", "988_transfer", "walk_in", "officer_initiated", "co_responder_referral"}
)
STATUSES = frozenset(
    {
        "received",
        "triaged",
        "dispatched",
        "on_scene",
        "dispositioned",
        "follow_up_queued",
        "closed",
    }
)
DISPOSITIONS = frozenset(
    {
        "resolved_on_scene",
        "referred_no_transport",
        "voluntary_transport_crisis_facility",
        "voluntary_transport_ed",
        "involuntary_hold",
        "ems_transport",
        "citation",
        "pre_booking_diversion",
        "arrest_booked",
        "unable_to_locate",
    }
)
FORCES = frozenset({"none", "verbal", "empty_hand", "less_lethal", "firearm", "unspecified"})

Kind = Literal["text", "code", "bool", "datetime", "int", "ref"]


@dataclass(frozen=True)
class Target:
    """A field a mapping can fill: its kind, codes, length, and whether every mapping must."""

    kind: Kind
    codes: frozenset[str] | None = None  # for kind "code"; None: checked by the importer
    max_length: int | None = None
    needed: bool = False


# In the order CallReader._call unpacks a row's values.
TARGETS: dict[str, Target] = {
    # the call
    "external_id": Target("text", max_length=64, needed=True),
    "source": Target("code", SOURCES, max_length=30, needed=True),
    # Needed by our own intake, but some exports leave it out ("-"): a mapping says if required.
    "initial_call_type": Target("text", max_length=100),
    "final_call_type": Target("text", max_length=100),
    "behavioural_health": Target("bool", needed=True),
    "received_at": Target("datetime", needed=True),
    "dispatched_at": Target("datetime"),
    "arrived_at": Target("datetime"),
    "cleared_at": Target("datetime"),
    "status": Target("code", STATUSES, max_length=20),
    "location": Target("text", max_length=200),
    "precinct": Target("text", max_length=40),
    "sector": Target("text", max_length=20),
    "beat": Target("text", max_length=20),
    # a response code of the agency's triage rule book; the importer checks it against the book
    "response": Target("code", None, max_length=30),
    # the officer who reported (one unit on the call)
    "officer_id": Target("text", max_length=64),
    "officer_cit_certified": Target("bool"),
    # the encounter: there is one when the row has a disposition
    "disposition": Target("code", DISPOSITIONS, max_length=40),
    "occurred_at": Target("datetime"),
    "highest_force": Target("code", FORCES, max_length=20),
    "weapon_present": Target("bool"),
    "subject_injured": Target("bool"),
    "officer_injured": Target("bool"),
    "minutes_on_scene": Target("int"),
    "transport_destination": Target("text", max_length=200),
    "hold_legal_basis": Target("text", max_length=200),
    # The source system's id of the person met (a master name index number): one person record
    # of the agency per reference (people.Person.external_ref).
    "person_ref": Target("ref", max_length=64),
}

# Other systems' clocks drift a little; a time further ahead than this is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


class MappingError(ValueError):
    """A mapping file that cannot be used: the message names the file and every problem."""


# --- the mapping file -----------------------------------------------------------------------

Constant = bool | int | str


class FieldSpec(BaseModel):
    """Where one field comes from: a column, several columns joined by a space, or a constant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    columns: tuple[str, ...] | None = Field(default=None, min_length=2)
    constant: Constant | None = None
    format: tuple[str, ...] = ()  # datetimes: strptime-style formats, tried in order
    values: dict[str, Constant] | None = None  # the column's values -> our values
    required: bool | None = None  # default: required if the field is needed
    default: Constant | None = None  # our value for a missing cell
    missing: tuple[str, ...] = ()  # more cell values that mean "not recorded", for this column

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_more_formats(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("values", mode="before")
    @classmethod
    def _keys_are_text(cls, value: object) -> object:
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise ValueError(
                        f"value {key!r} is not text: quote it ({str(key)!r}) so YAML keeps it as "
                        "written"
                    )
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSpec:
        given = [self.column is not None, self.columns is not None, self.constant is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of column, columns or constant")
        if self.constant is not None and (self.values or self.format or self.default is not None):
            raise ValueError("a constant takes no values, format or default")
        return self

    @property
    def source_columns(self) -> tuple[str, ...]:
        if self.columns is not None:
            return self.columns
        return (self.column,) if self.column is not None else ()


class CallMapping(BaseModel):
    """One layout of call export: which column is which field, and what its values mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    source: str = ""  # where the layout is published or documented
    note: str = ""
    # The zone of naive local times in the file: an IANA name, or "agency" for the importing
    # agency's own zone. Times with an offset (%z) keep their offset.
    time_zone: str = "agency"
    # Dates before this are refused as placeholders (some exports write 1900-01-01 for unknown).
    earliest: date = date(1990, 1, 1)
    # Cell values that mean "not recorded" in every column (after surrounding spaces are removed).
    missing: tuple[str, ...] = ("",)
    fields: dict[str, FieldSpec]
    # Columns deliberately not imported (minimum necessary). A column the file has that is
    # neither mapped nor ignored is refused, so nothing is dropped silently.
    ignore: tuple[str, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value != "agency":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _fields_fit_their_targets(self) -> CallMapping:
        problems: list[str] = []
        if unknown := sorted(set(self.fields) - set(TARGETS)):
            problems.append(f"unknown fields {unknown}; known: {', '.join(TARGETS)}")
        if absent := [n for n, t in TARGETS.items() if t.needed and n not in self.fields]:
            problems.append(f"fields {absent} are needed")
        for name, spec in self.fields.items():
            target = TARGETS.get(name)
            if target is not None:
                problems += [f"fields.{name}: {p}" for p in _spec_problems(target, spec)]
        mapped = [c for spec in self.fields.values() for c in spec.source_columns]
        if both := sorted(set(mapped) & set(self.ignore)):
            problems.append(f"columns both mapped and ignored: {both}")
        if "officer_id" in self.fields and "officer_cit_certified" not in self.fields:
            problems.append("officer_id needs officer_cit_certified (a unit records it)")
        if len(set(self.ignore)) != len(self.ignore):
            problems.append("ignore lists a column twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def zone_for(self, agency_zone: str) -> tzinfo:
        return ZoneInfo(agency_zone if self.time_zone == "agency" else self.time_zone)

    def codes_for(self, name: str) -> frozenset[str]:
        """Every value of ours the mapping can give `name` (to check against a rule book)."""
        spec = self.fields.get(name)
        if spec is None:
            return frozenset()
        given = [spec.constant, spec.default, *(spec.values or {}).values()]
        return frozenset(str(v) for v in given if v is not None)


def _spec_problems(target: Target, spec: FieldSpec) -> list[str]:
    problems = []
    ours = [
        v for v in (spec.constant, spec.default, *(spec.values or {}).values()) if v is not None
    ]
    if target.kind == "datetime":
        if spec.constant is not None:
            problems.append("a date and time cannot be a constant")
        elif not spec.format:
            problems.append("needs a format (e.g. '%Y-%m-%d %H:%M:%S')")
        for pattern in spec.format:
            try:
                _compile_format(pattern)
            except ValueError as error:
                problems.append(str(error))
        if spec.values or spec.default is not None:
            problems.append("a date and time takes no values or default")
    elif target.kind in ("code", "bool") and spec.constant is None and spec.values is None:
        problems.append("needs values: what each of the column's values means here")
    elif target.kind == "int" and spec.values:
        problems.append("a number takes no values")
    elif target.kind == "ref" and (ours or spec.values is not None):
        # A constant (or default) would make every encounter's person the same person.
        problems.append(
            "a reference comes from its column as written: no constant, values or default"
        )
    if spec.format and target.kind != "datetime":
        problems.append("only dates and times take a format")
    for value in ours:
        if target.kind == "bool" and not isinstance(value, bool):
            problems.append(f"{value!r} is not true or false")
        elif target.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{value!r} is not a whole number")
        elif target.kind in ("code", "text") and not isinstance(value, str):
            problems.append(f"{value!r} is not text")
        elif target.kind == "code" and target.codes is not None and value not in target.codes:
            problems.append(f"{value!r} is not one of {sorted(target.codes)}")
        elif isinstance(value, str) and target.max_length and len(value) > target.max_length:
            problems.append(f"{value!r} is longer than {target.max_length} characters")
    return problems


def load_mapping(path: Path) -> CallMapping:
    """Read and check one mapping file; MappingError names the file and every problem."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MappingError(f"{path.name}: cannot read: {error}") from None
    try:
        mapping = CallMapping.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            ".".join([*(str(p) for p in e["loc"]), _message(e["msg"])]).replace(".", ": ", 1)
            if e["loc"]
            else _message(e["msg"])
            for e in error.errors()
        )
        raise MappingError(f"{path.name}: {problems}") from None
    if re.sub(r"\.ya?ml$", "", path.name) != mapping.name:
        raise MappingError(f"{path.name}: name {mapping.name!r} must match the file name")
    return mapping


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def mapping_names() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


@cache
def shipped_mapping(name: str) -> CallMapping:
    """A mapping shipped with Crossroads, by name (LookupError names the known ones)."""
    path = MAPPINGS_DIR / f"{name}.yaml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name) or not path.is_file():
        raise LookupError(f"no mapping {name!r}; known: {', '.join(mapping_names())}")
    return load_mapping(path)


# --- dates and times --------------------------------------------------------------------------

_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{2})",
    "S": r"(?P<S>\d{2})",
    "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>[AaPp][Mm])",
    "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})",
}


@dataclass(frozen=True)
class _Format:
    text: str
    regex: re.Pattern[str]
    # Where year, month, day, hour (24 or 12), minute, second, fraction, AM/PM and offset are in
    # match.groups(), or -1 for a directive the format lacks.
    at: tuple[int, ...]
    # Year to second, nothing else (24-hour, or 12-hour with AM/PM): the fast paths.
    plain: bool
    plain12: bool


_ORDER = ("Y", "m", "d", "HI", "M", "S", "f", "p", "z")
_PM = frozenset({"PM", "pm", "Pm", "pM"})


@cache
def _compile_format(text: str) -> _Format:
    """A strptime-style format as a regular expression (strptime itself is several times slower)."""
    parts, seen, position = [], [], 0
    while position < len(text):
        char = text[position]
        if char != "%":
            parts.append(re.escape(char))
            position += 1
            continue
        code = text[position + 1 : position + 2]
        position += 2
        if code == "%":
            parts.append("%")
            continue
        if code not in _DIRECTIVES:
            raise ValueError(
                f"format {text!r}: %{code} is not supported (use %{' %'.join(_DIRECTIVES)})"
            )
        if code in seen:
            raise ValueError(f"format {text!r}: %{code} given twice")
        seen.append(code)
        parts.append(_DIRECTIVES[code])
    given = set(seen)
    if not {"Y", "m", "d"} <= given:
        raise ValueError(f"format {text!r}: needs %Y, %m and %d")
    if ("I" in given) != ("p" in given) or {"H", "I"} <= given:
        raise ValueError(f"format {text!r}: use %H, or %I with %p")
    if ("M" in given) and not ({"H", "I"} & given):
        raise ValueError(f"format {text!r}: minutes without hours")
    index = {code: n for n, code in enumerate(seen)}
    at = tuple(next((index[c] for c in codes if c in index), -1) for codes in _ORDER)
    return _Format(
        text=text,
        regex=re.compile("".join(parts), re.ASCII),
        at=at,
        plain=given == {"Y", "m", "d", "H", "M", "S"},
        plain12=given == {"Y", "m", "d", "I", "M", "S", "p"},
    )


def _to_datetime(fmt: _Format, text: str, zone: tzinfo) -> datetime | None:
    """The moment `text` names in format `fmt`, or None if it does not match; ValueError if it
    matches but names no real date (31 April).

    A naive local time is taken in `zone`. In the hour repeated when clocks go back, the first
    (daylight-saving) reading is taken: an export without offsets cannot say which it was.
    """
    match = fmt.regex.fullmatch(text)
    if match is None:
        return None
    g = match.groups()
    y, mo, d, h, mi, s, f, p, z = fmt.at
    if fmt.plain:
        return datetime(
            int(g[y]), int(g[mo]), int(g[d]), int(g[h]), int(g[mi]), int(g[s]), tzinfo=zone
        )
    if fmt.plain12:
        hour = int(g[h])
        if 1 <= hour <= 12:
            hour = hour % 12 + (12 if g[p] in _PM else 0)
            return datetime(
                int(g[y]), int(g[mo]), int(g[d]), hour, int(g[mi]), int(g[s]), tzinfo=zone
            )
    hour = int(g[h]) if h >= 0 else 0
    if p >= 0:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} on a 12-hour clock")
        hour = hour % 12 + (12 if g[p] in _PM else 0)
    if z >= 0:
        offset = g[z]
        if offset == "Z":
            zone = UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone = timezone(-delta if offset[0] == "-" else delta)
    return datetime(
        int(g[y]),
        int(g[mo]),
        int(g[d]),
        hour,
        int(g[mi]) if mi >= 0 else 0,
        int(g[s]) if s >= 0 else 0,
        int(g[f].ljust(6, "0")) if f >= 0 else 0,
        tzinfo=zone,
    )


# --- reading rows -------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason


_MISSING = object()
_FAILED = object()  # the value of a field whose cell was reported as bad
_CIT = "officer_cit_certified"
_NEEDED_FOR_UNIT = "missing value (needed for the officer's unit)"
Getter = Callable[[Sequence[str]], Any]


class CallReader:
    """Parses the rows of one file whose header is `header`, by `mapping`.

    The constructor checks the header (HeaderError lists every problem at line 1); `read` then
    yields (line, cells, HistoricCall | problems) per row.
    """

    def __init__(
        self,
        mapping: CallMapping,
        header: Sequence[str],
        *,
        zone: tzinfo,
        now: datetime,
    ) -> None:
        self.mapping = mapping
        self.header = [name.strip() for name in header]
        self.zone = zone
        self.latest = now + FUTURE_TOLERANCE
        self.earliest = datetime.combine(mapping.earliest, datetime.min.time(), tzinfo=UTC)
        self.width = len(self.header)
        index = self._check_header()
        # One getter per mapped field, in TARGETS order; a row's values are a list in that order
        # followed by a None that every unmapped field's slot points at.
        mapped = [name for name in TARGETS if name in self.mapping.fields]
        self.getters: list[tuple[str, Getter]] = [
            (name, self._getter(name, TARGETS[name], self.mapping.fields[name], index))
            for name in mapped
        ]
        self.slot = {name: mapped.index(name) if name in mapped else -1 for name in TARGETS}
        self.slots = tuple(self.slot.values())  # in TARGETS order, as _call unpacks them
        # A bad row's problems are reported left to right, in the file's column order.
        self.order = [
            min(
                (index.get(c, self.width) for c in self.mapping.fields[n].source_columns), default=0
            )
            for n in mapped
        ]
        self.id_column = self.mapping.fields["external_id"].source_columns[0:1] or ("",)
        cit = self.mapping.fields.get("officer_cit_certified")
        self.cit_column = (
            cit.source_columns[0] if cit and cit.source_columns else ("officer_cit_certified")
        )

    def _check_header(self) -> dict[str, int]:
        problems = []
        index: dict[str, int] = {}
        for position, name in enumerate(self.header):
            if name in index:
                problems.append(Problem(1, name, "column appears twice in the header"))
            index.setdefault(name, position)
        known = {c for s in self.mapping.fields.values() for c in s.source_columns}
        known |= set(self.mapping.ignore)
        for name in self.header:
            if name not in known:
                problems.append(
                    Problem(
                        1,
                        name,
                        f"unknown column: mapping {self.mapping.name!r} neither maps nor ignores "
                        "it (add it to the mapping's fields or its ignore list)",
                    )
                )
        for field, spec in self.mapping.fields.items():
            if not self._required(field, spec):
                continue  # an optional field's column may be absent: the field is then empty
            for column in spec.source_columns:
                if column not in index:
                    problems.append(
                        Problem(
                            1, column, f"missing column (mapping {self.mapping.name!r}: {field})"
                        )
                    )
        if problems:
            raise HeaderError(problems)
        return index

    @staticmethod
    def _required(field: str, spec: FieldSpec) -> bool:
        return spec.required if spec.required is not None else TARGETS[field].needed

    def _getter(self, name: str, target: Target, spec: FieldSpec, index: dict[str, int]) -> Getter:
        """A function of a row's cells giving this field's value, or raising _Bad."""
        if spec.constant is not None:
            constant = spec.constant
            return lambda cells: constant
        columns = spec.source_columns
        label = ", ".join(columns)
        required = self._required(name, spec)
        if any(column not in index for column in columns):
            return lambda cells: None  # optional and absent from this file
        missing = frozenset(self.mapping.missing) | frozenset(spec.missing)
        absent: Any = spec.default if spec.default is not None else None

        def when_missing(column: str) -> Any:
            if required and absent is None:
                raise _Bad(column, "missing value")
            return absent

        if target.kind == "datetime":
            return self._datetime_getter(
                spec, [index[c] for c in columns], label, missing, when_missing
            )
        position = index[columns[0]]
        column = columns[0]
        if target.kind in ("code", "bool") or spec.values is not None:
            values = spec.values or {}
            known = ", ".join(repr(k) for k in values)

            def mapped(cells: Sequence[str]) -> Any:
                cell = cells[position].strip()
                value = values.get(cell, _MISSING)
                if value is not _MISSING:
                    return value
                if cell in missing:
                    return when_missing(column)
                raise _Bad(column, f"unmapped value {cell!r} (known: {known})")

            return mapped
        if target.kind == "int":

            def whole_number(cells: Sequence[str]) -> Any:
                cell = cells[position].strip()
                if cell in missing:
                    return when_missing(column)
                if not cell.isdigit():
                    raise _Bad(column, f"{cell!r} is not a whole number of 0 or more")
                return int(cell)

            return whole_number
        longest = target.max_length or 10**6
        if target.kind == "ref":

            def reference(cells: Sequence[str]) -> Any:
                cell = cells[position].strip()
                if cell in missing:
                    return when_missing(column)
                if len(cell) > longest:
                    raise _Bad(column, f"longer than {longest} characters ({len(cell)})")
                if not cell.isprintable():
                    raise _Bad(
                        column, f"{cell!r} holds a line break, tab or other unprintable character"
                    )
                return cell

            return reference

        def text(cells: Sequence[str]) -> Any:
            cell = cells[position].strip()
            if cell in missing:
                return when_missing(column)
            if len(cell) > longest:
                raise _Bad(column, f"longer than {longest} characters ({len(cell)})")
            return cell

        return text

    def _datetime_getter(
        self,
        spec: FieldSpec,
        positions: list[int],
        label: str,
        missing: frozenset[str],
        when_missing: Callable[[str], Any],
    ) -> Getter:
        formats = [_compile_format(f) for f in spec.format]
        shown = " or ".join(repr(f) for f in spec.format)
        zone, columns = self.zone, spec.source_columns
        # The bounds in the zone of the times parsed: aware datetimes with the same tzinfo
        # compare as plain ones, without asking the zone for offsets.
        earliest, latest = self.earliest.astimezone(zone), self.latest.astimezone(zone)
        shown_earliest = f"{self.earliest:%Y-%m-%d}"

        first = positions[0]
        second = positions[1] if len(positions) == 2 else None

        def joined(cells: Sequence[str]) -> str | None:
            """The columns' text joined by a space; None if all are missing."""
            parts = [cells[p].strip() for p in positions]
            gone = [c for c, part in zip(columns, parts, strict=True) if part in missing]
            if gone and len(gone) < len(parts):
                raise _Bad(gone[0], "missing value")
            return None if gone else " ".join(parts)

        def moment(cells: Sequence[str]) -> Any:
            text: str | None = cells[first].strip()
            if len(positions) == 1:
                if text in missing:
                    text = None
            elif second is not None and text not in missing:  # a date and a time column
                more = cells[second].strip()
                text = joined(cells) if more in missing else f"{text} {more}"
            else:
                text = joined(cells)
            if text is None:
                return when_missing(label)
            for fmt in formats:
                try:
                    value = _to_datetime(fmt, text, zone)
                except ValueError as error:
                    raise _Bad(label, f"{text!r} is not a real date and time ({error})") from None
                if value is not None:
                    break
            else:
                raise _Bad(label, f"{text!r} does not match {shown}")
            if not earliest <= value <= latest:
                if value < earliest:
                    raise _Bad(label, f"{text!r} is before {shown_earliest} (a placeholder?)")
                raise _Bad(label, f"{text!r} is in the future")
            return value

        return moment

    def read(self, rows: Iterable[tuple[int, list[str] | str]]) -> Iterator[Parsed]:
        """(line, cells) in, (line, cells, HistoricCall or problems) out; a Template ID (or the
        mapping's id column) seen on an earlier line makes a problem of the later row."""
        first_seen: dict[str, int] = {}
        width, to_call = self.width, self._call
        getters = [get for _, get in self.getters]
        at_id, at_officer, at_cit = (self.slot[n] for n in ("external_id", "officer_id", _CIT))
        for line, cells in rows:
            if isinstance(cells, str):
                yield line, [], [Problem(line, "", cells)]
                continue
            if len(cells) != width:
                problem = Problem(line, "", f"expected {width} fields, found {len(cells)}")
                yield line, cells, [problem]
                continue
            problems: list[Problem] | None = None
            try:
                values = [get(cells) for get in getters]
            except _Bad:
                values, problems = self._each_problem(line, cells)
            values.append(None)  # the slot of every unmapped field
            external_id = values[at_id]
            if external_id is not _FAILED:
                earlier = first_seen.setdefault(external_id, line)
                if earlier != line:
                    if problems is None:
                        problems = []
                    problems.append(
                        Problem(
                            line,
                            self.id_column[0],
                            f"duplicate id {external_id!r} (first on line {earlier})",
                        )
                    )
            if values[at_officer] not in (None, _FAILED) and values[at_cit] is None:
                if problems is None:
                    problems = []
                problems.append(Problem(line, self.cit_column, _NEEDED_FOR_UNIT))
            if problems is None:
                yield line, cells, to_call(values)
            else:
                yield line, cells, problems

    def _each_problem(self, line: int, cells: Sequence[str]) -> tuple[list[Any], list[Problem]]:
        """The slow path for a bad row: every field's problem, not just the first."""
        values: list[Any] = []
        problems = []
        for (_, get), position in zip(self.getters, self.order, strict=True):
            try:
                values.append(get(cells))
            except _Bad as bad:
                values.append(_FAILED)
                problems.append((position, Problem(line, bad.column, bad.reason)))
        return values, [problem for _, problem in sorted(problems, key=lambda p: p[0])]

    def _call(self, v: list[Any]) -> HistoricCall:
        (
            external_id,
            source,
            initial_call_type,
            final_call_type,
            behavioural_health,
            received,
            dispatched,
            arrived_at,
            cleared_at,
            status,
            location,
            precinct,
            sector,
            beat,
            response,
            officer,
            certified,
            disposition,
            occurred_at,
            highest_force,
            weapon_present,
            subject_injured,
            officer_injured,
            minutes_on_scene,
            transport_destination,
            hold_legal_basis,
            person_ref,
        ) = [v[i] for i in self.slots]
        units: tuple[HistoricUnit, ...] = ()
        if officer:
            # When the export has no dispatch time, the unit counts as sent when the call came
            # in: the earliest it can have been.
            units = (HistoricUnit(bool(certified), dispatched or received, None, officer),)
        encounters: tuple[HistoricEncounter, ...] = ()
        if disposition:
            encounters = (
                HistoricEncounter(
                    disposition=disposition,
                    occurred_at=occurred_at or received,
                    officer_cit_certified=certified,
                    highest_force=highest_force or "none",
                    weapon_present=bool(weapon_present),
                    subject_injured=bool(subject_injured),
                    officer_injured=bool(officer_injured),
                    minutes_on_scene=minutes_on_scene,
                    transport_destination=transport_destination or "",
                    hold_legal_basis=hold_legal_basis or "",
                    person_ref=person_ref or "",
                ),
            )
        return HistoricCall(
            external_id=external_id,
            source=source,
            initial_call_type=initial_call_type or "",
            behavioural_health=behavioural_health,
            received_at=received,
            final_call_type=final_call_type or "",
            status=status or "closed",
            dispatched_at=dispatched,
            arrived_at=arrived_at,
            cleared_at=cleared_at,
            location=location or "",
            precinct=precinct or "",
            sector=sector or "",
            beat=beat or "",
            response=response or "",
            units=units,
            encounters=encounters,
        )


Parsed = tuple[int, list[str], HistoricCall | list[Problem]]
