"""The copy of the HSDS 3.0 reference in tests/directory/hsds-3.0 is the official one.

Where the shared reference sits beside the checkout, every file of the copy is compared with it
byte for byte (and none is missing or extra); a clone on its own has only the copy, and then
what the tests read from it must all be there."""

from __future__ import annotations

from pathlib import Path

from tests.directory.hsds_reference import COPY, SHARED

NEEDED = ("datapackage.json", "schema/service.json", "schema/compiled", "examples/csv")


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.name != "README.md"
    }


def test_the_copy_is_the_shared_reference_or_at_least_whole() -> None:
    if SHARED.is_dir():
        assert _files(COPY) == _files(SHARED)
    for name in NEEDED:
        assert (COPY / name).exists(), f"{name} is missing from {COPY}"
