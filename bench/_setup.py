"""Shared set-up for the benchmarks: Django on a throwaway database, and small timers.

Every bench script calls `django_for_bench()` before importing any model. Two databases:

- `database="sqlite"` (the default): a fresh SQLite file in a temporary directory
  (CROSSROADS_DATA_DIR), so a bench never touches a developer's data; the directory is removed
  when the script exits. Settings are the product's own (WAL, synchronous=FULL, IMMEDIATE
  transactions), so the figures include the real commit cost.
- `database="postgres"`: a throwaway database `crossroads_bench_<pid>` created on
  POSTGRES_SERVER (postgres://postgres@127.0.0.1:5432, trust auth) and handed to the settings
  through DATABASE_URL, as in production; it is migrated, and dropped at exit after Django's
  connections are closed. The temporary CROSSROADS_DATA_DIR is made as well (secret key,
  static root).

A bench that offers both takes the shared `--database {sqlite,postgres}` flag:

    args = _setup.arguments(__doc__)            # or _setup.arguments(__doc__, parser=own_parser)
    _setup.django_for_bench(database=args.database)

A server process started by a bench inherits the environment set here (DATABASE_URL,
CROSSROADS_DATA_DIR, ...), so it uses the same database; stop it before the script exits.
"""

from __future__ import annotations

import argparse
import atexit
import math
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
# Accounts made by the benches live only in a temporary database removed at exit.
BENCH_PASSWORD = "bench passphrase 1234"  # noqa: S105


POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASES = ("sqlite", "postgres")


def arguments(
    description: str | None = None, *, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """Parse the command line with the shared `--database {sqlite,postgres}` flag added.

    A script with flags of its own builds its parser and passes it in; `args.database` is
    then given to `django_for_bench(database=...)`.
    """
    if parser is None:
        parser = argparse.ArgumentParser(
            description=description, formatter_class=argparse.RawDescriptionHelpFormatter
        )
    parser.add_argument(
        "--database",
        choices=DATABASES,
        default="sqlite",
        help="sqlite: a temporary file (the default); postgres: a throwaway database "
        f"crossroads_bench_<pid> on {POSTGRES_SERVER}, dropped at exit",
    )
    return parser.parse_args()


def django_for_bench(*, fast_passwords: bool = False, database: str = "sqlite") -> Path:
    """Configure Django against a fresh database, migrate it, and return the data directory.

    A DATABASE_URL already in the environment is deliberately ignored: pointing a bench at it
    would write into that database. `database="postgres"` makes its own throwaway one.
    """
    if database not in DATABASES:
        raise ValueError(f"database={database!r}: use one of {DATABASES}")
    if os.environ.pop("DATABASE_URL", None):
        print("note: DATABASE_URL ignored; benchmarks run on a throwaway database of their own")
    data_dir = Path(tempfile.mkdtemp(prefix="crossroads-bench-"))
    os.environ["CROSSROADS_DATA_DIR"] = str(data_dir)
    os.environ["CROSSROADS_ENV"] = "development"
    os.environ["CROSSROADS_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["DJANGO_SETTINGS_MODULE"] = "crossroads.settings"
    postgres_name = f"crossroads_bench_{os.getpid()}" if database == "postgres" else None

    def _clean_up() -> None:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if postgres_name:
            _postgres_admin("DROP DATABASE IF EXISTS {name} WITH (FORCE)", postgres_name)
        shutil.rmtree(data_dir, ignore_errors=True)

    atexit.register(_clean_up)
    if postgres_name:
        _postgres_admin("DROP DATABASE IF EXISTS {name} WITH (FORCE)", postgres_name)
        _postgres_admin("CREATE DATABASE {name}", postgres_name)
        os.environ["DATABASE_URL"] = f"{POSTGRES_SERVER}/{postgres_name}"

    import django
    from django.conf import settings

    django.setup()
    # Whitenoise otherwise indexes every static file each time a test Client builds a handler.
    settings.WHITENOISE_AUTOREFRESH = True
    if fast_passwords:
        # Argon2 is slow on purpose; the benches make many accounts but never time hashing.
        settings.PASSWORD_HASHERS = [FAST_HASHER]

    from django.core.management import call_command

    print(machine_line())
    print(f"database: {database_line()}")
    if fast_passwords:
        print("note: accounts use the MD5 password hasher (set-up only; hashing is never timed)")
    call_command("migrate", verbosity=0)
    return data_dir


def _postgres_admin(statement: str, name: str) -> None:
    """Run CREATE/DROP DATABASE {name} on the server's maintenance database."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(name=sql.Identifier(name)))
    except psycopg.OperationalError as error:
        fail(f"PostgreSQL at {POSTGRES_SERVER} did not answer ({error}); is it running?")


def database_line() -> str:
    """Which database the bench runs on, with the server's version for PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version}, database {connection.settings_dict['NAME']}"
    return f"SQLite {sqlite3.sqlite_version}, {connection.settings_dict['NAME']}"


def machine_line() -> str:
    """The machine, and how busy it was when the bench started (other work skews the figures)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, Django {_django_version()}, load average {load}"
    )


def _django_version() -> str:
    import django

    return django.get_version()


def timed(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of fn."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation), as latency reports usually give it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def spread(samples: Sequence[float], fmt: str = "{:.0f}") -> str:
    """'median (runs a/b/c)' for a handful of repeated measurements."""
    return f"{fmt.format(median(samples))} (runs {'/'.join(fmt.format(s) for s in samples)})"


def fail(message: str) -> None:
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def bench_agency() -> Any:
    """The police agency every bench works in, made through the real action."""
    from crossroads.core import actions
    from crossroads.core.models import Agency

    return actions.agency_create(
        by=None,
        name="Bench Police",
        short_name="BP",
        type=Agency.Type.POLICE,
        jurisdiction="Bench County",
    )
