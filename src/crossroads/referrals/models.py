"""Closed-loop referrals from an encounter (or a case, or a walk-in) to a directory service.

A referral is born a draft (from the directory in one click), is sent to the agency that keeps
the service's listing, and moves through DOMAIN.md's closed loop (`workflow.py` holds the legal
moves and who makes each). Every move is a `ReferralEvent` with who and when. What the provider
says back reaches the sender only through consent.actions.disclosure_decide.
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

    class Source(models.TextChoices):
        ENCOUNTER = "encounter", "A field encounter"
        CASE = "case", "A program case"
        WALK_IN = "walk_in", "A walk-in"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_sent")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENCOUNTER)
    case = models.ForeignKey(
        "programs.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    # The agency that keeps the service's listing, fixed when the referral is sent.
    receiving_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    consent = models.ForeignKey(
        "consent.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The consent under which the provider may tell the sender how it went.",
    )
    # Purpose of what flows back: treatment, or monitoring when a diversion program referred.
    disclosure_purpose = models.CharField(max_length=40, default="treatment")
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
    note = models.TextField(blank=True, help_text="For the provider: what the person needs.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    first_service_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    # When the row last changed: what an analytics refresh reads to find the day's new and
    # edited records (ADR 0021). `QuerySet.update()` skips auto_now, so callers set it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "created_at"]),  # analytics reads a month at a time
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["receiving_agency", "status"]),
            models.Index(fields=["status", "acknowledge_by"]),
        ]

    def __str__(self) -> str:
        return f"referral to {self.service_id} ({self.status})"


class ReferralEvent(models.Model):
    """One move of a referral along its loop: to which status, who, when, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Referral.Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id} -> {self.status} at {self.at}"
