"""CIT coverage: the share certified, the heat map of uncovered shifts, whom to train next.

Both pages read the period from `?from=&to=` (the next 90 days when absent, starting today in
the agency's time zone); a bad date comes back with the form, the reason beside the field, and
status 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossroads.core.access import signed_in
from crossroads.training import queries
from crossroads.training.coverage import DEFAULT_DAYS, MAX_DAYS, Period, PeriodError, period_from


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "usa-input"})


class PeriodForm(forms.Form):
    """`from` and `to`, read by the same rule as the API's and the CLI's (coverage.period_from)."""

    def __init__(self, data: Any, *, today: date) -> None:
        super().__init__(data)
        self.today = today
        self.period: Period | None = None
        # Declared here: `from` is a Python keyword, so it cannot be a class attribute.
        self.fields["from"] = forms.CharField(
            required=False, label="From", help_text="Today when left empty.", widget=_date_input()
        )
        self.fields["to"] = forms.CharField(
            required=False,
            label="To",
            help_text=f"{DEFAULT_DAYS} days on when left empty; at most {MAX_DAYS} days.",
            widget=_date_input(),
        )

    def shows(self, period: Period) -> None:
        """Show the period's dates in the fields, filled in or defaulted."""
        self.data = {"from": period.first.isoformat(), "to": period.last.isoformat()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.period = period_from(data.get("from"), data.get("to"), today=self.today)
        except PeriodError as error:
            self.add_error(error.field, error.reason)
        return data


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET, today=queries.agency_today(signed_in(request).agency))


def coverage_page(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    if not form.is_valid() or form.period is None:
        return render(request, "training/coverage.html", {"form": form}, status=422)
    report = queries.coverage_for(signed_in(request), form.period)
    form.shows(form.period)
    context = {
        "form": form,
        "report": report,
        "heat_map": report.coverage.heat_map(),
        "uncovered": report.coverage.uncovered(),
    }
    return render(request, "training/coverage.html", context)


def train_next(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    if not form.is_valid() or form.period is None:
        return render(request, "training/train_next.html", {"form": form}, status=422)
    report, candidates = queries.train_next_for(signed_in(request), form.period)
    form.shows(form.period)
    gaps = report.coverage.shifts - report.coverage.covered
    closed = sum(candidate.closes for candidate in candidates)
    context = {
        "form": form,
        "report": report,
        "candidates": [(c, c.certification(report.today)) for c in candidates],
        "gaps": gaps,
        "closed": closed,
        "unclosable": gaps - closed,
    }
    return render(request, "training/train_next.html", context)
