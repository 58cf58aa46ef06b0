"""`crossroads export hsds DESTINATION`: the resource directory as Open Referral HSDS 3.0.

DESTINATION ending in .zip gets a tabular package in one file; one ending in .json (or any name
with `--format json`) gets HSDS JSON: one page of every service, fully nested as the HSDS API
serves it. A file is written beside its destination, then moved into place, so a failed export
leaves no half file. Anything else is a folder, new or empty, that receives the package's
datapackage.json and one CSV file per table. `crossroads import hsds` reads each back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.directory import actions


class Command(BaseCommand):
    help = "Write records out as files: the resource directory as HSDS 3.0 (hsds)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        hsds = sub.add_parser(
            "hsds",
            help="the resource directory as Open Referral HSDS 3.0: a package or JSON",
            description="A tabular package (every HSDS table as a CSV file, with the official "
            "datapackage.json), or HSDS JSON (every service fully nested, in one page).",
        )
        hsds.add_argument(
            "destination",
            type=Path,
            help="a .zip or .json file, or a new or empty folder (a package)",
        )
        hsds.add_argument(
            "--format",
            choices=["package", "json"],
            help="package or json (default: json for a name ending in .json, else package)",
        )
        hsds.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        destination: Path = options["destination"]
        suffix = destination.suffix.lower()
        form: actions.ExportForm | None = options["format"] or (
            "json" if suffix == ".json" else None
        )
        _check(destination, as_file=form == "json" or suffix == ".zip")
        counts = actions.hsds_export(by=None, destination=destination, form=form)
        if options["json"]:
            self.stdout.write(json.dumps({"destination": str(destination), "records": counts}))
            return
        tables = "HSDS table" if len(counts) == 1 else "HSDS tables"
        self.stdout.write(
            f"{destination}: {sum(counts.values()):,} records in {len(counts)} {tables}."
        )


def _check(destination: Path, *, as_file: bool) -> None:
    """Refuse a destination that would mix the export with other files, or cannot be written."""
    if as_file:
        if destination.is_dir():
            raise CommandError(f"{destination}: is a folder, not a file", returncode=2)
        if not destination.parent.is_dir():
            raise CommandError(f"{destination.parent}: no such folder", returncode=2)
    elif destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise CommandError(
            f"{destination}: give a new or empty folder, or a name ending in .zip or .json",
            returncode=2,
        )
