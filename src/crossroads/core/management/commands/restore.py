"""`crossroads restore FILE`: replace the whole database with a backup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.core import actions, backups


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup in FILE. Everything written after the "
        "backup was taken is lost, so stop the server first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the current data is to be replaced"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "restore replaces the whole database; add --yes to confirm.", returncode=2
            )
        try:
            actions.backup_restore(path=options["file"], by=None)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            json.dumps({"restored": str(options["file"])})
            if options["json"]
            else f"Restored the database from {options['file']}."
        )
