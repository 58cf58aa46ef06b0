"""The public transparency figures: a police or sheriff's agency's headline counts and rates by
month, for the last twelve full months of the snapshot, suppressed for publication.

Every figure is a column of a metric (metrics/NAME.sql), so the "how we count" page explains it.
The counts of all sections form one table (months x counts, with each count's twelve-month
total); suppression.py hides the counts of 1 to 10 and whatever would give them away, and every
rate whose numerator or denominator is hidden. No Django here: the page (views_public.py) caches
what `agency_figures` returns.

The counts were chosen so that none is a sum or difference of others on the page (force, injury
and calls answered are each part of a larger count, never published beside the rest of it): the
only published relations are the months of a count of events adding up to its total, which is
what the suppression is told. A count of people (each counted once a period) does not add up
over months; its twelve-month figure is suppressed on its own. Adding a count that is the sum of
others needs those relations added as lines.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from crossroads.analytics import metrics
from crossroads.analytics.snapshot import Manifest
from crossroads.analytics.suppression import Line, hidden_rates, suppress

log = logging.getLogger(__name__)

PUBLISHING_TYPES = ("police", "sheriff")
MONTHS = 12


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    metric: str
    column: Literal["numerator", "denominator"]
    # Events add up over months; people counted once each per period do not, so their
    # twelve-month figure is the metric's own over the whole range, tied to no month.
    additive: bool = True


@dataclass(frozen=True)
class Rate:
    label: str
    metric: str  # its `value`; its numerator and denominator are the counts named here
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Section:
    heading: str
    counts: tuple[Count, ...]
    rates: tuple[Rate, ...]


ENCOUNTERS = Count("encounters", "Encounters", "force_rate", "denominator")
SECTIONS = (
    Section(
        "Behavioural-health calls",
        (
            Count("calls", "Calls with a response sent", "trained_response_rate", "denominator"),
            Count(
                "answered",
                "Answered by a CIT officer or clinician",
                "trained_response_rate",
                "numerator",
            ),
        ),
        (
            Rate(
                "Share answered (%)",
                "trained_response_rate",
                "answered",
                "calls",
            ),
        ),
    ),
    Section(
        "Encounters and force",
        (ENCOUNTERS, Count("force", "With force above verbal commands", "force_rate", "numerator")),
        (Rate("Per 100", "force_rate", "force", "encounters"),),
    ),
    Section(
        "Injuries to the people met",
        (Count("subject_injured", "Person injured", "subject_injury_rate", "numerator"),),
        (Rate("Per 100", "subject_injury_rate", "subject_injured", "encounters"),),
    ),
    Section(
        "Injuries to officers",
        (Count("officer_injured", "Officer injured", "officer_injury_rate", "numerator"),),
        (Rate("Per 100", "officer_injury_rate", "officer_injured", "encounters"),),
    ),
    Section(
        "Diversion from arrest",
        (
            Count(
                "arrest_basis", "Encounters with an arrest basis", "diversion_rate", "denominator"
            ),
            Count("diverted", "Ended without booking", "diversion_rate", "numerator"),
        ),
        (Rate("Share diverted (%)", "diversion_rate", "diverted", "arrest_basis"),),
    ),
    Section(
        "Referrals and treatment",
        (
            Count("referrals", "Referrals made to services", "referral_closure", "denominator"),
            Count(
                "diverted_people",
                "People diverted to treatment or services",
                "diverted_to_treatment",
                "numerator",
                additive=False,
            ),
        ),
        (),
    ),
)


@dataclass(frozen=True)
class Cell:
    """One published figure: its number, or hidden (suppressed), or None (nothing to count)."""

    value: float | None
    hidden: bool = False
    kind: Literal["count", "rate"] = "count"


@dataclass(frozen=True)
class SectionFigures:
    heading: str
    columns: tuple[str, ...]  # the label of each column, counts then rates
    definitions: tuple[tuple[str, str], ...]  # (name, title) of the metrics the columns come from
    rows: tuple[tuple[date, tuple[Cell, ...]], ...]  # each month, oldest first
    total: tuple[Cell, ...]


@dataclass(frozen=True)
class AgencyFigures:
    slug: str
    name: str
    first: date
    last: date
    generated_at: str
    sections: tuple[SectionFigures, ...]
    hidden_cells: int


@dataclass(frozen=True)
class PublishingAgency:
    slug: str
    name: str


def publishing_agencies(root: Path) -> list[PublishingAgency]:
    """The police and sheriff's agencies in the snapshot, by name; none without a snapshot."""
    if Manifest.read(root) is None:
        return []
    engine = metrics.Engine(root)
    found = engine.duck.execute(
        "SELECT agency, name FROM agencies WHERE list_contains($types, type) ORDER BY name",
        {"types": list(PUBLISHING_TYPES)},
    ).fetchall()
    return [PublishingAgency(slug, name) for slug, name in found]


def reporting_months(generated_at: str) -> tuple[date, date]:
    """The last twelve full months before the snapshot was taken."""
    end = date.fromisoformat(generated_at[:10]).replace(day=1) - timedelta(days=1)
    first = end.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, end


def agency_figures(root: Path, agency: PublishingAgency) -> AgencyFigures:
    manifest = Manifest.read(root)
    if manifest is None:
        raise metrics.MetricError("there is no analytics snapshot yet")
    first, last = reporting_months(manifest.generated_at)
    months = _months(first, last)
    engine = metrics.Engine(root, agency=agency.slug)
    by_month, whole = _metric_rows(engine, first, last, agency.slug)
    counts = [count for section in SECTIONS for count in section.counts]
    unique = list({count.key: count for count in counts}.values())
    cells, lines = _count_table(unique, months, by_month, whole)
    hidden = suppress(cells, lines)
    column = {count.key: n for n, count in enumerate(unique)}
    sections = tuple(
        _section(section, months, cells, hidden, column, by_month, whole) for section in SECTIONS
    )
    return AgencyFigures(
        agency.slug, agency.name, first, last, manifest.generated_at, sections, len(hidden)
    )


Rows = dict[tuple[str, date], dict[str, Any]]
Table = dict[tuple[int, int], int]


def _count_table(
    counts: list[Count], months: list[date], by_month: Rows, whole: Rows
) -> tuple[Table, list[Line[tuple[int, int]]]]:
    """Months x counts, with each count's twelve-month figure as a last row; and the lines
    saying which columns' months add up to it."""
    cells: Table = {}
    lines = []
    total_row = len(months)
    for j, count in enumerate(counts):
        monthly = [_part(by_month, count, month) for month in months]
        cells.update({(i, j): value for i, value in enumerate(monthly)})
        if count.additive:
            cells[total_row, j] = sum(monthly)
            lines.append(Line(tuple((i, j) for i in range(total_row)), (total_row, j)))
        else:
            cells[total_row, j] = _part(whole, count, months[0])
    return cells, lines


def _metric_rows(engine: metrics.Engine, first: date, last: date, slug: str) -> tuple[Rows, Rows]:
    """Each metric's row per month, and over the whole twelve months."""
    names = {c.metric for s in SECTIONS for c in s.counts} | {
        r.metric for s in SECTIONS for r in s.rates
    }
    by_month: Rows = {}
    whole: Rows = {}
    for name in sorted(names):
        metric = metrics.metric_named(name)
        for row in engine.run(metric, metrics.Filters(first, last, "month", slug)):
            by_month[name, row["period"]] = row
        for row in engine.run(metric, metrics.Filters(first, last, "all", slug)):
            whole[name, first] = row
    return by_month, whole


def _part(rows: Rows, count: Count, month: date) -> int:
    row = rows.get((count.metric, month))
    return int(row[count.column] or 0) if row else 0


def _section(
    section: Section,
    months: list[date],
    cells: Table,
    hidden: frozenset[tuple[int, int]],
    column: dict[str, int],
    by_month: Rows,
    whole: Rows,
) -> SectionFigures:
    total_row = len(months)

    def line(row: int, metric_rows: Rows, period: date) -> tuple[Cell, ...]:
        shown = [
            Cell(None, True) if (row, column[c.key]) in hidden else Cell(cells[row, column[c.key]])
            for c in section.counts
        ]
        rates = [
            _rate(rate, row, column, cells, hidden, metric_rows.get((rate.metric, period)))
            for rate in section.rates
        ]
        return (*shown, *rates)

    return SectionFigures(
        section.heading,
        tuple(c.label for c in section.counts) + tuple(r.label for r in section.rates),
        tuple(
            (name, metrics.metric_named(name).header.title)
            for name in dict.fromkeys(
                [c.metric for c in section.counts] + [r.metric for r in section.rates]
            )
        ),
        tuple((month, line(n, by_month, month)) for n, month in enumerate(months)),
        line(total_row, whole, months[0]),
    )


def _rate(
    rate: Rate,
    row: int,
    column: dict[str, int],
    cells: Table,
    hidden: frozenset[tuple[int, int]],
    metric_row: dict[str, Any] | None,
) -> Cell:
    numerator, denominator = (row, column[rate.numerator]), (row, column[rate.denominator])
    if hidden_rates({rate.label: (numerator, denominator)}, hidden):
        return Cell(None, True, "rate")
    if not cells[denominator]:
        return Cell(None, kind="rate")
    parts = (metric_row or {}).get("numerator"), (metric_row or {}).get("denominator")
    if parts != (cells[numerator], cells[denominator]):
        # The rate's own parts are not the counts published beside it: publishing it could
        # reveal a count the suppression never saw, so it is withheld.
        log.warning(
            "transparency: %s parts %s differ from the published counts", rate.metric, parts
        )
        return Cell(None, True, "rate")
    value = metric_row["value"] if metric_row else None
    return Cell(None if value is None else float(value), kind="rate")


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months
