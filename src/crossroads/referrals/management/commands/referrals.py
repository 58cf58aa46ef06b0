"""`crossroads referrals VERB`: the closed-loop referrals from the command line.

- `check-acknowledgements`: every sent referral past its acknowledgement time
  (CROSSROADS_REFERRAL_ACKNOWLEDGE_HOURS, by urgency) with no answer raises one task for its
  sender, and every referral unanswered for CROSSROADS_REFERRAL_EXPIRE_DAYS expires. Run it
  every few minutes, from cron or beside the worker (docs/referrals.md); running it again
  changes nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from crossroads.referrals import actions


class Command(BaseCommand):
    help = "Work with closed-loop referrals: remind senders whose referral nobody acknowledged."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        check = verbs.add_parser(
            "check-acknowledgements",
            help="raise a task for the sender of each referral past its acknowledgement time",
        )
        check.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        verbs: dict[str, Callable[[dict[str, Any]], None]] = {
            "check-acknowledgements": self.check_acknowledgements,
        }
        verbs[options["verb"]](options)

    def check_acknowledgements(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        raised = actions.referral_acknowledgements_check(now=now)
        expired = actions.referrals_expire(now=now)
        if options["json"]:
            self.stdout.write(
                json.dumps({"at": now.isoformat(), "raised": raised, "expired": expired})
            )
        else:
            plural = "" if raised == 1 else "s"
            self.stdout.write(f"{raised} reminder task{plural} raised for unacknowledged referrals")
            self.stdout.write(f"{expired} referral(s) expired unanswered")
