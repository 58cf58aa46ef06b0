"""Officer training: courses an agency adds to the shipped curricula, sessions with attendance
and knowledge checks, the certifications they grant; and the rosters (precincts, shifts, squads,
who works in which squad) that CIT coverage is counted on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.db import models

from crossroads.core.models import Agency, User
from crossroads.training import coverage
from crossroads.training.curricula import CIT, CourseSpec


class Course(models.Model):
    """A course an agency added to the shipped curricula (curricula.yaml), with the same parts:
    `spec` checks it by the same rules."""

    class Audience(models.TextChoices):
        OFFICER = "officer", "Officers"
        DISPATCHER = "dispatcher", "Dispatchers and call-takers"
        ANY = "any", "Anyone"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    audience = models.CharField(max_length=12, choices=Audience.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=1)
    validity_months = models.PositiveSmallIntegerField()
    certifies = models.CharField(max_length=40)
    item_bank = models.CharField(max_length=40, blank=True)
    objectives = models.JSONField(default=list)
    modules = models.JSONField(default=list)  # [{code, name, hours, objectives}]
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="one_course_code_per_agency")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> CourseSpec:
        return CourseSpec.model_validate(
            {
                "code": self.code,
                "name": self.name,
                "audience": self.audience,
                "hours": self.hours,
                "validity_months": self.validity_months,
                "certifies": self.certifies,
                "item_bank": self.item_bank or None,
                "objectives": self.objectives,
                "modules": self.modules,
            }
        )


class TrainingSession(models.Model):
    """One run of a course: its dates, place, instructors and who attended."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    course = models.CharField(max_length=40)  # a course code: shipped or the agency's own
    starts_on = models.DateField()
    ends_on = models.DateField()
    location = models.CharField(max_length=200, blank=True)
    instructors = models.ManyToManyField(User, related_name="sessions_taught", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="session_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_on}"


class Attendance(models.Model):
    """An officer on a session's roll: the hours attended per module, and whether they
    completed the course (which issues the certification)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="roll")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="attendance")
    module_hours = models.JSONField(default=dict)  # module code -> hours attended
    completed = models.BooleanField(default=False)
    certification = models.ForeignKey(
        "Certification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "officer"], name="one_attendance_per_officer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.session}"


class KnowledgeCheck(models.Model):
    """An officer's answers to the course's item bank, before or after the session, scored."""

    class Phase(models.TextChoices):
        PRE = "pre", "Before"
        POST = "post", "After"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="checks")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=4, choices=Phase.choices)
    answers = models.JSONField(default=dict)  # item code -> chosen option
    score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "officer", "phase"], name="one_check_per_phase"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase} check {self.score}/{self.max_score}"


# Days before its expiry a certification's officer is reminded, and the lists flag it.
LAPSE_NOTICE_DAYS = (90, 30, 7)


class CertificationQuerySet(models.QuerySet["Certification"]):
    def valid_on(self, day: date) -> CertificationQuerySet:
        return self.filter(issued_on__lte=day, expires_on__gte=day)

    def cit_certified(self, officers: Iterable[UUID], day: date) -> set[UUID]:
        """Which of these officers held a CIT certification on that day."""
        held = self.valid_on(day).filter(course=CIT, officer_id__in=list(officers))
        return set(held.values_list("officer_id", flat=True))


class Certification(models.Model):
    """A certification an officer holds from one day to another. A renewal is a new record, so
    who was certified on any past day can still be told."""

    class Source(models.TextChoices):
        SESSION = "session", "Completed a session"
        IMPORT = "import", "Imported"
        RECORDED = "recorded", "Recorded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="certifications")
    course = models.CharField(max_length=40)  # the certification's code (e.g. "cit")
    issued_on = models.DateField()
    expires_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RECORDED)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on"]
        indexes = [models.Index(fields=["officer", "course", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("issued_on")),
                name="certification_expires_after_issue",
            ),
            models.UniqueConstraint(
                fields=["officer", "course", "issued_on"], name="one_certification_per_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.issued_on} to {self.expires_on}"


# --- Rosters ----------------------------------------------------------------------------------


class CoverageTarget(models.Model):
    """The share of patrol officers an agency aims to have CIT-certified (default 20-25%)."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    low_percent = models.PositiveSmallIntegerField(default=20)
    high_percent = models.PositiveSmallIntegerField(default=25)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    low_percent__lte=models.F("high_percent"), high_percent__lte=100
                ),
                name="coverage_target_is_a_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.low_percent}-{self.high_percent}%"


class Precinct(models.Model):
    """An area an agency patrols (precinct, district, sector)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="one_precinct_code_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """A watch of the agency's day: when it starts (local time) and how long it lasts. A shift
    that runs past midnight belongs to the day it starts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    starts_at = models.TimeField()
    hours = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="one_shift_code_per_agency"),
            models.CheckConstraint(
                condition=models.Q(hours__gte=1, hours__lte=24), name="shift_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Squad(models.Model):
    """A team that works one shift in one precinct on a repeating rotation: `pattern` is a
    string of 1 (on) and 0 (off) days, repeating from `pattern_start` (e.g. 4 on 4 off is
    "11110000")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    precinct = models.ForeignKey(Precinct, on_delete=models.PROTECT, related_name="squads")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="squads")
    pattern = models.CharField(max_length=56)
    pattern_start = models.DateField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="one_squad_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name

    def works_on(self, day: date) -> bool:
        return coverage.works_on(self.pattern, self.pattern_start, day)


class RosterAssignment(models.Model):
    """An officer works in a squad from one day, until another (or until further notice)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    squad = models.ForeignKey(Squad, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]
        indexes = [models.Index(fields=["agency", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["officer", "squad", "starts_on"], name="one_assignment_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} in {self.squad} from {self.starts_on}"
