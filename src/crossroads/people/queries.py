"""Protected reads of person records: an agency sees only its own."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404

from crossroads.core import access
from crossroads.core.models import User
from crossroads.people.models import Person


def person_for(user: User, person_id: UUID) -> Person:
    """A person of the user's agency (the read is audited); another agency's answers 404."""
    access.require_permission(user, "encounters.record")
    person = get_object_or_404(Person, pk=person_id)
    access.require_agency(user, person.agency_id)
    access.record_read(user, person)
    return person
