"""The demo county's resource directory: its shape as generated (no database), then loaded
through the directory's actions once."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import zipcodes
from django.conf import settings

from crossroads.core import audit
from crossroads.core.models import AuditEvent
from crossroads.demo.county import AGENCIES, build_county
from crossroads.demo.directory import TIME_ZONE, DemoDirectory, capacity_history, directory_package
from crossroads.demo.resources import EVERY_DAY, PROVIDERS
from crossroads.directory import opening, taxonomy
from crossroads.directory.actions import CapacityReading
from crossroads.directory.freshness import CapacityState
from crossroads.directory.models import (
    CapacityReport,
    Location,
    Organization,
    ProposedChange,
    Service,
    VerificationTask,
)
from crossroads.directory.places import haversine_km
from crossroads.directory.search import query_from, search

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 21, 30, tzinfo=UTC)  # 16:30 in Alder County
NAMES = {key: name for key, name, *_ in AGENCIES}


@pytest.fixture(scope="module")
def demo() -> DemoDirectory:
    return directory_package(7, today=TODAY, providers=NAMES)


@pytest.fixture(scope="module")
def readings(demo: DemoDirectory) -> list[CapacityReading]:
    return capacity_history(demo.sites, 7, now=NOW)


def _codes_by_service(demo: DemoDirectory) -> dict[str, set[str]]:
    by_id = taxonomy.crossroads_taxonomy().by_id()
    codes = defaultdict(set)
    for attribute in demo.records["attribute"]:
        codes[attribute["link_id"]].add(by_id[uuid.UUID(attribute["taxonomy_term_id"])].code)
    return codes


def test_about_150_organisations_and_400_services(demo: DemoDirectory) -> None:
    records = demo.records
    assert 140 <= len(records["organization"]) <= 160
    assert 370 <= len(records["service"]) <= 430
    assert len({o["name"] for o in records["organization"]}) == len(records["organization"])
    provider_names = {
        o["name"]
        for o in records["organization"]
        if uuid.UUID(o["id"]) in set(demo.providers.values())
    }
    assert provider_names == {NAMES[key] for key in PROVIDERS}


def test_every_category_access_and_payment_term_is_used(demo: DemoDirectory) -> None:
    used = set().union(*_codes_by_service(demo).values())
    everything = taxonomy.crossroads_taxonomy()
    for group in ("category", "access", "payment"):
        assert set(everything.codes(group)) <= used, group


def test_hours_around_the_clock_overnight_and_in_the_day(demo: DemoDirectory) -> None:
    zone = ZoneInfo(TIME_ZONE)
    monday_3am = datetime(2026, 11, 2, 3, tzinfo=zone)
    monday_noon = datetime(2026, 11, 2, 12, tzinfo=zone)
    around_the_clock = overnight = daytime = 0
    for row in demo.records["schedule"]:
        assert row["freq"] == "WEEKLY"
        rules = opening.compile_schedules([_schedule_row(row)])
        around_the_clock += opening.always_open(rules)
        at_3am, at_noon = (
            opening.is_open(rules, at, holidays=(), closed_on_holidays=False)
            for at in (monday_3am, monday_noon)
        )
        overnight += at_3am and not at_noon
        daytime += at_noon and not at_3am
    assert around_the_clock >= 10
    assert overnight >= 5
    assert daytime >= 200
    assert any(
        row["byday"] == EVERY_DAY and row["opens_at"] == "19:00" for row in demo.records["schedule"]
    )


def _schedule_row(row: dict[str, str]) -> opening.ScheduleRow:
    hours = {name: time.fromisoformat(row[name]) for name in ("opens_at", "closes_at")}
    return opening.ScheduleRow(freq=row["freq"], byday=row["byday"], **hours)


def test_crisis_units_take_police_drop_offs_around_the_clock_and_lines_have_no_place(
    demo: DemoDirectory,
) -> None:
    codes = _codes_by_service(demo)
    sites = defaultdict(list)
    for site in demo.records["service_at_location"]:
        sites[site["service_id"]].append(site["id"])
    always = {
        row["service_at_location_id"]
        for row in demo.records["schedule"]
        if row.get("service_at_location_id") and row["opens_at"] == row["closes_at"] == "00:00"
    }
    drop_offs = [service for service, terms in codes.items() if "police-drop-off" in terms]
    assert len(drop_offs) >= 2
    for service in drop_offs:
        assert "crisis-stabilisation" in codes[service]
        assert sites[service] and set(sites[service]) <= always
    placeless = {"mobile-crisis", "crisis-line"}
    for service, terms in codes.items():
        if terms & placeless and "peer-recovery" not in terms:
            assert not sites[service], terms


def test_places_on_the_real_zip_codes_of_the_borrowed_county(demo: DemoDirectory) -> None:
    locations = {row["id"]: row for row in demo.records["location"]}
    for address in demo.records["address"]:
        assert (address["state_province"], address["country"]) == ("OH", "US")
        (area,) = zipcodes.matching(address["postal_code"])
        assert area["county"] == "Montgomery County"
        location = locations[address["location_id"]]
        away = haversine_km(
            location["latitude"], location["longitude"], float(area["lat"]), float(area["long"])
        )
        assert away < 5


def test_languages_ages_costs_and_phones(demo: DemoDirectory) -> None:
    records = demo.records
    assert {row["code"] for row in records["language"]} == {"en", "es", "vi", "ar", "so"}
    services = records["service"]
    assert any(s.get("minimum_age") == 18 for s in services)
    assert any(s.get("maximum_age") == 17 for s in services)
    assert all(s["eligibility_description"] for s in services if "minimum_age" in s)
    assert len(records["cost_option"]) >= 20
    lines = [(row["number"], row.get("extension")) for row in records["phone"]]
    assert len(set(lines)) == len(lines)
    assert all("-555-01" in number for number, _ in lines)


def test_about_one_listing_in_ten_is_overdue_for_verification(demo: DemoDirectory) -> None:
    within = settings.DIRECTORY_VERIFY_WITHIN
    for table in ("organization", "service", "location"):
        days = [day for (kind, _), day in demo.verified_on.items() if kind == table]
        assert len(days) == len(demo.records[table])
        overdue = sum(TODAY - day > within for day in days) / len(days)
        assert 0.04 < overdue < 0.18, table
    assured = {s["id"]: s["assured_date"] for s in demo.records["service"]}
    assert all(
        assured[str(record_id)] == day.isoformat()
        for (table, record_id), day in demo.verified_on.items()
        if table == "service"
    )


def test_the_same_seed_makes_the_same_directory(
    demo: DemoDirectory, readings: list[CapacityReading]
) -> None:
    assert directory_package(7, today=TODAY, providers=NAMES) == demo
    assert capacity_history(demo.sites, 7, now=NOW) == readings
    assert directory_package(8, today=TODAY, providers=NAMES).records != demo.records


def test_capacity_histories_a_month_long_some_stale_some_full_some_open(
    demo: DemoDirectory, readings: list[CapacityReading]
) -> None:
    by_site: dict[uuid.UUID, list[CapacityReading]] = defaultdict(list)
    for reading in readings:
        by_site[reading.site_id].append(reading)
    assert set(by_site) == {site.id for site in demo.sites}
    assert len(demo.sites) >= 40
    max_age = settings.DIRECTORY_CAPACITY_MAX_AGE
    states = defaultdict(int)
    for site in demo.sites:
        history = by_site[site.id]
        assert NOW - timedelta(days=30) <= history[0].reported_at < history[-1].reported_at <= NOW
        gaps = [b.reported_at - a.reported_at for a, b in itertools.pairwise(history)]
        if site.kind != "walk_in_slot":  # same-day slots are counted only while clinics open
            assert all(timedelta(hours=2) <= gap <= timedelta(hours=6) for gap in gaps)
        assert all(r.available is not None and 0 <= r.available <= site.total for r in history)
        newest = history[-1]
        has_room = newest.accepting and bool(newest.available)
        fresh = NOW - newest.reported_at <= max_age
        states["stale" if not fresh else "open" if has_room else "full"] += 1
    assert min(states.values()) >= 3, states
    (crisis_unit,) = [s for s in demo.sites if s.provider == "csu" and s.kind == "crisis_bed"]
    newest = by_site[crisis_unit.id][-1]
    assert newest.reported_at == NOW and newest.accepting and newest.available


# --- Loaded through the actions, once -------------------------------------------------------


@pytest.mark.django_db
def test_the_county_loads_its_directory_through_the_actions() -> None:
    county = build_county(seed=7, calls_per_day=0, history_days=0, until=NOW)
    assert 140 <= Organization.objects.count() <= 160
    assert 370 <= Service.objects.count() <= 430
    kept = Organization.objects.filter(agency__isnull=False).select_related("agency")
    assert {o.agency.name: o.name for o in kept} == {
        county.agencies[key].name: NAMES[key] for key in PROVIDERS
    }
    # The officer's demo: the open crisis unit that takes drop-offs, near the call.
    query = query_from(
        near="45417",
        open_now=True,
        open_at=None,
        now=NOW,
        categories=("crisis-stabilisation",),
        police_drop_off=True,
    )
    first = search(query, now=NOW).hits[0]
    assert first.organization_name == NAMES["csu"]
    assert first.open_now and first.capacity_state is CapacityState.OPEN
    assert CapacityReport.objects.count() > 5000
    open_tasks = VerificationTask.objects.filter(status=VerificationTask.Status.OPEN).count()
    listings = sum(model.objects.count() for model in (Organization, Service, Location))
    assert 0.04 < open_tasks / listings < 0.18
    pending = ProposedChange.objects.filter(status=ProposedChange.Status.PENDING)
    assert {c.proposed_by.username for c in pending} == {"intake"}
    assert pending.count() == 2
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "directory.hsds_import",
        "directory.organization_assign_agency",
        "directory.verifications_import",
        "directory.capacity_import",
        "directory.change_propose",
    } <= verbs
    assert audit.verify()[1] == []
