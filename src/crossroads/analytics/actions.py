"""Every write of the analytics app. Each runs in a transaction and writes one audit event."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from crossroads.analytics import deidentify
from crossroads.analytics.models import AgencyParameters
from crossroads.core import audit
from crossroads.core.models import Agency, User

# Beyond these an entry is a slip of the keyboard, not a figure (a jail day is hundreds of
# dollars; a booking holds days or weeks; a response target is minutes).
MOST_DAYS_PER_BOOKING = Decimal(3650)
MOST_TARGET_MINUTES = 240


def agency_parameters_set(
    *,
    by: User | None,
    agency: Agency,
    jail_day_cost: Decimal | None,
    jail_days_per_booking: Decimal | None,
    ed_visit_cost: Decimal | None,
    officer_hour_cost: Decimal | None,
    response_target_minutes: int | None,
) -> AgencyParameters:
    """Set the agency's cost and response-target figures; an empty one stays empty (its
    estimates then say it is missing). Staff set their own agency's; `by=None` is the system."""
    if by is not None and by.agency_id != agency.pk:
        raise ValidationError({"agency": "is another agency: set your own agency's figures."})
    costs = {
        "jail_day_cost": jail_day_cost,
        "ed_visit_cost": ed_visit_cost,
        "officer_hour_cost": officer_hour_cost,
    }
    errors = {
        name: "must be more than 0."
        for name, cost in costs.items()
        if cost is not None and cost <= 0
    }
    if jail_days_per_booking is not None and not 0 < jail_days_per_booking <= MOST_DAYS_PER_BOOKING:
        errors["jail_days_per_booking"] = f"from more than 0 to {MOST_DAYS_PER_BOOKING} days."
    if (
        response_target_minutes is not None
        and not 0 < response_target_minutes <= MOST_TARGET_MINUTES
    ):
        errors["response_target_minutes"] = f"from 1 to {MOST_TARGET_MINUTES} minutes."
    if errors:
        raise ValidationError(errors)
    parameters = AgencyParameters.objects.filter(agency=agency).first() or AgencyParameters(
        agency=agency
    )
    values = {
        **costs,
        "jail_days_per_booking": jail_days_per_booking,
        "response_target_minutes": response_target_minutes,
    }
    for name, value in values.items():
        setattr(parameters, name, value)
    parameters.full_clean()  # the number of digits each column holds
    with transaction.atomic():
        parameters.save()
        audit.record(
            by=by,
            verb="agency_parameters.set",
            obj=parameters,
            agency=agency,
            detail={name: None if value is None else str(value) for name, value in values.items()},
        )
    return parameters


def deidentified_export_write(
    *, request: deidentify.ExportRequest, root: Path, by: User | None
) -> deidentify.Exported:
    """Write a de-identified export of the snapshot at `root` and record it in the audit trail
    (`by=None`: the command line). The files are written whole or not at all (deidentify.py)."""
    exported = deidentify.write_export(request, root)
    audit.record(
        by=by,
        verb="analytics.deidentified_export",
        detail={
            "destination": request.destination.name,
            "safe_harbor": request.safe_harbor,
            "agency": request.agency,
            "from": request.first.isoformat() if request.first else None,
            "to": request.last.isoformat() if request.last else None,
            "rows": exported.rows,
        },
    )
    return exported
