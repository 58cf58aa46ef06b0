"""The directory's pages for everyone who refers: search (phone-first), and a service's listing.

Search is a GET form, so a result list is a link an officer can send; htmx swaps only the
results in. Arriving from an encounter ("find a place"), the filters start from what the
encounter's signs, positive screens and disposition suggest (suggest.py), and each result can
start a referral for that person in one click.
"""

from __future__ import annotations

import re
from uuid import UUID
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from crossroads.core.access import signed_in
from crossroads.core.forms import uuid_or_none
from crossroads.core.models import User
from crossroads.directory import listing, taxonomy
from crossroads.directory.search import search
from crossroads.directory.search_form import DEFAULT_RADIUS_KM, DirectorySearchForm
from crossroads.directory.suggest import Suggestion, suggest
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.models import Encounter
from crossroads.encounters.queries import encounter_for

ZIP_IN_TEXT = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


def search_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    params = request.GET.copy()
    encounter = _encounter(user, params.get("encounter"))
    suggestion = None
    if encounter is not None and "searched" not in params:
        suggestion = _suggestion_for(encounter)
        _prefill(params, encounter, suggestion)
    if params:
        params.setdefault("within_km", str(DEFAULT_RADIUS_KM))
    form = DirectorySearchForm(params if params else None)
    results = None
    if form.is_bound and form.is_valid():
        results = search(form.search_query, now=form.now)
    context = {
        "form": form,
        "results": results,
        "encounter": encounter,
        "suggestion": suggestion,
        "chosen": _chosen(form) if results is not None else [],
        "can_refer": user.can("referrals.start")
        and (encounter is None or encounter.agency_id == user.agency_id),
    }
    page = "search_results" if request.headers.get("HX-Request") else "search"
    with timezone.override(ZoneInfo(user.agency.time_zone)):
        return render(request, f"directory/{page}.html", context)


def _chosen(form: DirectorySearchForm) -> list[str]:
    """The filters in force, in words, for the summary of the folded filter panel."""
    terms = taxonomy.crossroads_taxonomy().by_code()
    data = form.cleaned_data
    chosen = [terms[code].name for code in (*data["category"], *data["payment"])]
    flags = ("open_now", "police_drop_off", "walk_in", "has_capacity")
    chosen += [str(form.fields[name].label).lower() for name in flags if data[name]]
    if data["age"] is not None:
        chosen.append(f"age {data['age']}")
    return chosen


def _encounter(user: User, value: str | None) -> Encounter | None:
    encounter_id = uuid_or_none(value)
    if encounter_id is None or not user.can("encounters.view"):
        return None
    return encounter_for(user, encounter_id)


def _suggestion_for(encounter: Encounter) -> Suggestion:
    groups = field_guide().group_of_sign
    return suggest(
        sign_groups=[groups[code] for code in encounter.signs if code in groups],
        positive_screens=[s.instrument for s in encounter.screens.all() if s.positive],
        disposition=encounter.disposition,
        known_categories=frozenset(taxonomy.crossroads_taxonomy().codes("category")),
    )


def _prefill(params: QueryDict, encounter: Encounter, suggestion: Suggestion) -> None:
    params.setlist("category", list(suggestion.categories))
    params["open_now"] = "on"
    if suggestion.police_drop_off:
        params["police_drop_off"] = "on"
    place = encounter.call.location if encounter.call_id and encounter.call else ""
    if found := ZIP_IN_TEXT.search(place or ""):
        params["near"] = found.group(1)


def service_detail(request: HttpRequest, service_id: UUID) -> HttpResponse:
    user = signed_in(request)
    service = listing.service_listing(service_id, now=timezone.now())
    return render(
        request,
        "directory/service_detail.html",
        {"listing": service, "can_refer": user.can("referrals.start")},
    )
