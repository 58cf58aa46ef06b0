"""The dispatcher's pages: take a call with triage beside the form, see recent calls."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import signed_in
from crossroads.core.actions import StaleVersion
from crossroads.core.forms import add_validation_errors
from crossroads.core.models import User
from crossroads.encounters import actions, queries
from crossroads.encounters.forms import CallAdvanceForm, CallIntakeForm
from crossroads.encounters.models import CallForService
from crossroads.triage.rules import Recommendation, RuleBook, recommend, rule_book


def _book(user: User) -> RuleBook:
    """The rule book the user's agency triages with."""
    return rule_book(user.agency.triage_rule_book)


def _recommendation(form: CallIntakeForm, book: RuleBook) -> Recommendation | None:
    facts = form.facts()
    return recommend(book, facts) if facts is not None else None


def call_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    responses = _book(user).responses
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
    book = _book(signed_in(request))
    form = CallIntakeForm(request.POST or None, book=book)
    if request.method == "POST" and form.is_valid() and (facts := form.facts()) is not None:
        data = form.cleaned_data
        try:
            call = actions.call_intake(
                by=signed_in(request),
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
            add_validation_errors(form, error)
        else:
            messages.success(request, f"Call {call.number} taken: {call.response}.")
            return redirect("encounters:call_detail", call_id=call.pk)
    return render(
        request,
        "encounters/call_intake.html",
        {
            "form": form,
            "recommendation": _recommendation(_bound_or_default(form, book), book),
        },
        status=400 if form.errors and request.method == "POST" else 200,
    )


def _bound_or_default(form: CallIntakeForm, book: RuleBook) -> CallIntakeForm:
    if form.is_bound:
        return form
    defaults = CallIntakeForm(
        data={
            name: field.initial for name, field in form.fields.items() if field.initial is not None
        },
        book=book,
    )
    defaults.is_valid()
    return defaults


@require_POST
def triage_preview(request: HttpRequest) -> HttpResponse:
    """The recommendation for the form as it stands; htmx swaps it in beside the form."""
    book = _book(signed_in(request))
    form = CallIntakeForm(request.POST, book=book)
    form.is_valid()
    return render(
        request, "encounters/_recommendation.html", {"recommendation": _recommendation(form, book)}
    )


def call_detail(request: HttpRequest, call_id: UUID) -> HttpResponse:
    user = signed_in(request)
    call = queries.call_for(user, call_id)
    return _call_page(request, call, _advance_form(user, call))


def _advance_form(
    user: User, call: CallForService, data: QueryDict | None = None
) -> CallAdvanceForm | None:
    """The form for the call's next step, for those who may take it while there is one."""
    if not user.can("calls.update") or not call.next_steps:
        return None
    return CallAdvanceForm(data, call=call, officers=queries.dispatchable_officers(user))


def _call_page(
    request: HttpRequest, call: CallForService, form: CallAdvanceForm | None, status: int = 200
) -> HttpResponse:
    responses = rule_book(call.agency.triage_rule_book).responses
    recommended = (call.recommendation or {}).get("primary", "")
    return render(
        request,
        "encounters/call_detail.html",
        {
            "call": call,
            "response_label": responses.get(call.response, call.response),
            "recommended_label": responses.get(recommended, recommended),
            "also_sent_labels": [responses.get(unit, unit) for unit in call.also_sent],
            "form": form,
        },
        status=status,
    )


@require_POST
def call_advance(request: HttpRequest, call_id: UUID) -> HttpResponse:
    user = signed_in(request)
    call = queries.call_for(user, call_id)
    form = _advance_form(user, call, request.POST)
    if form is None:
        raise PermissionDenied("This call has no next step you may take.")
    with timezone.override(ZoneInfo(call.agency.time_zone)):  # a typed time is the agency's
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            call = actions.call_advance(
                by=user,
                call=call,
                to=data["to"],
                expected_version=data["version"],
                at=data["at"],
                officers=form.chosen_officers(),
                final_call_type=data.get("final_call_type", ""),
                behavioural_health=data.get("behavioural_health"),
                note=data["note"],
            )
        except StaleVersion as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, f"Call {call.number}: {call.get_status_display()}.")
            return redirect("encounters:call_detail", call_id=call.pk)
    return _call_page(request, queries.call_for(user, call_id), form, status=400)
