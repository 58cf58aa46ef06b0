"""An action's refusal shows beside the field it names, or above the form when that field is not
one a person sees."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from crossroads.core.forms import add_validation_errors


class _Form(forms.Form):
    note = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput)


def test_errors_go_beside_a_visible_field_and_above_the_form_otherwise() -> None:
    form = _Form({"note": "x", "version": "1"})
    assert form.is_valid()
    add_validation_errors(
        form,
        ValidationError({"note": "too short", "version": "stale", "officer": "not on the roll"}),
    )
    assert form.errors["note"] == ["too short"]
    assert form.non_field_errors() == ["stale", "not on the roll"]
