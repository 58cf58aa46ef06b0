"""The consent API: the pages' JSON twins, sharing their actions. A refused write is a 422 problem
naming each field; a stale revocation is 409; the accounting carries the §2.32 notice."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from crossroads.consent import actions
from crossroads.consent.models import Consent, CourtOrder, EmergencyAccess
from crossroads.consent.policy import Purpose
from crossroads.core import actions as core_actions
from crossroads.core.models import Agency, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import PNG_BYTES, make_agency, make_user

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police"), "officer")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True)


@pytest.fixture
def person(officer: User) -> Person:
    return person_create(by=officer, given_name="Sam", family_name="Doe")


def call(user: User, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    _token, secret = core_actions.api_token_create(by=user, name="tests")
    return Client().generic(
        method,
        f"/api/v1{path}",
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def consent_body(person: Person, program: Agency, officer: User, **changes: Any) -> dict[str, Any]:
    return {
        "person": str(person.pk),
        "discloser": str(program.pk),
        "information": ["engagement"],
        "recipients": [str(officer.agency_id)],
        "purposes": ["treatment"],
        "right_to_revoke_acknowledged": True,
        "expires_at": "2027-06-30T23:59:59-04:00",
        "signature": "typed",
        "signed_by": "Sam Doe",
        "signed_at": "2026-11-20T10:00:00-05:00",
        **changes,
    }


def fields_named(response: Any) -> set[str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    return {error["field"] for error in response.json()["errors"]}


def test_a_consent_missing_elements_is_a_422_naming_each_field(
    officer: User, person: Person, program: Agency
) -> None:
    response = call(
        officer,
        "POST",
        "/consents",
        {"person": str(person.pk), "discloser": str(program.pk), "signature": "typed"},
    )
    assert fields_named(response) == {
        "information",
        "recipients",
        "purposes",
        "right_to_revoke_acknowledged",
        "expires_at",
        "signed_by",
        "signed_at",
    }
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purposes": ["investigation"]}, "purposes"),
        ({"colour": "blue"}, "colour"),
        ({"discloser": "00000000-0000-0000-0000-000000000001"}, "discloser"),
        ({"signature": "uploaded"}, "signed_form"),
        (
            {
                "signature": "uploaded",
                "signed_form": {"media_type": "image/png", "content_base64": "not base64!"},
            },
            "signed_form",
        ),
        (
            {
                "signature": "uploaded",
                "signed_form": {
                    "media_type": "application/pdf",
                    "content_base64": base64.b64encode(PNG_BYTES).decode(),
                },
            },
            "signed_form",
        ),
    ],
)
def test_a_refused_consent_names_the_field(
    officer: User, person: Person, program: Agency, changes: dict[str, Any], field: str
) -> None:
    response = call(officer, "POST", "/consents", consent_body(person, program, officer, **changes))
    assert fields_named(response) == {field}
    assert not Consent.objects.exists()


def test_a_consent_is_recorded_read_revoked_and_its_event_recorded(
    officer: User, person: Person, program: Agency
) -> None:
    created = call(
        officer,
        "POST",
        "/consents",
        consent_body(person, program, officer, expiry_event="completion of the program"),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["recipients"] == [str(officer.agency_id)]
    assert (body["in_force"], body["version"], body["signed_form_type"]) == (True, 1, "")
    consent_id = body["id"]

    assert call(officer, "GET", f"/consents/{consent_id}").json()["id"] == consent_id
    listed = call(officer, "GET", f"/people/{person.pk}/consents").json()
    assert [c["id"] for c in listed] == [consent_id]

    event = call(officer, "POST", f"/consents/{consent_id}/events", {"event": "expiry"})
    assert event.status_code == 200 and event.json()["expiry_event_at"] is not None
    stale = call(officer, "POST", f"/consents/{consent_id}/revoke", {"expected_version": 1})
    assert stale.status_code == 409 and stale["Content-Type"] == PROBLEM
    revoked = call(officer, "POST", f"/consents/{consent_id}/revoke", {"expected_version": 2})
    assert revoked.status_code == 200
    assert (revoked.json()["in_force"], revoked.json()["version"]) == (False, 3)
    again = call(officer, "POST", f"/consents/{consent_id}/revoke", {"expected_version": 3})
    assert fields_named(again) == {"consent"}


def test_a_signed_form_travels_as_base64_with_its_media_type(
    officer: User, person: Person, program: Agency
) -> None:
    upload = {"media_type": "image/png", "content_base64": base64.b64encode(PNG_BYTES).decode()}
    response = call(
        officer,
        "POST",
        "/consents",
        consent_body(person, program, officer, signature="uploaded", signed_form=upload),
    )
    assert response.status_code == 201, response.content
    assert response.json()["signed_form_type"] == "image/png"
    assert bytes(Consent.objects.get().signed_form or b"") == PNG_BYTES


def test_another_agency_gets_404_for_the_consent_and_the_person(
    officer: User, person: Person, program: Agency
) -> None:
    consent_id = call(officer, "POST", "/consents", consent_body(person, program, officer)).json()[
        "id"
    ]
    stranger = make_user(make_agency(type="police"), "officer")
    assert call(stranger, "GET", f"/consents/{consent_id}").status_code == 404
    assert call(stranger, "GET", f"/people/{person.pk}/consents").status_code == 404
    body = consent_body(person, program, stranger)
    assert call(stranger, "POST", "/consents", body).status_code == 404


def test_the_accounting_answer_carries_the_notice(
    officer: User, person: Person, program: Agency
) -> None:
    call(officer, "POST", "/consents", consent_body(person, program, officer))
    actions.disclosure_decide(
        by=officer,
        person=person,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=Purpose.TREATMENT,
        path="api",
    )
    intake = make_user(program, "provider_intake")
    answer = call(intake, "GET", f"/people/{person.pk}/disclosures")
    assert answer.status_code == 200
    body = answer.json()
    assert body["notice"] == actions.redisclosure_notice()
    [disclosure] = body["disclosures"]
    assert disclosure["recipient"] == str(officer.agency_id)
    assert disclosure["recipient_user_name"] == officer.display_name
    assert (disclosure["information"], disclosure["purpose"], disclosure["path"]) == (
        ["engagement"],
        "treatment",
        "api",
    )


def test_a_court_order_is_recorded_and_approved_by_a_second_person(
    officer: User, person: Person, program: Agency
) -> None:
    recorder = make_user(officer.agency, "program_manager")
    second = make_user(officer.agency, "agency_admin")
    order = {
        "person": str(person.pk),
        "discloser": str(program.pk),
        "recipient": str(officer.agency_id),
        "court": "Alder County Superior Court",
        "docket_number": "CR-2026-114",
        "section": "2.65",
        "purposes": ["investigation"],
        "information": ["engagement"],
        "issued_on": "2026-11-20",
        "valid_from": "2026-11-20T00:00:00-05:00",
        "valid_until": "2027-01-01T00:00:00-05:00",
    }
    created = call(recorder, "POST", "/court-orders", order)
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    refused = call(recorder, "POST", f"/court-orders/{order_id}/decide", {"approve": True})
    assert fields_named(refused) == {"decided_by"}
    approved = call(second, "POST", f"/court-orders/{order_id}/decide", {"approve": True})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        str(second.pk),
    )
    assert [o["id"] for o in call(second, "GET", "/court-orders").json()] == [order_id]
    assert fields_named(call(recorder, "POST", "/court-orders", {**order, "section": "2.64"})) == {
        "section"
    }
    assert CourtOrder.objects.count() == 1


def test_break_glass_opens_for_at_most_72_hours(program: Agency) -> None:
    doctor = make_user(make_agency(type="hospital"), "clinician")
    patient = person_create(by=doctor, given_name="Ana", family_name="Diaz")
    body = {
        "person": str(patient.pk),
        "discloser": str(program.pk),
        "nature_of_emergency": "unresponsive, suspected overdose",
        "information": ["engagement"],
        "hours": 73,
    }
    assert fields_named(call(doctor, "POST", "/emergency-access", body)) == {"hours"}
    opened = call(doctor, "POST", "/emergency-access", {**body, "hours": 72})
    assert opened.status_code == 201
    assert opened.json()["recipient_user"] == str(doctor.pk)
    assert EmergencyAccess.objects.count() == 1
