"""consent.policy.decide: properties over consent x recipient x purpose x time (SECURITY 3-7)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crossroads.consent.policy import (
    NO_CONSENT,
    ConsentTerms,
    Disclosure,
    Purpose,
    Reason,
    decide,
)

PATIENT, PROGRAM, POLICE, COURT = (uuid.UUID(int=n) for n in range(1, 5))
SIGNED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KINDS = ("engagement", "attendance", "diagnosis", "medications")

CONSENT = ConsentTerms(
    patient_id=PATIENT,
    discloser_id=PROGRAM,
    information=frozenset({"engagement", "attendance"}),
    recipient_ids=frozenset({POLICE}),
    recipient_classes=frozenset(),
    purposes=frozenset({Purpose.TREATMENT}),
    signed_by="Sam Doe",
    signed_at=SIGNED,
    expires_at=SIGNED + timedelta(days=365),
    expiry_event="",
    expiry_event_at=None,
)


def asked(**changes: object) -> Disclosure:
    disclosure = Disclosure(
        patient_id=PATIENT,
        discloser_id=PROGRAM,
        recipient_id=POLICE,
        recipient_classes=frozenset(),
        purpose=Purpose.TREATMENT,
        information=frozenset({"engagement"}),
        at=SIGNED + timedelta(days=30),
    )
    return replace(disclosure, **changes)  # type: ignore[arg-type]


moments = st.integers(min_value=-400, max_value=800).map(lambda d: SIGNED + timedelta(days=d))
kinds = st.frozensets(st.sampled_from(KINDS), min_size=1)
purposes = st.sampled_from(list(Purpose))


def test_a_consent_covering_the_disclosure_allows_it() -> None:
    decision = decide([CONSENT], asked())
    assert decision.allowed and decision.reason is Reason.COVERED and decision.shown == ""


@given(at=moments, purpose=purposes, information=kinds, recipient=st.sampled_from([POLICE, COURT]))
def test_allowed_exactly_when_every_term_holds(
    at: datetime, purpose: Purpose, information: frozenset[str], recipient: uuid.UUID
) -> None:
    decision = decide(
        [CONSENT], asked(at=at, purpose=purpose, information=information, recipient_id=recipient)
    )
    expected = (
        SIGNED <= at < CONSENT.expires_at  # type: ignore[operator]
        and recipient == POLICE
        and purpose is Purpose.TREATMENT
        and information <= CONSENT.information
    )
    assert decision.allowed is expected
    assert decision.shown == ("" if expected else NO_CONSENT)


@given(at=moments, revoked=moments)
def test_a_revocation_stops_every_disclosure_from_its_moment(
    at: datetime, revoked: datetime
) -> None:
    consent = replace(CONSENT, revoked_at=revoked)
    within = SIGNED <= at < CONSENT.expires_at  # type: ignore[operator]
    assert decide([consent], asked(at=at)).allowed is (within and at < revoked)


def test_the_revocation_race_has_one_winner_at_each_instant() -> None:
    """A disclosure at the very instant of the revocation is refused; one a microsecond before
    is allowed. Whatever order the two arrive in, the times decide, so never both win."""
    revoked = SIGNED + timedelta(days=10)
    consent = replace(CONSENT, revoked_at=revoked)
    assert not decide([consent], asked(at=revoked)).allowed
    assert decide([consent], asked(at=revoked - timedelta(microseconds=1))).allowed


@given(event=moments, at=moments)
def test_an_expiry_event_ends_it_once_recorded(event: datetime, at: datetime) -> None:
    consent = replace(
        CONSENT, expires_at=None, expiry_event="completion of the program", expiry_event_at=event
    )
    assert decide([consent], asked(at=at)).allowed is (SIGNED <= at < event)


@given(
    element=st.sampled_from(["information", "recipients", "purpose", "expiry", "signature"]),
    at=moments,
)
def test_a_consent_lacking_any_element_authorises_nothing(element: str, at: datetime) -> None:
    lacking = {
        "information": {"information": frozenset()},
        "recipients": {"recipient_ids": frozenset(), "recipient_classes": frozenset()},
        "purpose": {"purposes": frozenset()},
        "expiry": {"expires_at": None, "expiry_event": ""},
        "signature": {"signed_by": "  "},
    }[element]
    consent = replace(CONSENT, **lacking)  # type: ignore[arg-type]
    assert element in consent.missing_elements()
    decision = decide([consent], asked(at=at))
    assert not decision.allowed and decision.reason is Reason.INCOMPLETE


@given(purpose=st.sampled_from([Purpose.INVESTIGATION, Purpose.PROSECUTION]), at=moments)
def test_no_consent_covers_use_against_the_patient(purpose: Purpose, at: datetime) -> None:
    consent = replace(CONSENT, purposes=frozenset(Purpose))
    decision = decide([consent], asked(purpose=purpose, at=at))
    assert not decision.allowed and decision.reason is Reason.AGAINST_THE_PATIENT


def _diversion_consent(**changes: object) -> ConsentTerms:
    consent = replace(
        CONSENT,
        recipient_ids=frozenset(),
        recipient_classes=frozenset({"diversion_program"}),
        purposes=frozenset({Purpose.MONITORING, Purpose.TREATMENT}),
        criminal_justice=True,
        irrevocable_until_event="final disposition of the case",
    )
    return replace(consent, **changes)  # type: ignore[arg-type]


@given(revoked=moments, event=st.none() | moments, at=moments)
def test_a_criminal_justice_consent_is_irrevocable_until_its_event(
    revoked: datetime, event: datetime | None, at: datetime
) -> None:
    consent = _diversion_consent(revoked_at=revoked, irrevocable_until_event_at=event)
    disclosure = asked(
        at=at,
        purpose=Purpose.MONITORING,
        recipient_id=COURT,
        recipient_classes=frozenset({"diversion_program"}),
    )
    within = SIGNED <= at < CONSENT.expires_at  # type: ignore[operator]
    revocation_in_force = revoked <= at and event is not None and at >= event
    assert decide([consent], disclosure).allowed is (within and not revocation_in_force)


def test_a_criminal_justice_consent_serves_only_monitoring() -> None:
    consent = _diversion_consent()
    member = {"recipient_id": COURT, "recipient_classes": frozenset({"diversion_program"})}
    assert decide([consent], asked(purpose=Purpose.MONITORING, **member)).allowed
    refused = decide([consent], asked(purpose=Purpose.TREATMENT, **member))
    assert not refused.allowed and refused.reason is Reason.PURPOSE


def test_another_patients_or_programs_consent_is_no_consent() -> None:
    for other in (replace(CONSENT, patient_id=COURT), replace(CONSENT, discloser_id=COURT)):
        decision = decide([other], asked())
        assert not decision.allowed and decision.reason is Reason.NONE
        assert decision.shown == NO_CONSENT


@given(at=moments)
def test_one_covering_consent_among_refusing_ones_is_enough(at: datetime) -> None:
    expired = replace(CONSENT, expires_at=SIGNED + timedelta(days=1))
    later = replace(CONSENT, signed_at=SIGNED + timedelta(days=100))
    covered = SIGNED + timedelta(days=100) <= at < CONSENT.expires_at  # type: ignore[operator]
    assert decide([expired, later], asked(at=at)).allowed is (
        covered or SIGNED <= at < SIGNED + timedelta(days=1)
    )
