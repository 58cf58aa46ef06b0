"""Every write to consent records, and the one door every Part 2 disclosure goes through."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from crossroads.consent.models import (
    CONSENTABLE_PURPOSES,
    INFORMATION_KINDS,
    Consent,
    CourtOrder,
    DisclosureRecord,
    EmergencyAccess,
)
from crossroads.consent.policy import (
    AGAINST_THE_PATIENT,
    EMERGENCY_LIMIT,
    ConsentTerms,
    Decision,
    Disclosure,
    Purpose,
    Reason,
    decide,
)
from crossroads.consent.queries import consent_agency_ids
from crossroads.core import access, audit
from crossroads.core.actions import StaleVersion
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.models import Person
from crossroads.people.queries import known_to_agency


@cache
def redisclosure_notice() -> str:
    """The §2.32 notice every disclosed Part 2 item carries, on every path (SECURITY.md 5)."""
    return Path(__file__).with_name("notice_2_32.txt").read_text().strip()


@dataclass(frozen=True)
class Disclosed:
    """The answer of the door: the decision, and the notice to show beside an allowed item."""

    decision: Decision
    record: DisclosureRecord

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    @property
    def notice(self) -> str:
        return redisclosure_notice() if self.allowed else ""


def disclosure_decide(
    *,
    by: User,
    person: Person,
    discloser: Agency,
    information: frozenset[str],
    purpose: Purpose,
    path: str,
    about: models.Model | None = None,
    at: datetime | None = None,
) -> Disclosed:
    """Decide, at this moment, whether `discloser` may show `by` these kinds of information about
    `person`, and record the decision (SECURITY.md 4, 8).

    Never cached: each page, API answer, CSV or PDF that would show the item calls this. The
    person's consents from the discloser are locked while deciding, so a revocation racing the
    disclosure waits for it (or it for the revocation): one of them wins, never both."""
    with transaction.atomic():
        consents = list(
            Consent.objects.select_for_update()
            .filter(person=person, discloser=discloser)
            .prefetch_related("recipients")
            .order_by("signed_at", "id")
        )
        # The lock above is taken first; the moment of disclosure is after it.
        moment = at or timezone.now()
        asked = Disclosure(
            patient_id=person.pk,
            discloser_id=discloser.pk,
            recipient_id=by.agency_id,
            recipient_classes=frozenset({by.agency.type}),
            purpose=purpose,
            information=information,
            at=moment,
        )
        orders, emergencies = _overrides(person, discloser, by.agency)
        decision = decide(
            [c.terms() for c in consents],
            asked,
            [t for o in orders if (t := o.override())] + [e.override() for e in emergencies],
        )
        record = DisclosureRecord.objects.create(
            person=person,
            discloser=discloser,
            recipient_id=by.agency_id,
            recipient_user=by,
            information=sorted(information),
            purpose=purpose.value,
            path=path,
            about_type=about._meta.label_lower if about is not None else "",
            about_id=str(about.pk) if about is not None else "",
            at=moment,
            allowed=decision.allowed,
            reason=decision.reason.value,
            **_basis(decision, asked, consents, orders, emergencies),
        )
        audit.record(
            by=by,
            verb="disclosure.decide",
            obj=record,
            outcome=AuditEvent.Outcome.SUCCESS if decision.allowed else AuditEvent.Outcome.DENIED,
            detail={"reason": decision.reason.value, "path": path},
        )
    return Disclosed(decision, record)


def _overrides(
    person: Person, discloser: Agency, recipient: Agency
) -> tuple[list[CourtOrder], list[EmergencyAccess]]:
    scope = Q(person=person, discloser=discloser, recipient=recipient)
    orders = list(CourtOrder.objects.filter(scope, status=CourtOrder.Status.APPROVED))
    emergencies = list(EmergencyAccess.objects.filter(scope))
    return orders, emergencies


def _basis(
    decision: Decision,
    asked: Disclosure,
    consents: list[Consent],
    orders: list[CourtOrder],
    emergencies: list[EmergencyAccess],
) -> dict[str, object]:
    """Which consent, order or emergency allowed the disclosure, for the accounting."""
    if decision.reason is Reason.COVERED:
        return {"consent": next(c for c in consents if decide([c.terms()], asked).allowed)}
    if decision.reason is Reason.COURT_ORDER:
        covering = (o for o in orders if (terms := o.override()) and terms.covers(asked))
        return {"court_order": next(covering)}
    if decision.reason is Reason.EMERGENCY:
        return {"emergency": next(e for e in emergencies if e.override().covers(asked))}
    return {}


# --- Shared checks -----------------------------------------------------------------------------

# An uploaded signed form or court order is read by its first bytes, never by its name or the
# type a browser claims: only these three kinds are kept, and none larger than this.
DOCUMENT_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
TEXT_LENGTH = 200  # an event's name, a signer's name
NOTE_LENGTH = 500
NOT_CHOSEN = uuid.UUID(int=0)  # a discloser a page left empty: refused, never stored

# Where the page and the API show each §2.31 element consent.policy finds missing.
_ELEMENT_FIELDS = {
    "information": ("information", "Choose what information may be disclosed."),
    "recipients": (
        "recipients",
        "Name at least one agency that may receive the information, or a class of recipients.",
    ),
    "purpose": ("purposes", "Choose why the information may be disclosed."),
    "expiry": ("expires_at", "Give a date or an event on which the consent ends."),
    "right to revoke": (
        "right_to_revoke_acknowledged",
        "Confirm the person was told they may revoke this consent.",
    ),
}


class _Problems(dict[str, list[str]]):
    """Every refusal of one write, by field, raised together so a form shows them all at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _document_type(problems: _Problems, field: str, content: bytes, declared: str) -> str:
    """The media type of an uploaded file, from its first bytes; a problem if it is not one we
    keep, is too large, or is not what the sender said it is."""
    if len(content) > DOCUMENT_MAX_BYTES:
        problems.add(field, "The file is larger than 5 MB. Scan it at a lower resolution.")
        return ""
    found = next((kind for magic, kind in DOCUMENT_TYPES.items() if content.startswith(magic)), "")
    if not found:
        problems.add(field, "Upload a PDF, PNG or JPEG file.")
    elif declared and declared != found:
        problems.add(field, f"The file is {found}, not {declared} as it was sent.")
    return found


def _check_information(problems: _Problems, field: str, information: frozenset[str]) -> None:
    unknown = sorted(information - INFORMATION_KINDS.keys())
    if unknown:
        problems.add(
            field,
            f"Unknown kind of information: {', '.join(unknown)}. "
            f"Choose from {', '.join(INFORMATION_KINDS)}.",
        )


def _purposes(problems: _Problems, field: str, named: Iterable[str]) -> frozenset[Purpose]:
    """The purposes named, each a known one (a problem for any other)."""
    known = {purpose.value: purpose for purpose in Purpose}
    named = list(named)
    unknown = sorted({p for p in named if p not in known})
    if unknown:
        problems.add(field, f"Unknown purpose: {', '.join(unknown)}.")
    return frozenset(known[p] for p in named if p in known)


def _check_discloser(problems: _Problems, discloser: Agency | None) -> None:
    """The program that may disclose: chosen (pages may leave it empty), and a treatment one."""
    if discloser is None:
        problems.add("discloser", "Choose the program that may disclose.")
    elif discloser.type not in Agency.PART2_CAPABLE:
        problems.add(
            "discloser",
            f"{discloser.name} is a {discloser.get_type_display().lower()}, not a treatment "
            "program: it holds no Part 2 records to disclose.",
        )


def _check_person_known(problems: _Problems, by: User, person: Person) -> None:
    if not known_to_agency(by.agency_id, person):
        problems.add(
            "person",
            "Your agency has not met this person, received a referral for them or enrolled "
            "them in a program.",
        )


def _check_text(problems: _Problems, field: str, value: str, length: int, *, needed: str) -> None:
    """A free-text field: `needed` is the message when it is blank ("" when it may be)."""
    if needed and not value.strip():
        problems.add(field, needed)
    elif len(value) > length:
        problems.add(field, f"Keep it to {length} characters.")


# --- Consents ----------------------------------------------------------------------------------


def consent_record(
    *,
    by: User,
    person: Person,
    discloser: Agency | None,
    information: Iterable[str],
    recipients: Iterable[Agency],
    recipient_classes: Iterable[str],
    purposes: Iterable[str],
    right_to_revoke_acknowledged: bool,
    expires_at: datetime | None,
    expiry_event: str,
    criminal_justice: bool,
    irrevocable_until_event: str,
    signature: str,
    signed_by: str,
    signed_at: datetime | None,
    signed_form: bytes | None = None,
    signed_form_type: str = "",
) -> Consent:
    """A person's written consent with every element of §2.31 (SECURITY.md 3), signed by typed
    name or on an uploaded form. Every problem is named by its field, all at once."""
    access.require_permission(by, "consent.record")
    information, recipients = frozenset(information), list(recipients)
    recipient_classes, expiry_event = frozenset(recipient_classes), expiry_event.strip()
    irrevocable_until_event, signed_by = irrevocable_until_event.strip(), signed_by.strip()
    problems = _Problems()
    chosen = _purposes(problems, "purposes", purposes)
    terms = ConsentTerms(
        patient_id=person.pk,
        discloser_id=discloser.pk if discloser else NOT_CHOSEN,
        information=information,
        recipient_ids=frozenset(agency.pk for agency in recipients),
        recipient_classes=recipient_classes,
        purposes=chosen,
        signed_by=signed_by,
        signed_at=signed_at,
        expires_at=expires_at,
        expiry_event=expiry_event,
        expiry_event_at=None,
        criminal_justice=criminal_justice,
        irrevocable_until_event=irrevocable_until_event,
        right_to_revoke_stated=right_to_revoke_acknowledged,
    )
    _check_elements(problems, terms)
    _check_consent_terms(problems, terms)
    _check_signature(problems, signature, signed_form)
    form_type = (
        _document_type(problems, "signed_form", signed_form, signed_form_type.strip())
        if signed_form
        else ""
    )
    _check_discloser(problems, discloser)
    _check_person_known(problems, by, person)
    if discloser and by.agency_id not in {person.agency_id, discloser.pk}:
        problems.add(
            "discloser",
            "Only the agency that met the person, or the program that discloses, records a "
            "consent: choose your own agency as the program that may disclose.",
        )
    problems.raise_any()
    discloser = cast(Agency, discloser)  # a missing one was refused above
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            discloser=discloser,
            information=sorted(information),
            recipient_classes=sorted(recipient_classes),
            purposes=sorted(p.value for p in chosen),
            right_to_revoke_acknowledged=right_to_revoke_acknowledged,
            expires_at=expires_at,
            expiry_event=expiry_event,
            criminal_justice=criminal_justice,
            irrevocable_until_event=irrevocable_until_event,
            signature=signature,
            signed_by=signed_by,
            signed_at=cast(datetime, signed_at),  # a missing date was refused above
            signed_form=signed_form,
            signed_form_type=form_type,
            agency_id=by.agency_id,
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        consent.recipients.set(recipients)
        audit.record(
            by=by,
            verb="consent.record",
            obj=consent,
            detail={
                "discloser": str(discloser.pk),
                "signature": signature,
                "criminal_justice": criminal_justice,
            },
        )
    return consent


def _check_elements(problems: _Problems, terms: ConsentTerms) -> None:
    """Each §2.31 element consent.policy finds missing, on the field that captures it."""
    for element in terms.missing_elements():
        if element == "signature":
            if not terms.signed_by:
                problems.add("signed_by", "Give the name of the person signing.")
            if terms.signed_at is None:
                problems.add("signed_at", "Give the date and time of the signature.")
        else:
            problems.add(*_ELEMENT_FIELDS[element])


def _check_consent_terms(problems: _Problems, terms: ConsentTerms) -> None:
    """What a complete consent may say: known kinds, classes and purposes; never use against
    the patient; §2.35 consents for monitoring only; dates in order."""
    _check_information(problems, "information", terms.information)
    unknown_classes = sorted(terms.recipient_classes - set(Agency.Type.values))
    if unknown_classes:
        problems.add("recipient_classes", f"Not a kind of agency: {', '.join(unknown_classes)}.")
    if terms.purposes - set(CONSENTABLE_PURPOSES):  # investigation, prosecution (§2.12)
        problems.add(
            "purposes",
            "No consent can allow use against the person (investigation or prosecution); "
            "only an approved court order can (§§2.64-2.65).",
        )
    if terms.criminal_justice and terms.purposes and terms.purposes != {Purpose.MONITORING}:
        problems.add(
            "purposes",
            "A criminal-justice consent (§2.35) is for monitoring the person's progress only.",
        )
    if terms.irrevocable_until_event and not terms.criminal_justice:
        problems.add(
            "irrevocable_until_event",
            "Only a criminal-justice consent (§2.35) can be irrevocable until an event.",
        )
    _check_text(problems, "signed_by", terms.signed_by, TEXT_LENGTH, needed="")
    _check_text(problems, "expiry_event", terms.expiry_event, TEXT_LENGTH, needed="")
    _check_text(
        problems, "irrevocable_until_event", terms.irrevocable_until_event, TEXT_LENGTH, needed=""
    )
    if terms.signed_at is not None and terms.signed_at > timezone.now():
        problems.add("signed_at", "The signature cannot be dated in the future.")
    if terms.signed_at and terms.expires_at and terms.expires_at <= terms.signed_at:
        problems.add("expires_at", "The consent must end after it is signed.")


def _check_signature(problems: _Problems, signature: str, signed_form: bytes | None) -> None:
    if signature not in Consent.Signature.values:
        problems.add("signature", "Sign by typed name and checkbox, or upload the signed form.")
    elif signature == Consent.Signature.UPLOADED and not signed_form:
        problems.add("signed_form", "Upload the signed form, or sign by typed name instead.")
    elif signature == Consent.Signature.TYPED and signed_form:
        problems.add("signed_form", "A consent signed by typed name has no uploaded form.")


def _locked(consent: Consent) -> Consent:
    """The consent as it is now, locked until the transaction ends: a disclosure deciding under
    it waits for this write, or this write for it (consent.actions.disclosure_decide)."""
    return Consent.objects.select_for_update().defer("signed_form").get(pk=consent.pk)


def _check_may_change(by: User, consent: Consent) -> None:
    """A revocation or an event reaches whoever holds the consent: any agency that may see it
    (the recording agency, the discloser, a named recipient) records it."""
    access.require_permission(by, "consent.record")
    if by.agency_id not in consent_agency_ids(consent):
        raise ValidationError({"consent": "Your agency is not party to this consent."})


def consent_revoke(*, by: User, consent: Consent, note: str, expected_version: int) -> Consent:
    """Revoke a consent, effective at once: from this moment no disclosure is made under it
    (SECURITY.md 4). A §2.35 consent irrevocable until an event cannot be revoked before it."""
    _check_may_change(by, consent)
    problems = _Problems()
    _check_text(problems, "note", note, NOTE_LENGTH, needed="")
    problems.raise_any()
    with transaction.atomic():
        current = _locked(consent)
        if current.revoked_at is not None:
            raise ValidationError(
                {"consent": f"This consent was already revoked on {current.revoked_at:%d %b %Y}."}
            )
        if current.version != expected_version:
            raise StaleVersion(current.version)
        if current.irrevocable_until_event and current.irrevocable_until_event_at is None:
            raise ValidationError(
                {
                    "consent": "This criminal-justice consent (§2.35) cannot be revoked until "
                    f"{current.irrevocable_until_event}. Record that event first."
                }
            )
        # The moment is taken under the lock: every disclosure that won the lock before it is
        # dated earlier, every one after it sees the revocation.
        current.revoked_at = timezone.now()
        current.revoked_by = by
        current.revocation_note = note.strip()
        current.version += 1
        current.save(update_fields=["revoked_at", "revoked_by", "revocation_note", "version"])
        audit.record(by=by, verb="consent.revoke", obj=current)
    return current


CONSENT_EVENTS = {
    "expiry": ("expiry_event", "expiry_event_at"),
    "irrevocability": ("irrevocable_until_event", "irrevocable_until_event_at"),
}


def consent_event_record(*, by: User, consent: Consent, event: str, at: datetime) -> Consent:
    """Record that the event a consent names has happened: its expiry event (it authorises
    nothing from then), or the event until which a §2.35 consent was irrevocable (it may be
    revoked from then)."""
    _check_may_change(by, consent)
    if event not in CONSENT_EVENTS:
        raise ValidationError({"event": "Choose the expiry event or the irrevocability event."})
    name_field, at_field = CONSENT_EVENTS[event]
    with transaction.atomic():
        current = _locked(consent)
        name, happened = getattr(current, name_field), getattr(current, at_field)
        problems = _Problems()
        if not name:
            problems.add("event", f"This consent names no {event} event.")
        elif happened is not None:
            problems.add("event", f"{name} was already recorded, on {happened:%d %b %Y}.")
        if at > timezone.now():
            problems.add("at", "The event cannot be recorded before it happens.")
        elif at < current.signed_at:
            problems.add("at", "The event cannot come before the consent was signed.")
        problems.raise_any()
        setattr(current, at_field, at)
        current.version += 1
        current.save(update_fields=[at_field, "version"])
        audit.record(by=by, verb="consent_event.record", obj=current, detail={"event": event})
    return current


# --- Court orders (§§2.64-2.65) ----------------------------------------------------------------

COURT_ORDER_SECTIONS = ("2.64", "2.65")


def court_order_record(
    *,
    by: User,
    person: Person,
    discloser: Agency | None,
    recipient: Agency | None,
    court: str,
    docket_number: str,
    section: str,
    purposes: Iterable[str],
    information: Iterable[str],
    issued_on: date,
    valid_from: datetime,
    valid_until: datetime,
    document: bytes | None = None,
    document_type: str = "",
) -> CourtOrder:
    """A court order, pending until a second person of the agency approves it; until then it
    authorises nothing (SECURITY.md 6)."""
    access.require_permission(by, "consent.court_orders")
    information = frozenset(information)
    problems = _Problems()
    chosen = _purposes(problems, "purposes", purposes)
    _check_text(problems, "court", court, TEXT_LENGTH, needed="Name the court.")
    _check_text(problems, "docket_number", docket_number, 100, needed="Give the docket number.")
    if section not in COURT_ORDER_SECTIONS:
        problems.add("section", "Choose §2.64 or §2.65.")
    elif chosen & AGAINST_THE_PATIENT and section != "2.65":
        problems.add(
            "section",
            "Only a §2.65 order allows investigating or prosecuting the person.",
        )
    if not chosen and "purposes" not in problems:
        problems.add("purposes", "Choose what the order allows the information to be used for.")
    if not information:
        problems.add("information", "Choose what information the order allows.")
    _check_information(problems, "information", information)
    if issued_on > timezone.localdate():
        problems.add("issued_on", "The order cannot be issued in the future.")
    if valid_until <= valid_from:
        problems.add("valid_until", "The order must end after it begins.")
    kind = _document_type(problems, "document", document, document_type.strip()) if document else ""
    _check_discloser(problems, discloser)
    _check_person_known(problems, by, person)
    if recipient is None:
        problems.add("recipient", "Choose the agency the order allows to receive it.")
    elif discloser and by.agency_id not in {discloser.pk, recipient.pk}:
        problems.add(
            "recipient",
            "Your agency records an order only when it is the program that discloses or the "
            "recipient.",
        )
    problems.raise_any()
    discloser, recipient = cast(Agency, discloser), cast(Agency, recipient)  # refused if missing
    with transaction.atomic():
        order = CourtOrder.objects.create(
            person=person,
            discloser=discloser,
            recipient=recipient,
            court=court.strip(),
            docket_number=docket_number.strip(),
            section=section,
            purposes=sorted(p.value for p in chosen),
            information=sorted(information),
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            document=document,
            document_type=kind,
            agency_id=by.agency_id,
            recorded_by=by,
            recorded_at=timezone.now(),
        )
        audit.record(
            by=by,
            verb="court_order.record",
            obj=order,
            detail={"section": section, "purposes": order.purposes},
        )
    return order


def court_order_decide(*, by: User, order: CourtOrder, approve: bool, note: str) -> CourtOrder:
    """The second person's decision on a pending order: someone else of the recording agency,
    who may record court orders too. Only an approved order authorises a disclosure."""
    problems = _Problems()
    if by.pk == order.recorded_by_id:
        problems.add("decided_by", "A second person decides: you recorded this order.")
    if by.agency_id != order.agency_id:
        problems.add("decided_by", "Only staff of the agency that recorded the order decide it.")
    if not by.can("consent.court_orders"):
        problems.add("decided_by", "Your roles do not include deciding court orders.")
    _check_text(problems, "note", note, NOTE_LENGTH, needed="")
    problems.raise_any()
    with transaction.atomic():
        current = CourtOrder.objects.select_for_update().get(pk=order.pk)
        if current.status != CourtOrder.Status.PENDING:
            raise ValidationError(
                {"order": f"This order was already {current.get_status_display().lower()}."}
            )
        current.status = CourtOrder.Status.APPROVED if approve else CourtOrder.Status.REJECTED
        current.decided_by = by
        current.decided_at = timezone.now()
        current.decision_note = note.strip()
        current.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(
            by=by, verb="court_order.decide", obj=current, detail={"status": current.status}
        )
    return current


# --- Break-glass (§2.51) -----------------------------------------------------------------------

EMERGENCY_HOURS = int(EMERGENCY_LIMIT / timedelta(hours=1))


def emergency_access_open(
    *,
    by: User,
    person: Person,
    discloser: Agency | None,
    nature_of_emergency: str,
    information: Iterable[str],
    hours: int,
) -> EmergencyAccess:
    """Break-glass access in a medical emergency (§2.51): the recipient (this user and their
    agency), the discloser, the time and the nature of the emergency are recorded, and the
    access ends after `hours`, at most 72 (SECURITY.md 9). It allows treatment use only."""
    access.require_permission(by, "consent.break_glass")
    information = frozenset(information)
    problems = _Problems()
    _check_text(
        problems,
        "nature_of_emergency",
        nature_of_emergency,
        NOTE_LENGTH,
        needed="Describe the medical emergency.",
    )
    if not information:
        problems.add("information", "Choose what information the emergency needs.")
    _check_information(problems, "information", information)
    if not 1 <= hours <= EMERGENCY_HOURS:
        problems.add("hours", f"Break-glass access lasts from 1 to {EMERGENCY_HOURS} hours.")
    _check_discloser(problems, discloser)
    if discloser and discloser.pk == by.agency_id:
        problems.add("discloser", "Your agency reads its own records without breaking glass.")
    _check_person_known(problems, by, person)
    problems.raise_any()
    discloser = cast(Agency, discloser)  # a missing one was refused above
    opened_at = timezone.now()
    with transaction.atomic():
        emergency = EmergencyAccess.objects.create(
            person=person,
            discloser=discloser,
            recipient_id=by.agency_id,
            recipient_user=by,
            nature_of_emergency=nature_of_emergency.strip(),
            information=sorted(information),
            opened_at=opened_at,
            ends_at=opened_at + timedelta(hours=hours),
        )
        audit.record(
            by=by,
            verb="emergency_access.open",
            obj=emergency,
            detail={"discloser": str(discloser.pk), "hours": hours},
        )
    return emergency
