"""Precincts, shifts, squads, who works where, and who is on duty now.

The roster page (CIT coordinators) lists the agency's precincts, shifts and squads, each squad's
rotation and who is in it today; a small page adds each, and one ends (or moves the end of) an
officer's assignment. A refused form comes back with the reason beside its field and status
422, and nothing is written. The on-duty page is the
dispatcher's: the CIT-certified officers on duty now, by area, the others counted. Times are
each agency's local time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.forms import UswdsForm, add_validation_errors
from crossroads.core.models import User
from crossroads.training import actions, queries
from crossroads.training.models import Precinct, Shift, Squad
from crossroads.training.queries import RosterChoices

CODE_HINT = "Lower-case letters, digits and _ (for example: north)."


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class PrecinctForm(UswdsForm):
    code = forms.CharField(max_length=40, help_text=CODE_HINT)
    name = forms.CharField(max_length=200, help_text="For example: North Precinct.")


class TargetForm(UswdsForm):
    low_percent = forms.IntegerField(
        label="Low end (%)", min_value=1, max_value=100, help_text="Commonly 20."
    )
    high_percent = forms.IntegerField(
        label="High end (%)", min_value=1, max_value=100, help_text="Commonly 25."
    )


class ShiftForm(UswdsForm):
    code = forms.CharField(max_length=40, help_text=CODE_HINT)
    name = forms.CharField(max_length=100, help_text="For example: Night.")
    starts_at = forms.TimeField(
        label="Starts at",
        help_text="Your agency's local time, 24-hour clock (for example: 23:00).",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    hours = forms.IntegerField(
        min_value=1,
        max_value=24,
        help_text="From 1 to 24. A shift that runs past midnight belongs to the day it starts.",
    )


class _OfficerChoice(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class SquadForm(UswdsForm):
    name = forms.CharField(max_length=100, help_text="For example: North Night A.")
    precinct = forms.ModelChoiceField(queryset=Precinct.objects.none())
    shift = forms.ModelChoiceField(queryset=Shift.objects.none())
    pattern = forms.CharField(
        max_length=200,
        label="Rotation",
        help_text="A 1 for each day on and a 0 for each day off, repeating: 4 on, 4 off is "
        "11110000; five days a week is 1111100.",
    )
    pattern_start = forms.DateField(
        label="Rotation starts on",
        help_text="The day the rotation's first day falls on.",
        widget=_date_input(),
    )

    def __init__(self, *args: Any, choices: RosterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "precinct", choices.precincts)
        _offer(self, "shift", choices.shifts)


class AssignmentForm(UswdsForm):
    officer = _OfficerChoice(queryset=User.objects.none())
    squad = forms.ModelChoiceField(queryset=Squad.objects.none())
    starts_on = forms.DateField(label="First day", widget=_date_input())
    ends_on = forms.DateField(
        label="Last day",
        required=False,
        help_text="Leave empty: until further notice.",
        widget=_date_input(),
    )

    def __init__(self, *args: Any, choices: RosterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "officer", choices.officers)
        _offer(self, "squad", choices.squads)


class EndForm(UswdsForm):
    ends_on = forms.DateField(
        label="Last day",
        help_text="The last day the officer works in this squad. A past day puts the roster "
        "right; a day later than the present end is refused if the officer is in another squad "
        "by then.",
        widget=_date_input(),
    )


def _offer(form: forms.Form, field: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField[Any], form.fields[field]).queryset = queryset


def roster(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    context = {
        "roster": queries.roster_for(user),
        "target": queries.coverage_target_of(user.agency),
    }
    return render(request, "training/roster.html", context)


def _bound(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _add_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    create: Callable[..., Model],
    done: Callable[[Any], str],
    about: str = "",
) -> HttpResponse:
    """A small page adding (or changing) one thing on the roster: written, back to the roster
    page; refused, the form again with the reason beside its field (422). `about` says what the
    change is to."""
    if request.method == "POST" and form.is_valid():
        try:
            made = create(**form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, done(made))
            return redirect("training:roster")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "title": title, "about": about}
    return render(request, "training/roster_form.html", context, status=status)


def precinct_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _add_page(
        request,
        PrecinctForm(_bound(request)),
        title="Add a precinct",
        create=lambda **data: actions.precinct_create(by=user, agency=user.agency, **data),
        done=lambda precinct: f"Precinct {precinct} added.",
    )


def coverage_target(request: HttpRequest) -> HttpResponse:
    """The agency's CIT target: the share of patrol officers it aims to have certified."""
    user = signed_in(request)
    current = queries.coverage_target_of(user.agency)
    return _add_page(
        request,
        TargetForm(
            _bound(request), initial={"low_percent": current.low, "high_percent": current.high}
        ),
        title="Set the CIT target",
        create=lambda **data: actions.coverage_target_set(by=user, agency=user.agency, **data),
        done=lambda target: f"The CIT target is now {target}.",
    )


def shift_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _add_page(
        request,
        ShiftForm(_bound(request)),
        title="Add a shift",
        create=lambda **data: actions.shift_create(by=user, agency=user.agency, **data),
        done=lambda shift: f"Shift {shift} added.",
    )


def squad_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _add_page(
        request,
        SquadForm(_bound(request), choices=queries.roster_choices(user)),
        title="Add a squad",
        create=lambda **data: actions.squad_create(by=user, agency=user.agency, **data),
        done=lambda squad: f"Squad {squad} added.",
    )


def assignment_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return _add_page(
        request,
        AssignmentForm(_bound(request), choices=queries.roster_choices(user)),
        title="Put an officer in a squad",
        create=lambda **data: actions.assignment_record(by=user, **data),
        done=lambda assignment: (
            f"{assignment.officer.display_name} is in {assignment.squad} "
            f"from {assignment.starts_on:%Y-%m-%d}."
        ),
    )


def assignment_end(request: HttpRequest, assignment_id: UUID) -> HttpResponse:
    user = signed_in(request)
    assignment = queries.assignment_for(user, assignment_id)
    until = f", until {assignment.ends_on:%-d %B %Y}" if assignment.ends_on else ""
    return _add_page(
        request,
        EndForm(
            _bound(request),
            initial={"ends_on": assignment.ends_on or queries.agency_today(user.agency)},
        ),
        title="End an assignment",
        about=f"{assignment.officer.display_name} in {assignment.squad} from "
        f"{assignment.starts_on:%-d %B %Y}{until}.",
        create=lambda **data: actions.assignment_end(by=user, assignment=assignment, **data),
        done=lambda ended: (
            f"{ended.officer.display_name} is in {ended.squad} until {ended.ends_on:%Y-%m-%d}."
        ),
    )


@in_agency_time
def on_duty(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {"areas": queries.areas_on_duty(signed_in(request), now), "now": now}
    return render(request, "training/on_duty.html", context)
