"""Searching the directory: filters in SQL and the spatial index, opening hours and ranking here.

`search(query, now=...)` is the one search core behind the page, the API and the CLI. The
database narrows the entries (the box around the point through the spatial index; categories,
words, flags, ages, languages, payments and fresh capacity as column tests), then this module
cuts the box to the circle, checks opening hours in each location's own time zone and ranks by
fit and distance; a second query reads the rest of the columns for the one page it returns.

Reading of the filters (docs/directory.md, "Search"):
- categories, languages and payments each match any of those given; every word of the text
  must appear; flags and age must all hold;
- a search near a point returns located places only (a phone line has no distance: search
  without `near` to find it); without `within_km` the radius is DEFAULT_WITHIN_KM;
- `open_at` is an instant when it carries a zone, and each location's own wall-clock time when
  it does not ("open at 03:00" means 03:00 where the place is);
- capacity older than DIRECTORY_CAPACITY_MAX_AGE is unknown: never shown, filtered or ranked
  as room.
Fit, best first: more of the requested categories, stronger word matches (in the name or the
organisation's name count double), open at the time asked (or now), fresh room; then nearer
(ties: the older entry first, so pages never overlap).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import holidays as public_holidays
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from crossroads.directory import freshness, opening, queries, taxonomy
from crossroads.directory.index import GEO_TABLE
from crossroads.directory.models import SearchEntry
from crossroads.directory.places import (
    Box,
    PlaceError,
    Point,
    bounding_box,
    haversine_km,
    resolve_near,
)

DEFAULT_WITHIN_KM = 25.0
MAX_WITHIN_KM = 1_000.0
MAX_LIMIT = 100
MAX_WORDS = 10
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# Ranking reads these for every entry the filters let through: no UUIDs to convert, and the
# hours as text, parsed only for the entries inside the circle (and the names only for words).
RANKING_COLUMNS = (
    "id",
    "latitude",
    "longitude",
    "categories",
    "opening_text",
    "time_zone",
    "closed_on_holidays",
    "holiday_region",
    "always_open",
    "capacity_open",
    "capacity_reported_at",
)
NAME_COLUMNS = ("name", "organization_name")
# The hits read the rest, for the page's few entries only.
PAGE_COLUMNS = (
    "id",
    *NAME_COLUMNS,
    "service_id",
    "service_at_location_id",
    "location_id",
    "location_name",
    "address",
    "languages",
    "payments",
    "police_drop_off",
    "walk_in",
    "verified_on",
)


class QueryError(ValueError):
    """A search that cannot be run; `field` is the SearchQuery field it is about."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    categories: tuple[str, ...] = ()
    near: Point | None = None
    within_km: float | None = None
    open_at: datetime | None = None
    police_drop_off: bool = False
    walk_in: bool = False
    age: int | None = None
    languages: tuple[str, ...] = ()
    payments: tuple[str, ...] = ()
    has_capacity: bool = False
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class SearchHit:
    entry_id: int
    service_id: UUID
    service_at_location_id: UUID | None
    location_id: UUID | None
    name: str
    organization_name: str
    location_name: str
    address: str
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    categories: tuple[str, ...]
    open_now: bool | None  # at open_at if asked, else at now; None: hours unknown
    opening_note: str  # "open until 18:00", "opens Mon 09:00", "hours unknown"
    capacity_state: freshness.CapacityState
    capacity_reported_at: datetime | None
    verified_on: date | None
    freshness: str  # "verified 12 days ago", "not verified in 200 days", "never verified"
    police_drop_off: bool
    walk_in: bool
    languages: tuple[str, ...]
    payments: tuple[str, ...]
    reasons: tuple[str, ...]  # what it matched, for showing why it fits


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int


@dataclass(frozen=True)
class _Ask:
    """A query checked and normalised, with what every row is judged against."""

    words: tuple[str, ...]
    categories: tuple[str, ...]
    languages: tuple[str, ...]
    payments: tuple[str, ...]
    box: Box | None
    within_km: float | None
    at: datetime  # open at this time, or now
    at_is_instant: bool  # False: a wall-clock time, read where each place is
    now: datetime
    max_age: timedelta  # of a capacity report still trusted
    at_in_zone: dict[str, datetime] = field(default_factory=dict)  # `at` where places are
    notes: dict[tuple[Any, ...], str] = field(default_factory=dict)  # opening notes said


@dataclass(slots=True)
class _Candidate:
    row: Any  # a named row of RANKING_COLUMNS (and NAME_COLUMNS when words are asked)
    rules: list[opening.Rule] | None  # None: not read yet (the row is open around the clock)
    distance_km: float | None
    open_now: bool | None
    capacity: freshness.CapacityState
    matched: int  # of the requested categories
    strength: int  # of the word matches

    def rank(self) -> tuple[Any, ...]:
        return (
            -self.matched,
            -self.strength,
            self.open_now is not True,
            self.capacity is not freshness.CapacityState.OPEN,
            self.distance_km if self.distance_km is not None else float("inf"),
            self.row.id,
        )

    def hours(self) -> list[opening.Rule]:
        return self.rules if self.rules is not None else _rules(self.row)


def search(query: SearchQuery, *, now: datetime) -> SearchResults:
    """The page of entries matching `query`, best first, with how many match in all.

    Raises QueryError (a ValueError) naming the field of a query that cannot be run."""
    ask = _check(query, now)
    rows = _filtered(query, ask).annotate(opening_text=Cast("opening", TextField()))
    columns = RANKING_COLUMNS + (NAME_COLUMNS if ask.words else ())
    candidates = [
        c
        for row in rows.values_list(*columns, named=True)
        if (c := _candidate(row, query, ask)) is not None
    ]
    candidates.sort(key=_Candidate.rank)
    page = candidates[query.offset : query.offset + query.limit]
    details = _details([c.row.id for c in page])
    return SearchResults(
        hits=[_hit(c, details[c.row.id], query, ask) for c in page], total=len(candidates)
    )


def _details(entry_ids: list[int]) -> dict[int, Any]:
    """The rest of the page's entries, by id: one query, none for an empty page."""
    if not entry_ids:
        return {}
    rows = SearchEntry.objects.filter(id__in=entry_ids).values_list(*PAGE_COLUMNS, named=True)
    return {row.id: row for row in rows}


def query_from(
    *, near: str | None, open_now: bool, open_at: datetime | None, now: datetime, **filters: Any
) -> SearchQuery:
    """A SearchQuery from what a person typed, for the CLI and the API: `near` as text (a ZIP
    code, LAT,LON or an address), and "open now" as a flag that excludes `open_at`. Raises
    QueryError naming the field."""
    if open_now and open_at is not None:
        raise QueryError("open_at", "ask for open now or open at a time, not both")
    point = None
    if near is not None and near.strip():
        try:
            point = resolve_near(near, addresses=queries.addresses_on_street)
        except PlaceError as error:
            raise QueryError("near", error.reason) from None
    return SearchQuery(near=point, open_at=now if open_now else open_at, **filters)


def _check(query: SearchQuery, now: datetime) -> _Ask:
    words = tuple(dict.fromkeys(query.text.lower().split()))
    if len(words) > MAX_WORDS:
        raise QueryError("text", f"at most {MAX_WORDS} words")
    if query.within_km is not None and query.near is None:
        raise QueryError("within_km", "give near as well: within how far of where?")
    within = query.within_km if query.within_km is not None else DEFAULT_WITHIN_KM
    if not 0 < within <= MAX_WITHIN_KM:
        raise QueryError("within_km", f"{within} is not between 0 and {MAX_WITHIN_KM:.0f} km")
    if query.age is not None and not 0 <= query.age <= 130:
        raise QueryError("age", f"{query.age} is not an age in years (0-130)")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise QueryError("limit", f"{query.limit} is not between 1 and {MAX_LIMIT}")
    if query.offset < 0:
        raise QueryError("offset", f"{query.offset} is negative")
    languages = tuple(code.strip().lower() for code in query.languages)
    for code in languages:
        if not _LANGUAGE.match(code):
            raise QueryError("languages", f"{code!r} is not a language code such as es or zh-hant")
    return _Ask(
        words=words,
        categories=_known("categories", query.categories, "category"),
        languages=languages,
        payments=_known("payments", query.payments, "payment"),
        box=bounding_box(query.near, within) if query.near else None,
        within_km=within if query.near else None,
        at=query.open_at or now,
        at_is_instant=timezone.is_aware(query.open_at or now),
        now=now,
        max_age=settings.DIRECTORY_CAPACITY_MAX_AGE,
    )


def _known(field: str, codes: tuple[str, ...], group: taxonomy.Group) -> tuple[str, ...]:
    known = taxonomy.crossroads_taxonomy().codes(group)
    for code in codes:
        if code not in known:
            raise QueryError(field, f"unknown {group} {code!r}; known: {', '.join(known)}")
    return tuple(dict.fromkeys(codes))


def _filtered(query: SearchQuery, ask: _Ask) -> QuerySet[SearchEntry]:
    conditions = [Q(text__contains=word) for word in ask.words]
    for column, codes in (
        ("categories", ask.categories),
        ("languages", ask.languages),
        ("payments", ask.payments),
    ):
        if codes:
            conditions.append(_any_of(column, codes))
    if query.police_drop_off:
        conditions.append(Q(police_drop_off=True))
    if query.walk_in:
        conditions.append(Q(walk_in=True))
    if query.age is not None:
        conditions.append(Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age))
        conditions.append(Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age))
    if query.has_capacity:
        fresh_since = ask.now - ask.max_age
        conditions.append(Q(capacity_open=True, capacity_reported_at__gte=fresh_since))
    entries = SearchEntry.objects.order_by().filter(*conditions)
    return _in_box(entries, ask.box) if ask.box is not None else entries


def _any_of(column: str, codes: tuple[str, ...]) -> Q:
    match = Q()
    for code in codes:
        match |= Q(**{f"{column}__contains": f"|{code}|"})
    return match


def _in_box(entries: QuerySet[SearchEntry], box: Box) -> QuerySet[SearchEntry]:
    """The entries whose point lies in the box, joined through the spatial index.

    A join, not `id IN (SELECT ...)`: SQLite would first copy the ids into a temporary index.
    Django has no expression for joining a table without a model, so this uses extra() with
    bound parameters."""
    join = f"{GEO_TABLE}.id = {SearchEntry._meta.db_table}.id"
    if connection.vendor == "postgresql":  # x is the longitude, y the latitude
        inside = f"{GEO_TABLE}.position <@ box(point(%s, %s), point(%s, %s))"
        params = [box.min_lon, box.min_lat, box.max_lon, box.max_lat]
    else:
        # The R*Tree keeps 32-bit floats rounded outward, so the overlap test is never too
        # tight; the exact distance cut follows in Python.
        inside = (
            f"{GEO_TABLE}.max_lat >= %s AND {GEO_TABLE}.min_lat <= %s "
            f"AND {GEO_TABLE}.max_lon >= %s AND {GEO_TABLE}.min_lon <= %s"
        )
        params = [box.min_lat, box.max_lat, box.min_lon, box.max_lon]
    return entries.extra(tables=[GEO_TABLE], where=[join, inside], params=params)  # noqa: S610  # nosec B610


def _candidate(row: Any, query: SearchQuery, ask: _Ask) -> _Candidate | None:
    distance = None
    if query.near is not None:
        distance = haversine_km(query.near.lat, query.near.lon, row.latitude, row.longitude)
        if ask.within_km is not None and distance > ask.within_km:
            return None
    rules = None if row.always_open else _rules(row)
    open_now = True if rules is None else _open_at(row, rules, ask)
    if query.open_at is not None and open_now is not True:
        return None
    return _Candidate(
        row=row,
        rules=rules,
        distance_km=distance,
        open_now=open_now,
        capacity=freshness.capacity_state(
            has_room=row.capacity_open,
            reported_at=row.capacity_reported_at,
            now=ask.now,
            max_age=ask.max_age,
        ),
        # With one category asked, SQL let through only the rows that have it.
        matched=len(ask.categories) if len(ask.categories) < 2 else _matched(row, ask),
        strength=_strength(row, ask) if ask.words else 0,
    )


def _matched(row: Any, ask: _Ask) -> int:
    return sum(f"|{code}|" in row.categories for code in ask.categories)


def _strength(row: Any, ask: _Ask) -> int:
    """Every word is in the row's text (SQL saw to it); in its names, it counts double."""
    named = f"{row.name} {row.organization_name}".lower()
    return sum(2 if word in named else 1 for word in ask.words)


def _rules(row: Any) -> list[opening.Rule]:
    return _parsed(row.opening_text)


@lru_cache(maxsize=4096)
def _parsed(opening_text: str) -> list[opening.Rule]:
    """Compiled hours, read once per distinct text: most places share a few common schedules
    (weekdays 9 to 5). Callers only read the rules."""
    rules: list[opening.Rule] = json.loads(opening_text)
    return rules


def _local(row: Any, ask: _Ask) -> datetime:
    local = ask.at_in_zone.get(row.time_zone)
    if local is None:
        zone = ZoneInfo(row.time_zone)
        local = ask.at.astimezone(zone) if ask.at_is_instant else ask.at.replace(tzinfo=zone)
        ask.at_in_zone[row.time_zone] = local
    return local


def _open_at(row: Any, rules: list[opening.Rule], ask: _Ask) -> bool | None:
    if not rules:
        return None
    local = _local(row, ask)
    return opening.is_open(
        rules,
        local,
        holidays=_holidays_near(row, local),
        closed_on_holidays=row.closed_on_holidays,
    )


def _holidays_near(row: Any, local: datetime) -> Collection[date]:
    if not row.closed_on_holidays:
        return ()
    return holiday_dates(row.holiday_region, local.year)


@cache
def _term_names() -> dict[str, str]:
    return {t.code: t.name for t in taxonomy.crossroads_taxonomy().terms}


@lru_cache(maxsize=512)
def holiday_dates(region: str, year: int) -> frozenset[date]:
    """Public holidays of a region ("US-OH", or a country "US") in `year` and the years beside
    it (an overnight span, or a look ahead, crosses New Year). A region the holidays package
    does not know falls back to its country; no region, no holidays."""
    country, _, subdivision = region.partition("-")
    if not country:
        return frozenset()
    years = (year - 1, year, year + 1)
    try:
        found = public_holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    except NotImplementedError:
        try:
            found = public_holidays.country_holidays(country, years=years)
        except NotImplementedError:
            return frozenset()
    return frozenset(found)


def _hit(candidate: _Candidate, detail: Any, query: SearchQuery, ask: _Ask) -> SearchHit:
    row = candidate.row
    local = _local(row, ask)
    return SearchHit(
        entry_id=row.id,
        service_id=detail.service_id,
        service_at_location_id=detail.service_at_location_id,
        location_id=detail.location_id,
        name=detail.name,
        organization_name=detail.organization_name,
        location_name=detail.location_name,
        address=detail.address,
        latitude=row.latitude,
        longitude=row.longitude,
        distance_km=None if candidate.distance_km is None else round(candidate.distance_km, 2),
        categories=_codes(row.categories),
        open_now=candidate.open_now,
        opening_note=_opening_note(candidate, local, ask),
        capacity_state=candidate.capacity,
        capacity_reported_at=row.capacity_reported_at,
        verified_on=detail.verified_on,
        freshness=freshness_label(detail.verified_on, ask.now),
        police_drop_off=detail.police_drop_off,
        walk_in=detail.walk_in,
        languages=_codes(detail.languages),
        payments=_codes(detail.payments),
        reasons=_reasons(candidate, detail, query, ask),
    )


def _opening_note(candidate: _Candidate, local: datetime, ask: _Ask) -> str:
    """opening.describe, once per distinct schedule and zone on the page (places share a few
    common schedules)."""
    row = candidate.row
    key = (row.opening_text, row.time_zone, row.closed_on_holidays, row.holiday_region)
    if key not in ask.notes:
        ask.notes[key] = opening.describe(
            candidate.hours(),
            local,
            holidays=_holidays_near(row, local),
            closed_on_holidays=row.closed_on_holidays,
        )
    return ask.notes[key]


def _codes(bars: str) -> tuple[str, ...]:
    return tuple(code for code in bars.split("|") if code)


def freshness_label(verified_on: date | None, now: datetime) -> str:
    """How fresh a listing is, as a person would say it."""
    if verified_on is None:
        return "never verified"
    today = timezone.localdate(now, settings.DISPLAY_TIME_ZONE)
    days = (today - verified_on).days
    if freshness.verification_overdue(
        verified_on=verified_on, today=today, within=settings.DIRECTORY_VERIFY_WITHIN
    ):
        return f"not verified in {days} days"
    if days <= 0:
        return "verified today"
    return "verified yesterday" if days == 1 else f"verified {days} days ago"


def _reasons(candidate: _Candidate, detail: Any, query: SearchQuery, ask: _Ask) -> tuple[str, ...]:
    names = _term_names()
    reasons = [names[code] for code in ask.categories if f"|{code}|" in candidate.row.categories]
    if ask.words:
        reasons.append(f"words: {' '.join(ask.words)}")
    if candidate.open_now and query.open_at not in (None, ask.now):
        reasons.append("open at the time asked")
    elif candidate.open_now:
        reasons.append("open now")
    if candidate.capacity is freshness.CapacityState.OPEN:
        reasons.append("room now")
    if query.police_drop_off:
        reasons.append("accepts police drop-off")
    if query.walk_in:
        reasons.append("walk-in")
    if query.age is not None:
        reasons.append(f"serves age {query.age}")
    spoken = [code for code in ask.languages if f"|{code}|" in detail.languages]
    if spoken:
        reasons.append(f"speaks {', '.join(spoken)}")
    taken = [names[code] for code in ask.payments if f"|{code}|" in detail.payments]
    if taken:
        reasons.append(f"takes {', '.join(taken).lower()}")
    if candidate.distance_km is not None:
        reasons.append(f"{candidate.distance_km:.1f} km away")
    return tuple(reasons)
