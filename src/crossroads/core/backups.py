"""Consistent online backups of the whole database, and restores from them (SECURITY.md 25).

SQLite: the SQLite online-backup API copies a consistent snapshot while the server runs.
PostgreSQL: pg_dump's custom format, restored with pg_restore in one transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup file that cannot be used here; the database is left as it was."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    bytes: int


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def backup(path: Path) -> BackupResult:
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine() == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    else:
        _run_pg(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"])
    path.chmod(0o600)  # a backup holds everything the database does
    return BackupResult(path, engine(), path.stat().st_size)


def restore(path: Path) -> None:
    """Replace the whole database with the backup: what came after it is gone."""
    kind = _kind_of(path)
    if kind != engine():
        raise BackupError(f"{path} is a {kind} backup, but this database is {engine()}.")
    if kind == "sqlite":
        _check_sqlite_backup(path)
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    else:
        _check_pg_backup(path)
        connections.close_all()
        _run_pg(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            target_flag="--dbname",
        )


def _kind_of(path: Path) -> str:
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path}: not a Crossroads backup (neither SQLite nor pg_dump format).")


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            ok = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        db.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: unreadable SQLite file ({error}).") from None
    if ok != "ok":
        raise BackupError(f"{path}: the SQLite file is damaged ({ok}).")
    if "core_auditevent" not in tables:
        raise BackupError(f"{path}: a SQLite file, but not a Crossroads database.")


def _check_pg_backup(path: Path) -> None:
    """A pg_dump archive, and one of a Crossroads database: it holds the audit trail."""
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed (Debian package postgresql-client).")
    listing = subprocess.run(  # noqa: S603  # nosec B603
        [tool, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{path}: unreadable pg_dump archive ({listing.stderr.strip()}).")
    if " TABLE " not in listing.stdout or "core_auditevent" not in listing.stdout:
        raise BackupError(f"{path}: a pg_dump archive, but not a Crossroads database.")


def _run_pg(command: list[str], target_flag: str = "--dbname") -> None:
    settings = connection.settings_dict
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian package postgresql-client).")
    env = {**os.environ, "PGPASSWORD": str(settings.get("PASSWORD") or "")}
    args = [
        tool,
        *command[1:],
        f"--host={settings.get('HOST') or 'localhost'}",
        f"--port={settings.get('PORT') or 5432}",
        f"--username={settings.get('USER') or ''}",
        f"{target_flag}={settings['NAME']}",
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  (fixed tool, our args)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")
