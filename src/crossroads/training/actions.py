"""Every write of the training app. Each runs in a transaction and writes one audit event."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import Agency, User
from crossroads.training.curricula import CODE
from crossroads.training.models import (
    Certification,
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
    can still be told. `by=None` is the system (the demo loader, an import run by an operator).
    """
    _own_agency(by, officer.agency_id, "officer")
    if not officer.is_active:
        raise ValidationError({"officer": "this account is deactivated."})
    if not CODE.match(course):
        raise ValidationError({"course": f"{course!r} is not a course code (e.g. 'cit')."})
    if issued_on > timezone.localdate():
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


def assignment_record(
    *,
    by: User | None,
    officer: User,
    squad: Squad,
    starts_on: date,
    ends_on: date | None = None,
) -> RosterAssignment:
    """Put an officer in a squad from `starts_on` (until `ends_on`, or further notice). An
    officer works in one squad at a time: an overlapping assignment is refused."""
    _own_agency(by, officer.agency_id, "officer")
    if squad.agency_id != officer.agency_id:
        raise ValidationError({"squad": "belongs to another agency."})
    if not officer.is_active:
        raise ValidationError({"officer": "this account is deactivated."})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "must be on or after the first day."})
    overlapping = RosterAssignment.objects.filter(officer=officer).filter(
        models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if (other := overlapping.select_related("squad").first()) is not None:
        raise ValidationError(
            {
                "starts_on": f"{officer.display_name} is already in {other.squad} from "
                f"{other.starts_on:%Y-%m-%d}."
            }
        )
    assignment = RosterAssignment(
        agency_id=officer.agency_id,
        officer=officer,
        squad=squad,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _save(assignment, by=by, verb="assignment.record", agency=officer.agency)
    return assignment
