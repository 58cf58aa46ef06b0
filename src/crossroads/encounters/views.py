"""The dispatcher's pages: take a call with triage beside the form, see recent calls."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crossroads.core.models import User
from crossroads.encounters import actions, queries
from crossroads.encounters.forms import CallIntakeForm
from crossroads.triage.rules import Recommendation, recommend, rule_book


def _me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _recommendation(form: CallIntakeForm) -> Recommendation | None:
    facts = form.facts()
    return recommend(rule_book(), facts) if facts is not None else None


def call_list(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    responses = rule_book().responses
    return render(
        request,
        "encounters/call_list.html",
        {
            "rows": [
                (call, responses.get(call.response, call.response))
                for call in queries.recent_calls_for(user)
            ],
            "overrides": queries.override_counts(user),
            "can_take_calls": user.can("calls.intake"),
        },
    )


def call_intake(request: HttpRequest) -> HttpResponse:
    form = CallIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (facts := form.facts()) is not None:
        data = form.cleaned_data
        try:
            call = actions.call_intake(
                by=_me(request),
                source=data["source"],
                initial_call_type=data["initial_call_type"],
                facts=facts,
                response=data["response"] or None,
                override_reason=data["override_reason"],
                location=data["location"],
                beat=data["beat"],
                client_key=data["client_key"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Call {call.number} taken: {call.response}.")
            return redirect("encounters:call_detail", call_id=call.pk)
    return render(
        request,
        "encounters/call_intake.html",
        {
            "form": form,
            "recommendation": _recommendation(_bound_or_default(form)),
        },
        status=400 if form.errors and request.method == "POST" else 200,
    )


def _bound_or_default(form: CallIntakeForm) -> CallIntakeForm:
    if form.is_bound:
        return form
    defaults = CallIntakeForm(
        data={
            name: field.initial for name, field in form.fields.items() if field.initial is not None
        }
    )
    defaults.is_valid()
    return defaults


@require_POST
def triage_preview(request: HttpRequest) -> HttpResponse:
    """The recommendation for the form as it stands; htmx swaps it in beside the form."""
    form = CallIntakeForm(request.POST)
    form.is_valid()
    return render(
        request, "encounters/_recommendation.html", {"recommendation": _recommendation(form)}
    )


def call_detail(request: HttpRequest, call_id: UUID) -> HttpResponse:
    call = queries.call_for(_me(request), call_id)
    responses = rule_book().responses
    return render(
        request,
        "encounters/call_detail.html",
        {
            "call": call,
            "response_label": responses.get(call.response, call.response),
            "recommended_label": responses.get(call.recommendation["primary"], ""),
            "also_sent_labels": [responses.get(unit, unit) for unit in call.also_sent],
        },
    )
