"""The kinds of file `crossroads import KIND ...` can load, registered by dotted path (ADR 0011).

Each domain app that loads files provides an importer class and lists it in the setting
CROSSROADS_IMPORTERS (kind -> dotted path). `core` reads the setting and never imports a domain
app by name, so adding a kind (directory records, rosters, certifications) touches only its app
and the setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.management.base import CommandParser, OutputWrapper
from django.utils.module_loading import import_string

from crossroads.core.csv_files import Problem


class Importer(Protocol):
    """One kind of import: its arguments, and running it.

    `run` raises CommandError(message, returncode=2) on bad input (a missing file, an unknown
    mapping, rows that do not fit) after writing the details to stderr; it writes its summary to
    stdout, as JSON when options["json"] is set.
    """

    help: str

    def add_arguments(self, parser: CommandParser) -> None: ...

    def run(
        self, options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper
    ) -> None: ...


def importers() -> dict[str, Importer]:
    """Every registered importer by kind, in the setting's order."""
    registered: dict[str, str] = getattr(settings, "CROSSROADS_IMPORTERS", {})
    return {kind: import_string(path)() for kind, path in registered.items()}


def write_problems(path: Path, problems: Iterable[Problem], stderr: OutputWrapper) -> None:
    """Each problem of an import on its own line, as `file:line:column: reason`."""
    for problem in problems:
        stderr.write(f"{path.name}:{problem}")
