"""JSON twins of the program pages: enrol, read a case, work it, and the caseload.

Every write answers the case as it now stands. A prosecutor's office reads a LEAD case as a
partner: its status, checklist, charge and history, with `goals`, `follow_ups`, `contacts`,
`conferences` and `tasks` null (minimum necessary), and the §2.32 `notice` when the case comes
from a Part 2 program.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from crossroads.core.access import api_caller
from crossroads.core.models import User
from crossroads.encounters.queries import encounter_for
from crossroads.people.actions import person_create
from crossroads.people.queries import person_known_to
from crossroads.programs import actions, queries
from crossroads.programs.models import Case, Contact, FollowUp, Program
from crossroads.programs.queries import CaseloadRow, CaseRead
from crossroads.programs.workflow import moves_for

router = Router(tags=["programs"])


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- What a case looks like -------------------------------------------------------------------


class ChecklistItemOut(Schema):
    item: str
    label: str
    answer: Literal["yes", "no", "unknown"]
    sign_off: bool = Field(description="Only the prosecutor answers it.")
    answered_by: UUID | None
    answered_at: datetime | None


class EventOut(Schema):
    kind: str
    value: str
    note: str
    at: datetime
    by: UUID | None


class GoalOut(Schema):
    id: int
    text: str
    status: str
    created_at: datetime


class ContactOut(Schema):
    id: int
    at: datetime
    method: str
    reached: bool
    note: str
    follow_up: int | None
    by: UUID


class FollowUpOut(Schema):
    id: int
    label: str
    due_at: datetime
    outcome: str = Field(description="'' while still to make; reached, not_reached, declined.")
    outcome_at: datetime | None
    attempts: int


class ConferenceOut(Schema):
    id: int
    held_at: datetime
    attendees: list[str]
    decisions: str


class TaskOut(Schema):
    id: UUID
    title: str
    due_at: datetime
    assignee: UUID | None
    done_at: datetime | None


class PersonOut(Schema):
    id: UUID
    given_name: str
    family_name: str


class CaseOut(Schema):
    id: UUID
    program: UUID
    program_name: str
    program_type: str
    agency: UUID
    referred_by_agency: UUID | None
    person: PersonOut
    entry_path: str
    status: str
    status_label: str
    next_moves: list[str] = Field(description="The statuses it can move to now.")
    eligibility: list[ChecklistItemOut]
    case_manager: UUID | None
    opened_at: datetime
    intake_deadline_at: datetime | None
    charge_status: str = Field(description="LEAD: held, not_filed or filed; '' otherwise.")
    placement_type: str
    placed_at: datetime | None
    last_reached_at: datetime | None
    closed_at: datetime | None
    closure_reason: str
    version: int = Field(description="Send it back as expected_version when moving the case.")
    events: list[EventOut]
    goals: list[GoalOut] | None
    follow_ups: list[FollowUpOut] | None
    contacts: list[ContactOut] | None
    conferences: list[ConferenceOut] | None
    tasks: list[TaskOut] | None
    notice: str = Field(description="The §2.32 redisclosure notice, when it applies.")


def _case_out(read: CaseRead) -> dict[str, Any]:
    case, spec = read.case, read.case.program.spec
    events = queries.events_seen(read)
    answered = queries.who_answered(events)
    out: dict[str, Any] = {
        "id": case.pk,
        "program": case.program_id,
        "program_name": case.program.name,
        "program_type": case.program.type,
        "agency": case.agency_id,
        "referred_by_agency": case.referred_by_agency_id,
        "person": case.person,
        "status_label": spec.statuses[case.status].label,
        "next_moves": [] if case.closed_at else moves_for(spec, case.status, case.answers),
        "eligibility": [
            {
                "item": item.code,
                "label": item.label,
                "answer": case.eligibility.get(item.code, "unknown"),
                "sign_off": item.sign_off is not None,
                "answered_by": event.by_id if (event := answered.get(item.code)) else None,
                "answered_at": event.at if event else None,
            }
            for item in spec.eligibility
        ],
        "case_manager": case.case_manager_id,
        "events": [_fields(e, EventOut, by=e.by_id) for e in events],
        "notice": read.notice,
        **{name: getattr(case, name) for name in _PLAIN},
    }
    hidden = dict.fromkeys(("goals", "follow_ups", "contacts", "conferences", "tasks"))
    return {**out, **(hidden if read.as_partner else _work_out(case))}


_PLAIN = (
    "entry_path",
    "status",
    "opened_at",
    "intake_deadline_at",
    "charge_status",
    "placement_type",
    "placed_at",
    "last_reached_at",
    "closed_at",
    "closure_reason",
    "version",
)


def _fields(obj: object, schema: type[Schema], **given: object) -> dict[str, Any]:
    """The schema's fields read off `obj`, except those `given`."""
    return {
        name: given[name] if name in given else getattr(obj, name) for name in schema.model_fields
    }


def _work_out(case: Case) -> dict[str, Any]:
    follow_ups = case.follow_ups.prefetch_related("attempts")
    return {
        "goals": [_fields(g, GoalOut) for g in case.goals.all()],
        "follow_ups": [_fields(f, FollowUpOut, attempts=len(f.attempts.all())) for f in follow_ups],
        "contacts": [
            _fields(c, ContactOut, follow_up=c.follow_up_id, by=c.by_id)
            for c in case.contacts.all()
        ],
        "conferences": [_fields(c, ConferenceOut) for c in case.conferences.all()],
        "tasks": [
            _fields(t, TaskOut, assignee=t.assignee_id)
            for t in queries.case_tasks(case).order_by("due_at")
        ],
    }


def _answer(read: CaseRead, status: int = 200) -> Status[Any]:
    """The case as it now stands, for whoever just changed it."""
    case = Case.objects.select_related(*queries.CASE_RELATED).get(pk=read.case.pk)
    return Status(status, _case_out(CaseRead(case, read.as_partner, read.notice)))


def _work(request: HttpRequest, case_id: UUID) -> tuple[User, CaseRead]:
    user = api_caller(request)
    return user, CaseRead(queries.case_to_work(user, case_id), as_partner=False)


# --- Enrol and read ---------------------------------------------------------------------------


class NewPersonIn(_In):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date | None = None


class EnrolIn(_In):
    program: UUID
    entry_path: str = Field(description="One of the program type's entry paths.")
    person: UUID | None = Field(None, description="A person your agency knows.")
    encounter: UUID | None = Field(None, description="An encounter of your agency (its person).")
    new_person: NewPersonIn | None = Field(None, description="Someone not yet in your records.")
    eligibility: dict[str, bool | None] = Field(
        default_factory=dict, description="Checklist item code -> yes (true), no (false), null."
    )
    case_manager: UUID | None = Field(None, description="Staff of the program's agency.")
    at: AwareDatetime | None = Field(None, description="When enrolled; omit for now.")


def _program(user: User, program_id: UUID) -> Program:
    program = queries.programs_open_to(user).filter(pk=program_id).first()
    if program is None:
        raise ValidationError({"program": "Not a program your agency can enrol people in."})
    return program


@router.post("/cases", response={201: CaseOut}, url_name="case_list")
def case_enrol(request: HttpRequest, payload: EnrolIn) -> Status[Any]:
    """Enrol a person in a program: name exactly one of `person`, `encounter` (with its person)
    or `new_person`, or an encounter and `new_person` for someone it did not name."""
    user = api_caller(request)
    program = _program(user, payload.program)
    encounter = encounter_for(user, payload.encounter) if payload.encounter else None
    person = person_known_to(user, payload.person, "programs.enrol") if payload.person else None
    person = person or (encounter.person if encounter else None)
    if (person is None) == (payload.new_person is None):
        raise ValidationError({"person": "Name the person, or give new_person, not both."})
    manager = None
    if payload.case_manager:
        manager = User.objects.filter(pk=payload.case_manager).first()
        if manager is None:
            raise ValidationError({"case_manager": "No such staff member."})
    with transaction.atomic():
        if person is None and payload.new_person is not None:
            person = person_create(by=user, **payload.new_person.model_dump())
        if person is None:  # the check above already refused a request without either
            raise ValidationError({"person": "Name the person, or give new_person."})
        case = actions.case_open(
            by=user,
            program=program,
            person=person,
            entry_path=payload.entry_path,
            encounter=encounter,
            eligibility=payload.eligibility,
            case_manager=manager,
            at=payload.at or timezone.now(),
        )
    return _answer(CaseRead(case, as_partner=case.agency_id != user.agency_id), 201)


@router.get("/cases/{case_id}", response=CaseOut, url_name="case_get")
def case_get(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _case_out(queries.case_read(api_caller(request), case_id, path="api"))


# --- Work the case ------------------------------------------------------------------------------


class MoveIn(_In):
    to: str
    expected_version: int = Field(description="The case's `version` you read; 409 if it moved.")
    note: str = Field("", max_length=500)
    placement_type: str = Field("", description="Needed for a status that records placement.")


@router.post("/cases/{case_id}/moves", response=CaseOut, url_name="case_moves")
def case_move(request: HttpRequest, case_id: UUID, payload: MoveIn) -> Status[Any]:
    user, read = _work(request, case_id)
    actions.case_move(by=user, case=read.case, **payload.model_dump())
    return _answer(read)


class EligibilityIn(_In):
    item: str = Field(description="A checklist item code of the program type.")
    answer: bool | None = Field(description="true yes, false no, null not known yet.")


@router.post("/cases/{case_id}/eligibility", response=CaseOut, url_name="case_eligibility")
def case_eligibility(request: HttpRequest, case_id: UUID, payload: EligibilityIn) -> Status[Any]:
    """Answer one checklist item: the prosecutor's sign-off only by the prosecutor, the others
    by the program's staff who work cases."""
    user = api_caller(request)
    read = queries.case_read(user, case_id, path="api")
    actions.case_answer_eligibility(by=user, case=read.case, **payload.model_dump())
    return _answer(read)


class ChargeIn(_In):
    charge_status: Literal["not_filed", "filed"]
    note: str = Field("", max_length=500)


@router.post("/cases/{case_id}/charge", response=CaseOut, url_name="case_charge")
def case_charge(request: HttpRequest, case_id: UUID, payload: ChargeIn) -> Status[Any]:
    """The prosecutor's decision on a LEAD case's held charge."""
    user = api_caller(request)
    read = queries.case_read(user, case_id, path="api")
    actions.case_charge_set(by=user, case=read.case, **payload.model_dump())
    return _answer(read)


class ContactIn(_In):
    at: AwareDatetime
    method: Contact.Method
    reached: bool
    note: str = Field("", max_length=5000)
    follow_up: int | None = Field(None, description="The follow-up this contact is made for.")


@router.post("/cases/{case_id}/contacts", response={201: CaseOut}, url_name="case_contacts")
def contact_log(request: HttpRequest, case_id: UUID, payload: ContactIn) -> Status[Any]:
    user, read = _work(request, case_id)
    follow_up = (
        get_object_or_404(FollowUp, pk=payload.follow_up, case=read.case)
        if payload.follow_up
        else None
    )
    data = payload.model_dump(exclude={"follow_up"})
    actions.contact_log(by=user, case=read.case, follow_up=follow_up, **data)
    return _answer(read, 201)


class GoalIn(_In):
    text: str = Field(max_length=300)


@router.post("/cases/{case_id}/goals", response={201: CaseOut}, url_name="case_goals")
def goal_add(request: HttpRequest, case_id: UUID, payload: GoalIn) -> Status[Any]:
    user, read = _work(request, case_id)
    actions.goal_add(by=user, case=read.case, text=payload.text)
    return _answer(read, 201)


class ConferenceIn(_In):
    held_at: AwareDatetime
    attendees: list[str] = Field(min_length=1, max_length=50)
    decisions: str = Field(max_length=10_000)


@router.post("/cases/{case_id}/conferences", response={201: CaseOut}, url_name="case_conferences")
def conference_record(request: HttpRequest, case_id: UUID, payload: ConferenceIn) -> Status[Any]:
    user, read = _work(request, case_id)
    actions.conference_record(by=user, case=read.case, **payload.model_dump())
    return _answer(read, 201)


class CloseIn(_In):
    reason: str = Field(max_length=500)


@router.post("/cases/{case_id}/close", response=CaseOut, url_name="case_close")
def case_close(request: HttpRequest, case_id: UUID, payload: CloseIn) -> Status[Any]:
    user, read = _work(request, case_id)
    actions.case_close(by=user, case=read.case, reason=payload.reason)
    return _answer(read)


# --- The caseload -------------------------------------------------------------------------------


class CaseloadParams(Schema):
    everyone: bool = Field(
        False, description="The whole agency (program managers, CIT coordinators)."
    )


class CaseloadRowOut(Schema):
    case: UUID
    person: PersonOut
    program_name: str
    what: str
    due_at: datetime | None
    since: datetime | None = Field(description="Not reached since (last reached, else enrolled).")


class CaseloadOut(Schema):
    everyone: bool
    due_today: list[CaseloadRowOut]
    overdue: list[CaseloadRowOut]
    not_reached: list[CaseloadRowOut]
    unassigned: list[CaseloadRowOut] | None = Field(
        description="The agency's open cases no one manages yet, oldest first; null for a "
        "caller who does not work the agency's cases."
    )


def _row(row: CaseloadRow) -> dict[str, Any]:
    return {
        "case": row.case.pk,
        "person": row.case.person,
        "program_name": row.case.program.name,
        "what": row.what,
        "due_at": row.due_at,
        "since": row.since,
    }


@router.get("/caseload", response=CaseloadOut, url_name="caseload")
def caseload(request: HttpRequest, params: Query[CaseloadParams]) -> dict[str, Any]:
    load = queries.caseload(api_caller(request), timezone.now(), everyone=params.everyone)
    return {
        "everyone": load.everyone,
        "due_today": [_row(r) for r in load.due_today],
        "overdue": [_row(r) for r in load.overdue],
        "not_reached": [_row(r) for r in load.not_reached],
        "unassigned": None if load.unassigned is None else [_row(r) for r in load.unassigned],
    }
