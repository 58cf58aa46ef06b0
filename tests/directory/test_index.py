"""index.py: HSDS records flattened into search entries and the spatial index, by the actions
that change them (import, capacity report, verification, term mapping)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crossroads.core.models import AuditEvent, User
from crossroads.directory import actions, index
from crossroads.directory.models import (
    SearchEntry,
    ServiceAtLocation,
    TaxonomyTerm,
    VerificationTask,
)
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records, weekly
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


def entries_of(service_id: str) -> list[SearchEntry]:
    return list(SearchEntry.objects.filter(service_id=service_id).order_by("id"))


def entry_of(service_id: str) -> SearchEntry:
    (entry,) = entries_of(service_id)
    return entry


def geo_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM directory_search_geo")
        return {row[0] for row in cursor.fetchall()}


def test_one_entry_per_site_one_without_a_place_and_none_for_inactive_services() -> None:
    records = Records()
    clinic = records.service("Valley Clinic")
    north = records.site(clinic, lat=39.8, lon=-84.2, name="North")
    south = records.site(clinic, lat=39.6, lon=-84.2, name="South")
    line = records.service("County Crisis Line", categories=["crisis-line"])
    closed = records.service("Old Shelter", status="defunct")
    records.site(closed, lat=39.7, lon=-84.1)
    records.load()

    sites = {e.service_at_location_id: e for e in entries_of(clinic)}
    assert set(sites) == {UUID(north), UUID(south)}
    assert (sites[UUID(north)].latitude, sites[UUID(north)].location_name) == (39.8, "North")
    assert entry_of(line).location_id is None and entry_of(line).latitude is None
    assert entries_of(closed) == []
    assert geo_ids() == {e.id for e in sites.values()}  # places only for located entries


def test_terms_come_from_the_service_its_location_and_its_site() -> None:
    records = Records()
    service = records.service(
        "Harbor Crisis Center",
        categories=["crisis-stabilisation", "mobile-crisis"],
        payments=["medicaid"],
        description="Same-day DETOX assessment",
        minimum_age=18,
        maximum_age=64,
    )
    site = records.site(service, lat=39.76, lon=-84.19, access=["police-drop-off"], city="Dayton")
    records.tag(site, "service_at_location", "walk-in")
    records.tag(site, "service_at_location", "uninsured", value="false")  # says it does not
    records.tables["cost_option"].append(
        {"id": "8d2c8f3e-5a55-4c0c-8f44-0d6c4f6f9b10", "service_id": service, "amount": 0}
    )
    records.load()

    entry = entry_of(service)
    assert entry.categories == "|crisis-stabilisation|mobile-crisis|"
    assert entry.payments == "|free|medicaid|"
    assert (entry.police_drop_off, entry.walk_in) == (True, True)
    assert (entry.minimum_age, entry.maximum_age) == (18, 64)
    assert entry.address == "1 Main St, Dayton, OH 45402"
    for words in ("harbor crisis center", "same-day detox", "dayton", "mobile crisis team"):
        assert words in entry.text


def test_an_agency_term_mapped_to_a_crossroads_code_reads_as_it() -> None:
    records = Records()
    service = records.service("Recovery Café")
    location_tagged = records.service("Drop-in Centre")
    site = records.site(location_tagged, lat=39.7, lon=-84.2)
    county_term = records.term("SUD-PEER")
    records.attribute(service, "service", county_term)
    records.attribute(records.location_of(site), "location", county_term)
    records.load()
    assert entry_of(service).categories == ""

    maintainer = make_user(make_agency(), "directory_maintainer")
    actions.term_mapping_create(
        by=maintainer,
        agency=maintainer.agency,
        term=TaxonomyTerm.objects.get(pk=county_term),
        category="peer-recovery",
    )
    assert entry_of(service).categories == "|peer-recovery|"
    assert entry_of(location_tagged).categories == "|peer-recovery|"
    assert AuditEvent.objects.filter(verb="directory.term_mapping_create").count() == 1


def test_languages_ages_zones_and_holiday_regions() -> None:
    records = Records()
    dayton = records.service("Dayton Clinic", languages=["EN", "es"])
    records.site(dayton, lat=39.76, lon=-84.19, languages=["vi"], state="Ohio")
    coast = records.service("Coast Clinic")
    records.site(coast, lat=34.05, lon=-118.24, state="CA", postal_code="90012")
    records.load()

    entry = entry_of(dayton)
    assert entry.languages == "|en|es|vi|"
    assert (entry.time_zone, entry.holiday_region) == ("America/New_York", "US-OH")  # from ZIP
    assert (entry_of(coast).time_zone, entry_of(coast).holiday_region) == (
        "America/Los_Angeles",
        "US-CA",
    )


def test_a_place_without_coordinates_reads_time_in_the_default_zone(settings: object) -> None:
    settings.DIRECTORY_DEFAULT_TIME_ZONE = "America/Chicago"  # type: ignore[attr-defined]
    records = Records()
    line = records.service("Warmline")
    records.load()
    assert entry_of(line).time_zone == "America/Chicago"


def test_the_site_s_hours_else_the_location_s_else_the_service_s() -> None:
    records = Records()
    service = records.service("Clinic", hours=[weekly("MO", "08:00", "09:00")])
    own = records.site(service, lat=39.7, lon=-84.2, hours=[weekly("MO", "10:00", "11:00")])
    at_location = records.site(
        service, lat=39.8, lon=-84.2, location_hours=[weekly("MO", "12:00", "13:00")]
    )
    plain = records.site(service, lat=39.9, lon=-84.2)
    records.load()

    starts = {e.service_at_location_id: e.opening[0]["start"] for e in entries_of(service)}
    assert starts == {UUID(own): 36_000, UUID(at_location): 43_200, UUID(plain): 28_800}


def test_hours_that_cannot_be_read_are_unknown_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    records = Records()
    service = records.service(
        "Clinic", hours=[{"freq": "WEEKLY", "byday": "MO", "opens_at": "09:00"}]
    )
    records.load()
    with caplog.at_level(logging.WARNING, logger="crossroads.directory.index"):
        index.refresh_search_entries(service_ids=[UUID(service)])
    assert entry_of(service).opening == []
    assert "closes_at: opens_at is given without closes_at" in caplog.text


def test_always_open_unless_closed_on_holidays() -> None:
    records = Records()
    always = records.service("Always", hours=[AROUND_THE_CLOCK])
    holidays_off = records.service("Holidays off", hours=[AROUND_THE_CLOCK])
    records.tag(holidays_off, "service", "closed-on-holidays")
    records.load()
    assert entry_of(always).always_open is True
    assert (entry_of(holidays_off).always_open, entry_of(holidays_off).closed_on_holidays) == (
        False,
        True,
    )


def _reporter_and_site() -> tuple[User, ServiceAtLocation]:
    provider = make_agency(type="crisis_facility")
    records = Records()
    site = records.site(records.service("Crisis Unit"), lat=39.7, lon=-84.2)
    records.load(kept_by=provider)
    return make_user(provider, "provider_intake"), ServiceAtLocation.objects.get(pk=site)


def test_capacity_is_the_newest_report_of_each_kind() -> None:
    reporter, site = _reporter_and_site()
    now = timezone.now()

    def report(kind: str, available: int, hours_ago: float) -> None:
        actions.capacity_report(
            by=reporter,
            site=site,
            kind=kind,
            available=available,
            total=10,
            accepting=True,
            wait_minutes=None,
            at=now - timedelta(hours=hours_ago),
        )

    def capacity() -> tuple[bool | None, object]:
        entry = SearchEntry.objects.get(service_at_location=site)
        return entry.capacity_open, entry.capacity_reported_at

    assert capacity() == (None, None)
    report("crisis_bed", 2, hours_ago=20)
    report("crisis_bed", 0, hours_ago=13)  # the newest crisis-bed report: full
    assert capacity() == (False, now - timedelta(hours=13))
    report("walk_in_slot", 1, hours_ago=14)
    report("shelter_bed", 0, hours_ago=1)
    # Room is only in the 14-hour-old walk-in report: dated by it, so it reads as stale.
    assert capacity() == (True, now - timedelta(hours=14))
    report("walk_in_slot", 3, hours_ago=0.5)
    assert capacity() == (True, now - timedelta(hours=0.5))


def test_verified_on_is_the_older_verification_else_the_assured_date() -> None:
    records = Records()
    service = records.service("Assured", assured_date="2026-01-05")
    site = records.site(service, lat=39.7, lon=-84.2)
    records.load()
    assert entry_of(service).verified_on == date(2026, 1, 5)

    maintainer = make_user(make_agency(), "directory_maintainer")
    actions.verification_tasks_open(today=timezone.localdate())
    now = timezone.now()
    today = now.astimezone(ZoneInfo(maintainer.agency.time_zone)).date()

    def verify(table: str, record_id: str, at: datetime) -> None:
        task = VerificationTask.objects.get(record_table=table, record_id=record_id)
        actions.record_verify(by=maintainer, task=task, at=at)

    verify("service", service, now)
    assert entry_of(service).verified_on == today
    verify("location", records.location_of(site), now - timedelta(days=10))
    assert entry_of(service).verified_on == today - timedelta(days=10)


def test_refreshing_some_services_leaves_the_others_and_drops_what_is_gone() -> None:
    records = Records()
    kept = records.service("Kept")
    records.site(kept, lat=39.7, lon=-84.2)
    changed = records.service("Changed")
    records.site(changed, lat=39.8, lon=-84.2)
    records.load()
    kept_id, changed_id = entry_of(kept).id, entry_of(changed).id

    assert index.refresh_search_entries(service_ids=[UUID(changed)]) == 1
    assert entry_of(kept).id == kept_id
    assert entry_of(changed).id != changed_id
    assert geo_ids() == {kept_id, entry_of(changed).id}

    records.tables["service"][1]["status"] = "inactive"
    records.load()
    assert entries_of(changed) == []
    assert geo_ids() == {entry_of(kept).id}
    assert index.refresh_search_entries(service_ids=[UUID(changed), UUID(kept)]) == 1


def test_a_rebuild_reads_in_a_fixed_number_of_queries() -> None:
    records = Records()
    for n in range(12):
        service = records.service(f"Service {n}", categories=["moud"], languages=["en"])
        records.site(service, lat=39.7, lon=-84.2, hours=[weekly("MO", "09:00", "17:00")])
    records.load()
    ids = [UUID(s["id"]) for s in records.tables["service"]]
    with CaptureQueriesContext(connection) as one:
        index.refresh_search_entries(service_ids=ids[:1])
    with CaptureQueriesContext(connection) as twelve:
        index.refresh_search_entries(service_ids=ids)
    assert len(twelve) == len(one)


def test_the_rebuild_action_is_audited_and_idempotent() -> None:
    records = Records()
    records.site(records.service("Clinic"), lat=39.7, lon=-84.2)
    records.service("Line")
    records.load()
    before = {(e.service_id, e.service_at_location_id) for e in SearchEntry.objects.all()}
    assert actions.search_index_rebuild(by=None) == 2
    assert {(e.service_id, e.service_at_location_id) for e in SearchEntry.objects.all()} == before
    assert len(geo_ids()) == 1
    assert AuditEvent.objects.filter(verb="directory.search_index_rebuild").count() == 1
