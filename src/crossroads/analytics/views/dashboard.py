"""The program manager's dashboard: trends and breakdowns of the agency's metrics, each chart
with the table of its numbers and how it is counted, filtered by period, program and area.

A bad filter comes back with the form, the reason beside its field, and status 422.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.analytics import queries
from crossroads.analytics.forms import DashboardForm
from crossroads.analytics.views.common import no_snapshot
from crossroads.core.access import in_agency_time, signed_in


@in_agency_time
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    snapshot = queries.snapshot_for(user)
    if snapshot is None:
        return no_snapshot(request, "Outcomes")
    with queries.open_engine(user, program=request.GET.get("program")) as engine:
        form = DashboardForm(
            request.GET, choices=queries.choices_for(user, engine), last_day=snapshot.last_day
        )
        context = {"form": form, "snapshot": snapshot, "sections": []}
        if not form.is_valid():
            return render(request, "analytics/dashboard.html", context, status=422)
        asked = form.cleaned_data
        filters = queries.DashboardFilters(
            asked["from"], asked["to"], asked["by"], asked["program"] or None, asked["area"] or None
        )
        context["sections"] = queries.dashboard_for(user, engine, filters)
    return render(request, "analytics/dashboard.html", context)
