"""The `crossroads` console command: Django's management commands under the project's name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # Everything Crossroads writes (the database, backups) is for its own account only; the
    # server and worker that `serve` starts inherit this.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crossroads.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["crossroads", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
