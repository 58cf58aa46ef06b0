"""Directory search over 100,000 services: geo + category + open now, end to end and in its core.

The directory: 100,000 active services of 5,000 organisations, written straight into the HSDS
tables with bulk_create (an import of this size through the audited action is the exchange
bench's business), then indexed with the product's own `index.refresh_search_entries()` (timed).
Places spread over an Ohio-sized rectangle (38.45-41.95 N, 84.8-80.55 W, about 390 x 360 km):
70% around 16 towns weighted like Ohio's cities (Gaussian, sigma 8 km), 30% anywhere; 10% of
services have a second site, 2% none (phone lines). Each has 1-2 of the 11 categories, access
flags, payments, languages, and hours: around the clock 15%, weekdays 09-17 40%, Mon-Sat 08-20
15%, every night 19-07 10%, the 1st and 3rd Tuesday 10-14 5%, none given 15%. A quarter of the
sites have capacity reports of 1-2 kinds, 0-24 hours old (none within 30 minutes of the 12-hour
line, so no answer changes while the bench runs).

The query (the issue's combined query): within 10 km of a point, one category, open at
Wednesday 14:00 Eastern (an instant, read in each place's zone), first page of 20; a second set
adds "has capacity now". Points: 60% near a town (which holds hundreds of matches), 40% anywhere.
Timed per point, interleaved, rotating which goes first:
- api: GET /api/v1/directory/search through django.test.Client in process (middleware, bearer
  token auth, ninja, JSON) - "end to end" short of a WSGI server and the network;
- cli: `call_command("directory", "search", ..., "--json")` in process (no interpreter start-up);
- core: `search.search(SearchQuery(...), now=...)`;
- rtree: a hand-written SQL query through the spatial index (SQLite R*Tree; PostgreSQL GiST,
  `position <@ box`) joined to the entries with the category test, then the exact distance cut
  and the same opening.is_open check in a tight loop: the least the answer costs;
- scan: the same without the spatial index (latitude/longitude BETWEEN on the entries: a scan).
Every point is checked untimed: core's full answer (paged through), rtree's and scan's are the
same entries (so the same services); api and cli answer core's total and first page.
Target (issue 4): api p95 under 50 ms (exit 1 if not); goal: core within 1.5x of rtree.

Run: `make bench`, or `.venv/bin/python bench/bench_directory_search.py [--services N]
[--points N] [--database postgres]`.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

SERVICES = 100_000
POINTS = 300
CAPACITY_POINTS = 100
RADIUS_KM = 10.0
PAGE = 20
TARGET_P95_MS = 50.0
GOAL_RATIO = 1.5
WARM_UP = 10
BATCH = 5_000
STATE = (38.45, 41.95, -84.80, -80.55)  # min lat, max lat, min lon, max lon
TOWNS = [  # name, lat, lon, weight
    ("Columbus", 39.9612, -82.9988, 20),
    ("Cleveland", 41.4993, -81.6944, 16),
    ("Cincinnati", 39.1031, -84.5120, 15),
    ("Toledo", 41.6528, -83.5379, 8),
    ("Akron", 41.0814, -81.5190, 7),
    ("Dayton", 39.7589, -84.1916, 8),
    ("Youngstown", 41.0998, -80.6495, 4),
    ("Canton", 40.7989, -81.3784, 4),
    ("Lorain", 41.4528, -82.1824, 3),
    ("Springfield", 39.9242, -83.8088, 3),
    ("Mansfield", 40.7584, -82.5154, 2),
    ("Lima", 40.7426, -84.1052, 2),
    ("Athens", 39.3292, -82.1013, 2),
    ("Zanesville", 39.9403, -82.0132, 2),
    ("Findlay", 41.0442, -83.6499, 2),
    ("Sandusky", 41.4489, -82.7080, 2),
]
CATEGORY_WEIGHTS = {
    "outpatient-mental-health": 20,
    "peer-recovery": 12,
    "harm-reduction": 10,
    "housing-shelter": 10,
    "moud": 10,
    "naloxone": 9,
    "residential-sud": 7,
    "withdrawal-management": 6,
    "crisis-stabilisation": 5,
    "mobile-crisis": 5,
    "crisis-line": 6,
}
PAYMENTS = ["free", "sliding-scale", "medicaid", "medicare", "private-insurance", "uninsured"]
HOURS = [  # weight, schedule rows (freq, byday, opens, closes)
    (15, [("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00")]),
    (40, [("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00")]),
    (15, [("WEEKLY", "MO,TU,WE,TH,FR,SA", "08:00", "20:00")]),
    (10, [("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "19:00", "07:00")]),
    (5, [("MONTHLY", "1TU,3TU", "10:00", "14:00")]),
    (15, []),
]
WORDS = ["Valley", "River", "Hope", "Harbor", "Summit", "Lakeside", "Prairie", "Maple", "Unity"]
KINDS = ["Center", "Clinic", "House", "Services", "Recovery", "Outreach", "Place", "Project"]
OPEN_AT = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)  # Wednesday 14:00 in Ohio


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=SERVICES, help=f"({SERVICES:,})")
    parser.add_argument("--points", type=int, default=POINTS, help=f"query points ({POINTS})")
    args = _setup.arguments(parser=parser)
    _setup.django_for_bench(database=args.database, fast_passwords=True)

    from django.db import connection

    from crossroads.core import actions

    started = time.perf_counter()
    rng = random.Random(4)
    now = datetime.now(UTC)
    seconds = _setup.timed(lambda: write_directory(rng, args.services, now))
    print(f"directory: {args.services:,} services written with bulk_create in {seconds:.0f} s")
    entries, build = index_timings()
    print(
        f"index: refresh_search_entries() over all: {entries:,} entries in {build:.1f} s "
        f"({entries / build:,.0f} entries/s); one service: {single_refresh_ms():.1f} ms; "
        f"refresh_capacity for one site: {capacity_refresh_ms():.2f} ms (medians of 20)"
    )
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would gather
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    officer = actions.user_create(
        by=None,
        agency=_setup.bench_agency(),
        username="bench.officer",
        email="officer@example.org",
        first_name="Bench",
        last_name="Officer",
        password=_setup.BENCH_PASSWORD,
        roles=["officer"],
    )
    _token, secret = actions.api_token_create(by=officer, name="bench")
    ways = Ways(secret)
    points = [random_query(rng, has_capacity=False) for _ in range(args.points)]
    capacity_points = [random_query(rng, has_capacity=True) for _ in range(CAPACITY_POINTS)]
    for label, queries in (
        ("geo 10 km + category + open now", points),
        ("... + has capacity now", capacity_points),
    ):
        report(label, ways, queries)
    whole_state(ways)
    print(f"bench_directory_search done in {time.perf_counter() - started:.0f} s")


# --- The directory ----------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _place(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.7:
        _, lat, lon, _ = rng.choices(TOWNS, weights=[t[3] for t in TOWNS])[0]
        sigma = 8.0 / 111.2
        return lat + rng.gauss(0, sigma), lon + rng.gauss(0, sigma / math.cos(math.radians(lat)))
    return rng.uniform(STATE[0], STATE[1]), rng.uniform(STATE[2], STATE[3])


def write_directory(rng: random.Random, services: int, now: datetime) -> None:
    """HSDS rows for the whole directory, in bulk (see the module docstring)."""
    from django.db import transaction

    from crossroads.directory import taxonomy
    from crossroads.directory.models import (
        Address,
        Attribute,
        CapacityReport,
        Language,
        Location,
        Organization,
        Schedule,
        Service,
        ServiceAtLocation,
    )

    rows: dict[type, list[Any]] = {
        model: []
        for model in (
            Organization,
            Service,
            Location,
            Address,
            ServiceAtLocation,
            Attribute,
            Schedule,
            Language,
            CapacityReport,
        )
    }
    organizations = [_uuid(rng) for _ in range(max(1, services // 20))]
    for n, org in enumerate(organizations):
        rows[Organization].append(
            Organization(id=org, name=f"{rng.choice(WORDS)} Health {n}", description="Bench.")
        )
    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())

    def tag(link_id: uuid.UUID, entity: str, code: str) -> None:
        rows[Attribute].append(
            Attribute(
                id=_uuid(rng),
                link_id=link_id,
                link_entity=entity,
                taxonomy_term_id=taxonomy.term_id(code),
            )
        )

    for n in range(services):
        service = _uuid(rng)
        codes = set(rng.choices(categories, weights=weights, k=rng.choice([1, 1, 2])))
        rows[Service].append(
            Service(
                id=service,
                organization_id=rng.choice(organizations),
                name=f"{rng.choice(WORDS)} {rng.choice(KINDS)} {n}",
                description="A bench service.",
                status="active",
                minimum_age=18 if rng.random() < 0.2 else None,
                maximum_age=17 if rng.random() < 0.1 else None,
            )
        )
        for code in codes:
            tag(service, "service", code)
        for code, share in (
            ("police-drop-off", 0.1),
            ("walk-in", 0.3),
            ("closed-on-holidays", 0.15),
        ):
            if rng.random() < share:
                tag(service, "service", code)
        for code in rng.sample(PAYMENTS, rng.randint(1, 3)):
            tag(service, "service", code)
        for code in ["en"] + (["es"] if rng.random() < 0.2 else []):
            rows[Language].append(Language(id=_uuid(rng), service_id=service, code=code))
        _, hours = rng.choices(HOURS, weights=[h[0] for h in HOURS])[0]
        for freq, byday, opens, closes in hours:
            rows[Schedule].append(
                Schedule(
                    id=_uuid(rng),
                    service_id=service,
                    freq=freq,
                    byday=byday,
                    opens_at=opens,
                    closes_at=closes,
                )
            )
        site_count = 0 if "crisis-line" in codes or rng.random() < 0.02 else 1
        site_count += 1 if site_count and rng.random() < 0.1 else 0
        for _ in range(site_count):
            location, site = _uuid(rng), _uuid(rng)
            lat, lon = _place(rng)
            rows[Location].append(
                Location(id=location, location_type="physical", latitude=lat, longitude=lon)
            )
            rows[Address].append(
                Address(
                    id=_uuid(rng),
                    location_id=location,
                    address_1=f"{rng.randint(1, 9999)} Main St",
                    city="Bench",
                    state_province="OH",
                    postal_code="43215",
                    country="US",
                    address_type="physical",
                )
            )
            rows[ServiceAtLocation].append(
                ServiceAtLocation(id=site, service_id=service, location_id=location)
            )
            if rng.random() < 0.25:
                for kind in rng.sample(
                    ["crisis_bed", "walk_in_slot", "shelter_bed"], rng.randint(1, 2)
                ):
                    hours_ago = rng.choice([rng.uniform(0, 11.5), rng.uniform(12.5, 24)])
                    rows[CapacityReport].append(
                        CapacityReport(
                            service_at_location_id=site,
                            kind=kind,
                            available=rng.randint(0, 5),
                            total=5,
                            accepting=rng.random() < 0.85,
                            reported_at=now - timedelta(hours=hours_ago),
                        )
                    )
    with transaction.atomic():
        for model, objects in rows.items():
            model.objects.bulk_create(objects, batch_size=BATCH)


def index_timings() -> tuple[int, float]:
    from crossroads.directory import index

    started = time.perf_counter()
    entries = index.refresh_search_entries()
    return entries, time.perf_counter() - started


def single_refresh_ms() -> float:
    from crossroads.directory import index
    from crossroads.directory.models import Service

    ids = list(Service.objects.order_by("?").values_list("id", flat=True)[:20])
    return _setup.median(
        [
            _setup.timed(lambda s=s: index.refresh_search_entries(service_ids=[s])) * 1000
            for s in ids
        ]
    )


def capacity_refresh_ms() -> float:
    from crossroads.directory import index
    from crossroads.directory.models import CapacityReport

    sites = list(
        CapacityReport.objects.values_list("service_at_location_id", flat=True).distinct()[:20]
    )
    return _setup.median(
        [_setup.timed(lambda s=s: index.refresh_capacity(site_ids=[s])) * 1000 for s in sites]
    )


# --- The ways to answer ------------------------------------------------------------------------


def random_query(rng: random.Random, *, has_capacity: bool) -> dict[str, Any]:
    if rng.random() < 0.6:
        _, lat, lon, _ = rng.choices(TOWNS, weights=[t[3] for t in TOWNS])[0]
        lat, lon = lat + rng.gauss(0, 0.04), lon + rng.gauss(0, 0.05)
    else:
        lat, lon = rng.uniform(STATE[0], STATE[1]), rng.uniform(STATE[2], STATE[3])
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    return {"lat": lat, "lon": lon, "category": category, "has_capacity": has_capacity}


class Ways:
    """The five ways of answering one query; each returns (total, first page's entry ids) or,
    for the baselines, the full set of entry ids."""

    def __init__(self, secret: str) -> None:
        from django.test import Client

        self.client = Client()
        self.bearer = {"Authorization": f"Bearer {secret}"}

    def core(
        self, q: dict[str, Any], *, limit: int = PAGE, offset: int = 0
    ) -> tuple[int, list[int]]:
        from django.utils import timezone

        from crossroads.directory.places import Point
        from crossroads.directory.search import SearchQuery, search

        found = search(
            SearchQuery(
                near=Point(q["lat"], q["lon"]),
                within_km=RADIUS_KM,
                categories=(q["category"],),
                open_at=OPEN_AT,
                has_capacity=q["has_capacity"],
                limit=limit,
                offset=offset,
            ),
            now=timezone.now(),
        )
        return found.total, [hit.entry_id for hit in found.hits]

    def core_all(self, q: dict[str, Any]) -> set[int]:
        total, ids = self.core(q, limit=100)
        while len(ids) < total:
            ids += self.core(q, limit=100, offset=len(ids))[1]
        return set(ids)

    def api(self, q: dict[str, Any]) -> tuple[int, list[int]]:
        params: dict[str, Any] = {
            "near": f"{q['lat']},{q['lon']}",
            "within_km": RADIUS_KM,
            "category": q["category"],
            "open_at": OPEN_AT.isoformat(),
            "limit": PAGE,
        }
        if q["has_capacity"]:
            params["has_capacity"] = "true"
        response = self.client.get("/api/v1/directory/search", params, headers=self.bearer)
        if response.status_code != 200:
            _setup.fail(f"the API answered {response.status_code}: {response.content[:300]!r}")
        body = json.loads(response.content)
        return body["total"], [hit["entry_id"] for hit in body["hits"]]

    def cli(self, q: dict[str, Any]) -> tuple[int, list[int]]:
        from django.core.management import call_command

        out = io.StringIO()
        call_command(
            "directory",
            "search",
            "--near",
            f"{q['lat']},{q['lon']}",
            "--within-km",
            str(RADIUS_KM),
            "--category",
            q["category"],
            "--open-at",
            OPEN_AT.isoformat(),
            *(["--has-capacity"] if q["has_capacity"] else []),
            "--json",
            stdout=out,
        )
        body = json.loads(out.getvalue())
        return body["total"], [hit["entry_id"] for hit in body["hits"]]

    def rtree(self, q: dict[str, Any]) -> set[int]:
        return _by_hand(q, spatial=True)

    def scan(self, q: dict[str, Any]) -> set[int]:
        return _by_hand(q, spatial=False)


COLUMNS = (
    "e.id, e.latitude, e.longitude, e.opening, e.time_zone, e.closed_on_holidays, "
    "e.holiday_region, e.always_open"
)


def _by_hand(q: dict[str, Any], *, spatial: bool) -> set[int]:
    """The answer from hand-written SQL and a tight loop over its rows (see the docstring)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from crossroads.directory import opening
    from crossroads.directory.places import Point, bounding_box, haversine_km
    from crossroads.directory.search import holiday_dates

    box = bounding_box(Point(q["lat"], q["lon"]), RADIUS_KM)
    if not spatial:
        sql = (
            f"SELECT {COLUMNS} FROM directory_searchentry AS e "  # noqa: S608 - constants
            "WHERE e.latitude BETWEEN %s AND %s AND e.longitude BETWEEN %s AND %s"
        )
        params: list[Any] = [box.min_lat, box.max_lat, box.min_lon, box.max_lon]
    elif connection.vendor == "postgresql":
        sql = (
            f"SELECT {COLUMNS} FROM directory_search_geo AS g "  # noqa: S608 - constants
            "JOIN directory_searchentry AS e ON e.id = g.id "
            "WHERE g.position <@ box(point(%s, %s), point(%s, %s))"
        )
        params = [box.min_lon, box.min_lat, box.max_lon, box.max_lat]
    else:
        sql = (
            f"SELECT {COLUMNS} FROM directory_search_geo AS g "  # noqa: S608 - constants
            "JOIN directory_searchentry AS e ON e.id = g.id "
            "WHERE g.max_lat >= %s AND g.min_lat <= %s AND g.max_lon >= %s AND g.min_lon <= %s"
        )
        params = [box.min_lat, box.max_lat, box.min_lon, box.max_lon]
    sql += " AND e.categories LIKE %s"
    params.append(f"%|{q['category']}|%")
    if q["has_capacity"]:
        sql += " AND e.capacity_open = %s AND e.capacity_reported_at >= %s"
        params += [True, timezone.now() - settings.DIRECTORY_CAPACITY_MAX_AGE]
    found = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for entry_id, lat, lon, rules, zone, closed, region, always in cursor.fetchall():
            if haversine_km(q["lat"], q["lon"], lat, lon) > RADIUS_KM:
                continue
            if always:
                found.add(entry_id)
                continue
            rules = json.loads(rules) if isinstance(rules, str) else rules
            local = OPEN_AT.astimezone(ZoneInfo(zone))
            days = holiday_dates(region, local.year) if closed else ()
            if rules and opening.is_open(rules, local, holidays=days, closed_on_holidays=closed):
                found.add(entry_id)
    return found


# --- Measuring ---------------------------------------------------------------------------------


def report(label: str, ways: Ways, queries: list[dict[str, Any]]) -> None:
    checked_answers(ways, queries)
    names = ["api", "cli", "core", "rtree", "scan"]
    runs: dict[str, Callable[[dict[str, Any]], object]] = {n: getattr(ways, n) for n in names}
    for q in queries[:WARM_UP]:
        for fn in runs.values():
            fn(q)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i, q in enumerate(queries):
        rotated = names[i % len(names) :] + names[: i % len(names)]
        for name in rotated:
            samples[name].append(_setup.timed(lambda n=name, q=q: runs[n](q)) * 1000)
    sizes = [ways.core(q)[0] for q in queries]
    print(
        f"{label}: {len(queries)} points, matches per query median {_setup.median(sizes):.0f} "
        f"(p95 {_setup.percentile(sizes, 95):.0f}, max {max(sizes)})"
    )
    for name in names:
        print(
            f"  {name:5} p50 {_p(samples[name], 50):6.2f} ms   p95 {_p(samples[name], 95):6.2f} ms"
        )
    rtree = samples["rtree"]
    for name in ("core", "api", "scan"):
        print(
            f"  {name}/rtree: p50 {_p(samples[name], 50) / _p(rtree, 50):.2f}x "
            f"p95 {_p(samples[name], 95) / _p(rtree, 95):.2f}x"
        )
    met = _p(samples["core"], 50) / _p(rtree, 50) <= GOAL_RATIO
    print(f"  goal core within {GOAL_RATIO}x of rtree (p50): {'met' if met else 'NOT met'}")
    for name in ("api", "cli"):
        if _p(samples[name], 95) > TARGET_P95_MS:
            _setup.fail(f"{label}: {name} p95 {_p(samples[name], 95):.1f} ms > {TARGET_P95_MS} ms")


def checked_answers(ways: Ways, queries: list[dict[str, Any]]) -> None:
    for q in queries:
        everything = ways.core_all(q)
        by_rtree, by_scan = ways.rtree(q), ways.scan(q)
        if not everything == by_rtree == by_scan:
            _setup.fail(
                f"answers differ at {q}: core {len(everything)}, rtree {len(by_rtree)}, "
                f"scan {len(by_scan)}"
            )
        first = ways.core(q)
        if ways.api(q) != first or ways.cli(q) != first:
            _setup.fail(f"the API or the CLI answered differently from search() at {q}")
    print(f"  checked: core, rtree and scan give the same entries at all {len(queries)} points")


def whole_state(ways: Ways) -> None:
    """Not the target: one category open now anywhere in the state (no point), for scale."""
    from django.utils import timezone

    from crossroads.directory.search import SearchQuery, search

    times, totals = [], []
    for category in list(CATEGORY_WEIGHTS)[:5]:
        query = SearchQuery(categories=(category,), open_at=OPEN_AT)
        times.append(
            _setup.timed(lambda q=query: totals.append(search(q, now=timezone.now()).total))
        )
    print(
        "no point, one category open now, whole state: "
        f"median {_setup.median(times) * 1000:.0f} ms for a median "
        f"{_setup.median(totals):,.0f} matches (5 categories)"
    )


def _p(samples: list[float], pct: float) -> float:
    return _setup.percentile(samples, pct)


if __name__ == "__main__":
    main()
