"""HSDS 3.0 packages and JSON read and written (exchange.py): no database.

The specification comes from the official descriptor; the official example package reads with
its latitude of 100 kept, and a warning; every kind of bad cell, header and file is named by
file, line and column, every bad JSON record by file, path and field, each with the record's
id when it has a readable one; nested JSON is taken apart into its tables; what is written
reads back the same.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
import zipfile
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.directory import exchange, hsds
from crossroads.directory.exchange import Field, Problem, read_json, read_package
from tests.directory.hsds_reference import csv_package, linked_descriptor, schema_dir

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"


def write_csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return folder / name


def organization(folder: Path, *rows: list[str], header: list[str] | None = None) -> Path:
    write_csv(folder, "organizations.csv", [header or ["id", "name", "description"], *rows])
    return folder


def strings(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def read_records(name: str, records: dict[str, object]) -> exchange.Package:
    return exchange.read_records(name, records, hsds.SHAPES)


# --- the specification ----------------------------------------------------------------------------


def test_the_official_descriptor_gives_every_table_with_its_file_and_fields() -> None:
    tables = exchange.tables()
    assert len(tables) == 21
    assert tables["service_at_location"].file == "service_at_location.csv"
    assert tables["organization"].file == "organizations.csv"
    status = tables["service"].field("status")
    assert status.required
    assert status.values == ("active", "inactive", "defunct", "temporarily closed")
    assert tables["service"].field("organization_id").refers_to == "organization"
    assert tables["service"].field("last_modified").kind == "datetime"
    assert tables["schedule"].field("opens_at").kind == "time"
    assert exchange.hsds_version() == "3.0.0"


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("uuid", SERVICE_ID, uuid.UUID(SERVICE_ID)),
        ("number", "12", Decimal(12)),
        ("number", " -0.5 ", Decimal("-0.5")),
        ("date", "2024-02-29", date(2024, 2, 29)),
        ("datetime", "2023-03-15T10:30:45.123Z", datetime(2023, 3, 15, 10, 30, 45, 123000, UTC)),
        ("time", "09:30", time(9, 30)),
        ("string", "  kept as written ", "  kept as written "),
    ],
)
def test_cells_are_read_by_their_type(kind: exchange.Kind, text: str, value: object) -> None:
    assert Field("f", kind, required=False).parse(text) == value


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        ("uuid", "42", "'42' is not a UUID"),
        ("number", "twelve", "'twelve' is not a number"),
        ("number", "NaN", "'NaN' is not a finite number"),
        ("number", "1e400", "'1e400' is not a finite number"),
        ("date", "2023-02-30", "'2023-02-30' is not a date (YYYY-MM-DD)"),
        ("datetime", "2023-03-15T10:30:45", "has no UTC offset"),
        ("time", "25:00", "'25:00' is not a time"),
        ("time", "09:00+01:00", "opening times are local times"),
        ("string", "a\x00b", "contains a NUL character"),
    ],
)
def test_bad_cells_say_what_is_wrong(kind: exchange.Kind, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        Field("f", kind, required=False).parse(text)


def test_an_empty_cell_is_no_value_unless_the_field_is_required() -> None:
    assert Field("f", "number", required=False).parse(" ") is None
    with pytest.raises(ValueError, match="missing value"):
        Field("f", "string", required=True).parse("")


def test_listed_values_are_matched_exactly() -> None:
    status = exchange.tables()["service"].field("status")
    assert status.parse("temporarily closed") == "temporarily closed"
    with pytest.raises(ValueError, match="'Active' is not one of 'active', 'inactive'"):
        status.parse("Active")


values = st.one_of(
    st.uuids().map(lambda u: ("uuid", u)),
    st.text().filter(lambda t: t.strip() and "\x00" not in t).map(lambda t: ("string", t)),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-1e12, max_value=1e12
    ).map(lambda d: ("number", d)),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda f: ("number", f)),
    st.dates().map(lambda d: ("date", d)),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])).map(
        lambda d: ("datetime", d)
    ),
    st.times().map(lambda t: ("time", t)),
)


@given(values)
def test_what_is_written_reads_back_the_same(kind_value: tuple[exchange.Kind, object]) -> None:
    kind, value = kind_value
    spec = Field("f", kind, required=True)
    back = spec.parse(spec.format(value))  # type: ignore[arg-type]
    assert (float(back) if isinstance(value, float) else back) == value  # type: ignore[arg-type]


def test_numbers_are_written_without_exponents_or_needless_decimals() -> None:
    assert exchange.number_text(2011.0) == "2011"
    assert exchange.number_text(Decimal("35.000000")) == "35"
    assert exchange.number_text(Decimal("1E+3")) == "1000"
    assert exchange.number_text(0.1) == "0.1"
    assert exchange.number_text(1e-07) == "0.0000001"
    assert exchange.number_text(1e22) == "10000000000000000000000"


# --- reading packages -----------------------------------------------------------------------------


def test_the_official_example_package_reads_with_its_coordinates_kept() -> None:
    package = read_package(csv_package())
    assert package.problems == []
    assert strings(package.warnings) == [
        "datapackage.json: a link to ../../datapackage.json (checked out as a file), not a "
        "descriptor: the tables are read by their standard file names",
        f"locations.csv:2 ({LOCATION_ID}):latitude: 100 is outside -90..90, not a place on the "
        "globe: the location is kept but cannot be found by distance",
    ]
    assert len(package.tables) == 21
    assert package.rows_read == 21
    service = package.tables["service"].rows[0]
    assert service.values["minimum_age"] == Decimal(12)
    assert service.values["status"] == "active"
    location = package.tables["location"].rows[0]
    assert location.values["latitude"] == Decimal(100)
    assert location.values["longitude"] == Decimal(101)
    assert len(package.sha256) == 64


def test_coordinates_on_the_globe_need_no_warning_and_off_it_one_each(tmp_path: Path) -> None:
    header = ["id", "location_type", "latitude", "longitude"]
    rows = [
        [str(uuid.uuid4()), "physical", *place]
        for place in (
            ["-90", "180"],
            ["39.76", "-84.19"],
            ["", ""],
            ["90.5", "0"],
            ["0", "-180.01"],
            ["91", "181"],
        )
    ]
    write_csv(tmp_path, "locations.csv", [header, *rows])
    package = read_package(tmp_path)
    assert [p.line for p in package.warnings] == [5, 6, 7]
    assert [p.column for p in package.warnings] == ["latitude", "longitude", "latitude"]
    assert [r.values["latitude"] for r in package.tables["location"].rows][3:] == [
        Decimal("90.5"),
        Decimal(0),
        Decimal(91),
    ]


def test_a_descriptor_checked_out_as_a_link_reads_the_standard_file_names(tmp_path: Path) -> None:
    folder = organization(tmp_path / "p", [str(uuid.uuid4()), "Harbor", "Crisis care"])
    (folder / "datapackage.json").write_text("../../datapackage.json")
    package = read_package(folder)
    assert package.problems == []
    assert list(package.tables) == ["organization"]
    assert "a link to ../../datapackage.json" in strings(package.warnings)[0]
    (folder / "datapackage.json").write_text("not json")
    assert "not a data package descriptor" in strings(read_package(folder).problems)[0]


def test_progress_hears_how_many_records_are_read(tmp_path: Path) -> None:
    rows = [[str(uuid.uuid4()), f"Org {n}", "Care"] for n in range(exchange.PROGRESS_EVERY + 5)]
    folder = organization(tmp_path / "p", *rows)
    heard: list[tuple[int, int]] = []
    read_package(folder, progress=lambda done, total: heard.append((done, total)))
    assert heard == [
        (0, len(rows)),
        (exchange.PROGRESS_EVERY, len(rows)),
        (len(rows), len(rows)),
    ]


def test_a_zip_reads_like_its_folder_even_with_the_files_inside_a_folder(tmp_path: Path) -> None:
    archive = tmp_path / "directory.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in csv_package().iterdir():
            out.write(file, f"export-2024/{file.name}")
    package = read_package(archive)
    folder = read_package(csv_package())
    assert package.problems == []
    assert package.name == "directory.zip"
    assert {n: [r.values for r in t.rows] for n, t in package.tables.items()} == {
        n: [r.values for r in t.rows] for n, t in folder.tables.items()
    }


def test_without_a_descriptor_the_standard_file_names_are_read(tmp_path: Path) -> None:
    folder = organization(tmp_path / "p", [str(uuid.uuid4()), "Harbor", "Crisis care"])
    write_csv(folder, "notes.csv", [["anything"]])
    package = read_package(folder)
    assert package.problems == []
    assert list(package.tables) == ["organization"]
    assert strings(package.warnings) == ["notes.csv: not an HSDS table of this package; not read"]


def test_the_descriptor_names_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write_csv(
        folder, "data/orgs.csv", [["id", "name", "description"], [str(uuid.uuid4()), "A", "B"]]
    )
    descriptor = {
        "version": "3.0.0",
        "resources": [
            {"name": "organization", "path": "data/orgs.csv"},
            {"name": "our_own_table", "path": "data/ours.csv"},
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    package = read_package(folder)
    assert package.problems == []
    assert package.tables["organization"].file == "data/orgs.csv"
    assert strings(package.warnings) == [
        "datapackage.json:resources: 'our_own_table' is not an HSDS table; not read"
    ]


@pytest.mark.parametrize(
    ("descriptor", "problem"),
    [
        ("{", "datapackage.json: not a data package descriptor: Expecting property name"),
        ('{"resources": [{"name": "organization", "path": "gone.csv"}]}', "gone.csv: missing"),
        ('{"resources": [{"name": "organization", "path": "../../etc/passwd"}]}', "missing"),
        ('{"resources": [{"name": "organization", "path": ["a.csv", "b.csv"]}]}', "one file"),
    ],
)
def test_a_broken_descriptor_is_a_problem(tmp_path: Path, descriptor: str, problem: str) -> None:
    folder = organization(tmp_path / "p", [str(uuid.uuid4()), "A", "B"])
    (folder / "datapackage.json").write_text(descriptor)
    assert problem in "\n".join(strings(read_package(folder).problems))


def test_an_older_hsds_version_is_read_with_a_warning(tmp_path: Path) -> None:
    folder = organization(tmp_path / "p", [str(uuid.uuid4()), "A", "B"])
    descriptor = {
        "version": "2.0.1",
        "resources": [{"name": "organization", "path": "organizations.csv"}],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    package = read_package(folder)
    assert package.problems == []
    assert strings(package.warnings) == [
        "datapackage.json:version: written for HSDS 2.0.1; read as HSDS 3"
    ]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p / "missing", "missing: no such file or folder"),
        (lambda p: (p / "x.zip").write_bytes(b"not a zip") and p / "x.zip", "neither a folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "empty: no HSDS tables found"),
    ],
)
def test_what_is_no_package_is_a_problem(tmp_path: Path, make: object, problem: str) -> None:
    package = read_package(make(tmp_path))  # type: ignore[operator]
    assert problem in strings(package.problems)[0]


def test_every_bad_row_is_named_by_file_line_record_id_and_column(tmp_path: Path) -> None:
    same, birch, cedar = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    folder = tmp_path / "p"
    (folder).mkdir()
    (folder / "organizations.csv").write_text(
        "id,name,description,year_incorporated\n"
        f"{same},Harbor,Crisis care,1999\n"
        "not-an-id,Alder,Shelter,\n"
        f'{birch},"Birch\nHouse",,\n'
        f"{same},Harbor again,Care,\n"
        f"{cedar},Cedar,Care,nineteen\n"
        f"{uuid.uuid4()},Dogwood\n"
        f'{uuid.uuid4()},"Elm,Care,1999\n',
        encoding="utf-8",
    )
    package = read_package(folder)
    assert strings(package.problems) == [
        "organizations.csv:3:id: 'not-an-id' is not a UUID",
        f"organizations.csv:4 ({birch}):description: missing value",
        f"organizations.csv:6 ({same}):id: {same} again (first at 2)",
        f"organizations.csv:7 ({cedar}):year_incorporated: 'nineteen' is not a number",
        "organizations.csv:8: expected 4 fields, found 2",
        "organizations.csv:9: not a CSV record: unexpected end of data",
    ]
    # Each names its record by its id, if it has a readable one: not the row with a bad id, nor
    # a line that is no record.
    assert [p.record_id for p in package.problems] == ["", birch, same, cedar, "", ""]
    assert package.problems[1].as_json() == {
        "file": "organizations.csv",
        "line": 4,
        "record": "",
        "record_id": birch,
        "column": "description",
        "reason": "missing value",
    }
    assert package.problems[0].as_json()["record_id"] == ""
    assert [r.line for r in package.tables["organization"].rows] == [2]


def test_the_header_must_have_the_required_columns_once(tmp_path: Path) -> None:
    folder = organization(tmp_path / "p", header=["id", "name", "name", ""])
    assert strings(read_package(folder).problems) == [
        "organizations.csv:1:name: column twice",
        "organizations.csv:1: a column without a name",
        "organizations.csv:1:description: missing column (HSDS requires it)",
    ]


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "organizations.csv").write_bytes(
        b"id,name,description\n" + f"{uuid.uuid4()},Caf\xe9,x\n".encode("latin-1")
    )
    assert strings(read_package(folder).problems) == [
        "organizations.csv:2: not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]


def test_extension_columns_are_kept_verbatim_and_optional_columns_may_be_absent(
    tmp_path: Path,
) -> None:
    folder = organization(
        tmp_path / "p",
        [str(uuid.uuid4()), "Harbor", "Crisis care", "H-17", ""],
        header=["id", "name", "description", "county_code", "notes"],
    )
    read = read_package(folder).tables["organization"]
    assert read.columns == ("id", "name", "description")
    assert read.extension == ("county_code", "notes")
    assert read.rows[0].extra == {"county_code": "H-17"}
    assert "email" not in read.rows[0].values


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "organizations.csv").write_bytes(
        "\ufeffid,name,description\n".encode() + f"{uuid.uuid4()},A,B\n".encode()
    )
    assert read_package(folder).problems == []


def test_references_to_records_nobody_has_are_warnings() -> None:
    package = read_package(csv_package())
    package.check_references(lambda table, ids: set())
    warnings = strings(package.warnings)
    # The example carries the organization of its service, not that of its location.
    assert not any(w.startswith(f"services.csv:2 ({SERVICE_ID}):organization_id") for w in warnings)
    assert (
        f"locations.csv:2 ({LOCATION_ID}):organization_id: no organization "
        "985e4a42-bd9f-4edc-911d-0243a4640aca in the package or the directory (kept; the link "
        "shows once it arrives)"
    ) in warnings
    known = {uuid.UUID("985e4a42-bd9f-4edc-911d-0243a4640aca")}
    again = read_package(csv_package())
    again.check_references(lambda table, ids: ids & known)
    assert not any(
        w.startswith(f"locations.csv:2 ({LOCATION_ID}):organization_id")
        for w in strings(again.warnings)
    )


# --- records given as data ------------------------------------------------------------------------


def test_records_given_as_data_are_checked_like_rows() -> None:
    org, line, unnamed = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    package = read_records(
        "tests",
        {
            "organization": [
                {"id": org, "name": "Harbor", "description": "Care", "year_incorporated": 1999}
            ],
            "service": [
                {"id": line, "organization_id": org, "name": "Line", "status": "open"},
                {
                    "id": unnamed,
                    "organization_id": org,
                    "status": "active",
                    "minimum_age": True,
                },
            ],
            "shelters": [],
        },
    )
    assert strings(package.problems) == [
        "tests:$.shelters: not an HSDS table",
        f"tests:$.service[0] ({line}):status: 'open' is not one of 'active', 'inactive', "
        "'defunct', 'temporarily closed'",
        f"tests:$.service[1] ({unnamed}):minimum_age: true is neither text nor a number",
        f"tests:$.service[1] ({unnamed}):name: missing value",
    ]
    assert package.tables["organization"].rows[0].values["year_incorporated"] == Decimal(1999)


# --- HSDS JSON ------------------------------------------------------------------------------------


def write_json(folder: Path, name: str, doc: object) -> Path:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return folder / name


def harbor(**fields: object) -> dict[str, object]:
    return {"id": ORGANIZATION_ID, "name": "Harbor", "description": "Crisis care", **fields}


def test_what_nests_where_is_what_the_official_schemas_nest() -> None:
    official = set()
    for path in schema_dir().glob("*.json"):
        if path.name == "openapi.json":
            continue
        for key, spec in json.loads(path.read_text())["properties"].items():
            if ref := spec.get("$ref") or spec.get("items", {}).get("$ref"):
                official.add((path.stem, key, Path(ref).stem))
    ours = {(table, n.key, n.table) for table, shape in hsds.SHAPES.items() for n in shape}
    assert official <= ours
    # Beyond the schemas: what the HSDS OpenAPI and the official examples nest, and attributes
    # and metadata read wherever they are found.
    assert {n for n in ours - official if n[1] not in ("attributes", "metadata")} == {
        ("organization", "services", "service"),
        ("service_at_location", "service", "service"),
    }


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("services.json", "service"),
        ("service_full.json", "service"),
        ("service_at_location_list.json", "service_at_location"),
        ("service_at_locations.json", "service_at_location"),
        ("Organizations-2024.json", "organization"),
        ("location.json", "location"),
        ("taxonomy_terms.json", "taxonomy_term"),
        ("taxonomies.json", "taxonomy"),
        ("directory.json", None),
    ],
)
def test_the_file_name_tells_which_records_a_json_file_holds(name: str, table: str) -> None:
    assert exchange.json_table(name) == table


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (harbor(), "$"),
        ([harbor()], "$[0]"),
        ({"total_items": 1, "page_number": 1, "contents": [harbor()]}, "$.contents[0]"),
    ],
)
def test_a_json_file_holds_a_record_a_list_or_a_page(
    tmp_path: Path, doc: object, where: str
) -> None:
    heard: list[tuple[int, int]] = []
    package = read_json(
        write_json(tmp_path, "organizations.json", doc),
        hsds.SHAPES,
        progress=lambda done, total: heard.append((done, total)),
    )
    assert package.problems == []
    assert heard == [(0, 1), (1, 1)]
    (row,) = package.tables["organization"].rows
    assert row.values == {
        "id": uuid.UUID(ORGANIZATION_ID),
        "name": "Harbor",
        "description": "Crisis care",
    }
    assert row.record == where
    assert len(package.sha256) == 64


def test_the_table_can_be_given_whatever_the_name(tmp_path: Path) -> None:
    path = write_json(tmp_path, "export.json", [{"id": str(uuid.uuid4()), "number": "988"}])
    assert strings(read_json(path, hsds.SHAPES).problems) == [
        "export.json: which HSDS records does it hold? Name it so (service_at_location*.json, "
        "service*.json, organization*.json, location*.json, taxonomy_term*.json, "
        "taxonomy*.json) or give its table"
    ]
    assert (
        read_json(path, hsds.SHAPES, table="phone").tables["phone"].rows[0].values["number"]
        == "988"
    )


def test_nested_records_are_taken_apart_with_the_references_their_places_imply() -> None:
    package = read_json(csv_package().parent / "service_full.json", hsds.SHAPES)
    assert package.problems == []
    values = {name: read.rows[0].values for name, read in package.tables.items()}
    assert all(len(read.rows) == 1 for read in package.tables.values())
    service, site = uuid.UUID(SERVICE_ID), values["service_at_location"]["id"]
    location, contact = values["location"]["id"], values["contact"]["id"]
    organization = uuid.UUID(ORGANIZATION_ID)
    # One phone, listed under the service, its site, its location, its organization and its
    # contact: each place adds its reference.
    assert {k: v for k, v in values["phone"].items() if k.endswith("_id")} == {
        "service_id": service,
        "service_at_location_id": site,
        "location_id": location,
        "organization_id": organization,
        "contact_id": contact,
    }
    assert values["language"]["phone_id"] == values["phone"]["id"]
    assert (values["service"]["organization_id"], values["service"]["program_id"]) == (
        organization,
        values["program"]["id"],
    )
    assert values["service_at_location"]["service_id"] == service
    assert values["service_at_location"]["location_id"] == location
    assert values["program"]["organization_id"] == organization
    assert values["location"]["organization_id"] == organization
    assert values["attribute"]["link_id"] == service
    assert values["attribute"]["taxonomy_term_id"] == values["taxonomy_term"]["id"]
    assert values["taxonomy_term"]["taxonomy_id"] == values["taxonomy"]["id"]
    assert values["metadata"]["resource_id"] == service
    # The example names the attribute's and the metadata's table as no table: kept, and said.
    assert strings(package.warnings)[:2] == [
        "service_full.json:$.attributes[0] (ae58cc39-8b70-4ab1-8aea-786882e5ac8e):link_entity: "
        '"link_entity", though it is nested in a service: kept as given',
        "service_full.json:$.metadata[0] (6cd71e9f-1013-49d9-8370-26b8f59d3e5a):resource_type: "
        '"location", though it is nested in a service: kept as given',
    ]


def test_copies_of_a_record_may_repeat_it_but_must_agree(tmp_path: Path) -> None:
    phone = {"id": str(uuid.uuid4()), "number": "988", "extension": 12}
    same = {**phone, "id": phone["id"].upper(), "extension": "12.0"}
    schedule = {"id": str(uuid.uuid4()), "opens_at": "10:00", "freq": "WEEKLY"}
    doc = harbor(
        phones=[phone],
        contacts=[{"id": str(uuid.uuid4()), "phones": [same]}],
        locations=[
            {"id": str(uuid.uuid4()), "location_type": "physical", "schedules": [schedule]},
            {
                "id": str(uuid.uuid4()),
                "location_type": "physical",
                "schedules": [{**schedule, "opens_at": "10:00:00"}],
            },
        ],
    )
    package = read_json(write_json(tmp_path, "organization.json", doc), hsds.SHAPES)
    # The schedule nested in two locations cannot point at both.
    assert strings(package.problems) == [
        f"organization.json:$.locations[1].schedules[0] ({schedule['id']}):location_id: "
        f'"{doc["locations"][1]["id"]}" here, but "{doc["locations"][0]["id"]}" at '
        "$.locations[0].schedules[0], the same schedule: the copies of a record must agree"
    ]
    (row,) = package.tables["phone"].rows
    assert row.values["organization_id"] == uuid.UUID(ORGANIZATION_ID)
    assert row.values["contact_id"] == uuid.UUID(doc["contacts"][0]["id"])
    phone["number"] = "911"
    package = read_json(
        write_json(
            tmp_path,
            "organization.json",
            harbor(phones=[phone], contacts=[{"id": str(uuid.uuid4()), "phones": [same]}]),
        ),
        hsds.SHAPES,
    )
    # Named by its id as HSDS reads it, however this copy writes it (in capitals).
    assert strings(package.problems) == [
        f'organization.json:$.contacts[0].phones[0] ({phone["id"]}):number: "988" here, but '
        '"911" at $.phones[0], the same phone: the copies of a record must agree'
    ]


def test_a_reference_that_contradicts_its_place_is_refused(tmp_path: Path) -> None:
    elsewhere, phone = str(uuid.uuid4()), str(uuid.uuid4())
    doc = {
        "id": SERVICE_ID,
        "name": "Crisis line",
        "status": "active",
        "organization_id": elsewhere,
        "organization": harbor(),
        "phones": [{"id": phone, "number": "988", "service_id": elsewhere}],
    }
    package = read_json(write_json(tmp_path, "service.json", doc), hsds.SHAPES)
    assert strings(package.problems) == [
        f'service.json:$ ({SERVICE_ID}):organization_id: "{elsewhere}" here, but the '
        f'organization nested in it is "{ORGANIZATION_ID}"',
        f'service.json:$.phones[0] ({phone}):service_id: "{elsewhere}" here, but it is nested in '
        f'service "{SERVICE_ID}"',
    ]


def test_a_program_nested_in_a_service_belongs_to_the_services_organization(
    tmp_path: Path,
) -> None:
    program = {"id": str(uuid.uuid4()), "name": "Crisis", "description": "Care"}
    services = [
        {
            "id": str(uuid.uuid4()),
            "name": n,
            "status": "active",
            "organization": o,
            "program": program,
        }
        for n, o in (("Line", harbor()), ("Unit", harbor()))
    ]
    package = read_json(write_json(tmp_path, "services.json", services), hsds.SHAPES)
    assert package.problems == []
    assert package.tables["program"].rows[0].values["organization_id"] == uuid.UUID(ORGANIZATION_ID)
    assert strings(package.warnings) == [
        f"services.json:$[0].program ({program['id']}):organization_id: left out: "
        f'"{ORGANIZATION_ID}", as the service it is nested in'
    ]
    other = {"id": str(uuid.uuid4()), "name": "Alder", "description": "Shelter"}
    services[1]["organization"] = other
    package = read_json(write_json(tmp_path, "services.json", services), hsds.SHAPES)
    assert strings(package.problems) == [
        f"services.json:$[0].program ({program['id']}):organization_id: left out, and the "
        f'records it is nested in differ: "{ORGANIZATION_ID}" at $[0].program, "{other["id"]}" '
        "at $[1].program"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{\n  "id": \n}', "organizations.json:3: not JSON: Expecting value (column 1)"),
        (
            "[1]",
            "organizations.json:$[0]: expected one organization record (a JSON object), found "
            "a number",
        ),
        (
            json.dumps(harbor(phones={"id": "x"})),
            "organizations.json:$.phones: expected a list of phone records, found an object",
        ),
        (
            json.dumps(harbor(county={"code": "H-17"})),
            f"organizations.json:$ ({ORGANIZATION_ID}):county: an object where HSDS nests no "
            "records (an extension field is text)",
        ),
        (json.dumps(harbor(id="42")), "organizations.json:$:id: '42' is not a UUID"),
    ],
)
def test_json_that_is_not_hsds_records_is_named_by_its_place(
    tmp_path: Path, text: str, problem: str
) -> None:
    (tmp_path / "organizations.json").write_text(text)
    assert strings(read_json(tmp_path / "organizations.json", hsds.SHAPES).problems)[0] == problem


def test_extension_fields_in_json_are_kept_as_text(tmp_path: Path) -> None:
    path = write_json(tmp_path, "organization.json", harbor(county_code="H-17", beds=12))
    (row,) = read_json(path, hsds.SHAPES).tables["organization"].rows
    assert row.extra == {"county_code": "H-17", "beds": "12"}


# --- writing packages -----------------------------------------------------------------------------


def rows_of(read: exchange.TableRead) -> list[tuple[dict[str, object], dict[str, str]]]:
    return [(r.values, r.extra) for r in read.rows]


@pytest.mark.parametrize("name", ["out.zip", "out"])
def test_a_written_package_reads_back_the_same(tmp_path: Path, name: str) -> None:
    original = read_package(csv_package())
    extended = original.tables["service"]
    extended.rows[0].extra = {"county_code": "H-17"}
    destination = tmp_path / name
    with exchange.PackageWriter(destination) as writer:
        for table in exchange.tables().values():
            read = original.tables[table.name]
            extension = ("county_code",) if table.name == "service" else ()
            writer.write_table(table, extension, rows_of(read))
    assert writer.counts["service"] == 1
    again = read_package(destination)
    assert again.problems == []
    assert {n: rows_of(t) for n, t in again.tables.items()} == {
        n: rows_of(t) for n, t in original.tables.items()
    }
    descriptor = json.loads(
        zipfile.ZipFile(destination).read("datapackage.json")
        if name.endswith(".zip")
        else (destination / "datapackage.json").read_text()
    )
    services = next(r for r in descriptor["resources"] if r["name"] == "service")
    assert services["schema"]["fields"][-1] == {"name": "county_code", "type": "string"}
    assert descriptor["version"] == "3.0.0"


def test_a_failed_zip_export_leaves_what_was_there(tmp_path: Path) -> None:
    destination = tmp_path / "out.zip"
    destination.write_bytes(b"the last good export")
    table = exchange.tables()["organization"]
    row = ({"id": uuid.uuid4(), "name": "A", "description": "B"}, {})

    def export_that_fails() -> None:
        with exchange.PackageWriter(destination) as writer:
            writer.write_table(table, (), [row])
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        export_that_fails()
    assert destination.read_bytes() == b"the last good export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.zip"]


def test_the_shipped_descriptor_is_the_official_one() -> None:
    assert linked_descriptor() == exchange.official_descriptor()
