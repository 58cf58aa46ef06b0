"""Calls for service. Field encounters join them in a later step of issue 3."""

from __future__ import annotations

import uuid

from django.db import models

from crossroads.core.models import Agency, User


class CallForService(models.Model):
    """One call, from intake to close (DOMAIN.md workflow), with the triage it was given."""

    class Source(models.TextChoices):
        CALL_911 = "911", "911 call"
        TRANSFER_988 = "988_transfer", "988 transfer"
        WALK_IN = "walk_in", "Walk-in"
        OFFICER_INITIATED = "officer_initiated", "Officer-initiated"
        CO_RESPONDER_REFERRAL = "co_responder_referral", "Co-responder referral"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGED = "triaged", "Triaged"
        DISPATCHED = "dispatched", "Dispatched"
        ON_SCENE = "on_scene", "On scene"
        DISPOSITIONED = "dispositioned", "Dispositioned"
        FOLLOW_UP_QUEUED = "follow_up_queued", "Follow-up queued"
        CLOSED = "closed", "Closed"

    class FlagSetBy(models.TextChoices):
        CALL_TAKER = "call_taker", "Call-taker"
        OFFICER = "officer", "Officer on scene"
        IMPORT = "import", "Imported record"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="calls")
    number = models.CharField(max_length=30)
    # The number's parts: the year in the agency's time zone and a sequence within it.
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    # Set by the form or client that took the call, so a resubmitted intake finds the first one.
    client_key = models.UUIDField(null=True, blank=True)
    source = models.CharField(max_length=30, choices=Source.choices)
    initial_call_type = models.CharField(max_length=100)
    final_call_type = models.CharField(max_length=100, blank=True)
    behavioural_health = models.BooleanField()
    flag_set_by = models.CharField(max_length=20, choices=FlagSetBy.choices)
    received_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    beat = models.CharField(max_length=20, blank=True)
    # What the call-taker knew and what triage made of it (triage/rules.py), kept as given.
    facts = models.JSONField()
    recommendation = models.JSONField()
    response = models.CharField(max_length=30)
    also_sent = models.JSONField(default=list, blank=True, help_text="Responses sent alongside.")
    overridden = models.BooleanField(default=False, help_text="Another response than triage's.")
    override_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="one_call_number_per_agency"),
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="one_sequence_per_agency_year"
            ),
            models.UniqueConstraint(
                fields=["agency", "client_key"], name="one_call_per_client_key"
            ),
        ]
        indexes = [models.Index(fields=["agency", "received_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.initial_call_type})"
