"""places.py: where a search is near, and how far things are."""

from __future__ import annotations

import functools
import math
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.directory import actions
from crossroads.directory.places import (
    EARTH_RADIUS_KM,
    PlaceError,
    Point,
    bounding_box,
    distance_km,
    resolve_near,
)
from crossroads.directory.queries import addresses_on_street

DAYTON_ZIP = Point(39.7563, -84.1895)  # the zipcodes package's centroid of 45402


@pytest.mark.parametrize(
    "text",
    ["45402", " 45402-1234 ", "1 Main St, Dayton, OH 45402", "12345 Far Rd, Dayton OH 45402"],
)
def test_a_zip_code_or_an_address_with_one_is_its_centroid(text: str) -> None:
    assert resolve_near(text) == DAYTON_ZIP


def test_lat_lon() -> None:
    assert resolve_near("39.76,-84.19") == Point(39.76, -84.19)
    assert resolve_near(" -33.9 , 151.2 ") == Point(-33.9, 151.2)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("00000", "not a known U.S. ZIP code"),
        ("95.0,10", "not a latitude,longitude"),
        ("10,190", "not a latitude,longitude"),
        ("   ", "give a 5-digit ZIP code"),
    ],
)
def test_what_is_not_a_place_is_an_error_naming_near(text: str, reason: str) -> None:
    with pytest.raises(PlaceError, match=reason) as raised:
        resolve_near(text)
    assert str(raised.value).startswith("near: ")
    assert raised.value.field == "near"


def _load_addresses(*places: tuple[str, str, float]) -> None:
    """Locations with an address each: (street, city, latitude)."""
    records: dict[str, list[dict[str, object]]] = {"location": [], "address": []}
    for street, city, lat in places:
        location = str(uuid.uuid4())
        records["location"].append(
            {"id": location, "location_type": "physical", "latitude": lat, "longitude": -84.0}
        )
        records["address"].append(
            {
                "id": str(uuid.uuid4()),
                "location_id": location,
                "address_1": street,
                "city": city,
                "state_province": "OH",
                "postal_code": "45402",
                "country": "US",
                "address_type": "physical",
            }
        )
    actions.hsds_import(by=None, package=records, source="tests")


@pytest.mark.django_db
def test_an_address_without_a_zip_must_match_a_directory_address_exactly() -> None:
    _load_addresses(("1 Main St", "Dayton", 39.7), ("1 Main St", "Xenia", 39.6))
    near = functools.partial(resolve_near, addresses=addresses_on_street)
    assert near("1 main st, Dayton") == Point(39.7, -84.0)
    assert near("1  Main St, xenia, Ohio") == Point(39.6, -84.0)
    with pytest.raises(PlaceError, match="matches 2 places; add the city"):
        near("1 Main St")
    with pytest.raises(PlaceError, match="matches no address in the directory"):
        near("2 Main St, Dayton")


def test_distances() -> None:
    assert distance_km(Point(0, 0), Point(0, 1)) == pytest.approx(111.195, abs=0.001)
    assert distance_km(Point(39.7589, -84.1916), Point(39.9612, -82.9988)) == pytest.approx(
        104.2, abs=0.5
    )  # Dayton to Columbus
    assert distance_km(DAYTON_ZIP, DAYTON_ZIP) == 0


def _destination(start: Point, km: float, bearing: float) -> Point:
    """Where `km` along a great circle from `start` at `bearing` (radians) ends."""
    angle = km / EARTH_RADIUS_KM
    lat1, lon1 = math.radians(start.lat), math.radians(start.lon)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return Point(math.degrees(lat2), math.degrees(lon2))


@given(
    st.floats(-80, 80),
    st.floats(-150, 150),
    st.floats(0.01, 500),
    st.floats(0, 2 * math.pi),
    st.floats(0, 1),
)
def test_the_box_holds_every_point_of_the_circle(
    lat: float, lon: float, km: float, bearing: float, fraction: float
) -> None:
    centre = Point(lat, lon)
    inside = _destination(centre, km * fraction, bearing)
    box = bounding_box(centre, km)
    tolerance = 1e-9
    assert box.min_lat - tolerance <= inside.lat <= box.max_lat + tolerance
    assert box.min_lon - tolerance <= inside.lon <= box.max_lon + tolerance
    # ...and is no wider than it must be: its latitude edges are on the circle.
    assert distance_km(centre, Point(box.max_lat, lon)) == pytest.approx(km, rel=1e-6)
