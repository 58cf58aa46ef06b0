"""`crossroads import roster FILE --agency SHORT_NAME` and `crossroads import certifications FILE
--agency SHORT_NAME`: an agency's roster assignments and officers' certifications from CSV.

The file is read whole (roster_import.py), the names in it (officers by username, squads,
certification codes) are looked up in the agency, then every row is written through its action
(`assignment_record`, `certification_record`) in one transaction, in file order. Any problem
refuses the whole file: each is printed compiler-style (`roster.csv:4:squad: no squad 'Nrth Day'
in APD ...`), nothing is written, and the command exits 2. A row already there (the same
officer, squad and dates; the same officer, certification and dates) is skipped and counted, so
importing a file again adds nothing.

A roster row naming an assignment already there (the same officer, squad and first day) with
another last day ends it, or moves its end, through `assignment_end`: so a file can end one
assignment and, on a later line, start the officer's next. An assignment is named by one row
of a file.
"""

from __future__ import annotations

import difflib
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, auto
from pathlib import Path
from typing import Any, Generic, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.db import transaction

from crossroads.core.commands import agency_named
from crossroads.core.csv_files import ENCODING, HeaderError, Problem
from crossroads.core.importers import write_problems
from crossroads.core.models import Agency, User
from crossroads.training import actions
from crossroads.training.curricula import shipped
from crossroads.training.models import Certification, Course, RosterAssignment, Squad
from crossroads.training.roster_import import (
    CERTIFICATION_COLUMNS,
    ROSTER_COLUMNS,
    AssignmentRow,
    CertificationRow,
    Parsed,
    Row,
    read_certifications,
    read_roster,
)


class _Done(Enum):
    """What writing a row did."""

    WRITTEN = auto()
    ENDED = auto()  # moved the end of an assignment already there
    SKIPPED = auto()  # already there


@dataclass
class _Outcome:
    written: int = 0
    ended: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)

    def count(self, done: _Done) -> None:
        if done is _Done.WRITTEN:
            self.written += 1
        elif done is _Done.ENDED:
            self.ended += 1
        else:
            self.skipped += 1


class _Refused(Exception):
    """A row the action refused: undoes the rows written before it."""


class _CsvImporter(ABC, Generic[Row]):
    """The steps both kinds share: read, look the names up, write all or nothing, report."""

    kind: str
    noun: str  # what one row becomes, plural ("assignments")
    columns: tuple[str, ...]
    ends: bool = False  # a row may end a record already there (counted as "ended")

    def add_arguments(self, parser: CommandParser) -> None:
        columns = ", ".join(self.columns)
        parser.add_argument(
            "file", type=Path, help=f"the CSV file (UTF-8, header on line 1: {columns})"
        )
        parser.add_argument(
            "--agency", required=True, metavar="SHORT_NAME", help="the agency the rows are of"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def run(self, options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        agency = agency_named(options["agency"])
        parsed = self._parsed(path, stderr)
        outcome = self._imported(agency, parsed)
        summary = {
            "imported": not outcome.problems,
            "kind": self.kind,
            "file": str(path),
            "agency": agency.short_name,
            "read": parsed.read,
            "written": outcome.written,
            **({"ended": outcome.ended} if self.ends else {}),
            "skipped": outcome.skipped,
            "problems": [p.as_json() for p in outcome.problems],
        }
        if outcome.problems:
            write_problems(path, outcome.problems, stderr)
            if options["json"]:
                stdout.write(json.dumps(summary))
            raise CommandError(
                f"{path.name}: {len(outcome.problems)} problem(s); nothing was imported.",
                returncode=2,
            )
        if options["json"]:
            stdout.write(json.dumps(summary))
            return
        ended = f"{outcome.ended:,} ended, " if self.ends else ""
        stdout.write(
            f"{path.name} (agency {agency.short_name}): {parsed.read:,} rows read, "
            f"{outcome.written:,} {self.noun} written, {ended}{outcome.skipped:,} already there."
        )

    def _parsed(self, path: Path, stderr: OutputWrapper) -> Parsed[Row]:
        """The file read whole (a roster is small), so a byte that is not UTF-8 is named by
        its line before any row is read."""
        data = path.read_bytes()
        try:
            text = data.decode(ENCODING)
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            reason = f"not UTF-8 text (byte {data[error.start]:#04x}): save the file as UTF-8."
            _refuse(path, [Problem(line, "", reason)], stderr, "reading the file")
        try:
            return self.read(io.StringIO(text, newline=""))
        except HeaderError as error:
            _refuse(path, error.problems, stderr, "with the header")

    def _imported(self, agency: Agency, parsed: Parsed[Row]) -> _Outcome:
        outcome = _Outcome(problems=[*parsed.problems, *self.look_up(agency, parsed.rows)])
        if not outcome.problems:
            try:
                with transaction.atomic():
                    self.write(agency, parsed.rows, outcome)
                    if outcome.problems:
                        raise _Refused
            except _Refused:
                outcome.written = outcome.ended = outcome.skipped = 0
        outcome.problems.sort(key=lambda problem: problem.line)
        return outcome

    def write_each(
        self, rows: Iterable[Row], outcome: _Outcome, write: Callable[[Row], _Done]
    ) -> None:
        """Write each row in file order through its action; a refusal becomes a problem of its
        line (every row is tried, so every refusal is reported)."""
        for row in rows:
            try:
                done = write(row)
            except ValidationError as error:
                outcome.problems += _problems_of(row.line, error, self.columns)
            else:
                outcome.count(done)

    @abstractmethod
    def read(self, stream: Iterable[str]) -> Parsed[Row]: ...

    @abstractmethod
    def look_up(self, agency: Agency, rows: list[Row]) -> list[Problem]:
        """The problems of names the agency does not have; keeps what it found for `write`."""

    @abstractmethod
    def write(self, agency: Agency, rows: list[Row], outcome: _Outcome) -> None: ...


AssignmentKey = tuple[str, str, date]  # officer (username), squad (name), first day


class RosterImporter(_CsvImporter[AssignmentRow]):
    kind = "roster"
    noun = "assignments"
    columns = ROSTER_COLUMNS
    ends = True
    help = (
        "roster assignments from CSV: officer (username), squad (name), starts_on, ends_on "
        "(blank: until further notice); dates as YYYY-MM-DD. A row naming an assignment already "
        "there (same officer, squad and starts_on) with another ends_on ends it there"
    )

    def read(self, stream: Iterable[str]) -> Parsed[AssignmentRow]:
        return read_roster(stream)

    def look_up(self, agency: Agency, rows: list[AssignmentRow]) -> list[Problem]:
        self.officers = _officers(agency, rows)
        self.squads = {s.name: s for s in Squad.objects.filter(agency=agency)}
        return [
            *_unknown_officers(agency, rows, self.officers),
            *(
                Problem(row.line, "squad", _unknown("squad", row.squad, agency, self.squads))
                for row in rows
                if row.squad not in self.squads
            ),
            *_repeated(rows),
        ]

    def write(self, agency: Agency, rows: list[AssignmentRow], outcome: _Outcome) -> None:
        held: dict[AssignmentKey, RosterAssignment] = {
            (a.officer.username, a.squad.name, a.starts_on): a
            for a in RosterAssignment.objects.filter(
                agency=agency, officer__in=self.officers.values()
            ).select_related("officer", "squad")
        }

        def write_row(row: AssignmentRow) -> _Done:
            key = (row.officer, row.squad, row.starts_on)
            there = held.get(key)
            if there is None:
                held[key] = actions.assignment_record(
                    by=None,
                    officer=self.officers[row.officer],
                    squad=self.squads[row.squad],
                    starts_on=row.starts_on,
                    ends_on=row.ends_on,
                )
                return _Done.WRITTEN
            if there.ends_on == row.ends_on:
                return _Done.SKIPPED
            if row.ends_on is None:
                raise ValidationError(
                    {
                        "ends_on": f"is blank, but this assignment already ends on "
                        f"{there.ends_on:%Y-%m-%d}: an end is not removed; start a new "
                        "assignment the day the officer comes back."
                    }
                )
            held[key] = actions.assignment_end(by=None, assignment=there, ends_on=row.ends_on)
            return _Done.ENDED

        self.write_each(rows, outcome, write_row)


class CertificationsImporter(_CsvImporter[CertificationRow]):
    kind = "certifications"
    noun = "certifications"
    columns = CERTIFICATION_COLUMNS
    help = (
        "officers' certifications from CSV: officer (username), course (the certification's "
        "code, e.g. cit), issued_on, expires_on; dates as YYYY-MM-DD"
    )

    def read(self, stream: Iterable[str]) -> Parsed[CertificationRow]:
        return read_certifications(stream)

    def look_up(self, agency: Agency, rows: list[CertificationRow]) -> list[Problem]:
        self.officers = _officers(agency, rows)
        known = {course.certifies: course.name for course in shipped().courses}
        known |= dict(Course.objects.filter(agency=agency).values_list("certifies", "name"))
        return [
            *_unknown_officers(agency, rows, self.officers),
            *(
                Problem(row.line, "course", _unknown("certification", row.course, agency, known))
                for row in rows
                if row.course not in known
            ),
        ]

    def write(self, agency: Agency, rows: list[CertificationRow], outcome: _Outcome) -> None:
        existing = set(
            Certification.objects.filter(agency=agency).values_list(
                "officer__username", "course", "issued_on", "expires_on"
            )
        )

        def write_row(row: CertificationRow) -> _Done:
            key = (row.officer, row.course, row.issued_on, row.expires_on)
            if key in existing:
                return _Done.SKIPPED
            actions.certification_record(
                by=None,
                officer=self.officers[row.officer],
                course=row.course,
                issued_on=row.issued_on,
                expires_on=row.expires_on,
                source=Certification.Source.IMPORT,
            )
            existing.add(key)
            return _Done.WRITTEN

        self.write_each(rows, outcome, write_row)


def _officers(agency: Agency, rows: Iterable[AssignmentRow | CertificationRow]) -> dict[str, User]:
    names = {row.officer for row in rows}
    found = User.objects.filter(agency=agency, username__in=names).select_related("agency")
    return {user.username: user for user in found}


def _unknown_officers(
    agency: Agency, rows: Iterable[AssignmentRow | CertificationRow], officers: dict[str, User]
) -> list[Problem]:
    return [
        Problem(row.line, "officer", f"no officer {row.officer!r} in {agency.short_name}.")
        for row in rows
        if row.officer not in officers
    ]


def _repeated(rows: Iterable[AssignmentRow]) -> list[Problem]:
    """A row naming an assignment an earlier row named: a file says once where each ends, so
    importing it again changes nothing."""
    first: dict[AssignmentKey, int] = {}
    problems = []
    for row in rows:
        line = first.setdefault((row.officer, row.squad, row.starts_on), row.line)
        if line != row.line:
            problems.append(
                Problem(
                    row.line,
                    "starts_on",
                    f"names the assignment of line {line} again (same officer, squad and "
                    "starts_on): give each assignment one row.",
                )
            )
    return problems


def _unknown(what: str, name: str, agency: Agency, known: Iterable[str]) -> str:
    """'no squad 'North Day' in APD (did you mean 'North Precinct Day'?)'"""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no {what} {name!r} in {agency.short_name}{hint}."


def _problems_of(line: int, error: ValidationError, columns: tuple[str, ...]) -> list[Problem]:
    """An action's refusal, on the column it names (else on the whole row)."""
    named = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return [
        Problem(line, field if field in columns else "", message)
        for field, messages in named.items()
        for message in messages
    ]


def _refuse(path: Path, problems: list[Problem], stderr: OutputWrapper, where: str) -> NoReturn:
    write_problems(path, problems, stderr)
    raise CommandError(
        f"{path.name}: {len(problems)} problem(s) {where}; nothing was imported.", returncode=2
    )
