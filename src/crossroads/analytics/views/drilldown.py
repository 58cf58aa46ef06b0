"""The records behind a dashboard number: the rows of the metric's population in the period,
area and program, for the user's own agency, each linked to the record's own page (which
applies its own access rule). Part 2 numbers are listed only to the program that received the
records; every listing and every refusal is audited (analytics/queries.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.analytics import queries
from crossroads.analytics.forms import DrilldownForm
from crossroads.analytics.metrics import catalogue
from crossroads.analytics.views.common import no_snapshot
from crossroads.core.access import in_agency_time, signed_in


@in_agency_time
def drilldown(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    snapshot = queries.snapshot_for(user)
    if snapshot is None:
        return no_snapshot(request, "Records behind a number")
    form = DrilldownForm(request.GET, metrics=list(catalogue().values()))
    context: dict[str, object] = {"form": form, "snapshot": snapshot}
    if not form.is_valid():
        return render(request, "analytics/drilldown.html", context, status=422)
    asked = form.cleaned_data
    request_ = queries.DrillRequest(
        catalogue()[asked["metric"]],
        asked["from"],
        asked["to"],
        asked["area"] or None,
        asked["program"] or None,
    )
    context["asked"] = request_
    try:
        with queries.open_engine(user, program=request_.program) as engine:
            context["found"] = queries.drilldown_for(user, engine, request_)
    except queries.DrilldownRefused as refusal:
        context["refusal"] = str(refusal)
        return render(request, "analytics/drilldown.html", context, status=refusal.status)
    return render(request, "analytics/drilldown.html", context)
