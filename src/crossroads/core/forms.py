from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from crossroads.core import actions
from crossroads.core.models import Role, User

BANNER = (
    "This system holds criminal-justice and health information protected by federal law, "
    "including 42 CFR Part 2 and HIPAA. Use is limited to authorised staff for authorised "
    "purposes. Every sign-in and every access to personal information is recorded and may be "
    "reviewed. Unauthorised use may lead to discipline and prosecution."
)
THROTTLED_MESSAGE = "Too many failed sign-ins from this network. Wait 15 minutes, then try again."


def uuid_or_none(value: object) -> UUID | None:
    """A request parameter read as an id; absent or malformed is None (the caller decides if
    that is an error)."""
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def add_validation_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show an action's ValidationError on the form: on the field it names, else above it (a
    hidden field shows no errors, so an error about it goes above the form too)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, errors)


class UswdsForm(forms.Form):
    """Gives every widget the U.S. Web Design System class it needs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "usa-checkbox__input")
            elif isinstance(widget, forms.CheckboxInput):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "usa-select")
            else:
                widget.attrs.setdefault("class", "usa-input")


LOCKED_MESSAGE = (
    "This account is locked after repeated failed sign-ins. "
    "Ask your agency administrator to release it."
)


class SignInForm(UswdsForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    acknowledge = forms.BooleanField(
        label="I have read the notice above and agree to its terms.",
        error_messages={"required": "Acknowledge the notice to sign in."},
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not (username and password and data.get("acknowledge")):
            return data
        locked = User.objects.filter(username=username, locked_at__isnull=False).first()
        if locked is not None:
            # The same hashing work as a real check, so the answer's timing says nothing about
            # whether the password was right.
            make_password(password)
            actions.sign_in_refused_while_locked(user=locked)
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        self.user = authenticate(self.request, username=username, password=password)
        if self.user is None:
            raise forms.ValidationError(
                "That username and password do not match an active account.", code="invalid"
            )
        return data


class OtpForm(UswdsForm):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("The code is six digits.")
        return token


class TokenCreateForm(UswdsForm):
    name = forms.CharField(
        max_length=80,
        label="What will use this token?",
        help_text="For example: records-management system export.",
    )


class StaffCreateForm(UswdsForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.CharField(max_length=150, help_text="One account per person; never shared.")
    email = forms.EmailField()
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password. Give it to the person "
        "privately; they set up their authenticator at first sign-in.",
    )
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)


class RolesForm(UswdsForm):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AuditFilterForm(UswdsForm):
    verb = forms.CharField(required=False, label="Event")
    actor = forms.CharField(required=False, label="Who")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
