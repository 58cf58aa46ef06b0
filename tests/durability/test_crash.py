"""SECURITY.md 21: every write the client saw succeed is there after the server is killed -9.

Runs the real server (gunicorn, two processes) on a scratch SQLite database, posts through the
API until the server is killed mid-stream, then reads the database file directly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

SETUP = """
from crossroads.core import actions
from crossroads.core.models import Agency
agency = actions.agency_create(by=None, name="Crash PD", short_name="CPD",
                               type=Agency.Type.POLICE, jurisdiction="Test")
user = actions.user_create(by=None, agency=agency, username="crash", email="c@example.org",
                           first_name="C", last_name="R", password="a long enough passphrase",
                           roles=["officer"])
print(actions.api_token_create(by=user, name="crash")[1])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _crossroads(env: dict[str, str], *args: str, **options: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crossroads.cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        **options,
    )  # type: ignore[call-overload]


def _wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    env = {**os.environ, "CROSSROADS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    assert _crossroads(env, "migrate", "--verbosity", "0").wait(timeout=120) == 0
    setup = _crossroads(env, "shell", "-c", SETUP)
    secret = setup.communicate(timeout=120)[0].strip().splitlines()[-1]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _crossroads(env, "serve", "--port", str(port), "--no-worker", start_new_session=True)
    _wait_until_up(base, time.monotonic() + 60)

    acknowledged: list[str] = []
    stop = threading.Event()

    def post_until_stopped(worker: int) -> None:
        n = 0
        while not stop.is_set():
            name = f"w{worker}-{n}"
            request = urllib.request.Request(  # noqa: S310  (the local test server)
                f"{base}/api/v1/tokens",
                data=json.dumps({"name": name}).encode(),
                method="POST",
                headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 201:
                        acknowledged.append(name)
            except (OSError, urllib.error.HTTPError):
                return  # the server is gone
            n += 1

    writers = [threading.Thread(target=post_until_stopped, args=(w,)) for w in range(4)]
    for writer in writers:
        writer.start()
    time.sleep(2.0)
    os.killpg(server.pid, signal.SIGKILL)  # gunicorn's master and workers, no clean shutdown
    server.wait(timeout=10)
    stop.set()
    for writer in writers:
        writer.join(timeout=10)

    assert len(acknowledged) > 20, "too few writes to prove anything"
    with sqlite3.connect(tmp_path / "crossroads.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT name FROM core_apitoken")}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert set(acknowledged) <= stored


@pytest.mark.django_db
def test_the_database_acknowledges_only_durable_commits() -> None:
    """SQLite: WAL with synchronous=FULL. PostgreSQL: fsync and synchronous_commit on."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        else:
            cursor.execute("SHOW fsync")
            assert cursor.fetchone()[0] == "on"
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
