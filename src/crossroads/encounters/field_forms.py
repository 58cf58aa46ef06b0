"""The officer's encounter form: what happened on scene, the screens given, the disposition.

The signs, techniques and screens come from data (field_guide.yaml, screening/instruments/), so
the form follows those files. Each screen item is a radio group named
`screen-<instrument>-<item>`; a screen counts as given once any of its items is answered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.forms import BoundField

from crossroads.core.forms import UswdsForm
from crossroads.encounters.actions import ScreenGiven
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.models import Encounter
from crossroads.screening.catalog import SEXES, Instrument, Item, catalog
from crossroads.screening.scoring import ScreeningInputError, ScreenResult, SexRequiredError, score

MINUTES_IN_A_DAY = 24 * 60
NUMBER_CLASS = "usa-input usa-input--small"


def field_instruments() -> list[Instrument]:
    """Every catalogued instrument, the shortest first: on scene, brief screens come first."""
    return sorted(catalog().values(), key=lambda i: (len(i.items), i.name.lower()))


def _answer_field(instrument: Instrument, item: Item) -> str:
    return f"screen-{instrument.code}-{item.id}"


def _sex_field(instrument: Instrument) -> str:
    return f"screen-{instrument.code}-sex"


def _asked_when_hint(instrument: Instrument, item: Item) -> str:
    """The published skip logic in words: 'Skip if question 1 is answered Never'."""
    condition = item.asked_when
    if condition is None:
        return ""
    numbers = [instrument.item_index(i) + 1 for i in condition.items]
    governing = instrument.items[numbers[0] - 1]
    options = instrument.options_of(governing)
    asked = [o.text for o in options if o.value in condition.values]
    skipped = [o.text for o in options if o.value not in condition.values]
    which = "question " + " or ".join(str(n) for n in numbers)
    if len(numbers) == 1 and skipped and len(skipped) < len(asked):
        return f"Skip if {which} is answered {' or '.join(skipped)}."
    return f"Ask only if {which} is answered {' or '.join(asked)}."


@dataclass
class ScreenItemRow:
    number: int
    item: Item
    field: BoundField
    hint: str
    inline: bool  # short answers (yes / no) sit side by side


SHORT_ANSWER = 12  # characters


@dataclass
class ScreenSection:
    """One instrument as the page shows it, with the result of the answers given so far."""

    instrument: Instrument
    rows: list[ScreenItemRow]
    sex: BoundField | None
    answered: bool
    result: ScreenResult | None
    problem: str

    @property
    def max_total(self) -> int:
        return self.instrument.plan.max_total


class EncounterForm(UswdsForm):
    """One submit records the encounter; the client key makes a repeated submit harmless."""

    client_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    call = forms.UUIDField(widget=forms.HiddenInput, required=False)
    occurred_at = forms.DateTimeField(
        label="When it started",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Give the date and time the encounter started."},
    )
    given_name = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    family_name = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    signs = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Signs you saw"
    )
    deescalation = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="De-escalation used"
    )
    weapon_present = forms.BooleanField(required=False, label="A weapon was present")
    highest_force = forms.ChoiceField(
        # "Type not recorded" is for imported records; an officer on scene knows which it was.
        choices=[c for c in Encounter.Force.choices if c[0] != Encounter.Force.UNSPECIFIED],
        initial=Encounter.Force.NONE,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        label="Highest force used",
    )
    subject_injured = forms.BooleanField(required=False, label="The person was injured")
    officer_injured = forms.BooleanField(required=False, label="An officer was injured")
    disposition = forms.ChoiceField(
        choices=Encounter.Disposition.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input usa-radio__input--tile"}),
        label="Disposition",
        error_messages={"required": "Choose how the encounter ended."},
    )
    transport_destination = forms.CharField(
        max_length=200,
        required=False,
        label="Taken to",
        help_text="Needed when the person is transported or held.",
    )
    hold_legal_basis = forms.CharField(
        max_length=200,
        required=False,
        label="Legal basis for the hold",
        help_text="Needed for an involuntary hold: the statute or order.",
    )
    custody_transfer_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MINUTES_IN_A_DAY,
        label="Minutes waiting to hand over",
        help_text="At the facility, hospital or jail, until staff took over.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": NUMBER_CLASS}),
    )
    minutes_on_scene = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MINUTES_IN_A_DAY,
        label="Minutes on scene",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": NUMBER_CLASS}),
    )
    narrative = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "usa-textarea"}),
        label="What happened",
        help_text="A few plain sentences: no need to repeat what the form already says.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guide = field_guide()
        signs = cast(forms.MultipleChoiceField, self.fields["signs"])
        signs.choices = [
            (sign.code, sign.label) for group in guide.signs.values() for sign in group.signs
        ]
        techniques = cast(forms.MultipleChoiceField, self.fields["deescalation"])
        techniques.choices = [(t.code, t.label) for t in guide.deescalation]
        for instrument in field_instruments():
            for number, item in enumerate(instrument.items, start=1):
                self.fields[_answer_field(instrument, item)] = forms.ChoiceField(
                    required=False,
                    label=f"{instrument.name} question {number}",
                    choices=[(str(o.value), o.text) for o in instrument.options_of(item)],
                    widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                )
            if instrument.needs_sex:
                self.fields[_sex_field(instrument)] = forms.ChoiceField(
                    required=False,
                    label=f"{instrument.name}: the person's sex",
                    choices=[(sex, sex.capitalize()) for sex in SEXES],
                    widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                )

    # -- reading the form ---------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [data.get("given_name", ""), data.get("family_name", "")]
        if any(names) or data.get("date_of_birth"):
            for field, name in zip(("given_name", "family_name"), names, strict=True):
                if not name:
                    self.add_error(field, "Give both names, or leave the person unknown.")
        disposition = data.get("disposition")
        # Fields the page hides for this disposition are not kept (the officer cannot see them).
        if disposition and disposition not in Encounter.TRANSPORTS:
            data["transport_destination"] = ""
        if disposition and disposition != Encounter.Disposition.INVOLUNTARY_HOLD:
            data["hold_legal_basis"] = ""
        data["screens"] = self._screens_given()
        return data

    def _screens_given(self) -> list[ScreenGiven]:
        given = []
        for instrument in field_instruments():
            answers, sex = self._raw_answers(instrument)
            if not any(answer is not None for answer in answers):
                continue
            try:
                score(instrument, answers, sex=sex)
            except ScreeningInputError as error:
                self.add_error(self._field_at_fault(instrument, error), str(error))
                continue
            given.append(ScreenGiven(instrument.code, answers, sex))
        return given

    def _field_at_fault(self, instrument: Instrument, error: ScreeningInputError) -> str:
        if isinstance(error, SexRequiredError):
            return _sex_field(instrument)
        index = (error.item or 1) - 1
        return _answer_field(instrument, instrument.items[index])

    def _raw(self, name: str) -> str:
        """A field's value as posted (or, unbound, as restored from a draft), unvalidated."""
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return "" if value is None else str(value)

    def _raw_answers(self, instrument: Instrument) -> tuple[list[int | None], str | None]:
        """The answers given (None where blank), read without validating the whole form."""
        answers: list[int | None] = []
        for item in instrument.items:
            raw = self._raw(_answer_field(instrument, item))
            answers.append(int(raw) if raw.isdigit() else None)
        sex = self._raw(_sex_field(instrument))
        return answers, (sex if sex in SEXES else None)

    # -- showing the form ---------------------------------------------------------------------

    def screen_section(self, instrument: Instrument) -> ScreenSection:
        rows = [
            ScreenItemRow(
                number,
                item,
                self[_answer_field(instrument, item)],
                _asked_when_hint(instrument, item),
                inline=all(len(o.text) <= SHORT_ANSWER for o in instrument.options_of(item)),
            )
            for number, item in enumerate(instrument.items, start=1)
        ]
        sex = self[_sex_field(instrument)] if instrument.needs_sex else None
        answers, given_sex = self._raw_answers(instrument)
        result, problem = None, ""
        answered = any(answer is not None for answer in answers)
        if answered:
            try:
                result = score(instrument, answers, sex=given_sex)
            except ScreeningInputError as error:
                problem = str(error)
        return ScreenSection(instrument, rows, sex, answered, result, problem)

    def screen_sections(self) -> list[ScreenSection]:
        return [self.screen_section(instrument) for instrument in field_instruments()]

    def checked(self, name: str) -> set[str]:
        """The values of a multiple-choice field as the page should show them ticked."""
        value = self[name].value() or []
        return {str(v) for v in value}
