"""The official HSDS 3.0 reference the tests check against: its JSON schemas and its examples.

Read from where the reference is kept: `HSDS_SCHEMA_DIR` and `HSDS_EXAMPLES_DIR` if set, else
`<repo root>/../shared/reference/hsds-3.0/{schema,examples}` (the repo root holds
pyproject.toml), else the unchanged copy in tests/directory/hsds-3.0 (a clone on its own, as CI
may make; test_hsds_reference.py proves the copy is the shared reference, byte for byte). A
folder named by a variable that is not there fails the test, naming it: the schema checks must
run, never be skipped.
"""

from __future__ import annotations

import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SHARED = REPO_ROOT.parent / "shared" / "reference" / "hsds-3.0"
COPY = Path(__file__).with_name("hsds-3.0")
REFERENCE = SHARED if SHARED.is_dir() else COPY
BASE = "https://hsds.example/"  # the schemas refer to one another by relative names


def schema_dir() -> Path:
    return _folder("HSDS_SCHEMA_DIR", REFERENCE / "schema", "the official HSDS 3.0 JSON schemas")


def examples_dir() -> Path:
    return _folder("HSDS_EXAMPLES_DIR", REFERENCE / "examples", "the official HSDS 3.0 examples")


def _folder(variable: str, default: Path, what: str) -> Path:
    given = os.environ.get(variable)
    folder = Path(given) if given else default
    if not folder.is_dir():
        pytest.fail(
            f"{what} are not at {folder}: set {variable} to their folder, or put the HSDS "
            f"reference at {REFERENCE}",
            pytrace=False,
        )
    return folder


def csv_package() -> Path:
    """The official example as a tabular package (its datapackage.json is a link, see
    exchange._descriptor_is_a_link)."""
    return examples_dir() / "csv"


def csv_package_copy(folder: Path) -> Path:
    """A writable copy of the official CSV package, to change (the reference is read-only),
    with the descriptor its datapackage.json links to."""
    folder.mkdir()
    for path in csv_package().iterdir():
        shutil.copyfile(path, folder / path.name)
    (folder / "datapackage.json").write_text(json.dumps(linked_descriptor()))
    return folder


def linked_descriptor() -> Any:
    """The descriptor the CSV example's datapackage.json names. It is a symbolic link; where
    links are not kept, git writes a file holding its target instead."""
    path = csv_package() / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    if not text.lstrip().startswith("{"):
        text = (path.parent / text.strip()).read_text(encoding="utf-8")
    return json.loads(text)


def example(name: str) -> Any:
    """An official example document, as JSON reads it."""
    return json.loads((examples_dir() / name).read_text(encoding="utf-8"))


@cache
def _registry(folder: Path) -> Registry:
    return Registry().with_resources(
        (
            BASE + path.relative_to(folder).as_posix(),
            Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012),
        )
        for path in folder.rglob("*.json")
        if path.name != "openapi.json"
    )


def conforms(doc: Any, schema: str) -> None:
    """The document is valid under the official schema (formats such as uuid checked too)."""
    Draft202012Validator(
        {"$ref": BASE + schema},
        registry=_registry(schema_dir()),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    ).validate(doc)
