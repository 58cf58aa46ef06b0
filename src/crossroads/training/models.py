"""Officer certifications. Issue 6 builds curricula, sessions and coverage on this record."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.db import models

from crossroads.core.models import Agency, User

CIT = "cit"  # the 40-hour Crisis Intervention Team course


class CertificationQuerySet(models.QuerySet["Certification"]):
    def valid_on(self, day: date) -> CertificationQuerySet:
        return self.filter(issued_on__lte=day, expires_on__gte=day)

    def cit_certified(self, officers: Iterable[UUID], day: date) -> set[UUID]:
        """Which of these officers held a CIT certification on that day."""
        held = self.valid_on(day).filter(course=CIT, officer_id__in=list(officers))
        return set(held.values_list("officer_id", flat=True))


class Certification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="certifications")
    course = models.CharField(max_length=40)
    issued_on = models.DateField()
    expires_on = models.DateField()

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on"]
        indexes = [models.Index(fields=["officer", "course", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")),
                name="certification_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.issued_on} to {self.expires_on}"
