"""Every write of person records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import User
from crossroads.people.models import Person

OLDEST_BIRTH = date(1900, 1, 1)


def person_create(
    *,
    by: User,
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    aliases: Iterable[str] = (),
) -> Person:
    """A person of the user's agency. Only names and a date of birth: nothing else is needed."""
    if date_of_birth and not OLDEST_BIRTH <= date_of_birth <= timezone.localdate():
        raise ValidationError({"date_of_birth": "must be a past date after 1900."})
    person = Person(
        agency=by.agency,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        aliases=sorted({a.strip() for a in aliases if a.strip()}),
        created_by=by,
    )
    person.full_clean()
    with transaction.atomic():
        person.save()
        audit.record(by=by, verb="person.create", obj=person)
    return person
