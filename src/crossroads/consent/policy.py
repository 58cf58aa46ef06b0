"""Whether one disclosure of Part 2 information may happen now. Pure: no Django.

`decide` is the one function every provider-to-police (or any cross-agency) flow of Part 2
information calls at the moment of disclosure (SECURITY.md 4): never cached, never decided
ahead. It reads the person's consents as plain `ConsentTerms` and answers a `Decision`. A refusal
shows the recipient only `NO_CONSENT` — not even that treatment exists; the reason is for the
discloser's accounting and the audit trail.

The rules, from 42 CFR Part 2 (2024) as SECURITY.md 3-7 put them:
- a consent authorises nothing unless it has every element of §2.31 the decision can check: what
  information, the recipients (by name or by class), the purpose, an expiry date or event, and
  the signature with its date (the patient and the discloser are its keys; the right to revoke
  is the consent's, unless a criminal-justice consent names an event, below);
- it covers a disclosure only if the patient, the discloser, the recipient, the purpose and every
  kind of information asked for are within it, it was signed by then, and it has neither expired
  (date passed, or expiry event recorded) nor been revoked by then;
- a criminal-justice consent (§2.35) may be irrevocable until a stated event: a revocation
  before that event has no effect, one after it does; its recipients are those monitoring the
  person's progress, so it covers only the monitoring purpose;
- no consent covers using the information against the patient (investigation or prosecution):
  only a court order can (§§2.64-2.65), and that is not a consent.

Two authorisations other than consent are passed in as `Override`s: an approved court order
(§§2.64-2.65, the only way to the purposes against the patient) and break-glass emergency access
(§2.51: treatment only, for at most 72 hours). Each covers its patient, discloser, recipient,
purposes and information within its window, and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

NO_CONSENT = "No consent on file"


class Purpose(enum.StrEnum):
    TREATMENT = "treatment"  # care coordination, a warm handoff
    MONITORING = "criminal_justice_monitoring"  # §2.35: a diversion program, probation, a court
    PAYMENT = "payment"
    INVESTIGATION = "investigation"  # against the patient: never by consent
    PROSECUTION = "prosecution"  # against the patient: never by consent


AGAINST_THE_PATIENT = frozenset({Purpose.INVESTIGATION, Purpose.PROSECUTION})


class Reason(enum.StrEnum):
    """Why a disclosure was allowed or refused, for the accounting (never shown to police)."""

    COVERED = "covered by consent"
    NONE = "no consent for this patient and discloser"
    INCOMPLETE = "consent lacks a §2.31 element"
    NOT_YET_SIGNED = "consent not yet signed"
    EXPIRED = "consent expired"
    REVOKED = "consent revoked"
    RECIPIENT = "recipient not named in the consent"
    PURPOSE = "purpose not in the consent"
    INFORMATION = "information not in the consent"
    AGAINST_THE_PATIENT = "use against the patient needs a court order"
    COURT_ORDER = "authorised by a court order"
    EMERGENCY = "medical emergency (break-glass)"


@dataclass(frozen=True)
class ConsentTerms:
    """One signed consent, as the decision reads it."""

    patient_id: UUID
    discloser_id: UUID  # the Part 2 program (agency) that may disclose
    information: frozenset[str]  # kinds of information, e.g. {"engagement", "attendance"}
    recipient_ids: frozenset[UUID]  # named recipients (agencies)
    recipient_classes: frozenset[str]  # or a class, e.g. {"diversion_program"}
    purposes: frozenset[Purpose]
    signed_by: str  # the typed name, or the name on the uploaded signed form
    signed_at: datetime | None
    expires_at: datetime | None  # an expiry date, or
    expiry_event: str  # an expiry event ("completion of the LEAD program") and
    expiry_event_at: datetime | None  # when that event was recorded, if it has happened
    revoked_at: datetime | None = None
    criminal_justice: bool = False  # §2.35
    irrevocable_until_event: str = ""  # §2.35: the event until which it cannot be revoked
    irrevocable_until_event_at: datetime | None = None  # when that event was recorded
    right_to_revoke_stated: bool = True  # §2.31(a)(6): the patient was told of the right

    def missing_elements(self) -> tuple[str, ...]:
        """The §2.31 elements this consent lacks; a consent lacking any authorises nothing."""
        lacking = {
            "information": not self.information,
            "recipients": not (self.recipient_ids or self.recipient_classes),
            "purpose": not self.purposes,
            "expiry": self.expires_at is None and not self.expiry_event,
            "signature": not self.signed_by.strip() or self.signed_at is None,
            "right to revoke": not self.right_to_revoke_stated,
        }
        return tuple(name for name, lacks in lacking.items() if lacks)


@dataclass(frozen=True)
class Disclosure:
    """One item of Part 2 information about to go from a discloser to a recipient."""

    patient_id: UUID
    discloser_id: UUID
    recipient_id: UUID
    recipient_classes: frozenset[str]  # the classes the recipient belongs to
    purpose: Purpose
    information: frozenset[str]
    at: datetime


class OverrideKind(enum.StrEnum):
    COURT_ORDER = "court_order"  # §§2.64-2.65, approved by a second person
    EMERGENCY = "emergency"  # §2.51 break-glass


# §2.51 access is for the emergency at hand: it may not outlast this, whatever was asked.
EMERGENCY_LIMIT = timedelta(hours=72)


@dataclass(frozen=True)
class Override:
    """An authorisation that is not a consent, valid in [starts_at, ends_at)."""

    kind: OverrideKind
    patient_id: UUID
    discloser_id: UUID
    recipient_id: UUID
    purposes: frozenset[Purpose]
    information: frozenset[str]
    starts_at: datetime
    ends_at: datetime

    def covers(self, disclosure: Disclosure) -> bool:
        ends_at = self.ends_at
        if self.kind is OverrideKind.EMERGENCY:
            ends_at = min(ends_at, self.starts_at + EMERGENCY_LIMIT)
        purposes = self.purposes
        if self.kind is OverrideKind.EMERGENCY:
            purposes = purposes & {Purpose.TREATMENT}
        return (
            (self.patient_id, self.discloser_id, self.recipient_id)
            == (disclosure.patient_id, disclosure.discloser_id, disclosure.recipient_id)
            and self.starts_at <= disclosure.at < ends_at
            and disclosure.purpose in purposes
            and disclosure.information <= self.information
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason

    @property
    def shown(self) -> str:
        """What the recipient sees instead of the item when it is refused."""
        return "" if self.allowed else NO_CONSENT


def decide(
    consents: Iterable[ConsentTerms],
    disclosure: Disclosure,
    overrides: Iterable[Override] = (),
) -> Decision:
    """Allowed if one consent (or court order, or emergency) covers the disclosure now; else the
    most telling refusal."""
    for override in overrides:
        if override.covers(disclosure):
            if override.kind is OverrideKind.COURT_ORDER:
                return Decision(True, Reason.COURT_ORDER)
            return Decision(True, Reason.EMERGENCY)
    if disclosure.purpose in AGAINST_THE_PATIENT:
        return Decision(False, Reason.AGAINST_THE_PATIENT)
    refusals = []
    for consent in consents:
        if (consent.patient_id, consent.discloser_id) != (
            disclosure.patient_id,
            disclosure.discloser_id,
        ):
            continue
        refusal = _refusal(consent, disclosure)
        if refusal is None:
            return Decision(True, Reason.COVERED)
        refusals.append(refusal)
    return Decision(False, min(refusals, key=_ORDER.index) if refusals else Reason.NONE)


# When several consents refuse, the reason nearest to allowing is the one recorded.
_ORDER = [
    Reason.INFORMATION,
    Reason.PURPOSE,
    Reason.RECIPIENT,
    Reason.REVOKED,
    Reason.EXPIRED,
    Reason.NOT_YET_SIGNED,
    Reason.INCOMPLETE,
]


def _refusal(consent: ConsentTerms, disclosure: Disclosure) -> Reason | None:
    at = disclosure.at
    if consent.missing_elements():
        return Reason.INCOMPLETE
    if consent.signed_at is None or consent.signed_at > at:
        return Reason.NOT_YET_SIGNED
    if _expired(consent, at):
        return Reason.EXPIRED
    if _revoked(consent, at):
        return Reason.REVOKED
    named = disclosure.recipient_id in consent.recipient_ids
    if not named and not consent.recipient_classes & disclosure.recipient_classes:
        return Reason.RECIPIENT
    if disclosure.purpose not in consent.purposes or (
        consent.criminal_justice and disclosure.purpose is not Purpose.MONITORING
    ):
        return Reason.PURPOSE
    if not disclosure.information <= consent.information:
        return Reason.INFORMATION
    return None


def _expired(consent: ConsentTerms, at: datetime) -> bool:
    by_date = consent.expires_at is not None and at >= consent.expires_at
    by_event = consent.expiry_event_at is not None and at >= consent.expiry_event_at
    return by_date or by_event


def _revoked(consent: ConsentTerms, at: datetime) -> bool:
    if consent.revoked_at is None or consent.revoked_at > at:
        return False
    if consent.criminal_justice and consent.irrevocable_until_event:
        # Until the stated event, a revocation of a §2.35 consent has no effect; once the event
        # is recorded, a revocation made at any time takes effect from the event.
        event_at = consent.irrevocable_until_event_at
        return event_at is not None and at >= event_at
    return True
