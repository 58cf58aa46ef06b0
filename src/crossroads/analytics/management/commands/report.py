"""`crossroads report VERB`: reports made from the analytics snapshot.

- `grant --program jmhcp|cossup --quarter 2026Q3 [--agency SLUG] [--format csv|pdf]
  [--output FILE]`: the quarter's answers to the program's BJA performance measures, filled
  from the metrics by the program's mapping file (analytics/grants/). CSV goes to standard
  output unless --output names a file; a PDF needs --output. The format follows the file's
  suffix unless --format says otherwise.

Bad input exits 2, naming the option and the reason; a file is written whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.analytics import grants, metrics
from crossroads.analytics.queries import agency_slug
from crossroads.core.commands import agency_named


class Command(BaseCommand):
    help = "Reports from the analytics snapshot: the quarterly grant report."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        grant = verbs.add_parser("grant", help="a quarter's BJA performance measures")
        grant.add_argument("--program", required=True, choices=grants.PROGRAMS)
        grant.add_argument("--quarter", required=True, metavar="YYYYQN", help="e.g. 2026Q3")
        grant.add_argument("--agency", metavar="SLUG", help="one agency (default: each agency)")
        grant.add_argument("--format", choices=["csv", "pdf"], default=None)
        grant.add_argument("--output", metavar="FILE", help="write here (default: stdout, CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._grant(options)
        except (grants.GrantError, metrics.MetricError) as error:
            raise CommandError(str(error), returncode=2) from None

    def _grant(self, options: dict[str, Any]) -> None:
        output = Path(options["output"]) if options["output"] else None
        kind = options["format"] or ("pdf" if output and output.suffix == ".pdf" else "csv")
        if kind == "pdf" and output is None:
            raise grants.GrantError("--output: a PDF needs a file to be written to")
        if output is not None and not output.parent.is_dir():
            raise grants.GrantError(f"--output: there is no directory {output.parent}")
        grants.quarter_days(options["quarter"])  # a bad quarter is refused before anything else
        agency = agency_slug(agency_named(options["agency"])) if options["agency"] else None
        report = grants.grant_report(options["program"], options["quarter"], agency)
        if report.mapping.mapping.year != report.first.year:
            self.stderr.write(
                f"note: there is no {report.first.year} mapping yet; the questions are "
                f"{report.mapping.label}'s: check them against this year's questionnaire"
            )
        content = grants.to_pdf(report) if kind == "pdf" else grants.to_csv(report).encode()
        if output is None:
            self.stdout.write(content.decode(), ending="")
            return
        _write_whole(output, content)
        self.stderr.write(
            f"{report.title}: {len(report.answers)} answers written to {output} "
            f"({report.mapping.label})"
        )


def _write_whole(path: Path, content: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a report."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
