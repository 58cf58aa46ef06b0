"""A person's page: the flags in force the viewer needs, then the timeline of what they may see."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import in_agency_time, signed_in
from crossroads.people import actions, queries
from crossroads.people.flag_kinds import flag_kinds
from crossroads.people.models import PersonFlag
from crossroads.people.timeline import timeline_for


@in_agency_time
def person_timeline(
    request: HttpRequest, person_id: UUID, error: ValidationError | None = None
) -> HttpResponse:
    user = signed_in(request)
    person = queries.person_known_to(user, person_id, "people.timeline")
    may_flag = user.can("people.flags") and person.agency_id == user.agency_id
    context = {
        "person": person,
        "flags": queries.flags_shown_to(user, person, timezone.now()),
        "entries": timeline_for(user, person, path="page"),
        "flag_kinds": flag_kinds() if may_flag else {},
        "may_enrol": user.can("programs.enrol"),
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "people/timeline.html", context, status=422 if error else 200)


@require_POST
@in_agency_time
def flag_set(request: HttpRequest, person_id: UUID) -> HttpResponseBase:
    person = queries.person_for(signed_in(request), person_id, "people.flags")
    try:
        days = int(request.POST.get("days") or 0)
        actions.flag_set(
            by=signed_in(request),
            person=person,
            kind=request.POST.get("kind", ""),
            days=days,
            note=request.POST.get("note", ""),
        )
    except ValueError:
        refused = ValidationError({"days": "Enter a number of days."})
        return person_timeline(request, person_id, refused)
    except ValidationError as error:
        return person_timeline(request, person_id, error)
    return redirect("people:person_timeline", person.pk)


@require_POST
@in_agency_time
def flag_clear(request: HttpRequest, person_id: UUID, flag_id: UUID) -> HttpResponseBase:
    person = queries.person_for(signed_in(request), person_id, "people.flags")
    flag = get_object_or_404(PersonFlag, pk=flag_id, person=person)
    actions.flag_clear(by=signed_in(request), flag=flag)
    return redirect("people:person_timeline", person.pk)
