"""The official HSDS 3.0 examples go in and come out again without loss (issue 4, ADR 0013).

Each example is read from the reference folder itself (hsds_reference), imported into an empty
directory, and written again the way Crossroads writes it: the CSV package by
`crossroads export hsds`, each JSON record or list the way the HSDS API serialises it
(`hsds.nested`, full form for a record, list form for a page). Then they are compared as
information, not bytes, after canonicalising both sides the same way:

- times as HH:MM:SS ("10:00" == "10:00:00"), date-times as instants
  ("2023-03-15T10:30:45.123Z" == "2023-03-15T10:30:45.123000+00:00"), numbers by value
  (12 == 12.0, and "12" in a CSV cell), each field's kind taken from the official descriptor;
- a field left out == null == an empty list: HSDS leaves out what is unknown or empty (the API
  writes `"attributes": []` on every full record, the examples leave the key out).

Nothing else is forgiven. The examples nest two relations their schemas do not define (an
organization's `services`, a service_at_location's `service`); the HSDS OpenAPI serves an
organization with its services and the API serialises both, so they are compared like the rest.
The examples leave out the references their nesting expresses (a phone listed under its
service has no `service_id`), and so does the serialiser (hsds.nested): that is not forgiven
here either. Two oddities inside the examples round-trip unchanged, as given, with a warning on
import (test_hsds_exchange): the attribute's `link_entity` is "link_entity" and the metadata's
`resource_type` is "location", though both are nested in a service. A page's envelope
(`total_items`: 10 ...) describes a source of ten records the example does not hold; only its
`contents` are compared, and the envelope's keys.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from crossroads.directory import actions, exchange, hsds, taxonomy
from crossroads.directory.models import HsdsRecord
from tests.directory.hsds_reference import example, examples_dir, schema_dir

pytestmark = pytest.mark.django_db

# Each field's kind, by its name: the same name has the same kind in every HSDS table.
KINDS = {f.name: f.kind for t in exchange.tables().values() for f in t.fields}
SHIPPED = {str(taxonomy.TAXONOMY_ID)} | {str(i) for i in taxonomy.crossroads_taxonomy().by_id()}
PAGE = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


def canonical(value: Any, kind: str = "string") -> Any:
    """The value as information: see the module's docstring."""
    if isinstance(value, dict):
        fields = {k: canonical(v, KINDS.get(k, "string")) for k, v in value.items()}
        return {k: v for k, v in fields.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value] or None
    if value is None or value == "":
        return None
    if kind == "number" and not isinstance(value, bool):
        return Decimal(str(value))
    if kind == "time":
        return time.fromisoformat(value).isoformat(timespec="seconds")
    if kind == "datetime":
        return datetime.fromisoformat(value)
    return value


def test_every_field_name_has_one_kind_in_every_table() -> None:
    kinds: dict[str, set[str]] = {}
    for table in exchange.tables().values():
        for field in table.fields:
            kinds.setdefault(field.name, set()).add(field.kind)
    assert {name: k for name, k in kinds.items() if len(k) > 1} == {}


# --- the CSV package ------------------------------------------------------------------------------


def csv_records(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return {row["id"]: row for row in csv.DictReader(stream)}


def test_the_csv_package_comes_back_table_by_table_row_by_row_field_by_field(
    tmp_path: Path,
) -> None:
    source = examples_dir() / "csv"
    package = exchange.read_package(source)
    assert package.problems == []
    actions.hsds_import(by=None, package=package, source="official example")
    call_command("export", "hsds", str(tmp_path / "out"))
    for table in exchange.tables().values():
        original = csv_records(source / table.file)
        exported = csv_records(tmp_path / "out" / table.file)
        if table.name in ("taxonomy", "taxonomy_term"):
            # The Crossroads taxonomy ships with the code and is in every export.
            assert SHIPPED & set(exported)
            exported = {i: row for i, row in exported.items() if i not in SHIPPED}
        assert exported.keys() == original.keys(), table.name
        for record_id, row in original.items():
            assert {c: canonical(v, KINDS[c]) for c, v in row.items()} == {
                c: canonical(v, KINDS[c]) for c, v in exported[record_id].items()
            }, f"{table.file} {record_id}"


def test_the_csv_package_export_carries_the_descriptor_the_example_links_to(
    tmp_path: Path,
) -> None:
    source = examples_dir() / "csv"
    # The example's datapackage.json is a symbolic link; where links are not kept, git writes
    # a file holding its target instead. Either way it names the official descriptor.
    text = (source / "datapackage.json").read_text(encoding="utf-8")
    linked = text if text.lstrip().startswith("{") else (source / text.strip()).read_text()
    actions.hsds_import(by=None, package=exchange.read_package(source), source="example")
    call_command("export", "hsds", str(tmp_path / "out"))
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert descriptor == json.loads(linked)


# --- the JSON examples ----------------------------------------------------------------------------

# example -> (its table, serialised in full, an organization's services in full too)
JSON_EXAMPLES = {
    "service_full.json": ("service", True),
    "service_list.json": ("service", False),
    "organization_full.json": ("organization", True),
    "organization_list.json": ("organization", False),
    "service_at_location_full.json": ("service_at_location", True),
    "service_at_location_list.json": ("service_at_location", False),
    "location.json": ("location", True),
    "taxonomy.json": ("taxonomy", True),
    "taxonomy_list.json": ("taxonomy", False),
    "taxonomy_term.json": ("taxonomy_term", True),
    "taxonomy_term_list.json": ("taxonomy_term", False),
}


def imported(name: str) -> actions.HsdsImport:
    package = exchange.read_json(examples_dir() / name, hsds.SHAPES)
    assert package.problems == []
    return actions.hsds_import(by=None, package=package, source=name)


def serialised(table: str, ids: list[str], *, full: bool) -> list[hsds.JsonDoc]:
    model = hsds.TABLES[table].model
    found = model._default_manager.in_bulk(ids, field_name="pk")
    records: list[HsdsRecord] = [found[model._meta.pk.to_python(i)] for i in ids]
    return hsds.nested(table, records, full=full, full_services=True)


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_a_json_example_comes_back_as_the_api_writes_it(name: str) -> None:
    table, full = JSON_EXAMPLES[name]
    original = example(name)
    assert exchange.json_table(name) == table
    imported(name)
    if full:
        (again,) = serialised(table, [original["id"]], full=True)
        assert canonical(again) == canonical(original)
    else:
        assert set(original) == PAGE
        contents = serialised(table, [doc["id"] for doc in original["contents"]], full=False)
        assert canonical(contents) == canonical(original["contents"])


# --- finding the reference ------------------------------------------------------------------------


def test_the_reference_is_found_where_the_environment_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HSDS_EXAMPLES_DIR", str(tmp_path))
    assert examples_dir() == tmp_path


def test_without_the_reference_the_tests_fail_saying_where_they_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HSDS_SCHEMA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(pytest.fail.Exception, match="set HSDS_SCHEMA_DIR to their folder"):
        schema_dir()
