"""What a service's page shows: the service, who runs it, each place it is offered with its
address, phones, hours and live capacity, and how fresh all of that is.

Directory listings are public information about services, not about people, so these reads are
not audited; they are batched (a fixed number of queries whatever the service's size).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.db.models import Q
from django.http import Http404

from crossroads.directory import freshness, taxonomy
from crossroads.directory.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from crossroads.directory.queries import CurrentCapacity, current_capacity

DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


@dataclass
class Site:
    site: ServiceAtLocation
    location: Location | None
    addresses: list[Address] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)
    capacity: list[CurrentCapacity] = field(default_factory=list)


@dataclass
class ServiceListing:
    service: Service
    organization: Organization | None
    terms: dict[str, list[str]]  # category / access / payment -> names
    phones: list[Phone]
    hours: list[str]
    sites: list[Site]
    verified_on: date | None
    verification_overdue: bool


def service_listing(service_id: UUID, *, now: datetime) -> ServiceListing:
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        raise Http404("No such service")
    site_rows = list(ServiceAtLocation.objects.filter(service_id=service.id))
    locations = Location.objects.in_bulk([s.location_id for s in site_rows])
    owners = Q(service_id=service.id) | Q(service_at_location_id__in=[s.id for s in site_rows])
    owners |= Q(location_id__in=list(locations))
    phones = list(Phone.objects.filter(owners))
    schedules = list(Schedule.objects.filter(owners))
    sites = [Site(site=s, location=locations.get(s.location_id)) for s in site_rows]
    _place(sites, phones, schedules, now)
    verified_on = service.last_verified_on or service.assured_date
    return ServiceListing(
        service=service,
        organization=Organization.objects.filter(pk=service.organization_id).first(),
        terms=_terms(service),
        phones=[p for p in phones if p.service_id == service.id],
        hours=[_hours(s) for s in schedules if s.service_id == service.id and not s.location_id],
        sites=sites,
        verified_on=verified_on,
        verification_overdue=freshness.verification_overdue(
            verified_on=verified_on,
            today=now.date(),
            within=settings.DIRECTORY_VERIFY_WITHIN,
        ),
    )


def _place(
    sites: list[Site], phones: list[Phone], schedules: list[Schedule], now: datetime
) -> None:
    """Hand each site its address, phones, hours (its own, else its location's) and capacity."""
    addresses = defaultdict(list)
    for address in Address.objects.filter(location_id__in=[s.site.location_id for s in sites]):
        addresses[address.location_id].append(address)
    capacity = current_capacity([s.site.id for s in sites], now=now)
    for site in sites:
        site.addresses = addresses[site.site.location_id]
        site.phones = [
            p
            for p in phones
            if p.service_at_location_id == site.site.id or p.location_id == site.site.location_id
        ]
        own = [s for s in schedules if s.service_at_location_id == site.site.id]
        at_location = [
            s
            for s in schedules
            if s.location_id == site.site.location_id and not s.service_at_location_id
        ]
        site.hours = [_hours(s) for s in own or at_location]
        site.capacity = capacity[site.site.id]


def _terms(service: Service) -> dict[str, list[str]]:
    """The service's Crossroads terms by group (category, access, payment), by name."""
    by_id = taxonomy.crossroads_taxonomy().by_id()
    tagged = Attribute.objects.filter(link_id=service.id).values_list("taxonomy_term_id", flat=True)
    named: dict[str, list[str]] = defaultdict(list)
    for term in (by_id[t] for t in tagged if t in by_id and by_id[t].parent_id):
        named[term.group].append(term.name)
    return named


def _hours(schedule: Schedule) -> str:
    if schedule.description:
        return schedule.description
    codes = [d.strip() for d in (schedule.byday or "").split(",") if d.strip()]
    days = (
        "Every day"
        if set(codes) in (set(DAYS), set())
        else ", ".join(DAYS.get(d, d) for d in codes)
    )
    opens, closes = schedule.opens_at, schedule.closes_at
    if opens is None:
        return days if codes else "Hours not given"
    if closes is None:
        return f"{days} from {opens:%H:%M}"
    if opens == closes:
        return f"{days}, 24 hours"
    overnight = " (overnight)" if closes < opens else ""
    return f"{days} {opens:%H:%M} to {closes:%H:%M}{overnight}"
