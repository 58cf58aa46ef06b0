"""`crossroads import hsds PATH`: a resource directory from Open Referral HSDS 3.0 data.

PATH is a tabular package (a folder or a .zip: datapackage.json and one CSV file per table,
exchange.read_package) or an HSDS JSON file (one record, a list of them, or a page of the HSDS
API, nested records included: exchange.read_json), of the records `--table` names or its file
name tells (service_full.json, organization_list.json ...). It is read and checked whole, then
written by `actions.hsds_import` in one transaction. Any problem refuses it: each is printed
compiler-style (`services.csv:4:status: ...`, `service_full.json:$.phones[0]:number: ...`) and
nothing is written; the command exits 2. Warnings (a reference to a record nobody has,
coordinates off the globe) are printed the same way, marked `warning:`, and do not stop the
import. Records are matched by id (ADR 0013). A progress bar counts the records read, on a
terminal or with --progress.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser, OutputWrapper

from crossroads.core.progress import ProgressBar, Unended, add_progress_option, wants_progress
from crossroads.directory import actions, exchange, hsds


class HsdsImporter:
    help = (
        "a resource directory as Open Referral HSDS 3.0: a tabular package (a folder or a .zip "
        "of CSV files with datapackage.json) or HSDS JSON (a record, a list, an API page)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            type=Path,
            help="a package (a folder or a .zip of HSDS CSV files), or an HSDS .json file",
        )
        parser.add_argument(
            "--table",
            choices=list(exchange.tables()),
            metavar="TABLE",
            help="the records a JSON file holds (default: told by its name, such as "
            "service_full.json, organization_list.json, taxonomy_term.json)",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        add_progress_option(parser)

    def run(self, options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
        path: Path = options["path"]
        show = wants_progress(options, stderr)
        bars = _Bars(stderr) if show else None
        package = _read(path, options["table"], bars.read if bars else None)
        try:
            done = actions.hsds_import(by=None, package=package, source=str(path), progress=bars)
        except ValidationError:
            done = None
        if bars is not None:
            bars.finish()
        if done is None:
            _refuse(package, options["json"], stdout, stderr)
        _print(done.warnings, stderr, "warning: ")
        if options["json"]:
            stdout.write(json.dumps(_summary(package, done)))
            return
        counts = done.tables.values()
        stdout.write(
            f"{package.name}: {done.rows_read:,} records read in {len(done.tables)} table(s); "
            f"{sum(c.created for c in counts):,} created, {sum(c.updated for c in counts):,} "
            f"updated, {sum(c.unchanged for c in counts):,} unchanged; "
            f"{len(done.warnings):,} warning(s)."
        )


def _refuse(
    package: exchange.Package, as_json: bool, stdout: OutputWrapper, stderr: OutputWrapper
) -> NoReturn:
    _print(package.warnings, stderr, "warning: ")
    _print(package.problems, stderr)
    if as_json:
        stdout.write(json.dumps(_summary(package, None)))
    raise CommandError(
        f"{package.name}: {len(package.problems)} problem(s); nothing was imported.",
        returncode=2,
    )


def _read(path: Path, table: str | None, progress: exchange.Progress | None) -> exchange.Package:
    if path.suffix.lower() == ".json" and not path.is_dir():
        return exchange.read_json(path, hsds.SHAPES, table=table, progress=progress)
    if table is not None:
        raise CommandError(f"{path}: --table is for a JSON file, not a package", returncode=2)
    return exchange.read_package(path, progress=progress)


class _Bars:
    """A progress bar for each stage: records read, records written, services indexed."""

    UNITS = {"read": "records read", "written": "records written", "indexed": "services indexed"}

    def __init__(self, stderr: OutputWrapper) -> None:
        self.stream = Unended(stderr)
        self.stage = ""
        self.bar: ProgressBar | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self.bar
        if bar is None or stage != self.stage:
            self.finish()
            self.stage = stage
            bar = self.bar = ProgressBar(total, stream=self.stream, unit=self.UNITS[stage])
        bar.total = max(total, 1)  # reading counts lines first: an estimate
        bar.update(done)

    def read(self, done: int, total: int) -> None:
        self("read", done, total)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish()
            self.bar = None


def _print(problems: list[exchange.Problem], out: OutputWrapper, mark: str = "") -> None:
    for problem in problems:
        out.write(f"{problem.place}: {mark}{problem.reason}")


def _summary(package: exchange.Package, done: actions.HsdsImport | None) -> dict[str, Any]:
    return {
        "imported": done is not None,
        "package": package.name,
        "sha256": package.sha256,
        "read": package.rows_read,
        "written": done.written if done else 0,
        "tables": {n: asdict(c) for n, c in done.tables.items()} if done else {},
        "warnings": [w.as_json() for w in (done.warnings if done else package.warnings)],
        "problems": [p.as_json() for p in package.problems],
    }
