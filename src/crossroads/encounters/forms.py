from __future__ import annotations

import uuid
from typing import Any, cast, get_args

from django import forms

from crossroads.core.forms import UswdsForm
from crossroads.encounters.models import CallForService
from crossroads.triage.rules import (
    CallFacts,
    DispatchableUnit,
    Intoxication,
    LocationType,
    SuicideRisk,
    Weapon,
    rule_book,
)


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ").capitalize()) for v in values]


class CallIntakeForm(UswdsForm):
    """The call-taker's form: who called and what they know, which triage reads as it changes."""

    client_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    source = forms.ChoiceField(choices=CallForService.Source.choices, initial="911")
    initial_call_type = forms.CharField(
        max_length=100,
        label="Call type",
        help_text="As the caller describes it, e.g. welfare check.",
    )
    location = forms.CharField(max_length=200, required=False)
    beat = forms.CharField(max_length=20, required=False)
    behavioural_health = forms.BooleanField(
        required=False, label="Mental-health or substance-use crisis"
    )
    caller_is_subject = forms.BooleanField(
        required=False, label="The person in crisis is the caller"
    )
    location_type = forms.ChoiceField(
        choices=_choices(get_args(LocationType)), initial="unknown", label="Where the person is"
    )
    violence_in_progress = forms.BooleanField(required=False, label="Violence in progress")
    weapon = forms.ChoiceField(choices=_choices(get_args(Weapon)), initial="none")
    medical_emergency = forms.BooleanField(
        required=False, label="Medical emergency (overdose, injury, unresponsive)"
    )
    suicide_risk = forms.ChoiceField(choices=_choices(get_args(SuicideRisk)), initial="none")
    means_available = forms.BooleanField(required=False, label="Has access to lethal means")
    intoxication = forms.ChoiceField(choices=_choices(get_args(Intoxication)), initial="none")
    crime_reported = forms.BooleanField(required=False, label="A crime is reported as well")
    available_units = forms.MultipleChoiceField(
        choices=_choices(get_args(DispatchableUnit)),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Units free now",
    )
    response = forms.ChoiceField(
        required=False,
        label="Response sent",
        help_text="Leave as recommended unless you have a reason.",
    )
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why another response"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        responses = rule_book().responses
        response = cast(forms.ChoiceField, self.fields["response"])
        units = cast(forms.ChoiceField, self.fields["available_units"])
        response.choices = [("", "As recommended"), *responses.items()]
        units.choices = [(unit, responses[unit]) for unit in get_args(DispatchableUnit)]

    def facts(self) -> CallFacts | None:
        """The facts triage reads, once every fact field is valid (other fields may not be)."""
        data = getattr(self, "cleaned_data", {})
        if any(name not in data for name in CallFacts.model_fields):
            return None
        return CallFacts.model_validate({name: data[name] for name in CallFacts.model_fields})
