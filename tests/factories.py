"""Test data, made through the same actions the product uses (so the audit chain stays whole)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.consent import actions as consent_actions
from crossroads.consent.models import Consent, CourtOrder
from crossroads.core import actions
from crossroads.core.actions import Flow
from crossroads.core.models import Agency, Partnership, User
from crossroads.core.roles import role_book
from crossroads.directory import actions as directory_actions
from crossroads.directory.models import Organization, Service, ServiceAtLocation
from crossroads.people import actions as people_actions
from crossroads.people.models import Person
from crossroads.programs import actions as program_actions
from crossroads.programs.models import Case, Program
from crossroads.training import actions as training_actions
from crossroads.training import queries as training_queries
from crossroads.training.models import Squad

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


# A few bytes that read as a PNG image: enough for the signed-form and court-order checks.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(32)


def make_consent(
    by: User,
    person: Person,
    *,
    discloser: Agency | None = None,
    recipients: Iterable[Agency] = (),
    **terms: Any,
) -> Consent:
    """A complete §2.31 consent, recorded by `by` (of the person's agency, or the discloser's),
    signed by typed name now; `terms` change any element."""
    fields: dict[str, Any] = {
        "information": ["engagement"],
        "recipient_classes": [],
        "purposes": ["treatment"],
        "right_to_revoke_acknowledged": True,
        "expires_at": timezone.now() + timedelta(days=365),
        "expiry_event": "",
        "criminal_justice": False,
        "irrevocable_until_event": "",
        "signature": "typed",
        "signed_by": "Sam Doe",
        "signed_at": timezone.now(),
        **terms,
    }
    return consent_actions.consent_record(
        by=by,
        person=person,
        discloser=discloser or by.agency,
        recipients=list(recipients),
        **fields,
    )


def make_court_order(
    by: User, person: Person, *, discloser: Agency, recipient: Agency, **terms: Any
) -> CourtOrder:
    """A pending court order recorded by `by` (it needs consent.court_orders), in force for 30
    days from now; `terms` change any field."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "court": "Test County Superior Court",
        "docket_number": f"CR-{next(_serial)}",
        "section": "2.64",
        "purposes": ["treatment"],
        "information": ["engagement"],
        "issued_on": timezone.localdate(),
        "valid_from": now,
        "valid_until": now + timedelta(days=30),
        **terms,
    }
    return consent_actions.court_order_record(
        by=by, person=person, discloser=discloser, recipient=recipient, **fields
    )


def make_program(agency: Agency, type: str = "cit_follow_up", **settings: object) -> Program:
    """A program `agency` runs, with its own `settings` (programs/types.py ADJUSTABLE)."""
    n = next(_serial)
    return program_actions.program_create(
        by=None,
        agency=agency,
        type=type,
        name=f"Test Program {n}",
        slug=f"program-{n}",
        settings=settings,
    )


def make_case(
    program: Program,
    *,
    enroller: User | None = None,
    entry_path: str = "",
    **case: Any,
) -> Case:
    """A new person's case in `program`. Without an `enroller`, an officer of a police department
    that refers people to the program's agency (under a partnership) enrols them."""
    if enroller is None:
        police = make_agency(type=Agency.Type.POLICE)
        enroller = make_user(police, "officer")
        make_partnership(police, program.agency, "referrals")
    person = people_actions.person_create(
        by=enroller, given_name="Sam", family_name=f"Doe {next(_serial)}"
    )
    return program_actions.case_open(
        by=enroller,
        program=program,
        person=person,
        entry_path=entry_path or program.spec.entry_paths[0],
        at=case.pop("at", None) or timezone.now(),
        **case,
    )


@dataclass
class Roster:
    """Two precincts, three eight-hour shifts, and one squad per precinct and shift working
    4 on, 4 off from `start` (so each precinct's shift is worked by one squad on half the days)."""

    agency: Agency
    squads: dict[tuple[str, str], Squad] = field(default_factory=dict)  # (precinct, shift)


SHIFTS = [("day", "Day", time(7)), ("evening", "Evening", time(15)), ("night", "Night", time(23))]


def make_roster(agency: Agency, start: date, pattern: str = "11110000") -> Roster:
    roster = Roster(agency)
    precincts = [
        training_actions.precinct_create(by=None, agency=agency, code=code, name=name)
        for code, name in (("north", "North Precinct"), ("south", "South Precinct"))
    ]
    shifts = [
        training_actions.shift_create(
            by=None, agency=agency, code=code, name=name, starts_at=starts, hours=8
        )
        for code, name, starts in SHIFTS
    ]
    for precinct in precincts:
        for shift in shifts:
            roster.squads[(precinct.code, shift.code)] = training_actions.squad_create(
                by=None,
                agency=agency,
                name=f"{precinct.name} {shift.name}",
                precinct=precinct,
                shift=shift,
                pattern=pattern,
                pattern_start=start,
            )
    return roster


def make_certification(
    officer: User, issued_on: date, expires_on: date, course: str = "cit"
) -> Any:
    return training_actions.certification_record(
        by=None, officer=officer, course=course, issued_on=issued_on, expires_on=expires_on
    )


def make_training_session(
    agency: Agency,
    starts_on: date,
    ends_on: date | None = None,
    *,
    course: str = "naloxone",
    roll: Iterable[User] = (),
    full_hours: bool = False,
) -> Any:
    """A scheduled session of a course, these officers on its roll (with every module's hours
    when `full_hours`)."""
    session = training_actions.session_create(
        by=None, agency=agency, course=course, starts_on=starts_on, ends_on=ends_on or starts_on
    )
    spec = training_queries.session_spec(session)
    hours = {module.code: module.hours for module in spec.modules} if full_hours else None
    for officer in roll:
        training_actions.attendance_record(
            by=None,
            session=session,
            officer=officer,
            module_hours=hours,
            expected_version=session.version,
        )
    return session
