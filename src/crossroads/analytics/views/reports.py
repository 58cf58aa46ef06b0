"""The grant report on a page: the quarter's BJA performance measures for the user's own agency,
read on the page or downloaded as the CSV and PDF that `crossroads report grant` writes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from crossroads.analytics import grants, metrics, queries
from crossroads.analytics.forms import GrantReportForm
from crossroads.analytics.views.common import no_snapshot
from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.downloads import csv_download
from crossroads.core.pdf import pdf_response
from crossroads.training.queries import agency_today


@in_agency_time
def grant_report(request: HttpRequest) -> HttpResponseBase:
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
    wanted, slug = form.cleaned_data, queries.agency_slug(user.agency)
    try:
        report = grants.grant_report(wanted["program"], wanted["quarter"], slug)
    except (grants.GrantError, metrics.MetricError) as problem:
        form.add_error(None, str(problem).removeprefix("--quarter: "))
        return render(request, "analytics/grant_report.html", context, status=422)
    name = f"{report.mapping.mapping.program}-{report.quarter}-{slug}"
    if wanted["format"] == "csv":
        return csv_download(grants.csv_rows(report), f"{name}.csv")
    if wanted["format"] == "pdf":
        return pdf_response(grants.pdf_document(report), f"{name}.pdf")
    context |= {"report": report, "answers": report.answers}
    return render(request, "analytics/grant_report.html", context)
