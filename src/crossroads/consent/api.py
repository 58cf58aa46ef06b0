"""JSON twins of the consent pages: record, read and revoke consents and record their events; a
person's consents and the accounting of disclosures (with the §2.32 notice); court orders and
their second-person decision; break-glass access."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from crossroads.consent import actions, queries
from crossroads.consent.models import Consent, accounting_window_start
from crossroads.core.access import api_caller
from crossroads.core.models import Agency

router = Router(tags=["consent"])

# Base64 makes 4 characters of every 3 bytes: a 5 MB file and a little padding.
FILE_CHARACTERS = actions.DOCUMENT_MAX_BYTES * 4 // 3 + 4


class FileIn(Schema):
    model_config = ConfigDict(extra="forbid")

    media_type: Literal["application/pdf", "image/png", "image/jpeg"]
    content_base64: str = Field(max_length=FILE_CHARACTERS, description="At most 5 MB.")


def _file(field: str, upload: FileIn | None) -> tuple[bytes | None, str]:
    if upload is None:
        return None, ""
    try:
        return base64.b64decode(upload.content_base64, validate=True), upload.media_type
    except binascii.Error:
        raise ValidationError({field: "content_base64 is not valid base64."}) from None


def _agency(field: str, agency_id: UUID) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise ValidationError({field: "No such agency."})
    return agency


def _agencies(field: str, agency_ids: list[UUID]) -> list[Agency]:
    found = Agency.objects.in_bulk(agency_ids)
    if unknown := [str(pk) for pk in agency_ids if pk not in found]:
        raise ValidationError({field: f"No such agency: {', '.join(unknown)}."})
    return [found[pk] for pk in agency_ids]


# --- Consents ----------------------------------------------------------------------------------


class ConsentIn(Schema):
    """Every element of §2.31; an element left out is named in the 422 answer."""

    model_config = ConfigDict(extra="forbid")

    person: UUID
    discloser: UUID = Field(description="The Part 2 program that may disclose.")
    information: list[str] = Field(default_factory=list, max_length=20)
    recipients: list[UUID] = Field(default_factory=list, max_length=50)
    recipient_classes: list[str] = Field(
        default_factory=list, max_length=20, description="Agency types, e.g. court."
    )
    purposes: list[str] = Field(default_factory=list, max_length=5)
    right_to_revoke_acknowledged: bool = False
    expires_at: AwareDatetime | None = None
    expiry_event: str = Field("", max_length=actions.TEXT_LENGTH)
    criminal_justice: bool = Field(False, description="§2.35")
    irrevocable_until_event: str = Field("", max_length=actions.TEXT_LENGTH)
    signature: Literal["typed", "uploaded"]
    signed_by: str = Field("", max_length=actions.TEXT_LENGTH)
    signed_at: AwareDatetime | None = None
    signed_form: FileIn | None = Field(None, description="For an uploaded signature.")


class ConsentOut(Schema):
    id: UUID
    person: UUID = Field(alias="person_id")
    discloser: UUID = Field(alias="discloser_id")
    information: list[str]
    recipients: list[UUID]
    recipient_classes: list[str]
    purposes: list[str]
    right_to_revoke_acknowledged: bool
    expires_at: datetime | None
    expiry_event: str
    expiry_event_at: datetime | None
    criminal_justice: bool
    irrevocable_until_event: str
    irrevocable_until_event_at: datetime | None
    signature: str
    signed_by: str
    signed_at: datetime
    signed_form_type: str = Field(description="Empty for a typed signature.")
    revoked_at: datetime | None
    agency: UUID = Field(alias="agency_id", description="The agency that recorded it.")
    recorded_at: datetime
    version: int
    in_force: bool = Field(description="Not revoked and not ended, now.")

    @staticmethod
    def resolve_recipients(obj: Consent) -> list[UUID]:
        return [agency.pk for agency in obj.recipients.all()]

    @staticmethod
    def resolve_in_force(obj: Consent) -> bool:
        return queries.consent_standing(obj, timezone.now()).in_force


@router.post("/consents", response={201: ConsentOut}, url_name="consent_list")
def consent_record(request: HttpRequest, payload: ConsentIn) -> Status[Any]:
    """Record a person's consent; 422 names every missing or refused element."""
    user = api_caller(request)
    person = queries.consent_person_for(user, payload.person, "consent.record")
    signed_form, signed_form_type = _file("signed_form", payload.signed_form)
    consent = actions.consent_record(
        by=user,
        person=person,
        discloser=_agency("discloser", payload.discloser),
        recipients=_agencies("recipients", payload.recipients),
        signed_form=signed_form,
        signed_form_type=signed_form_type,
        **payload.model_dump(exclude={"person", "discloser", "recipients", "signed_form"}),
    )
    return Status(201, consent)


@router.get("/consents/{consent_id}", response=ConsentOut, url_name="consent_get")
def consent_get(request: HttpRequest, consent_id: UUID) -> object:
    return queries.consent_for(api_caller(request), consent_id)


class RevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(description="The consent's `version` you read; 409 if it moved.")
    note: str = Field("", max_length=actions.NOTE_LENGTH)


@router.post("/consents/{consent_id}/revoke", response=ConsentOut, url_name="consent_revoke")
def consent_revoke(request: HttpRequest, consent_id: UUID, payload: RevokeIn) -> object:
    """Revoke the consent, effective at once."""
    user = api_caller(request)
    consent = queries.consent_for(user, consent_id)
    return actions.consent_revoke(by=user, consent=consent, **payload.model_dump())


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    event: Literal["expiry", "irrevocability"]
    at: AwareDatetime | None = Field(None, description="When it happened; omit for now.")


@router.post("/consents/{consent_id}/events", response=ConsentOut, url_name="consent_event")
def consent_event(request: HttpRequest, consent_id: UUID, payload: EventIn) -> object:
    """Record that the consent's expiry event, or the end of its §2.35 irrevocability, happened."""
    user = api_caller(request)
    consent = queries.consent_for(user, consent_id)
    at = payload.at or timezone.now()
    return actions.consent_event_record(by=user, consent=consent, event=payload.event, at=at)


@router.get("/people/{person_id}/consents", response=list[ConsentOut], url_name="person_consents")
def person_consents(request: HttpRequest, person_id: UUID) -> object:
    user = api_caller(request)
    return queries.consents_of(user, queries.consent_person_for(user, person_id, "consent.view"))


# --- The accounting of disclosures -------------------------------------------------------------


class DisclosureOut(Schema):
    id: UUID
    at: datetime
    recipient: UUID = Field(alias="recipient_id")
    recipient_name: str = Field(alias="recipient.name")
    recipient_user: UUID = Field(alias="recipient_user_id")
    recipient_user_name: str = Field(alias="recipient_user.display_name")
    information: list[str]
    purpose: str
    path: str
    consent: UUID | None = Field(alias="consent_id")
    court_order: UUID | None = Field(alias="court_order_id")
    emergency: UUID | None = Field(alias="emergency_id")


class AccountingOut(Schema):
    notice: str = Field(description="The §2.32 notice every disclosed item carries.")
    since: datetime = Field(description="The start of the six-year window.")
    disclosures: list[DisclosureOut]


@router.get(
    "/people/{person_id}/disclosures", response=AccountingOut, url_name="person_disclosures"
)
def person_disclosures(request: HttpRequest, person_id: UUID) -> dict[str, Any]:
    """Every disclosure of your agency's Part 2 records about the person in the past six years."""
    user = api_caller(request)
    person = queries.consent_person_for(user, person_id, "consent.accounting")
    now = timezone.now()
    return {
        "notice": actions.redisclosure_notice(),
        "since": accounting_window_start(now),
        "disclosures": queries.disclosures_of(user, person, now),
    }


# --- Court orders ------------------------------------------------------------------------------


class CourtOrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: UUID
    discloser: UUID
    recipient: UUID
    court: str = Field(max_length=actions.TEXT_LENGTH)
    docket_number: str = Field(max_length=100)
    section: str = Field(description="2.64 or 2.65 (investigating or prosecuting the person).")
    purposes: list[str] = Field(max_length=5)
    information: list[str] = Field(max_length=20)
    issued_on: date
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    document: FileIn | None = None


class CourtOrderOut(Schema):
    id: UUID
    person: UUID = Field(alias="person_id")
    discloser: UUID = Field(alias="discloser_id")
    recipient: UUID = Field(alias="recipient_id")
    court: str
    docket_number: str
    section: str
    purposes: list[str]
    information: list[str]
    issued_on: date
    valid_from: datetime
    valid_until: datetime
    document_type: str
    status: str
    recorded_by: UUID = Field(alias="recorded_by_id")
    recorded_at: datetime
    decided_by: UUID | None = Field(alias="decided_by_id")
    decided_at: datetime | None
    decision_note: str


@router.post("/court-orders", response={201: CourtOrderOut}, url_name="court_order_list")
def court_order_record(request: HttpRequest, payload: CourtOrderIn) -> Status[Any]:
    """Record a court order; it authorises nothing until a second person approves it."""
    user = api_caller(request)
    person = queries.consent_person_for(user, payload.person, "consent.court_orders")
    document, document_type = _file("document", payload.document)
    order = actions.court_order_record(
        by=user,
        person=person,
        discloser=_agency("discloser", payload.discloser),
        recipient=_agency("recipient", payload.recipient),
        document=document,
        document_type=document_type,
        **payload.model_dump(exclude={"person", "discloser", "recipient", "document"}),
    )
    return Status(201, order)


@router.get("/court-orders", response=list[CourtOrderOut], url_name="court_order_list")
def court_order_list(request: HttpRequest) -> object:
    return queries.court_orders_of_agency(api_caller(request))


class DecideIn(Schema):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str = Field("", max_length=actions.NOTE_LENGTH)


@router.post(
    "/court-orders/{order_id}/decide", response=CourtOrderOut, url_name="court_order_decide"
)
def court_order_decide(request: HttpRequest, order_id: UUID, payload: DecideIn) -> object:
    """The second person's decision: someone of the agency other than who recorded it."""
    user = api_caller(request)
    order = queries.court_order_for(user, order_id)
    return actions.court_order_decide(by=user, order=order, **payload.model_dump())


# --- Break-glass -------------------------------------------------------------------------------


class EmergencyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: UUID
    discloser: UUID
    nature_of_emergency: str = Field(max_length=actions.NOTE_LENGTH)
    information: list[str] = Field(max_length=20)
    hours: int = Field(description=f"At most {actions.EMERGENCY_HOURS}.")


class EmergencyOut(Schema):
    id: UUID
    person: UUID = Field(alias="person_id")
    discloser: UUID = Field(alias="discloser_id")
    recipient: UUID = Field(alias="recipient_id")
    recipient_user: UUID = Field(alias="recipient_user_id")
    nature_of_emergency: str
    information: list[str]
    opened_at: datetime
    ends_at: datetime


@router.post("/emergency-access", response={201: EmergencyOut}, url_name="emergency_access")
def emergency_access_open(request: HttpRequest, payload: EmergencyIn) -> Status[Any]:
    """Open break-glass access in a medical emergency (§2.51), for treatment, at most 72 hours."""
    user = api_caller(request)
    person = queries.consent_person_for(user, payload.person, "consent.break_glass")
    emergency = actions.emergency_access_open(
        by=user,
        person=person,
        discloser=_agency("discloser", payload.discloser),
        **payload.model_dump(exclude={"person", "discloser"}),
    )
    return Status(201, emergency)
