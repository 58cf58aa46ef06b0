"""The two authorisations that are not consents, as their records turn into consent.policy
overrides (SECURITY.md 6, 9): properties over status x recipient x purpose x time.

A court order covers use against the person only when approved, within its window, for its
recipient; break-glass access covers treatment only and never beyond 72 hours after it opened,
whatever end was written on it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crossroads.consent.models import CourtOrder, EmergencyAccess
from crossroads.consent.policy import EMERGENCY_LIMIT, Disclosure, Purpose, Reason, decide

PATIENT, PROGRAM, POLICE, OTHER_POLICE = (uuid.UUID(int=n) for n in range(1, 5))
OPENED = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
KINDS = ("engagement", "appointments", "completion")

hours_around = st.integers(min_value=-48, max_value=24 * 10).map(
    lambda h: OPENED + timedelta(hours=h)
)
minutes_around = st.integers(min_value=-60, max_value=80 * 60).map(
    lambda m: OPENED + timedelta(minutes=m)
)
purposes = st.sampled_from(list(Purpose))
recipients = st.sampled_from([POLICE, OTHER_POLICE])
kinds = st.frozensets(st.sampled_from(KINDS), min_size=1)


def asked(
    at: datetime, purpose: Purpose, recipient: uuid.UUID, information: frozenset[str]
) -> Disclosure:
    return Disclosure(
        patient_id=PATIENT,
        discloser_id=PROGRAM,
        recipient_id=recipient,
        recipient_classes=frozenset({"police"}),
        purpose=purpose,
        information=information,
        at=at,
    )


@given(
    status=st.sampled_from(CourtOrder.Status.values),
    at=hours_around,
    purpose=purposes,
    recipient=recipients,
    information=kinds,
    days=st.integers(min_value=1, max_value=5),
)
def test_a_court_order_covers_only_when_approved_in_its_window_for_its_recipient(
    status: str,
    at: datetime,
    purpose: Purpose,
    recipient: uuid.UUID,
    information: frozenset[str],
    days: int,
) -> None:
    order = CourtOrder(
        person_id=PATIENT,
        discloser_id=PROGRAM,
        recipient_id=POLICE,
        purposes=[Purpose.INVESTIGATION.value, Purpose.PROSECUTION.value],
        information=["engagement", "appointments"],
        valid_from=OPENED,
        valid_until=OPENED + timedelta(days=days),
        status=status,
    )
    override = order.override()
    decision = decide(
        [], asked(at, purpose, recipient, information), [override] if override else []
    )
    covered = (
        status == CourtOrder.Status.APPROVED
        and OPENED <= at < OPENED + timedelta(days=days)
        and recipient == POLICE
        and purpose in {Purpose.INVESTIGATION, Purpose.PROSECUTION}
        and information <= {"engagement", "appointments"}
    )
    assert decision.allowed is covered
    if covered:
        assert decision.reason is Reason.COURT_ORDER
    elif purpose in {Purpose.INVESTIGATION, Purpose.PROSECUTION}:
        assert decision.reason is Reason.AGAINST_THE_PATIENT


@given(
    written_hours=st.integers(min_value=1, max_value=24 * 30),
    at=minutes_around,
    purpose=purposes,
    recipient=recipients,
    information=kinds,
)
def test_break_glass_covers_treatment_only_and_never_beyond_72_hours(
    written_hours: int,
    at: datetime,
    purpose: Purpose,
    recipient: uuid.UUID,
    information: frozenset[str],
) -> None:
    """Even a record whose end was written past 72 hours (an import, a bug) ends at 72."""
    emergency = EmergencyAccess(
        person_id=PATIENT,
        discloser_id=PROGRAM,
        recipient_id=POLICE,
        information=list(KINDS),
        opened_at=OPENED,
        ends_at=OPENED + timedelta(hours=written_hours),
    )
    decision = decide([], asked(at, purpose, recipient, information), [emergency.override()])
    ends = OPENED + min(timedelta(hours=written_hours), EMERGENCY_LIMIT)
    covered = OPENED <= at < ends and purpose is Purpose.TREATMENT and recipient == POLICE
    assert decision.allowed is covered
    assert not (decision.allowed and at >= OPENED + timedelta(hours=72))
    if covered:
        assert decision.reason is Reason.EMERGENCY
