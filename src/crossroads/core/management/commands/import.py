"""`crossroads import KIND ...`: load records from a file; each kind is its app's importer.

The kinds come from the setting CROSSROADS_IMPORTERS (core/importers.py, ADR 0011):
`crossroads import --help` lists them and `crossroads import calls --help` explains one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossroads.core.importers import importers


class Command(BaseCommand):
    help = (
        "Load records from a file: past calls from a CAD export (calls), and the kinds listed "
        "below. A file with bad rows exits 2, naming each line, column and reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for kind, importer in importers().items():
            importer.add_arguments(
                sub.add_parser(kind, help=importer.help, description=importer.help)
            )

    def handle(self, *args: Any, **options: Any) -> None:
        importers()[options["kind"]].run(options, stdout=self.stdout, stderr=self.stderr)
