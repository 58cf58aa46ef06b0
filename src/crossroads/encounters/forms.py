from __future__ import annotations

import uuid
from typing import Any, cast, get_args

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from crossroads.core.forms import UswdsForm
from crossroads.core.models import User
from crossroads.encounters.models import CallForService
from crossroads.training.models import Certification
from crossroads.triage.rules import (
    CallFacts,
    DispatchableUnit,
    Intoxication,
    LocationType,
    RuleBook,
    SuicideRisk,
    Weapon,
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

    def __init__(self, *args: Any, book: RuleBook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        responses = book.responses
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


class CallAdvanceForm(UswdsForm):
    """The call's next step: which, when it happened, and what that step needs."""

    to = forms.ChoiceField(label="Next step")
    officers = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Officers sent"
    )
    final_call_type = forms.CharField(
        max_length=100,
        required=False,
        label="Final call type",
        help_text="Needed to disposition: what the call turned out to be.",
    )
    behavioural_health = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        required=False,
        empty_value=None,
        label="Behavioural-health crisis, as found on scene",
        help_text="When dispositioning: correct the call-taker's flag if you found otherwise.",
    )
    note = forms.CharField(max_length=500, required=False, label="Note")
    at = forms.DateTimeField(
        required=False,
        label="When",
        help_text="Your agency's local time; leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, call: CallForService, officers: QuerySet[User], **kwargs: Any):
        super().__init__(*args, initial={"version": call.version}, **kwargs)
        steps = call.next_steps
        to = cast(forms.ChoiceField, self.fields["to"])
        to.choices = [(step.value, step.label) for step in steps]
        if len(steps) == 1:
            to.initial = steps[0].value
        self.sendable = {str(officer.pk): officer for officer in officers}
        if CallForService.Status.DISPATCHED in steps:
            self._offer()
        else:
            del self.fields["officers"]
        if CallForService.Status.DISPOSITIONED not in steps:
            del self.fields["final_call_type"], self.fields["behavioural_health"]
        else:
            self.fields["final_call_type"].initial = call.initial_call_type
            self.fields["behavioural_health"].initial = "yes" if call.behavioural_health else "no"

    def _offer(self) -> None:
        """List the officers with their agency and whether they are CIT-certified today."""
        certified = Certification.objects.cit_certified(
            [officer.pk for officer in self.sendable.values()], timezone.localdate()
        )
        cast(forms.MultipleChoiceField, self.fields["officers"]).choices = [
            (
                pk,
                f"{officer.display_name} · {officer.agency.short_name}"
                + (" · CIT-certified now" if officer.pk in certified else ""),
            )
            for pk, officer in self.sendable.items()
        ]

    def chosen_officers(self) -> list[User]:
        return [self.sendable[pk] for pk in self.cleaned_data.get("officers", ())]
