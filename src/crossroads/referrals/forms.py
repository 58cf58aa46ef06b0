"""The forms of the referral pages: the sender's draft and its Send button, and the receiving
provider's moves along the loop.

They check shape only; the actions decide what is allowed, and their errors land on the same
fields (core.forms.add_validation_errors).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from crossroads.consent.models import INFORMATION_KINDS, Consent
from crossroads.core.forms import UswdsForm
from crossroads.referrals.actions import EVENT_NOTE_LENGTH, NOTE_LENGTH, REASON_LENGTH
from crossroads.referrals.models import Referral
from crossroads.referrals.workflow import Status, is_repeat


def consent_label(consent: Consent) -> str:
    """A consent as the sender chooses it: who signed and when, what it lets through, until when."""
    kinds = ", ".join(INFORMATION_KINDS.get(kind, kind).lower() for kind in consent.information)
    until = _day(consent.expires_at) if consent.expires_at else consent.expiry_event
    return f"Signed {_day(consent.signed_at)} by {consent.signed_by}: {kinds}; until {until}"


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


class DraftForm(UswdsForm):
    urgency = forms.ChoiceField(choices=Referral.Urgency.choices, label="How soon")
    handoff = forms.ChoiceField(choices=Referral.Handoff.choices, label="Handoff")
    note = forms.CharField(
        required=False,
        max_length=NOTE_LENGTH,
        label="Note for the provider",
        help_text="What the person needs and how to reach them. Nothing the person did not "
        "agree to share.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.ChoiceField(
        required=False,
        label="The person's consent for this provider",
        help_text="Under it, the provider may tell you how the referral went. Without one, you "
        "will see only that it was sent.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, consents: list[Consent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consents = {str(consent.pk): consent for consent in consents}
        choice = cast(forms.ChoiceField, self.fields["consent"])
        choice.choices = [("", "No consent attached")] + [
            (key, consent_label(consent)) for key, consent in self.consents.items()
        ]

    def clean_consent(self) -> Consent | None:
        return self.consents.get(self.cleaned_data["consent"])

    @classmethod
    def of(cls, referral: Referral, consents: list[Consent]) -> DraftForm:
        """The form as the draft stands now."""
        initial = {
            "urgency": referral.urgency,
            "handoff": referral.handoff,
            "note": referral.note,
            "consent": str(referral.consent_id) if referral.consent_id else "",
            "version": referral.version,
        }
        return cls(initial=initial, consents=consents)


class SendForm(UswdsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


# The receiving provider's buttons, and the fields each move asks for.
MOVE_BUTTONS = {
    Status.RECEIVED: "Mark received",
    Status.ACCEPTED: "Accept",
    Status.DECLINED: "Decline",
    Status.SCHEDULED: "Schedule",
    Status.FIRST_SERVICE: "Record first service",
    Status.COMPLETED: "Record completion",
    Status.DISENGAGED: "Record disengagement",
    Status.NO_SHOW: "Record a no-show",
}
# A move that records another of the step the referral stands at (workflow.REPEATS).
REPEAT_BUTTONS = {Status.FIRST_SERVICE: "Record another service attended"}
MOVE_FIELDS = {
    Status.DECLINED: ("reason", "note"),
    Status.SCHEDULED: ("scheduled_for", "note"),
}


def move_button(current: Status, to: Status) -> str:
    """The provider's button for the move from `current` to `to`."""
    return REPEAT_BUTTONS[to] if is_repeat(current, to) else MOVE_BUTTONS[to]


class MoveForm(UswdsForm):
    to = forms.ChoiceField(choices=Referral.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        required=False,
        max_length=REASON_LENGTH,
        label="Why it is declined",
        help_text="The sender does not see this.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scheduled_for = forms.DateTimeField(
        required=False,
        label="Appointment date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        required=False,
        max_length=EVENT_NOTE_LENGTH,
        label="Note for your team",
        help_text="Kept with this step; the sender does not see it.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def to_move(cls, referral: Referral, to: Status) -> MoveForm:
        """An empty form for one move, with ids of its own so several fit on one page."""
        return cls(initial={"to": to.value, "version": referral.version}, auto_id=f"{to}-%s")

    def asked(self) -> list[forms.BoundField]:
        """The fields this move asks the provider for."""
        to = Status(self["to"].value())
        return [self[name] for name in MOVE_FIELDS.get(to, ("note",))]
