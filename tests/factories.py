"""Test data, made through the same actions the product uses (so the audit chain stays whole)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date

from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.core import actions
from crossroads.core.actions import Flow
from crossroads.core.models import Agency, Partnership, User
from crossroads.core.roles import role_book
from crossroads.directory import actions as directory_actions
from crossroads.directory.models import Organization, Service, ServiceAtLocation

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def make_agency(type: str = Agency.Type.POLICE, **fields: object) -> Agency:
    n = next(_serial)
    defaults: dict[str, object] = {
        "name": f"Test Agency {n}",
        "short_name": f"TA{n}",
        "jurisdiction": "Test County",
    }
    return actions.agency_create(by=None, type=type, **{**defaults, **fields})  # type: ignore[arg-type]


def make_user(
    agency: Agency, *roles: str, username: str | None = None, password: str = PASSWORD
) -> User:
    n = next(_serial)
    return actions.user_create(
        by=None,
        agency=agency,
        username=username or f"user{n}",
        email=f"user{n}@example.org",
        first_name="Test",
        last_name=f"Person {n}",
        password=password,
        roles=roles or ["officer"],
    )


def agency_for_role(role: str) -> str:
    return role_book().roles[role].agency_types[0]


def make_partnership(
    source: Agency,
    recipient: Agency,
    category: str,
    starts_on: date = date(2024, 1, 1),
    ends_on: date | None = None,
) -> Partnership:
    return actions.partnership_create(
        by=None,
        name=f"MOU {next(_serial)}",
        parties=[source, recipient],
        flows=[Flow(source, recipient, category)],
        starts_on=starts_on,
        ends_on=ends_on,
    )


def enrol_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return device


def current_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + offset_steps * device.step
    return f"{totp.token():06d}"


def signed_in_client(user: User, **client_options: object) -> Client:
    """A client whose session passed both factors, as after a real sign-in."""
    client = Client(**client_options)  # type: ignore[arg-type]
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_device(user)
    client.force_login(user)
    session = client.session
    now = timezone.now().timestamp()
    session.update({"otp_device_id": device.persistent_id, "signed_in_at": now, "last_seen": now})
    session.save()
    return client


def make_service(
    name: str = "Alder Crisis Line", *, agency: Agency | None = None, **service: object
) -> Service:
    """A directory service and its organisation, loaded the way agencies load theirs (HSDS)."""
    n = next(_serial)
    organization_id, service_id = uuid.uuid4(), uuid.uuid4()
    package = {
        "organization": [
            {"id": str(organization_id), "name": f"Test Organisation {n}", "description": "Test."}
        ],
        "service": [
            {
                "id": str(service_id),
                "organization_id": str(organization_id),
                "name": name,
                "status": "active",
                **service,
            }
        ],
    }
    directory_actions.hsds_import(by=None, package=package, source="tests")
    if agency is not None:
        directory_actions.organization_assign_agency(
            by=None, organization=Organization.objects.get(pk=organization_id), agency=agency
        )
    return Service.objects.get(pk=service_id)


def make_site(
    service_name: str = "Harbor Crisis Stabilization",
    *,
    agency: Agency | None = None,
    location_name: str | None = None,
) -> ServiceAtLocation:
    """A place a directory service is offered (HSDS service_at_location) and its location; the
    service's organisation is kept by `agency`, whose staff report the site's capacity."""
    service = make_service(service_name, agency=agency)
    location_id, site_id = uuid.uuid4(), uuid.uuid4()
    package = {
        "location": [
            {
                "id": str(location_id),
                "organization_id": str(service.organization_id),
                "name": location_name or f"Test Site {next(_serial)}",
                "location_type": "physical",
            }
        ],
        "service_at_location": [
            {"id": str(site_id), "service_id": str(service.pk), "location_id": str(location_id)}
        ],
    }
    directory_actions.hsds_import(by=None, package=package, source="tests")
    return ServiceAtLocation.objects.get(pk=site_id)
