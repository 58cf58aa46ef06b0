"""The evaluation page (before and after, CIT-certified officers and others, a program's
participants and the people referred but not enrolled; each with counts, rates and 95%
intervals, and the caution that the design is observational), its cost calculator, and the
page where the agency sets the parameters the calculator prices with."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from crossroads.analytics import actions, evaluation, queries
from crossroads.analytics.forms import EvaluationForm, ParametersForm
from crossroads.analytics.metrics import Engine, MetricError, catalogue
from crossroads.analytics.views.common import no_snapshot
from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.forms import add_validation_errors
from crossroads.core.models import User


@in_agency_time
def evaluation_page(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    snapshot = queries.snapshot_for(user)
    if snapshot is None:
        return no_snapshot(request, "Evaluation")
    with queries.open_engine(user, program=request.GET.get("program")) as engine:
        choices = queries.choices_for(user, engine)
        form = EvaluationForm(
            request.GET,
            metrics=queries.proportion_metrics(),
            choices=choices,
            last_day=snapshot.last_day,
        )
        context: dict[str, Any] = {
            "form": form,
            "snapshot": snapshot,
            "caution": evaluation.OBSERVATIONAL_CAUTION,
            "confidence": round(evaluation.CONFIDENCE * 100),
            "may_set_parameters": user.can("analytics.parameters"),
        }
        if not form.is_valid():
            return render(request, "analytics/evaluation.html", context, status=422)
        context.update(_compared(user, engine, form.cleaned_data, snapshot, dict(choices.programs)))
    return render(request, "analytics/evaluation.html", context)


def _compared(
    user: User,
    engine: Engine,
    asked: dict[str, Any],
    snapshot: queries.Snapshot,
    programs: dict[str, str],
) -> dict[str, Any]:
    before = queries.Range(asked["before_from"], asked["before_to"])
    after = queries.Range(asked["after_from"], asked["after_to"])
    both = queries.Range(before.first, after.last)  # the group comparisons span both periods
    metric = catalogue()[asked["metric"]]
    shown: dict[str, Any] = {"metric": metric, "before": before, "after": after, "both": both}
    try:
        rows = queries.before_after_for(user, engine, metric, before, after)
        shown["before_after"] = [_contrast_shown(row) for row in rows]
    except (evaluation.NotAProportion, MetricError) as problem:
        shown["before_after_problem"] = f"{metric.header.title} cannot be compared: {problem}."
    sizes, cit_rows = queries.cit_comparison_for(user, engine, both)
    shown["cit"] = {"sizes": sizes, "rows": [_contrast_shown(row) for row in cit_rows]}
    program = None
    if asked["program"]:
        program = queries.program_comparison_for(
            user, engine, asked["program"], both, snapshot.cutoff
        )
        shown["program"] = {
            "name": programs.get(asked["program"], asked["program"]),
            "comparison": program,
            "rows": [_contrast_shown(row) for row in program.rows],
        }
    measured = queries.measured_for(user, engine, after, program)
    shown["estimates"] = evaluation.estimates(measured, queries.priced_parameters(user))
    return shown


def _contrast_shown(row: evaluation.Contrast) -> dict[str, Any]:
    """A row in words: rates as percentages, the difference in percentage points."""
    return {
        "label": row.label,
        "first": row.first.in_words(),
        "second": row.second.in_words(),
        "difference": row.difference.in_points() if row.difference else None,
    }


def parameters(request: HttpRequest) -> HttpResponse:
    """The agency's cost and response-target figures: shown, and set through the action."""
    user = signed_in(request)
    current = queries.parameters_for(user)
    initial = {name: getattr(current, name) for name in queries.PARAMETER_NAMES}
    form = ParametersForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.agency_parameters_set(by=user, agency=user.agency, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, f"{user.agency.name}'s parameters are saved.")
            return redirect("analytics:parameters")
    context = {"form": form, "may_view": user.can("analytics.view")}
    status = 422 if request.method == "POST" else 200
    return render(request, "analytics/parameters.html", context, status=status)
