"""Protected reads of the directory's live capacity, verification tasks and proposed edits.

Directory listings describe services, not people, so reading them is not audited. What is
guarded is who may act on them: only the agency that keeps an organization's listing reports its
capacity and proposes edits to it (another agency's site answers 404); the directory maintainer
works on every listing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404

from crossroads.core import access
from crossroads.core.models import User
from crossroads.directory import freshness
from crossroads.directory.models import (
    Address,
    CapacityReport,
    Location,
    Organization,
    ProposedChange,
    Service,
    ServiceAtLocation,
    VerificationTask,
)

# The listings an organisation keeps, by HSDS table: what is verified, and what it may edit.
Listing = Organization | Service | Location
LISTING_MODELS: dict[str, type[Organization] | type[Service] | type[Location]] = {
    "organization": Organization,
    "service": Service,
    "location": Location,
}


def sites_kept_by(agency_id: UUID) -> QuerySet[ServiceAtLocation]:
    """The sites of services whose organization this agency keeps."""
    return ServiceAtLocation.objects.filter(service__organization__agency_id=agency_id)


# --- Live capacity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentCapacity:
    """The newest report of one kind at a site, and what it means now."""

    report: CapacityReport
    state: freshness.CapacityState


@dataclass(frozen=True)
class SiteCapacity:
    site: ServiceAtLocation
    service_name: str
    location_name: str
    current: list[CurrentCapacity]


def current_capacity(
    site_ids: Collection[UUID], *, now: datetime
) -> dict[UUID, list[CurrentCapacity]]:
    """Each site's newest report per kind (in kind order), judged fresh or not at `now`.

    One query however long the history: the database ranks the reports per (site, kind)."""
    newest_first = Window(
        RowNumber(),
        partition_by=[F("service_at_location_id"), F("kind")],
        order_by=F("reported_at").desc(),
    )
    reports = (
        CapacityReport.objects.filter(service_at_location_id__in=site_ids)
        .annotate(rank=newest_first)
        .filter(rank=1)
        .select_related("reported_by")
        .order_by("kind")
    )
    found: dict[UUID, list[CurrentCapacity]] = defaultdict(list)
    for report in reports:
        state = freshness.capacity_state(
            has_room=report.has_room,
            reported_at=report.reported_at,
            now=now,
            max_age=settings.DIRECTORY_CAPACITY_MAX_AGE,
        )
        found[report.service_at_location_id].append(CurrentCapacity(report, state))
    return found


def capacity_board_for(user: User, *, now: datetime) -> list[SiteCapacity]:
    """The sites the user's agency keeps, each with its current capacity, by name."""
    access.require_permission(user, "directory.capacity")
    sites = list(sites_kept_by(user.agency_id))
    return _with_capacity(sites, now)


def capacity_site_for(user: User, site_id: UUID) -> ServiceAtLocation:
    """A site the user's agency keeps, to report on or read the history of; else 404."""
    access.require_permission(user, "directory.capacity")
    return get_object_or_404(sites_kept_by(user.agency_id), pk=site_id)


def site_capacity_for(user: User, site_id: UUID, *, now: datetime) -> SiteCapacity:
    """Any site's current capacity: everyone who searches the directory may read it."""
    access.require_permission(user, "directory.view")
    return capacity_of(get_object_or_404(ServiceAtLocation, pk=site_id), now=now)


def capacity_of(site: ServiceAtLocation, *, now: datetime) -> SiteCapacity:
    """A site's current capacity; `site` came through one of the doors above."""
    return _with_capacity([site], now)[0]


def capacity_history(site: ServiceAtLocation, *, limit: int) -> list[CapacityReport]:
    """A site's reports, newest first; `site` came through one of the doors above."""
    reports = CapacityReport.objects.filter(service_at_location=site).select_related("reported_by")
    return list(reports[:limit])


def _with_capacity(sites: list[ServiceAtLocation], now: datetime) -> list[SiteCapacity]:
    # Looked up apart, not joined: HSDS data may name a service or location it does not carry.
    services = Service.objects.in_bulk({site.service_id for site in sites})
    locations = Location.objects.in_bulk({site.location_id for site in sites})
    current = current_capacity([site.pk for site in sites], now=now)
    board = [
        SiteCapacity(
            site=site,
            service_name=_name(services.get(site.service_id), "Service not in the directory"),
            location_name=_name(locations.get(site.location_id), "Location not in the directory"),
            current=current[site.pk],
        )
        for site in sites
    ]
    return sorted(board, key=lambda entry: (entry.service_name, entry.location_name))


def _name(record: Service | Location | None, missing: str) -> str:
    if record is None:
        return missing
    return record.name or str(record.pk)


# --- Verification ------------------------------------------------------------------------------


def open_verification_tasks_for(user: User, *, limit: int) -> tuple[list[VerificationTask], int]:
    """The maintainer's open tasks, longest unverified first (never verified before all), and
    how many are open in all."""
    access.require_permission(user, "directory.maintain")
    tasks = VerificationTask.objects.filter(status=VerificationTask.Status.OPEN).order_by(
        F("last_verified_on").asc(nulls_first=True), "created_at", "record_name"
    )
    return list(tasks[:limit]), tasks.count()


def verification_task_for(user: User, task_id: UUID) -> VerificationTask:
    access.require_permission(user, "directory.maintain")
    return get_object_or_404(VerificationTask, pk=task_id)


# --- Proposed changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ChangeReview:
    """A proposed edit as the maintainer reviews it: field by field, before and after."""

    change: ProposedChange
    record_name: str
    fields: list[FieldChange]


def pending_changes_for(user: User) -> list[ChangeReview]:
    """Edits waiting for review, oldest first."""
    access.require_permission(user, "directory.maintain")
    changes = ProposedChange.objects.filter(status=ProposedChange.Status.PENDING)
    return _reviews(list(changes.select_related("organization", "proposed_by__agency")))


def proposed_change_for(user: User, change_id: UUID) -> ProposedChange:
    access.require_permission(user, "directory.maintain")
    return get_object_or_404(ProposedChange, pk=change_id)


def own_changes_for(user: User, *, limit: int = 50) -> list[ChangeReview]:
    """The edits the user's agency proposed, newest first, with how each was decided."""
    access.require_permission(user, "directory.propose")
    changes = ProposedChange.objects.filter(organization__agency_id=user.agency_id)
    return _reviews(list(changes.select_related("reviewed_by").order_by("-proposed_at")[:limit]))


def _reviews(changes: list[ProposedChange]) -> list[ChangeReview]:
    names = _record_names([(c.record_table, c.record_id) for c in changes])
    return [
        ChangeReview(
            change=change,
            record_name=names.get(change.record_id, str(change.record_id)),
            fields=[
                FieldChange(
                    name,
                    field_label(change.record_table, name),
                    shown(change.previous.get(name)),
                    shown(to),
                )
                for name, to in change.changes.items()
            ],
        )
        for change in changes
    ]


def _record_names(records: list[tuple[str, UUID]]) -> dict[UUID, str]:
    wanted: dict[str, set[UUID]] = defaultdict(set)
    for table, record_id in records:
        wanted[table].add(record_id)
    names: dict[UUID, str] = {}
    for table, ids in wanted.items():
        rows = LISTING_MODELS[table].objects.filter(pk__in=ids).values_list("pk", "name")
        names.update({pk: name or str(pk) for pk, name in rows})
    return names


# Where the HSDS field name is not how a person says it.
FIELD_LABELS = {"url": "Web address", "email": "Email address"}


def field_label(table: str, name: str) -> str:
    """How a page names a listing's field: "Eligibility description"."""
    field = LISTING_MODELS[table]._meta.get_field(name)
    return FIELD_LABELS.get(name) or str(getattr(field, "verbose_name", name)).capitalize()


def shown(value: Any) -> Any:
    """A value as a person reads it: HSDS ages are numbers, and 18.0 years is 18."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# --- The provider's own listings ----------------------------------------------------------------


@dataclass(frozen=True)
class OwnListing:
    organization: Organization
    services: list[Service]
    locations: list[Location]


def own_listings_for(user: User) -> list[OwnListing]:
    """The organizations the user's agency keeps, with their services and locations."""
    access.require_permission(user, "directory.propose")
    organizations = list(Organization.objects.filter(agency_id=user.agency_id).order_by("name"))
    ids = [organization.pk for organization in organizations]
    services: dict[UUID, list[Service]] = defaultdict(list)
    for service in Service.objects.filter(organization_id__in=ids).order_by("name"):
        services[service.organization_id].append(service)
    locations: dict[UUID | None, list[Location]] = defaultdict(list)
    for location in Location.objects.filter(organization_id__in=ids).order_by("name"):
        locations[location.organization_id].append(location)
    return [OwnListing(o, services[o.pk], locations[o.pk]) for o in organizations]


def keeper_of(record: Listing) -> Organization | None:
    """The organization a record belongs to (its agency keeps it), if it is in the directory."""
    owner = record.pk if isinstance(record, Organization) else record.organization_id
    return Organization.objects.filter(pk=owner).first() if owner else None


def listing_for(user: User, table: str, record_id: UUID) -> Listing:
    """An organization, service or location the user's agency keeps, to propose edits to;
    any other answers 404."""
    access.require_permission(user, "directory.propose")
    model = LISTING_MODELS.get(table)
    if model is None:
        raise Http404
    record = model.objects.filter(pk=record_id).first()
    if record is None:
        raise Http404
    keeper = keeper_of(record)
    if keeper is None or keeper.agency_id != user.agency_id:
        raise Http404
    return record


def pending_changes_of(record: Listing) -> list[ProposedChange]:
    """The edits to a record still waiting for review; `record` came through listing_for."""
    return list(
        ProposedChange.objects.filter(
            record_table=record.hsds_table,
            record_id=record.pk,
            status=ProposedChange.Status.PENDING,
        ).select_related("proposed_by")
    )


def addresses_on_street(street: str) -> list[tuple[str, float | None, float | None]]:
    """The city and point of each directory address on this street (any case), for reading a
    search's `near` (places.resolve_near). Listings are public: not audited."""
    rows = Address.objects.filter(address_1__iexact=street).values_list(
        "city", "location__latitude", "location__longitude"
    )
    return list(rows)
