"""JSON twins of the dispatcher's pages: take a call, read calls, preview triage."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from crossroads.core.models import User
from crossroads.encounters import actions, queries
from crossroads.encounters.models import CallForService
from crossroads.triage.rules import CallFacts, Recommendation, recommend, rule_book

router = Router(tags=["calls"])


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


class CallIn(Schema):
    model_config = ConfigDict(extra="forbid")

    source: CallForService.Source
    initial_call_type: str = Field(min_length=1, max_length=100)
    location: str = Field("", max_length=200)
    beat: str = Field("", max_length=20)
    received_at: AwareDatetime | None = None
    client_key: UUID | None = Field(None, description="The same key returns the first call.")
    facts: CallFacts
    response: str | None = Field(None, description="Omit to send the recommended response.")
    override_reason: str = Field("", max_length=2000)


class CallOut(Schema):
    id: UUID
    number: str
    agency: UUID = Field(alias="agency_id")
    source: str
    initial_call_type: str
    final_call_type: str
    behavioural_health: bool
    received_at: datetime
    location: str
    beat: str
    status: str
    facts: dict[str, Any]
    recommendation: dict[str, Any]
    response: str
    also_sent: list[str]
    overridden: bool
    override_reason: str


@router.post("/calls", response={201: CallOut}, url_name="call_list")
def call_intake(request: HttpRequest, payload: CallIn) -> Status[Any]:
    call = actions.call_intake(
        by=_me(request), **payload.model_dump(exclude={"facts"}), facts=payload.facts
    )
    return Status(201, call)


@router.get("/calls", response=list[CallOut], url_name="call_list")
def call_list(request: HttpRequest) -> object:
    return queries.recent_calls_for(_me(request))


@router.get("/calls/{call_id}", response=CallOut, url_name="call_get")
def call_get(request: HttpRequest, call_id: UUID) -> object:
    return queries.call_for(_me(request), call_id)


@router.post("/triage/recommend", response=Recommendation, url_name="triage_recommend")
def triage_recommend(request: HttpRequest, payload: CallFacts) -> Recommendation:
    """The recommendation for a call's facts, without recording anything."""
    return recommend(rule_book(), payload)
