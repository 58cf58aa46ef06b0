"""An agency's programs, the cases in them, and the work a case is made of."""

from __future__ import annotations

import json
import uuid
from functools import lru_cache

import pydantic
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from crossroads.core.models import Agency, User
from crossroads.programs.types import ProgramType, program_types


@lru_cache(maxsize=256)
def _spec(type_code: str, settings_json: str) -> ProgramType:
    return program_types()[type_code].with_settings(json.loads(settings_json))


class Program(models.Model):
    """A program an agency runs, of one of the types in program_types.yaml."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="programs")
    type = models.CharField(max_length=30)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    # Where the agency departs from the type: intake_deadline_days, follow_up_hours, ...
    settings = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.type not in program_types():
            raise ValidationError({"type": f"{self.type!r} is not a program type."})
        try:
            self.spec  # noqa: B018  (checked by building it)
        except pydantic.ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise ValidationError({"settings": problems}) from None
        except ValueError as error:
            raise ValidationError({"settings": str(error)}) from None

    @property
    def spec(self) -> ProgramType:
        """The type with this program's own settings applied (programs/types.py ADJUSTABLE)."""
        return _spec(self.type, json.dumps(self.settings, sort_keys=True))


class Case(models.Model):
    """One person's enrolment in one program, from entry to closure."""

    class Charge(models.TextChoices):
        # LEAD: the charge is held while intake happens, then not filed (or filed).
        NONE = "", "No charge"
        HELD = "held", "Held"
        NOT_FILED = "not_filed", "Not filed"
        FILED = "filed", "Filed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cases")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    encounter = models.ForeignKey(
        "encounters.Encounter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referred_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry_path = models.CharField(max_length=30)
    status = models.CharField(max_length=30)
    eligibility = models.JSONField(default=dict, blank=True, help_text="item code -> yes/no")
    case_manager = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="caseload"
    )
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    intake_deadline_at = models.DateTimeField(null=True, blank=True)
    charge_status = models.CharField(max_length=10, choices=Charge.choices, blank=True)
    charge_description = models.CharField(max_length=200, blank=True)
    placement_type = models.CharField(max_length=30, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    last_reached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    # When the row last changed: what an analytics refresh reads to find the day's new and
    # edited records (ADR 0021). `QuerySet.update()` skips auto_now, so callers set it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["agency", "opened_at"]),  # analytics reads a month at a time
            models.Index(fields=["agency", "closed_at"]),
            models.Index(fields=["case_manager", "closed_at"]),
            models.Index(fields=["person"]),
        ]
        constraints = [
            # Two people enrolling the same person at once make one case, not two.
            models.UniqueConstraint(
                fields=["program", "person"],
                condition=Q(closed_at__isnull=True),
                name="one_open_case_per_person_and_program",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} case of {self.person_id} ({self.status})"

    @property
    def awaiting_intake(self) -> bool:
        """A held charge on a case not yet through intake: its deadline is still to meet."""
        return (
            self.charge_status == Case.Charge.HELD
            and self.status in self.program.spec.pre_intake_statuses
        )

    @property
    def answers(self) -> dict[str, bool | None]:
        """The eligibility checklist as the type reads it: yes, no, or not answered."""
        return {code: answer == "yes" for code, answer in self.eligibility.items()}


class CaseEvent(models.Model):
    """Something that happened to a case: a status move, an eligibility answer, a sign-off,
    a charge decision. The case's history and the person's timeline read these."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        STATUS = "status", "Status"
        ELIGIBILITY = "eligibility", "Eligibility answer"
        SIGN_OFF = "sign_off", "Prosecutor's sign-off"
        CHARGE = "charge", "Charge status"
        ASSIGNED = "assigned", "Case manager assigned"
        GOAL = "goal", "Goal"
        CONTACT = "contact", "Contact"
        FOLLOW_UP = "follow_up", "Follow-up outcome"
        CONFERENCE = "conference", "Case conference"
        CLOSED = "closed", "Closed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    value = models.CharField(max_length=60, blank=True)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} at {self.at}"


class Goal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        DROPPED = "dropped", "Dropped"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class FollowUp(models.Model):
    """A contact due after a crisis (e.g. 24 hours, 7 days, 30 days), with its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "", "Not yet"
        REACHED = "reached", "Reached"
        NOT_REACHED = "not_reached", "Not reached after every attempt"
        DECLINED = "declined", "Declined contact"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    label = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.label} follow-up due {self.due_at}"


class Contact(models.Model):
    """One attempt to reach the person, or one contact with them (the case's contact log)."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        TEXT = "text", "Text message"
        HOME_VISIT = "home_visit", "Home visit"
        COLLATERAL = "collateral", "Family or provider (collateral)"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=15, choices=Method.choices)
    reached = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} at {self.at} ({'reached' if self.reached else 'not reached'})"


class Conference(models.Model):
    """A multidisciplinary case conference: who attended and what was decided."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conferences")
    held_at = models.DateTimeField()
    attendees = models.JSONField(help_text="Names and roles of those present.")
    decisions = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"conference on {self.held_at:%Y-%m-%d}"
