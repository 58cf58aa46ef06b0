"""Reading roster and certification CSV files into rows to write. Pure: no Django.

A file has a header naming its columns, in any order (case and spaces around a name do not
matter), and one record a line. Dates are written YYYY-MM-DD, the one form no export reads two
ways. Every problem of every record is collected, named by the line an editor's "go to line"
finds and the column; whether the names in a row (officer, squad, course) exist is for the
importer to check against the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from crossroads.core.csv_files import HeaderError, Problem, csv_rows
from crossroads.training.curricula import CODE

ROSTER_COLUMNS = ("officer", "squad", "starts_on", "ends_on")
CERTIFICATION_COLUMNS = ("officer", "course", "issued_on", "expires_on")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # date.fromisoformat also takes 20260101, 2026-W01


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """An officer (by username) works in a squad (by name) from a day, until another or on."""

    line: int
    officer: str
    squad: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class CertificationRow:
    """An officer (by username) holds a certification (by code) from one day to another."""

    line: int
    officer: str
    course: str
    issued_on: date
    expires_on: date


Row = TypeVar("Row", AssignmentRow, CertificationRow)


@dataclass
class Parsed(Generic[Row]):
    """The good records of a file, and the problems of the others."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: int = 0  # records read, good or not


class _Record:
    """One record's cells by column; reading a cell notes its problem instead of raising, so
    every problem of the record is reported at once."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.problems: list[Problem] = []

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))

    def text(self, column: str, what: str) -> str:
        value = self.cells[column].strip()
        if not value:
            self.problem(column, f"is empty: name the {what}.")
        return value

    def day(self, column: str, *, optional: bool = False) -> date | None:
        value = self.cells[column].strip()
        if not value:
            if not optional:
                self.problem(column, "is empty: write the date as YYYY-MM-DD.")
            return None
        try:
            if not ISO_DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a date: write it as YYYY-MM-DD.")
            return None


def _assignment(record: _Record) -> AssignmentRow | None:
    officer = record.text("officer", "officer by username")
    squad = record.text("squad", "squad")
    starts_on = record.day("starts_on")
    ends_on = record.day("ends_on", optional=True)
    if starts_on and ends_on and ends_on < starts_on:
        record.problem("ends_on", f"{ends_on} is before starts_on ({starts_on}).")
    if record.problems or starts_on is None:
        return None
    return AssignmentRow(record.line, officer, squad, starts_on, ends_on)


def _certification(record: _Record) -> CertificationRow | None:
    officer = record.text("officer", "officer by username")
    course = record.text("course", "certification by its code (e.g. cit)")
    if course and not CODE.match(course):
        record.problem("course", f"{course!r} is not a certification code (e.g. cit).")
    issued_on = record.day("issued_on")
    expires_on = record.day("expires_on")
    if issued_on and expires_on and expires_on <= issued_on:
        record.problem("expires_on", f"{expires_on} is not after issued_on ({issued_on}).")
    if record.problems or issued_on is None or expires_on is None:
        return None
    return CertificationRow(record.line, officer, course, issued_on, expires_on)


def read_roster(stream: Iterable[str]) -> Parsed[AssignmentRow]:
    """Roster assignments: officer, squad, starts_on, ends_on (blank: until further notice)."""
    return _read(stream, ROSTER_COLUMNS, _assignment)


def read_certifications(stream: Iterable[str]) -> Parsed[CertificationRow]:
    """Certifications held: officer, course (the certification's code), issued_on, expires_on."""
    return _read(stream, CERTIFICATION_COLUMNS, _certification)


def _read(
    stream: Iterable[str], columns: tuple[str, ...], build: Callable[[_Record], Row | None]
) -> Parsed[Row]:
    """Raises HeaderError when the header does not name exactly `columns`, and (from csv_rows)
    UnreadableFile at the first line that is not UTF-8 text."""
    header, records = csv_rows(stream)
    names = [name.strip().lower() for name in header]
    _check_header(names, columns)
    parsed: Parsed[Row] = Parsed()
    for line, cells in records:
        parsed.read += 1
        if isinstance(cells, str):
            parsed.problems.append(Problem(line, "", cells))
            continue
        if len(cells) != len(names):
            parsed.problems.append(
                Problem(line, "", f"has {len(cells)} cells; the header names {len(names)}.")
            )
            continue
        record = _Record(line, dict(zip(names, cells, strict=True)))
        row = build(record)
        parsed.problems += record.problems
        if row is not None:
            parsed.rows.append(row)
    return parsed


def _check_header(names: list[str], columns: tuple[str, ...]) -> None:
    expected = ", ".join(columns)
    problems = [
        Problem(1, name or f"column {n}", f"is not a column of this file ({expected}).")
        for n, name in enumerate(names, start=1)
        if name not in columns
    ]
    problems += [
        Problem(1, name, "is named twice.")
        for n, name in enumerate(names)
        if name in columns and name in names[:n]
    ]
    problems += [
        Problem(1, name, f"is missing: the header names {expected}.")
        for name in columns
        if name not in names
    ]
    if problems:
        raise HeaderError(problems)
