"""The forms of the capacity board, the maintainer's review and the provider's listing edits.

They check shape only (numbers are numbers, a choice is offered); the actions decide what is
allowed, and their errors land on the same fields (core.forms.add_validation_errors).
"""

from __future__ import annotations

from typing import Any

from django import forms

from crossroads.core.forms import UswdsForm
from crossroads.directory import actions
from crossroads.directory.models import CapacityReport
from crossroads.directory.queries import Listing, field_label, shown

YES_NO = [("yes", "Yes"), ("no", "No")]


class CapacityReportForm(UswdsForm):
    """One report for one site: compact, so every site fits on one screen."""

    kind = forms.ChoiceField(choices=CapacityReport.Kind.choices, label="Bed or slot type")
    available = forms.IntegerField(required=False, min_value=0, label="Open now")
    total = forms.IntegerField(required=False, min_value=0, label="Staffed in all")
    accepting = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        label="Taking new people now",
        error_messages={"required": "Say whether you are taking new people now."},
    )
    wait_minutes = forms.IntegerField(required=False, min_value=0, label="Wait (minutes)")
    note = forms.CharField(
        required=False,
        max_length=actions.NOTE_LENGTH,
        label="Note",
        help_text="For example: men only tonight; call ahead.",
    )


class ChangeRejectForm(UswdsForm):
    note = forms.CharField(
        max_length=500,
        label="Why it is rejected",
        help_text="The provider reads this; say what to correct.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why, so the provider can correct it."},
    )


class ListingEditForm(UswdsForm):
    """The fields of a listing its organisation may edit (actions.EDITABLE), as they are now."""

    def __init__(self, *args: Any, record: Listing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, editable in actions.EDITABLE[record.hsds_table].items():
            self.fields[name] = _field(editable, field_label(record.hsds_table, name))
            self.fields[name].initial = shown(getattr(record, name))
        self.order_fields(actions.EDITABLE[record.hsds_table])


def _field(editable: actions.Editable, label: str) -> forms.Field:
    required = editable.required
    # The fields are made after UswdsForm styled the (then empty) form, so they bring their class.
    line = {"class": "usa-input"}
    if editable.kind is actions.FieldKind.AGE:
        return forms.FloatField(
            required=False,
            min_value=0,
            max_value=actions.OLDEST_AGE,
            label=f"{label} (years)",
            widget=forms.NumberInput(line),
        )
    if editable.kind is actions.FieldKind.EMAIL:
        return forms.CharField(required=required, label=label, widget=forms.EmailInput(line))
    if editable.kind is actions.FieldKind.URL:
        return forms.CharField(required=required, label=label, widget=forms.URLInput(line))
    widget: forms.Widget = (
        forms.Textarea({"class": "usa-textarea", "rows": 3})
        if editable.length > actions.SHORT
        else forms.TextInput(line)
    )
    return forms.CharField(
        required=required, max_length=editable.length, label=label, widget=widget
    )
