"""The demo police agencies' own cost and response-time figures, so the cost calculator and the
response-time target have something to price with. Illustrative only, as DOMAIN.md's are: one
county's jail day ($126.06), the U.S. average emergency-department visit in 2017 (about $527,
HCUP); the jail stay after a booking and the officer hour are assumptions of the demo."""

from __future__ import annotations

from decimal import Decimal

from crossroads.analytics.actions import agency_parameters_set
from crossroads.core.models import Agency

# agency key -> (jail day $, jail days per booking, ED visit $, officer hour $, target minutes)
FIGURES = {
    "rpd": (Decimal("126.06"), Decimal("11.5"), Decimal("527"), Decimal("68"), 15),
    "acso": (Decimal("118.40"), Decimal("14"), Decimal("527"), Decimal("61"), 25),
}


def load(agencies: dict[str, Agency]) -> None:
    for key, (jail_day, days, ed_visit, officer_hour, target) in FIGURES.items():
        agency_parameters_set(
            by=None,
            agency=agencies[key],
            jail_day_cost=jail_day,
            jail_days_per_booking=days,
            ed_visit_cost=ed_visit,
            officer_hour_cost=officer_hour,
            response_target_minutes=target,
        )
