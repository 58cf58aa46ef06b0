"""JSON twins of the training pages."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from crossroads.core.access import api_caller
from crossroads.training import actions, queries
from crossroads.training.comparison import (
    CONFIDENCE,
    MIN_ENCOUNTERS,
    OBSERVATIONAL_NOTE,
    Rate,
)
from crossroads.training.coverage import PeriodError, period_from

router = Router(tags=["training"])


# --- CIT coverage (helper "coverage"): the twin of training:coverage -----------------------------


class CoverageParams(Schema):
    first: str | None = Field(
        None, alias="from", description="First day, YYYY-MM-DD (default: today, agency time)."
    )
    last: str | None = Field(
        None, alias="to", description="Last day, YYYY-MM-DD (default: 90 days from `from`)."
    )


class UncoveredShiftOut(Schema):
    day: date
    precinct: str
    shift: str
    on_duty: int = Field(description="Officers on duty, none of them CIT-certified that day.")


class CoverageOut(Schema):
    agency: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    on: date = Field(description="Today in the agency's time zone: the day `share` is for.")
    patrol_officers: int = Field(description="Active staff holding the officer role.")
    certified: int = Field(description="Of them, CIT-certified on `on`.")
    share: float | None = Field(description="cit_coverage: certified / patrol_officers.")
    target_low: float
    target_high: float
    standing: str = Field(description="below, within or above the target; or 'no officers'.")
    shifts: int = Field(description="(day, precinct, shift) a squad works in the period.")
    covered: int = Field(description="Of them, with a CIT-certified officer on duty.")
    shift_coverage: float | None = Field(description="covered / shifts; null without shifts.")
    uncovered: list[UncoveredShiftOut]


@router.get("/training/coverage", response=CoverageOut, by_alias=True, url_name="training_coverage")
def coverage(request: HttpRequest, params: Query[CoverageParams]) -> dict[str, Any]:
    """CIT coverage of the caller's agency: the share certified today against the target, and
    every shift of the period with no certified officer on duty."""
    user = api_caller(request)
    try:
        period = period_from(params.first, params.last, today=queries.agency_today(user.agency))
    except PeriodError as error:
        raise ValidationError({error.field: error.reason}) from None
    report = queries.coverage_for(user, period)
    return {"agency": user.agency.short_name, **report.document()}


# --- Outcomes by certification (helper "outcomes"): the twin of training:outcomes -------------


class OutcomeParams(Schema):
    first: date | None = Field(
        None, alias="from", description="First day, YYYY-MM-DD (default: 364 days before `to`)."
    )
    last: date | None = Field(
        None, alias="to", description="Last day, YYYY-MM-DD (default: today, agency time)."
    )


class IntervalOut(Schema):
    low: float
    high: float


class RateOut(Schema):
    events: int = Field(description="Encounters of the group with the outcome.")
    encounters: int = Field(description="Encounters of the group.")
    rate: float | None = Field(description="events / encounters; null: too few to estimate.")
    interval: IntervalOut | None = Field(description="Wilson score interval; null with `rate`.")


class DifferenceOut(Schema):
    estimate: float = Field(description="Certified rate minus not-certified rate.")
    interval: IntervalOut = Field(description="Newcombe's hybrid score interval.")


class OutcomeOut(Schema):
    code: str
    label: str
    definition: str
    certified: RateOut
    not_certified: RateOut
    difference: DifferenceOut | None = Field(description="Null unless both groups estimate.")


class OutcomeGroupsOut(Schema):
    certified: int = Field(description="Encounters whose officer was CIT-certified that day.")
    not_certified: int
    not_recorded: int = Field(description="Imported encounters that do not say; left out.")


class OutcomesOut(Schema):
    agency: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    time_zone: str = Field(description="The agency's: the days are its calendar days.")
    confidence: float
    min_encounters: int = Field(description="A smaller group shows counts, not a rate.")
    encounters: OutcomeGroupsOut
    outcomes: list[OutcomeOut]
    note: str


def _rate_out(rate: Rate) -> dict[str, Any]:
    return {
        "events": rate.events,
        "encounters": rate.n,
        "rate": rate.estimate,
        "interval": rate.interval,
    }


@router.get("/training/outcomes", response=OutcomesOut, by_alias=True, url_name="training_outcomes")
def outcomes(request: HttpRequest, params: Query[OutcomeParams]) -> dict[str, Any]:
    """Encounter outcomes of the caller's agency by whether the officer was CIT-certified at the
    time: each rate with its 95% interval and counts. Observational, not causal (see `note`)."""
    user = api_caller(request)
    found = queries.outcomes_by_certification(user, first=params.first, last=params.last)
    return {
        "agency": user.agency.short_name,
        "from": found.first,
        "to": found.last,
        "time_zone": found.time_zone,
        "confidence": CONFIDENCE,
        "min_encounters": MIN_ENCOUNTERS,
        "encounters": {
            "certified": found.certified,
            "not_certified": found.not_certified,
            "not_recorded": found.not_recorded,
        },
        "outcomes": [
            {
                "code": row.outcome.code,
                "label": row.outcome.label,
                "definition": row.outcome.definition,
                "certified": _rate_out(row.certified),
                "not_certified": _rate_out(row.not_certified),
                "difference": row.difference,
            }
            for row in found.rows
        ],
        "note": OBSERVATIONAL_NOTE,
    }


# --- Rosters and duty (helper "rosters"): the twin of training:on_duty -------------------------


class OfficerOnDutyOut(Schema):
    id: UUID
    name: str
    squad: str
    shift: str = Field(description="The shift's code.")
    shift_name: str
    shift_day: date = Field(description="The day the running shift started (agency time).")
    until: datetime = Field(description="When the shift ends, with the agency's UTC offset.")


class AreaOnDutyOut(Schema):
    agency: str = Field(description="The agency's short name.")
    precinct: str = Field(description="The precinct's code.")
    precinct_name: str
    certified: list[OfficerOnDutyOut] = Field(
        description="Officers on duty now holding a CIT certification valid today."
    )
    others_on_duty: int = Field(description="Officers on duty now without one.")


class OnDutyOut(Schema):
    at: datetime
    areas: list[AreaOnDutyOut]


def _officer_on_duty(duty: queries.OfficerOnDuty) -> dict[str, Any]:
    return {
        "id": duty.officer.pk,
        "name": duty.officer.display_name,
        "squad": duty.squad.name,
        "shift": duty.squad.shift.code,
        "shift_name": duty.squad.shift.name,
        "shift_day": duty.watch.day,
        "until": duty.watch.ends,
    }


@router.get("/training/on-duty", response=OnDutyOut, url_name="training_on_duty")
def on_duty(request: HttpRequest) -> dict[str, Any]:
    """The dispatcher's view: for each precinct of the agencies whose officers the caller may
    send (their own, and those their calls go to under an MOU), the CIT-certified officers on
    duty now and how many others are."""
    now = timezone.now()
    areas = queries.areas_on_duty(api_caller(request), now)
    return {
        "at": now,
        "areas": [
            {
                "agency": area.precinct.agency.short_name,
                "precinct": area.precinct.code,
                "precinct_name": area.precinct.name,
                "certified": [_officer_on_duty(duty) for duty in area.certified],
                "others_on_duty": area.others,
            }
            for area in areas
        ],
    }


# --- Courses, sessions, certifications (helper "sessions") --------------------------------------


class ModuleOut(Schema):
    code: str
    name: str
    hours: float
    objectives: list[str]


class CourseOut(Schema):
    code: str
    name: str
    audience: str
    hours: float
    validity_months: int
    certifies: str = Field(description="The certification completing it grants (or renews).")
    item_bank: str | None = Field(description="The knowledge check taken before and after.")
    shipped: bool = Field(description="Shipped with Crossroads; false for the agency's own.")
    objectives: list[str]
    modules: list[ModuleOut]


@router.get("/training/courses", response=list[CourseOut], url_name="training_courses")
def courses(request: HttpRequest) -> list[dict[str, Any]]:
    """The shipped curricula and the caller's agency's own courses."""
    return [
        {**course.spec.model_dump(mode="python"), "shipped": course.own is None}
        for course in queries.courses_for(api_caller(request))
    ]


class CertificationParams(Schema):
    show: queries.Show = Field(
        queries.Show.CURRENT,
        description="For those who run training: valid today (current), lapsing within 90 "
        "days and not renewed (lapsing), or lapsed.",
    )


class CertificationOut(Schema):
    id: UUID
    officer: UUID
    officer_name: str
    course: str = Field(description="The certification's code, e.g. cit.")
    name: str
    issued_on: date
    expires_on: date
    source: str = Field(description="session, import or recorded.")
    session: UUID | None
    days_left: int = Field(description="Days until it lapses (agency time); negative once it has.")
    notice: int | None = Field(
        description="90, 30 or 7: the nearest reminder threshold it is within; null otherwise, "
        "and once renewed."
    )
    renewed_until: date | None = Field(description="A later certification runs to that day.")


def _certification_out(row: queries.CertificationRow) -> dict[str, Any]:
    held = row.certification
    return {
        "id": held.pk,
        "officer": held.officer_id,
        "officer_name": held.officer.display_name,
        "course": held.course,
        "name": row.name,
        "issued_on": held.issued_on,
        "expires_on": held.expires_on,
        "source": held.source,
        "session": held.session_id,
        "days_left": row.days_left,
        "notice": row.notice,
        "renewed_until": row.renewed_until,
    }


@router.get(
    "/training/certifications",
    response=list[CertificationOut],
    url_name="training_certifications",
)
def certifications(
    request: HttpRequest, params: Query[CertificationParams]
) -> list[dict[str, Any]]:
    """Those who run training (training.manage) get their agency's certifications, chosen by
    `show`; everyone else who takes training gets their own, all of them (`show` ignored)."""
    user = api_caller(request)
    today = queries.agency_today(user.agency)
    if user.can("training.manage"):
        rows = queries.certifications_of(user, today, params.show)
    else:
        rows = queries.my_certifications(user, today)
    return [_certification_out(row) for row in rows]


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    phase: Literal["pre", "post"] = Field(description="Before (pre) or after (post) the session.")
    answers: dict[str, str] = Field(description="Item code -> the key of the option chosen.")


class CheckOut(Schema):
    id: UUID
    session: UUID
    phase: str
    score: int = Field(description="Correct answers.")
    max_score: int
    taken_at: datetime


@router.post(
    "/training/sessions/{session_id}/checks",
    response={201: CheckOut},
    url_name="training_session_checks",
)
def check_submit(request: HttpRequest, session_id: UUID, payload: CheckIn) -> Status[Any]:
    """The caller, on the session's roll, answers its knowledge check; every item once, with
    one of its options (a problem names `answers.<item>`). Each phase is taken once."""
    user = api_caller(request)
    session, _ = queries.session_to_take(user, session_id)
    check = actions.check_submit(
        by=user, session=session, phase=payload.phase, answers=payload.answers
    )
    return Status(
        201,
        {
            "id": check.pk,
            "session": session.pk,
            "phase": check.phase,
            "score": check.score,
            "max_score": check.max_score,
            "taken_at": check.taken_at,
        },
    )
