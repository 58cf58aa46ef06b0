"""`crossroads training reminders [--json]`: the daily certification expiry check.

Each certification expiring within 90, 30 or 7 days (the agency's local date) whose officer has
not renewed it raises a task for the officer, due on the expiry day, once per threshold, and
marks done the reminder of a wider threshold it replaces (actions.certification_reminders_raise).
Run it daily; running it again, or two at once, raises nothing new.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser, OutputWrapper
from django.utils import timezone

from crossroads.training import actions
from crossroads.training.models import LAPSE_NOTICE_DAYS

HELP = (
    "the daily check: certifications expiring within "
    f"{', '.join(str(d) for d in LAPSE_NOTICE_DAYS)} days remind their officer (once each)"
)


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
    now = timezone.now()
    done = actions.certification_reminders_raise(now=now)
    if options["json"]:
        stdout.write(
            json.dumps(
                {
                    "at": now.isoformat(),
                    "raised": {str(days): count for days, count in done.raised.items()},
                    "already_reminded": done.already_reminded,
                    "renewed": done.renewed,
                    "closed": done.closed,
                }
            )
        )
        return
    total = sum(done.raised.values())
    by_threshold = ", ".join(f"{days} days: {count}" for days, count in done.raised.items())
    stdout.write(
        f"{total} reminder{'' if total == 1 else 's'} raised ({by_threshold}); "
        f"{done.already_reminded} already reminded; {done.renewed} renewed; "
        f"{done.closed} earlier reminder{'' if done.closed == 1 else 's'} done."
    )
