"""The people an agency meets: one record per agency, with the fewest identifiers that work."""

from __future__ import annotations

import uuid

from django.db import models

from crossroads.core.models import Agency, User
from crossroads.people.flag_kinds import FlagKind, flag_kinds


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["agency", "family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PersonFlag(models.Model):
    """A behavioural-health flag on a person: it always expires, and only the permissions its
    kind names see it (people/flags.yaml; SECURITY.md 10)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=40)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    cleared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-set_at"]
        indexes = [models.Index(fields=["person", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("set_at")), name="flag_expires"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.person_id} until {self.expires_at:%Y-%m-%d}"

    @property
    def spec(self) -> FlagKind:
        return flag_kinds()[self.kind]
