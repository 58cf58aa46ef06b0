"""Vega-Lite specifications for the dashboard, built on the server with Altair (ADR 0021).

Only `to_dict()`: the page draws the spec with the vendored vega scripts (static/vendor/vega),
never Altair's HTML, which would load them from a CDN. Every spec carries a title and a
description, which vega-embed puts on the drawing for screen readers; the table under each chart
gives the same numbers to everyone.

Periods arrive as ISO dates of their first day and are read as UTC (Vega reads a bare date as
UTC midnight): month and quarter axes use UTC time units so a reader west of Greenwich does not
see January labelled as December.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import altair as alt

Point = dict[str, Any]  # period, period_label, category_label, value, numerator, denominator
By = Literal["month", "quarter", "all"]

HEIGHT = 220
TIME_UNITS = {"month": "utcyearmonth", "quarter": "utcyearquarter"}
AXIS_FORMATS = {"month": "%b %Y", "quarter": "Q%q %Y"}
TOOLTIP = [
    alt.Tooltip("period_label:N", title="Period"),
    alt.Tooltip("value:Q", title="Value", format=".1f"),
    alt.Tooltip("numerator:Q", title="Counted"),
    alt.Tooltip("denominator:Q", title="Out of"),
]


def _categorised(points: Sequence[Point]) -> bool:
    return any(point.get("category_label") for point in points)


def trend(
    *, title: str, description: str, unit: str, points: Sequence[Point], by: By
) -> dict[str, Any]:
    """A line per category (one line when the metric has none) over the periods."""
    time_unit = TIME_UNITS.get(by, "utcyearmonthdate")
    x = alt.X(
        "period:T",
        timeUnit=time_unit,  # type: ignore[arg-type]
        title=None,
        axis=alt.Axis(format=AXIS_FORMATS.get(by, "%d %b %Y"), labelAngle=0, tickCount=6),
    )
    encoding: dict[str, Any] = {
        "x": x,
        "y": alt.Y("value:Q", title=unit),
        "tooltip": _tooltip(points),
    }
    if _categorised(points):
        encoding["color"] = alt.Color(
            "category_label:N", title=None, legend=alt.Legend(orient="bottom")
        )
    chart = alt.Chart(alt.InlineData(values=list(points))).mark_line(point=True).encode(**encoding)
    return _finished(chart, title, description)


def breakdown(
    *, title: str, description: str, unit: str, points: Sequence[Point]
) -> dict[str, Any]:
    """A bar per category for the whole range, largest first."""
    chart = (
        alt.Chart(alt.InlineData(values=list(points)))
        .mark_bar()
        .encode(
            y=alt.Y("category_label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=180)),
            x=alt.X("value:Q", title=unit),
            tooltip=_tooltip(points),
        )
    )
    return _finished(chart, title, description, height=alt.Step(22))


def _tooltip(points: Sequence[Point]) -> list[alt.Tooltip]:
    if not _categorised(points):
        return TOOLTIP
    return [alt.Tooltip("category_label:N", title="Category"), *TOOLTIP]


def _finished(
    chart: alt.Chart, title: str, description: str, height: int | alt.Step = HEIGHT
) -> dict[str, Any]:
    """Width from the page, a quiet title (the page's heading names the metric) and the
    description Vega puts on the drawing for screen readers."""
    subtitle = alt.TitleParams(
        title, anchor="start", fontSize=12, fontWeight="normal", color="#565c65"
    )
    spec: dict[str, Any] = (
        chart.properties(width="container", height=height, title=subtitle, description=description)
        .configure_view(stroke=None)
        .to_dict()
    )
    return spec
