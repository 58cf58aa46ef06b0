"""The county the program tests share: a police department running CIT follow-up, Angel and QRT
programs, a LEAD program at a community organisation that police refer to, and the prosecutor's
office that LEAD reports participation to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from crossroads.core.models import Agency, DataCategory, Partnership, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from crossroads.programs.models import Program
from tests.factories import make_agency, make_partnership, make_program, make_user

# A Tuesday morning in Alder County (09:00 in New York).
MORNING = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@dataclass
class County:
    police: Agency
    officer: User
    coordinator: User  # cit_coordinator: works the police's programs, sees every caseload
    angel: User  # a peer volunteer at the station
    lead_agency: Agency
    lead_manager: User  # case_manager at the LEAD agency
    prosecutor_office: Agency
    prosecutor: User
    participation: Partnership  # the LEAD agency's MOU with the prosecutor's office


@pytest.fixture
def county() -> County:
    police = make_agency(type="police", name="Alder Police", short_name="APD")
    lead_agency = make_agency(type="community_org", name="Alder LEAD", short_name="LEAD")
    office = make_agency(type="prosecutor", name="Alder County Prosecutor", short_name="ACP")
    make_partnership(police, lead_agency, DataCategory.REFERRALS)
    participation = make_partnership(lead_agency, office, DataCategory.PROGRAM_PARTICIPATION)
    return County(
        police=police,
        officer=make_user(police, "officer", username="olive"),
        coordinator=make_user(police, "cit_coordinator", username="carmen"),
        angel=make_user(police, "peer", username="angela"),
        lead_agency=lead_agency,
        lead_manager=make_user(lead_agency, "case_manager", username="leon"),
        prosecutor_office=office,
        prosecutor=make_user(office, "prosecutor", username="pat"),
        participation=participation,
    )


def person_of(by: User, name: str = "Sam") -> Person:
    return person_create(by=by, given_name=name, family_name="Rivera")


@pytest.fixture
def cit(county: County) -> Program:
    return make_program(county.police, "cit_follow_up")


@pytest.fixture
def lead(county: County) -> Program:
    return make_program(county.lead_agency, "lead")
