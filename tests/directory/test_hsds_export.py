"""Sharing the directory: `actions.hsds_export` and `crossroads export hsds` (ADR 0013).

An export is a complete HSDS 3.0 tabular package with the official descriptor, or an HSDS API
page of every service fully nested, which the official JSON schemas accept; read back, either
holds what the directory holds, so importing it again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crossroads.core.models import AuditEvent
from crossroads.directory import actions, exchange, hsds, taxonomy
from tests.directory.hsds_reference import conforms, csv_package_copy
from tests.factories import make_agency, make_service, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tmp_path: Path) -> None:
    package = csv_package_copy(tmp_path / "example")
    with (package / "services.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    rows[0].append("county_code")
    rows[1].append("H-17")
    with (package / "services.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    actions.hsds_import(by=None, package=exchange.read_package(package), source="example")


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", "hsds", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("name", ["directory.zip", "directory"])
def test_an_export_reads_back_as_exactly_what_the_directory_holds(
    tmp_path: Path, name: str
) -> None:
    destination = tmp_path / name
    assert export(str(destination)).strip() == f"{destination}: 45 records in 21 HSDS tables."
    package = exchange.read_package(destination)
    assert package.problems == []
    for table in hsds.TABLES.values():
        stored = {r.pk: r for r in table.model.objects.all()}
        read = package.tables[table.name]
        assert len(read.rows) == len(stored), table.name
        for row in read.rows:
            converted, refused = table.model_values(row.values)
            assert refused == {}
            record = stored[row.id]
            assert converted == {
                table.fields[n].attname: getattr(record, table.fields[n].attname)
                for n in row.values
            }
            assert row.extra == record.extra


@pytest.mark.usefixtures("loaded")
def test_a_package_export_is_what_the_official_tabular_schema_accepts(tmp_path: Path) -> None:
    make_service("Harbor Crisis Line")
    export(str(tmp_path / "out"))
    package = exchange.read_package(tmp_path / "out")
    tables = {
        name: [
            {**row.extra, **{k: hsds.json_value(v) for k, v in row.values.items() if v is not None}}
            for row in read.rows
        ]
        for name, read in package.tables.items()
    }
    assert sum(len(rows) for rows in tables.values()) > 45
    conforms(tables, "compiled/tabular.json")


@pytest.mark.usefixtures("loaded")
def test_importing_an_export_changes_nothing(tmp_path: Path) -> None:
    destination = tmp_path / "directory.zip"
    export(str(destination))
    again = actions.hsds_import(
        by=None, package=exchange.read_package(destination), source="round trip"
    )
    assert again.written == 0
    assert again.rows_read == 45


@pytest.mark.usefixtures("loaded")
def test_the_export_carries_the_official_descriptor_and_the_shipped_taxonomy(
    tmp_path: Path,
) -> None:
    destination = tmp_path / "directory.zip"
    export(str(destination))
    archive = zipfile.ZipFile(destination)
    assert sorted(archive.namelist()) == sorted(
        ["datapackage.json", *(t.file for t in exchange.tables().values())]
    )
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["version"] == "3.0.0"
    services = next(r for r in descriptor["resources"] if r["name"] == "service")
    assert services["schema"]["fields"][-1] == {"name": "county_code", "type": "string"}
    terms = archive.read("taxonomy_terms.csv").decode()
    assert str(taxonomy.term_id("crisis-line")) in terms
    header = archive.read("services.csv").decode().splitlines()[0]
    assert header.endswith(",last_modified,county_code")


def test_the_export_is_audited_once(tmp_path: Path) -> None:
    maintainer = make_user(make_agency(), "directory_maintainer")
    counts = actions.hsds_export(by=maintainer, destination=tmp_path / "out.zip")
    event = AuditEvent.objects.latest("seq")
    assert event.verb == "directory.hsds_export"
    assert event.actor == maintainer
    assert event.detail == {"destination": "out.zip", "format": "package", "records": counts}
    assert counts["taxonomy_term"] == len(taxonomy.crossroads_taxonomy().terms)


def test_the_json_summary_counts_records_by_table(tmp_path: Path) -> None:
    summary = json.loads(export(str(tmp_path / "out"), "--json"))
    assert summary["destination"] == str(tmp_path / "out")
    assert set(summary["records"]) == set(exchange.tables())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: (p / "full").mkdir() or (p / "full" / "x").touch() or p / "full",
            "new or empty",
        ),
        (lambda p: (p / "file").touch() or p / "file", "new or empty folder"),
        (lambda p: p / "missing" / "out.zip", "no such folder"),
        (lambda p: (p / "dir.zip").mkdir() or p / "dir.zip", "is a folder"),
        (lambda p: (p / "dir.json").mkdir() or p / "dir.json", "is a folder"),
    ],
)
def test_a_destination_that_would_mix_or_fail_exits_2(
    tmp_path: Path, make: object, message: str
) -> None:
    destination = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(CommandError, match=message) as refused:
        export(str(destination))
    assert refused.value.returncode == 2
    assert not AuditEvent.objects.filter(verb="directory.hsds_export").exists()


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("loaded")
def test_a_json_export_is_a_page_of_every_service_in_full_as_the_schemas_say(
    tmp_path: Path,
) -> None:
    make_service("Harbor Crisis Line")
    destination = tmp_path / "directory.json"
    assert export(str(destination)).strip() == f"{destination}: 2 records in 1 HSDS table."
    page = json.loads(destination.read_text())
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 2,
        "total_pages": 1,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    for service in page["contents"]:
        conforms(service, "compiled/service_list.json")
        conforms(service, "service.json")
    example = next(s for s in page["contents"] if s["name"] == "Community Counselling")
    assert example["county_code"] == "H-17"  # an extension field, kept
    assert example["service_at_locations"][0]["location"]["latitude"] == 100
    assert example["phones"][0]["languages"][0]["code"] == "ur"


@pytest.mark.usefixtures("loaded")
def test_importing_a_json_export_changes_nothing(tmp_path: Path) -> None:
    export(str(tmp_path / "out"), "--format", "json")
    again = exchange.read_json(tmp_path / "out", hsds.SHAPES, table="service")
    assert again.problems == []
    done = actions.hsds_import(by=None, package=again, source="round trip")
    assert done.written == 0
    # The example's attribute, metadata, term and taxonomy point at records it does not carry,
    # and a table description belongs to no record: no service reaches them.
    assert set(exchange.tables()) - set(done.tables) == {
        "attribute",
        "metadata",
        "taxonomy_term",
        "taxonomy",
        "meta_table_description",
    }


def test_a_json_export_is_audited_once(tmp_path: Path) -> None:
    counts = actions.hsds_export(by=None, destination=tmp_path / "services.json")
    assert counts == {"service": 0}
    event = AuditEvent.objects.latest("seq")
    assert event.verb == "directory.hsds_export"
    assert event.detail == {"destination": "services.json", "format": "json", "records": counts}
    assert json.loads((tmp_path / "services.json").read_text())["empty"] is True
