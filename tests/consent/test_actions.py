"""Recording, revoking and ending consents (42 CFR §2.31, §2.35; SECURITY.md 3, 4, 7): each
element is required and named when missing, each rule refuses with its reason, each write is
audited once, and what is written is what consent.policy then decides with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from crossroads.consent import actions
from crossroads.consent.models import Consent
from crossroads.consent.policy import ConsentTerms, Purpose, Reason
from crossroads.core.actions import StaleVersion
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import PNG_BYTES, make_agency, make_consent, make_user

pytestmark = pytest.mark.django_db
SIGNED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PDF_BYTES = b"%PDF-1.7\n" + bytes(32)
JPEG_BYTES = b"\xff\xd8\xff\xe0" + bytes(32)


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police"), "officer")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True)


@pytest.fixture
def person(officer: User) -> Person:
    return person_create(by=officer, given_name="Sam", family_name="Doe")


def record(by: User, person: Person, program: Agency, **changes: Any) -> Consent:
    """A consent naming the recording officer's agency, with `changes` to its elements."""
    return make_consent(by, person, discloser=program, recipients=[by.agency], **changes)


def refusal(by: User, person: Person, program: Agency, **changes: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        record(by, person, program, **changes)
    assert not Consent.objects.exists(), "a refused consent writes nothing"
    return refused.value.message_dict


def engagement(by: User, person: Person, program: Agency, **asked: Any) -> actions.Disclosed:
    """The officer's page asking, now, whether the person is engaged in treatment."""
    return actions.disclosure_decide(
        by=by,
        person=person,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=asked.pop("purpose", Purpose.TREATMENT),
        path="page",
        **asked,
    )


def audited(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


# --- Recording ---------------------------------------------------------------------------------


def test_a_complete_consent_is_recorded_with_every_element_and_audited_once(
    officer: User, person: Person, program: Agency
) -> None:
    court = make_agency(type="court")
    consent = make_consent(
        officer,
        person,
        discloser=program,
        recipients=[officer.agency, court],
        recipient_classes=["prosecutor"],
        information=["engagement", "appointments"],
        purposes=["treatment", "payment"],
        expires_at=SIGNED + timedelta(days=400),
        expiry_event="completion of the program",
        signed_at=SIGNED,
    )
    consent.refresh_from_db()
    assert consent.person == person and consent.discloser == program
    assert set(consent.recipients.all()) == {officer.agency, court}
    assert (consent.information, consent.purposes) == (
        ["appointments", "engagement"],
        ["payment", "treatment"],
    )
    assert consent.recipient_classes == ["prosecutor"]
    assert consent.right_to_revoke_acknowledged
    assert (consent.signature, consent.signed_by, consent.signed_at) == ("typed", "Sam Doe", SIGNED)
    assert (consent.agency, consent.recorded_by, consent.version) == (officer.agency, officer, 1)
    assert consent.terms().missing_elements() == ()
    assert audited("consent.record") == 1
    assert engagement(officer, person, program).allowed


EVERY_ELEMENT_MISSING: dict[str, Any] = {
    "information": [],
    "recipients": [],
    "purposes": [],
    "right_to_revoke_acknowledged": False,
    "expires_at": None,
    "expiry_event": "",
    "signed_by": " ",
    "signed_at": None,
}


def test_every_missing_element_is_named_by_its_field_at_once(
    officer: User, person: Person, program: Agency
) -> None:
    with pytest.raises(ValidationError) as refused:
        make_consent(officer, person, discloser=program, **EVERY_ELEMENT_MISSING)
    assert set(refused.value.message_dict) == {
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
    ("element", "changes", "field"),
    [
        ("information", {"information": []}, "information"),
        ("recipients", {"recipients": [], "recipient_classes": []}, "recipients"),
        ("purpose", {"purposes": []}, "purposes"),
        ("expiry", {"expires_at": None, "expiry_event": ""}, "expires_at"),
        ("signature", {"signed_by": ""}, "signed_by"),
        ("signature", {"signed_at": None}, "signed_at"),
        (
            "right to revoke",
            {"right_to_revoke_acknowledged": False},
            "right_to_revoke_acknowledged",
        ),
    ],
)
def test_each_element_the_policy_finds_missing_is_refused_on_its_field(
    officer: User,
    person: Person,
    program: Agency,
    element: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    """The page and the policy agree: the refusal is the element ConsentTerms finds missing."""
    terms = ConsentTerms(
        patient_id=person.pk,
        discloser_id=program.pk,
        information=frozenset(changes.get("information", ["engagement"])),
        recipient_ids=frozenset() if "recipients" in changes else frozenset({officer.agency_id}),
        recipient_classes=frozenset(),
        purposes=frozenset(changes.get("purposes", [Purpose.TREATMENT])),
        signed_by=changes.get("signed_by", "Sam Doe"),
        signed_at=changes.get("signed_at", SIGNED),
        expires_at=changes.get("expires_at", SIGNED + timedelta(days=1)),
        expiry_event="",
        expiry_event_at=None,
        right_to_revoke_stated=changes.get("right_to_revoke_acknowledged", True),
    )
    assert terms.missing_elements() == (element,)
    recipients = [] if "recipients" in changes else [officer.agency]
    changes = {k: v for k, v in changes.items() if k != "recipients"}
    with pytest.raises(ValidationError) as refused:
        make_consent(officer, person, discloser=program, recipients=recipients, **changes)
    assert list(refused.value.message_dict) == [field]


def test_a_recipient_may_be_a_class_of_agency_instead_of_a_name(
    officer: User, person: Person, program: Agency
) -> None:
    consent = make_consent(officer, person, discloser=program, recipient_classes=["police"])
    assert engagement(officer, person, program).allowed
    assert list(consent.recipients.all()) == []


def test_only_known_kinds_of_information_and_agency_are_accepted(
    officer: User, person: Person, program: Agency
) -> None:
    problems = refusal(
        officer,
        person,
        program,
        information=["engagement", "diagnosis"],
        recipient_classes=["spaceport"],
        purposes=["marketing"],
    )
    assert "diagnosis" in problems["information"][0]
    assert problems["recipient_classes"] == ["Not a kind of agency: spaceport."]
    assert problems["purposes"][0] == "Unknown purpose: marketing."


@pytest.mark.parametrize("purpose", [Purpose.INVESTIGATION, Purpose.PROSECUTION])
def test_use_against_the_person_is_refused_with_the_reason(
    officer: User, person: Person, program: Agency, purpose: Purpose
) -> None:
    problems = refusal(officer, person, program, purposes=["treatment", purpose.value])
    assert problems == {
        "purposes": [
            "No consent can allow use against the person (investigation or prosecution); "
            "only an approved court order can (§§2.64-2.65)."
        ]
    }


def test_a_criminal_justice_consent_is_for_monitoring_only(
    officer: User, person: Person, program: Agency
) -> None:
    problems = refusal(
        officer, person, program, criminal_justice=True, purposes=["treatment", Purpose.MONITORING]
    )
    assert "monitoring the person's progress only" in problems["purposes"][0]
    consent = record(
        officer,
        person,
        program,
        criminal_justice=True,
        purposes=[Purpose.MONITORING],
        irrevocable_until_event="final disposition of the case",
    )
    assert consent.irrevocable_until_event == "final disposition of the case"
    assert engagement(officer, person, program, purpose=Purpose.MONITORING).allowed
    assert not engagement(officer, person, program).allowed


def test_only_a_criminal_justice_consent_may_be_irrevocable(
    officer: User, person: Person, program: Agency
) -> None:
    problems = refusal(officer, person, program, irrevocable_until_event="final disposition")
    assert problems == {
        "irrevocable_until_event": [
            "Only a criminal-justice consent (§2.35) can be irrevocable until an event."
        ]
    }


@pytest.mark.parametrize(
    ("content", "media_type"),
    [(PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png"), (JPEG_BYTES, "image/jpeg")],
)
def test_a_signed_form_is_kept_with_the_type_its_bytes_show(
    officer: User, person: Person, program: Agency, content: bytes, media_type: str
) -> None:
    consent = record(officer, person, program, signature="uploaded", signed_form=content)
    consent.refresh_from_db()
    assert bytes(consent.signed_form or b"") == content
    assert consent.signed_form_type == media_type


@pytest.mark.parametrize(
    ("content", "declared", "message"),
    [
        (b"GIF89a" + bytes(32), "", "Upload a PDF, PNG or JPEG file."),
        (b"<html><script>", "application/pdf", "Upload a PDF, PNG or JPEG file."),
        (
            PNG_BYTES,
            "application/pdf",
            "The file is image/png, not application/pdf as it was sent.",
        ),
        (
            b"%PDF-" + bytes(actions.DOCUMENT_MAX_BYTES),
            "",
            "The file is larger than 5 MB. Scan it at a lower resolution.",
        ),
    ],
)
def test_a_signed_form_must_be_a_pdf_png_or_jpeg_of_at_most_5_mb(
    officer: User, person: Person, program: Agency, content: bytes, declared: str, message: str
) -> None:
    problems = refusal(
        officer,
        person,
        program,
        signature="uploaded",
        signed_form=content,
        signed_form_type=declared,
    )
    assert problems == {"signed_form": [message]}


def test_a_signature_is_typed_or_uploaded_not_both_nor_neither(
    officer: User, person: Person, program: Agency
) -> None:
    assert refusal(officer, person, program, signature="uploaded") == {
        "signed_form": ["Upload the signed form, or sign by typed name instead."]
    }
    assert refusal(officer, person, program, signed_form=PNG_BYTES) == {
        "signed_form": ["A consent signed by typed name has no uploaded form."]
    }
    assert "signature" in refusal(officer, person, program, signature="smoke signal")


def test_dates_are_in_order_and_not_in_the_future(
    officer: User, person: Person, program: Agency
) -> None:
    with time_machine.travel(SIGNED, tick=False):
        problems = refusal(
            officer,
            person,
            program,
            signed_at=SIGNED + timedelta(days=1),
            expires_at=SIGNED + timedelta(hours=1),
        )
    assert problems == {
        "signed_at": ["The signature cannot be dated in the future."],
        "expires_at": ["The consent must end after it is signed."],
    }


def test_the_discloser_must_be_a_treatment_program(officer: User, person: Person) -> None:
    problems = refusal(officer, person, make_agency(type="court"))
    assert "holds no Part 2 records" in problems["discloser"][0]


def test_only_an_agency_that_knows_the_person_records_their_consent(
    person: Person, program: Agency
) -> None:
    """A provider that never met the person, nor received them, cannot record a consent for
    them; nor one for another program."""
    stranger = make_user(make_agency(type="bh_provider"), "clinician")
    problems = refusal(stranger, person, program)
    assert set(problems) == {"person", "discloser"}


def test_the_discloser_itself_may_record_the_consent(program: Agency) -> None:
    intake = make_user(program, "provider_intake")
    own = person_create(by=intake, given_name="Ana", family_name="Diaz")
    police = make_agency(type="police")
    consent = make_consent(intake, own, recipients=[police])
    assert (consent.discloser, consent.agency) == (program, program)


def test_recording_a_consent_needs_the_permission(person: Person, program: Agency) -> None:
    analyst = make_user(person.agency, "analyst")
    with pytest.raises(PermissionDenied):
        record(analyst, person, program)


# --- Revoking ----------------------------------------------------------------------------------


def test_a_revocation_takes_effect_at_once(officer: User, person: Person, program: Agency) -> None:
    consent = record(officer, person, program, signed_at=SIGNED)
    revoked_at = SIGNED + timedelta(days=3)
    with time_machine.travel(revoked_at, tick=False):
        assert engagement(officer, person, program).allowed
        revoked = actions.consent_revoke(
            by=officer, consent=consent, note="by phone", expected_version=1
        )
        after = engagement(officer, person, program)
    assert (revoked.revoked_at, revoked.revoked_by, revoked.version) == (revoked_at, officer, 2)
    assert revoked.revocation_note == "by phone"
    assert not after.allowed and after.decision.reason is Reason.REVOKED
    assert after.decision.shown == "No consent on file" and after.notice == ""
    assert audited("consent.revoke") == 1


def test_revoking_twice_is_a_clear_error(officer: User, person: Person, program: Agency) -> None:
    consent = record(officer, person, program)
    actions.consent_revoke(by=officer, consent=consent, note="", expected_version=1)
    with pytest.raises(ValidationError, match="already revoked"):
        actions.consent_revoke(by=officer, consent=consent, note="", expected_version=2)
    assert audited("consent.revoke") == 1


def test_a_revocation_from_a_stale_version_is_refused(
    officer: User, person: Person, program: Agency
) -> None:
    consent = record(officer, person, program, expiry_event="completion of the program")
    actions.consent_event_record(by=officer, consent=consent, event="expiry", at=consent.signed_at)
    with pytest.raises(StaleVersion) as stale:
        actions.consent_revoke(by=officer, consent=consent, note="", expected_version=1)
    assert stale.value.current == 2
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_a_criminal_justice_consent_cannot_be_revoked_before_its_event(
    officer: User, person: Person, program: Agency
) -> None:
    consent = record(
        officer,
        person,
        program,
        criminal_justice=True,
        purposes=[Purpose.MONITORING],
        irrevocable_until_event="final disposition of the case",
    )
    with pytest.raises(ValidationError) as refused:
        actions.consent_revoke(by=officer, consent=consent, note="", expected_version=1)
    assert "until final disposition of the case" in refused.value.messages[0]
    assert engagement(officer, person, program, purpose=Purpose.MONITORING).allowed

    actions.consent_event_record(
        by=officer, consent=consent, event="irrevocability", at=consent.signed_at
    )
    actions.consent_revoke(by=officer, consent=consent, note="", expected_version=2)
    assert not engagement(officer, person, program, purpose=Purpose.MONITORING).allowed


def test_a_named_recipient_may_record_the_revocation_an_outsider_may_not(
    officer: User, person: Person, program: Agency
) -> None:
    court_staff = make_user(make_agency(type="court"), "case_manager")
    consent = make_consent(
        officer, person, discloser=program, recipients=[officer.agency, court_staff.agency]
    )
    outsider = make_user(make_agency(type="court"), "case_manager")
    with pytest.raises(ValidationError, match="not party"):
        actions.consent_revoke(by=outsider, consent=consent, note="", expected_version=1)
    actions.consent_revoke(by=court_staff, consent=consent, note="", expected_version=1)
    assert not engagement(officer, person, program).allowed


# --- Events ------------------------------------------------------------------------------------


def test_a_recorded_expiry_event_ends_the_consent(
    officer: User, person: Person, program: Agency
) -> None:
    consent = record(
        officer, person, program, expires_at=None, expiry_event="completion of the program"
    )
    ended = actions.consent_event_record(
        by=officer, consent=consent, event="expiry", at=consent.signed_at
    )
    assert ended.expiry_event_at is not None and ended.version == 2
    refused = engagement(officer, person, program)
    assert not refused.allowed and refused.decision.reason is Reason.EXPIRED
    assert AuditEvent.objects.get(verb="consent_event.record").detail == {"event": "expiry"}


def test_an_event_is_recorded_once_only_if_named_and_not_ahead_of_time(
    officer: User, person: Person, program: Agency
) -> None:
    consent = record(officer, person, program, expiry_event="completion of the program")
    with pytest.raises(ValidationError) as unnamed:
        actions.consent_event_record(
            by=officer, consent=consent, event="irrevocability", at=consent.signed_at
        )
    assert unnamed.value.message_dict == {"event": ["This consent names no irrevocability event."]}
    with pytest.raises(ValidationError) as early:
        actions.consent_event_record(
            by=officer, consent=consent, event="expiry", at=consent.signed_at + timedelta(days=2)
        )
    assert early.value.message_dict == {"at": ["The event cannot be recorded before it happens."]}
    actions.consent_event_record(by=officer, consent=consent, event="expiry", at=consent.signed_at)
    with pytest.raises(ValidationError, match="already recorded"):
        actions.consent_event_record(
            by=officer, consent=consent, event="expiry", at=consent.signed_at
        )
    with pytest.raises(ValidationError, match="Choose the expiry event"):
        actions.consent_event_record(by=officer, consent=consent, event="birthday", at=SIGNED)
