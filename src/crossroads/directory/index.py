"""The search index: one flat SearchEntry per place a service is offered, and its point in the
spatial index (`directory_search_geo`: an R*Tree on SQLite, a GiST-indexed point on PostgreSQL).

Derived data, rebuilt from the HSDS records and capacity reports: actions call
`refresh_search_entries` after an import or an approved edit, and `refresh_capacity` after a
capacity report, inside their own transaction. This module therefore writes no audit events;
the action that called it records the one event of its write.

How a service becomes entries (docs/directory.md, "Search"):
- one entry per service_at_location, and one without a place for a service offered at no
  location (a crisis line); services whose status is not "active" are left out;
- categories, access flags and payments come from attributes on the service, the location or
  the service_at_location whose term is a Crossroads term, or an agency term mapped to one
  (TermMapping); an attribute whose value is false/no/0 says the opposite and is skipped; a
  cost option of amount 0 also means free;
- languages are the codes of the service's and the location's language rows;
- opening hours: the service_at_location's schedules if any, else the location's, else the
  service's, compiled by opening.py (a schedule that cannot be read leaves the hours unknown,
  and is logged);
- time zone from the coordinates (tzfpy), else DIRECTORY_DEFAULT_TIME_ZONE; holiday region
  from the address's country and state ("US-OH");
- capacity: the newest report of each kind at the site; open if any of those has room, and
  then dated by the newest report with room (so a fresh "full" of one kind never makes a
  stale "room" of another look fresh); else dated by the newest report;
- verified_on: the older of the service's and the location's last_verified_on, else the
  service's assured_date.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import tzfpy
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q

from crossroads.directory import opening, places, taxonomy
from crossroads.directory.models import (
    Address,
    Attribute,
    CapacityReport,
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    SearchEntry,
    Service,
    ServiceAtLocation,
    TermMapping,
)

log = logging.getLogger(__name__)

CHUNK = 2_000  # services per batch: bounded memory, and well under every parameter limit
GEO_TABLE = "directory_search_geo"
NEGATIVE_VALUES = {"false", "no", "n", "0"}
SCHEDULE_FIELDS = ("id", *(f.name for f in fields(opening.ScheduleRow)))
OWNER_FIELDS = ("service_id", "location_id", "service_at_location_id")
COUNTRY_CODES = {"US": "US", "USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US"}

T = TypeVar("T")
Row = Mapping[str, Any]  # a record as .values() reads it


# --- Rebuilding entries ----------------------------------------------------------------------


def refresh_search_entries(*, service_ids: Collection[UUID] | None = None) -> int:
    """Rebuild the entries of these services (None: of every service); returns how many
    entries they now have. A service that no longer exists, or is not active, loses its own."""
    with transaction.atomic():
        if service_ids is None:
            _delete_places(None)
            SearchEntry.objects.all().delete()
            ids: list[UUID] = list(Service.objects.order_by("id").values_list("id", flat=True))
        else:
            ids = sorted(set(service_ids))
        terms = _TermReader.load()
        made = 0
        for chunk in _batches(ids, CHUNK):
            if service_ids is not None:
                _delete_places(chunk)
                SearchEntry.objects.filter(service_id__in=chunk).delete()
            entries = SearchEntry.objects.bulk_create(_Batch(chunk, terms).entries())
            _add_places(entries)
            made += len(entries)
    return made


def services_tagged_with(term_id: UUID) -> set[UUID]:
    """The services whose entries read this term: tagged themselves, or at a tagged location
    or site."""
    tagged = Attribute.objects.filter(taxonomy_term_id=term_id)
    by_entity: dict[str, set[UUID]] = defaultdict(set)
    for entity, link_id in tagged.values_list("link_entity", "link_id"):
        by_entity[entity].add(link_id)
    sites = ServiceAtLocation.objects.filter(
        Q(location_id__in=by_entity["location"]) | Q(id__in=by_entity["service_at_location"])
    )
    return by_entity["service"] | set(sites.values_list("service_id", flat=True))


def refresh_capacity(*, site_ids: Collection[UUID]) -> None:
    """The cheap path after a capacity report: only these sites' capacity columns change."""
    with transaction.atomic():
        for chunk in _batches(sorted(set(site_ids)), CHUNK):
            summaries = capacity_summaries(chunk)
            for site_id in chunk:
                has_room, reported_at = summaries.get(site_id, (None, None))
                SearchEntry.objects.filter(service_at_location_id=site_id).update(
                    capacity_open=has_room, capacity_reported_at=reported_at
                )


def capacity_summaries(site_ids: Collection[UUID]) -> dict[UUID, tuple[bool, datetime]]:
    """Per site: whether any newest-of-its-kind report has room, and when (module docstring)."""
    newest: dict[tuple[UUID, str], datetime] = {
        (row["service_at_location_id"], row["kind"]): row["at"]
        for row in CapacityReport.objects.filter(service_at_location_id__in=site_ids)
        .values("service_at_location_id", "kind")
        .annotate(at=Max("reported_at"))
        .order_by()
    }
    current = [
        report
        for report in CapacityReport.objects.filter(
            service_at_location_id__in={site for site, _ in newest},
            reported_at__in=set(newest.values()),
        ).order_by("id")
        if newest.get((report.service_at_location_id, report.kind)) == report.reported_at
    ]
    by_site: dict[UUID, list[CapacityReport]] = defaultdict(list)
    for report in current:
        by_site[report.service_at_location_id].append(report)
    summaries = {}
    for site, reports in by_site.items():
        with_room = [r.reported_at for r in reports if r.has_room]
        summaries[site] = (
            (True, max(with_room)) if with_room else (False, max(r.reported_at for r in reports))
        )
    return summaries


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- The spatial index -----------------------------------------------------------------------


def _delete_places(service_ids: Sequence[UUID] | None) -> None:
    """Remove the index points of these services' entries (None: all). PostgreSQL would
    cascade from the entries; SQLite's R*Tree cannot reference them, so both delete here."""
    with connection.cursor() as cursor:
        if service_ids is None:
            cursor.execute(f"DELETE FROM {GEO_TABLE}")  # noqa: S608  # nosec B608 (a constant)
            return
        entry_ids = list(
            SearchEntry.objects.filter(service_id__in=service_ids).values_list("id", flat=True)
        )
        for chunk in _batches(entry_ids, CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {GEO_TABLE} WHERE id IN ({marks})", chunk)  # noqa: S608  # nosec B608


def _add_places(entries: Iterable[SearchEntry]) -> None:
    # An upsert: a point left behind for a reused id (the geo table is no model, so a test
    # database flush does not empty it) is replaced, never a reason to fail.
    located = [e for e in entries if e.latitude is not None and e.longitude is not None]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # x is the longitude, y the latitude
            cursor.executemany(
                f"INSERT INTO {GEO_TABLE} (id, position) VALUES (%s, point(%s, %s)) "  # noqa: S608  # nosec B608
                "ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position",
                [(e.id, e.longitude, e.latitude) for e in located],
            )
        else:
            cursor.executemany(
                f"INSERT OR REPLACE INTO {GEO_TABLE} "  # noqa: S608
                "(id, min_lat, max_lat, min_lon, max_lon) VALUES (%s, %s, %s, %s, %s)",
                [(e.id, e.latitude, e.latitude, e.longitude, e.longitude) for e in located],
            )


# --- Reading one batch of services -----------------------------------------------------------


@dataclass(frozen=True)
class _TermReader:
    """What each taxonomy term id means in Crossroads codes: its own, or those mapped onto it."""

    codes: dict[UUID, frozenset[str]]
    names: dict[str, str]
    groups: dict[str, taxonomy.Group]

    @classmethod
    def load(cls) -> _TermReader:
        shipped = taxonomy.crossroads_taxonomy()
        known = {t.code for t in shipped.terms if t.parent_id is not None}
        codes: dict[UUID, set[str]] = defaultdict(set)
        for term in shipped.terms:
            if term.code in known:
                codes[term.id].add(term.code)
        for term_id, code in TermMapping.objects.values_list("term_id", "category"):
            if code in known:
                codes[term_id].add(code)
        return cls(
            codes={k: frozenset(v) for k, v in codes.items()},
            names={t.code: t.name for t in shipped.terms},
            groups={t.code: t.group for t in shipped.terms},
        )


@dataclass
class _Terms:
    """The codes gathered for one entry."""

    categories: set[str] = field(default_factory=set)
    access: set[str] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)

    def add(self, codes: Iterable[str], reader: _TermReader) -> None:
        for code in codes:
            group = reader.groups[code]
            if group == "category":
                self.categories.add(code)
            elif group == "access":
                self.access.add(code)
            else:
                self.payments.add(code)


class _Batch:
    """The HSDS records of one chunk of services, fetched in a fixed number of queries."""

    def __init__(self, service_ids: Sequence[UUID], terms: _TermReader) -> None:
        self.terms = terms
        self.services: dict[UUID, Row] = {
            s["id"]: s
            for s in Service.objects.filter(id__in=service_ids).values(
                "id",
                "organization_id",
                "name",
                "alternate_name",
                "description",
                "status",
                "minimum_age",
                "maximum_age",
                "assured_date",
                "last_verified_on",
            )
            if (s["status"] or "").strip().lower() == "active"
        }
        ids = list(self.services)
        self.organizations = dict(
            Organization.objects.filter(
                id__in={s["organization_id"] for s in self.services.values()}
            ).values_list("id", "name")
        )
        self.sites: list[Row] = list(
            ServiceAtLocation.objects.filter(service_id__in=ids)
            .order_by("id")
            .values("id", "service_id", "location_id")
        )
        location_ids = {s["location_id"] for s in self.sites}
        site_ids = [s["id"] for s in self.sites]
        self.locations: dict[UUID, Row] = {
            loc["id"]: loc
            for loc in Location.objects.filter(id__in=location_ids).values(
                "id", "name", "latitude", "longitude", "last_verified_on"
            )
        }
        self.addresses = self._addresses(location_ids)
        self.attributes = self._attributes([*ids, *location_ids, *site_ids])
        self.languages = self._languages(ids, location_ids)
        self.free = set(
            CostOption.objects.filter(service_id__in=ids, amount=0).values_list(
                "service_id", flat=True
            )
        )
        self.schedules = self._schedules(ids, location_ids, site_ids)
        self.capacity = capacity_summaries(site_ids)
        self.compiled: dict[tuple[UUID, ...], list[opening.Rule]] = {}

    def _addresses(self, location_ids: set[UUID]) -> dict[UUID, Row]:
        """One address per location: the physical one if it has one."""
        chosen: dict[UUID, Row] = {}
        rows = Address.objects.filter(location_id__in=location_ids).order_by("id")
        columns = ("address_1", "city", "state_province", "postal_code", "country")
        for row in rows.values("location_id", "address_type", *columns):
            held = chosen.get(row["location_id"])
            physical = row["address_type"] == "physical"
            if held is None or (physical and held["address_type"] != "physical"):
                chosen[row["location_id"]] = row
        return chosen

    def _attributes(self, link_ids: list[UUID]) -> dict[UUID, set[str]]:
        codes: dict[UUID, set[str]] = defaultdict(set)
        for chunk in _batches(link_ids, CHUNK):
            rows = Attribute.objects.filter(
                link_id__in=chunk, taxonomy_term_id__in=list(self.terms.codes)
            ).values_list("link_id", "taxonomy_term_id", "value")
            for link_id, term_id, value in rows:
                if (value or "").strip().lower() not in NEGATIVE_VALUES:
                    codes[link_id] |= self.terms.codes[term_id]
        return codes

    def _languages(self, service_ids: list[UUID], location_ids: set[UUID]) -> dict[UUID, set[str]]:
        codes: dict[UUID, set[str]] = defaultdict(set)
        for owner in ("service_id", "location_id"):
            wanted = service_ids if owner == "service_id" else location_ids
            rows = Language.objects.filter(**{f"{owner}__in": wanted, "code__isnull": False})
            for owner_id, code in rows.values_list(owner, "code"):
                if code.strip():
                    codes[owner_id].add(code.strip().lower())
        return codes

    def _schedules(
        self, service_ids: list[UUID], location_ids: set[UUID], site_ids: list[UUID]
    ) -> dict[str, dict[UUID, list[Row]]]:
        """Schedules by what they belong to: "site" (a service_at_location), "location" (read
        for a service there only if the row names no other service) and "service" (at no
        particular location)."""
        found: dict[str, dict[UUID, list[Row]]] = {
            "site": defaultdict(list),
            "location": defaultdict(list),
            "service": defaultdict(list),
        }
        seen: set[UUID] = set()
        for owner, wanted in (
            ("service_at_location_id", site_ids),
            ("location_id", location_ids),
            ("service_id", service_ids),
        ):
            rows = Schedule.objects.filter(**{f"{owner}__in": wanted}).order_by("id")
            for row in rows.values(*SCHEDULE_FIELDS, *OWNER_FIELDS):
                if row["id"] in seen:
                    continue
                seen.add(row["id"])
                if row["service_at_location_id"]:
                    found["site"][row["service_at_location_id"]].append(row)
                elif row["location_id"]:
                    found["location"][row["location_id"]].append(row)
                else:
                    found["service"][row["service_id"]].append(row)
        return found

    # --- Building entries ---

    def entries(self) -> list[SearchEntry]:
        sites_of: dict[UUID, list[Row]] = defaultdict(list)
        for site in self.sites:
            sites_of[site["service_id"]].append(site)
        built: list[SearchEntry] = []
        for service_id, service in self.services.items():
            sites: list[Row | None] = [*sites_of.get(service_id, [])] or [None]
            built.extend(self._entry(service, site) for site in sites)
        return built

    def _entry(self, service: Row, site: Row | None) -> SearchEntry:
        location = self.locations.get(site["location_id"]) if site else None
        address = self.addresses.get(location["id"]) if location else None
        owners = [service["id"], *([site["location_id"], site["id"]] if site else [])]
        terms = _Terms()
        for owner in owners:
            terms.add(self.attributes.get(owner, ()), self.terms)
        if service["id"] in self.free:
            terms.payments.add("free")
        lat, lon = (location["latitude"], location["longitude"]) if location else (None, None)
        # HSDS keeps coordinates off the globe as given (latitude 100): no place to index.
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            lat = lon = None
        has_room, reported_at = (
            self.capacity.get(site["id"], (None, None)) if site else (None, None)
        )
        compiled = self._opening(service, site)
        closed_on_holidays = "closed-on-holidays" in terms.access
        organization_name = self.organizations.get(service["organization_id"], "")
        return SearchEntry(
            service_id=service["id"],
            location_id=site["location_id"] if site else None,
            service_at_location_id=site["id"] if site else None,
            organization_id=service["organization_id"],
            name=service["name"],
            organization_name=organization_name,
            location_name=(location or {}).get("name") or "",
            address=_address_line(address),
            text=self._text(service, organization_name, location, address, terms.categories),
            latitude=lat,
            longitude=lon,
            categories=_bars(terms.categories),
            languages=_bars(
                self.languages.get(service["id"], set())
                | (self.languages.get(location["id"], set()) if location else set())
            ),
            payments=_bars(terms.payments),
            police_drop_off="police-drop-off" in terms.access,
            walk_in="walk-in" in terms.access,
            minimum_age=service["minimum_age"],
            maximum_age=service["maximum_age"],
            time_zone=_time_zone(lat, lon),
            always_open=opening.always_open(compiled) and not closed_on_holidays,
            opening=compiled,
            closed_on_holidays=closed_on_holidays,
            holiday_region=_holiday_region(address),
            capacity_open=has_room,
            capacity_reported_at=reported_at,
            verified_on=_verified_on(service, location),
        )

    def _opening(self, service: Row, site: Row | None) -> list[opening.Rule]:
        at_location = (
            [
                row
                for row in self.schedules["location"].get(site["location_id"], [])
                if row["service_id"] in (None, service["id"])
            ]
            if site
            else []
        )
        rows = (
            (self.schedules["site"].get(site["id"]) if site else None)
            or at_location
            or self.schedules["service"].get(service["id"])
            or []
        )
        key = tuple(row["id"] for row in rows)
        if key not in self.compiled:
            try:
                self.compiled[key] = opening.compile_schedules(rows)
            except opening.ScheduleError as error:
                log.warning(
                    "service %s: schedule not read, hours unknown: %s", service["id"], error
                )
                self.compiled[key] = []
        return self.compiled[key]

    def _text(
        self,
        service: Row,
        organization_name: str,
        location: Row | None,
        address: Row | None,
        categories: set[str],
    ) -> str:
        parts = [
            service["name"],
            service["alternate_name"],
            service["description"],
            organization_name,
            (location or {}).get("name"),
            _address_line(address),
            *(self.terms.names[code] for code in sorted(categories)),
        ]
        return " ".join(" ".join(part.lower().split()) for part in parts if part)


def _bars(codes: Iterable[str]) -> str:
    """Codes as |a|b|, so one code is matched with LIKE '%|a|%'."""
    ordered = sorted(codes)
    return f"|{'|'.join(ordered)}|" if ordered else ""


def _address_line(address: Row | None) -> str:
    if address is None:
        return ""
    region = " ".join(p for p in (address["state_province"], address["postal_code"]) if p)
    return ", ".join(p for p in (address["address_1"], address["city"], region) if p)


def _time_zone(lat: float | None, lon: float | None) -> str:
    zone = tzfpy.get_tz(lon, lat) if lat is not None and lon is not None else ""
    # At sea tzfpy answers a nautical zone (Etc/GMT+5); a directory's places are on land.
    if not zone or zone.startswith("Etc/"):
        return str(settings.DIRECTORY_DEFAULT_TIME_ZONE)
    return str(zone)


def _holiday_region(address: Row | None) -> str:
    if address is None:
        return ""
    raw_country = (address["country"] or "").strip().upper()
    country = COUNTRY_CODES.get(raw_country, raw_country if len(raw_country) == 2 else "")
    state = (address["state_province"] or "").strip().upper()
    if country == "US" and len(state) != 2:  # "Ohio": the ZIP code knows the state
        state = _zip_state(address["postal_code"] or "")
    if not country:
        return ""
    return f"{country}-{state}" if len(state) == 2 else country


def _zip_state(postal_code: str) -> str:
    found = places.zip_record(postal_code[:5])
    return str(found["state"]) if found else ""


def _verified_on(service: Row, location: Row | None) -> date | None:
    verified: list[date] = [
        d for d in (service["last_verified_on"], (location or {}).get("last_verified_on")) if d
    ]
    assured: date | None = service["assured_date"]
    return min(verified) if verified else assured
