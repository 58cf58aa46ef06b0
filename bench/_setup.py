"""Shared set-up for the benchmarks: Django on a throwaway SQLite database, and small timers.

Every bench script calls `django_for_bench()` before importing any model. The database lives in
a fresh temporary directory (CROSSROADS_DATA_DIR), so a bench never touches a developer's data;
the directory is removed when the script exits. Settings are the product's own (WAL,
synchronous=FULL, IMMEDIATE transactions), so the figures include the real commit cost.
"""

from __future__ import annotations

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


def django_for_bench(*, fast_passwords: bool = False) -> Path:
    """Configure Django against a fresh SQLite file, migrate it, and return its directory.

    DATABASE_URL is deliberately ignored: pointing a bench at it would write into that
    database. The benchmarks measure the embedded SQLite default only.
    """
    if os.environ.pop("DATABASE_URL", None):
        print("note: DATABASE_URL ignored; benchmarks run on a throwaway SQLite database")
    data_dir = Path(tempfile.mkdtemp(prefix="crossroads-bench-"))
    os.environ["CROSSROADS_DATA_DIR"] = str(data_dir)
    os.environ["CROSSROADS_ENV"] = "development"
    os.environ["CROSSROADS_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["DJANGO_SETTINGS_MODULE"] = "crossroads.settings"

    import django
    from django.conf import settings

    django.setup()
    # Whitenoise otherwise indexes every static file each time a test Client builds a handler.
    settings.WHITENOISE_AUTOREFRESH = True
    if fast_passwords:
        # Argon2 is slow on purpose; the benches make many accounts but never time hashing.
        settings.PASSWORD_HASHERS = [FAST_HASHER]

    from django.core.management import call_command
    from django.db import connections

    print(machine_line())
    if fast_passwords:
        print("note: accounts use the MD5 password hasher (set-up only; hashing is never timed)")
    call_command("migrate", verbosity=0)

    def _clean_up() -> None:
        connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)

    atexit.register(_clean_up)
    return data_dir


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
