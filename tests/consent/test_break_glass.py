"""Break-glass access in a medical emergency (§2.51; SECURITY.md 9): it records the recipient,
the discloser, the time and the nature of the emergency, serves treatment only and ends within
72 hours, as every disclosure decided through the one door shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from crossroads.consent import actions
from crossroads.consent.models import EmergencyAccess
from crossroads.consent.policy import Purpose, Reason
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
OPENED = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)


@pytest.fixture
def doctor() -> User:
    return make_user(make_agency(type="hospital"), "clinician")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True)


@pytest.fixture
def patient(doctor: User) -> Person:
    return person_create(by=doctor, given_name="Sam", family_name="Doe")


def open_access(doctor: User, patient: Person, program: Agency, hours: int) -> EmergencyAccess:
    return actions.emergency_access_open(
        by=doctor,
        person=patient,
        discloser=program,
        nature_of_emergency="unresponsive, suspected overdose",
        information=["engagement", "appointments"],
        hours=hours,
    )


def treating(
    doctor: User, patient: Person, program: Agency, at: datetime, purpose: Purpose
) -> actions.Disclosed:
    return actions.disclosure_decide(
        by=doctor,
        person=patient,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=purpose,
        path="page",
        at=at,
    )


def test_break_glass_records_its_four_fields_and_ends_at_72_hours(
    doctor: User, patient: Person, program: Agency
) -> None:
    with time_machine.travel(OPENED, tick=False):
        emergency = open_access(doctor, patient, program, hours=72)
    assert (emergency.recipient, emergency.recipient_user) == (doctor.agency, doctor)
    assert (emergency.discloser, emergency.opened_at) == (program, OPENED)
    assert emergency.nature_of_emergency == "unresponsive, suspected overdose"
    assert emergency.ends_at == OPENED + timedelta(hours=72)
    assert AuditEvent.objects.get(verb="emergency_access.open").detail == {
        "discloser": str(program.pk),
        "hours": 72,
    }

    for hours, allowed in [(0, True), (71, True), (73, False)]:
        moment = OPENED + timedelta(hours=hours)
        with time_machine.travel(moment, tick=False):
            disclosed = treating(doctor, patient, program, moment, Purpose.TREATMENT)
        assert disclosed.allowed is allowed, hours
        if allowed:
            assert disclosed.decision.reason is Reason.EMERGENCY
            assert disclosed.record.emergency == emergency


def test_break_glass_is_for_treatment_only_and_for_the_one_who_opened_it(
    doctor: User, patient: Person, program: Agency
) -> None:
    with time_machine.travel(OPENED, tick=False):
        open_access(doctor, patient, program, hours=4)
    soon = OPENED + timedelta(hours=1)
    assert not treating(doctor, patient, program, soon, Purpose.MONITORING).allowed
    elsewhere = make_user(make_agency(type="hospital"), "clinician")
    assert not treating(elsewhere, patient, program, soon, Purpose.TREATMENT).allowed
    assert not treating(
        doctor, patient, program, OPENED + timedelta(hours=4), Purpose.TREATMENT
    ).allowed


@pytest.mark.parametrize("hours", [0, 73, 1000])
def test_break_glass_lasts_from_one_to_72_hours(
    doctor: User, patient: Person, program: Agency, hours: int
) -> None:
    with pytest.raises(ValidationError) as refused:
        open_access(doctor, patient, program, hours=hours)
    assert refused.value.message_dict == {"hours": ["Break-glass access lasts from 1 to 72 hours."]}
    assert not EmergencyAccess.objects.exists()


def test_break_glass_needs_its_permission_an_emergency_and_another_program(
    doctor: User, patient: Person, program: Agency
) -> None:
    with pytest.raises(PermissionDenied):
        open_access(make_user(doctor.agency, "analyst"), patient, program, hours=1)
    with pytest.raises(ValidationError) as refused:
        actions.emergency_access_open(
            by=doctor,
            person=patient,
            discloser=doctor.agency,
            nature_of_emergency=" ",
            information=[],
            hours=1,
        )
    assert set(refused.value.message_dict) == {"nature_of_emergency", "information", "discloser"}
