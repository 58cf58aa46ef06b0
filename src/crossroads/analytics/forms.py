"""The analytics pages' forms: the dashboard's filters, the drill-down's request, the
evaluation's periods and the agency's parameters. A bad value comes back beside its field, and is
named again, with the field's label, in the summary above the form.

The filter forms are always bound: what the address leaves out takes its default, so the page
shows the values it used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, cast

from django import forms

from crossroads.analytics import grants
from crossroads.analytics.metrics import Metric
from crossroads.analytics.models import AgencyParameters
from crossroads.analytics.queries import PARAMETER_NAMES, Choices
from crossroads.core.forms import UswdsForm

MAX_DAYS = 3660  # ten years: longer ranges are the CLI's (`crossroads metrics show`)


def _date_field(label: str, help_text: str = "", *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.DateInput(attrs={"type": "date", "class": "usa-input"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Enter a date as YYYY-MM-DD.",
            "required": "Enter a date.",
        },
    )


def _choice(
    label: str, options: list[tuple[str, str]], *, everything: str = ""
) -> forms.ChoiceField:
    """A select; with `everything`, an empty first option meaning no filter."""
    return forms.ChoiceField(
        label=label,
        required=not everything,
        choices=[("", everything), *options] if everything else options,
        error_messages={
            "invalid_choice": "%(value)s is not one of the choices.",
            "required": "Choose one.",
        },
    )


def _offer(form: forms.Form, name: str, options: Iterable[tuple[str, str]]) -> None:
    """Set a select's options for this page, after its empty "no filter" option if it has one."""
    field = cast(forms.ChoiceField, form.fields[name])
    declared = cast(list[tuple[str, str]], field.choices)  # normalised to a list by Django
    field.choices = [*(choice for choice in declared if choice[0] == ""), *options]


def _bound(data: Mapping[str, Any], defaults: Mapping[str, object]) -> dict[str, Any]:
    """The query's values over the defaults; an empty value keeps its default."""
    given = {key: data.get(key) for key in data}
    shown = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in defaults.items()
    }
    return {**shown, **{key: value for key, value in given.items() if value not in ("", None)}}


class _RangeForm(UswdsForm):
    """A form with one or more (first, last) date pairs, each checked in order and length."""

    ranges: tuple[tuple[str, str], ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for first_field, last_field in self.ranges:
            first, last = data.get(first_field), data.get(last_field)
            if not isinstance(first, date) or not isinstance(last, date):
                continue
            first_label = str(self.fields[first_field].label)
            last_label = str(self.fields[last_field].label)
            if last < first:
                self.add_error(last_field, f"Is earlier than “{first_label}”.")
            elif (last - first).days > MAX_DAYS:
                self.add_error(first_field, f"Is more than ten years before “{last_label}”.")
        return data


class DashboardForm(_RangeForm):
    """`?from=&to=&by=&program=&agency=&area=`; by default the twelve months to the snapshot."""

    ranges = (("from", "to"),)
    to = _date_field("To", "Both days are included.")
    by = _choice("By", [("month", "Month"), ("quarter", "Quarter")])
    program = _choice("Program", [], everything="All programs")
    agency = _choice("Agency", [])
    area = _choice("Area", [], everything="All areas")

    def __init__(self, data: Mapping[str, Any], *, choices: Choices, last_day: date) -> None:
        slug, name = choices.agency
        first = (last_day.replace(day=1) - timedelta(days=335)).replace(day=1)
        defaults = {"from": first, "to": last_day, "by": "month", "agency": slug}
        super().__init__(_bound(data, defaults))
        # Declared here: `from` is a Python keyword, so it cannot be a class attribute.
        self.fields["from"] = _date_field("From")
        self.order_fields(["from", "to", "by", "program", "agency", "area"])
        _offer(self, "program", choices.programs)
        # One agency: a user sees their own agency's figures (analytics/queries.py).
        _offer(self, "agency", [(slug, name)])
        self.fields["agency"].error_messages["invalid_choice"] = (
            f"You may see the figures of {name} only."
        )
        _offer(self, "area", ((area, area) for area in choices.areas))


class DrilldownForm(_RangeForm):
    """`?metric=&from=&to=&area=&program=`: the number whose records to list."""

    ranges = (("from", "to"),)
    metric = _choice("Metric", [])
    to = _date_field("To")
    area = forms.CharField(label="Area", required=False, max_length=100)
    program = forms.CharField(label="Program", required=False, max_length=60)

    def __init__(self, data: Mapping[str, Any], *, metrics: list[Metric]) -> None:
        super().__init__(data)
        self.fields["from"] = _date_field("From")
        self.order_fields(["metric", "from", "to", "area", "program"])
        _offer(self, "metric", ((m.name, m.header.title) for m in metrics))


class EvaluationForm(_RangeForm):
    """Before and after periods, the metric compared across them, and the program whose
    participants are compared with the people referred but not enrolled."""

    ranges = (("before_from", "before_to"), ("after_from", "after_to"))
    metric = _choice("Measure compared before and after", [])
    before_from = _date_field("Before: from")
    before_to = _date_field("Before: to")
    after_from = _date_field("After: from")
    after_to = _date_field("After: to")
    program = _choice("Program", [], everything="Choose a program")

    def __init__(
        self, data: Mapping[str, Any], *, metrics: list[Metric], choices: Choices, last_day: date
    ) -> None:
        after_from = last_day - timedelta(days=364)
        defaults: dict[str, object] = {
            "before_from": after_from - timedelta(days=365),
            "before_to": after_from - timedelta(days=1),
            "after_from": after_from,
            "after_to": last_day,
        }
        if metrics:
            chosen = (
                "force_rate" if any(m.name == "force_rate" for m in metrics) else metrics[0].name
            )
            defaults["metric"] = chosen
        super().__init__(_bound(data, defaults))
        _offer(self, "metric", ((m.name, m.header.title) for m in metrics))
        _offer(self, "program", choices.programs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        before_to, after_from = data.get("before_to"), data.get("after_from")
        if isinstance(before_to, date) and isinstance(after_from, date) and after_from <= before_to:
            self.add_error("after_from", "Starts before the earlier period ends.")
        return data


class ParametersForm(UswdsForm):
    """The agency's figures: each may be left empty (its estimates then say it is missing)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(AgencyParameters, fields=list(PARAMETER_NAMES))
        for name, field in model_fields.items():
            field.required = False
            field.widget.attrs["class"] = "usa-input"
            self.fields[name] = field


class GrantReportForm(UswdsForm):
    """Which grant's questions, for which quarter, and as what: a page to read, or a file."""

    program = forms.ChoiceField(label="Grant program")
    quarter = forms.ChoiceField(label="Quarter")
    format = forms.ChoiceField(
        label="Show",
        choices=[("page", "On this page"), ("csv", "Download CSV"), ("pdf", "Download PDF")],
        required=False,
    )

    def __init__(self, data: Mapping[str, Any], *, today: date) -> None:
        super().__init__(data)
        names = {m.mapping.program: m.mapping.name for m in grants.mappings()}
        _offer(self, "program", sorted(names.items()))
        _offer(self, "quarter", ((q, q) for q in _quarters_before(today, 8)))

    def clean_format(self) -> str:
        return str(self.cleaned_data.get("format") or "page")


def _quarters_before(today: date, count: int) -> list[str]:
    """The last `count` whole calendar quarters, the latest first (PMT reports are quarterly)."""
    index = today.year * 4 + (today.month - 1) // 3 - 1  # the quarter before this one
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index, index - count, -1)]
