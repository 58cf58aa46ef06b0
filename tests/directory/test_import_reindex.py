"""An import rebuilds the search entries of the services its changes show in, and only those:
a county's nightly load of a few changed listings must not re-index the whole directory."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from crossroads.directory import actions
from crossroads.directory.models import SearchEntry
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records, weekly

pytestmark = pytest.mark.django_db


def _entries() -> dict[str, int]:
    """Each service's entry id: an entry rebuilt gets a new one."""
    return dict(SearchEntry.objects.values_list("name", "id"))


def _load(tables: dict[str, list[dict[str, Any]]]) -> None:
    actions.hsds_import(by=None, package=tables, source="tests")


@dataclass
class County:
    tables: dict[str, list[dict[str, Any]]]
    ids: dict[str, str]

    def copy(self) -> dict[str, list[dict[str, Any]]]:
        return copy.deepcopy(self.tables)


@pytest.fixture
def county() -> County:
    records = Records()
    unit = records.service("Crisis Unit", categories=["crisis-stabilisation"])
    records.site(unit, lat=39.76, lon=-84.19, hours=[AROUND_THE_CLOCK], name="Campus")
    clinic = records.service("Clinic", categories=["outpatient-mental-health"])
    records.site(clinic, lat=39.80, lon=-84.20, hours=[weekly("MO", "09:00", "17:00")])
    line = records.service("Crisis Line", categories=["crisis-line"])
    records.load()
    assert set(_entries()) == {"Crisis Unit", "Clinic", "Crisis Line"}
    return County(dict(records.tables), {"unit": unit, "clinic": clinic, "line": line})


def test_a_changed_schedule_rebuilds_only_its_service(county: County) -> None:
    before = _entries()
    tables = county.copy()
    clinic_hours = next(s for s in tables["schedule"] if s["closes_at"] == "17:00")
    clinic_hours["closes_at"] = "19:00"
    _load(tables)
    after = _entries()
    assert after["Clinic"] != before["Clinic"]
    assert after["Crisis Unit"] == before["Crisis Unit"]
    assert after["Crisis Line"] == before["Crisis Line"]


def test_an_unchanged_package_rebuilds_nothing(county: County) -> None:
    before = _entries()
    _load(county.copy())
    assert _entries() == before


def test_a_changed_address_rebuilds_the_services_at_its_location(county: County) -> None:
    before = _entries()
    tables = county.copy()
    tables["address"][0]["address_1"] = "2 Campus Way"  # the crisis unit's
    _load(tables)
    after = _entries()
    assert after["Crisis Unit"] != before["Crisis Unit"]
    assert after["Clinic"] == before["Clinic"]
    assert SearchEntry.objects.get(name="Crisis Unit").address.startswith("2 Campus Way")


def test_a_site_moved_to_another_service_rebuilds_both(county: County) -> None:
    tables = county.copy()
    ids = county.ids
    site = next(s for s in tables["service_at_location"] if s["service_id"] == ids["unit"])
    site["service_id"] = ids["line"]  # the line now has a place, and the unit has none
    _load(tables)
    located = dict(SearchEntry.objects.values_list("name", "location_id"))
    assert str(located["Crisis Line"]) == site["location_id"]
    assert located["Crisis Unit"] is None


def test_a_renamed_organization_renames_its_services_entries(county: County) -> None:
    tables = county.copy()
    tables["organization"][0]["name"] = "Alder County Behavioral Health"
    _load(tables)
    names = set(SearchEntry.objects.values_list("organization_name", flat=True))
    assert names == {"Alder County Behavioral Health"}
