"""Every write of person records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import User
from crossroads.people.flag_kinds import flag_kinds
from crossroads.people.models import Person, PersonFlag

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


def flag_set(*, by: User, person: Person, kind: str, days: int, note: str = "") -> PersonFlag:
    """A behavioural-health flag on a person of the user's agency, expiring in `days` (at most
    the kind's limit: no flag lasts for ever)."""
    spec = flag_kinds().get(kind)
    if spec is None:
        raise ValidationError({"kind": f"Choose one of: {', '.join(sorted(flag_kinds()))}."})
    if not 1 <= days <= spec.max_days:
        raise ValidationError(
            {"days": f"A {spec.label.lower()} flag lasts 1 to {spec.max_days} days."}
        )
    if person.agency_id != by.agency_id:
        raise ValidationError({"person": "Only the agency that met the person can flag them."})
    now = timezone.now()
    with transaction.atomic():
        flag = PersonFlag.objects.create(
            person=person,
            kind=kind,
            note=note.strip()[:300],
            set_by=by,
            set_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit.record(by=by, verb="person_flag.set", obj=flag, detail={"kind": kind, "days": days})
    return flag


def flag_clear(*, by: User, flag: PersonFlag) -> PersonFlag:
    """End a flag before it expires (a second call changes nothing)."""
    with transaction.atomic():
        flag = PersonFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.cleared_at is None:
            flag.cleared_at, flag.cleared_by = timezone.now(), by
            flag.save(update_fields=["cleared_at", "cleared_by"])
            audit.record(by=by, verb="person_flag.clear", obj=flag)
    return flag
