"""Every write of the training app. Each runs in a transaction and writes one audit event."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import User
from crossroads.training.models import Certification

COURSE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def certification_record(
    *,
    by: User | None,
    officer: User,
    course: str,
    issued_on: date,
    expires_on: date,
) -> Certification:
    """Record a certification an officer earned (a CIT course, a refresher).

    A renewal is a new record: the earlier one keeps its dates, so coverage on any past day
    can still be told. `by=None` is the system (the demo loader, an import run by an operator).
    """
    if by is not None and by.agency_id != officer.agency_id:
        raise ValidationError({"officer": "record certifications of your own agency's staff."})
    if not officer.is_active:
        raise ValidationError({"officer": "this account is deactivated."})
    if not COURSE_CODE.match(course):
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
            },
        )
    return certification
