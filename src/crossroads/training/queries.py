"""Protected reads of the training app (ARCHITECTURE rule 3): each part in its own section."""

from __future__ import annotations

import operator
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crossroads.core import access
from crossroads.core.models import Agency, Role, User
from crossroads.core.roles import role_book
from crossroads.directory.models import Phone
from crossroads.directory.search import SearchHit, SearchQuery, search
from crossroads.encounters.models import Encounter
from crossroads.encounters.queries import dispatch_agency_ids
from crossroads.referrals.models import Referral
from crossroads.training import coverage, knowledge
from crossroads.training.comparison import OUTCOMES, OutcomeRow, compare
from crossroads.training.curricula import CIT, CourseSpec, Module, shipped
from crossroads.training.duty import Watch, rotation_label, running_watch
from crossroads.training.models import (
    LAPSE_NOTICE_DAYS,
    Attendance,
    Certification,
    Course,
    CoverageTarget,
    KnowledgeCheck,
    Precinct,
    RosterAssignment,
    Shift,
    Squad,
    TrainingSession,
)

# --- Courses, sessions, certifications ---------------------------------------------------------

PAST_SESSIONS_SHOWN = 50


@dataclass(frozen=True)
class OfferedCourse:
    """A course an agency offers: shipped with Crossroads, or its own (`own`)."""

    spec: CourseSpec
    own: Course | None = None

    @property
    def audience(self) -> str:
        return str(Course.Audience(self.spec.audience).label)


def course_spec(agency_id: UUID, code: str) -> CourseSpec | None:
    """The course of that code the agency offers (shipped first, then its own), if any."""
    spec = shipped().by_code().get(code)
    if spec is not None:
        return spec
    own = Course.objects.filter(agency_id=agency_id, code=code).first()
    return own.spec if own else None


def session_spec(session: TrainingSession) -> CourseSpec:
    spec = course_spec(session.agency_id, session.course)
    if spec is None:  # session_create checks the course; courses are never deleted
        raise LookupError(f"session {session.pk} names no course of its agency ({session.course})")
    return spec


def _offered(agency_id: UUID) -> list[OfferedCourse]:
    own = [
        OfferedCourse(course.spec, course) for course in Course.objects.filter(agency_id=agency_id)
    ]
    return sorted(
        [OfferedCourse(spec) for spec in shipped().courses] + own, key=lambda c: c.spec.name
    )


def courses_for(user: User) -> list[OfferedCourse]:
    """The shipped curricula and the user's agency's own courses, by name."""
    access.require_permission(user, "training.view")
    return _offered(user.agency_id)


def course_for(user: User, code: str) -> OfferedCourse:
    """A course the user's agency offers; any other code answers 404."""
    access.require_permission(user, "training.view")
    spec = course_spec(user.agency_id, code)
    if spec is None:
        raise Http404
    own = (
        None
        if code in shipped().by_code()
        else Course.objects.get(agency_id=user.agency_id, code=code)
    )
    return OfferedCourse(spec, own)


def trainees_of(agency_id: UUID) -> QuerySet[User]:
    """Who may be put on a session's roll: the agency's active staff whose roles take training
    (those who see their own training: training.view)."""
    roles = [
        code for code, role in role_book().roles.items() if "training.view" in role.permissions
    ]
    return User.objects.filter(
        agency_id=agency_id, is_active=True, role_grants__role__in=roles
    ).distinct()


def staff_of(agency_id: UUID) -> QuerySet[User]:
    """Who may teach a session: the agency's active staff."""
    return User.objects.filter(agency_id=agency_id, is_active=True)


def attended(module_hours: Mapping[str, object], module: Module) -> Decimal:
    return Decimal(str(module_hours.get(module.code, 0)))


def covers_every_module(spec: CourseSpec, module_hours: Mapping[str, object]) -> bool:
    """Whether the hours attended reach every module's hours: completing the course."""
    return all(attended(module_hours, module) >= module.hours for module in spec.modules)


# Sessions, their rolls and checks (part of the section above)


@dataclass(frozen=True)
class SessionRow:
    session: TrainingSession
    course_name: str
    roll_size: int


def sessions_of(user: User) -> tuple[list[SessionRow], list[SessionRow]]:
    """The agency's scheduled sessions (soonest first) and its past ones (completed or
    cancelled, newest first): three queries."""
    access.require_permission(user, "training.manage")
    names = {course.spec.code: course.spec.name for course in _offered(user.agency_id)}
    sessions = (
        TrainingSession.objects.filter(agency_id=user.agency_id)
        .annotate(roll_size=Count("roll"))
        .prefetch_related("instructors")
    )
    scheduled = sessions.filter(status=TrainingSession.Status.SCHEDULED).order_by("starts_on")
    past = sessions.exclude(status=TrainingSession.Status.SCHEDULED).order_by("-starts_on")

    def rows(found: QuerySet[TrainingSession]) -> list[SessionRow]:
        return [SessionRow(s, names.get(s.course, s.course), s.roll_size) for s in found]  # type: ignore[attr-defined]

    return rows(scheduled), rows(past[:PAST_SESSIONS_SHOWN])


def session_for(user: User, session_id: UUID) -> TrainingSession:
    """A session of the user's agency, for those who run training; another agency's is 404.
    Its pages name the officers on its roll with their hours and scores: the read is audited."""
    access.require_permission(user, "training.manage")
    session = get_object_or_404(TrainingSession.objects.select_related("agency"), pk=session_id)
    access.require_agency(user, session.agency_id)
    access.record_read(user, session)
    return session


def session_person(session: TrainingSession, person_id: UUID) -> User:
    """Someone of the session's agency, named by a page about its roll (whether they are on it
    is the action's to say, after its version check); anyone else answers 404."""
    return get_object_or_404(User, pk=person_id, agency_id=session.agency_id)


def session_to_take(user: User, session_id: UUID) -> tuple[TrainingSession, Attendance]:
    """A session the user is on the roll of, to take its checks; any other answers 404."""
    access.require_permission(user, "training.view")
    session = get_object_or_404(TrainingSession, pk=session_id)
    access.require_agency(user, session.agency_id)
    attendance = session.roll.filter(officer=user).first()
    if attendance is None:
        raise Http404
    return session, attendance


@dataclass(frozen=True)
class RollRow:
    attendance: Attendance
    hours: list[tuple[Module, Decimal]]  # attended, per module of the course
    covers: bool  # the hours reach every module's: completing the session completes the course
    not_renewed: str | None  # why completing a refresher would certify them of nothing
    pre: knowledge.Score | None
    post: knowledge.Score | None

    @property
    def officer(self) -> User:
        return self.attendance.officer

    @property
    def total(self) -> Decimal:
        return sum((hours for _, hours in self.hours), Decimal(0))

    @property
    def short(self) -> list[tuple[Module, Decimal]]:
        """The modules whose hours they have yet to attend, with the hours attended."""
        return [(module, hours) for module, hours in self.hours if hours < module.hours]

    @property
    def will_complete(self) -> bool:
        return self.covers and self.officer.is_active

    @property
    def will_certify(self) -> bool:
        return self.will_complete and self.not_renewed is None


def session_roll(session: TrainingSession, spec: CourseSpec) -> list[RollRow]:
    """Who is on the roll, by name, with their hours and check scores, and for a refresher
    whether it would renew their certification: two queries (three for a refresher)."""
    roll = list(
        session.roll.select_related("officer", "certification").order_by(
            "officer__last_name", "officer__first_name", "officer__username"
        )
    )
    scores = {
        (check.officer_id, check.phase): knowledge.Score(check.score, check.max_score)
        for check in session.checks.all()
    }
    latest = _latest_expiries(session, spec, [attendance.officer_id for attendance in roll])
    return [
        RollRow(
            attendance=attendance,
            hours=[(m, attended(attendance.module_hours, m)) for m in spec.modules],
            covers=covers_every_module(spec, attendance.module_hours),
            not_renewed=spec.why_not_renewed(latest.get(attendance.officer_id), session.ends_on),
            pre=scores.get((attendance.officer_id, knowledge.PRE)),
            post=scores.get((attendance.officer_id, knowledge.POST)),
        )
        for attendance in roll
    ]


def _latest_expiries(
    session: TrainingSession, spec: CourseSpec, officer_ids: list[UUID]
) -> dict[UUID, date]:
    """For a refresher: the last day of each officer's latest certification of the kind it
    renews, issued by the session's last day (one query; none for a full course)."""
    if not spec.is_refresher or not officer_ids:
        return {}
    held = (
        Certification.objects.filter(
            officer_id__in=officer_ids, course=spec.certifies, issued_on__lte=session.ends_on
        )
        .values("officer_id")
        .annotate(latest=Max("expires_on"))
        .order_by()
    )
    return {row["officer_id"]: row["latest"] for row in held}


def session_improvement(
    roll: list[RollRow],
) -> tuple[list[knowledge.OfficerImprovement[User]], knowledge.CohortImprovement]:
    """Each officer's scores before and after, and the roll's as a cohort."""
    rows = [knowledge.OfficerImprovement(row.officer, row.pre, row.post) for row in roll]
    return rows, knowledge.cohort(rows)


def course_improvement(
    user: User, code: str, since: date, until: date
) -> tuple[int, knowledge.CohortImprovement]:
    """Every completed session of the course that ended in the period, as one cohort: how many
    sessions, and the improvement of those who took both checks (one query)."""
    access.require_permission(user, "training.manage")
    checks = KnowledgeCheck.objects.filter(
        session__agency_id=user.agency_id,
        session__course=code,
        session__status=TrainingSession.Status.COMPLETED,
        session__ends_on__range=(since, until),
    ).values_list("session_id", "officer_id", "phase", "score", "max_score")
    rows = knowledge.by_officer(
        ((session, officer), phase, knowledge.Score(score, out_of))
        for session, officer, phase, score, out_of in checks
    )
    return len({row.who[0] for row in rows}), knowledge.cohort(rows)


# Certifications, and one's own training (part of the section above)


@dataclass(frozen=True)
class CertificationRow:
    certification: Certification
    name: str  # of the course of that code, where the agency offers one
    days_left: int  # until it lapses; negative once it has
    renewed_until: date | None  # a later certification of the same course runs to that day

    @property
    def notice(self) -> int | None:
        """The nearest reminder threshold (90, 30, 7 days) it is within, unless renewed."""
        if self.renewed_until is not None or self.days_left < 0:
            return None
        return next((days for days in sorted(LAPSE_NOTICE_DAYS) if self.days_left <= days), None)


def _certification_rows(
    agency_id: UUID, found: QuerySet[Certification], today: date
) -> list[CertificationRow]:
    """Rows for these certifications, each told whether a later one renewed it (three
    queries)."""
    found = found.select_related("officer")
    names = {course.spec.code: course.spec.name for course in _offered(agency_id)}
    latest = {
        (row["officer_id"], row["course"]): row["latest"]
        for row in Certification.objects.filter(officer_id__in=found.values("officer_id"))
        .values("officer_id", "course")
        .annotate(latest=Max("expires_on"))
        .order_by()
    }
    rows = []
    for held in found:
        last = latest.get((held.officer_id, held.course), held.expires_on)
        days_left = (held.expires_on - today).days
        name = names.get(held.course, held.course)
        renewed_until = last if last > held.expires_on else None
        rows.append(CertificationRow(held, name, days_left, renewed_until))
    return rows


class Show(StrEnum):
    """Which of the agency's certifications the list shows."""

    CURRENT = "current"
    LAPSING = "lapsing"  # within the longest notice, not renewed
    LAPSED = "lapsed"


def certifications_of(user: User, today: date, show: Show = Show.CURRENT) -> list[CertificationRow]:
    """The agency's certifications (the list read is audited): those valid today, soonest to
    lapse first; those lapsing within 90 days and not renewed; or those lapsed, latest first."""
    access.require_permission(user, "training.manage")
    held = Certification.objects.filter(agency_id=user.agency_id)
    by_name = ("officer__last_name", "officer__first_name", "course")
    if show is Show.LAPSED:
        found = held.filter(expires_on__lt=today).order_by("-expires_on", *by_name)
    else:
        found = held.filter(issued_on__lte=today, expires_on__gte=today).order_by(
            "expires_on", *by_name
        )
    rows = _certification_rows(user.agency_id, found, today)
    if show is Show.LAPSING:
        rows = [row for row in rows if row.notice is not None]
    access.record_list_read(user, "certification", len(rows))
    return rows


def my_certifications(user: User, today: date) -> list[CertificationRow]:
    """The user's own certifications, latest to expire first."""
    access.require_permission(user, "training.view")
    return _certification_rows(user.agency_id, user.certifications.order_by("-expires_on"), today)


@dataclass(frozen=True)
class CheckToTake:
    session: TrainingSession
    course_name: str
    phase: str


@dataclass(frozen=True)
class MyTraining:
    certifications: list[CertificationRow]
    sessions: list[tuple[TrainingSession, str]]  # scheduled, on the roll or teaching; course name
    checks: list[CheckToTake]


def my_training(user: User, today: date) -> MyTraining:
    """The user's own certifications, the sessions they attend or teach, and the checks they
    have yet to take."""
    access.require_permission(user, "training.view")
    offered = {course.spec.code: course.spec for course in _offered(user.agency_id)}
    mine = TrainingSession.objects.filter(agency_id=user.agency_id).filter(
        Q(roll__officer=user) | Q(instructors=user)
    )
    scheduled = list(
        mine.filter(status=TrainingSession.Status.SCHEDULED).distinct().order_by("starts_on")
    )
    taken = set(KnowledgeCheck.objects.filter(officer=user).values_list("session_id", "phase"))
    on_roll = (
        TrainingSession.objects.filter(roll__officer=user)
        .exclude(status=TrainingSession.Status.CANCELLED)
        .filter(ends_on__gte=today - timedelta(days=knowledge.CHECK_AFTER_DAYS))
        .order_by("starts_on")
    )
    checks = [
        CheckToTake(session, offered[session.course].name, phase)
        for session in on_roll
        if session.course in offered and offered[session.course].item_bank
        for phase in _phases_to_take(session, today, taken)
    ]
    return MyTraining(
        certifications=my_certifications(user, today),
        sessions=[
            (s, offered[s.course].name if s.course in offered else s.course) for s in scheduled
        ],
        checks=checks,
    )


def check_closed(session: TrainingSession, officer: User, phase: str, today: date) -> str | None:
    """Why the officer cannot take this check of the session today; None when they can."""
    taken = KnowledgeCheck.objects.filter(session=session, officer=officer)
    return _why_closed(session, phase, today, set(taken.values_list("phase", flat=True)))


def _phases_to_take(
    session: TrainingSession, today: date, taken: set[tuple[UUID, str]]
) -> list[str]:
    done = {phase for session_id, phase in taken if session_id == session.pk}
    return [
        phase
        for phase in (knowledge.PRE, knowledge.POST)
        if _why_closed(session, phase, today, done) is None
    ]


def _why_closed(
    session: TrainingSession, phase: str, today: date, taken: Collection[str]
) -> str | None:
    return knowledge.why_closed(
        phase,
        status=session.status,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        today=today,
        taken=taken,
    )


# (end of courses, sessions, certifications)


# --- Coverage -----------------------------------------------------------------------------------


def agency_today(agency: Agency) -> date:
    """Today in the agency's own time zone: the day coverage starts from by default."""
    return timezone.localdate(timezone=ZoneInfo(agency.time_zone))


def coverage_roster(agency: Agency, period: coverage.Period) -> coverage.Roster:
    """The agency's patrol officers, squads, their assignments in the period and every CIT
    certification its officers hold or held: five queries however large the agency."""
    officers = (
        patrol_officers(agency.pk)
        .order_by()
        .values_list("id", "first_name", "last_name", "username")
    )
    squads = Squad.objects.filter(agency=agency).select_related("precinct", "shift")
    postings = RosterAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period.first),
        agency=agency,
        starts_on__lte=period.last,
    )
    held = Certification.objects.filter(agency=agency, course=CIT)
    return coverage.Roster(
        period=period,
        squads=[
            coverage.Rota(s.pk, s.name, s.precinct.name, s.shift.name, s.pattern, s.pattern_start)
            for s in squads.order_by("precinct__name", "shift__starts_at", "shift__name", "name")
        ],
        officers=[
            coverage.Officer(pk, f"{first} {last}".strip() or username)
            for pk, first, last, username in officers
        ],
        postings=[
            coverage.Posting(*row)
            for row in postings.values_list("officer_id", "squad_id", "starts_on", "ends_on")
        ],
        certifications=[
            coverage.Held(*row) for row in held.values_list("officer_id", "issued_on", "expires_on")
        ],
        target=coverage_target_of(agency),
    )


def coverage_target_of(agency: Agency) -> coverage.Target:
    """The agency's CIT target, else the common 20-25%."""
    target = CoverageTarget.objects.filter(agency=agency).first()
    return coverage.Target(target.low_percent, target.high_percent) if target else coverage.Target()


def coverage_report(agency: Agency, period: coverage.Period, today: date) -> coverage.Report:
    """Coverage of the agency's shifts in the period, and its share certified today. Unscoped:
    for the operator's CLI; staff read it through `coverage_for`."""
    return coverage.report_of(coverage_roster(agency, period), today)


def coverage_for(user: User, period: coverage.Period) -> coverage.Report:
    """Coverage of the user's own agency (CIT coordinators, program managers)."""
    access.require_permission(user, "training.coverage")
    return coverage_report(user.agency, period, agency_today(user.agency))


def train_next_for(
    user: User, period: coverage.Period
) -> tuple[coverage.Report, list[coverage.Candidate]]:
    """Whom to train next to close the period's gaps, with their certification status (the
    list of named officers is an audited read)."""
    report = coverage_for(user, period)
    candidates = coverage.whom_to_train(report.roster, report.coverage)
    access.record_list_read(user, "certification", len(candidates))
    return report, candidates


# --- Outcomes and reference -------------------------------------------------------------------

# The period the outcome comparison covers when none is asked: the last 365 days, today included.
DEFAULT_OUTCOME_DAYS = 365
# Force counted as "above verbal": every level past commands, and force of an unrecorded type.
FORCE_ABOVE_VERBAL = (
    Encounter.Force.EMPTY_HAND,
    Encounter.Force.LESS_LETHAL,
    Encounter.Force.FIREARM,
    Encounter.Force.UNSPECIFIED,
)


@dataclass(frozen=True)
class OutcomeComparison:
    first: date  # the period's days, both included, in the agency's calendar
    last: date
    time_zone: str
    certified: int  # encounters whose officer was CIT-certified at the time
    not_certified: int
    not_recorded: int  # imported encounters that do not say (left out of the comparison)
    rows: list[OutcomeRow]


def outcome_period(user: User, first: date | None, last: date | None) -> tuple[date, date]:
    """The days compared (the agency's calendar), both included; refused if they run backwards.
    Errors name the fields as the page and the API call them: `from` and `to`."""
    last = last or agency_today(user.agency)
    first = first or last - timedelta(days=DEFAULT_OUTCOME_DAYS - 1)
    if first > last:
        raise ValidationError({"from": f"is after the last day of the period ({last:%Y-%m-%d})."})
    return first, last


def _outcome_conditions() -> dict[str, Q]:
    """Each outcome of comparison.OUTCOMES as a condition on an encounter."""
    referral_sent = Referral.objects.filter(encounter=OuterRef("pk")).exclude(
        status=Referral.Status.DRAFT
    )
    return {
        "force": Q(highest_force__in=FORCE_ABOVE_VERBAL),
        "subject_injured": Q(subject_injured=True),
        "officer_injured": Q(officer_injured=True),
        "arrest": Q(disposition=Encounter.Disposition.ARREST_BOOKED),
        "referral": Q(disposition=Encounter.Disposition.REFERRED_NO_TRANSPORT)
        | Q(Exists(referral_sent)),
        "transport": Q(disposition__in=Encounter.TRANSPORTS),
    }


def outcomes_by_certification(
    user: User, *, first: date | None = None, last: date | None = None
) -> OutcomeComparison:
    """The agency's encounters in the period, by whether the officer was CIT-certified when
    the encounter happened (copied at submit), with each outcome's rate and interval.

    One query: the database counts every outcome per group. Encounters where no one was found
    (unable to locate) are left out: there was no one to use force on, injure or refer.
    """
    access.require_permission(user, "training.outcomes")
    first, last = outcome_period(user, first, last)
    zone = ZoneInfo(user.agency.time_zone)
    conditions = _outcome_conditions()
    counted = (
        Encounter.objects.filter(
            agency_id=user.agency_id,
            occurred_at__gte=datetime.combine(first, time(), zone),
            occurred_at__lt=datetime.combine(last + timedelta(days=1), time(), zone),
        )
        .exclude(disposition=Encounter.Disposition.UNABLE_TO_LOCATE)
        .values("officer_cit_certified")
        .annotate(
            encounters=Count("pk"),
            **{code: Count("pk", filter=condition) for code, condition in conditions.items()},
        )
        .order_by()
    )
    groups = {row["officer_cit_certified"]: row for row in counted}
    empty = dict.fromkeys(["encounters", *conditions], 0)
    certified, not_certified = groups.get(True, empty), groups.get(False, empty)
    return OutcomeComparison(
        first=first,
        last=last,
        time_zone=zone.key,
        certified=certified["encounters"],
        not_certified=not_certified["encounters"],
        not_recorded=groups.get(None, empty)["encounters"],
        rows=[
            compare(
                outcome,
                (certified[outcome.code], certified["encounters"]),
                (not_certified[outcome.code], not_certified["encounters"]),
            )
            for outcome in OUTCOMES
        ],
    )


# The directory's crisis categories: someone to call, someone to come, a place to go.
CRISIS_CATEGORIES = ("crisis-line", "mobile-crisis", "crisis-stabilisation")
CRISIS_RESOURCES_SHOWN = 12


@dataclass(frozen=True)
class CrisisResource:
    hit: SearchHit  # open now (where the directory knows its hours) ranks first
    phones: list[Phone]


def crisis_resources(user: User, *, now: datetime) -> list[CrisisResource]:
    """The county's crisis services from the live directory, with their phone numbers.

    Listings describe services, not people: the read is not audited. Agencies have no place of
    their own in Crossroads; the directory is the county's, so its crisis services are the ones
    near the agency. Three queries: the search's two, and one for all their phone numbers.
    """
    access.require_permission(user, "training.view")
    hits = search(
        SearchQuery(categories=CRISIS_CATEGORIES, limit=CRISIS_RESOURCES_SHOWN), now=now
    ).hits
    phones = list(
        Phone.objects.filter(
            Q(service_id__in={hit.service_id for hit in hits})
            | Q(service_at_location_id__in={h.service_at_location_id for h in hits} - {None})
            | Q(location_id__in={hit.location_id for hit in hits} - {None})
        ).order_by("number")
    )
    return [CrisisResource(hit, [p for p in phones if _reaches(p, hit)]) for hit in hits]


def _reaches(phone: Phone, hit: SearchHit) -> bool:
    """The service's own numbers, and those of the place where this entry offers it."""
    return (
        (phone.service_id == hit.service_id and phone.location_id is None)
        or (
            hit.service_at_location_id is not None
            and phone.service_at_location_id == hit.service_at_location_id
        )
        or (hit.location_id is not None and phone.location_id == hit.location_id)
    )


# --- Rosters and duty ---------------------------------------------------------------------------


def patrol_officers(*agency_ids: UUID) -> QuerySet[User]:
    """Patrol officers: the active staff of these agencies holding the officer role. Squads hold
    them only, and coverage counts them; a CIT coordinator who also patrols holds both roles."""
    return User.objects.filter(
        agency_id__in=agency_ids, is_active=True, role_grants__role=Role.OFFICER
    )


@dataclass(frozen=True)
class SquadNow:
    squad: Squad  # its precinct and shift loaded
    rotation: str  # the pattern in words: "4 on, 4 off"
    works_today: bool
    members: list[RosterAssignment]  # in the squad today, their officer loaded


@dataclass(frozen=True)
class RosterNow:
    today: date  # the agency's date
    precincts: list[Precinct]
    shifts: list[Shift]
    squads: list[SquadNow]


def roster_for(user: User) -> RosterNow:
    """The user's agency's precincts, shifts and squads, and who is in each squad today. Four
    queries whatever the agency's size; the list of named officers is an audited read."""
    access.require_permission(user, "training.manage")
    agency = user.agency
    today = agency_today(agency)
    squads = Squad.objects.filter(agency=agency).select_related("precinct", "shift")
    current = list(
        RosterAssignment.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today), agency=agency, starts_on__lte=today
        )
        .select_related("officer")
        .order_by("officer__last_name", "officer__first_name")
    )
    access.record_list_read(user, "rosterassignment", len(current))
    return RosterNow(
        today=today,
        precincts=list(Precinct.objects.filter(agency=agency)),
        shifts=list(Shift.objects.filter(agency=agency)),
        squads=[
            SquadNow(
                squad,
                rotation_label(squad.pattern),
                squad.works_on(today),
                [a for a in current if a.squad_id == squad.pk],
            )
            for squad in squads.order_by("precinct__name", "shift__starts_at", "name")
        ],
    )


@dataclass(frozen=True)
class RosterChoices:
    """What the roster's forms offer: the agency's own, nothing of another's."""

    precincts: QuerySet[Precinct]
    shifts: QuerySet[Shift]
    squads: QuerySet[Squad]
    officers: QuerySet[User]  # patrol_officers, by name


def roster_choices(user: User) -> RosterChoices:
    access.require_permission(user, "training.manage")
    agency = user.agency
    return RosterChoices(
        precincts=Precinct.objects.filter(agency=agency),
        shifts=Shift.objects.filter(agency=agency),
        squads=Squad.objects.filter(agency=agency),
        officers=patrol_officers(agency.pk).order_by("last_name", "first_name"),
    )


def assignment_for(user: User, assignment_id: UUID) -> RosterAssignment:
    """An assignment of the user's agency, for those who keep the roster (the read is audited);
    another agency's answers 404."""
    access.require_permission(user, "training.manage")
    assignment = get_object_or_404(
        RosterAssignment.objects.select_related("officer", "squad"), pk=assignment_id
    )
    access.require_agency(user, assignment.agency_id)
    access.record_read(user, assignment)
    return assignment


@dataclass(frozen=True)
class OfficerOnDuty:
    officer: User
    squad: Squad  # its precinct (with the agency) and shift loaded
    watch: Watch  # the run of the shift: the day it belongs to, its local start and end
    certified: bool  # holds a CIT certification valid on `watch.day`, as coverage counts it


@dataclass(frozen=True)
class AreaOnDuty:
    precinct: Precinct  # its agency loaded
    certified: list[OfficerOnDuty]
    others: int  # on duty and not CIT-certified


def officers_on_duty(agency_ids: Collection[UUID], moment: datetime) -> list[OfficerOnDuty]:
    """The patrol officers of these agencies on duty at `moment`: in a squad that day whose
    rotation works the day the running shift started (duty.py: the night shift belongs to the
    day it starts), each with whether they hold a CIT certification valid that same day, so the
    night that started yesterday is judged as coverage judges it. Unscoped: callers check the
    user's right to see these agencies. Three queries, and one per day the running shifts
    started (one, unless yesterday's night is still on when today's first shift starts)."""
    shifts = Shift.objects.filter(agency_id__in=agency_ids).select_related("agency")
    watches = {
        shift.pk: watch
        for shift in shifts
        if (watch := running_watch(shift.starts_at, shift.hours, moment, _zone(shift.agency)))
    }
    squads = [
        squad
        for squad in Squad.objects.filter(shift_id__in=watches).select_related(
            "precinct__agency", "shift"
        )
        if squad.works_on(watches[squad.shift_id].day)
    ]
    if not squads:
        return []
    working: dict[date, list[Squad]] = {}  # by the day their shift started: today, yesterday
    for squad in squads:
        working.setdefault(watches[squad.shift_id].day, []).append(squad)
    in_squad_that_day = reduce(
        operator.or_,
        (
            Q(squad__in=squads_of_day, starts_on__lte=day)
            & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            for day, squads_of_day in working.items()
        ),
    )
    postings = RosterAssignment.objects.filter(
        in_squad_that_day, officer__in=patrol_officers(*agency_ids)
    )
    by_squad = {squad.pk: squad for squad in squads}
    on_duty = [
        (p.officer, watches[by_squad[p.squad_id].shift_id], by_squad[p.squad_id])
        for p in postings.select_related("officer")
    ]
    certified = _certified_on_watch_day(on_duty)
    return [
        OfficerOnDuty(officer, squad, watch, (officer.pk, watch.day) in certified)
        for officer, watch, squad in sorted(
            on_duty, key=lambda o: (o[0].last_name, o[0].first_name)
        )
    ]


def _zone(agency: Agency) -> ZoneInfo:
    return ZoneInfo(agency.time_zone)


def _certified_on_watch_day(on_duty: list[tuple[User, Watch, Squad]]) -> set[tuple[UUID, date]]:
    """(officer, day) for those of these officers CIT-certified on the day their watch started:
    one query per such day."""
    by_day: dict[date, list[UUID]] = {}
    for officer, watch, _ in on_duty:
        by_day.setdefault(watch.day, []).append(officer.pk)
    return {
        (officer_id, day)
        for day, ids in by_day.items()
        for officer_id in Certification.objects.cit_certified(ids, day)
    }


def areas_on_duty(user: User, moment: datetime) -> list[AreaOnDuty]:
    """The dispatcher's view: for each precinct of the agencies whose officers the user may
    send (the unit picker's rule: the user's own agency and those its calls go to under an
    MOU), the CIT-certified officers on duty at `moment`, and how many others are. The list of
    named officers is an audited read."""
    access.require_permission(user, "training.on_duty")
    agencies = dispatch_agency_ids(user)
    on_duty = officers_on_duty(agencies, moment)
    access.record_list_read(user, "rosterassignment", len(on_duty))
    precincts = Precinct.objects.filter(agency_id__in=agencies).select_related("agency")
    return [
        AreaOnDuty(
            precinct,
            certified=[o for o in on_duty if o.squad.precinct_id == precinct.pk and o.certified],
            others=sum(
                1 for o in on_duty if o.squad.precinct_id == precinct.pk and not o.certified
            ),
        )
        for precinct in precincts.order_by("agency__name", "agency_id", "name")
    ]
