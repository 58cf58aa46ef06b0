"""The demo county's resource directory: about 150 organisations and 400 services as an Open
Referral HSDS 3.0 package, and a month of live-capacity reports for its beds and slots (issue 4).

Alder County is fictional, and so is every name, street number and phone number here (numbers
are in the 555-01xx range kept for fiction). Only the map is borrowed: the county sits on the ZIP
codes of Montgomery County, Ohio (America/New_York), and each location is placed near the real
centroid of its ZIP code, so a ZIP search works against the offline `zipcodes` package. Its
towns get fictional names (the ZIP codes of Dayton are Riverton's).

The mix is what a county's behavioural-health directory holds: a few crisis stabilisation units
that take police drop-offs around the clock; mobile crisis teams and a 988 line with no place to
go to; detox and residential beds; methadone clinics dosing from early morning with same-day
starts; weekday outpatient clinics, many closed on public holidays; overnight shelters; afternoon
syringe services; naloxone at pharmacies; churches hosting recovery meetings in the evening.
About one record in ten was last verified more than 180 days ago, so the maintainer has work.

`directory_package` and `capacity_history` are plain functions of the seed and the day; `load`
writes their output through the directory's actions, as a real county's import would.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import zipcodes
from django.conf import settings

from crossroads.core.models import User
from crossroads.demo.alder import STREETS
from crossroads.demo.resources import (
    ALWAYS,
    DENOMINATIONS,
    DETOX,
    FEES,
    HOURS,
    KINDS,
    PAYMENTS,
    PROVIDERS,
    SAINTS,
    SURNAMES,
    VIRTUES,
    Kind,
    Offer,
)
from crossroads.directory import actions, queries, taxonomy
from crossroads.directory.actions import CapacityReading
from crossroads.directory.models import Location, Organization, Service

if TYPE_CHECKING:
    from crossroads.demo.county import County

Records = dict[str, list[dict[str, Any]]]  # HSDS rows by table, as HSDS JSON writes them

# --- The map --------------------------------------------------------------------------------

AREA_COUNTY, AREA_STATE = "Montgomery County", "OH"
TIME_ZONE = "America/New_York"
AREA_CODES = ("937", "326")  # the real area codes of the borrowed ZIP codes
TOWNS = {  # real city of the ZIP code -> the fictional town on it
    "Dayton": "Riverton",
    "Brookville": "Elmwood",
    "Clayton": "Maple Hill",
    "Englewood": "Westbrook",
    "Farmersville": "Fairview",
    "Germantown": "Harlan",
    "Miamisburg": "South Alder",
    "New Lebanon": "Cedar Springs",
    "Vandalia": "Northfield",
}
NEIGHBOURHOODS = ("Northside", "Eastwood", "Old Town", "Riverside", "Southgate", "Westgate")
ALL_STREETS = (
    *STREETS,
    "Main St",
    "Oak St",
    "Third St",
    "Salem Ave",
    "Wayne Ave",
    "Kettering Blvd",
)
JITTER_DEGREES = 0.008  # about 900 m: a spread of addresses around the ZIP code's centroid


_zip_filter_by: Callable[..., list[dict[str, Any]]] = zipcodes.filter_by  # untyped library


@dataclass(frozen=True)
class Zip:
    code: str
    town: str
    latitude: float
    longitude: float


@cache
def zip_areas() -> tuple[Zip, ...]:
    """The street ZIP codes of the borrowed county (no PO boxes or single-firm codes)."""
    found = _zip_filter_by(county=AREA_COUNTY, state=AREA_STATE)
    return tuple(
        Zip(z["zip_code"], TOWNS[z["city"]], float(z["lat"]), float(z["long"]))
        for z in sorted(found, key=lambda z: z["zip_code"])
        if z["active"] and z["zip_code_type"] == "STANDARD"
    )


# --- The package ----------------------------------------------------------------------------

NAMESPACE = uuid.UUID("3c9b7a55-0d1e-4f6a-8a0c-5d2f9e1b7c40")  # of the demo directory's ids
ASSURER = "directory@alder.example"
OVERDUE_SHARE = 0.1  # last verified longer ago than settings.DIRECTORY_VERIFY_WITHIN
LANGUAGES = {"en": "English", "es": "Spanish", "vi": "Vietnamese", "ar": "Arabic", "so": "Somali"}
SPANISH_SHARE = 0.35
OTHER_LANGUAGE_SHARE = 0.12  # one of Vietnamese, Arabic, Somali


@dataclass(frozen=True)
class Site:
    """A service at a location that reports its live capacity."""

    id: uuid.UUID  # the service_at_location
    kind: str
    total: int
    provider: str | None  # the county agency running it, if it is one of PROVIDERS


Listing = tuple[str, uuid.UUID]  # an HSDS table the maintainer verifies, and a record of it


@dataclass
class DemoDirectory:
    records: Records
    sites: list[Site]
    providers: dict[str, uuid.UUID]  # county agency key -> its organisation
    verified_on: dict[Listing, date]  # when the maintainer last confirmed each listing


@dataclass
class _Org:
    """An organisation before it is written: its name and plan, drawn from a Kind or fixed."""

    name: str
    description: str
    offers: list[Offer]
    zips: list[Zip]
    nonprofit: bool = True
    provider: str | None = None


@dataclass
class _Builder:
    """Writes rows into the package; each row's id is fixed by the seed, its table and its
    position, so the same seed gives the same ids."""

    seed: int
    rng: random.Random
    today: date
    records: Records = field(default_factory=lambda: defaultdict(list))
    sites: list[Site] = field(default_factory=list)
    verified_on: dict[Listing, date] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # organisation id -> main number
    extensions: int = 100

    def add(self, table: str, **fields: Any) -> str:
        rows = self.records[table]
        row_id = str(uuid.uuid5(NAMESPACE, f"{self.seed}/{table}/{len(rows)}"))
        rows.append({"id": row_id, **{k: v for k, v in fields.items() if v is not None}})
        return row_id

    def main_number(self, org_id: str) -> None:
        """The organisation's own fictional number: 555-01xx, in each area code in turn."""
        area, line = divmod(len(self.numbers), 100)
        self.numbers[org_id] = f"{AREA_CODES[area % len(AREA_CODES)]}-555-01{line:02d}"
        self.add("phone", number=self.numbers[org_id], type="voice", organization_id=org_id)

    def extension(self, org_id: str, **owner: str) -> None:
        """A line of a service or site: an extension of its organisation's number."""
        self.extensions += 1
        self.add(
            "phone", number=self.numbers[org_id], extension=self.extensions, type="voice", **owner
        )

    def organization(self, org: _Org) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", org.name.lower()).strip("-")
        org_id = self.add(
            "organization",
            name=org.name,
            description=org.description,
            email=f"info@{slug}.example.org",
            website=f"https://{slug}.example.org",
            tax_status="501(c)(3)" if org.nonprofit else None,
            year_incorporated=self.rng.randint(1948, 2021),
        )
        self.verified_on["organization", uuid.UUID(org_id)] = self.verified()
        self.main_number(org_id)
        locations = [self.location(org, org_id, where, n) for n, where in enumerate(org.zips)]
        for offer in org.offers:
            self.service(offer, org_id, locations, provider=org.provider)
        return org_id

    def location(self, org: _Org, org_id: str, where: Zip, number: int) -> str:
        name = org.name if number == 0 else f"{org.name}, {self.rng.choice(NEIGHBOURHOODS)}"
        location_id = self.add(
            "location",
            location_type="physical",
            organization_id=org_id,
            name=name,
            transportation=f"Bus route {self.rng.randint(1, 22)} stops within a block.",
            latitude=round(where.latitude + self.rng.gauss(0, JITTER_DEGREES), 6),
            longitude=round(where.longitude + self.rng.gauss(0, JITTER_DEGREES), 6),
        )
        self.verified_on["location", uuid.UUID(location_id)] = self.verified()
        self.add(
            "address",
            location_id=location_id,
            address_1=f"{self.rng.randint(10, 4999)} {self.rng.choice(ALL_STREETS)}",
            city=where.town,
            region="Alder County",
            state_province=AREA_STATE,
            postal_code=where.code,
            country="US",
            address_type="physical",
        )
        return location_id

    def service(
        self, offer: Offer, org_id: str, locations: list[str], provider: str | None
    ) -> None:
        minimum_age, maximum_age, ages = offer.ages
        payments = [code for code, chance in PAYMENTS[offer.payment] if self.rng.random() < chance]
        verified = self.verified()
        service_id = self.add(
            "service",
            organization_id=org_id,
            name=offer.name,
            description=offer.description,
            status="active",
            application_process=offer.how,
            fees_description=_fees(payments),
            eligibility_description=offer.eligibility or ages,
            interpretation_services="Telephone interpreters for any language, free."
            if self.rng.random() < 0.5
            else None,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            assured_date=verified.isoformat(),
            assurer_email=ASSURER,
        )
        self.verified_on["service", uuid.UUID(service_id)] = verified
        self.terms(service_id, offer, payments)
        self.languages(service_id)
        if "sliding-scale" in payments:
            self.cost_option(service_id)
        if not offer.located:
            self.extension(org_id, service_id=service_id)
            self.schedule(offer.hours, service_id=service_id)
            return
        # The first location offers it; an organisation's other places do so half the time.
        here = [loc for n, loc in enumerate(locations) if n == 0 or self.rng.random() < 0.5]
        for location_id in here:
            site_id = self.add(
                "service_at_location", service_id=service_id, location_id=location_id
            )
            self.site(offer, org_id, site_id, provider)

    def site(self, offer: Offer, org_id: str, site_id: str, provider: str | None) -> None:
        self.schedule(offer.hours, service_at_location_id=site_id)
        capacity = offer.capacity
        if capacity is None or self.rng.random() >= capacity.reports:
            return
        self.extension(org_id, service_at_location_id=site_id)  # the intake line for its beds
        total = self.rng.randint(capacity.fewest, capacity.most)
        self.sites.append(Site(uuid.UUID(site_id), capacity.kind, total, provider))

    def schedule(self, pattern: str, **owner: str) -> None:
        for hours in self.rng.choice(HOURS[pattern]):
            self.add(
                "schedule",
                freq="WEEKLY",
                byday=hours.byday,
                opens_at=hours.opens,
                closes_at=hours.closes,
                description="Open 24 hours, every day." if hours in ALWAYS else None,
                **owner,
            )

    def terms(self, service_id: str, offer: Offer, payments: list[str]) -> None:
        access = [*offer.access]
        if self.rng.random() < offer.holidays:
            access.append("closed-on-holidays")
        for code in (*offer.categories, *access, *payments):
            self.add(
                "attribute",
                link_id=service_id,
                link_entity="service",
                taxonomy_term_id=str(taxonomy.term_id(code)),
            )

    def languages(self, service_id: str) -> None:
        codes = ["en"]
        if self.rng.random() < SPANISH_SHARE:
            codes.append("es")
        if self.rng.random() < OTHER_LANGUAGE_SHARE:
            codes.append(self.rng.choice(["vi", "ar", "so"]))
        for code in codes:
            self.add("language", service_id=service_id, code=code, name=LANGUAGES[code])

    def cost_option(self, service_id: str) -> None:
        least = self.rng.choice([5, 10, 15, 20])
        self.add(
            "cost_option",
            service_id=service_id,
            option="Per visit, by household income",
            currency="USD",
            amount=least,
            amount_description=f"From ${least} a visit; no one is turned away for inability "
            "to pay.",
            valid_from=date(self.today.year, 1, 1).isoformat(),
        )

    def verified(self) -> date:
        """When the maintainer last confirmed a record: mostly within the period, some not."""
        within = settings.DIRECTORY_VERIFY_WITHIN.days
        if self.rng.random() < OVERDUE_SHARE:
            days = self.rng.randint(within + 10, 3 * within)
        else:
            days = self.rng.randint(0, within - 10)
        return self.today - timedelta(days=days)


def _fees(payments: Sequence[str]) -> str:
    if "free" in payments:
        return FEES["free"]
    return FEES["sliding-scale" if "sliding-scale" in payments else "insured"]


def directory_package(seed: int, *, today: date, providers: Mapping[str, str]) -> DemoDirectory:
    """The county's directory as of `today` (the county's local date). `providers` names the
    organisation of each of the county's own agencies in PROVIDERS (agency key -> name)."""
    rng = random.Random(f"{seed}/directory")  # reproducible synthetic data  # nosec B311
    builder = _Builder(seed, rng, today)
    by_code = {z.code: z for z in zip_areas()}
    owned = {}
    for key, provider in PROVIDERS.items():
        org = _Org(
            providers[key],
            provider.description,
            list(provider.offers),
            [by_code[code] for code in provider.zips],
            provider=key,
        )
        owned[key] = uuid.UUID(builder.organization(org))
    taken = set(providers.values())
    for kind in KINDS:
        for _ in range(kind.count):
            builder.organization(_drawn(kind, rng, taken))
    return DemoDirectory(dict(builder.records), builder.sites, owned, builder.verified_on)


def _drawn(kind: Kind, rng: random.Random, taken: set[str]) -> _Org:
    """An organisation of this kind with a name not yet taken, its offers and its places."""
    zips = zip_areas()
    where = list(rng.sample(zips, rng.randint(*kind.sites)))
    name = _name(kind, rng, where[0].town)
    while name in taken:
        name = _name(kind, rng, rng.choice(zips).town)
    taken.add(name)
    offers = [offer for offer, chance in kind.offers if rng.random() < chance]
    return _Org(
        name,
        kind.description.format(place=where[0].town),
        offers or [kind.offers[0][0]],
        where,
        kind.nonprofit,
    )


def _name(kind: Kind, rng: random.Random, town: str) -> str:
    # Riverton, the county seat, names its places by neighbourhood too.
    local = NEIGHBOURHOODS if town == TOWNS["Dayton"] else ()
    place = rng.choice([town, town, "Alder", "Alder County", *local])
    return rng.choice(kind.names).format(
        place=place,
        saint=rng.choice(SAINTS),
        virtue=rng.choice(VIRTUES),
        denomination=rng.choice(DENOMINATIONS),
        surname=rng.choice(SURNAMES),
    )


# --- Capacity histories ---------------------------------------------------------------------

HISTORY = timedelta(days=30)
REPORT_EVERY = (2.0, 6.0)  # hours between one site's reports
SAME_DAY_KINDS = frozenset({"walk_in_slot"})  # counted down while the clinic is open
CLINIC_HOURS = (7, 19)  # local hours in which same-day slots are reported
STALE_SHARE = 0.12  # sites that stopped reporting ...
STALE_FOR = (2.0, 48.0)  # ... this many hours before their last report turned unknown
FULL_SHARE = 0.2  # sites full at their newest report
PAUSED_SHARE = 0.03  # reports not accepting though there is room (short-staffed)
STALE, FULL, OPEN, NOW = "stale", "full", "open", "now"


def capacity_history(sites: Sequence[Site], seed: int, *, now: datetime) -> list[CapacityReading]:
    """A report every 2 to 6 hours from each site over the 30 days before `now`. Some sites
    stopped reporting too long ago to be trusted (DIRECTORY_CAPACITY_MAX_AGE), some are full at
    their newest report and the rest have room; the county's crisis unit reports room at `now`,
    for the officer's demo."""
    rng = random.Random(f"{seed}/capacity")  # nosec B311
    endings = _endings(sites, rng)
    return [
        reading for site in sites for reading in _site_history(site, endings[site.id], rng, now)
    ]


def _endings(sites: Sequence[Site], rng: random.Random) -> dict[uuid.UUID, str]:
    """How each site's history ends; counted, not drawn one by one, so every ending occurs."""
    crisis_unit = {s.id for s in sites if s.provider == "csu" and s.kind == "crisis_bed"}
    others = [s.id for s in sites if s.id not in crisis_unit]
    rng.shuffle(others)
    stale = max(1, round(STALE_SHARE * len(others)))
    full = max(1, round(FULL_SHARE * len(others)))
    endings = dict.fromkeys(others[stale + full :], OPEN)
    endings |= dict.fromkeys(others[:stale], STALE) | dict.fromkeys(others[stale:][:full], FULL)
    return endings | dict.fromkeys(crisis_unit, NOW)


def _site_history(
    site: Site, ending: str, rng: random.Random, now: datetime
) -> Iterator[CapacityReading]:
    times = _report_times(site, rng, start=now - HISTORY, end=_newest(ending, now, rng))
    usual = rng.uniform(0.6, 0.95)  # the share of places this site usually has taken
    taken = usual
    for number, at in enumerate(times, start=1):
        taken = _taken(site, usual, taken, at, rng)
        available = site.total - round(taken * site.total)
        if number < len(times):
            yield _reading(site, at, available, rng, may_pause=True)
        elif ending == FULL:
            yield _reading(site, at, 0, rng, may_pause=False)
        else:
            room = max(available, rng.randint(1, max(1, site.total // 3)))
            yield _reading(site, at, room, rng, may_pause=False)


def _newest(ending: str, now: datetime, rng: random.Random) -> datetime:
    if ending == STALE:
        return now - settings.DIRECTORY_CAPACITY_MAX_AGE - timedelta(hours=rng.uniform(*STALE_FOR))
    if ending == NOW:
        return now
    return now - timedelta(minutes=rng.uniform(0, 120))


def _report_times(
    site: Site, rng: random.Random, *, start: datetime, end: datetime
) -> list[datetime]:
    """When the site reported, oldest first: back from `end` to `start` every 2 to 6 hours,
    and for same-day slots only while clinics are open."""
    zone = ZoneInfo(TIME_ZONE)
    opens, closes = CLINIC_HOURS
    times = []
    at = end
    while at > start:
        local = at.astimezone(zone)
        if site.kind in SAME_DAY_KINDS and not opens <= local.hour < closes:
            evening = local.date() - timedelta(days=0 if local.hour >= closes else 1)
            at = datetime.combine(evening, time(closes), zone) - timedelta(
                minutes=rng.uniform(1, 60)
            )
            continue
        times.append(at.astimezone(UTC))
        at -= timedelta(hours=rng.uniform(*REPORT_EVERY))
    return times[::-1]


def _taken(site: Site, usual: float, taken: float, at: datetime, rng: random.Random) -> float:
    """The share of places taken at `at`. Beds drift around the site's usual occupancy (people
    come and go at any hour); same-day slots fill up through the clinic's day, faster on busy
    days, and start empty the next morning."""
    if site.kind in SAME_DAY_KINDS:
        local = at.astimezone(ZoneInfo(TIME_ZONE))
        opens, closes = CLINIC_HOURS
        elapsed = (local.hour + local.minute / 60 - opens) / (closes - opens)
        return min(1.0, elapsed * rng.uniform(0.5, 1.6))
    drifted = taken + 0.3 * (usual - taken) + rng.gauss(0, 0.08)
    return min(1.0, max(0.0, drifted))


def _reading(
    site: Site, at: datetime, available: int, rng: random.Random, *, may_pause: bool
) -> CapacityReading:
    paused = may_pause and available > 0 and rng.random() < PAUSED_SHARE
    accepting = available > 0 and not paused
    return CapacityReading(
        site_id=site.id,
        kind=site.kind,
        available=available,
        total=site.total,
        accepting=accepting,
        wait_minutes=rng.randint(10, 90) if accepting and site.kind in SAME_DAY_KINDS else None,
        reported_at=at,
        note="Admissions paused: short-staffed." if paused else "",
    )


# --- Loading --------------------------------------------------------------------------------


def load(
    county: County,
    names: Mapping[str, str],
    *,
    seed: int,
    now: datetime,
    progress: Callable[[str], None],
) -> DemoDirectory:
    """Write the directory as a real county's would arrive: an HSDS import by the system, each
    provider's listing handed to its agency, the days listings were last verified carried over,
    a month of capacity reports from the providers' bed boards, and edits Harbor's intake staff
    proposed. `names` names each county agency (its key -> its name, without "(synthetic)")."""
    today = now.astimezone(ZoneInfo(TIME_ZONE)).date()
    demo = directory_package(seed, today=today, providers={key: names[key] for key in PROVIDERS})
    records = demo.records
    progress(
        f"resource directory: {len(records['organization'])} organisations, "
        f"{len(records['service'])} services (HSDS import)"
    )
    actions.hsds_import(by=None, package=records, source=f"demo generator (seed {seed})")
    for key, organization_id in demo.providers.items():
        actions.organization_assign_agency(
            by=None,
            organization=Organization.objects.get(pk=organization_id),
            agency=county.agencies[key],
        )
    # The directory the county kept before knows when each listing was last verified; the
    # sweep then hands the maintainer what has gone unverified too long.
    actions.verifications_import(by=None, verified_on=demo.verified_on)
    actions.verification_tasks_open(today=today)
    readings = capacity_history(demo.sites, seed, now=now)
    progress(f"{len(readings)} capacity reports from {len(demo.sites)} sites")
    actions.capacity_reports_import(by=None, readings=readings)
    intake = next(user for user in county.sign_ins if user.username == INTAKE)
    _propose_edits(intake, demo.providers["harbor"])
    return demo


INTAKE = "intake"  # Harbor's demo sign-in (county.DEMO_SIGN_INS)


def _propose_edits(intake: User, harbor: uuid.UUID) -> None:
    """Two edits Harbor's intake staff made to its listing, waiting for the maintainer."""
    detox = Service.objects.get(organization_id=harbor, name=DETOX.name)
    place = Location.objects.filter(organization_id=harbor).earliest("name")
    edits: list[tuple[str, uuid.UUID, dict[str, Any]]] = [
        (
            "service",
            detox.pk,
            {
                "eligibility_description": "Adults 18 and over in or facing withdrawal, "
                "including people on methadone or buprenorphine.",
                "wait_time": "Same day; after 22:00 please call ahead.",
            },
        ),
        (
            "location",
            place.pk,
            {"transportation": "Bus route 7 stops at the door; free parking behind the building."},
        ),
    ]
    for table, record_id, changes in edits:
        record = queries.listing_for(intake, table, record_id)
        actions.change_propose(by=intake, record=record, changes=changes)
