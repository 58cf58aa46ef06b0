"""`crossroads backup FILE`: a consistent copy of the whole database, taken while it runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.core import actions, backups


class Command(BaseCommand):
    help = "Write a consistent backup of the whole database to FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = actions.backup_create(path=options["file"], by=None)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error), returncode=2) from None
        summary = {"file": str(result.path), "engine": result.engine, "bytes": result.bytes}
        self.stdout.write(
            json.dumps(summary)
            if options["json"]
            else f"Backed up the {result.engine} database to {result.path} "
            f"({result.bytes:,} bytes)."
        )
