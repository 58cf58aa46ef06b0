"""What a service's page shows: the service, who runs it, each place it is offered with its
address, phones, hours and live capacity, and how fresh all of that is.

Directory listings are public information about services, not about people, so these reads are
not audited; they are batched (a fixed number of queries whatever the service's size).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
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
    categories: list[str]
    phones: list[Phone]
    hours: list[str]
    sites: list[Site]
    verified_on: object
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
        categories=_categories(service),
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
            if site.site.id in (p.service_at_location_id,) or p.location_id == site.site.location_id
        ]
        own = [s for s in schedules if s.service_at_location_id == site.site.id]
        at_location = [
            s
            for s in schedules
            if s.location_id == site.site.location_id and not s.service_at_location_id
        ]
        site.hours = [_hours(s) for s in own or at_location]
        site.capacity = capacity[site.site.id]


def _categories(service: Service) -> list[str]:
    by_id = taxonomy.crossroads_taxonomy().by_id()
    terms = Attribute.objects.filter(link_id=service.id).values_list("taxonomy_term_id", flat=True)
    return [by_id[t].name for t in terms if t in by_id and by_id[t].parent_id]


def _hours(schedule: Schedule) -> str:
    if schedule.description:
        return schedule.description
    days = ", ".join(DAYS.get(d.strip(), d) for d in (schedule.byday or "").split(",") if d)
    if schedule.opens_at is None:
        return days or "Hours not given"
    span = (
        f"{schedule.opens_at:%H:%M} to {schedule.closes_at:%H:%M}"
        if schedule.closes_at
        else f"from {schedule.opens_at:%H:%M}"
    )
    return f"{days or 'Every day'} {span}"
