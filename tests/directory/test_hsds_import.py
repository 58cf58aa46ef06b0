"""Loading HSDS into the directory: `actions.hsds_import` and `crossroads import hsds` (ADR 0013).

The official example package and JSON examples load (their dangling references and
coordinates off the globe as warnings, the data kept), loading again changes nothing, a changed
package updates only what it carries, a package or JSON file with any problem writes nothing,
and the shipped taxonomy and Crossroads' own columns are never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from crossroads.core.models import AuditEvent
from crossroads.directory import actions, exchange, hsds, taxonomy
from crossroads.directory.models import (
    CostOption,
    Location,
    Organization,
    Phone,
    SearchEntry,
    Service,
    TaxonomyTerm,
)
from tests.directory.hsds_reference import csv_package, csv_package_copy, example, examples_dir
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
SERVICE_ID = uuid.UUID("ac148810-d857-441c-9679-408f346de14b")
ORGANIZATION_ID = uuid.UUID("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
LOCATION_ID = uuid.UUID("3a19ff88-4620-4d17-9830-ac1d859eb5d5")
PHONE_ID = uuid.UUID("1554f2e2-a373-45db-a3fa-9fc48a61c15e")
SCHEDULE_ID = uuid.UUID("48102e86-bb50-41c4-8f1e-e269368c41d1")
OFF_THE_GLOBE = (
    "100 is outside -90..90, not a place on the globe: the location is kept but cannot be found "
    "by distance"
)


def example_copy(tmp_path: Path) -> Path:
    return csv_package_copy(tmp_path / "package")


def edit_csv(path: Path, column: str, value: str, *, add: bool = False) -> None:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    if add:
        rows[0].append(column)
        rows[1].append(value)
    else:
        rows[1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)


def counts() -> dict[str, int]:
    return {name: t.model.objects.count() for name, t in hsds.TABLES.items()}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- the action -----------------------------------------------------------------------------------


def test_the_official_example_loads_with_its_dangling_references_as_warnings() -> None:
    done = actions.hsds_import(
        by=None, package=exchange.read_package(csv_package()), source="example"
    )
    assert done.rows_read == 21
    assert done.written == 21
    assert all(c.created == 1 for c in done.tables.values())
    warnings = [str(w) for w in done.warnings]
    assert f"locations.csv:2 ({LOCATION_ID}):latitude: {OFF_THE_GLOBE}" in warnings
    assert (
        f"locations.csv:2 ({LOCATION_ID}):organization_id: no organization "
        "985e4a42-bd9f-4edc-911d-0243a4640aca in the package or the directory (kept; the link "
        "shows once it arrives)"
    ) in warnings
    service = Service.objects.get(pk=SERVICE_ID)
    assert service.organization_id == ORGANIZATION_ID
    assert service.minimum_age == 12.0
    assert service.last_modified is not None
    assert service.last_modified.isoformat() == "2023-03-15T10:30:45.123000+00:00"
    location = Location.objects.get()
    assert (location.latitude, location.longitude) == (100, 101)
    assert location.external_identifier == "10092008082"
    assert CostOption.objects.get().amount == 35
    # Search sees the active service with its location, and with no place (a phone line) too.
    assert SearchEntry.objects.filter(service_id=SERVICE_ID).exists()


def test_one_audit_event_records_the_import_and_its_counts() -> None:
    before = AuditEvent.objects.count()
    actions.hsds_import(by=None, package=exchange.read_package(csv_package()), source="example")
    event = AuditEvent.objects.latest("seq")
    assert AuditEvent.objects.count() == before + 1
    assert event.verb == "directory.hsds_import"
    assert event.detail["source"] == "example"
    assert event.detail["rows_read"] == 21
    assert event.detail["tables"]["service"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert len(event.detail["sha256"]) == 64


def test_loading_the_same_package_again_changes_nothing() -> None:
    actions.hsds_import(by=None, package=exchange.read_package(csv_package()), source="example")
    again = actions.hsds_import(
        by=None, package=exchange.read_package(csv_package()), source="example"
    )
    assert again.written == 0
    assert all(c.unchanged == 1 for c in again.tables.values())


def test_a_changed_record_is_updated_and_crossroads_columns_stay(tmp_path: Path) -> None:
    actions.hsds_import(by=None, package=exchange.read_package(csv_package()), source="example")
    agency = make_agency(type="bh_provider")
    organization = Organization.objects.get(pk=ORGANIZATION_ID)
    actions.organization_assign_agency(by=None, organization=organization, agency=agency)
    Service.objects.filter(pk=SERVICE_ID).update(last_verified_on=date(2024, 5, 1))
    package = example_copy(tmp_path)
    edit_csv(package / "services.csv", "status", "temporarily closed")
    edit_csv(package / "organizations.csv", "name", "Example Organization (renamed)")

    done = actions.hsds_import(by=None, package=exchange.read_package(package), source="v2")

    assert done.tables["service"].updated == 1
    assert done.tables["organization"].updated == 1
    assert done.tables["phone"].unchanged == 1
    service = Service.objects.get(pk=SERVICE_ID)
    assert service.status == "temporarily closed"
    assert service.last_verified_on == date(2024, 5, 1)
    organization.refresh_from_db()
    assert organization.name == "Example Organization (renamed)"
    assert organization.agency == agency
    # A service that is not active leaves search.
    assert not SearchEntry.objects.filter(service_id=SERVICE_ID).exists()


def test_only_the_fields_a_package_has_are_written() -> None:
    org, service_id = uuid.uuid4(), uuid.uuid4()
    first = {
        "organization": [{"id": str(org), "name": "Harbor", "description": "Care"}],
        "service": [
            {
                "id": str(service_id),
                "organization_id": str(org),
                "name": "Harbor Crisis Line",
                "status": "active",
                "email": "line@harbor.example",
            }
        ],
    }
    actions.hsds_import(by=None, package=first, source="first")
    actions.hsds_import(
        by=None,
        package={
            "service": [
                {
                    "id": str(service_id),
                    "organization_id": str(org),
                    "name": "Harbor 988",
                    "status": "active",
                }
            ]
        },
        source="second",
    )
    service = Service.objects.get(pk=service_id)
    assert service.name == "Harbor 988"
    assert service.email == "line@harbor.example"


def test_extension_fields_are_kept_and_replaced_by_a_newer_package(tmp_path: Path) -> None:
    package = example_copy(tmp_path)
    edit_csv(package / "services.csv", "county_code", "H-17", add=True)
    actions.hsds_import(by=None, package=exchange.read_package(package), source="v1")
    assert Service.objects.get(pk=SERVICE_ID).extra == {"county_code": "H-17"}
    edit_csv(package / "services.csv", "county_code", "")
    done = actions.hsds_import(by=None, package=exchange.read_package(package), source="v2")
    assert done.tables["service"].updated == 1
    assert Service.objects.get(pk=SERVICE_ID).extra == {}


def test_a_package_with_any_problem_writes_nothing(tmp_path: Path) -> None:
    package = example_copy(tmp_path)
    edit_csv(package / "services.csv", "status", "open")
    edit_csv(package / "phones.csv", "extension", "ext. 100")
    before, events = counts(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.hsds_import(by=None, package=exchange.read_package(package), source="bad")
    assert refused.value.message_dict == {
        f"services.csv:2 ({SERVICE_ID}):status": [
            "'open' is not one of 'active', 'inactive', 'defunct', 'temporarily closed'"
        ],
        f"phones.csv:2 ({PHONE_ID}):extension": ["'ext. 100' is not a number"],
        "package": ["Nothing was imported."],
    }
    assert counts() == before
    assert AuditEvent.objects.count() == events


def test_what_the_models_refuse_is_a_problem_too() -> None:
    org, service, cost = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    package = {
        "organization": [{"id": str(org), "name": "Harbor", "description": "Care"}],
        "service": [
            {"id": str(service), "organization_id": str(org), "name": "Line", "status": "active"}
        ],
        "cost_option": [{"id": str(cost), "service_id": str(service), "amount": "0.1234567"}],
    }
    with pytest.raises(ValidationError) as refused:
        actions.hsds_import(by=None, package=package, source="tests")
    assert refused.value.message_dict[f"tests:$.cost_option[0] ({cost}):amount"] == [
        "Ensure that there are no more than 6 decimal places."
    ]
    assert not Organization.objects.filter(pk=org).exists()


def test_a_refusal_names_the_first_problems_and_counts_the_rest() -> None:
    package = {"organization": [{"id": str(uuid.uuid4())} for _ in range(15)]}
    with pytest.raises(ValidationError) as refused:
        actions.hsds_import(by=None, package=package, source="tests")
    named = refused.value.message_dict
    assert len(named) == 1 + actions.PROBLEMS_NAMED
    assert named["package"] == ["and 10 more problems.", "Nothing was imported."]


def test_the_shipped_taxonomy_is_left_as_installed() -> None:
    crisis_line = taxonomy.term_id("crisis-line")
    package = {
        "taxonomy_term": [
            {"id": str(crisis_line), "name": "Hotline", "description": "Renamed elsewhere."}
        ]
    }
    done = actions.hsds_import(by=None, package=package, source="other installation")
    assert TaxonomyTerm.objects.get(pk=crisis_line).name == "Crisis line"
    assert done.tables["taxonomy_term"] == actions.TableCounts(0, 0, 1)
    assert [str(w) for w in done.warnings] == [
        f"other installation:$.taxonomy_term[0] ({crisis_line}):id: part of the Crossroads "
        "taxonomy, which ships with the code: left as installed (map your own terms onto it "
        "instead)"
    ]


def test_people_need_the_maintainer_permission() -> None:
    officer = make_user(make_agency(), "officer")
    with pytest.raises(PermissionDenied):
        actions.hsds_import(by=officer, package={}, source="tests")
    maintainer = make_user(make_agency(), "directory_maintainer")
    done = actions.hsds_import(
        by=maintainer, package=exchange.read_package(csv_package()), source="example"
    )
    assert done.written == 21
    assert AuditEvent.objects.latest("seq").actor == maintainer


# --- the command ----------------------------------------------------------------------------------


def test_the_command_loads_a_package_and_prints_warnings_compiler_style() -> None:
    out, err = run("hsds", str(csv_package()))
    assert out.strip() == (
        "csv: 21 records read in 21 table(s); 21 created, 0 updated, 0 unchanged; 6 warning(s)."
    )
    assert f"locations.csv:2 ({LOCATION_ID}):latitude: warning: {OFF_THE_GLOBE}" in err
    assert Service.objects.filter(pk=SERVICE_ID).exists()


def test_the_command_summarises_as_json(tmp_path: Path) -> None:
    out, _ = run("hsds", str(csv_package()), "--json")
    summary = json.loads(out)
    assert summary["imported"] is True
    assert summary["read"] == summary["written"] == 21
    assert summary["tables"]["service"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert summary["warnings"][1] == {
        "file": "locations.csv",
        "line": 2,
        "record": "",
        "record_id": str(LOCATION_ID),
        "column": "latitude",
        "reason": OFF_THE_GLOBE,
    }


def test_a_bad_package_exits_2_naming_each_problem_and_writes_nothing(tmp_path: Path) -> None:
    package = example_copy(tmp_path)
    edit_csv(package / "services.csv", "status", "open")
    edit_csv(package / "schedules.csv", "opens_at", "9am")
    before = counts()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "hsds", str(package), "--json", stdout=out, stderr=err)
    assert refused.value.returncode == 2
    assert str(refused.value) == "package: 2 problem(s); nothing was imported."
    assert f"services.csv:2 ({SERVICE_ID}):status: 'open' is not one of 'active'" in err.getvalue()
    assert (
        f"schedules.csv:2 ({SCHEDULE_ID}):opens_at: '9am' is not a time (HH:MM or HH:MM:SS)"
    ) in err.getvalue()
    summary = json.loads(out.getvalue())
    assert summary["imported"] is False
    assert [p["column"] for p in summary["problems"]] == ["status", "opens_at"]
    assert [p["record_id"] for p in summary["problems"]] == [str(SERVICE_ID), str(SCHEDULE_ID)]
    assert counts() == before


def test_a_path_that_is_no_package_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        run("hsds", str(tmp_path / "nowhere"))
    assert refused.value.returncode == 2


def test_coordinates_off_the_globe_are_kept_but_not_placed_in_the_search_index() -> None:
    run("hsds", str(csv_package()))
    assert Location.objects.values_list("latitude", "longitude").get() == (100, 101)
    entry = SearchEntry.objects.get(location_id=LOCATION_ID)
    assert (entry.latitude, entry.longitude) == (None, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM directory_search_geo")
        assert cursor.fetchone() == (0,)


# --- JSON -----------------------------------------------------------------------------------------


def test_the_command_loads_an_hsds_json_file_nested_records_and_all() -> None:
    out, err = run("hsds", str(examples_dir() / "service_full.json"))
    assert out.strip() == (
        "service_full.json: 20 records read in 20 table(s); 20 created, 0 updated, 0 unchanged; "
        "3 warning(s)."
    )
    assert (
        f"service_full.json:$.service_at_locations[0].location ({LOCATION_ID}):latitude: "
        f"warning: {OFF_THE_GLOBE}"
    ) in err
    phone = Phone.objects.get()
    assert (phone.service_id, phone.organization_id, phone.location_id) == (
        SERVICE_ID,
        ORGANIZATION_ID,
        LOCATION_ID,
    )
    assert SearchEntry.objects.filter(service_id=SERVICE_ID).exists()


def test_nested_records_given_as_data_are_taken_apart_too() -> None:
    done = actions.hsds_import(
        by=None, package={"service": example("service_full.json")}, source="tests"
    )
    assert done.written == 20
    assert Phone.objects.get().service_id == SERVICE_ID


def test_a_json_file_with_problems_exits_2_naming_file_path_and_field(tmp_path: Path) -> None:
    (service,) = example("service_list.json")["contents"]
    service["status"] = "open"
    service["organization"]["year_incorporated"] = "long ago"
    (tmp_path / "service.json").write_text(json.dumps(service))
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "hsds", str(tmp_path / "service.json"), stderr=err)
    assert refused.value.returncode == 2
    assert str(refused.value) == "service.json: 2 problem(s); nothing was imported."
    assert err.getvalue().splitlines()[-2:] == [
        f"service.json:$ ({SERVICE_ID}):status: 'open' is not one of 'active', 'inactive', "
        "'defunct', 'temporarily closed'",
        f"service.json:$.organization ({ORGANIZATION_ID}):year_incorporated: 'long ago' is not "
        "a number",
    ]
    assert counts() == before


def test_copies_of_a_record_that_disagree_are_refused_naming_both_places(tmp_path: Path) -> None:
    doc = example("service_full.json")
    doc["phones"][0]["number"] = "+1 937 555 0100"
    (tmp_path / "service.json").write_text(json.dumps(doc))
    err = io.StringIO()
    with pytest.raises(CommandError, match="9 problem"):  # the phone has 9 more copies
        call_command("import", "hsds", str(tmp_path / "service.json"), stderr=err)
    assert err.getvalue().splitlines()[-9] == (
        f"service.json:$.service_at_locations[0].contacts[0].phones[0] ({PHONE_ID}):number: "
        '"\\"+44 1234 234567\\"" here, but "+1 937 555 0100" at $.phones[0], the same phone: '
        "the copies of a record must agree"
    )
    assert not Phone.objects.exists()


def test_the_table_of_a_json_file_can_be_given(tmp_path: Path) -> None:
    (tmp_path / "export.json").write_text(
        json.dumps([example("organization_list.json")["contents"][0]])
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "hsds", str(tmp_path / "export.json"), stderr=err)
    assert "export.json: which HSDS records does it hold? Name it so" in err.getvalue()
    run("hsds", str(tmp_path / "export.json"), "--table", "organization")
    assert Organization.objects.filter(pk=ORGANIZATION_ID).exists()
    with pytest.raises(CommandError, match="--table is for a JSON file") as refused:
        run("hsds", str(csv_package()), "--table", "organization")
    assert refused.value.returncode == 2


# --- the progress bar -----------------------------------------------------------------------------


def test_progress_is_drawn_on_stderr_when_asked() -> None:
    _, err = run("hsds", str(csv_package()), "--progress")
    for stage in ("21/21 records read", "21/21 records written", "1/1 services indexed"):
        assert f"\r100% [##############################] {stage}" in err
    _, again = run("hsds", str(csv_package()), "--progress")
    assert "services indexed" not in again  # nothing changed: search is not rebuilt
    _, quiet = run("hsds", str(csv_package()))  # not a terminal: no bar
    assert "\r" not in quiet
