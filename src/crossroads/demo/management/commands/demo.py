"""`crossroads demo`: set up the database, load Alder County if it is empty, and serve it."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossroads.analytics import snapshot
from crossroads.core.models import Agency, Role
from crossroads.demo.county import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SIGN_INS,
    HISTORY_DAYS,
    build_county,
)


def refuse_in_production() -> None:
    """The demo's accounts have a published password: never on a production system."""
    if settings.PRODUCTION:
        raise CommandError(
            "the demo county is refused when CROSSROADS_ENV=production.", returncode=2
        )


class Command(BaseCommand):
    help = "Migrate, load the synthetic demo county if the database is empty, then serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and load the demo county, then exit"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="seed of the synthetic data (default %(default)s)",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=HISTORY_DAYS,
            help="days of past police calls before the live month (default %(default)s)",
        )
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        if options["history_days"] < 0:
            raise CommandError("--history-days cannot be negative.", returncode=2)
        started = time.monotonic()
        self._step("Migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        if Agency.objects.exists():
            self._step("The database already holds data; keeping it")
        else:
            self._step(f"Loading the synthetic Alder County (seed {options['seed']})")
            build_county(
                seed=options["seed"],
                history_days=options["history_days"],
                progress=lambda part: self._step(f"  {time.monotonic() - started:5.1f} s  {part}"),
            )
        # The dashboards, the public page and grant reports read the analytics snapshot.
        refreshed = snapshot.refresh()
        self._step(
            f"Analytics snapshot refreshed ({'full' if refreshed.full else 'incremental'}, "
            f"{refreshed.seconds:.1f} s)"
        )
        self._step(f"Ready in {time.monotonic() - started:.1f} s")
        self._print_sign_ins(options["port"])
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

    def _step(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _print_sign_ins(self, port: int) -> None:
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS(f"Crossroads demo: http://127.0.0.1:{port}/"))
        write(f"Database: {settings.DATABASES['default']['NAME']}")
        write(f"Password for every demo sign-in below: {DEMO_PASSWORD}")
        write("Second factor: each account sets up an authenticator app at first sign-in;")
        write("  without a phone, `.venv/bin/crossroads demo_totp USERNAME` prints the code.")
        write("")
        write(f"  {'role':<34} username")
        for username, _agency, roles in DEMO_SIGN_INS:
            write(f"  {Role(roles[0]).label:<34} {username}")
        write("")
