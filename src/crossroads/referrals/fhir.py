"""FHIR R4 for a referral: a Bundle (collection) of the ServiceRequest (what is asked of the
provider) and the Task that tracks it along the loop, so a provider's own system can take part.

Every resource is validated with the `fhir.resources` R4B models (identical to R4 for these
resources) and against the R4 value sets its coded fields are bound to (the models check only
their shape). The Task's `businessStatus` always carries the Crossroads status code; its
`status` is the nearest FHIR task status (docs/referrals.md has the table).

The receiving provider gets everything. The sender gets what `queries.provider_status_for`
decided for path "fhir": its own facts, or a provider status with the §2.32 notice (as a Task
note) and Part 2 security labels. Refused, the export says what a referral just sent says
(request active, task requested) with "No consent on file" as the business status, and nothing
the provider recorded: no time, reason, appointment or history.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from crossroads.core.models import Agency
from crossroads.directory import taxonomy
from crossroads.referrals.models import Referral
from crossroads.referrals.queries import ProviderStatus, moved_at
from crossroads.referrals.workflow import Status

REFERRAL_SYSTEM = "urn:crossroads:referral"
STATUS_SYSTEM = "urn:crossroads:referral-status"
PERSON_SYSTEM = "urn:crossroads:person"
AGENCY_SYSTEM = "urn:crossroads:agency"
SERVICE_SYSTEM = "urn:crossroads:directory:service"  # the HSDS service id
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PART2_LABELS = [
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
    {"system": ACT_CODE, "code": "NORDSCLCD", "display": "no redisclosure without consent"},
]

SERVICE_REQUEST_STATUS: dict[Status, str] = {
    Status.DRAFT: "draft",
    Status.SENT: "active",
    Status.RECEIVED: "active",
    Status.ACCEPTED: "active",
    Status.SCHEDULED: "active",
    Status.FIRST_SERVICE: "active",
    Status.NO_SHOW: "active",
    Status.COMPLETED: "completed",
    Status.DECLINED: "revoked",
    Status.DISENGAGED: "revoked",
    Status.EXPIRED: "revoked",
}
TASK_STATUS: dict[Status, str] = {
    Status.DRAFT: "draft",
    Status.SENT: "requested",
    Status.RECEIVED: "received",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "rejected",
    Status.SCHEDULED: "in-progress",
    Status.FIRST_SERVICE: "in-progress",
    Status.COMPLETED: "completed",
    Status.DISENGAGED: "failed",
    Status.NO_SHOW: "on-hold",
    Status.EXPIRED: "cancelled",
}
# Where FHIR's task status says too little, the business status names the step in words.
BUSINESS_TEXT = {Status.SCHEDULED: "scheduled", Status.FIRST_SERVICE: "engaged"}
PRIORITY = {
    Referral.Urgency.NOW: "stat",
    Referral.Urgency.TODAY: "urgent",
    Referral.Urgency.ROUTINE: "routine",
}

# The R4 value sets the coded fields are bound to (required bindings).
REQUEST_STATUSES = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)
TASK_STATUSES = frozenset(
    {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    }
)
PRIORITIES = frozenset({"routine", "urgent", "asap", "stat"})


class FhirError(ValueError):
    """A resource built here broke FHIR R4: a bug, never the user's input."""


def referral_bundle(referral: Referral, seen: ProviderStatus | None = None) -> dict[str, Any]:
    """The referral as a FHIR Bundle of its ServiceRequest and Task, ready for json.dumps.

    `seen` is the sender's view of the status (queries.provider_status_for); None exports the
    receiving provider's full record."""
    request_id, task_id = str(referral.pk), str(uuid.uuid5(referral.pk, "task"))
    request = _service_request(referral, request_id, seen)
    task = _task(referral, task_id, request_id, seen)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "identifier": {"system": REFERRAL_SYSTEM, "value": request_id},
        "entry": [
            {"fullUrl": f"urn:uuid:{request_id}", "resource": request},
            {"fullUrl": f"urn:uuid:{task_id}", "resource": task},
        ],
    }
    return _validated(Bundle, bundle)


def _service_request(
    referral: Referral, request_id: str, seen: ProviderStatus | None
) -> dict[str, Any]:
    status = Status(referral.status) if seen is None else seen.status
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "identifier": [{"system": REFERRAL_SYSTEM, "value": request_id}],
        # Undisclosed, the request is as the sender left it: sent, so active.
        "status": SERVICE_REQUEST_STATUS[status] if status else "active",
        "intent": "order",
        "priority": PRIORITY[Referral.Urgency(referral.urgency)],
        "code": {"text": referral.service.name},
        "subject": _subject(referral),
        "authoredOn": referral.created_at.isoformat(),
        "requester": _agency(referral.agency),
        "performer": _performers(referral),
    }
    if need := _need(referral.need):
        resource["category"] = [{"coding": [need]}]
        resource["code"]["coding"] = [need]
    if referral.note:
        resource["note"] = [{"text": referral.note}]
    if seen is None and referral.scheduled_for is not None:
        resource["occurrenceDateTime"] = referral.scheduled_for.isoformat()
    return _validated(ServiceRequest, resource)


def _task(
    referral: Referral, task_id: str, request_id: str, seen: ProviderStatus | None
) -> dict[str, Any]:
    focus = {"reference": f"urn:uuid:{request_id}", "type": "ServiceRequest"}
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id,
        "identifier": [{"system": REFERRAL_SYSTEM, "value": request_id}],
        "basedOn": [focus],
        "focus": focus,
        "intent": "order",
        "priority": PRIORITY[Referral.Urgency(referral.urgency)],
        "for": _subject(referral),
        "authoredOn": (referral.sent_at or referral.created_at).isoformat(),
        "requester": _agency(referral.agency),
    }
    if referral.receiving_agency is not None:
        resource["owner"] = _agency(referral.receiving_agency)
    if seen is None:
        resource.update(_full_progress(referral))
    else:
        resource.update(_progress_seen(referral, seen))
    return _validated(Task, resource)


def _full_progress(referral: Referral) -> dict[str, Any]:
    """The receiving provider's own record of where the referral stands."""
    status = Status(referral.status)
    progress: dict[str, Any] = {
        "status": TASK_STATUS[status],
        "businessStatus": _business_status(status),
        "lastModified": (moved_at(referral, status) or referral.created_at).isoformat(),
    }
    if referral.decline_reason:
        progress["statusReason"] = {"text": referral.decline_reason}
    if referral.first_service_at is not None:
        progress["executionPeriod"] = {"start": referral.first_service_at.isoformat()}
    if referral.receiving_agency is not None and referral.receiving_agency.part2_program:
        progress["meta"] = {"security": PART2_LABELS}
    return progress


def _progress_seen(referral: Referral, seen: ProviderStatus) -> dict[str, Any]:
    """The sender's view: its own facts, a disclosed status with its notice, or neither."""
    if seen.status is None:
        return {
            "status": "requested",
            "businessStatus": {"text": seen.label},
            "lastModified": (referral.sent_at or referral.created_at).isoformat(),
        }
    progress: dict[str, Any] = {
        "status": TASK_STATUS[seen.status],
        "businessStatus": _business_status(seen.status),
        "lastModified": (seen.at or referral.created_at).isoformat(),
    }
    if seen.disclosed:
        progress["meta"] = {"security": PART2_LABELS}
        progress["note"] = [{"text": seen.notice}]
    return progress


def _business_status(status: Status) -> dict[str, Any]:
    display = Referral.Status(status.value).label
    return {
        "coding": [{"system": STATUS_SYSTEM, "code": status.value, "display": display}],
        "text": BUSINESS_TEXT.get(status, display),
    }


def _subject(referral: Referral) -> dict[str, Any]:
    person = referral.person
    if person is None:
        return {"type": "Patient", "display": "Not named yet"}
    return {
        "type": "Patient",
        "identifier": {"system": PERSON_SYSTEM, "value": str(person.pk)},
        "display": str(person),
    }


def _agency(agency: Agency) -> dict[str, Any]:
    return {
        "type": "Organization",
        "identifier": {"system": AGENCY_SYSTEM, "value": str(agency.pk)},
        "display": agency.name,
    }


def _performers(referral: Referral) -> list[dict[str, Any]]:
    service = {
        "type": "HealthcareService",
        "identifier": {"system": SERVICE_SYSTEM, "value": str(referral.service_id)},
        "display": referral.service.name,
    }
    if referral.receiving_agency is None:
        return [service]
    return [_agency(referral.receiving_agency), service]


def _need(code: str) -> dict[str, str] | None:
    if not code:
        return None
    known = taxonomy.crossroads_taxonomy()
    term = known.by_code().get(code)
    return {"system": known.uri, "code": code, "display": term.name if term else code}


def _validated(model: type[Bundle | ServiceRequest | Task], data: dict[str, Any]) -> dict[str, Any]:
    """Check `data` against the R4 value sets and the fhir.resources model; JSON-ready data."""
    bound = {
        "ServiceRequest": ("status", REQUEST_STATUSES),
        "Task": ("status", TASK_STATUSES),
    }
    if (binding := bound.get(data["resourceType"])) and data[binding[0]] not in binding[1]:
        raise FhirError(f"{data['resourceType']}.status {data[binding[0]]!r} is not in R4")
    if "priority" in data and data["priority"] not in PRIORITIES:
        raise FhirError(f"{data['resourceType']}.priority {data['priority']!r} is not in R4")
    dumped: dict[str, Any] = model.model_validate(data).model_dump(mode="json", exclude_none=True)
    return dumped
