"""The grant report on a page: the quarter's BJA performance measures for the user's own agency,
read on the page or downloaded as the CSV and PDF that `crossroads report grant` writes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.analytics import grants, metrics, queries
from crossroads.analytics.forms import GrantReportForm
from crossroads.analytics.views.common import no_snapshot
from crossroads.core.access import in_agency_time, signed_in
from crossroads.training.queries import agency_today


@in_agency_time
def grant_report(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if queries.snapshot_for(user) is None:
        return no_snapshot(request, "Grant report")
    asked = request.GET if "program" in request.GET else {}
    form = GrantReportForm(asked, today=agency_today(user.agency))
    context: dict[str, object] = {"form": form, "answers": None}
    if not asked:
        return render(request, "analytics/grant_report.html", context)
    if not form.is_valid():
        return render(request, "analytics/grant_report.html", context, status=422)
    wanted = form.cleaned_data
    try:
        report = grants.grant_report(
            wanted["program"], wanted["quarter"], queries.agency_slug(user.agency)
        )
    except (grants.GrantError, metrics.MetricError) as problem:
        form.add_error(None, str(problem).removeprefix("--quarter: "))
        return render(request, "analytics/grant_report.html", context, status=422)
    name = f"{report.mapping.mapping.program}-{report.quarter}-{queries.agency_slug(user.agency)}"
    if wanted["format"] == "csv":
        response = HttpResponse(grants.to_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if wanted["format"] == "pdf":
        response = HttpResponse(grants.to_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    context |= {"report": report, "answers": report.answers}
    return render(request, "analytics/grant_report.html", context)
