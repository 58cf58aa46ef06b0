"""Protected reads of consents, court orders, break-glass events and the accounting of
disclosures.

A consent is read by the agencies party to it: the one that recorded it, the program that may
disclose under it, and each agency it names as a recipient. A recipient only by class (every
police department) is not told a consent exists: that alone would say the person is in
treatment. The accounting is the discloser's: what its Part 2 records told whom, for six years.
Court orders are read by the agency that recorded them; break-glass events by the agencies that
opened them and whose records they opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from crossroads.consent.models import (
    Consent,
    CourtOrder,
    DisclosureRecord,
    EmergencyAccess,
    accounting_window_start,
)
from crossroads.core import access, audit
from crossroads.core.models import Agency, User
from crossroads.people.models import Person
from crossroads.people.queries import known_to_agency

# A signed form or court order is up to 5 MB: it is read only when it is downloaded.
_CONSENTS = (
    Consent.objects.defer("signed_form")
    .select_related("person", "discloser", "agency", "recorded_by", "revoked_by")
    .prefetch_related("recipients")
)
_ORDERS = CourtOrder.objects.defer("document").select_related(
    "person", "discloser", "recipient", "recorded_by", "decided_by"
)


def consent_agency_ids(consent: Consent) -> set[UUID]:
    """The agencies party to a consent: who recorded it, who discloses, whom it names."""
    return {consent.agency_id, consent.discloser_id, *(a.pk for a in consent.recipients.all())}


def _party_to(user: User) -> Q:
    named = Consent.recipients.through.objects.filter(
        consent_id=OuterRef("pk"), agency_id=user.agency_id
    )
    return Q(agency_id=user.agency_id) | Q(discloser_id=user.agency_id) | Q(Exists(named))


# --- Consents ----------------------------------------------------------------------------------


def consent_for(user: User, consent_id: UUID) -> Consent:
    """A consent the user's agency is party to (the read is audited); else 404."""
    access.require_permission(user, "consent.view")
    consent = get_object_or_404(_CONSENTS, pk=consent_id)
    access.require_agency(user, *consent_agency_ids(consent))
    access.record_read(user, consent)
    return consent


def signed_form_for(user: User, consent_id: UUID) -> Consent:
    """A consent with its uploaded signed form, for download (audited as such); 404 for a
    consent the agency is not party to, or one signed by typed name."""
    access.require_permission(user, "consent.view")
    consent = get_object_or_404(
        Consent.objects.prefetch_related("recipients"), pk=consent_id, signed_form__isnull=False
    )
    access.require_agency(user, *consent_agency_ids(consent))
    audit.record(by=user, verb="consent.signed_form_download", obj=consent)
    return consent


def consent_person_for(user: User, person_id: UUID, permission: str) -> Person:
    """A person whose consents and disclosures the user's agency may look at (audited): one it
    knows (people.queries.known_to_agency), or one with a consent it is party to, or whose
    records it disclosed. Anyone else's answers 404."""
    access.require_permission(user, permission)
    person = get_object_or_404(Person, pk=person_id)
    if not (
        known_to_agency(user.agency_id, person)
        or Consent.objects.filter(_party_to(user), person=person).exists()
        or DisclosureRecord.objects.filter(person=person, discloser_id=user.agency_id).exists()
    ):
        raise Http404
    access.record_read(user, person)
    return person


def consents_of(user: User, person: Person) -> list[Consent]:
    """The person's consents the user's agency is party to, newest signature first (audited)."""
    access.require_permission(user, "consent.view")
    consents = list(_CONSENTS.filter(_party_to(user), person=person))
    access.record_list_read(user, "consent", len(consents))
    return consents


def consents_to_attach_for(user: User, person_id: UUID, discloser: Agency) -> list[Consent]:
    """The person's unrevoked consents from `discloser` that the user's agency recorded or is
    named in, by name or by class, newest first: what a referral to that provider may carry."""
    consents = (
        Consent.objects.filter(person_id=person_id, discloser=discloser, revoked_at__isnull=True)
        .prefetch_related("recipients")
        .order_by("-signed_at")
    )
    return [consent for consent in consents if _names_or_recorded_by(consent, user)]


def _names_or_recorded_by(consent: Consent, user: User) -> bool:
    return (
        consent.agency_id == user.agency_id
        or any(agency.pk == user.agency_id for agency in consent.recipients.all())
        or user.agency.type in consent.recipient_classes
    )


@dataclass(frozen=True)
class Standing:
    """Where a consent stands at a moment, in the words the pages use."""

    in_force: bool
    label: str


def consent_standing(consent: Consent, now: datetime) -> Standing:
    """In force, revoked or ended, now (consent.policy decides each disclosure; this is for
    people reading the list)."""
    if consent.revoked_at is not None and consent.revoked_at <= now:
        return Standing(False, f"Revoked {consent.revoked_at:%d %b %Y}")
    ended = [at for at in (consent.expires_at, consent.expiry_event_at) if at and at <= now]
    if ended:
        return Standing(False, f"Ended {min(ended):%d %b %Y}")
    return Standing(True, "In force")


# --- The accounting of disclosures -------------------------------------------------------------


def _accounting(user: User, now: datetime) -> QuerySet[DisclosureRecord]:
    """What the user's agency disclosed, as the accounting shows it: allowed disclosures within
    the six-year window ending now (SECURITY.md 8)."""
    access.require_permission(user, "consent.accounting")
    return DisclosureRecord.objects.filter(
        discloser_id=user.agency_id,
        allowed=True,
        at__gte=accounting_window_start(now),
        at__lte=now,
    ).select_related("person", "recipient", "recipient_user")


def disclosures_of(user: User, person: Person, now: datetime) -> list[DisclosureRecord]:
    """The accounting for one person: every disclosure of the user's agency's Part 2 records
    about them in the past six years — who received it, what, when, why and by which path."""
    records = list(_accounting(user, now).filter(person=person))
    access.record_list_read(user, "disclosurerecord", len(records))
    return records


def disclosures_by_agency(
    user: User,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    person_name: str = "",
    limit: int | None = None,
) -> list[DisclosureRecord]:
    """The agency-wide accounting, newest first, within [since, until] and for people whose
    name contains `person_name` (audited)."""
    records = _accounting(user, now)
    if since is not None:
        records = records.filter(at__gte=since)
    if until is not None:
        records = records.filter(at__lt=until)
    for word in person_name.split():
        records = records.filter(
            Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word)
        )
    shown = list(records[:limit] if limit else records)
    access.record_list_read(user, "disclosurerecord", len(shown))
    return shown


# --- Court orders and break-glass --------------------------------------------------------------


def court_orders_of_agency(user: User) -> list[CourtOrder]:
    """The court orders the user's agency recorded, newest first (audited)."""
    access.require_permission(user, "consent.court_orders")
    orders = list(_ORDERS.filter(agency_id=user.agency_id))
    access.record_list_read(user, "courtorder", len(orders))
    return orders


def court_order_for(user: User, order_id: UUID) -> CourtOrder:
    """A court order the user's agency recorded (audited); else 404."""
    access.require_permission(user, "consent.court_orders")
    order = get_object_or_404(_ORDERS, pk=order_id)
    access.require_agency(user, order.agency_id)
    access.record_read(user, order)
    return order


def court_order_document_for(user: User, order_id: UUID) -> CourtOrder:
    """A court order the user's agency recorded with its uploaded document, for download
    (audited as such); else 404."""
    access.require_permission(user, "consent.court_orders")
    order = get_object_or_404(_ORDERS, pk=order_id, document__isnull=False)
    access.require_agency(user, order.agency_id)
    audit.record(by=user, verb="court_order.document_download", obj=order)
    return order


def emergencies_of_agency(user: User) -> list[EmergencyAccess]:
    """Break-glass events the user's agency opened, or that opened its records (audited)."""
    access.require_permission(user, "consent.accounting")
    emergencies = list(
        EmergencyAccess.objects.filter(
            Q(recipient_id=user.agency_id) | Q(discloser_id=user.agency_id)
        ).select_related("person", "discloser", "recipient", "recipient_user")
    )
    access.record_list_read(user, "emergencyaccess", len(emergencies))
    return emergencies
