"""The forms of the training pages. Each field is named as the action's argument it feeds, so a
page passes what it read to the action as the JSON twin does."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet

from crossroads.core.forms import UswdsForm
from crossroads.core.models import User
from crossroads.training import knowledge
from crossroads.training.curricula import RENEWAL_GRACE_MONTHS, CourseSpec
from crossroads.training.models import Course
from crossroads.training.queries import OfferedCourse, Show

TEXT_AREA = {"class": "usa-textarea", "rows": 4}
MODULE_LINE = "code | name | hours | objective; another objective"


def date_field(label: str, **options: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the date.", "invalid": "Give a date (YYYY-MM-DD)."},
        **options,
    )


class StaffChoice(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class StaffChoices(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def module_of_line(number: int, line: str) -> dict[str, object]:
    """One module typed as `code | name | hours | objective; objective`."""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) != 4:
        raise forms.ValidationError(
            f"Module {number}: write {MODULE_LINE} ({len(parts)} part{'s' * (len(parts) != 1)} "
            "found)."
        )
    code, name, hours, objectives = parts
    try:
        hours_given = Decimal(hours)
    except InvalidOperation:
        raise forms.ValidationError(
            f"Module {number}: {hours!r} is not a number of hours."
        ) from None
    return {
        "code": code,
        "name": name,
        "hours": hours_given,
        "objectives": [text.strip() for text in objectives.split(";") if text.strip()],
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CourseForm(UswdsForm):
    code = forms.CharField(
        max_length=40,
        help_text="Lower-case letters, digits and _, e.g. cit_youth. Sessions name the course "
        "by it.",
    )
    name = forms.CharField(max_length=200)
    audience = forms.ChoiceField(choices=Course.Audience.choices, label="Who takes it")
    hours = forms.DecimalField(
        max_digits=5, decimal_places=1, help_text="The modules' hours add up to it."
    )
    validity_months = forms.IntegerField(
        label="Valid for (months)", help_text="How long the certification it grants lasts."
    )
    certifies = forms.CharField(
        max_length=40,
        label="Certification it grants",
        help_text="Its own code for a new certification, or the one it renews (cit for a CIT "
        "refresher): a refresher certifies only those who hold it, or whose last one lapsed at "
        f"most {RENEWAL_GRACE_MONTHS} months before.",
    )
    item_bank = forms.ChoiceField(
        required=False,
        label="Knowledge check",
        help_text="Taken before and after each session.",
    )
    objectives = forms.CharField(
        widget=forms.Textarea(attrs=TEXT_AREA),
        label="Learning objectives",
        help_text="One a line.",
    )
    modules = forms.CharField(
        widget=forms.Textarea(attrs=TEXT_AREA | {"rows": 8}),
        help_text=f"One module a line: {MODULE_LINE}. For example: de_escalation | "
        "De-escalation | 8 | Use time, distance and cover; Speak calmly, one voice at a time",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        banks = [(code, knowledge.load_bank(code).name) for code in knowledge.bank_codes()]
        self.fields["item_bank"].choices = [("", "None"), *banks]  # type: ignore[attr-defined]

    def clean_objectives(self) -> list[str]:
        return _lines(self.cleaned_data["objectives"])

    def clean_modules(self) -> list[dict[str, object]]:
        lines = _lines(self.cleaned_data["modules"])
        errors, modules = [], []
        for number, line in enumerate(lines, start=1):
            try:
                modules.append(module_of_line(number, line))
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return modules


class VersionForm(UswdsForm):
    """What a session edit sends back: the version the page showed (a conflict answers 409)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class SessionPlanForm(UswdsForm):
    """When and where a session runs and who teaches it: set when it is scheduled, changed
    while it is."""

    starts_on = date_field("First day")
    ends_on = date_field("Last day")
    location = forms.CharField(max_length=200, required=False)
    instructors = StaffChoices(
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Staff of your agency who teach it. Hold Ctrl (⌘ on a Mac) to pick more "
        "than one.",
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instructors"].queryset = staff  # type: ignore[attr-defined]


class SessionForm(SessionPlanForm):
    course = forms.ChoiceField()

    field_order = ["course"]

    def __init__(self, *args: Any, courses: list[OfferedCourse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a course"),
            *((course.spec.code, course.spec.name) for course in courses),
        ]


class SessionEditForm(SessionPlanForm, VersionForm):
    """A scheduled session's plan, as the page showed it at `version`."""


class RollAddForm(VersionForm):
    officer = StaffChoice(
        queryset=User.objects.none(), label="Add to the roll", empty_label="Choose someone"
    )

    def __init__(self, *args: Any, trainees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = trainees  # type: ignore[attr-defined]


class HoursForm(VersionForm):
    """The hours one officer on the roll attended, a field per module (blank is none)."""

    officer = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, spec: CourseSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for module in spec.modules:
            self.fields[f"module_hours.{module.code}"] = forms.DecimalField(
                label=f"{module.name} (of {module.hours} h)",
                required=False,
                min_value=Decimal(0),
                max_value=module.hours,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )

    def module_hours(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("module_hours."): value or Decimal(0)
            for name, value in self.cleaned_data.items()
            if name.startswith("module_hours.")
        }


class CheckForm(UswdsForm):
    """A knowledge check: one question a group of radios, named answers.<item>."""

    def __init__(self, *args: Any, bank: knowledge.ItemBank, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in bank.items:
            self.fields[f"answers.{item.code}"] = forms.ChoiceField(
                label=item.question,
                choices=list(item.options.items()),
                widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                error_messages={"required": "Choose an answer."},
            )

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("answers."): value
            for name, value in self.cleaned_data.items()
            if name.startswith("answers.")
        }


class CertificationFilterForm(UswdsForm):
    show = forms.ChoiceField(
        choices=[
            (Show.CURRENT, "Valid today"),
            (Show.LAPSING, "Lapsing within 90 days"),
            (Show.LAPSED, "Lapsed"),
        ],
        required=False,
        initial=Show.CURRENT,
        label="Show",
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )


class PeriodForm(UswdsForm):
    since = date_field("From", required=False)
    until = date_field("To", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "must be on or after the first day.")
        return data
