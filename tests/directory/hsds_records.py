"""A small directory for search tests, written as HSDS records and loaded by the real import.

records = Records()
detox = records.service("Valley Detox", categories=["withdrawal-management"])
records.site(detox, lat=39.76, lon=-84.19, hours=[weekly("MO,TU", "09:00", "17:00")])
records.load()          # actions.hsds_import, which rebuilds the search index
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from crossroads.core.models import Agency
from crossroads.directory import actions, taxonomy
from crossroads.directory.models import Organization

Record = dict[str, Any]


def weekly(days: str, opens: str | None = None, closes: str | None = None, **more: Any) -> Record:
    """An HSDS schedule row (without its owner) open on these days."""
    row: Record = {"freq": "WEEKLY", "byday": days, **more}
    if opens is not None:
        row["opens_at"] = opens
    if closes is not None:
        row["closes_at"] = closes
    return row


EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
AROUND_THE_CLOCK = weekly(EVERY_DAY, "00:00", "00:00")


class Records:
    def __init__(self, organization: str = "Miami Valley Behavioral Health") -> None:
        self.tables: dict[str, list[Record]] = defaultdict(list)
        self.organization_id = self._add("organization", name=organization, description="Test.")

    def _add(self, table: str, **fields: Any) -> str:
        record_id = str(uuid.uuid4())
        self.tables[table].append({"id": record_id, **fields})
        return record_id

    def service(
        self,
        name: str,
        *,
        categories: Iterable[str] = (),
        access: Iterable[str] = (),
        payments: Iterable[str] = (),
        hours: Iterable[Record] = (),
        languages: Iterable[str] = (),
        **fields: Any,
    ) -> str:
        fields.setdefault("status", "active")
        service_id = self._add("service", organization_id=self.organization_id, name=name, **fields)
        self.tag(service_id, "service", *categories, *access, *payments)
        self._hours("service_id", service_id, hours)
        for code in languages:
            self._add("language", service_id=service_id, code=code, name=code)
        return service_id

    def site(
        self,
        service_id: str,
        *,
        lat: float | None,
        lon: float | None,
        name: str = "Main office",
        street: str = "1 Main St",
        city: str = "Dayton",
        state: str = "OH",
        postal_code: str = "45402",
        access: Iterable[str] = (),
        hours: Iterable[Record] = (),
        location_hours: Iterable[Record] = (),
        languages: Iterable[str] = (),
    ) -> str:
        """A location with its address, and the service offered there; returns the site id."""
        location_id = self._add(
            "location", name=name, location_type="physical", latitude=lat, longitude=lon
        )
        self._add(
            "address",
            location_id=location_id,
            address_1=street,
            city=city,
            state_province=state,
            postal_code=postal_code,
            country="US",
            address_type="physical",
        )
        site_id = self._add("service_at_location", service_id=service_id, location_id=location_id)
        self.tag(location_id, "location", *access)
        self._hours("location_id", location_id, location_hours)
        self._hours("service_at_location_id", site_id, hours)
        for code in languages:
            self._add("language", location_id=location_id, code=code, name=code)
        return site_id

    def location_of(self, site_id: str) -> str:
        return next(
            s["location_id"] for s in self.tables["service_at_location"] if s["id"] == site_id
        )

    def tag(self, link_id: str, entity: str, *codes: str, value: str | None = None) -> None:
        """Attributes with Crossroads terms."""
        for code in codes:
            self.attribute(link_id, entity, str(taxonomy.term_id(code)), value=value)

    def attribute(self, link_id: str, entity: str, term_id: str, value: str | None = None) -> None:
        self._add(
            "attribute",
            link_id=link_id,
            link_entity=entity,
            taxonomy_term_id=term_id,
            **({"value": value} if value is not None else {}),
        )

    def term(self, name: str) -> str:
        """An agency's own taxonomy term (to be mapped onto a Crossroads one)."""
        taxonomy_id = self._add("taxonomy", name="County terms", description="Ours.")
        return self._add(
            "taxonomy_term", name=name, description=name, code=name, taxonomy_id=taxonomy_id
        )

    def _hours(self, owner: str, owner_id: str, rows: Iterable[Record]) -> None:
        for row in rows:
            self._add("schedule", **{owner: owner_id}, **row)

    def load(self, *, kept_by: Agency | None = None) -> None:
        actions.hsds_import(by=None, package=dict(self.tables), source="tests")
        if kept_by is not None:
            actions.organization_assign_agency(
                by=None,
                organization=Organization.objects.get(pk=self.organization_id),
                agency=kept_by,
            )
