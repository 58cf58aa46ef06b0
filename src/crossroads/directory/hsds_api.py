"""The directory as an Open Referral HSDS 3.0 API, and its packages in and out, under /api/v1/hsds.

The read endpoints follow the HSDS API reference (its openapi.json): paginated lists of
services, service_at_locations, organizations, taxonomies and taxonomy terms, each record by id
fully nested, the same query parameters, and `format=ndjson` to stream a whole list. Documents
are shaped by the official JSON schemas (hsds.nested). Directory maintainers can also download
the whole directory as a tabular package, and load one (a .zip) or an HSDS JSON file here, as
with the CLI.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, UploadedFile
from pydantic import AwareDatetime, ConfigDict

from crossroads.core.access import api_caller
from crossroads.directory import actions, exchange, hsds, places
from crossroads.directory.models import (
    Attribute,
    HsdsRecord,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

router = Router(tags=["directory: HSDS 3.0"])
JSON = "application/json"
NDJSON = "application/x-ndjson"
SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PROFILE = "https://docs.openreferral.org/en/latest/hsds/"
Shape = hsds.Shape
Answer = HttpResponse | StreamingHttpResponse  # a page, or (ndjson) a stream


def _described(schema: str) -> dict[str, Any]:
    """OpenAPI: which official HSDS schema the documents follow. Named, not referenced, so
    nothing reading this description has to fetch the schema from the internet."""
    return {
        "responses": {
            200: {
                "description": f"HSDS 3.0 JSON, as the official schema {SCHEMAS}{schema}",
                "content": {JSON: {"schema": {"type": "object"}}},
            }
        }
    }


# --- query parameters, as the HSDS API names them -------------------------------------------------


class ListParams(Schema):
    model_config = ConfigDict(extra="forbid")

    search: str = Field("", max_length=200, description="Words in the name or description.")
    page: int = Field(1, ge=1, description="Page number, from 1.")
    per_page: int = Field(50, ge=1, le=500, description="Records per page.")
    format: Literal["json", "ndjson"] = Field(
        "json", description="ndjson: every matching record, one per line, without pages."
    )


class ServiceParams(ListParams):
    taxonomy_term_id: UUID | None = Field(None, description="Services with this term.")
    taxonomy_id: UUID | None = Field(None, description="Services with a term of this taxonomy.")
    organization_id: UUID | None = Field(None, description="Services of this organization.")
    modified_after: AwareDatetime | None = Field(
        None, description="Services whose last_modified is at or after this time."
    )
    full: bool = Field(False, description="Fully nested services.")
    minimal: bool = Field(False, description="Only each service's id and last_modified.")


class SiteParams(ListParams):
    taxonomy_term_id: UUID | None = Field(None, description="Its service, or it, has this term.")
    taxonomy_id: UUID | None = Field(None, description="A term of this taxonomy, as above.")
    organization_id: UUID | None = Field(None, description="Services of this organization.")
    modified_after: AwareDatetime | None = Field(
        None, description="Its service's last_modified is at or after this time."
    )
    full: bool = Field(False, description="Fully nested service_at_locations.")
    postcode: str | None = Field(
        None,
        max_length=10,
        description="A ZIP code: places with an address there, or with `proximity`, places "
        "within that distance of its centroid.",
    )
    proximity: float | None = Field(None, gt=0, le=500_000, description="Metres; needs postcode.")


class OrganizationParams(ListParams):
    full: bool = Field(False, description="Fully nested organizations.")
    full_service: bool = Field(False, description="Their services fully nested too.")


class TermParams(ListParams):
    taxonomy_id: UUID | None = Field(None, description="Terms of this taxonomy.")
    parent_id: UUID | None = Field(None, description="Terms under this term.")
    top_only: bool = Field(False, description="Only terms without a parent.")


# --- the API's own description --------------------------------------------------------------------


@router.get("/hsds", url_name="hsds_root", summary="This API and its relation to HSDS")
def hsds_root(request: HttpRequest) -> dict[str, str]:
    return {
        "version": exchange.hsds_version(),
        "profile": PROFILE,
        "openapi_url": request.build_absolute_uri(reverse("api-v1:openapi-json")),
    }


# --- services -------------------------------------------------------------------------------------


@router.get(
    "/hsds/services",
    url_name="hsds_service_list",
    summary="Services, a page at a time",
    openapi_extra=_described("compiled/service_list.json"),
)
def hsds_service_list(request: HttpRequest, params: Query[ServiceParams]) -> Answer:
    services = Service.objects.order_by("name", "id")
    if params.search:
        services = services.filter(_words(params.search, "name", "alternate_name", "description"))
    if params.organization_id:
        services = services.filter(organization_id=params.organization_id)
    if params.modified_after:
        services = services.filter(last_modified__gte=params.modified_after)
    if terms := _with_terms(params.taxonomy_term_id, params.taxonomy_id):
        services = services.filter(id__in=terms)
    if params.minimal:
        return _listed(services, params, _minimal)
    return _listed(services, params, _nested("service", full=params.full))


@router.get(
    "/hsds/services/{service_id}",
    url_name="hsds_service_get",
    summary="One service, fully nested",
    openapi_extra=_described("service.json"),
)
def hsds_service_get(request: HttpRequest, service_id: UUID) -> HttpResponse:
    return _one(Service, service_id, _nested("service", full=True))


def _minimal(services: Sequence[Service]) -> list[hsds.JsonDoc]:
    return [
        {
            "id": str(s.pk),
            **({"last_modified": hsds.json_value(s.last_modified)} if s.last_modified else {}),
        }
        for s in services
    ]


# --- services at locations ------------------------------------------------------------------------


@router.get(
    "/hsds/service_at_locations",
    url_name="hsds_service_at_location_list",
    summary="Services at locations, a page at a time",
    openapi_extra=_described("compiled/service_at_location_list.json"),
)
def hsds_service_at_location_list(request: HttpRequest, params: Query[SiteParams]) -> Answer:
    sites = ServiceAtLocation.objects.order_by("id")
    if params.search:
        # Subqueries, not joins: a site whose service or location is missing still matches.
        sites = sites.filter(
            _words(params.search, "description")
            | Q(service_id__in=_matching(Service, params.search, "name", "description"))
            | Q(location_id__in=_matching(Location, params.search, "name", "description"))
        )
    if params.organization_id:
        sites = sites.filter(service__organization_id=params.organization_id)
    if params.modified_after:
        sites = sites.filter(service__last_modified__gte=params.modified_after)
    if terms := _with_terms(params.taxonomy_term_id, params.taxonomy_id):
        sites = sites.filter(Q(service_id__in=terms) | Q(id__in=terms))
    if params.postcode or params.proximity:
        sites = sites.filter(location_id__in=_locations_near(params.postcode, params.proximity))
    return _listed(sites, params, _nested("service_at_location", full=params.full))


@router.get(
    "/hsds/service_at_locations/{service_at_location_id}",
    url_name="hsds_service_at_location_get",
    summary="One service at a location, fully nested",
    openapi_extra=_described("service_at_location.json"),
)
def hsds_service_at_location_get(
    request: HttpRequest, service_at_location_id: UUID
) -> HttpResponse:
    return _one(
        ServiceAtLocation, service_at_location_id, _nested("service_at_location", full=True)
    )


def _locations_near(postcode: str | None, metres: float | None) -> list[UUID]:
    """Locations with an address in the ZIP code, or within `metres` of its centroid."""
    if not postcode:
        raise ValidationError({"proximity": ["needs a postcode to measure from."]})
    if metres is None:
        return list(
            Location.objects.filter(addresses__postal_code=postcode.strip())
            .values_list("id", flat=True)
            .distinct()
        )
    try:
        centre = places.zip_centroid(postcode)
    except places.PlaceError as error:
        raise ValidationError({"postcode": [error.reason]}) from None
    km = metres / 1000
    box = places.bounding_box(centre, km)
    candidates = Location.objects.filter(
        latitude__range=(box.min_lat, box.max_lat), longitude__range=(box.min_lon, box.max_lon)
    ).values_list("id", "latitude", "longitude")
    return [
        pk
        for pk, lat, lon in candidates
        if lat is not None
        and lon is not None
        and places.haversine_km(centre.lat, centre.lon, lat, lon) <= km
    ]


# --- organizations --------------------------------------------------------------------------------


@router.get(
    "/hsds/organizations",
    url_name="hsds_organization_list",
    summary="Organizations, a page at a time",
    openapi_extra=_described("compiled/organization_list.json"),
)
def hsds_organization_list(request: HttpRequest, params: Query[OrganizationParams]) -> Answer:
    organizations = Organization.objects.order_by("name", "id")
    if params.search:
        organizations = organizations.filter(
            _words(params.search, "name", "alternate_name", "description")
        )
    shape = _nested("organization", full=params.full, full_services=params.full_service)
    return _listed(organizations, params, shape)


class OrganizationGetParams(Schema):
    model_config = ConfigDict(extra="forbid")

    full_service: bool = Field(False, description="Its services fully nested too.")


@router.get(
    "/hsds/organizations/{organization_id}",
    url_name="hsds_organization_get",
    summary="One organization, fully nested, with its services",
    openapi_extra=_described("organization.json"),
)
def hsds_organization_get(
    request: HttpRequest, organization_id: UUID, params: Query[OrganizationGetParams]
) -> HttpResponse:
    shape = _nested("organization", full=True, full_services=params.full_service)
    return _one(Organization, organization_id, shape)


# --- taxonomies and their terms -------------------------------------------------------------------


@router.get(
    "/hsds/taxonomies",
    url_name="hsds_taxonomy_list",
    summary="Taxonomies, a page at a time",
    openapi_extra=_described("taxonomy.json"),
)
def hsds_taxonomy_list(request: HttpRequest, params: Query[ListParams]) -> Answer:
    taxonomies = Taxonomy.objects.order_by("name", "id")
    if params.search:
        taxonomies = taxonomies.filter(_words(params.search, "name", "description"))
    return _listed(taxonomies, params, _nested("taxonomy", full=False))


@router.get(
    "/hsds/taxonomies/{taxonomy_id}",
    url_name="hsds_taxonomy_get",
    summary="One taxonomy",
    openapi_extra=_described("taxonomy.json"),
)
def hsds_taxonomy_get(request: HttpRequest, taxonomy_id: UUID) -> HttpResponse:
    return _one(Taxonomy, taxonomy_id, _nested("taxonomy", full=True))


@router.get(
    "/hsds/taxonomy_terms",
    url_name="hsds_taxonomy_term_list",
    summary="Taxonomy terms, a page at a time",
    openapi_extra=_described("taxonomy_term.json"),
)
def hsds_taxonomy_term_list(request: HttpRequest, params: Query[TermParams]) -> Answer:
    terms = TaxonomyTerm.objects.order_by("code", "name", "id")
    if params.search:
        terms = terms.filter(_words(params.search, "code", "name", "description"))
    if params.taxonomy_id:
        terms = terms.filter(taxonomy_detail_id=params.taxonomy_id)
    if params.parent_id:
        terms = terms.filter(parent_id=params.parent_id)
    if params.top_only:
        terms = terms.filter(parent_id__isnull=True)
    return _listed(terms, params, _nested("taxonomy_term", full=False))


@router.get(
    "/hsds/taxonomy_terms/{taxonomy_term_id}",
    url_name="hsds_taxonomy_term_get",
    summary="One taxonomy term",
    openapi_extra=_described("taxonomy_term.json"),
)
def hsds_taxonomy_term_get(request: HttpRequest, taxonomy_term_id: UUID) -> HttpResponse:
    return _one(TaxonomyTerm, taxonomy_term_id, _nested("taxonomy_term", full=True))


# --- packages in and out --------------------------------------------------------------------------


@router.get(
    "/hsds/package",
    url_name="hsds_package",
    summary="The whole directory as an HSDS 3.0 tabular package (.zip)",
    openapi_extra={"responses": {200: {"description": "A .zip: datapackage.json and CSVs"}}},
)
def hsds_package_export(request: HttpRequest) -> FileResponse:
    with tempfile.TemporaryDirectory() as folder:
        destination = Path(folder) / "hsds.zip"
        actions.hsds_export(by=api_caller(request), destination=destination)
        # Open before the folder goes: the open file outlives its name while it is sent.
        stream = destination.open("rb")
    return FileResponse(stream, as_attachment=True, filename="crossroads-hsds.zip")


class ImportOut(Schema):
    source: str
    read: int = Field(description="Records read from the package.")
    written: int = Field(description="Records created or changed.")
    tables: dict[str, dict[str, int]] = Field(description="created, updated, unchanged by table.")
    warnings: list[dict[str, Any]] = Field(description="file, line, column, reason of each.")


@router.post(
    "/hsds/package",
    response=ImportOut,
    url_name="hsds_package",
    summary="Load an HSDS 3.0 tabular package (.zip) or HSDS JSON file into the directory",
    description="All or nothing: data with problems is refused with 422, each problem named by "
    "file:line (record id):column (or file:$.json.path (record id):field). A .json file holds "
    "one record, a list or a "
    "page of the records its name tells (services.json, organization_full.json ...), nested "
    "records included. Records are matched by id, so loading it again changes nothing.",
)
def hsds_package_import(request: HttpRequest, package: File[UploadedFile]) -> dict[str, Any]:
    name = Path(package.name or "").name  # its name only: no way out of the folder
    if name in ("", ".", ".."):
        name = "package.zip"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as stream:
            for chunk in package.chunks():
                stream.write(chunk)
        if path.suffix.lower() == ".json":
            read = exchange.read_json(path, hsds.SHAPES)
        else:
            read = exchange.read_package(path)  # named as the file: `name`
        done = actions.hsds_import(by=api_caller(request), package=read, source=read.name)
    return {
        "source": done.source,
        "read": done.rows_read,
        "written": done.written,
        "tables": {name: asdict(c) for name, c in done.tables.items()},
        "warnings": [w.as_json() for w in done.warnings],
    }


# --- shared ---------------------------------------------------------------------------------------


def _nested(table: str, *, full: bool, full_services: bool = True) -> Shape:
    def shape(records: Sequence[HsdsRecord]) -> list[hsds.JsonDoc]:
        return hsds.nested(table, records, full=full, full_services=full_services)

    return shape


def _words(text: str, *fields: str) -> Q:
    """Every word in one of the fields (case-insensitive)."""
    found = Q()
    for word in text.split():
        anywhere = Q()
        for name in fields:
            anywhere |= Q(**{f"{name}__icontains": word})
        found &= anywhere
    return found


def _matching(model: type[HsdsRecord], text: str, *fields: str) -> QuerySet[Any]:
    return model._default_manager.filter(_words(text, *fields)).values("id")


def _with_terms(term_id: UUID | None, taxonomy_id: UUID | None) -> QuerySet[Any] | None:
    """The ids of records that carry the term, or a term of the taxonomy (None: no filter)."""
    if term_id is None and taxonomy_id is None:
        return None
    attributes = Attribute.objects.all()
    if term_id is not None:
        attributes = attributes.filter(taxonomy_term_id=term_id)
    if taxonomy_id is not None:
        attributes = attributes.filter(taxonomy_term__taxonomy_detail_id=taxonomy_id)
    return attributes.values("link_id")


def _one(model: type[HsdsRecord], pk: UUID, shape: Shape) -> HttpResponse:
    record = get_object_or_404(model, pk=pk)
    return _json(shape([record])[0])


def _listed(records: QuerySet[Any], params: ListParams, shape: Shape) -> Answer:
    """One page in the HSDS Page envelope, or (format=ndjson) every record, streamed."""
    if params.format == "ndjson":
        return StreamingHttpResponse(_lines(records, shape), content_type=NDJSON)
    total = records.count()
    start = (params.page - 1) * params.per_page
    contents = shape(list(records[start : start + params.per_page]))
    envelope = hsds.page(
        total=total, number=params.page, per_page=params.per_page, size=len(contents)
    )
    return _json({**envelope, "contents": contents})


def _lines(records: QuerySet[Any], shape: Shape) -> Iterator[str]:
    """One JSON document a line, shaped a chunk of records at a time."""
    for doc in hsds.in_chunks(records, shape):
        yield json.dumps(doc, ensure_ascii=False) + "\n"


def _json(doc: hsds.JsonDoc) -> HttpResponse:
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=JSON)
