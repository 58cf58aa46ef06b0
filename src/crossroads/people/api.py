"""The JSON twin of a person's page: flags in force the caller needs, and the timeline."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from crossroads.core.access import api_caller
from crossroads.people import queries
from crossroads.people.timeline import timeline_for

router = Router(tags=["people"])


class FlagOut(Schema):
    kind: str
    label: str
    guidance: str
    expires_at: datetime


class EntryOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    notice: str
    url: str


class TimelineOut(Schema):
    person: UUID
    flags: list[FlagOut]
    entries: list[EntryOut]


@router.get("/people/{person_id}/timeline", response=TimelineOut, url_name="person_timeline")
def person_timeline(request: HttpRequest, person_id: UUID) -> TimelineOut:
    """What the caller may see about a person, newest first; a disclosed Part 2 item carries
    the §2.32 notice, a refused one reads only "No consent on file"."""
    user = api_caller(request)
    person = queries.person_known_to(user, person_id, "people.timeline")
    flags = [
        FlagOut(
            kind=flag.kind,
            label=flag.spec.label,
            guidance=flag.spec.guidance,
            expires_at=flag.expires_at,
        )
        for flag in queries.flags_shown_to(user, person, timezone.now())
    ]
    entries = [EntryOut(**vars(entry)) for entry in timeline_for(user, person, path="api")]
    return TimelineOut(person=person.pk, flags=flags, entries=entries)
