"""`crossroads analytics VERB`: the analytics snapshot.

- `refresh [--full]`: bring the snapshot up to date with the database (docs/analytics.md). The
  first refresh, a changed schema or `--full` rebuilds it; otherwise only the partitions holding
  records changed since the last refresh are rewritten. A progress bar is drawn on a terminal.
- `export --output DIR [--safe-harbor] [--agency SLUG] [--from DATE] [--to DATE]
  [--format csv|parquet]`: a de-identified copy of the snapshot's event tables for outside
  evaluators, with a README.txt saying what was done (deidentify.py). DIR must not exist yet,
  or be empty. (The directory is --output, not --to: --from/--to are days, as in `metrics show`.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.analytics import deidentify, snapshot
from crossroads.analytics.actions import deidentified_export_write
from crossroads.analytics.queries import agency_slug
from crossroads.core.commands import agency_named
from crossroads.core.progress import ProgressBar, Unended, add_progress_option


class Command(BaseCommand):
    help = "Analytics: refresh the snapshot the metrics run on; export a de-identified copy."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        refresh = verbs.add_parser("refresh", help="bring the snapshot up to date")
        refresh.add_argument("--full", action="store_true", help="rebuild it from scratch")
        add_progress_option(refresh)
        export = verbs.add_parser("export", help="a de-identified copy for outside evaluators")
        export.add_argument("--output", required=True, metavar="DIR", help="a new directory")
        export.add_argument("--safe-harbor", action="store_true", help="HIPAA Safe Harbor")
        export.add_argument("--agency", metavar="SLUG", help="one agency (default: all)")
        export.add_argument("--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD")
        export.add_argument("--to", dest="last", metavar="DATE", help="last day, YYYY-MM-DD")
        export.add_argument("--format", choices=["csv", "parquet"], default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "export":
            self._export(options)
        else:
            self._refresh(options)

    def _export(self, options: dict[str, Any]) -> None:
        request = deidentify.ExportRequest(
            destination=Path(options["output"]).absolute(),
            safe_harbor=options["safe_harbor"],
            agency=agency_slug(agency_named(options["agency"])) if options["agency"] else None,
            first=_day("--from", options["first"]),
            last=_day("--to", options["last"]),
            format=options["format"],
        )
        try:
            exported = deidentified_export_write(
                request=request, root=snapshot.snapshot_dir(), by=None
            )
        except deidentify.ExportError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            f"de-identified export{' (Safe Harbor)' if request.safe_harbor else ''} written to "
            f"{exported.destination}: "
            + ", ".join(f"{table} {rows:,}" for table, rows in exported.rows.items())
        )

    def _refresh(self, options: dict[str, Any]) -> None:
        drawing = options["progress"]
        if drawing is None:
            drawing = self.stderr.isatty()
        bar: ProgressBar | None = None

        def progress(done: int, total: int, unit: str) -> None:
            nonlocal bar
            if not drawing or not total:
                return
            if bar is None:
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


def _day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date (YYYY-MM-DD)", returncode=2) from None
