"""The HSDS 3.0 API under /api/v1/hsds: documents the official JSON schemas accept, the HSDS
query parameters, pages and ndjson, a constant number of queries however many records are
shown, and packages in and out for directory maintainers (ADR 0013).
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crossroads.core.models import User
from crossroads.directory import actions, exchange, taxonomy
from crossroads.directory.models import Service
from tests.directory.hsds_reference import conforms, csv_package, csv_package_copy, examples_dir
from tests.factories import make_agency, make_service, make_site, make_user, signed_in_client

pytestmark = pytest.mark.django_db
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SITE_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
API = "/api/v1/hsds"


@pytest.fixture
def example() -> None:
    actions.hsds_import(by=None, package=exchange.read_package(csv_package()), source="example")


@pytest.fixture
def officer() -> Client:
    return signed_in_client(make_user(make_agency(), "officer"))


@pytest.fixture
def maintainer() -> User:
    return make_user(make_agency(), "directory_maintainer")


def get(client: Client, path: str, **params: Any) -> Any:
    response = client.get(API + path, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- the documents --------------------------------------------------------------------------------


def test_the_root_names_the_hsds_version(officer: Client) -> None:
    root = get(officer, "")
    assert root["version"] == "3.0.0"
    assert root["openapi_url"] == "http://testserver/api/v1/openapi.json"


@pytest.mark.usefixtures("example")
def test_a_service_is_fully_nested_as_the_official_schema_says(officer: Client) -> None:
    service = get(officer, f"/services/{SERVICE_ID}")
    conforms(service, "service.json")
    assert service["organization"]["id"] == ORGANIZATION_ID
    assert "services" not in service["organization"]  # no way back up the tree
    assert service["organization"]["organization_identifiers"][0]["identifier"] == "1234567"
    assert service["program"]["name"] == "Community Mental Health Support"
    site = service["service_at_locations"][0]
    assert site["id"] == SITE_ID
    assert "service" not in site
    location = site["location"]
    assert location["addresses"][0]["address_1"] == "1-30 Main Street"
    assert location["accessibility"][0]["details"].startswith("Switch hearing aid")
    assert (location["latitude"], location["longitude"]) == (100, 101)  # kept as given
    # References the nesting shows are not repeated; one to a record not here is kept.
    assert "organization_id" not in service
    assert "service_id" not in service["phones"][0]
    assert "location_id" not in site
    assert location["organization_id"] == "985e4a42-bd9f-4edc-911d-0243a4640aca"
    assert service["phones"][0]["languages"][0]["code"] == "ur"
    assert service["contacts"][0]["phones"][0]["number"] == '"+44 1234 234567"'
    assert service["cost_options"][0]["amount"] == 35
    assert service["schedules"][0]["opens_at"] == "10:00:00"
    assert service["last_modified"] == "2023-03-15T10:30:45.123000Z"
    assert service["minimum_age"] == 12
    assert service["attributes"] == []


@pytest.mark.usefixtures("example")
def test_attributes_and_metadata_are_nested_on_every_record_they_belong_to(
    officer: Client,
) -> None:
    site_id = str(make_site("Harbor Crisis Stabilization").pk)
    service_id = str(Service.objects.get(service_at_locations__id=site_id).pk)
    term = str(taxonomy.term_id("crisis-stabilisation"))
    actions.hsds_import(
        by=None,
        package={
            "attribute": [
                {
                    "id": str(uuid.uuid4()),
                    "link_id": service_id,
                    "link_entity": "service",
                    "taxonomy_term_id": term,
                }
            ],
            "metadata": [
                {
                    "id": str(uuid.uuid4()),
                    "resource_id": site_id,
                    "resource_type": "service_at_location",
                    "last_action_date": "2024-05-01",
                    "last_action_type": "create",
                    "field_name": "id",
                    "previous_value": "(none)",
                    "replacement_value": site_id,
                    "updated_by": "tests",
                }
            ],
        },
        source="tests",
    )
    site = get(officer, f"/service_at_locations/{site_id}")
    conforms(site, "service_at_location.json")
    attribute = site["service"]["attributes"][0]
    assert attribute["taxonomy_term"]["code"] == "crisis-stabilisation"
    assert attribute["taxonomy_term"]["taxonomy_detail"]["id"] == str(taxonomy.TAXONOMY_ID)
    assert site["metadata"][0]["last_action_type"] == "create"
    assert site["service"]["metadata"] == []


@pytest.mark.usefixtures("example")
def test_an_organization_lists_its_services_simply_unless_asked_for_them_in_full(
    officer: Client,
) -> None:
    organization = get(officer, f"/organizations/{ORGANIZATION_ID}")
    conforms(organization, "organization.json")
    service = organization["services"][0]
    assert service["id"] == SERVICE_ID
    assert "phones" not in service
    assert service["program"]["id"] == "e7ec2e57-4540-43fa-b2c7-6be5a0ef7f42"
    assert "organization" not in service
    full = get(officer, f"/organizations/{ORGANIZATION_ID}", full_service="true")
    conforms(full, "organization.json")
    assert full["services"][0]["phones"][0]["type"] == "voice"


@pytest.mark.usefixtures("example")
@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/services", "compiled/service_list.json"),
        ("/service_at_locations", "compiled/service_at_location_list.json"),
        ("/organizations", "compiled/organization_list.json"),
        ("/taxonomies", "taxonomy.json"),
        ("/taxonomy_terms", "taxonomy_term.json"),
    ],
)
def test_lists_are_pages_of_one_to_one_documents(officer: Client, path: str, schema: str) -> None:
    page = get(officer, path)
    assert set(page) == {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    assert page["size"] == len(page["contents"]) > 0
    for doc in page["contents"]:
        conforms(doc, schema)


@pytest.mark.usefixtures("example")
def test_a_service_in_a_list_has_its_organization_and_program_but_nothing_to_many(
    officer: Client,
) -> None:
    (service,) = get(officer, "/services")["contents"]
    assert service["organization"]["name"] == "Example Organization Inc."
    assert service["program"]["id"] == "e7ec2e57-4540-43fa-b2c7-6be5a0ef7f42"
    assert "phones" not in service
    assert "attributes" not in service
    (full,) = get(officer, "/services", full="true")["contents"]
    conforms(full, "service.json")
    assert full["phones"]


# --- the query parameters -------------------------------------------------------------------------


def test_pages_count_and_step_through_the_records(officer: Client) -> None:
    for name in ("Alder", "Birch", "Cedar"):
        make_service(name)
    first = get(officer, "/services", per_page=2)
    assert [s["name"] for s in first["contents"]] == ["Alder", "Birch"]
    assert (
        first["total_items"],
        first["total_pages"],
        first["first_page"],
        first["last_page"],
    ) == (
        3,
        2,
        True,
        False,
    )
    second = get(officer, "/services", per_page=2, page=2)
    assert [s["name"] for s in second["contents"]] == ["Cedar"]
    assert second["last_page"] is True
    beyond = get(officer, "/services", per_page=2, page=3)
    assert (beyond["contents"], beyond["empty"], beyond["size"]) == ([], True, 0)


def test_services_are_filtered_by_words_organization_term_taxonomy_and_time(
    officer: Client,
) -> None:
    line = make_service("Harbor Crisis Line", description="Call or text 988 any time.")
    make_service("Birch Detox", last_modified="2020-01-01T00:00:00Z")
    tagged = make_service("Cedar Walk-in", last_modified="2024-06-01T12:00:00Z")
    actions.hsds_import(
        by=None,
        package={
            "attribute": [
                {
                    "id": str(uuid.uuid4()),
                    "link_id": str(tagged.pk),
                    "link_entity": "service",
                    "taxonomy_term_id": str(taxonomy.term_id("walk-in")),
                }
            ]
        },
        source="tests",
    )

    def names(**params: Any) -> list[str]:
        return [s["name"] for s in get(officer, "/services", **params)["contents"]]

    assert names(search="988 harbor") == ["Harbor Crisis Line"]
    assert names(organization_id=str(line.organization_id)) == ["Harbor Crisis Line"]
    assert names(taxonomy_term_id=str(taxonomy.term_id("walk-in"))) == ["Cedar Walk-in"]
    assert names(taxonomy_id=str(taxonomy.TAXONOMY_ID)) == ["Cedar Walk-in"]
    assert names(modified_after="2023-01-01T00:00:00Z") == ["Cedar Walk-in"]
    assert get(officer, "/services", minimal="true", search="cedar")["contents"] == [
        {"id": str(tagged.pk), "last_modified": "2024-06-01T12:00:00Z"}
    ]


@pytest.mark.usefixtures("example")
def test_taxonomy_terms_filter_by_taxonomy_and_tree(officer: Client) -> None:
    crossroads = str(taxonomy.TAXONOMY_ID)
    tops = get(officer, "/taxonomy_terms", taxonomy_id=crossroads, top_only="true")
    assert {t["code"] for t in tops["contents"]} == {"category", "access", "payment"}
    payment = str(taxonomy.term_id("payment"))
    under = get(officer, "/taxonomy_terms", parent_id=payment, per_page=100)["contents"]
    assert {t["code"] for t in under} == set(taxonomy.crossroads_taxonomy().codes("payment"))
    assert get(officer, "/taxonomy_terms", search="code")["contents"][0]["id"] == TERM_ID
    term = get(officer, f"/taxonomy_terms/{taxonomy.term_id('walk-in')}")
    conforms(term, "taxonomy_term.json")
    assert term["taxonomy_detail"]["name"] == taxonomy.crossroads_taxonomy().name
    assert get(officer, f"/taxonomies/{crossroads}")["version"]


def test_sites_near_a_zip_code(officer: Client) -> None:
    seattle = make_site("Downtown Crisis Centre")
    far = make_site("Spokane Crisis Centre")
    actions.hsds_import(
        by=None,
        package={
            "location": [
                {
                    "id": str(seattle.location_id),
                    "location_type": "physical",
                    "latitude": 47.6062,
                    "longitude": -122.3321,
                },
                {
                    "id": str(far.location_id),
                    "location_type": "physical",
                    "latitude": 47.6588,
                    "longitude": -117.4260,
                },
            ],
            "address": [
                {
                    "id": str(uuid.uuid4()),
                    "location_id": str(far.location_id),
                    "address_1": "1 Main",
                    "city": "Spokane",
                    "state_province": "WA",
                    "postal_code": "99201",
                    "country": "US",
                    "address_type": "physical",
                }
            ],
        },
        source="tests",
    )

    def ids(**params: Any) -> list[str]:
        return [s["id"] for s in get(officer, "/service_at_locations", **params)["contents"]]

    assert ids(postcode="98104", proximity=5000) == [str(seattle.pk)]
    assert ids(postcode="99201") == [str(far.pk)]
    assert ids(postcode="98104", proximity=500_000) == sorted([str(seattle.pk), str(far.pk)])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"page": "first"}, "page"),
        ({"format": "xml"}, "format"),
        ({"proximity": 1000}, "proximity"),
        ({"postcode": "00000", "proximity": 1000}, "postcode"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_parameter(
    officer: Client, params: dict[str, Any], field: str
) -> None:
    response = officer.get(API + "/service_at_locations", params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_unknown_record_is_a_404_problem(officer: Client) -> None:
    response = officer.get(f"{API}/services/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.usefixtures("example")
def test_ndjson_streams_every_record_one_per_line(officer: Client) -> None:
    for n in range(3):
        make_service(f"Service {n}")
    response = officer.get(API + "/services", {"format": "ndjson", "full": "true"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    docs = [json.loads(line) for line in lines]
    assert len(docs) == 4
    for doc in docs:
        conforms(doc, "service.json")


def test_a_full_list_costs_the_same_queries_for_one_service_or_many(officer: Client) -> None:
    make_site("First")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get(officer, "/services", full="true")
        return len(captured)

    one = queries()
    for n in range(4):
        make_site(f"More {n}")
    assert queries() == one


# --- packages in and out --------------------------------------------------------------------------


@pytest.mark.usefixtures("example")
def test_a_maintainer_downloads_the_directory_as_a_package(maintainer: User) -> None:
    response = signed_in_client(maintainer).get(API + "/package")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="crossroads-hsds.zip"'
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "datapackage.json" in names
    assert "services.csv" in names


def test_a_maintainer_loads_a_package(maintainer: User, tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "example"), "zip", csv_package())
    client = signed_in_client(maintainer, enforce_csrf_checks=False)
    with open(archive, "rb") as upload:
        response = client.post(API + "/package", {"package": upload})
    assert response.status_code == 200, response.content
    summary = response.json()
    assert summary["source"] == "example.zip"
    assert (summary["read"], summary["written"]) == (21, 21)
    assert summary["tables"]["service"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert [w["column"] for w in summary["warnings"]][:2] == ["", "latitude"]  # a link; 100
    assert Service.objects.filter(pk=SERVICE_ID).exists()


def test_a_maintainer_loads_an_hsds_json_file(maintainer: User) -> None:
    client = signed_in_client(maintainer, enforce_csrf_checks=False)
    with (examples_dir() / "service_full.json").open("rb") as upload:
        response = client.post(API + "/package", {"package": upload})
    assert response.status_code == 200, response.content
    summary = response.json()
    assert (summary["source"], summary["written"]) == ("service_full.json", 20)
    assert summary["warnings"][0]["record"] == "$.attributes[0]"
    assert Service.objects.filter(pk=SERVICE_ID).exists()


def test_a_bad_package_is_a_422_problem_naming_each_place(maintainer: User, tmp_path: Path) -> None:
    folder = csv_package_copy(tmp_path / "bad")
    services = folder / "services.csv"
    services.write_text(services.read_text().replace(",active,", ",open,"))
    archive = shutil.make_archive(str(tmp_path / "bad"), "zip", folder)
    with open(archive, "rb") as upload:
        response = signed_in_client(maintainer).post(API + "/package", {"package": upload})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors[0]["field"] == f"services.csv:2 ({SERVICE_ID}):status"
    assert errors[0]["message"].startswith("'open' is not one of")
    assert not Service.objects.filter(pk=SERVICE_ID).exists()


def test_a_file_that_is_not_a_zip_is_refused(maintainer: User) -> None:
    upload = io.BytesIO(b"id,name\n")
    upload.name = "directory.csv"
    response = signed_in_client(maintainer).post(API + "/package", {"package": upload})
    assert response.status_code == 422
    assert "neither a folder nor a readable .zip" in response.json()["detail"]
