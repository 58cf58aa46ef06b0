"""The intake staff's capacity board: every site their agency keeps on one screen, each with
what it can take now and a compact form to say what changed.

A report is a plain POST (the page reloads on the site) and, with htmx, only the site's panel is
swapped. The page and POST /api/v1/directory/sites/{id}/capacity share actions.capacity_report.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import signed_in
from crossroads.core.forms import add_validation_errors
from crossroads.core.models import User
from crossroads.directory import actions, queries
from crossroads.directory.forms import CapacityReportForm
from crossroads.directory.models import ServiceAtLocation
from crossroads.directory.queries import SiteCapacity

HISTORY_SHOWN = 200
# Panels htmx asks for carry this header; capacity.js swaps in nothing else (a sign-in page).
FRAGMENT_HEADER = "X-Crossroads-Fragment"


def _hours(age: timedelta) -> int:
    return round(age.total_seconds() / 3600)


def capacity_board(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    board = queries.capacity_board_for(user, now=timezone.now())
    entries = [(entry, _report_form(entry)) for entry in board]
    return _render(request, "directory/capacity.html", {"entries": entries})


@require_POST
def capacity_report(request: HttpRequest, site_id: UUID) -> HttpResponse:
    user = signed_in(request)
    site = queries.capacity_site_for(user, site_id)
    form = CapacityReportForm(request.POST, prefix=_prefix(site_id))
    saved = form.is_valid() and _reported(user, site, form)
    fragment = bool(request.headers.get("HX-Request"))
    if saved and not fragment:
        messages.success(request, "Capacity saved.")
        return redirect(f"{reverse('directory:capacity')}#site-{site_id}")
    entry = queries.capacity_of(site, now=timezone.now())
    if fragment:
        # The panel answers 200 either way: htmx swaps it in, with the errors on their fields.
        response = _render(
            request,
            "directory/capacity_site.html",
            {"entry": entry, "form": _report_form(entry) if saved else form, "saved": saved},
        )
        response[FRAGMENT_HEADER] = "1"
        return response
    board = queries.capacity_board_for(user, now=timezone.now())
    entries = [(e, form if e.site.pk == site_id else _report_form(e)) for e in board]
    return _render(request, "directory/capacity.html", {"entries": entries}, status=400)


def _reported(user: User, site: ServiceAtLocation, form: CapacityReportForm) -> bool:
    # The form's fields are the action's arguments, by name (as the JSON twin passes them).
    try:
        actions.capacity_report(by=user, site=site, **form.cleaned_data)
    except ValidationError as error:
        add_validation_errors(form, error)
        return False
    return True


def capacity_history(request: HttpRequest, site_id: UUID) -> HttpResponse:
    user = signed_in(request)
    site = queries.capacity_site_for(user, site_id)
    entry = queries.capacity_of(site, now=timezone.now())
    reports = queries.capacity_history(site, limit=HISTORY_SHOWN)
    return _render(
        request,
        "directory/capacity_history.html",
        {"entry": entry, "reports": reports, "shown": HISTORY_SHOWN},
    )


def _prefix(site_id: UUID) -> str:
    """Every site's form on the board has its own field ids."""
    return f"site-{site_id.hex}"


def _report_form(entry: SiteCapacity) -> CapacityReportForm:
    """A report starting from the site's first current reading, as it stands: most reports
    change one number of it. What is open now is left for the person to count."""
    start = entry.current[0].report if entry.current else None
    initial = (
        {"kind": start.kind, "total": start.total, "accepting": "yes" if start.accepting else "no"}
        if start
        else {}
    )
    return CapacityReportForm(prefix=_prefix(entry.site.pk), initial=initial)


def _render(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    """Times as the agency's staff read them, and the age past which capacity is unknown."""
    user = signed_in(request)
    context = {
        **context,
        "now": timezone.now(),
        "max_age_hours": _hours(settings.DIRECTORY_CAPACITY_MAX_AGE),
    }
    with timezone.override(ZoneInfo(user.agency.time_zone)):
        return render(request, template, context, status=status)
