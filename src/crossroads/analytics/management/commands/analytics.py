"""`crossroads analytics VERB`: the analytics snapshot.

- `refresh [--full]`: bring the snapshot up to date with the database (docs/analytics.md). The
  first refresh, a changed schema or `--full` rebuilds it; otherwise only the partitions holding
  records changed since the last refresh are rewritten. A progress bar is drawn on a terminal.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.analytics import snapshot
from crossroads.core.progress import ProgressBar, Unended, add_progress_option


class Command(BaseCommand):
    help = "Analytics: refresh the columnar snapshot the metrics run on."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        refresh = verbs.add_parser("refresh", help="bring the snapshot up to date")
        refresh.add_argument("--full", action="store_true", help="rebuild it from scratch")
        add_progress_option(refresh)

    def handle(self, *args: Any, **options: Any) -> None:
        self._refresh(options)

    def _refresh(self, options: dict[str, Any]) -> None:
        drawing = options["progress"]
        if drawing is None:
            drawing = self.stderr.isatty()
        bar: ProgressBar | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if not drawing or not total:
                return
            if bar is None:
                unit = "rows" if options["full"] or done <= total else "partitions"
                bar = ProgressBar(total, stream=Unended(self.stderr), unit=unit)
            bar.update(done)

        try:
            result = snapshot.refresh(full=options["full"], progress=progress)
        except snapshot.SnapshotError as error:
            raise CommandError(str(error), returncode=2) from None
        if bar is not None:
            bar.finish()
        kind = "full" if result.full else "incremental"
        self.stdout.write(
            f"{kind} refresh: {result.partitions} partitions written in {result.seconds:.1f} s; "
            + ", ".join(f"{table} {rows:,}" for table, rows in result.rows.items())
        )
