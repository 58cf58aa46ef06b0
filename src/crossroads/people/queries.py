"""Protected reads of person records.

A person record belongs to the agency that met the person. Another agency knows the person only
through the work it was given about them: a referral sent to it, or a case in one of its
programs. It reads the record (the name and date of birth it needs to do that work) through
`person_known_to`; nothing else about them follows from it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404
from django.shortcuts import get_object_or_404

from crossroads.core import access
from crossroads.core.models import User
from crossroads.people.flag_kinds import flag_kinds
from crossroads.people.models import Person, PersonFlag
from crossroads.programs.models import Case
from crossroads.referrals.models import Referral


def person_for(user: User, person_id: UUID, permission: str = "encounters.record") -> Person:
    """A person of the user's agency, read with `permission` (audited); another agency's
    answers 404."""
    access.require_permission(user, permission)
    person = get_object_or_404(Person, pk=person_id)
    access.require_agency(user, person.agency_id)
    access.record_read(user, person)
    return person


def known_to_agency(agency_id: UUID, person: Person) -> bool:
    """The agency met the person, receives a referral for them, or has them in a program."""
    return (
        person.agency_id == agency_id
        or Referral.objects.filter(person=person, receiving_agency_id=agency_id)
        .exclude(status=Referral.Status.DRAFT)
        .exists()
        or Case.objects.filter(person=person, agency_id=agency_id).exists()
    )


def person_known_to(user: User, person_id: UUID, permission: str) -> Person:
    """A person the user's agency knows (see `known_to_agency`), read with `permission`
    (audited); anyone else's answers 404."""
    access.require_permission(user, permission)
    person = get_object_or_404(Person, pk=person_id)
    if not known_to_agency(user.agency_id, person):
        raise Http404
    access.record_read(user, person)
    return person


def flags_shown_to(user: User, person: Person, now: datetime) -> list[PersonFlag]:
    """The person's flags in force that the user's roles need (SECURITY.md 10): never an expired
    or cleared one, never another agency's, never a kind the user's permissions are not named on."""
    if person.agency_id != user.agency_id:
        return []
    kinds = flag_kinds()
    in_force = person.flags.filter(cleared_at__isnull=True, expires_at__gt=now)
    return [
        flag
        for flag in in_force
        if flag.kind in kinds and kinds[flag.kind].shown_to_holder_of(user.permissions)
    ]
