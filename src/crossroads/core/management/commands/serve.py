"""`crossroads serve`: the web server and the background worker, stopped together."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Crossroads with gunicorn and run the background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="web processes")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "crossroads.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
        ]
        worker = [sys.executable, "-m", "crossroads.cli", "worker"]
        commands = [web] if options["no_worker"] else [web, worker]
        children = [subprocess.Popen(command) for command in commands]  # noqa: S603  (our own interpreter)  # nosec B603
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ "
            "(Ctrl-C stops the server and the worker)"
        )
        self.stdout.flush()

        def stop(*_: object) -> None:
            for child in children:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            children[0].wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                child.wait(timeout=10)
