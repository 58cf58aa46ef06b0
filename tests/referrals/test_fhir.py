"""The FHIR R4 export: every status maps to a valid ServiceRequest and Task, and a sender's export
shows the provider's status only as consent allows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from crossroads.consent.actions import redisclosure_notice
from crossroads.consent.models import DisclosureRecord
from crossroads.referrals import fhir
from crossroads.referrals.models import Referral
from crossroads.referrals.queries import provider_status_for
from tests.factories import make_consent, signed_in_client
from tests.referrals.conftest import ALL_INFORMATION, County

pytestmark = pytest.mark.django_db

# The mapping of docs/referrals.md, written out: status -> (request, task, business text).
MAPPING = {
    "draft": ("draft", "draft", "Draft"),
    "sent": ("active", "requested", "Sent"),
    "received": ("active", "received", "Received"),
    "accepted": ("active", "accepted", "Accepted"),
    "declined": ("revoked", "rejected", "Declined"),
    "scheduled": ("active", "in-progress", "scheduled"),
    "first_service": ("active", "in-progress", "engaged"),
    "completed": ("completed", "completed", "Completed"),
    "disengaged": ("revoked", "failed", "Disengaged"),
    "no_show": ("active", "on-hold", "No show"),
    "expired": ("revoked", "cancelled", "Expired"),
}


def _resources(bundle: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    Bundle.model_validate(bundle)
    request, task = (entry["resource"] for entry in bundle["entry"])
    ServiceRequest.model_validate(request)
    Task.model_validate(task)
    return request, task


def test_the_mapping_covers_every_status() -> None:
    assert set(MAPPING) == set(Referral.Status.values)
    assert set(fhir.TASK_STATUS) == set(fhir.SERVICE_REQUEST_STATUS) == set(MAPPING)


@pytest.mark.parametrize("status", Referral.Status.values)
def test_every_status_maps_and_validates(county: County, status: str) -> None:
    referral = county.referral_in(status)
    bundle = fhir.referral_bundle(referral)
    request, task = _resources(bundle)
    assert bundle["type"] == "collection"
    assert (request["status"], task["status"], task["businessStatus"]["text"]) == MAPPING[status]
    assert task["businessStatus"]["coding"][0]["code"] == status
    assert task["intent"] == request["intent"] == "order"
    assert task["focus"]["reference"] == bundle["entry"][0]["fullUrl"]
    assert request["subject"]["display"] == "Sam Doe"
    assert request["category"][0]["coding"][0]["code"] == "moud"
    assert request["code"]["text"] == "Harbor Same-Day MOUD"


@pytest.mark.parametrize(
    ("urgency", "priority"), [("now", "stat"), ("today", "urgent"), ("routine", "routine")]
)
def test_urgency_is_the_priority(county: County, urgency: str, priority: str) -> None:
    request, task = _resources(fhir.referral_bundle(county.start(urgency=urgency)))
    assert request["priority"] == task["priority"] == priority


def test_the_provider_sees_its_own_record_in_full(county: County) -> None:
    request, _ = _resources(fhir.referral_bundle(county.referral_in("scheduled")))
    assert request["occurrenceDateTime"].startswith("2026-03-04T14:00")
    _, task = _resources(fhir.referral_bundle(county.referral_in("declined")))
    assert task["statusReason"]["text"] == "No opening this month"
    assert task["meta"]["security"][0]["code"] == "42CFRPart2"


def test_a_senders_export_without_consent_reveals_no_status(county: County) -> None:
    referral = county.referral_in("declined")
    seen = provider_status_for(county.officer, referral, "fhir")
    request, task = _resources(fhir.referral_bundle(referral, seen))
    assert request["status"] == "active"
    assert task["status"] == "requested"
    assert task["businessStatus"] == {"text": "No consent on file"}
    assert datetime.fromisoformat(task["lastModified"]) == referral.sent_at
    for kept_back in ("statusReason", "executionPeriod", "note", "meta"):
        assert kept_back not in task
    assert "occurrenceDateTime" not in request


def test_a_senders_export_under_consent_carries_the_notice(county: County) -> None:
    make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        recipients=[county.police],
        information=ALL_INFORMATION,
    )
    referral = county.referral_in("first_service")
    response = signed_in_client(county.officer).get(
        reverse("api-v1:referral_fhir", args=[referral.pk])
    )
    request, task = _resources(response.json())
    assert (request["status"], task["status"]) == ("active", "in-progress")
    assert task["businessStatus"]["coding"][0]["code"] == "first_service"
    assert task["note"] == [{"text": redisclosure_notice()}]
    assert "executionPeriod" not in task  # the provider's own record of when
    record = DisclosureRecord.objects.get()
    assert (record.path, record.allowed, record.information) == ("fhir", True, ["engagement"])
