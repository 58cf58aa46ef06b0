"""`crossroads training VERB`: training from the command line.

- `coverage --agency SHORT_NAME --from DATE --to DATE [--json]`: the share of patrol officers
  CIT-certified against the target, and every shift in the days given with no certified officer
  on duty (certifications that will have lapsed by then do not count).
- `reminders`: the daily check: certifications expiring within 90, 30 and 7 days raise one task
  each for the officer. Running it again raises nothing new.

Bad input exits 2, naming the option and the reason.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossroads.training import coverage_report, reminders


class Command(BaseCommand):
    help = "Training: CIT coverage of the shifts ahead, and certification expiry reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        coverage_report.add_arguments(verbs.add_parser("coverage", help=coverage_report.HELP))
        reminders.add_arguments(verbs.add_parser("reminders", help=reminders.HELP))

    def handle(self, *args: Any, **options: Any) -> None:
        run = {"coverage": coverage_report.run, "reminders": reminders.run}[options["verb"]]
        run(options, stdout=self.stdout, stderr=self.stderr)
