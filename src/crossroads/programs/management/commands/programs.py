"""`crossroads programs VERB`: an agency's programs from the command line.

- `types`: the program types and what an agency may set for its own program.
- `list`: the programs, with their agency, type and open cases.
- `create`: start a program for an agency (`--set NAME=VALUE` for its own timings).
- `configure`: replace a program's own settings (`--set NAME=VALUE`, repeated).
- `deadlines`: the daily LEAD check: cases past their intake deadline before intake get a task
  for their case manager and for the prosecutor's office. Nothing is filed. Run it daily
  (docs/programs.md); running it again raises nothing new.

Bad input exits 2, naming the option and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from crossroads.core.commands import agency_named
from crossroads.programs import actions
from crossroads.programs.models import Program
from crossroads.programs.types import ADJUSTABLE, program_types


def _setting(text: str) -> tuple[str, object]:
    """NAME=VALUE, the value read as JSON (14, [24, 168], ["detox"]), else as text."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"{text!r} is not NAME=VALUE")
    try:
        return name.strip(), json.loads(value)
    except json.JSONDecodeError:
        return name.strip(), value


def _problem(error: ValidationError) -> str:
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
    )


class Command(BaseCommand):
    help = (
        "Work with programs: list the types and programs, create and configure a program, "
        "run the daily LEAD deadline check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        verbs.add_parser("types", help="the program types and the settings an agency may change")
        listing = verbs.add_parser("list", help="the programs and their open cases")
        listing.add_argument("--json", action="store_true", help="print JSON")
        create = verbs.add_parser("create", help="start a program for an agency")
        create.add_argument("--agency", required=True, metavar="SHORT_NAME")
        create.add_argument("--type", required=True, choices=sorted(program_types()))
        create.add_argument("--name", required=True)
        create.add_argument("--slug", required=True)
        self._settings_argument(create)
        configure = verbs.add_parser("configure", help="replace a program's own settings")
        configure.add_argument("slug", metavar="SLUG")
        self._settings_argument(configure)
        deadlines = verbs.add_parser("deadlines", help="the daily LEAD intake-deadline check")
        deadlines.add_argument("--json", action="store_true", help="print JSON")

    def _settings_argument(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            type=_setting,
            metavar="NAME=VALUE",
            help=f"one of: {', '.join(sorted(ADJUSTABLE))} (e.g. intake_deadline_days=14)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbs: dict[str, Callable[[dict[str, Any]], None]] = {
            "types": self.types,
            "list": self.list,
            "create": self.create,
            "configure": self.configure,
            "deadlines": self.deadlines,
        }
        verbs[options["verb"]](options)

    def types(self, options: dict[str, Any]) -> None:
        for code, spec in program_types().items():
            self.stdout.write(f"{code}: {spec.label} (Sequential Intercept {spec.intercept})")
            self.stdout.write(f"    {spec.summary}")
        self.stdout.write(f"An agency may set: {', '.join(sorted(ADJUSTABLE))}")

    def list(self, options: dict[str, Any]) -> None:
        programs = Program.objects.select_related("agency").annotate(
            open_cases=Count("cases", filter=Q(cases__closed_at__isnull=True))
        )
        rows = [
            {
                "slug": p.slug,
                "name": p.name,
                "agency": p.agency.short_name,
                "type": p.type,
                "open_cases": p.open_cases,
                "settings": p.settings,
            }
            for p in programs
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            own = f" {json.dumps(row['settings'])}" if row["settings"] else ""
            self.stdout.write(
                f"{row['slug']}: {row['name']} ({row['agency']}, {row['type']}), "
                f"{row['open_cases']} open{own}"
            )

    def create(self, options: dict[str, Any]) -> None:
        agency = agency_named(options["agency"])
        try:
            program = actions.program_create(
                by=None,
                agency=agency,
                type=options["type"],
                name=options["name"],
                slug=options["slug"],
                settings=dict(options["set"]),
            )
        except ValidationError as error:
            raise CommandError(_problem(error), returncode=2) from None
        self.stdout.write(f"{program.slug}: {program.name} created for {agency.short_name}")

    def configure(self, options: dict[str, Any]) -> None:
        program = Program.objects.filter(slug=options["slug"]).first()
        if program is None:
            raise CommandError(f"SLUG: no program is called {options['slug']!r}", returncode=2)
        try:
            actions.program_configure(by=None, program=program, settings=dict(options["set"]))
        except ValidationError as error:
            raise CommandError(_problem(error), returncode=2) from None
        self.stdout.write(f"{program.slug}: settings now {json.dumps(program.settings)}")

    def deadlines(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        overdue = actions.lead_deadlines_check(now=now)
        if options["json"]:
            self.stdout.write(json.dumps({"at": now.isoformat(), "past_deadline": overdue}))
        else:
            self.stdout.write(
                f"{overdue} case{'' if overdue == 1 else 's'} past the intake deadline"
            )
