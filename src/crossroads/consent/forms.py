"""The forms of the consent pages: a consent, its revocation and events, court orders,
break-glass access and the accounting's filter.

They check shape only (a date is a date, a choice is offered). Whether the consent is complete
and allowed is the action's to say, and its errors land on the same fields
(core.forms.add_validation_errors), so the page and the API refuse with the same words.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from crossroads.consent.actions import CONSENT_EVENTS, EMERGENCY_HOURS, NOTE_LENGTH, TEXT_LENGTH
from crossroads.consent.models import CONSENTABLE_PURPOSES, INFORMATION_KINDS, Consent
from crossroads.consent.policy import Purpose
from crossroads.core.forms import UswdsForm
from crossroads.core.models import Agency

PURPOSE_LABELS = {
    Purpose.TREATMENT: "Treatment: care coordination, a warm handoff",
    Purpose.MONITORING: "Criminal-justice monitoring: a diversion program, a court or probation "
    "following the person's progress (§2.35)",
    Purpose.PAYMENT: "Payment for the person's care",
    Purpose.INVESTIGATION: "Investigating the person",
    Purpose.PROSECUTION: "Prosecuting the person",
}
CHECKBOXES = forms.CheckboxSelectMultiple
DATE = forms.DateInput(attrs={"type": "date"})


def start_of(day: date) -> datetime:
    """Midnight at the start of `day`, in the time zone the page is in."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of(day: date) -> datetime:
    """The first moment after `day`: a consent or order "until 31 May" covers all of 31 May."""
    return start_of(day + timedelta(days=1))


class _AnyPurpose(forms.MultipleChoiceField):
    """Offers the purposes a consent may name, and passes any purpose on, so that the action
    says why investigation or prosecution cannot be consented to (instead of "not a choice")."""

    def valid_value(self, value: str) -> bool:
        return value in {purpose.value for purpose in Purpose}


def _part2_programs() -> forms.ModelChoiceField[Agency]:
    return forms.ModelChoiceField(
        queryset=Agency.objects.filter(type__in=Agency.PART2_CAPABLE),
        required=False,
        empty_label="Choose the program",
        label="Program that may disclose",
    )


def _information(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=list(INFORMATION_KINDS.items()), required=False, widget=CHECKBOXES, label=label
    )


class ConsentForm(UswdsForm):
    """Every element of §2.31. Fields are optional here: the action names each one missing."""

    discloser = _part2_programs()
    information = _information("What information may be disclosed")
    recipients = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.all(),
        required=False,
        widget=CHECKBOXES,
        label="Agencies that may receive it, by name",
    )
    recipient_classes = forms.MultipleChoiceField(
        choices=Agency.Type.choices,
        required=False,
        widget=CHECKBOXES,
        label="Or every agency of a kind",
    )
    purposes = _AnyPurpose(
        choices=[(p.value, PURPOSE_LABELS[p]) for p in CONSENTABLE_PURPOSES],
        required=False,
        widget=CHECKBOXES,
        label="Why it may be disclosed",
    )
    right_to_revoke_acknowledged = forms.BooleanField(
        required=False,
        label="I told the person they may revoke this consent at any time, aloud or in "
        "writing, except for what was already disclosed relying on it.",
    )
    expires_at = forms.DateField(
        required=False,
        widget=DATE,
        label="Last day of the consent",
        help_text="It ends at the end of this day. Give this date, an event, or both: it ends "
        "at whichever comes first.",
    )
    expiry_event = forms.CharField(
        required=False,
        max_length=TEXT_LENGTH,
        label="Or it ends on this event",
        help_text="For example: completion of the LEAD program.",
    )
    criminal_justice = forms.BooleanField(
        required=False,
        label="This is a criminal-justice consent (§2.35): a condition of a diversion program, "
        "a court or probation. It is for monitoring the person's progress only.",
    )
    irrevocable_until_event = forms.CharField(
        required=False,
        max_length=TEXT_LENGTH,
        label="A criminal-justice consent may be irrevocable until this event",
        help_text="For example: final disposition of the case. Until it is recorded, the person "
        "cannot revoke this consent. Leave empty if they may revoke it at any time.",
    )
    signature = forms.ChoiceField(
        choices=Consent.Signature.choices,
        initial=Consent.Signature.TYPED,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        label="How the person signs",
    )
    signed_by = forms.CharField(
        required=False, max_length=TEXT_LENGTH, label="Name of the person signing, as they type it"
    )
    signer_affirms = forms.BooleanField(
        required=False, label="I am the person named and I sign this consent."
    )
    signed_form = forms.FileField(
        required=False,
        label="Signed form (PDF, PNG or JPEG, at most 5 MB)",
        widget=forms.FileInput(
            attrs={
                "class": "usa-file-input",
                "accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
            }
        ),
    )
    signed_at = forms.DateField(
        required=False,
        widget=DATE,
        label="Date on the signed form",
        help_text="For an uploaded form only: a typed signature is dated now.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = data.get("signature") == Consent.Signature.TYPED
        if typed and data.get("signed_by", "").strip() and not data.get("signer_affirms"):
            self.add_error(
                "signer_affirms", "The person ticks this box to sign with the name they typed."
            )
        return data

    def signed_moment(self, now: datetime) -> datetime | None:
        """A typed signature is made now; an uploaded form carries its own date."""
        if self.cleaned_data["signature"] == Consent.Signature.TYPED:
            return now
        day = self.cleaned_data.get("signed_at")
        return start_of(day) if day else None


class RevokeForm(UswdsForm):
    note = forms.CharField(
        required=False,
        max_length=NOTE_LENGTH,
        label="How the person revoked it (optional)",
        help_text="For example: by phone to the intake desk. Do not write clinical details.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class EventForm(UswdsForm):
    event = forms.ChoiceField(choices=[(name, name) for name in CONSENT_EVENTS])
    at = forms.DateField(widget=DATE, label="Day it happened")


class CourtOrderForm(UswdsForm):
    discloser = _part2_programs()
    recipient = forms.ModelChoiceField(
        queryset=Agency.objects.all(),
        required=False,
        empty_label="Choose the agency",
        label="Agency the order allows to receive it",
    )
    court = forms.CharField(required=False, max_length=TEXT_LENGTH)
    docket_number = forms.CharField(required=False, max_length=100, label="Docket number")
    section = forms.ChoiceField(
        choices=[
            ("2.64", "§2.64: for purposes other than investigating or prosecuting the person"),
            ("2.65", "§2.65: to investigate or prosecute the person"),
        ],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        label="Section of 42 CFR Part 2",
    )
    purposes = forms.MultipleChoiceField(
        choices=[(p.value, PURPOSE_LABELS[p]) for p in Purpose],
        required=False,
        widget=CHECKBOXES,
        label="What the order allows the information to be used for",
    )
    information = _information("What information the order allows")
    issued_on = forms.DateField(required=False, widget=DATE, label="Issued on")
    valid_from = forms.DateField(required=False, widget=DATE, label="In force from")
    valid_until = forms.DateField(
        required=False, widget=DATE, label="Last day in force", help_text="As the order says."
    )
    document = forms.FileField(
        required=False,
        label="The order (PDF, PNG or JPEG, at most 5 MB; optional)",
        widget=forms.FileInput(
            attrs={
                "class": "usa-file-input",
                "accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
            }
        ),
    )


class CourtOrderDecideForm(UswdsForm):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
        label="Your decision",
        error_messages={"required": "Approve or reject the order."},
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_LENGTH,
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
    )


class EmergencyForm(UswdsForm):
    discloser = _part2_programs()
    nature_of_emergency = forms.CharField(
        required=False,
        max_length=NOTE_LENGTH,
        label="The medical emergency",
        help_text="What is happening now that needs these records (§2.51).",
        widget=forms.Textarea(attrs={"rows": 3, "class": "usa-textarea"}),
    )
    information = _information("What information the emergency needs")
    hours = forms.IntegerField(
        initial=24,
        min_value=1,
        max_value=EMERGENCY_HOURS,
        label="For how many hours",
        help_text=f"At most {EMERGENCY_HOURS}. Access ends on its own.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AccountingFilterForm(UswdsForm):
    since = forms.DateField(required=False, widget=DATE, label="From")
    until = forms.DateField(required=False, widget=DATE, label="To")
    person = forms.CharField(required=False, max_length=100, label="Person's name")
