"""Closed-loop referrals from an encounter (or a case, or a walk-in) to a directory service.

Issue 4 starts a referral from the directory in one click (a draft naming the service, the need
and the encounter); issue 5 adds consent, sending, the provider's inbox and every later status.
"""

from __future__ import annotations

import uuid

from django.db import models

from crossroads.core.models import Agency, User


class Referral(models.Model):
    class Status(models.TextChoices):
        # DOMAIN.md's closed loop; a referral is born a draft.
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        RECEIVED = "received", "Received"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SCHEDULED = "scheduled", "Scheduled"
        FIRST_SERVICE = "first_service", "Engaged (first service)"
        COMPLETED = "completed", "Completed"
        DISENGAGED = "disengaged", "Disengaged"
        NO_SHOW = "no_show", "No show"
        EXPIRED = "expired", "Expired"

    class Urgency(models.TextChoices):
        NOW = "now", "Now (the person is waiting)"
        TODAY = "today", "Today"
        ROUTINE = "routine", "Within days"

    class Handoff(models.TextChoices):
        WARM = "warm", "Warm handoff in person"
        PHONE = "phone", "Phone handoff"
        INFORMATION = "information", "Information only"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_sent")
    encounter = models.ForeignKey(
        "encounters.Encounter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey("directory.Service", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(
        "directory.ServiceAtLocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the person goes, when the service has more than one place.",
    )
    need = models.CharField(max_length=60, blank=True, help_text="A directory category code.")
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.TODAY)
    handoff = models.CharField(max_length=12, choices=Handoff.choices, default=Handoff.WARM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"referral to {self.service_id} ({self.status})"
