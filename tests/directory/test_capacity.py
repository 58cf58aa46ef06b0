"""Live capacity through its actions: who may report, history kept, stale means unknown, bad
readings refused whole (issue 4, "Live capacity and freshness")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crossroads.core.models import AuditEvent, User
from crossroads.directory import actions, queries
from crossroads.directory.actions import CapacityReading
from crossroads.directory.freshness import CapacityState
from crossroads.directory.models import CapacityReport, SearchEntry, ServiceAtLocation
from tests.factories import make_agency, make_site, make_user

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def intake() -> User:
    return make_user(make_agency(type="crisis_facility"), "provider_intake", username="ines")


@pytest.fixture
def site(intake: User) -> ServiceAtLocation:
    return make_site(agency=intake.agency)


def report(user: User, site: ServiceAtLocation, **given: Any) -> CapacityReport:
    reading: dict[str, Any] = {
        "kind": "crisis_bed",
        "available": 2,
        "total": 8,
        "accepting": True,
        "wait_minutes": None,
        **given,
    }
    return actions.capacity_report(by=user, site=site, **reading)


def states(user: User, now: datetime) -> dict[str, CapacityState]:
    [entry] = queries.capacity_board_for(user, now=now)
    return {current.report.kind: current.state for current in entry.current}


def test_every_report_is_kept_and_the_newest_is_current(
    intake: User, site: ServiceAtLocation
) -> None:
    with time_machine.travel(MORNING, tick=False):
        first = report(intake, site, available=2)
    with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
        second = report(intake, site, available=0, accepting=False, note="full tonight")
        [entry] = queries.capacity_board_for(intake, now=timezone.now())
    assert CapacityReport.objects.filter(service_at_location=site).count() == 2
    assert [c.report for c in entry.current] == [second]
    assert entry.current[0].state == CapacityState.FULL
    assert queries.capacity_history(site, limit=10) == [second, first]
    assert second.reported_by == intake and second.reported_at == MORNING + timedelta(hours=1)
    assert AuditEvent.objects.filter(verb="directory.capacity_report").count() == 2


def test_each_kind_has_its_own_current_reading(intake: User, site: ServiceAtLocation) -> None:
    with time_machine.travel(MORNING, tick=False):
        report(intake, site, kind="crisis_bed", available=0)
        report(intake, site, kind="walk_in_slot", available=3, total=None)
        assert states(intake, timezone.now()) == {
            "crisis_bed": CapacityState.FULL,
            "walk_in_slot": CapacityState.OPEN,
        }


def test_a_report_older_than_the_maximum_age_is_unknown_never_open(
    intake: User, site: ServiceAtLocation
) -> None:
    with time_machine.travel(MORNING, tick=False):
        report(intake, site, available=5)
    assert states(intake, MORNING + timedelta(hours=12)) == {"crisis_bed": CapacityState.OPEN}
    later = MORNING + timedelta(hours=12, minutes=1)
    assert states(intake, later) == {"crisis_bed": CapacityState.UNKNOWN}


def test_the_maximum_age_is_a_setting(intake: User, site: ServiceAtLocation, settings: Any) -> None:
    settings.DIRECTORY_CAPACITY_MAX_AGE = timedelta(hours=2)
    with time_machine.travel(MORNING, tick=False):
        report(intake, site, available=5)
    assert states(intake, MORNING + timedelta(hours=2)) == {"crisis_bed": CapacityState.OPEN}
    assert states(intake, MORNING + timedelta(hours=3)) == {"crisis_bed": CapacityState.UNKNOWN}


def test_a_report_reaches_the_search_entry(intake: User, site: ServiceAtLocation) -> None:
    with time_machine.travel(MORNING, tick=False):
        report(intake, site, available=0, accepting=False)
    entry = SearchEntry.objects.get(service_at_location=site)
    assert entry.capacity_open is False and entry.capacity_reported_at == MORNING


def test_only_the_agency_keeping_the_listing_reports_for_it(site: ServiceAtLocation) -> None:
    stranger = make_user(make_agency(type="crisis_facility"), "provider_intake")
    with pytest.raises(PermissionDenied):
        report(stranger, site)
    analyst = make_user(site.service.organization.agency, "analyst")
    with pytest.raises(PermissionDenied):
        report(analyst, site)
    assert not CapacityReport.objects.exists()


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"kind": "hammock"}, "kind", "unknown kind"),
        ({"available": 9, "total": 8}, "available", "more than the total (8)"),
        ({"available": -1}, "available", "between 0 and"),
        ({"total": 10**9}, "total", "between 0 and"),
        ({"wait_minutes": -5}, "wait_minutes", "between 0 and"),
        ({"note": "x" * 301}, "note", "at most 300"),
        ({"at": MORNING + timedelta(hours=1)}, "reported_at", "in the future"),
        ({"at": datetime(2026, 11, 26, 8, 0)}, "reported_at", "time zone"),  # noqa: DTZ001
    ],
)
def test_a_bad_report_names_the_field_and_writes_nothing(
    intake: User, site: ServiceAtLocation, given: dict[str, Any], field: str, reason: str
) -> None:
    with time_machine.travel(MORNING, tick=False), pytest.raises(ValidationError) as refused:
        report(intake, site, **given)
    assert reason in " ".join(refused.value.message_dict[field])
    assert not CapacityReport.objects.exists()
    assert not AuditEvent.objects.filter(verb="directory.capacity_report").exists()


def reading(site: ServiceAtLocation, hours_ago: int, **given: Any) -> CapacityReading:
    values: dict[str, Any] = {
        "site_id": site.pk,
        "kind": "crisis_bed",
        "available": 1,
        "total": 4,
        "accepting": True,
        "wait_minutes": 30,
        "reported_at": MORNING - timedelta(hours=hours_ago),
        **given,
    }
    return CapacityReading(**values)


def test_a_history_is_imported_at_once_with_one_audit_event(
    site: ServiceAtLocation,
) -> None:
    other = make_site()
    readings = [reading(site, hours) for hours in (48, 24, 1)] + [reading(other, 2, available=0)]
    with time_machine.travel(MORNING, tick=False):
        assert actions.capacity_reports_import(by=None, readings=readings) == 4
    assert CapacityReport.objects.filter(service_at_location=site).count() == 3
    event = AuditEvent.objects.get(verb="directory.capacity_import")
    assert event.actor is None
    assert event.detail == {"reports": 4, "already_recorded": 0, "sites": 2}
    entry = SearchEntry.objects.get(service_at_location=site)
    assert entry.capacity_open is True
    assert entry.capacity_reported_at == MORNING - timedelta(hours=1)


def test_readings_already_recorded_are_not_recorded_again(site: ServiceAtLocation) -> None:
    day = [reading(site, hours) for hours in (24, 12, 6)]
    with time_machine.travel(MORNING, tick=False):
        assert actions.capacity_reports_import(by=None, readings=day) == 3
        # The bed board resends its day with one new reading, and one twice in the batch.
        again = [*day, reading(site, 1), reading(site, 1)]
        assert actions.capacity_reports_import(by=None, readings=again) == 1
    assert CapacityReport.objects.filter(service_at_location=site).count() == 4
    last = AuditEvent.objects.filter(verb="directory.capacity_import").latest("seq")
    assert last.detail == {"reports": 1, "already_recorded": 4, "sites": 1}


def test_an_import_with_a_bad_reading_names_it_and_writes_nothing(
    site: ServiceAtLocation,
) -> None:
    readings = [reading(site, 3), reading(site, 2, available=9), reading(site, -2)]
    with time_machine.travel(MORNING, tick=False), pytest.raises(ValidationError) as refused:
        actions.capacity_reports_import(by=None, readings=readings)
    assert set(refused.value.message_dict) == {"readings[1].available", "readings[2].reported_at"}
    assert not CapacityReport.objects.exists()


def test_a_person_imports_only_for_sites_their_agency_keeps(
    intake: User, site: ServiceAtLocation
) -> None:
    elsewhere = make_site(agency=make_agency(type="crisis_facility"))
    with time_machine.travel(MORNING, tick=False):
        assert actions.capacity_reports_import(by=intake, readings=[reading(site, 1)]) == 1
        with pytest.raises(ValidationError) as refused:
            actions.capacity_reports_import(
                by=intake, readings=[reading(site, 1), reading(elsewhere, 1)]
            )
    assert refused.value.message_dict == {
        "readings[1].site_id": ["no site your agency keeps has this id."]
    }
    assert CapacityReport.objects.count() == 1


def test_a_batch_wrong_throughout_names_the_first_problems_only(site: ServiceAtLocation) -> None:
    readings = [reading(site, 1, kind="hammock") for _ in range(50)]
    with pytest.raises(ValidationError) as refused:
        actions.capacity_reports_import(by=None, readings=readings)
    problems = refused.value.message_dict
    assert len(problems) == actions.PROBLEMS_NAMED + 1
    assert problems["readings"] == ["and 30 more problems; nothing was recorded."]


def test_the_board_reads_capacity_in_a_fixed_number_of_queries(
    intake: User, django_assert_max_num_queries: Any
) -> None:
    sites = [make_site(agency=intake.agency) for _ in range(3)]
    with time_machine.travel(MORNING, tick=False):
        for site in sites:
            for kind in ("crisis_bed", "withdrawal_bed"):
                report(intake, site, kind=kind)
        with django_assert_max_num_queries(5):
            board = queries.capacity_board_for(intake, now=timezone.now())
    assert [len(entry.current) for entry in board] == [2, 2, 2]
