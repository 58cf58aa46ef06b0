"""JSON twins of the referral pages: start, edit and send a referral; the provider's inbox and
moves; each referral as its side may see it; and its FHIR R4 export.

A referral answers in one of two views, named by `view`. The receiving provider's
(`receiver`) is its whole record. The sender's (`sender`) holds what the sender wrote and did,
and the provider's answer only as `provider_status`, decided by the consent door at the moment
of the request: a status with the §2.32 `notice`, or only "No consent on file". The sender's
view has no status, history, appointment, reason or version once sent: each would say what
the provider did.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from crossroads.consent.models import Consent
from crossroads.core.access import api_caller
from crossroads.core.models import User
from crossroads.encounters.queries import encounter_for
from crossroads.people.queries import person_known_to
from crossroads.programs.queries import case_to_work
from crossroads.referrals import actions, fhir, queries
from crossroads.referrals.models import Referral
from crossroads.referrals.workflow import Side, moves_for
from crossroads.referrals.workflow import Status as LoopStatus

router = Router(tags=["referrals"])


class PersonOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None


class ProviderStatusOut(Schema):
    status: str | None = Field(
        description="The status code: the sender's own (draft, sent, expired) or one the "
        "provider set and consent lets through; null when it is not disclosed."
    )
    label: str = Field(
        description='What to show, e.g. "Engaged in treatment", or only "No consent on file".'
    )
    at: datetime | None
    notice: str = Field(
        description="The 42 CFR §2.32 redisclosure notice, whenever a provider's status is "
        "shown (it must go wherever the status goes); else empty."
    )


class EventOut(Schema):
    status: str
    at: datetime
    by: UUID | None
    note: str


class ReferralView(Schema):
    id: UUID
    source: str
    agency: UUID = Field(description="The agency that sent it.")
    agency_name: str
    person: PersonOut | None
    service: UUID
    service_name: str
    site: UUID | None
    need: str
    urgency: str
    handoff: str
    note: str
    consent: UUID | None
    created_by: UUID
    created_at: datetime
    sent_at: datetime | None
    acknowledge_by: datetime | None
    receiving_agency: UUID | None


class SenderView(ReferralView):
    view: Literal["sender"]
    encounter: UUID | None
    case: UUID | None
    version: int | None = Field(description="For editing and sending a draft; null once sent.")
    provider_status: ProviderStatusOut


class ReceiverView(ReferralView):
    view: Literal["receiver"]
    status: str
    version: int
    disclosure_purpose: str
    acknowledged_at: datetime | None
    scheduled_for: datetime | None
    first_service_at: datetime | None
    decline_reason: str
    moves: list[str] = Field(
        description="The statuses you may move it to now. From first_service, first_service "
        "again records another service attended (first_service_at stays the first's)."
    )
    events: list[EventOut]


ReferralOut = Annotated[SenderView | ReceiverView, Field(discriminator="view")]


def _common(referral: Referral) -> dict[str, Any]:
    person = referral.person
    return {
        "id": referral.pk,
        "source": referral.source,
        "agency": referral.agency_id,
        "agency_name": referral.agency.name,
        "person": person,
        "service": referral.service_id,
        "service_name": referral.service.name,
        "site": referral.site_id,
        "need": referral.need,
        "urgency": referral.urgency,
        "handoff": referral.handoff,
        "note": referral.note,
        "consent": referral.consent_id,
        "created_by": referral.created_by_id,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "acknowledge_by": referral.acknowledge_by,
        "receiving_agency": referral.receiving_agency_id,
    }


def _sender_view(user: User, referral: Referral) -> dict[str, Any]:
    return {
        **_common(referral),
        "view": "sender",
        "encounter": referral.encounter_id,
        "case": referral.case_id,
        "version": referral.version if referral.status == Referral.Status.DRAFT else None,
        "provider_status": queries.provider_status_for(user, referral, "api"),
    }


def _receiver_view(referral: Referral) -> dict[str, Any]:
    events = referral.events.all()  # in the order they happened (ReferralEvent.Meta)
    return {
        **_common(referral),
        "view": "receiver",
        "status": referral.status,
        "version": referral.version,
        "disclosure_purpose": referral.disclosure_purpose,
        "acknowledged_at": referral.acknowledged_at,
        "scheduled_for": referral.scheduled_for,
        "first_service_at": referral.first_service_at,
        "decline_reason": referral.decline_reason,
        "moves": list(moves_for(LoopStatus(referral.status), Side.RECEIVER)),
        "events": [{"status": e.status, "at": e.at, "by": e.by_id, "note": e.note} for e in events],
    }


def _view(user: User, referral: Referral) -> dict[str, Any]:
    """The referral as the caller's side may see it."""
    if queries.side_of(user, referral) is Side.RECEIVER:
        return _receiver_view(referral)
    return _sender_view(user, referral)


class ListParams(Schema):
    box: Literal["sent", "inbox"] = Field(
        "sent", description="sent: your agency's referrals; inbox: those sent to your agency."
    )
    limit: int = Field(50, ge=1, le=queries.LIST_LIMIT)


@router.get("/referrals", response=list[ReferralOut], url_name="referral_list")
def referral_list(request: HttpRequest, params: Query[ListParams]) -> list[dict[str, Any]]:
    """`box=sent` (newest first, each provider status through the consent door) or `box=inbox`
    (new first, the nearest acknowledgement deadline first; then in progress; then closed)."""
    user = api_caller(request)
    if params.box == "inbox":
        referrals = queries.inbox_for(user, limit=params.limit)
        prefetch_related_objects(referrals, "events")
        return [_receiver_view(r) for r in referrals]
    return [_sender_view(user, r) for r in queries.sent_for(user, limit=params.limit)]


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    service: UUID = Field(description="A directory service (HSDS id).")
    site: UUID | None = Field(None, description="Where, when the service has several places.")
    encounter: UUID | None = Field(None, description="Your agency's encounter with the person.")
    case: UUID | None = Field(None, description="Your agency's program case.")
    person: UUID | None = Field(None, description="A walk-in: a person your agency met.")
    need: str = Field("", max_length=60, description="A directory category code.")
    urgency: Referral.Urgency = Referral.Urgency.TODAY
    handoff: Referral.Handoff = Referral.Handoff.WARM
    note: str = Field("", max_length=actions.NOTE_LENGTH)


@router.post("/referrals", response={201: SenderView}, url_name="referral_list")
def referral_start(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    """Start a draft (from an encounter, a case, or a walk-in); send it with /send."""
    user = api_caller(request)
    service, site = queries.service_to_refer_to(payload.service, payload.site)
    referral = actions.referral_start(
        by=user,
        service=service,
        site=site,
        encounter=encounter_for(user, payload.encounter) if payload.encounter else None,
        case=case_to_work(user, payload.case, "referrals.start") if payload.case else None,
        person=person_known_to(user, payload.person, "referrals.start") if payload.person else None,
        need=payload.need,
        urgency=payload.urgency,
        handoff=payload.handoff,
        note=payload.note,
        at=timezone.now(),
    )
    return Status(201, _sender_view(user, queries.referral_for(user, referral.pk)))


@router.get("/referrals/{referral_id}", response=ReferralOut, url_name="referral_get")
def referral_get(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    user = api_caller(request)
    return _view(user, queries.referral_for(user, referral_id))


class DraftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    urgency: Referral.Urgency | None = None
    handoff: Referral.Handoff | None = None
    note: str | None = Field(None, max_length=actions.NOTE_LENGTH)
    consent: UUID | None = Field(
        None, description="The person's consent for the provider; null detaches it."
    )
    expected_version: int = Field(description="The draft's `version` you read; 409 if it moved.")


@router.patch("/referrals/{referral_id}", response=SenderView, url_name="referral_get")
def referral_update(request: HttpRequest, referral_id: UUID, payload: DraftIn) -> dict[str, Any]:
    """Edit a draft; fields left out keep their value."""
    user = api_caller(request)
    referral = queries.referral_for(user, referral_id)
    given = payload.model_fields_set
    updated = actions.referral_update(
        by=user,
        referral=referral,
        urgency=payload.urgency or referral.urgency,
        handoff=payload.handoff or referral.handoff,
        note=referral.note if payload.note is None else payload.note,
        consent=_consent(user, referral, payload.consent)
        if "consent" in given
        else referral.consent,
        expected_version=payload.expected_version,
    )
    return _sender_view(user, queries.referral_for(user, updated.pk))


def _consent(user: User, referral: Referral, consent_id: UUID | None) -> Consent | None:
    """One of the consents the sender may attach (queries.consents_to_attach); else the field's
    error, saying nothing of consents the sender may not see."""
    if consent_id is None:
        return None
    attachable = {c.pk: c for c in queries.consents_to_attach(user, referral)}
    if consent_id not in attachable:
        raise ValidationError({"consent": "Not a consent of this person you may attach here."})
    return attachable[consent_id]


class SendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_version: int


@router.post("/referrals/{referral_id}/send", response=SenderView, url_name="referral_send")
def referral_send(request: HttpRequest, referral_id: UUID, payload: SendIn) -> dict[str, Any]:
    """Send a draft to the agency that keeps the service's listing."""
    user = api_caller(request)
    referral = queries.referral_for(user, referral_id)
    actions.referral_send(by=user, referral=referral, expected_version=payload.expected_version)
    return _sender_view(user, queries.referral_for(user, referral_id))


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to: Referral.Status
    note: str = Field("", max_length=actions.EVENT_NOTE_LENGTH)
    reason: str = Field("", max_length=actions.REASON_LENGTH, description="Needed to decline.")
    scheduled_for: AwareDatetime | None = Field(None, description="Needed to schedule.")
    expected_version: int


@router.post("/referrals/{referral_id}/moves", response=ReferralOut, url_name="referral_move")
def referral_move(request: HttpRequest, referral_id: UUID, payload: MoveIn) -> dict[str, Any]:
    """The receiving provider's next step (see `moves`); an illegal one is a 422 naming
    `status`, and nothing changes. An engaged referral moved to `first_service` again records
    another service attended: one more event, the status and `first_service_at` unchanged."""
    user = api_caller(request)
    referral = queries.referral_for(user, referral_id)
    actions.referral_move(by=user, referral=referral, **payload.model_dump())
    return _view(user, queries.referral_for(user, referral_id))


@router.get("/referrals/{referral_id}/fhir", response=dict[str, Any], url_name="referral_fhir")
def referral_fhir(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    """A FHIR R4 Bundle of a ServiceRequest and its Task: the provider's full record, or the
    sender's view with the provider's status only as consent allows (docs/referrals.md)."""
    user = api_caller(request)
    referral = queries.referral_for(user, referral_id)
    if queries.side_of(user, referral) is Side.RECEIVER:
        return fhir.referral_bundle(referral)
    return fhir.referral_bundle(referral, queries.provider_status_for(user, referral, "fhir"))
