"""JSON twins of the capacity board and the maintainer's pages: live capacity (one report, or a
batch from a provider's own bed-board system), verification tasks, and proposed edits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime, ConfigDict

from crossroads.core.access import api_caller
from crossroads.directory import actions, queries
from crossroads.directory.freshness import CapacityState
from crossroads.directory.models import CapacityReport, ProposedChange

router = Router(tags=["directory"])
HISTORY_AFTER_REPORT = 50  # reports the answer to a new report shows


class Limit(Schema):
    limit: int = Field(50, ge=1, le=500, description="How many rows at most.")


# --- Live capacity ------------------------------------------------------------------------------


class ReportOut(Schema):
    kind: str
    available: int | None = Field(description="Open now; null if not counted.")
    total: int | None = Field(description="Staffed in all; null if not counted.")
    accepting: bool = Field(description="Taking new people now.")
    wait_minutes: int | None
    note: str
    reported_at: datetime


class CurrentOut(ReportOut):
    state: CapacityState = Field(
        description="open or full from a fresh report; unknown when the newest report is older "
        "than max_age_hours (never open)."
    )


class SiteCapacityOut(Schema):
    site: UUID
    service_name: str
    location_name: str
    max_age_hours: float
    current: list[CurrentOut] = Field(description="The newest report of each kind.")
    history: list[ReportOut] = Field(description="Every report, newest first (up to `limit`).")


class CapacityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: CapacityReport.Kind
    available: int | None = Field(None, ge=0, description="Open now.")
    total: int | None = Field(None, ge=0, description="Staffed in all.")
    accepting: bool = Field(description="Taking new people now.")
    wait_minutes: int | None = Field(None, ge=0)
    note: str = Field("", max_length=actions.NOTE_LENGTH)
    reported_at: AwareDatetime | None = Field(None, description="When it was true; omit for now.")


def _current_out(current: queries.CurrentCapacity) -> dict[str, Any]:
    return {**_report_out(current.report), "state": current.state}


def _report_out(report: CapacityReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in ReportOut.model_fields}


def _site_capacity(entry: queries.SiteCapacity, limit: int) -> dict[str, Any]:
    max_age = settings.DIRECTORY_CAPACITY_MAX_AGE
    return {
        "site": entry.site.pk,
        "service_name": entry.service_name,
        "location_name": entry.location_name,
        "max_age_hours": max_age.total_seconds() / 3600,
        "current": [_current_out(current) for current in entry.current],
        "history": [_report_out(r) for r in queries.capacity_history(entry.site, limit=limit)],
    }


@router.get(
    "/directory/sites/{site_id}/capacity", response=SiteCapacityOut, url_name="site_capacity"
)
def site_capacity_get(request: HttpRequest, site_id: UUID, params: Query[Limit]) -> dict[str, Any]:
    """A site's capacity now, per kind, and its recent history."""
    entry = queries.site_capacity_for(api_caller(request), site_id, now=timezone.now())
    return _site_capacity(entry, params.limit)


@router.post(
    "/directory/sites/{site_id}/capacity",
    response={201: SiteCapacityOut},
    url_name="site_capacity",
)
def site_capacity_report(request: HttpRequest, site_id: UUID, payload: CapacityIn) -> Status[Any]:
    """Report a site your agency keeps; the answer is the site's capacity as it now stands."""
    user = api_caller(request)
    site = queries.capacity_site_for(user, site_id)
    data = payload.model_dump(exclude={"reported_at"})
    actions.capacity_report(by=user, site=site, at=payload.reported_at, **data)
    entry = queries.capacity_of(site, now=timezone.now())
    return Status(201, _site_capacity(entry, HISTORY_AFTER_REPORT))


class BatchReadingIn(CapacityIn):
    site: UUID
    reported_at: AwareDatetime  # required in a batch


class CapacityBatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    readings: list[BatchReadingIn] = Field(min_length=1, max_length=5000)


class BatchOut(Schema):
    recorded: int


@router.post("/directory/capacity", response={201: BatchOut}, url_name="capacity_batch")
def capacity_batch(request: HttpRequest, payload: CapacityBatchIn) -> Status[Any]:
    """Many readings at once, for sites your agency keeps: all recorded, or none (422 naming
    `readings[i].field`)."""
    readings = [
        actions.CapacityReading(site_id=r.site, **r.model_dump(exclude={"site"}))
        for r in payload.readings
    ]
    return Status(
        201,
        {"recorded": actions.capacity_reports_import(by=api_caller(request), readings=readings)},
    )


# --- Verification ------------------------------------------------------------------------------


class TaskOut(Schema):
    id: UUID
    record_table: str
    record_id: UUID
    record_name: str
    last_verified_on: date | None = Field(description="null: never verified.")
    status: str
    created_at: datetime
    closed_at: datetime | None


class TaskListOut(Schema):
    open: int = Field(description="How many tasks are open in all.")
    tasks: list[TaskOut] = Field(description="Longest unverified first.")


@router.get(
    "/directory/verification-tasks", response=TaskListOut, url_name="verification_task_list"
)
def verification_task_list(request: HttpRequest, params: Query[Limit]) -> dict[str, Any]:
    tasks, total = queries.open_verification_tasks_for(api_caller(request), limit=params.limit)
    return {"open": total, "tasks": tasks}


@router.post(
    "/directory/verification-tasks/{task_id}/verify",
    response=TaskOut,
    url_name="verification_task_verify",
)
def verification_task_verify(request: HttpRequest, task_id: UUID) -> object:
    """The record is still true: it counts as verified today, and the task is closed."""
    user = api_caller(request)
    return actions.record_verify(by=user, task=queries.verification_task_for(user, task_id))


# --- Proposed changes ---------------------------------------------------------------------------


class ChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    record_table: Literal["organization", "service", "location"]
    record_id: UUID
    changes: dict[str, Any] = Field(
        min_length=1, description="HSDS field -> new value; only the fields a provider may edit."
    )


class ChangeOut(Schema):
    id: UUID
    record_table: str
    record_id: UUID
    changes: dict[str, Any]
    previous: dict[str, Any] = Field(description="The values when the edit was proposed.")
    status: ProposedChange.Status
    proposed_at: datetime
    reviewed_at: datetime | None
    review_note: str


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="Why: the provider reads it.")


@router.get("/directory/changes", response=list[ChangeOut], url_name="change_list")
def change_list(request: HttpRequest) -> list[ProposedChange]:
    """Edits waiting for review, oldest first."""
    return [review.change for review in queries.pending_changes_for(api_caller(request))]


@router.post("/directory/changes", response={201: ChangeOut}, url_name="change_list")
def change_propose(request: HttpRequest, payload: ChangeIn) -> Status[Any]:
    """Propose an edit to a listing your agency keeps; it goes live once approved."""
    user = api_caller(request)
    record = queries.listing_for(user, payload.record_table, payload.record_id)
    return Status(201, actions.change_propose(by=user, record=record, changes=payload.changes))


@router.post(
    "/directory/changes/{change_id}/approve", response=ChangeOut, url_name="change_approve"
)
def change_approve(request: HttpRequest, change_id: UUID) -> object:
    """Approve: the edit goes live. 409 if the listing changed since it was proposed."""
    user = api_caller(request)
    change = queries.proposed_change_for(user, change_id)
    try:
        return actions.change_approve(by=user, change=change)
    except actions.StaleProposal as stale:
        raise HttpError(409, str(stale)) from stale


@router.post("/directory/changes/{change_id}/reject", response=ChangeOut, url_name="change_reject")
def change_reject(request: HttpRequest, change_id: UUID, payload: RejectIn) -> object:
    user = api_caller(request)
    change = queries.proposed_change_for(user, change_id)
    return actions.change_reject(by=user, change=change, note=payload.note)
