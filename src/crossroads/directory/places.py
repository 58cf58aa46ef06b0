"""Where a search is near: a point from a ZIP code, "LAT,LON" or an address; distances.

ZIP centroids come from the `zipcodes` package, which ships its data, so a search near a ZIP
code never leaves the machine. An address is read by its ZIP code (the centroid of the ZIP,
not the door: close enough to rank places kilometres apart); an address without one must match
one of the directory's own addresses exactly, street and (if given) city: the caller passes
`addresses`, which reads them (queries.addresses_on_street), so this module stays pure.
Anything else is an error naming the `near` field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import zipcodes

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
FIELD = "near"
_LAT_LON = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_ZIP_IN_ADDRESS = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_zip_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching
# A street -> the (city, latitude, longitude) of each directory address on it.
AddressLookup = Callable[[str], Iterable[tuple[str, float | None, float | None]]]


class PlaceError(ValueError):
    """`near` could not be read as a place; the message names the field and the reason."""

    field = FIELD

    def __init__(self, reason: str) -> None:
        super().__init__(f"{FIELD}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise PlaceError(f"{self.lat},{self.lon} is not a latitude,longitude on Earth")


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle, as the spatial index stores places."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def holds(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def resolve_near(text: str, *, addresses: AddressLookup = lambda street: ()) -> Point:
    """The point `text` names: a 5-digit ZIP code, "LAT,LON", or an address (see module)."""
    if match := _LAT_LON.match(text):
        return Point(float(match[1]), float(match[2]))
    if match := _ZIP.match(text):
        return zip_centroid(match[1])
    zip_codes = _ZIP_IN_ADDRESS.findall(text)
    if zip_codes:  # the last: a house number can have five digits too
        return zip_centroid(zip_codes[-1])
    if not text.strip():
        raise PlaceError("give a 5-digit ZIP code, LAT,LON, or an address")
    return _directory_address(text, addresses)


def zip_centroid(zip_code: str) -> Point:
    found = zip_record(zip_code)
    if found is None:
        raise PlaceError(f"{zip_code} is not a known U.S. ZIP code")
    return Point(float(found["lat"]), float(found["long"]))


def zip_record(zip_code: str) -> dict[str, Any] | None:
    """The zipcodes package's record of a ZIP code (lat, long, state, timezone...), if known."""
    try:
        found: list[dict[str, Any]] = _zip_matching(zip_code)
    except (TypeError, ValueError):
        return None
    return found[0] if found else None


def _directory_address(text: str, addresses: AddressLookup) -> Point:
    """An exact street (and city) match among the directory's addresses that have a place."""
    street, _, rest = text.partition(",")
    city = _words(rest.split(",")[0])
    points = {
        (lat, lon)
        for found_city, lat, lon in addresses(" ".join(street.split()))
        if (not city or _words(found_city) == city) and lat is not None and lon is not None
    }
    if len(points) == 1:
        lat, lon = points.pop()
        return Point(lat, lon)
    if not points:
        raise PlaceError(
            f"{text.strip()!r} has no ZIP code and matches no address in the directory; "
            "give a 5-digit ZIP code, LAT,LON, or the address with its ZIP code"
        )
    raise PlaceError(f"{text.strip()!r} matches {len(points)} places; add the city or ZIP code")


def _words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine)."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """distance_km on bare numbers, for loops over many rows."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    half_dlat = (p2 - p1) / 2
    half_dlon = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(point: Point, km: float) -> Box:
    """The smallest latitude/longitude box holding every point within `km` of `point`.

    On a sphere the circle is widest in longitude not at the centre's latitude but nearer the
    pole, so the half-width is asin(sin r / cos lat), not r / cos lat. A circle reaching a pole
    takes every longitude; a box is not wrapped across the antimeridian but clipped at +-180
    (no U.S. directory needs a circle across it)."""
    if km < 0:
        raise ValueError(f"within_km: {km} is negative")
    angle = km / EARTH_RADIUS_KM
    lat = math.radians(point.lat)
    min_lat, max_lat = lat - angle, lat + angle
    if max_lat >= math.pi / 2 or min_lat <= -math.pi / 2 or angle >= math.pi / 2:
        half_width = math.pi
    else:
        half_width = math.asin(min(1.0, math.sin(angle) / math.cos(lat)))
    return Box(
        min_lat=max(-90.0, math.degrees(min_lat)),
        max_lat=min(90.0, math.degrees(max_lat)),
        min_lon=max(-180.0, point.lon - math.degrees(half_width)),
        max_lon=min(180.0, point.lon + math.degrees(half_width)),
    )
