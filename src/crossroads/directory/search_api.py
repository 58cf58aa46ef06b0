"""GET /api/v1/directory/search: the directory search as JSON, the twin of the page and the CLI.

The same filters as `crossroads directory search`; repeatable parameters (category, language,
payment) are given once per value. A filter that cannot be used answers 422, naming it.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from crossroads.directory.search import (
    MAX_LIMIT,
    MAX_WORDS,
    QueryError,
    SearchHit,
    SearchResults,
    query_from,
    search,
)

router = Router(tags=["directory"])

# SearchQuery's field -> this endpoint's parameter, for naming the parameter in a 422.
PARAMETERS = {"categories": "category", "languages": "language", "payments": "payment"}


class SearchParams(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        "", max_length=200, description=f"Words; all must match (at most {MAX_WORDS})."
    )
    near: str | None = Field(
        None, max_length=200, description="A 5-digit ZIP code, LAT,LON, or an address with a ZIP."
    )
    within_km: float | None = Field(None, description="Radius around `near` (default 25 km).")
    category: list[str] = Field(
        default_factory=list, description="Crossroads category codes; any of them matches."
    )
    open_now: bool = False
    open_at: datetime | None = Field(
        None, description="Open at this time; without an offset, each place's own local time."
    )
    police_drop_off: bool = False
    walk_in: bool = False
    age: int | None = Field(None, description="The person's age in years.")
    language: list[str] = Field(default_factory=list, description="Language codes; any of them.")
    payment: list[str] = Field(default_factory=list, description="Payment codes; any of them.")
    has_capacity: bool = Field(False, description="Only places with room in a fresh report.")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class SearchOut(Schema):
    total: int = Field(description="How many places match in all.")
    hits: list[SearchHit]


@router.get(
    "/directory/search",
    response=SearchOut,
    url_name="directory_search",
    summary="Search the resource directory",
)
def directory_search(request: HttpRequest, params: Query[SearchParams]) -> SearchResults:
    now = timezone.now()
    try:
        query = query_from(
            text=params.text,
            near=params.near,
            within_km=params.within_km,
            categories=tuple(params.category),
            open_now=params.open_now,
            open_at=params.open_at,
            police_drop_off=params.police_drop_off,
            walk_in=params.walk_in,
            age=params.age,
            languages=tuple(params.language),
            payments=tuple(params.payment),
            has_capacity=params.has_capacity,
            limit=params.limit,
            offset=params.offset,
            now=now,
        )
        return search(query, now=now)
    except QueryError as error:
        raise ValidationError({PARAMETERS.get(error.field, error.field): [error.reason]}) from None
