"""The forms of the program pages. Each field is named as the action's argument it feeds, so a
page passes what it read to the action as the JSON twin does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from crossroads.core.forms import UswdsForm
from crossroads.core.models import User
from crossroads.programs.models import Case, Contact, FollowUp, Program
from crossroads.programs.types import ANSWER_TEXT, ProgramType, answer_text, label_of

ANSWERS = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")]
ANSWER_VALUES = {text: answer for answer, text in ANSWER_TEXT.items()}
TEXT_AREA = {"class": "usa-textarea", "rows": 3}


def when_field(label: str) -> forms.DateTimeField:
    """A date and time typed on a phone (in the agency's time zone: the views set it)."""
    return forms.DateTimeField(
        label=label,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Give the date and time."},
    )


class LabelledChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of records, each shown as `labeller` words it."""

    def __init__(self, *args: Any, labeller: Callable[[Any], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labeller = labeller

    def label_from_instance(self, obj: Any) -> str:
        return self.labeller(obj)


def item_field(code: str) -> str:
    return f"item-{code}"


class _Form(UswdsForm):
    def _choice(self, name: str) -> Any:
        """A choice field of this form, to set its choices or records for this page."""
        return cast(forms.ChoiceField, self.fields[name])  # ModelChoiceField is one


class _Checklist(_Form):
    """Yes / no / not known radios for some items of a type's eligibility checklist."""

    def add_items(
        self, spec: ProgramType, codes: Iterable[str], answers: Mapping[str, bool | None]
    ) -> None:
        for code in codes:
            item = spec.item(code)
            if item is None:
                raise LookupError(f"{code} is not an item of {spec.label}'s checklist")
            self.fields[item_field(code)] = forms.ChoiceField(
                label=item.label,
                choices=ANSWERS,
                initial=answer_text(answers.get(code)),
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
            )

    def answers(self) -> dict[str, bool | None]:
        return {
            name.removeprefix("item-"): ANSWER_VALUES[value]
            for name, value in self.cleaned_data.items()
            if name.startswith("item-")
        }

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("item-")]


class ProgramChoiceForm(_Form):
    """Step one of enrolment: which program."""

    program = LabelledChoice(
        queryset=Program.objects.none(),
        labeller=lambda p: f"{p.name} ({p.agency.short_name})",
        label="Program",
        empty_label="Choose a program",
        error_messages={"required": "Choose the program to enrol the person in."},
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("program").queryset = programs


class EnrolForm(_Checklist):
    """Step two: how the person came, and the checklist items the enrolling officer answers.
    Without a person on file, their name makes a new record of the enrolling agency."""

    given_name = forms.CharField(max_length=100, required=False, label="Given name")
    family_name = forms.CharField(max_length=100, required=False, label="Family name")
    date_of_birth = forms.DateField(
        required=False,
        label="Date of birth (if known)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    entry_path = forms.ChoiceField(
        label="How the person came to the program",
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        error_messages={"required": "Choose how the person came to the program."},
    )

    def __init__(
        self,
        *args: Any,
        spec: ProgramType,
        needs_name: bool,
        may_sign_off: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.needs_name = needs_name
        if not needs_name:
            for name in ("given_name", "family_name", "date_of_birth"):
                del self.fields[name]
        choices = [(code, label_of(code)) for code in spec.entry_paths]
        entry = self._choice("entry_path")
        entry.choices = choices
        if len(choices) == 1:
            entry.initial = choices[0][0]
        answerable = [i.code for i in spec.eligibility if may_sign_off or not i.sign_off]
        self.add_items(spec, answerable, {})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.needs_name:
            for name, words in (("given_name", "given name"), ("family_name", "family name")):
                if not (data.get(name) or "").strip():
                    self.add_error(name, f"Give the person's {words}.")
        return data


class EligibilityForm(_Checklist):
    """The checklist items this user may answer on the case page."""

    def __init__(
        self, *args: Any, spec: ProgramType, codes: Iterable[str], case: Case, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_items(spec, codes, case.answers)


class MoveForm(_Form):
    # Any status of the type: the action explains why a move is not allowed from here.
    to = forms.ChoiceField(label="Move to", error_messages={"required": "Choose where to move."})
    placement_type = forms.ChoiceField(label="Kind of placement", required=False)
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=500, widget=forms.Textarea(TEXT_AREA)
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, spec: ProgramType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("to").choices = [(code, s.label) for code, s in spec.statuses.items()]
        self._choice("placement_type").choices = [("", "Choose the kind of placement")] + [
            (code, label_of(code)) for code in spec.placement_types
        ]


class ChargeForm(UswdsForm):
    charge_status = forms.ChoiceField(
        label="Charge decision",
        choices=[(Case.Charge.NOT_FILED, "Not filed"), (Case.Charge.FILED, "Filed")],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        error_messages={"required": "Choose not filed or filed."},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=500, widget=forms.Textarea(TEXT_AREA)
    )


class AssignForm(_Form):
    case_manager = LabelledChoice(
        queryset=User.objects.none(),
        labeller=lambda user: user.display_name,
        label="Case manager",
        empty_label="Choose a case manager",
        error_messages={"required": "Choose the case manager."},
    )

    def __init__(self, *args: Any, workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("case_manager").queryset = workers


class GoalForm(UswdsForm):
    text = forms.CharField(
        label="New goal, in the person's words",
        max_length=300,
        error_messages={"required": "Write the goal."},
    )


class ContactForm(_Form):
    at = when_field("When")
    method = forms.ChoiceField(label="How", choices=Contact.Method.choices)
    reached = forms.ChoiceField(
        label="Reached the person?",
        choices=[("yes", "Reached"), ("no", "Not reached")],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        error_messages={"required": "Say whether you reached the person."},
    )
    follow_up = LabelledChoice(
        queryset=FollowUp.objects.none(),
        labeller=lambda follow_up: f"{follow_up.label} follow-up",
        label="For the follow-up",
        required=False,
        empty_label="Not for a follow-up",
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(TEXT_AREA)
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("follow_up").queryset = case.follow_ups.filter(outcome="")

    def action_arguments(self) -> dict[str, Any]:
        return {**self.cleaned_data, "reached": self.cleaned_data["reached"] == "yes"}


class FollowUpCloseForm(UswdsForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            (FollowUp.Outcome.NOT_REACHED, FollowUp.Outcome.NOT_REACHED.label),
            (FollowUp.Outcome.DECLINED, FollowUp.Outcome.DECLINED.label),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        error_messages={"required": "Choose the outcome."},
    )


class ConferenceForm(UswdsForm):
    held_at = when_field("When it was held")
    attendees = forms.CharField(
        label="Who attended (one a line, with their role)",
        widget=forms.Textarea(TEXT_AREA),
        error_messages={"required": "Name who attended (one a line)."},
    )
    decisions = forms.CharField(
        label="Decisions",
        widget=forms.Textarea(TEXT_AREA),
        error_messages={"required": "Write what was decided."},
    )

    def action_arguments(self) -> dict[str, Any]:
        return {**self.cleaned_data, "attendees": self.cleaned_data["attendees"].splitlines()}


class CloseForm(UswdsForm):
    reason = forms.CharField(
        label="Reason for closing",
        max_length=500,
        widget=forms.Textarea(TEXT_AREA),
        error_messages={"required": "Say why the case is closed."},
    )
