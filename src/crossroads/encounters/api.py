"""JSON twins of the dispatcher's pages: take a call, read calls, preview triage."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from crossroads.core.access import api_caller
from crossroads.encounters import actions, queries
from crossroads.encounters.field_guide import FieldGuide, field_guide
from crossroads.encounters.models import CallForService, Encounter
from crossroads.people import actions as people_actions
from crossroads.people.queries import person_for
from crossroads.triage.rules import CallFacts, Recommendation, recommend, rule_book

router = Router(tags=["calls"])


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


class UnitOut(Schema):
    officer: UUID | None = Field(alias="officer_id")
    external_officer_id: str
    cit_certified: bool = Field(description="Whether the officer was CIT-certified when sent.")
    dispatched_at: datetime


class StepOut(Schema):
    status: str
    at: datetime
    by: UUID | None = Field(alias="by_id")
    note: str


class CallOut(Schema):
    id: UUID
    number: str
    agency: UUID = Field(alias="agency_id")
    source: str
    initial_call_type: str
    final_call_type: str
    behavioural_health: bool
    flag_set_by: str
    received_at: datetime
    dispatched_at: datetime | None
    arrived_at: datetime | None
    cleared_at: datetime | None
    location: str
    precinct: str
    sector: str
    beat: str
    status: str
    version: int
    external_id: str = Field(description="The source system's id, for imported calls.")
    facts: dict[str, Any]
    recommendation: dict[str, Any] | None
    response: str
    also_sent: list[str]
    overridden: bool
    override_reason: str
    units: list[UnitOut]
    steps: list[StepOut] = Field(alias="changes")

    @staticmethod
    def resolve_units(obj: CallForService) -> list[Any]:
        return list(obj.units.all())

    @staticmethod
    def resolve_changes(obj: CallForService) -> list[Any]:
        return list(obj.changes.all())


@router.post("/calls", response={201: CallOut}, url_name="call_list")
def call_intake(request: HttpRequest, payload: CallIn) -> Status[Any]:
    call = actions.call_intake(
        by=api_caller(request), **payload.model_dump(exclude={"facts"}), facts=payload.facts
    )
    return Status(201, call)


@router.get("/calls", response=list[CallOut], url_name="call_list")
def call_list(request: HttpRequest) -> object:
    return queries.recent_calls_for(api_caller(request))


@router.get("/calls/{call_id}", response=CallOut, url_name="call_get")
def call_get(request: HttpRequest, call_id: UUID) -> object:
    return queries.call_for(api_caller(request), call_id)


class CallAdvanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to: CallForService.Status
    expected_version: int = Field(description="The call's `version` you read; 409 if it moved.")
    at: AwareDatetime | None = Field(None, description="When it happened; omit for now.")
    officers: list[UUID] = Field(
        default_factory=list, max_length=20, description="For dispatched: the officers sent."
    )
    final_call_type: str = Field("", max_length=100, description="Required for dispositioned.")
    behavioural_health: bool | None = Field(
        None, description="For dispositioned: whether responders found a behavioural-health crisis."
    )
    note: str = Field("", max_length=500)


@router.post("/calls/{call_id}/advance", response=CallOut, url_name="call_advance")
def call_advance(request: HttpRequest, call_id: UUID, payload: CallAdvanceIn) -> object:
    """Move the call one step along its workflow; the answer is the call as it now stands."""
    user = api_caller(request)
    call = queries.call_for(user, call_id)
    sendable = queries.dispatchable_officers(user).in_bulk(payload.officers)
    if missing := [str(pk) for pk in payload.officers if pk not in sendable]:
        raise ValidationError({"officers": f"not officers you can send: {', '.join(missing)}."})
    return actions.call_advance(
        by=user,
        call=call,
        officers=[sendable[pk] for pk in payload.officers],
        **payload.model_dump(exclude={"officers"}),
    )


@router.post("/triage/recommend", response=Recommendation, url_name="triage_recommend")
def triage_recommend(request: HttpRequest, payload: CallFacts) -> Recommendation:
    """The recommendation for a call's facts, without recording anything."""
    return recommend(rule_book(api_caller(request).agency.triage_rule_book), payload)


class ScreenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    instrument: str = Field(description="A code from `crossroads screen list`, e.g. phq9.")
    answers: list[int | None] = Field(
        max_length=50, description="Answer values in item order; null for a skipped item."
    )
    sex: Literal["female", "male"] | None = Field(None, description="For sex-specific cut-offs.")


class ScreenOut(Schema):
    instrument: str
    result: dict[str, Any] = Field(description="Total, band, positive result, critical flags.")
    answers: list[int | None] | None = Field(
        description="Item-level answers: only for roles that may read them, else null."
    )


class EncounterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    client_key: UUID = Field(description="Chosen by the client; a retried submit reuses it.")
    occurred_at: AwareDatetime
    call: UUID | None = None
    person: UUID | None = None
    signs: list[str] = Field(default_factory=list, description="Codes from GET /field-guide.")
    deescalation: list[str] = Field(default_factory=list)
    weapon_present: bool = False
    highest_force: Encounter.Force = Encounter.Force.NONE
    subject_injured: bool = False
    officer_injured: bool = False
    disposition: Encounter.Disposition
    hold_legal_basis: str = Field("", max_length=200)
    transport_destination: str = Field("", max_length=200)
    minutes_on_scene: int | None = Field(None, ge=0, le=24 * 60)
    custody_transfer_minutes: int | None = Field(None, ge=0, le=24 * 60)
    narrative: str = Field("", max_length=10_000)
    screens: list[ScreenIn] = Field(default_factory=list, max_length=10)


class EncounterOut(Schema):
    id: UUID
    agency: UUID = Field(alias="agency_id")
    call: UUID | None = Field(alias="call_id")
    person: UUID | None = Field(alias="person_id")
    occurred_at: datetime
    signs: list[str]
    deescalation: list[str]
    weapon_present: bool
    highest_force: str
    subject_injured: bool
    officer_injured: bool
    disposition: str
    hold_legal_basis: str
    transport_destination: str
    minutes_on_scene: int | None
    custody_transfer_minutes: int | None
    narrative: str
    guide_version: str
    screens: list[ScreenOut]

    @staticmethod
    def resolve_screens(obj: Encounter, context: dict[str, Any]) -> list[dict[str, Any]]:
        return queries.screens_seen_by(context["request"].auth, obj)


@router.post("/encounters", response={201: EncounterOut}, url_name="encounter_list")
def encounter_submit(request: HttpRequest, payload: EncounterIn) -> Status[Any]:
    user = api_caller(request)
    call = queries.call_for(user, payload.call) if payload.call else None
    person = person_for(user, payload.person) if payload.person else None
    encounter = actions.encounter_submit(
        by=user,
        call=call,
        person=person,
        screens=[actions.ScreenGiven(**screen.model_dump()) for screen in payload.screens],
        **payload.model_dump(exclude={"call", "person", "screens"}),
    )
    return Status(201, encounter)


@router.get("/encounters/{encounter_id}", response=EncounterOut, url_name="encounter_get")
def encounter_get(request: HttpRequest, encounter_id: UUID) -> object:
    return queries.encounter_for(api_caller(request), encounter_id)


@router.get("/field-guide", response=FieldGuide, url_name="field_guide")
def field_guide_get(request: HttpRequest) -> FieldGuide:
    """The signs an officer can record, with their plain-language cues, and the techniques."""
    return field_guide()


class PersonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date | None = None
    aliases: list[str] = Field(default_factory=list, max_length=20)


class PersonOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    aliases: list[str]


@router.post("/people", response={201: PersonOut}, url_name="person_list")
def person_create(request: HttpRequest, payload: PersonIn) -> Status[Any]:
    return Status(201, people_actions.person_create(by=api_caller(request), **payload.model_dump()))


@router.get("/people/{person_id}", response=PersonOut, url_name="person_get")
def person_get(request: HttpRequest, person_id: UUID) -> object:
    return person_for(api_caller(request), person_id)
