"""Protected reads of referrals (ARCHITECTURE rule 3).

A referral is read by the agency that sent it (referrals.view) and, once sent, by the agency
that receives it (referrals.receive); anyone else gets 404. The receiving provider sees all of
its referral. The sender sees its own facts (what it drafted, when it sent) and, of everything
the provider did since, only what `provider_status_for` lets through: each time it is shown,
consent.actions.disclosure_decide decides it and records the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from crossroads.consent.actions import disclosure_decide
from crossroads.consent.models import Consent
from crossroads.consent.policy import NO_CONSENT, Purpose
from crossroads.consent.queries import consents_to_attach_for
from crossroads.core import access
from crossroads.core.models import Agency, User
from crossroads.directory.models import Organization, Service, ServiceAtLocation
from crossroads.referrals.models import Referral
from crossroads.referrals.workflow import CLOSED, INFORMATION_OF_STATUS, REPEATS, Side, Status

# What the sender reads for each status. DRAFT, SENT and EXPIRED are the sender's own facts
# (what it did, and that nobody answered in time); every other status is the provider's word
# about the person, Part 2 information shown only under consent.
SENDER_LABELS: dict[Status, str] = {
    Status.DRAFT: "Draft: not sent yet",
    Status.SENT: "Sent: waiting for the provider",
    Status.EXPIRED: "Expired: the provider did not answer in time",
    Status.RECEIVED: "Received by the provider",
    Status.ACCEPTED: "Accepted by the provider",
    Status.DECLINED: "Declined by the provider",
    Status.SCHEDULED: "Appointment scheduled",
    Status.NO_SHOW: "Missed an appointment",
    Status.FIRST_SERVICE: "Engaged in treatment",
    Status.COMPLETED: "Completed treatment",
    Status.DISENGAGED: "Left treatment",
}
SENDERS_OWN = frozenset({Status.DRAFT, Status.SENT, Status.EXPIRED})
NEW = frozenset({Status.SENT, Status.RECEIVED})  # waiting for the provider's decision
CLOSED_SHOWN = 20  # closed referrals the inbox still lists, newest first
LIST_LIMIT = 100

_RELATED = (
    "agency",
    "receiving_agency",
    "service",
    "site",
    "person",
    "created_by",
    "consent",
)


def service_to_refer_to(
    service_id: UUID | None, site_id: UUID | None
) -> tuple[Service, ServiceAtLocation | None]:
    """The directory service (and place) a referral names; an unknown one is the field's error.
    Listings describe services, not people: reading them is not audited (ADR 0013)."""
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    if service is None:
        raise ValidationError({"service": "Choose a service from the directory."})
    site = ServiceAtLocation.objects.filter(pk=site_id).first() if site_id else None
    if site_id is not None and site is None:
        raise ValidationError({"site": "That place is no longer in the directory."})
    return service, site


def provider_of(service: Service) -> Agency | None:
    """The Crossroads agency that keeps the service's listing, which receives its referrals;
    None for a listing no agency keeps (read by key: HSDS references may dangle)."""
    organization = (
        Organization.objects.select_related("agency").filter(pk=service.organization_id).first()
    )
    return organization.agency if organization is not None else None


def side_of(user: User, referral: Referral) -> Side | None:
    """RECEIVER when the user answers for the agency that receives this (sent) referral, SENDER
    when the user's agency sent it; None for anyone else."""
    receives = (
        referral.receiving_agency_id == user.agency_id
        and referral.status != Referral.Status.DRAFT
        and user.can("referrals.receive")
    )
    if receives:
        return Side.RECEIVER
    if referral.agency_id == user.agency_id:
        return Side.SENDER
    return None


def referral_for(user: User, referral_id: UUID) -> Referral:
    """A referral the user's agency sent, or receives once sent (audited); else 404."""
    access.require_permission(user, "referrals.view")
    referral = get_object_or_404(Referral.objects.select_related(*_RELATED), pk=referral_id)
    if side_of(user, referral) is None:
        raise Http404
    access.record_read(user, referral)
    return referral


def sent_for(user: User, *, limit: int = LIST_LIMIT) -> list[Referral]:
    """The referrals the user's agency started, drafts included, newest first (audited)."""
    access.require_permission(user, "referrals.view")
    referrals = list(
        Referral.objects.filter(agency_id=user.agency_id)
        .select_related(*_RELATED)
        .prefetch_related("events")
        .order_by("-created_at")[:limit]
    )
    access.record_list_read(user, "referral", len(referrals))
    return referrals


def inbox_for(user: User, *, limit: int = LIST_LIMIT) -> list[Referral]:
    """The provider's intake inbox (audited): new referrals first, the nearest acknowledgement
    deadline first; then those in progress, latest sent first; then the last few closed."""
    access.require_permission(user, "referrals.receive")
    received = (
        Referral.objects.filter(receiving_agency_id=user.agency_id)
        .exclude(status=Referral.Status.DRAFT)
        .select_related(*_RELATED)
    )
    new = list(received.filter(status__in=NEW).order_by("acknowledge_by", "id")[:limit])
    in_progress = list(received.exclude(status__in=NEW | CLOSED).order_by("-sent_at", "id")[:limit])
    closed = list(received.filter(status__in=CLOSED).order_by("-sent_at", "id")[:CLOSED_SHOWN])
    referrals = (new + in_progress + closed)[:limit]
    access.record_list_read(user, "referral", len(referrals))
    return referrals


def consents_to_attach(user: User, referral: Referral) -> list[Consent]:
    """The person's unrevoked consents for the provider that keeps the service's listing, among
    those the user's agency recorded or is named in (by name or by class): a consent naming
    only others would tell the sender the person has been in treatment."""
    provider = provider_of(referral.service)
    if referral.person_id is None or provider is None:
        return []
    return consents_to_attach_for(user, referral.person_id, provider)


@dataclass(frozen=True)
class ProviderStatus:
    """What the sender may see of where its referral stands, decided when it is shown."""

    status: Status | None  # None: the provider's answer is not disclosed
    label: str  # what the sender reads: a status, or only "No consent on file"
    at: datetime | None
    notice: str  # the §2.32 redisclosure notice, beside a disclosed provider status

    @property
    def disclosed(self) -> bool:
        """A provider's Part 2 item is shown (and must carry the notice)."""
        return bool(self.notice)


NOT_DISCLOSED = ProviderStatus(status=None, label=NO_CONSENT, at=None, notice="")


def provider_status_for(user: User, referral: Referral, path: str) -> ProviderStatus:
    """The sender's view of the referral's status on `path` (page, api, fhir, ...).

    The sender's own facts are shown as they are. A status the provider set is Part 2
    information: the door decides it now, for the purpose the referral was made for, and records
    the decision. Refused, the sender reads only "No consent on file": never which status, when,
    why, or that there is anything to hide."""
    status = Status(referral.status)
    if status in SENDERS_OWN:
        return ProviderStatus(status, SENDER_LABELS[status], moved_at(referral, status), "")
    if referral.person is None or referral.receiving_agency is None:
        return NOT_DISCLOSED  # nobody to decide about: a sent referral always names both
    disclosed = disclosure_decide(
        by=user,
        person=referral.person,
        discloser=referral.receiving_agency,
        information=frozenset({INFORMATION_OF_STATUS[status]}),
        purpose=Purpose(referral.disclosure_purpose),
        path=path,
        about=referral,
    )
    if not disclosed.allowed:
        return NOT_DISCLOSED
    return ProviderStatus(
        status, SENDER_LABELS[status], moved_at(referral, status), disclosed.notice
    )


def moved_at(referral: Referral, status: Status) -> datetime | None:
    """When the referral last reached `status` (a draft: when it was started). A repeat of the
    step (another service attended, workflow.REPEATS) reaches nothing new, so it tells the
    sender nothing new. Reads the referral's events, prefetched by the list reads, so a list
    costs no query per row."""
    reached = [event.at for event in referral.events.all() if event.status == status]
    if reached:
        return min(reached) if status in REPEATS else max(reached)
    return referral.created_at if status is Status.DRAFT else None
