"""The people an agency meets: one record per agency, with the fewest identifiers that work."""

from __future__ import annotations

import uuid

from django.db import models

from crossroads.core.models import Agency, User
from crossroads.people.flag_kinds import FlagKind, flag_kinds


class Person(models.Model):
    """A person the agency met. Staff name the people they record (person_create); a person
    that imported history brings is known only by the source system's reference, not named."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    # The source system's id of the person (a CAD / RMS master name index number), unique per
    # agency, so importing more history finds the same record; and the import that created it.
    external_ref = models.CharField(max_length=64, blank=True)
    import_batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Nobody, for a person an import created (its batch says who imported it).
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["agency", "family_name", "given_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="one_person_per_external_ref",
            ),
            # No nameless person but one an import knows by its reference.
            models.CheckConstraint(
                condition=~models.Q(given_name="") | ~models.Q(external_ref=""),
                name="person_named_or_referenced",
            ),
        ]

    def __str__(self) -> str:
        if not (self.given_name or self.family_name):
            return f"Person {self.external_ref} (imported)"
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
