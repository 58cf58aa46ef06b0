"""SECURITY.md 25: backup and restore round-trip the whole database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from crossroads.core import audit
from crossroads.core.models import Agency, User
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_restore_brings_back_the_backup_and_nothing_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agency = make_agency(name="Before Backup PD")
    make_user(agency, "officer", username="kept")
    backup_file = tmp_path / "crossroads.backup"
    call_command("backup", str(backup_file), "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["bytes"] > 0 and Path(summary["file"]) == backup_file
    assert backup_file.stat().st_mode & 0o777 == 0o600

    make_agency(name="After Backup PD")
    User.objects.filter(username="kept").update(first_name="Changed")

    call_command("restore", str(backup_file), "--yes")
    names = set(Agency.objects.values_list("name", flat=True))
    assert "Before Backup PD" in names and "After Backup PD" not in names
    assert User.objects.get(username="kept").first_name == "Test"
    length, breaks = audit.verify()
    assert breaks == [] and length > 0


def test_restore_needs_confirmation(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "x"))
    assert refused.value.returncode == 2
    assert "--yes" in str(refused.value)


@pytest.mark.parametrize("content", [b"", b"hello, this is not a backup", b"PK\x03\x04zip"])
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
    tmp_path: Path, content: bytes
) -> None:
    make_agency(name="Still Here PD")
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bogus), "--yes")
    assert refused.value.returncode == 2
    assert "not a Crossroads backup" in str(refused.value)
    assert Agency.objects.filter(name="Still Here PD").exists()


def test_a_missing_backup_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path / "missing.backup"), "--yes")
    assert refused.value.returncode == 2
    assert "no such file" in str(refused.value)


def test_a_dump_of_a_database_that_is_not_crossroads_is_refused(tmp_path: Path) -> None:
    """On SQLite: a SQLite file of another program. On PostgreSQL: a pg_dump of another db."""
    make_agency(name="Untouched PD")
    foreign = tmp_path / "foreign.backup"
    if connection.vendor == "sqlite":
        with sqlite3.connect(foreign) as other:
            other.execute("CREATE TABLE notes (body TEXT)")
        other.close()
    else:
        settings_dict = connection.settings_dict
        name = f"foreign_{uuid.uuid4().hex[:8]}"
        base = ["-h", settings_dict["HOST"] or "localhost", "-U", settings_dict["USER"] or ""]
        subprocess.run(["createdb", *base, name], check=True)
        try:
            subprocess.run(
                ["psql", *base, "-d", name, "-qc", "CREATE TABLE notes (body text)"], check=True
            )
            subprocess.run(["pg_dump", *base, "-Fc", "-f", str(foreign), name], check=True)
        finally:
            subprocess.run(["dropdb", *base, name], check=True)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(foreign), "--yes")
    assert refused.value.returncode == 2
    assert "not a Crossroads database" in str(refused.value)
    assert Agency.objects.filter(name="Untouched PD").exists()
