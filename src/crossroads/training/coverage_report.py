"""`crossroads training coverage --agency SHORT_NAME [--from DATE] [--to DATE] [--json]`.

Prints the share of the agency's patrol officers CIT-certified today (in its time zone) against
its target, then every shift of the period with no certified officer on duty, one a line: day,
precinct, shift and how many (uncertified) officers are on duty. `--json` prints the same as
one document, the shape of GET /api/v1/training/coverage. Bad input exits 2, naming the option
and the reason; nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper

from crossroads.core.commands import agency_named
from crossroads.core.models import Agency
from crossroads.training import queries
from crossroads.training.coverage import DEFAULT_DAYS, MAX_DAYS, PeriodError, Report, period_from

HELP = "CIT coverage: the share certified against the target, and every uncovered shift"


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--agency", required=True, metavar="SHORT_NAME", help="the agency")
    parser.add_argument(
        "--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD (default: today)"
    )
    parser.add_argument(
        "--to",
        dest="last",
        metavar="DATE",
        help=f"last day, YYYY-MM-DD (default: {DEFAULT_DAYS} days in all; at most {MAX_DAYS})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
    agency = agency_named(options["agency"])
    today = queries.agency_today(agency)
    try:
        period = period_from(options["first"], options["last"], today=today)
    except PeriodError as error:
        raise CommandError(f"--{error.field}: {error.reason}", returncode=2) from None
    report = queries.coverage_report(agency, period, today)
    if options["json"]:
        stdout.write(json.dumps({"agency": agency.short_name, **report.document()}))
        return
    for line in _lines(agency, report):
        stdout.write(line)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _lines(agency: Agency, report: Report) -> list[str]:
    share, coverage = report.share, report.coverage
    period = coverage.period
    uncovered = coverage.uncovered()
    return [
        f"{agency.short_name}: {share.certified} of {share.officers} patrol officers "
        f"CIT-certified on {report.today.isoformat()} ({_percent(share.share)}); "
        f"target {share.target.low}-{share.target.high}%: {share.standing}",
        f"{period.first.isoformat()} to {period.last.isoformat()}: {coverage.covered} of "
        f"{coverage.shifts} shifts with a certified officer on duty "
        f"({_percent(coverage.shift_coverage)}); {len(uncovered)} uncovered",
        *(
            f"{slot.day.isoformat()}\t{slot.precinct}\t{slot.shift}\t{slot.on_duty} on duty"
            for slot in uncovered
        ),
    ]
