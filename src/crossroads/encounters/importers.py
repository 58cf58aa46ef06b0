"""`crossroads import calls FILE --mapping NAME --agency SHORT_NAME`: past calls from a CAD export.

The file is read once, streamed through the mapping (cad_import.py) into `actions.calls_import`,
which writes everything in one transaction. Without --skip-bad-rows a single bad row refuses
the file: every problem is reported (`calls.csv:17:Disposition: unmapped value ...`), the
iterator raises at the end, and the transaction is rolled back, so nothing of the file stays.
With --skip-bad-rows the good rows are written and the bad ones go to a rejects file: the
line and the reasons, then the row's original cells. Calls already imported are skipped (ADR 0011).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.utils import timezone

from crossroads.core.commands import agency_named
from crossroads.core.csv_files import ENCODING, HeaderError, Problem, UnreadableFile, csv_rows
from crossroads.core.importers import write_problems
from crossroads.core.models import Agency, ImportBatch
from crossroads.core.progress import ProgressBar, Unended, add_progress_option, wants_progress
from crossroads.encounters import actions
from crossroads.encounters.cad_import import (
    CallMapping,
    CallReader,
    MappingError,
    load_mapping,
    mapping_names,
    shipped_mapping,
)
from crossroads.encounters.history import HistoricCall
from crossroads.people.models import Person
from crossroads.triage.rules import rule_book

PROGRESS_EVERY = 2_000  # rows between progress updates (the bar redraws at most 5 times a second)


class Refused(Exception):
    """Raised by the records' iterator at the end of a file with problems: undoes the import."""


class CallsImporter:
    help = "past calls for service from a CAD / RMS CSV export, read through a column mapping"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV export (UTF-8, header on line 1)")
        parser.add_argument(
            "--mapping",
            default="generic",
            help=f"a shipped mapping ({', '.join(mapping_names())}) or the path of a mapping "
            "file (.yaml); default: generic",
        )
        parser.add_argument(
            "--agency", required=True, help="short name of the agency the calls belong to"
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="write the good rows and put the bad ones in the rejects file (default: a "
            "file with any bad row is refused and nothing is written)",
        )
        parser.add_argument(
            "--rejects", type=Path, help="where rejected rows go (default: FILE.rejects.csv)"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        add_progress_option(parser)

    def run(self, options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        mapping = _mapping(options["mapping"])
        agency = agency_named(options["agency"])
        _check_responses(mapping, agency)
        sha256, lines = _fingerprint(path)
        show = wants_progress(options, stderr)
        bar = ProgressBar(max(lines - 1, 1), stream=Unended(stderr), unit="rows") if show else None
        run = _Run(path, mapping, agency, options, bar)
        try:
            with _cyclic_gc_paused():
                batch = run.go(sha256)
        except Refused:
            self._report_refusal(run, options, stdout, stderr)
            raise CommandError(
                f"{path.name}: {len(run.problems)} problem(s) in {run.rejected} row(s); nothing "
                "was imported. Fix the file, or add --skip-bad-rows to import the good rows.",
                returncode=2,
            ) from None
        except HeaderError as error:
            write_problems(path, error.problems, stderr)
            raise CommandError(
                f"{path.name}: {len(error.problems)} problem(s) with the header (mapping "
                f"{mapping.name!r}); nothing was imported.",
                returncode=2,
            ) from None
        except UnreadableFile as error:
            raise CommandError(
                f"{path.name}:{error.problem}; nothing was imported.", returncode=2
            ) from None
        finally:
            run.close()
        if bar is not None:
            bar.finish()
        write_problems(path, run.problems, stderr)
        self._report(run, batch, options, stdout)

    def _report_refusal(
        self, run: _Run, options: dict[str, Any], stdout: OutputWrapper, stderr: OutputWrapper
    ) -> None:
        if run.bar is not None:
            run.bar.stream.write("\n")
        write_problems(run.path, run.problems, stderr)
        if options["json"]:
            stdout.write(
                json.dumps(
                    {
                        "imported": False,
                        "file": str(run.path),
                        "read": run.read,
                        "rejected": run.rejected,
                        "problems": [p.as_json() for p in run.problems],
                    }
                )
            )

    def _report(
        self, run: _Run, batch: ImportBatch, options: dict[str, Any], stdout: OutputWrapper
    ) -> None:
        rejects = str(run.rejects_path) if run.rejected else None
        people = Person.objects.filter(import_batch=batch).count()
        if options["json"]:
            stdout.write(
                json.dumps(
                    {
                        "imported": True,
                        "batch": str(batch.pk),
                        "file": str(run.path),
                        "sha256": batch.sha256,
                        "mapping": run.mapping.name,
                        "agency": run.agency.short_name,
                        "read": batch.rows_read,
                        "written": batch.rows_written,
                        "skipped": batch.rows_skipped,
                        "rejected": batch.rows_rejected,
                        "people_created": people,
                        "rejects_file": rejects,
                        "problems": [p.as_json() for p in run.problems],
                    }
                )
            )
            return
        stdout.write(
            f"{run.path.name} (mapping {run.mapping.name}, agency {run.agency.short_name}): "
            f"{batch.rows_read:,} rows read, {batch.rows_written:,} calls written, "
            f"{batch.rows_skipped:,} already imported, {batch.rows_rejected:,} rejected."
        )
        if "person_ref" in run.mapping.fields:
            stdout.write(f"{people:,} people created for person references new to the agency.")
        if rejects:
            stdout.write(f"Rejected rows, with their line and reasons: {rejects}")
        stdout.write(f"Import batch {batch.pk}.")


class _Run:
    """One import of one file: streams records to the action, keeps the problems."""

    def __init__(
        self,
        path: Path,
        mapping: CallMapping,
        agency: Agency,
        options: dict[str, Any],
        bar: ProgressBar | None,
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.agency = agency
        self.skip = bool(options["skip_bad_rows"])
        self.rejects_path: Path = options["rejects"] or path.with_name(path.name + ".rejects.csv")
        self.bar = bar
        self.problems: list[Problem] = []
        self.read = 0
        self.rejected = 0
        self._stream = path.open(encoding=ENCODING, newline="")
        self._rejects_file: Any = None
        self._rejects: Any = None
        self._header: list[str] = []

    def go(self, sha256: str) -> ImportBatch:
        header, rows = csv_rows(self._stream)
        self._header = header
        reader = CallReader(
            self.mapping,
            header,
            zone=self.mapping.zone_for(self.agency.time_zone),
            now=timezone.now(),
        )
        return actions.calls_import(
            by=None,
            agency=self.agency,
            records=self._records(reader, rows),
            source=actions.ImportSource(
                file_name=self.path.name, sha256=sha256, mapping=self.mapping.name
            ),
            tally=lambda: (self.read, self.rejected),
        )

    def _records(
        self, reader: CallReader, rows: Iterator[tuple[int, list[str] | str]]
    ) -> Iterator[HistoricCall]:
        bar, next_update = self.bar, PROGRESS_EVERY
        writing = True
        read = 0
        for line, cells, result in reader.read(rows):
            read += 1
            if isinstance(result, HistoricCall):
                if writing:
                    yield result
            else:
                self.problems += result
                self.rejected += 1
                if self.skip:
                    self._reject(line, cells, result)
                else:
                    writing = False  # keep reading, to report every problem, but write no more
            if bar is not None and read >= next_update:
                next_update = read + PROGRESS_EVERY
                bar.update(line - 1)
        self.read = read
        if self.problems and not self.skip:
            raise Refused

    def _reject(self, line: int, cells: list[str], problems: list[Problem]) -> None:
        if self._rejects is None:
            self._rejects_file = self.rejects_path.open("w", encoding="utf-8", newline="")
            self._rejects = csv.writer(self._rejects_file)
            # The line and the reasons first, so they stay in place whatever the row's length.
            self._rejects.writerow(["line", "reason", *self._header])
        reason = "; ".join(f"{p.column}: {p.reason}" if p.column else p.reason for p in problems)
        self._rejects.writerow([line, reason, *cells])

    def close(self) -> None:
        self._stream.close()
        if self._rejects_file is not None:
            self._rejects_file.close()


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the import (measured: a fifth faster).

    A million rows allocate millions of short-lived objects, which trigger the collector over
    and over, each time scanning every object alive. Nothing here makes reference cycles:
    reference counting frees each chunk as it goes. Collected once at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def _mapping(name: str) -> CallMapping:
    try:
        if name.endswith((".yaml", ".yml")) or "/" in name:
            return load_mapping(Path(name))
        return shipped_mapping(name)
    except (LookupError, MappingError) as error:
        raise CommandError(str(error), returncode=2) from None


def _check_responses(mapping: CallMapping, agency: Agency) -> None:
    """The responses a mapping gives must be responses of the agency's triage rule book."""
    given = mapping.codes_for("response")
    if not given:
        return
    book = rule_book(agency.triage_rule_book)
    if unknown := sorted(given - set(book.responses)):
        raise CommandError(
            f"mapping {mapping.name!r} gives responses {unknown} that rule book "
            f"{agency.triage_rule_book!r} of {agency.short_name} does not have "
            f"({', '.join(book.responses)})",
            returncode=2,
        )


def _fingerprint(path: Path) -> tuple[str, int]:
    """The file's SHA-256 (kept with the batch) and its number of lines (for the progress bar).

    Checks on the way that it is UTF-8 text, so a file saved in another encoding is refused
    before anything is read, naming the line of the first byte that is not.
    """
    digest, lines = hashlib.sha256(), 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                line = lines + block.count(b"\n", 0, error.start) + 1
                raise CommandError(
                    f"{path.name}:{line}: not UTF-8 text (byte {block[error.start]:#04x}); save "
                    "the export as UTF-8 and import it again. Nothing was imported.",
                    returncode=2,
                ) from None
            lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CommandError(
            f"{path.name}:{lines + 1}: not UTF-8 text (it ends inside a character). Nothing was "
            "imported.",
            returncode=2,
        ) from None
    return digest.hexdigest(), lines
