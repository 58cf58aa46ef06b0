"""The consent pages: record a consent by typed name or uploaded form, read every element back,
revoke it, record its events; a refused form comes back with 422 and the field's error, and
nothing is written. Court orders need a second person; break-glass opens for at most 72 hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crossroads.consent.models import Consent, CourtOrder, EmergencyAccess
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import (
    PNG_BYTES,
    make_agency,
    make_consent,
    make_court_order,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police"), "officer")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True, name="Harbor Recovery")


@pytest.fixture
def person(officer: User) -> Person:
    return person_create(by=officer, given_name="Sam", family_name="Doe")


@pytest.fixture
def officer_client(officer: User) -> Client:
    return signed_in_client(officer)


def signed_on(user: User, consent: Consent) -> str:
    """The day the consent was signed, as the user's page shows days (their agency's zone)."""
    return timezone.localtime(consent.signed_at, ZoneInfo(user.agency.time_zone)).date().isoformat()


def consent_form(program: Agency, officer: User, **changes: Any) -> dict[str, Any]:
    return {
        "discloser": str(program.pk),
        "information": ["engagement", "appointments"],
        "recipients": [str(officer.agency_id)],
        "purposes": ["treatment"],
        "right_to_revoke_acknowledged": "on",
        "expires_at": "2027-06-30",
        "signature": "typed",
        "signed_by": "Sam Doe",
        "signer_affirms": "on",
        **changes,
    }


def test_a_consent_signed_by_typed_name_is_recorded_and_shown_element_by_element(
    officer_client: Client, officer: User, program: Agency, person: Person
) -> None:
    form = officer_client.get(reverse("consent:consent_new", args=[person.pk]))
    assert form.status_code == 200
    assert b"may revoke this consent at any time" in form.content
    assert b"I am the person named and I sign this consent." in form.content

    response = officer_client.post(
        reverse("consent:consent_new", args=[person.pk]), consent_form(program, officer)
    )
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:consent_detail", args=[consent.pk])
    assert (consent.signature, consent.signed_by, consent.signed_form) == ("typed", "Sam Doe", None)
    assert consent.expires_at is not None and consent.expires_at.date().isoformat() >= "2027-06-30"

    page = officer_client.get(response["Location"]).content.decode()
    for shown in (
        "Sam Doe",
        "Harbor Recovery",
        "Whether the person is engaged in treatment",
        "Appointments scheduled and kept",
        officer.agency.name,
        "Treatment",
        "The person was told they may revoke it at any time",
        "typed name and checkbox",
        "Revoke the consent",
    ):
        assert shown in page, shown


def test_a_consent_on_an_uploaded_signed_form_is_recorded_and_downloadable(
    officer_client: Client, officer: User, program: Agency, person: Person
) -> None:
    upload = SimpleUploadedFile("signed.png", PNG_BYTES, content_type="application/octet-stream")
    data = consent_form(
        program,
        officer,
        signature="uploaded",
        signed_by="Sam Doe",
        signer_affirms="",
        signed_at="2026-11-20",
        signed_form=upload,
    )
    response = officer_client.post(reverse("consent:consent_new", args=[person.pk]), data)
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.signature, consent.signed_form_type) == ("uploaded", "image/png")
    assert consent.signed_at.date().isoformat() in {"2026-11-20", "2026-11-21"}

    download = officer_client.get(reverse("consent:signed_form", args=[consent.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download.content == PNG_BYTES
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(verb="consent.signed_form_download").count() == 1


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"information": []}, "Choose what information may be disclosed."),
        ({"recipients": []}, "Name at least one agency that may receive the information"),
        ({"right_to_revoke_acknowledged": ""}, "Confirm the person was told they may revoke"),
        ({"expires_at": ""}, "Give a date or an event on which the consent ends."),
        ({"signed_by": ""}, "Give the name of the person signing."),
        ({"signer_affirms": ""}, "The person ticks this box to sign with the name they typed."),
        ({"purposes": ["investigation"]}, "only an approved court order can"),
        (
            {"signature": "uploaded", "signed_at": "2026-11-20"},
            "Upload the signed form, or sign by typed name instead.",
        ),
        (
            {
                "signature": "uploaded",
                "signed_at": "2026-11-20",
                "signed_form": SimpleUploadedFile("form.gif", b"GIF89a" + bytes(8)),
            },
            "Upload a PDF, PNG or JPEG file.",
        ),
    ],
)
def test_a_refused_consent_comes_back_with_422_and_the_fields_error(
    officer_client: Client,
    officer: User,
    program: Agency,
    person: Person,
    changes: dict[str, Any],
    field_error: str,
) -> None:
    response = officer_client.post(
        reverse("consent:consent_new", args=[person.pk]), consent_form(program, officer, **changes)
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert field_error in page
    assert "usa-error-message" in page
    assert not Consent.objects.exists()


def test_revoking_on_the_page_takes_effect_and_a_stale_form_is_a_conflict(
    officer_client: Client, officer: User, program: Agency, person: Person
) -> None:
    consent = make_consent(
        officer,
        person,
        discloser=program,
        recipients=[officer.agency],
        expiry_event="completion of the program",
    )
    revoke = reverse("consent:consent_revoke", args=[consent.pk])
    event = officer_client.post(
        reverse("consent:consent_event", args=[consent.pk]),
        {"event": "expiry", "at": signed_on(officer, consent)},
    )
    assert event.status_code == 302
    stale = officer_client.post(revoke, {"version": 1, "note": "by phone"})
    assert stale.status_code == 409
    assert b"changed since you opened it" in stale.content

    done = officer_client.post(revoke, {"version": 2, "note": "by phone"})
    assert done.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revocation_note == "by phone"
    again = officer_client.post(revoke, {"version": 3})
    assert again.status_code == 422
    assert b"already revoked" in again.content


def test_an_event_refused_on_the_page_says_why(
    officer_client: Client, officer: User, program: Agency, person: Person
) -> None:
    consent = make_consent(officer, person, discloser=program, recipients=[officer.agency])
    response = officer_client.post(
        reverse("consent:consent_event", args=[consent.pk]),
        {"event": "irrevocability", "at": signed_on(officer, consent)},
    )
    assert response.status_code == 422
    assert b"This consent names no irrevocability event." in response.content


def test_a_persons_consents_list_in_constant_queries(
    officer_client: Client,
    officer: User,
    program: Agency,
    person: Person,
    django_assert_max_num_queries: Any,
) -> None:
    court = make_agency(type="court")
    for _ in range(6):
        make_consent(officer, person, discloser=program, recipients=[officer.agency, court])
    revoked = make_consent(officer, person, discloser=program, recipients=[officer.agency])
    officer_client.post(reverse("consent:consent_revoke", args=[revoked.pk]), {"version": 1})
    with django_assert_max_num_queries(24):  # two audited reads; none per consent
        page = officer_client.get(reverse("consent:person_consents", args=[person.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("In force") == 6 and "Revoked" in text
    assert court.short_name in text


def test_consents_of_another_agency_are_not_found(
    officer: User, program: Agency, person: Person
) -> None:
    consent = make_consent(officer, person, discloser=program, recipients=[officer.agency])
    stranger = signed_in_client(make_user(make_agency(type="police"), "officer"))
    assert stranger.get(reverse("consent:consent_detail", args=[consent.pk])).status_code == 404
    assert stranger.get(reverse("consent:person_consents", args=[person.pk])).status_code == 404


def test_a_named_recipient_reads_the_consent_a_class_member_does_not(
    officer: User, program: Agency, person: Person
) -> None:
    court_staff = make_user(make_agency(type="court"), "case_manager")
    classed = make_user(make_agency(type="court"), "case_manager")
    consent = make_consent(
        officer,
        person,
        discloser=program,
        recipients=[court_staff.agency],
        recipient_classes=["court"],
    )
    url = reverse("consent:consent_detail", args=[consent.pk])
    assert signed_in_client(court_staff).get(url).status_code == 200
    assert signed_in_client(classed).get(url).status_code == 404


# --- Court orders and break-glass --------------------------------------------------------------


def test_a_court_order_recorded_on_the_page_is_approved_by_a_second_person(
    program: Agency, person: Person
) -> None:
    recorder = make_user(person.agency, "program_manager")
    second = make_user(person.agency, "agency_admin")
    new = reverse("consent:court_order_new") + f"?person={person.pk}"
    recording = signed_in_client(recorder)
    assert recording.get(new).status_code == 200
    response = recording.post(
        new,
        {
            "court": "Alder County Superior Court",
            "docket_number": "CR-2026-114",
            "section": "2.65",
            "discloser": str(program.pk),
            "recipient": str(person.agency_id),
            "purposes": ["investigation"],
            "information": ["engagement"],
            "issued_on": "2026-11-20",
            "valid_from": "2026-11-20",
            "valid_until": "2026-12-31",
            "document": SimpleUploadedFile("order.pdf", b"%PDF-1.7 order"),
        },
    )
    assert response.status_code == 302
    order = CourtOrder.objects.get()
    assert (order.status, order.document_type) == ("pending", "application/pdf")
    decide = reverse("consent:court_order_decide", args=[order.pk])

    detail = recording.get(reverse("consent:court_order_detail", args=[order.pk]))
    assert b"You recorded this order" in detail.content
    refused = recording.post(decide, {"decision": "approve"})
    assert refused.status_code == 422
    assert b"A second person decides: you recorded this order." in refused.content

    checking = signed_in_client(second)
    document = reverse("consent:court_order_document", args=[order.pk])
    page = checking.get(reverse("consent:court_order_detail", args=[order.pk]))
    assert document.encode() in page.content
    download = checking.get(document)
    assert (download.content, download["Content-Type"]) == (b"%PDF-1.7 order", "application/pdf")
    assert f'filename="court-order-{order.pk}.pdf"' in download["Content-Disposition"]
    assert AuditEvent.objects.filter(verb="court_order.document_download").count() == 1
    approved = checking.post(decide, {"decision": "approve", "note": "checked"})
    assert approved.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.decided_by) == ("approved", second)
    listing = signed_in_client(second).get(reverse("consent:court_order_list"))
    assert b"CR-2026-114" in listing.content and b"Approved" in listing.content


def test_a_court_order_form_refuses_what_is_missing(program: Agency, person: Person) -> None:
    recorder = signed_in_client(make_user(person.agency, "program_manager"))
    new = reverse("consent:court_order_new") + f"?person={person.pk}"
    response = recorder.post(new, {"section": "2.64", "purposes": ["prosecution"]})
    assert response.status_code == 422
    assert b"Give the date as the order states it." in response.content
    assert not CourtOrder.objects.exists()
    nobody = recorder.post(reverse("consent:court_order_new"), {})
    assert nobody.status_code == 422
    assert b"Open this form from the person" in nobody.content


def test_break_glass_opens_on_the_page_for_at_most_72_hours(program: Agency) -> None:
    doctor = make_user(make_agency(type="hospital"), "clinician")
    patient = person_create(by=doctor, given_name="Ana", family_name="Diaz")
    client = signed_in_client(doctor)
    url = reverse("consent:emergency_new", args=[patient.pk])
    data = {
        "discloser": str(program.pk),
        "nature_of_emergency": "unresponsive",
        "information": ["engagement"],
        "hours": 73,
    }
    too_long = client.post(url, data)
    assert too_long.status_code == 422
    assert b"72" in too_long.content and not EmergencyAccess.objects.exists()
    opened = client.post(url, {**data, "hours": 72})
    assert opened.status_code == 302
    emergency = EmergencyAccess.objects.get()
    assert emergency.ends_at - emergency.opened_at == timedelta(hours=72)
    listing = client.get(reverse("consent:emergency_list"))
    assert b"unresponsive" in listing.content and b"Open" in listing.content
    intake = signed_in_client(make_user(program, "provider_intake"))
    assert b"unresponsive" in intake.get(reverse("consent:emergency_list")).content


def test_court_orders_need_their_permission() -> None:
    officer = signed_in_client(make_user(make_agency(type="police"), "officer"))
    assert officer.get(reverse("consent:court_order_list")).status_code == 403


def test_a_pending_order_of_another_agency_is_not_found(program: Agency, person: Person) -> None:
    recorder = make_user(person.agency, "program_manager")
    order = make_court_order(recorder, person, discloser=program, recipient=person.agency)
    elsewhere = signed_in_client(make_user(make_agency(type="police"), "program_manager"))
    assert elsewhere.get(reverse("consent:court_order_detail", args=[order.pk])).status_code == 404
