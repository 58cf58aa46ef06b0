"""42 CFR Part 2 consent, the other authorisations (court orders, break-glass), and the
accounting of every disclosure made under them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q

from crossroads.consent.policy import (
    EMERGENCY_LIMIT,
    ConsentTerms,
    Override,
    OverrideKind,
    Purpose,
)
from crossroads.core.models import Agency, User

# What a provider may say back about a referred person. The consent form offers these; the
# disclosure paths ask for them by name, so a consent covers exactly what it lists.
INFORMATION_KINDS = {
    "referral_status": "Whether the referral was received, accepted or declined",
    "appointments": "Appointments scheduled and kept",
    "engagement": "Whether the person is engaged in treatment",
    "completion": "Completion of, or disengagement from, treatment",
    "program_participation": "Participation in a diversion program and its progress",
}

# Purposes a consent may name; investigation and prosecution are never consented to (§2.12).
CONSENTABLE_PURPOSES = (Purpose.TREATMENT, Purpose.MONITORING, Purpose.PAYMENT)


class Consent(models.Model):
    """One written consent with every element of §2.31 (SECURITY.md 3)."""

    class Signature(models.TextChoices):
        TYPED = "typed", "Typed name and checkbox"
        UPLOADED = "uploaded", "Uploaded signed form"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The patient, keyed by the person record of the agency that met them (as referrals are).
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    # Who may disclose: the Part 2 program.
    discloser = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    information = models.JSONField(help_text="Kinds of information, from INFORMATION_KINDS.")
    recipients = models.ManyToManyField(Agency, blank=True, related_name="+")
    recipient_classes = models.JSONField(
        default=list, blank=True, help_text="Agency types, e.g. police, court."
    )
    purposes = models.JSONField(help_text="From CONSENTABLE_PURPOSES.")
    # §2.31(a)(6): the patient was told they may revoke, and how (or, §2.35, when they may).
    right_to_revoke_acknowledged = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_event = models.CharField(max_length=200, blank=True)
    expiry_event_at = models.DateTimeField(null=True, blank=True)
    criminal_justice = models.BooleanField(default=False, help_text="§2.35")
    irrevocable_until_event = models.CharField(max_length=200, blank=True)
    irrevocable_until_event_at = models.DateTimeField(null=True, blank=True)
    signature = models.CharField(max_length=10, choices=Signature.choices)
    signed_by = models.CharField(max_length=200, help_text="The name typed, or on the form.")
    signed_at = models.DateTimeField()
    signed_form = models.BinaryField(null=True, blank=True, editable=True)
    signed_form_type = models.CharField(max_length=60, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_note = models.CharField(max_length=500, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["person", "discloser"])]

    def __str__(self) -> str:
        return f"consent of {self.person_id} for {self.discloser_id}"

    def terms(self) -> ConsentTerms:
        """The consent as consent.policy reads it (recipients must be prefetched or are read)."""
        return ConsentTerms(
            patient_id=self.person_id,
            discloser_id=self.discloser_id,
            information=frozenset(self.information),
            recipient_ids=frozenset(agency.pk for agency in self.recipients.all()),
            recipient_classes=frozenset(self.recipient_classes),
            purposes=frozenset(Purpose(p) for p in self.purposes),
            signed_by=self.signed_by,
            signed_at=self.signed_at,
            expires_at=self.expires_at,
            expiry_event=self.expiry_event,
            expiry_event_at=self.expiry_event_at,
            revoked_at=self.revoked_at,
            criminal_justice=self.criminal_justice,
            irrevocable_until_event=self.irrevocable_until_event,
            irrevocable_until_event_at=self.irrevocable_until_event_at,
            right_to_revoke_stated=self.right_to_revoke_acknowledged,
        )


class CourtOrder(models.Model):
    """A court order authorising disclosure (§§2.64-2.65); it counts only once a second person,
    not the one who recorded it, has approved it (SECURITY.md 6)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second person's approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    discloser = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    court = models.CharField(max_length=200)
    docket_number = models.CharField(max_length=100)
    section = models.CharField(max_length=10, help_text="2.64 (treatment records) or 2.65")
    purposes = models.JSONField()
    information = models.JSONField()
    issued_on = models.DateField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    document = models.BinaryField(null=True, blank=True, editable=True)
    document_type = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("recorded_by")),
                name="court_order_second_person",
            )
        ]

    def __str__(self) -> str:
        return f"court order {self.docket_number}"

    def override(self) -> Override | None:
        if self.status != self.Status.APPROVED:
            return None
        return Override(
            kind=OverrideKind.COURT_ORDER,
            patient_id=self.person_id,
            discloser_id=self.discloser_id,
            recipient_id=self.recipient_id,
            purposes=frozenset(Purpose(p) for p in self.purposes),
            information=frozenset(self.information),
            starts_at=self.valid_from,
            ends_at=self.valid_until,
        )


class EmergencyAccess(models.Model):
    """Break-glass access in a medical emergency (§2.51): recipient, discloser, time and the
    nature of the emergency, ending within 72 hours (SECURITY.md 9)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    discloser = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    nature_of_emergency = models.CharField(max_length=500)
    information = models.JSONField()
    opened_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("opened_at")), name="emergency_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"break-glass for {self.person_id} at {self.opened_at:%Y-%m-%d %H:%M}"

    def override(self) -> Override:
        return Override(
            kind=OverrideKind.EMERGENCY,
            patient_id=self.person_id,
            discloser_id=self.discloser_id,
            recipient_id=self.recipient_id,
            purposes=frozenset({Purpose.TREATMENT}),
            information=frozenset(self.information),
            starts_at=self.opened_at,
            ends_at=min(self.ends_at, self.opened_at + EMERGENCY_LIMIT),
        )


class DisclosureRecord(models.Model):
    """One decision on one disclosure, made at the moment it happened (SECURITY.md 4 and 8).

    Allowed rows are the accounting of disclosures a person may ask for (six years); refused rows
    stay beside them for the audit, so a refused look is as visible as a granted one."""

    class Path(models.TextChoices):
        PAGE = "page", "Page"
        API = "api", "API"
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"
        FHIR = "fhir", "FHIR"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    discloser = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    information = models.JSONField()
    purpose = models.CharField(max_length=40)
    path = models.CharField(max_length=10, choices=Path.choices)
    about_type = models.CharField(max_length=60, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    allowed = models.BooleanField()
    reason = models.CharField(max_length=80)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    court_order = models.ForeignKey(
        CourtOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    emergency = models.ForeignKey(
        EmergencyAccess, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["person", "allowed", "at"]),
            models.Index(fields=["discloser", "at"]),
        ]

    def __str__(self) -> str:
        return f"{'disclosed' if self.allowed else 'refused'} {self.information} at {self.at}"


def accounting_window_start(now: datetime) -> datetime:
    """The accounting covers the past six years (SECURITY.md 8), leap days included."""
    return now - timedelta(days=6 * 365 + 2)
