"""Encounter outcomes by the officer's certification, and the officers' field reference.

The outcome page and GET /api/v1/training/outcomes share `queries.outcomes_by_certification`;
a period it cannot use comes back on the page with status 422 and the error beside its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.forms import UswdsForm, add_validation_errors
from crossroads.training import queries
from crossroads.training.comparison import (
    CONFIDENCE,
    MIN_ENCOUNTERS,
    OBSERVATIONAL_NOTE,
    OutcomeRow,
)
from crossroads.training.queries import CrisisResource
from crossroads.training.reference import dial_uri, shipped_reference


class PeriodForm(UswdsForm):
    """`?from=&to=`, as on the coverage pages; the last 365 days when both are left empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Declared here: `from` is a Python keyword, so it cannot be a class attribute.
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.DateField(
                required=False,
                label=label,
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "usa-input"}, format="%Y-%m-%d"
                ),
            )


def outcomes(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = PeriodForm(request.GET or None)
    comparison = None
    if not form.is_bound or form.is_valid():
        asked = form.cleaned_data if form.is_bound else {}
        try:
            comparison = queries.outcomes_by_certification(
                user, first=asked.get("from"), last=asked.get("to")
            )
        except ValidationError as error:
            add_validation_errors(form, error)
    if comparison is not None and not form.is_bound:  # show the period the default covers
        form = PeriodForm(initial={"from": comparison.first, "to": comparison.last})
    return render(
        request,
        "training/outcomes.html",
        {
            "form": form,
            "comparison": comparison,
            "rows": [_row_shown(row) for row in comparison.rows] if comparison else [],
            "min_encounters": MIN_ENCOUNTERS,
            "note": OBSERVATIONAL_NOTE,
            "confidence": round(CONFIDENCE * 100),
        },
        status=422 if form.errors else 200,
    )


def _row_shown(row: OutcomeRow) -> dict[str, Any]:
    """A row in words: rates as percentages, the difference in percentage points."""
    return {
        "outcome": row.outcome,
        "certified": row.certified.in_words(),
        "not_certified": row.not_certified.in_words(),
        "difference": row.difference.in_points() if row.difference else None,
    }


@in_agency_time
def field_reference(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    reference = shipped_reference()
    resources = (
        queries.crisis_resources(user, now=timezone.now()) if reference.local_resources else []
    )
    return render(
        request,
        "training/field_reference.html",
        {
            "reference": reference,
            "resources": [_dialled(resource) for resource in resources],
            "may_record": user.can("encounters.record"),
            "may_search": user.can("directory.view"),
        },
    )


def _dialled(resource: CrisisResource) -> dict[str, Any]:
    """A crisis service with each of its numbers as a link that dials it."""
    return {
        "hit": resource.hit,
        "phones": [
            {
                "number": phone.number,
                "extension": int(phone.extension) if phone.extension else None,
                "what": phone.description or phone.type or "",
                "uri": dial_uri(phone.number, phone.extension),
            }
            for phone in resource.phones
        ],
    }
