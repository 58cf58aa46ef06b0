"""Calls for service, the units sent to them, and the field encounters they lead to."""

from __future__ import annotations

import uuid
from datetime import timedelta

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
    # Ours are C26-000001; an imported call keeps the source system's id as its number.
    number = models.CharField(max_length=64)
    # The number's parts: the year in the agency's time zone and a sequence within it (none for
    # imported calls).
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField(null=True, blank=True)
    # Set by the form or client that took the call, so a resubmitted intake finds the first one.
    client_key = models.UUIDField(null=True, blank=True)
    # Imported history: the source system's record id, unique per agency, so a re-import adds
    # nothing; and the import that brought it.
    external_id = models.CharField(max_length=64, blank=True)
    import_batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
    precinct = models.CharField(max_length=40, blank=True)
    sector = models.CharField(max_length=20, blank=True)
    beat = models.CharField(max_length=20, blank=True)
    # What the call-taker knew and what triage made of it (triage/rules.py), kept as given.
    # Imported calls carry neither: the source system did not triage with our rules.
    facts = models.JSONField(default=dict, blank=True)
    recommendation = models.JSONField(null=True, blank=True)
    response = models.CharField(max_length=30, blank=True)
    also_sent = models.JSONField(default=list, blank=True, help_text="Responses sent alongside.")
    overridden = models.BooleanField(default=False, help_text="Another response than triage's.")
    override_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    taken_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # When the row last changed: what an analytics refresh reads to find the day's new and
    # edited records (ADR 0021). `QuerySet.update()` skips auto_now, so callers set it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # The workflow of DOMAIN.md. A call handled without sending anyone (a 988 transfer) goes
    # from TRIAGED to DISPOSITIONED; one that needs no follow-up closes from DISPOSITIONED; a
    # unit can be cleared before arriving (cancelled, unable to locate).
    NEXT = {
        Status.RECEIVED: (Status.TRIAGED,),
        Status.TRIAGED: (Status.DISPATCHED, Status.DISPOSITIONED),
        Status.DISPATCHED: (Status.ON_SCENE, Status.DISPOSITIONED),
        Status.ON_SCENE: (Status.DISPOSITIONED,),
        Status.DISPOSITIONED: (Status.FOLLOW_UP_QUEUED, Status.CLOSED),
        Status.FOLLOW_UP_QUEUED: (Status.CLOSED,),
        Status.CLOSED: (),
    }

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
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_call_per_external_id",
            ),
        ]
        indexes = [models.Index(fields=["agency", "received_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.initial_call_type})"

    @property
    def next_steps(self) -> tuple[CallForService.Status, ...]:
        """The statuses this call may move to now."""
        return self.NEXT[self.Status(self.status)]


class CallStatusChange(models.Model):
    """One step of a call's workflow: to which status, when, by whom (none for imports)."""

    call = models.ForeignKey(CallForService, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=20, choices=CallForService.Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M}"


class CallUnit(models.Model):
    """A responder sent to a call, and whether they were CIT-certified at that moment.

    The certification is copied when the unit is sent: it is what the call had, whatever the
    officer's record says later. Imported units name the source system's officer id instead.
    """

    call = models.ForeignKey(CallForService, on_delete=models.CASCADE, related_name="units")
    officer = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_officer_id = models.CharField(max_length=64, blank=True)
    cit_certified = models.BooleanField()
    dispatched_at = models.DateTimeField()

    class Meta:
        ordering = ["dispatched_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(officer__isnull=False) | ~models.Q(external_officer_id=""),
                name="unit_names_its_officer",
            )
        ]

    def __str__(self) -> str:
        return f"unit {self.officer_id or self.external_officer_id} (CIT: {self.cit_certified})"


class Encounter(models.Model):
    """What happened on scene with one person (DOMAIN.md: signs, force, disposition)."""

    class Disposition(models.TextChoices):
        RESOLVED_ON_SCENE = "resolved_on_scene", "Resolved on scene"
        REFERRED_NO_TRANSPORT = "referred_no_transport", "Referred, no transport"
        VOLUNTARY_TRANSPORT_CRISIS_FACILITY = (
            "voluntary_transport_crisis_facility",
            "Voluntary transport to a crisis facility",
        )
        VOLUNTARY_TRANSPORT_ED = "voluntary_transport_ed", "Voluntary transport to an ED"
        INVOLUNTARY_HOLD = "involuntary_hold", "Involuntary hold"
        EMS_TRANSPORT = "ems_transport", "EMS transport"
        CITATION = "citation", "Citation"
        PRE_BOOKING_DIVERSION = "pre_booking_diversion", "Pre-booking diversion"
        ARREST_BOOKED = "arrest_booked", "Arrest, booked"
        UNABLE_TO_LOCATE = "unable_to_locate", "Unable to locate"

    class Force(models.TextChoices):
        NONE = "none", "None"
        VERBAL = "verbal", "Verbal commands"
        EMPTY_HAND = "empty_hand", "Empty hand"
        LESS_LETHAL = "less_lethal", "Less-lethal weapon"
        FIREARM = "firearm", "Firearm"
        # Imported records often say only that force was used (Seattle's Y/N indicator).
        UNSPECIFIED = "unspecified", "Force used, type not recorded"

    # Dispositions that take the person somewhere, so a destination is required.
    TRANSPORTS = frozenset(
        {
            Disposition.VOLUNTARY_TRANSPORT_CRISIS_FACILITY,
            Disposition.VOLUNTARY_TRANSPORT_ED,
            Disposition.INVOLUNTARY_HOLD,
            Disposition.EMS_TRANSPORT,
        }
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="encounters")
    call = models.ForeignKey(
        CallForService, on_delete=models.PROTECT, null=True, blank=True, related_name="encounters"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Imported encounters have no officer account here; their unit on the call names one.
    officer = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whether the recording officer was CIT-certified then (issue 6 compares outcomes by it).
    officer_cit_certified = models.BooleanField(null=True)
    client_key = models.UUIDField()
    occurred_at = models.DateTimeField()
    signs = models.JSONField(default=list, blank=True)
    deescalation = models.JSONField(default=list, blank=True)
    weapon_present = models.BooleanField(default=False)
    highest_force = models.CharField(max_length=20, choices=Force.choices, default=Force.NONE)
    subject_injured = models.BooleanField(default=False)
    officer_injured = models.BooleanField(default=False)
    disposition = models.CharField(max_length=40, choices=Disposition.choices)
    hold_legal_basis = models.CharField(max_length=200, blank=True)
    transport_destination = models.CharField(max_length=200, blank=True)
    minutes_on_scene = models.PositiveIntegerField(null=True, blank=True)
    custody_transfer_minutes = models.PositiveIntegerField(null=True, blank=True)
    narrative = models.TextField(blank=True)
    guide_version = models.CharField(max_length=40)
    submitted_at = models.DateTimeField()
    # When the row last changed: what an analytics refresh reads to find the day's new and
    # edited records (ADR 0021). `QuerySet.update()` skips auto_now, so callers set it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "client_key"], name="one_encounter_per_client_key"
            )
        ]
        indexes = [models.Index(fields=["agency", "occurred_at"])]

    def __str__(self) -> str:
        return f"encounter {self.occurred_at:%Y-%m-%d %H:%M} ({self.disposition})"


class EncounterScreen(models.Model):
    """A validated screen given during an encounter, scored when it was recorded.

    `answers` are item-level: only roles holding screens.items.view read them (SECURITY.md 2).
    Everyone who may see the encounter sees `result` (screening/scoring.py ScreenResult: total,
    band, positive, and critical flags, which are the officer's safety information).
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="screens")
    instrument = models.CharField(max_length=20)
    answers = models.JSONField()
    sex = models.CharField(max_length=10, blank=True)
    result = models.JSONField()
    positive = models.BooleanField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.instrument} ({'positive' if self.positive else 'negative'})"


class EncounterDraft(models.Model):
    """An encounter form not yet submitted, autosaved on the server for its officer (ADR 0010).

    `data` holds the form's fields as typed (field name -> values), which may include a person's
    name and screen answers: only its officer reads it, submitting the encounter with the same
    client key removes it, and it expires LIFETIME after its last save.
    """

    LIFETIME = timedelta(hours=24)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    officer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The key of the encounter form this draft belongs to: the submit with it removes the draft.
    client_key = models.UUIDField()
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "client_key"], name="one_draft_per_officer_and_key"
            )
        ]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"draft {self.client_key} (saved {self.updated_at:%Y-%m-%d %H:%M})"
