"""Every write of the training app. Each runs in a transaction and writes one audit event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from pydantic import ValidationError as PydanticError

from crossroads.core import audit
from crossroads.core.actions import StaleVersion, task_complete, task_raise
from crossroads.core.models import Agency, Task, User
from crossroads.training import knowledge, queries
from crossroads.training.curricula import CODE, CourseSpec, shipped
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

SQUAD_PATTERN_MAX = 56  # eight weeks: the longest rotation a squad repeats


def _own_agency(by: User | None, agency_id: object, field: str) -> None:
    """Staff write their own agency's training records; `by=None` is the system."""
    if by is not None and by.agency_id != agency_id:
        raise ValidationError({field: "is of another agency: keep your own agency's records."})


def _save(instance: models.Model, *, by: User | None, verb: str, agency: Agency) -> None:
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        audit.record(by=by, verb=verb, obj=instance, agency=agency)


def certification_record(
    *,
    by: User | None,
    officer: User,
    course: str,
    issued_on: date,
    expires_on: date,
    source: str = Certification.Source.RECORDED,
    session: TrainingSession | None = None,
) -> Certification:
    """Record a certification an officer earned (a CIT course, a refresher).

    A renewal is a new record: the earlier one keeps its dates, so coverage on any past day
    can still be told; the expiry reminders of the certifications it outlasts are done (by the
    system). `by=None` is the system (the demo loader, an import run by an operator).
    """
    _own_agency(by, officer.agency_id, "officer")
    if not officer.is_active:
        raise ValidationError({"officer": "this account is deactivated."})
    if not CODE.match(course):
        raise ValidationError({"course": f"{course!r} is not a course code (e.g. 'cit')."})
    if issued_on > queries.agency_today(officer.agency):
        raise ValidationError({"issued_on": "is in the future."})
    if expires_on <= issued_on:
        raise ValidationError({"expires_on": "must be after the date of issue."})
    if Certification.objects.filter(officer=officer, course=course, issued_on=issued_on).exists():
        raise ValidationError({"issued_on": "this certification is already recorded."})
    certification = Certification(
        agency_id=officer.agency_id,
        officer=officer,
        course=course,
        issued_on=issued_on,
        expires_on=expires_on,
        source=source,
        session=session,
    )
    certification.full_clean()
    with transaction.atomic():
        certification.save()
        audit.record(
            by=by,
            verb="certification.record",
            obj=certification,
            agency=officer.agency,
            detail={
                "officer": str(officer.pk),
                "course": course,
                "issued_on": issued_on.isoformat(),
                "expires_on": expires_on.isoformat(),
                "source": source,
            },
        )
        outlasted = Certification.objects.filter(
            officer=officer, course=course, expires_on__lt=expires_on
        )
        for task in _open_reminders(outlasted.values_list("pk", flat=True)):
            task_complete(task=task, by=None, note=f"Renewed until {expires_on:%Y-%m-%d}.")
    return certification


# --- Rosters ----------------------------------------------------------------------------------


def precinct_create(*, by: User | None, agency: Agency, code: str, name: str) -> Precinct:
    _own_agency(by, agency.pk, "agency")
    if not CODE.match(code):
        raise ValidationError({"code": f"{code!r} is not a code: lower-case letters, digits, _."})
    if Precinct.objects.filter(agency=agency, code=code).exists():
        raise ValidationError({"code": f"{agency.short_name} already has a precinct {code!r}."})
    precinct = Precinct(agency=agency, code=code, name=name.strip())
    _save(precinct, by=by, verb="precinct.create", agency=agency)
    return precinct


def shift_create(
    *, by: User | None, agency: Agency, code: str, name: str, starts_at: time, hours: int
) -> Shift:
    _own_agency(by, agency.pk, "agency")
    if not CODE.match(code):
        raise ValidationError({"code": f"{code!r} is not a code: lower-case letters, digits, _."})
    if not 1 <= hours <= 24:
        raise ValidationError({"hours": "a shift lasts from 1 to 24 hours."})
    if Shift.objects.filter(agency=agency, code=code).exists():
        raise ValidationError({"code": f"{agency.short_name} already has a shift {code!r}."})
    shift = Shift(agency=agency, code=code, name=name.strip(), starts_at=starts_at, hours=hours)
    _save(shift, by=by, verb="shift.create", agency=agency)
    return shift


def squad_create(
    *,
    by: User | None,
    agency: Agency,
    name: str,
    precinct: Precinct,
    shift: Shift,
    pattern: str,
    pattern_start: date,
) -> Squad:
    """A squad working `shift` in `precinct` on a rotation of on (1) and off (0) days."""
    _own_agency(by, agency.pk, "agency")
    if precinct.agency_id != agency.pk:
        raise ValidationError({"precinct": "belongs to another agency."})
    if shift.agency_id != agency.pk:
        raise ValidationError({"shift": "belongs to another agency."})
    if not pattern or set(pattern) - {"0", "1"} or "1" not in pattern:
        raise ValidationError(
            {"pattern": "write the rotation as 1 (on) and 0 (off) days, e.g. 11110000."}
        )
    if len(pattern) > SQUAD_PATTERN_MAX:
        raise ValidationError({"pattern": f"a rotation repeats within {SQUAD_PATTERN_MAX} days."})
    if Squad.objects.filter(agency=agency, name=name.strip()).exists():
        raise ValidationError({"name": f"{agency.short_name} already has a squad {name!r}."})
    squad = Squad(
        agency=agency,
        name=name.strip(),
        precinct=precinct,
        shift=shift,
        pattern=pattern,
        pattern_start=pattern_start,
    )
    _save(squad, by=by, verb="squad.create", agency=agency)
    return squad


def coverage_target_set(
    *, by: User | None, agency: Agency, low_percent: int, high_percent: int
) -> CoverageTarget:
    """The share of patrol officers the agency aims to have CIT-certified, as a range."""
    _own_agency(by, agency.pk, "agency")
    if not 0 < low_percent <= 100:
        raise ValidationError({"low_percent": "a share from 1 to 100 percent."})
    if not low_percent <= high_percent <= 100:
        raise ValidationError({"high_percent": f"from {low_percent} (the low end) to 100 percent."})
    target = CoverageTarget(agency=agency, low_percent=low_percent, high_percent=high_percent)
    target.full_clean(validate_unique=False)
    with transaction.atomic():
        target.save()
        audit.record(
            by=by,
            verb="coverage_target.set",
            obj=target,
            agency=agency,
            detail={"low_percent": low_percent, "high_percent": high_percent},
        )
    return target


def _require_patrol_officer(officer: User) -> None:
    """Squads hold patrol officers only: the officers coverage counts (queries.patrol_officers)."""
    if not officer.is_active:
        raise ValidationError({"officer": "this account is deactivated."})
    if not queries.patrol_officers(officer.agency_id).filter(pk=officer.pk).exists():
        raise ValidationError(
            {
                "officer": f"{officer.display_name} is not a patrol officer (the officer role): "
                "squads hold patrol officers only."
            }
        )


def _refuse_overlap(officer: User, starts_on: date, ends_on: date | None, *, field: str) -> None:
    """An officer works in one squad at a time: refuse these days if another of their
    assignments runs on any of them."""
    overlapping = RosterAssignment.objects.filter(officer=officer).filter(
        models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if (other := overlapping.select_related("squad").first()) is not None:
        raise ValidationError(
            {
                field: f"{officer.display_name} is already in {other.squad} from "
                f"{other.starts_on:%Y-%m-%d}."
            }
        )


def assignment_record(
    *,
    by: User | None,
    officer: User,
    squad: Squad,
    starts_on: date,
    ends_on: date | None = None,
) -> RosterAssignment:
    """Put a patrol officer in a squad from `starts_on` (until `ends_on`, or further notice).
    An officer works in one squad at a time: an overlapping assignment is refused."""
    _own_agency(by, officer.agency_id, "officer")
    if squad.agency_id != officer.agency_id:
        raise ValidationError({"squad": "belongs to another agency."})
    _require_patrol_officer(officer)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "must be on or after the first day."})
    _refuse_overlap(officer, starts_on, ends_on, field="starts_on")
    assignment = RosterAssignment(
        agency_id=officer.agency_id,
        officer=officer,
        squad=squad,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _save(assignment, by=by, verb="assignment.record", agency=officer.agency)
    return assignment


def assignment_end(
    *, by: User | None, assignment: RosterAssignment, ends_on: date
) -> RosterAssignment:
    """Set the last day an officer works in a squad: end an assignment held until further
    notice, or move the end of an ended one, earlier or later.

    Any day from the assignment's first is accepted, a past one too: the roster is often put
    right after the fact, and the audit event keeps the end it had. Moving the end later keeps
    the officer in the squad for longer, so those days are checked as a new assignment's are:
    still a patrol officer, and in no other squad by then. An end is never removed: an officer
    who comes back gets a new assignment.
    """
    _own_agency(by, assignment.agency_id, "assignment")
    with transaction.atomic():
        current = (
            RosterAssignment.objects.select_for_update()
            .select_related("officer__agency", "squad")
            .get(pk=assignment.pk)
        )
        previous = current.ends_on
        if ends_on < current.starts_on:
            raise ValidationError(
                {"ends_on": f"must be on or after the first day ({current.starts_on:%Y-%m-%d})."}
            )
        if ends_on == previous:
            raise ValidationError(
                {"ends_on": f"the assignment already ends on {ends_on:%Y-%m-%d}."}
            )
        if previous is not None and ends_on > previous:
            _require_patrol_officer(current.officer)
            _refuse_overlap(current.officer, previous + timedelta(days=1), ends_on, field="ends_on")
        current.ends_on = ends_on
        current.save(update_fields=["ends_on"])
        audit.record(
            by=by,
            verb="assignment.end",
            obj=current,
            agency=current.officer.agency,
            detail={
                "officer": str(current.officer_id),
                "squad": str(current.squad_id),
                "starts_on": current.starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "previous_ends_on": previous.isoformat() if previous else None,
            },
        )
    assignment.ends_on = current.ends_on
    return current


# --- Reminders ----------------------------------------------------------------------------------


# The rule of each reminder's task, and the days before expiry it is raised.
EXPIRY_RULES = {f"certification.expires_{days}": days for days in LAPSE_NOTICE_DAYS}


@dataclass(frozen=True)
class RemindersRun:
    """What one reminders check did."""

    raised: dict[int, int]  # days before expiry -> reminders raised by this check
    already_reminded: int  # expiring, with this threshold's reminder raised by an earlier check
    renewed: int  # expiring, but a later certification of the course runs past it
    closed: int  # earlier reminders done because a tighter one is due


def certification_reminders_raise(*, now: datetime) -> RemindersRun:
    """Remind each officer whose certification expires within 90, 30 or 7 days (by the agency's
    local date) and who has not renewed it (no later certification of the course valid past
    it): one task per threshold reached, for the officer, due on the expiry day. The reminder
    of a wider threshold still open is done (by the system) once a tighter one is due: the
    officer's list holds one reminder per certification.

    A threshold's task is raised once, so running the check again (daily, or twice in a day,
    or two at once) raises nothing new. A certification first seen inside 30 days gets the
    30-day reminder only: the 90-day one would say the same thing later than it should.
    """
    expiring = _expiring(now)
    due = [e for e in expiring if not e.renewed]
    raised = dict.fromkeys(LAPSE_NOTICE_DAYS, 0)
    with transaction.atomic():
        # A second check running at once waits here for the first to commit (on SQLite for its
        # write lock, on PostgreSQL for these rows), then finds its tasks. Should a task still
        # be raised twice, the one-task-per-rule constraint refuses the copy (_remind).
        _lock(reminder.certification.pk for reminder in due)
        raised_before = set(
            Task.objects.filter(
                about_type=Certification._meta.label_lower,
                about_id__in={e.about_id for e in due},
                rule__in={e.rule for e in due},
            ).values_list("about_id", "rule")
        )
        for reminder in due:
            if (reminder.about_id, reminder.rule) not in raised_before and _remind(reminder):
                raised[reminder.days] += 1
        closed = _close_wider_reminders(due)
        run = RemindersRun(
            raised=raised,
            already_reminded=len(due) - sum(raised.values()),
            renewed=len(expiring) - len(due),
            closed=closed,
        )
        audit.record(
            by=None,
            verb="certification.reminders_check",
            detail={
                "raised": {str(d): n for d, n in raised.items()},
                "renewed": run.renewed,
                "closed": closed,
            },
        )
    return run


def _lock(certification_ids: Iterable[UUID]) -> None:
    """Lock these certifications until the transaction ends, in one order (no deadlock)."""
    found = Certification.objects.filter(pk__in=list(certification_ids)).order_by("pk")
    list(found.select_for_update().values_list("pk", flat=True))


def _open_reminders(certification_ids: Iterable[UUID]) -> QuerySet[Task]:
    """The expiry reminders of these certifications not yet done."""
    return Task.objects.filter(
        about_type=Certification._meta.label_lower,
        about_id__in=[str(pk) for pk in certification_ids],
        rule__in=EXPIRY_RULES,
        done_at__isnull=True,
    )


def _close_wider_reminders(due: Sequence[_Expiring]) -> int:
    """Do the open reminders of a wider threshold than the one each certification reached."""
    tightest = {reminder.about_id: reminder.days for reminder in due}
    wider = [
        task
        for task in _open_reminders(reminder.certification.pk for reminder in due)
        if EXPIRY_RULES[task.rule] > tightest[task.about_id]
    ]
    for task in wider:
        task_complete(task=task, by=None, note="A nearer reminder of the same expiry replaces it.")
    return len(wider)


@dataclass(frozen=True)
class _Expiring:
    certification: Certification
    days: int  # the tightest reminder threshold reached
    renewed: bool

    @property
    def about_id(self) -> str:
        return str(self.certification.pk)

    @property
    def rule(self) -> str:
        return f"certification.expires_{self.days}"


def _expiring(now: datetime) -> list[_Expiring]:
    """Certifications of active officers inside a reminder threshold on their agency's date."""
    utc_today = now.astimezone(UTC).date()
    later = Certification.objects.filter(
        officer=models.OuterRef("officer"),
        course=models.OuterRef("course"),
        expires_on__gt=models.OuterRef("expires_on"),
    )
    # A day either side of the UTC date holds every agency's local date.
    candidates = (
        Certification.objects.filter(
            officer__is_active=True,
            expires_on__gte=utc_today - timedelta(days=1),
            expires_on__lte=utc_today + timedelta(days=max(LAPSE_NOTICE_DAYS) + 1),
        )
        .annotate(renewed=models.Exists(later))
        .select_related("officer", "agency")
        .order_by("expires_on", "pk")
    )
    found = []
    for certification in candidates:
        local_today = now.astimezone(ZoneInfo(certification.agency.time_zone)).date()
        days_left = (certification.expires_on - local_today).days
        reached = [days for days in LAPSE_NOTICE_DAYS if 0 <= days_left <= days]
        if reached:
            renewed: bool = certification.renewed  # type: ignore[attr-defined]
            found.append(_Expiring(certification, min(reached), renewed))
    return found


def _remind(reminder: _Expiring) -> bool:
    """Raise the reminder's task; False when a check running at the same time raised it first
    (the one-task-per-rule constraint refused this one)."""
    certification = reminder.certification
    course = shipped().by_code().get(certification.course)
    name = course.name if course is not None else certification.course
    zone = ZoneInfo(certification.agency.time_zone)
    try:
        task_raise(
            agency=certification.agency,
            assignee=certification.officer,
            title=f"Renew your certification: {name} expires on "
            f"{certification.expires_on:%Y-%m-%d} ({reminder.days}-day reminder)",
            due_at=datetime.combine(certification.expires_on, time.min, tzinfo=zone),
            by=None,
            about=certification,
            rule=reminder.rule,
        )
    except IntegrityError:  # task_raise's savepoint is rolled back; the run goes on
        return False
    return True


# --- Courses, sessions, knowledge checks --------------------------------------------------------


def _course_errors(error: PydanticError) -> ValidationError:
    """CourseSpec's complaints, each on the form field it is about. A rule across the whole
    course (module codes repeated, hours that do not add up) is about its modules."""
    errors: dict[str, list[str]] = {}
    for problem in error.errors():
        where = [str(part) for part in problem["loc"]]
        message = problem["msg"].removeprefix("Value error, ")
        if where[:1] == ["modules"] and len(where) > 1:
            message = f"module {int(where[1]) + 1}: {' '.join(where[2:])} {message}".strip()
        errors.setdefault(where[0] if where else "modules", []).append(message)
    return ValidationError(errors)


def course_create(
    *,
    by: User | None,
    agency: Agency,
    code: str,
    name: str,
    audience: str,
    hours: Decimal,
    validity_months: int,
    certifies: str,
    objectives: Sequence[str],
    modules: Sequence[Mapping[str, object]],
    item_bank: str = "",
) -> Course:
    """Add a course of the agency's own, checked by the rules a shipped course obeys. Its code
    is new to the agency and not a shipped course's: sessions name their course by code."""
    _own_agency(by, agency.pk, "agency")
    try:
        spec = CourseSpec.model_validate(
            {
                "code": code,
                "name": name.strip(),
                "audience": audience,
                "hours": hours,
                "validity_months": validity_months,
                "certifies": certifies,
                "item_bank": item_bank or None,
                "objectives": objectives,
                "modules": modules,
            }
        )
    except PydanticError as error:
        raise _course_errors(error) from None
    if code in shipped().by_code():
        raise ValidationError({"code": f"{code!r} is a shipped course's code: choose another."})
    if Course.objects.filter(agency=agency, code=code).exists():
        raise ValidationError({"code": f"{agency.short_name} already has a course {code!r}."})
    if item_bank and item_bank not in knowledge.bank_codes():
        raise ValidationError({"item_bank": f"there is no item bank {item_bank!r}."})
    course = Course(
        agency=agency,
        code=spec.code,
        name=spec.name,
        audience=spec.audience,
        hours=spec.hours,
        validity_months=spec.validity_months,
        certifies=spec.certifies,
        item_bank=item_bank,
        objectives=list(spec.objectives),
        modules=[module.model_dump(mode="json", exclude_none=True) for module in spec.modules],
        created_by=by,
        created_at=timezone.now(),
    )
    _save(course, by=by, verb="course.create", agency=agency)
    return course


def session_create(
    *,
    by: User | None,
    agency: Agency,
    course: str,
    starts_on: date,
    ends_on: date,
    location: str = "",
    instructors: Sequence[User] = (),
) -> TrainingSession:
    """Schedule a session of a course the agency offers, taught by its own staff."""
    _own_agency(by, agency.pk, "agency")
    if queries.course_spec(agency.pk, course) is None:
        raise ValidationError({"course": f"{agency.short_name} offers no course {course!r}."})
    _check_plan(agency, starts_on, ends_on, instructors)
    session = TrainingSession(
        agency=agency,
        course=course,
        starts_on=starts_on,
        ends_on=ends_on,
        location=location.strip(),
        created_by=by,
        created_at=timezone.now(),
    )
    session.full_clean()
    with transaction.atomic():
        session.save()
        session.instructors.set(instructors)
        audit.record(by=by, verb="session.create", obj=session, agency=agency)
    return session


def _check_plan(
    agency: Agency, starts_on: date, ends_on: date, instructors: Sequence[User]
) -> None:
    """When a session runs and who teaches it, as scheduled or edited: its last day is not
    before its first, and its instructors are active staff of its agency."""
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "must be on or after the first day."})
    outsiders = [i.display_name for i in instructors if i.agency_id != agency.pk or not i.is_active]
    if outsiders:
        raise ValidationError(
            {"instructors": f"not active staff of {agency.short_name}: {', '.join(outsiders)}."}
        )


def session_update(
    *,
    by: User | None,
    session: TrainingSession,
    starts_on: date,
    ends_on: date,
    location: str,
    instructors: Sequence[User],
    expected_version: int,
) -> TrainingSession:
    """Change a scheduled session's days, place and instructors (checked as when it was
    scheduled; its course stays). The audit event keeps what it was before."""
    _own_agency(by, session.agency_id, "session")
    _check_plan(session.agency, starts_on, ends_on, instructors)
    with transaction.atomic():
        current = _locked(session, expected_version)
        _require_scheduled(current)
        edited = {"starts_on": starts_on, "ends_on": ends_on, "location": location.strip()}
        was = {
            name: str(getattr(current, name))
            for name, value in edited.items()
            if getattr(current, name) != value
        }
        taught = {str(pk) for pk in current.instructors.values_list("pk", flat=True)}
        teaching = {str(instructor.pk) for instructor in instructors}
        for name, value in edited.items():
            setattr(current, name, value)
        current.version += 1
        current.full_clean()
        current.save(update_fields=[*edited, "version"])
        current.instructors.set(instructors)
        session.version = current.version
        audit.record(
            by=by,
            verb="session.update",
            obj=current,
            agency=current.agency,
            detail={
                "was": was,
                "instructors_added": sorted(teaching - taught),
                "instructors_removed": sorted(taught - teaching),
            },
        )
    return current


def _locked(session: TrainingSession, expected_version: int) -> TrainingSession:
    """The session, locked for this transaction, as the editor last saw it (else StaleVersion)."""
    current = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if current.version != expected_version:
        raise StaleVersion(current.version)
    return current


def _require_scheduled(session: TrainingSession) -> None:
    if session.status != TrainingSession.Status.SCHEDULED:
        raise ValidationError(
            {"session": f"The session is {session.get_status_display().lower()}."}
        )


def _checked_hours(spec: CourseSpec, module_hours: Mapping[str, Decimal]) -> dict[str, float]:
    """Hours per module as stored (a JSON number, none for 0), each within its module's."""
    errors: dict[str, str] = {}
    for code, hours in module_hours.items():
        module = spec.module(code)
        if module is None:
            errors[f"module_hours.{code}"] = f"is not a module of {spec.name}."
        elif not Decimal(0) <= hours <= module.hours:
            errors[f"module_hours.{code}"] = f"between 0 and {module.hours} hours."
    if errors:
        raise ValidationError(errors)
    return {code: float(hours) for code, hours in module_hours.items() if hours}


def attendance_record(
    *,
    by: User | None,
    session: TrainingSession,
    officer: User,
    expected_version: int,
    module_hours: Mapping[str, Decimal] | None = None,
) -> Attendance:
    """Put an officer on a scheduled session's roll, or set the hours they attended: per
    module, never more than the module's (None keeps those recorded; an absent module is 0)."""
    _own_agency(by, session.agency_id, "session")
    if not queries.trainees_of(session.agency_id).filter(pk=officer.pk).exists():
        raise ValidationError(
            {"officer": f"{officer.display_name} is not active staff who take training here."}
        )
    spec = queries.session_spec(session)
    hours = None if module_hours is None else _checked_hours(spec, module_hours)
    with transaction.atomic():
        current = _locked(session, expected_version)
        _require_scheduled(current)
        attendance = Attendance.objects.filter(session=current, officer=officer).first()
        attendance = attendance or Attendance(session=current, officer=officer)
        if hours is not None:
            attendance.module_hours = hours
        attendance.save()
        current.version += 1
        current.save(update_fields=["version"])
        session.version = current.version
        audit.record(
            by=by,
            verb="attendance.record",
            obj=attendance,
            agency=current.agency,
            detail={"officer": str(officer.pk), "hours": sum(attendance.module_hours.values())},
        )
    return attendance


def attendance_remove(
    *, by: User | None, session: TrainingSession, officer: User, expected_version: int
) -> TrainingSession:
    """Take someone off a scheduled session's roll, with the hours recorded for them and the
    knowledge checks they took of it: a check counts only for someone on the roll, and the
    session's report and its course's cohort read every check of the session. The audit event
    keeps the hours and scores removed. Returns the session as it now stands."""
    _own_agency(by, session.agency_id, "session")
    with transaction.atomic():
        current = _locked(session, expected_version)
        _require_scheduled(current)
        attendance = Attendance.objects.filter(session=current, officer=officer).first()
        if attendance is None:
            raise ValidationError(
                {"officer": f"{officer.display_name} is not on this session's roll."}
            )
        checks = KnowledgeCheck.objects.filter(session=current, officer=officer)
        scores = {check.phase: [check.score, check.max_score] for check in checks}
        audit.record(
            by=by,
            verb="attendance.remove",
            obj=attendance,
            agency=current.agency,
            detail={
                "session": str(current.pk),
                "officer": str(officer.pk),
                "module_hours": attendance.module_hours,
                "checks": scores,
            },
        )
        checks.delete()
        attendance.delete()
        current.version += 1
        current.save(update_fields=["version"])
        session.version = current.version
    return current


def check_submit(
    *,
    by: User,
    session: TrainingSession,
    phase: str,
    answers: Mapping[str, str],
    at: datetime | None = None,
) -> KnowledgeCheck:
    """An officer on the roll answers the course's knowledge check, before or after the
    session (once each; see knowledge.why_closed); scored on the spot. `at` is when it was
    taken (the demo's calendar gives it; pages and the API take now): the check must have been
    open on that day, in the agency's calendar."""
    if not session.roll.filter(officer=by).exists():
        raise ValidationError({"officer": "You are not on this session's roll."})
    spec = queries.session_spec(session)
    if spec.item_bank is None:
        raise ValidationError({"phase": f"{spec.name} has no knowledge check."})
    taken_at = at or timezone.now()
    day = taken_at.astimezone(ZoneInfo(session.agency.time_zone)).date()
    closed = queries.check_closed(session, by, phase, day)
    if closed:
        raise ValidationError({"phase": closed})
    try:
        result = knowledge.score(knowledge.load_bank(spec.item_bank), answers)
    except knowledge.AnswersRefused as refused:
        raise ValidationError(
            {f"answers.{code}": reason for code, reason in refused.reasons.items()}
        ) from None
    check = KnowledgeCheck(
        session=session,
        officer=by,
        phase=phase,
        answers=dict(answers),
        score=result.correct,
        max_score=result.out_of,
        taken_at=taken_at,
    )
    try:
        with transaction.atomic():
            check.save()
            audit.record(
                by=by,
                verb="check.submit",
                obj=check,
                agency=session.agency,
                detail={"phase": phase, "score": result.correct, "out_of": result.out_of},
            )
    except IntegrityError:  # the same check sent twice at once: the first one counts
        raise ValidationError({"phase": "You already took this check."}) from None
    return check


def session_complete(
    *, by: User | None, session: TrainingSession, expected_version: int
) -> list[Certification]:
    """Close a session that has ended (by the agency's date): each active officer on the roll
    whose hours cover every module completes the course and is certified (the course's
    certification, from the session's last day for the course's validity), except that a
    refresher only renews (CourseSpec.why_not_renewed): who has nothing to renew completes it
    uncertified. Completing it twice is refused. Returns the certifications issued."""
    _own_agency(by, session.agency_id, "session")
    spec = queries.session_spec(session)
    with transaction.atomic():
        current = _locked(session, expected_version)
        _require_scheduled(current)
        if current.ends_on > queries.agency_today(current.agency):
            raise ValidationError(
                {"session": f"It runs until {current.ends_on:%-d %B %Y}: complete it then."}
            )
        completing = [row for row in queries.session_roll(current, spec) if row.will_complete]
        certified = [
            _certify(by, current, spec, row.attendance) for row in completing if row.will_certify
        ]
        uncertified = [row.attendance for row in completing if not row.will_certify]
        for attendance in uncertified:
            attendance.completed = True
            attendance.save(update_fields=["completed"])
        current.status = TrainingSession.Status.COMPLETED
        current.completed_at = timezone.now()
        current.version += 1
        current.save(update_fields=["status", "completed_at", "version"])
        session.status, session.version = current.status, current.version
        audit.record(
            by=by,
            verb="session.complete",
            obj=current,
            agency=current.agency,
            detail={
                "certified": [str(c.officer_id) for c in certified],
                "completed_uncertified": [str(a.officer_id) for a in uncertified],
            },
        )
    return certified


def _certify(
    by: User | None, session: TrainingSession, spec: CourseSpec, attendance: Attendance
) -> Certification:
    try:
        certification = certification_record(
            by=by,
            officer=attendance.officer,
            course=spec.certifies,
            issued_on=session.ends_on,
            expires_on=spec.expires_on(session.ends_on),
            source=Certification.Source.SESSION,
            session=session,
        )
    except ValidationError as refused:
        officer = attendance.officer.display_name
        raise ValidationError({"session": f"{officer}: {' '.join(refused.messages)}"}) from None
    attendance.completed = True
    attendance.certification = certification
    attendance.save(update_fields=["completed", "certification"])
    return certification


def session_cancel(
    *, by: User | None, session: TrainingSession, expected_version: int
) -> TrainingSession:
    """Cancel a scheduled session: its roll stays, and no one is certified by it."""
    _own_agency(by, session.agency_id, "session")
    with transaction.atomic():
        current = _locked(session, expected_version)
        _require_scheduled(current)
        current.status = TrainingSession.Status.CANCELLED
        current.version += 1
        current.save(update_fields=["status", "version"])
        audit.record(by=by, verb="session.cancel", obj=current, agency=current.agency)
    return current
