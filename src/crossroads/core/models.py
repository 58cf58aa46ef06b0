"""Agencies, their partnerships, the people who sign in, and the audit trail."""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from crossroads.core.roles import role_book


class Agency(models.Model):
    class Type(models.TextChoices):
        POLICE = "police", "Police department"
        SHERIFF = "sheriff", "Sheriff's office"
        DISPATCH_911 = "dispatch_911", "911 / dispatch centre"
        CALL_CENTRE_988 = "call_centre_988", "988 call centre"
        BH_PROVIDER = "bh_provider", "Behavioural-health provider"
        SUD_TREATMENT = "sud_treatment", "SUD treatment provider"
        CRISIS_FACILITY = "crisis_facility", "Crisis facility"
        HOSPITAL = "hospital", "Hospital"
        EMS = "ems", "Emergency medical services"
        COURT = "court", "Court"
        PROSECUTOR = "prosecutor", "Prosecutor"
        COMMUNITY_ORG = "community_org", "Community organisation"

    # Only programs that provide care can be federally assisted SUD programs under 42 CFR Part 2.
    PART2_CAPABLE = frozenset(
        {Type.SUD_TREATMENT, Type.BH_PROVIDER, Type.CRISIS_FACILITY, Type.HOSPITAL}
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    part2_program = models.BooleanField(
        default=False, help_text="A 42 CFR Part 2 program: its SUD records need written consent."
    )
    jurisdiction = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    is_synthetic = models.BooleanField(default=False, help_text="Demo data, labelled as such.")
    triage_rule_book = models.CharField(
        max_length=60, default="default", help_text="The triage rule book its call-takers use."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"{self.time_zone!r} is not an IANA time zone."})
        if self.part2_program and self.type not in self.PART2_CAPABLE:
            raise ValidationError(
                {"part2_program": f"a {self.get_type_display()} cannot be a Part 2 program."}
            )


class DataCategory(models.TextChoices):
    """What may flow between partner agencies. Part 2 data also needs the person's consent."""

    CALLS_AND_ENCOUNTERS = "calls_encounters", "Calls and field encounters"
    SCREENING_RESULTS = "screening_results", "Screening results"
    REFERRALS = "referrals", "Referrals"
    REFERRAL_STATUS = "referral_status", "Referral status from providers"
    PROGRAM_PARTICIPATION = "program_participation", "Diversion-program participation"
    TRAINING_RECORDS = "training_records", "Training and certification records"
    OVERDOSE_EVENTS = "overdose_events", "Overdose events"
    AGGREGATE_STATISTICS = "aggregate_statistics", "De-identified aggregate statistics"


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def active_on(self, day: date) -> PartnershipQuerySet:
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Partnership(models.Model):
    """A memorandum of understanding: who shares what with whom, and for how long."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    parties = models.ManyToManyField(Agency, related_name="partnerships")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    document_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="partnership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class DataFlow(models.Model):
    """One direction of one category of data under a partnership."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="flows")
    source = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=30, choices=DataCategory.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "source", "recipient", "category"], name="one_flow_each"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("recipient")), name="flow_between_two_agencies"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.recipient_id}: {self.category}"


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", "Dispatcher / call-taker"
    OFFICER = "officer", "Patrol officer"
    CIT_COORDINATOR = "cit_coordinator", "CIT coordinator"
    CLINICIAN = "clinician", "Co-responder clinician"
    CASE_MANAGER = "case_manager", "Case manager"
    PEER = "peer", "Peer recovery coach / volunteer"
    PROVIDER_INTAKE = "provider_intake", "Provider intake"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    ANALYST = "analyst", "Analyst / evaluator"
    PROSECUTOR = "prosecutor", "Prosecutor / diversion attorney"
    DIRECTORY_MAINTAINER = "directory_maintainer", "Directory maintainer"
    AGENCY_ADMIN = "agency_admin", "Agency administrator"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """One person who signs in. Accounts are never shared (SECURITY.md 11)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    # Set when failed sign-ins lock the account; only an administrator clears it.
    locked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = UserManager()  # type: ignore[misc]
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    @property
    def role_codes(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    @property
    def permissions(self) -> frozenset[str]:
        return role_book().permissions_of(self.role_codes)

    @property
    def mfa_enrolled(self) -> bool:
        """Has a confirmed authenticator; uses prefetched devices when the query loaded them."""
        devices = self.totpdevice_set.all()  # type: ignore[attr-defined]  # django-otp's relation
        return any(device.confirmed for device in devices)

    def can(self, permission: str) -> bool:
        return self.is_active and permission in self.permissions

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is kept; it is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (cr_{self.prefix}_…)"


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, replayed for its repeats."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)  # null while the first is running
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    kept = models.BooleanField(default=True, help_text="False: the answer held a secret.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_record_per_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class RateCounter(models.Model):
    """Uses of a rate-limited operation by one user in one time window (SECURITY.md 17)."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_counter_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"


class ImportBatch(models.Model):
    """One file loaded by an import command: what, from where, by whom, and how it went.

    Imported rows point at their batch, and one audit event per batch records the import, so a
    million rows cost one chain link rather than a million.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    mapping = models.CharField(max_length=60, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_read = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0, help_text="Already imported.")
    rows_rejected = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.file_name}"


class Task(models.Model):
    """A to-do with a due time, for one staff member or for anyone of an agency.

    One work list for every app: an unacknowledged referral raises one for its sender, a program
    case has its own, a follow-up contact has one. `about_type` and `about_id` name the record it
    concerns (a model label and key), so core needs no import of the apps that raise tasks.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tasks")
    assignee = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    about_type = models.CharField(max_length=60, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    # Raised by a rule (e.g. "referral.unacknowledged"): the rule raises it at most once.
    rule = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["agency", "done_at", "due_at"]),
            models.Index(fields=["about_type", "about_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["about_type", "about_id", "rule"],
                condition=~Q(rule=""),
                name="one_task_per_rule_and_record",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit trail (SECURITY.md 18).

    `detail` holds field names and identifiers, never health data or secrets.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"
        DENIED = "denied"

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    verb = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    source_ip = models.GenericIPAddressField(null=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["agency", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} by {self.actor_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditChainHead(models.Model):
    """The newest link of the chain, so removing the last rows is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"chain head #{self.last_seq} ({self.length} rows)"
