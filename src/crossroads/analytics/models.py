"""An agency's own figures that turn measured differences into money and targets (ADR 0021).

Never constants: DOMAIN.md gives one county's jail day ($126.06) and a national ED visit (≈$527)
as examples only. A figure left empty leaves its estimate empty, and the page says which is
missing rather than guessing.
"""

from __future__ import annotations

from django.db import models

from crossroads.core.models import Agency


class AgencyParameters(models.Model):
    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, primary_key=True)
    jail_day_cost = models.DecimalField(
        "cost of one jail day ($)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    jail_days_per_booking = models.DecimalField(
        "average jail days after a booking",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    ed_visit_cost = models.DecimalField(
        "cost of one emergency-department visit ($)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    officer_hour_cost = models.DecimalField(
        "cost of one officer hour ($)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    response_target_minutes = models.PositiveSmallIntegerField(
        "response-time target (minutes from call to arrival)", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"parameters of {self.agency}"
