"""The analytics pages' reads of the snapshot: the dashboard's figures, the records behind a
number, the evaluation's comparisons and the measures the cost calculator prices.

Every figure is the signed-in user's own agency's (its rows of each metric's result). The rule in
core.access for partner agencies (aggregate_statistics data flows) is not applied here yet: the
pages show one agency, and the lead's ADR decides if partners' figures join it.

One `metrics.Engine` per request (open_engine). Without a program it reads only the agency's
own partitions: every figure of the agency's own records lies there, and it is several times
faster. A program's cases sit under the program's agency (often another: a police department
refers to a provider's program), and some metrics follow a person from a case into the police
department's encounters by design (rearrest, repeat contacts by program); so with a program the
engine reads every agency's partitions and keeps the agency's rows of each result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.text import slugify

from crossroads.analytics import charts, evaluation
from crossroads.analytics.metrics import Engine, Filters, Metric, MetricError, Period, catalogue
from crossroads.analytics.models import AgencyParameters
from crossroads.analytics.schema import TABLES
from crossroads.analytics.snapshot import Manifest, snapshot_dir
from crossroads.core import access, audit
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.encounters.models import Encounter
from crossroads.programs.models import Case
from crossroads.training.comparison import OUTCOMES

Kind = Literal["trend", "breakdown"]

# What the dashboard shows, in sections; a metric whose file is not in the catalogue is left out.
DASHBOARD: tuple[tuple[str, tuple[tuple[str, Kind], ...]], ...] = (
    (
        "Response to behavioural-health calls",
        (
            ("trained_response_rate", "trend"),
            ("response_minutes", "trend"),
            ("call_reclassification_rate", "trend"),
            ("shift_coverage", "trend"),
            ("cit_coverage", "trend"),
        ),
    ),
    (
        "How encounters end",
        (
            ("disposition_share", "breakdown"),
            ("diversion_rate", "trend"),
            ("diverted_to_treatment", "trend"),
            ("force_rate", "trend"),
            ("subject_injury_rate", "trend"),
            ("officer_injury_rate", "trend"),
        ),
    ),
    (
        "After the encounter",
        (
            ("repeat_contact", "trend"),
            ("rearrest", "trend"),
            ("referral_closure", "trend"),
            ("acknowledgement_hours", "trend"),
            ("time_to_treatment", "trend"),
            ("initiation_14d", "trend"),
            ("engagement_34d", "trend"),
        ),
    ),
    (
        "Programs",
        (
            ("new_participants", "trend"),
            ("lead_intake_on_time", "trend"),
            ("placement_rate", "trend"),
            ("qrt_contact_rate", "trend"),
            ("qrt_acceptance_rate", "trend"),
        ),
    ),
)
RESULT_COLUMNS = {"period", "agency", "category", "numerator", "denominator", "value"}
CATEGORY_LABELS: dict[str, str] = dict(Encounter.Disposition.choices)
# Codes a drill-down column shows by their label.
CODE_LABELS: dict[str, dict[str, str]] = {
    "disposition": CATEGORY_LABELS,
    "highest_force": dict(Encounter.Force.choices),
}
DRILL_LIMIT = 500
# The page each kind of record has (those pages apply their own access rule).
RECORD_PAGES = {
    "calls": ("call_id", "encounters:call_detail"),
    "encounters": ("encounter_id", "encounters:encounter_detail"),
    "referrals": ("referral_id", "referrals:referral_detail"),
    "cases": ("case_id", "programs:case_detail"),
}
# How a kind of record belongs to a program: through the cases opened from it.
PROGRAM_OF = {
    "calls": "r.call_id IN (SELECT e.call_id FROM encounters e JOIN cases k "
    "ON k.encounter_id = e.encounter_id WHERE k.program = $program)",
    "encounters": "r.encounter_id IN "
    "(SELECT k.encounter_id FROM cases k WHERE k.program = $program)",
    "referrals": "(r.program = $program OR r.case_id IN "
    "(SELECT k.case_id FROM cases k WHERE k.program = $program))",
    "cases": "r.program = $program",
}


def agency_slug(agency: Agency) -> str:
    """The agency as the snapshot names it (its partitions and every result's `agency`)."""
    return slugify(agency.short_name)


# --- The snapshot -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    generated_at: datetime
    last_day: date  # the agency's calendar day the snapshot was made on

    @property
    def cutoff(self) -> datetime:
        """The last instant the snapshot can know of, as the snapshot stores instants."""
        return self.generated_at.astimezone(UTC).replace(tzinfo=None)


def snapshot_for(user: User) -> Snapshot | None:
    """When the snapshot was made, or None when there is none yet."""
    manifest = Manifest.read(snapshot_dir())
    if manifest is None:
        return None
    made = datetime.fromisoformat(manifest.generated_at)
    return Snapshot(made, made.astimezone(ZoneInfo(user.agency.time_zone)).date())


@contextmanager
def open_engine(user: User, *, program: object) -> Iterator[Engine]:
    """The request's engine, closed when the page is done with it: the agency's partitions alone
    unless a program is asked for (the pages' own queries below read the views as they are, so
    they are opened wide from the start rather than left to metrics.Engine, which widens them
    per run)."""
    engine = Engine(snapshot_dir(), agency=None if program else agency_slug(user.agency))
    try:
        yield engine
    finally:
        engine.duck.close()


@dataclass(frozen=True)
class Choices:
    agency: tuple[str, str]  # (slug, name): the one agency whose figures the user sees
    programs: list[tuple[str, str]]
    areas: list[str]


def choices_for(user: User, engine: Engine) -> Choices:
    """The filters' options: the programs the agency runs or has referred people to, and the
    areas (precincts) its calls and encounters name in the snapshot."""
    own = agency_slug(user.agency)
    referred = sorted(
        set(
            Case.objects.filter(referred_by_agency=user.agency).values_list(
                "program__slug", flat=True
            )
        )
    )
    programs = engine.duck.execute(
        """
        SELECT p.program, p.name, p.agency = $own AS runs, a.name AS runner
        FROM programs p LEFT JOIN agencies a ON a.agency = p.agency
        WHERE p.agency = $own OR list_contains($referred, p.program)
        ORDER BY p.name
        """,
        {"own": own, "referred": referred},
    ).fetchall()
    areas = engine.duck.execute(
        """
        SELECT DISTINCT area FROM (
          SELECT area FROM calls WHERE agency = $own UNION SELECT area FROM encounters
          WHERE agency = $own) WHERE area <> '' ORDER BY area
        """,
        {"own": own},
    ).fetchall()
    return Choices(
        (own, user.agency.name),
        [
            (slug, name if runs else f"{name} (run by {runner})")
            for slug, name, runs, runner in programs
        ],
        [area for (area,) in areas],
    )


# --- Shared formatting ------------------------------------------------------------------------


def category_label(category: object) -> str:
    text = str(category)
    if text.isdigit():
        return f"within {text} days"
    return CATEGORY_LABELS.get(text, _humanised(text))


def period_bounds(start: date, by: Period, first: date, last: date) -> tuple[date, date]:
    """The days a result's period covers, within the range asked for."""
    if by == "month":
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    elif by == "quarter":
        following = start.month + 3
        year, month = start.year + (following - 1) // 12, (following - 1) % 12 + 1
        end = date(year, month, 1) - timedelta(days=1)
    else:
        end = last
    return max(start, first), min(end, last)


def period_label(start: date, by: Period, first: date, last: date) -> str:
    if by == "month":
        return start.strftime("%b %Y")
    if by == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{first:%-d %b %Y} to {last:%-d %b %Y}"


def shown(value: object) -> str:
    """A number as the tables show it: whole numbers as they are, others to one decimal."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _humanised(column: str) -> str:
    return column.replace("_", " ").capitalize()


# --- The dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    first: date
    last: date
    by: Period
    program: str | None
    area: str | None


@dataclass(frozen=True)
class TableRow:
    period: str
    category: str | None
    numerator: str
    denominator: str
    value: str
    extras: list[str]
    drill: str | None  # the drill-down's query string, where the user may open it


@dataclass
class Panel:
    metric: Metric
    kind: Kind
    rows: list[TableRow] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # the extra measures' headings
    spec: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def has_categories(self) -> bool:
        return any(row.category for row in self.rows)

    @property
    def element_id(self) -> str:
        return f"metric-{self.metric.name}"

    @property
    def spec_id(self) -> str:
        return f"{self.element_id}-spec"

    @property
    def drillable(self) -> bool:
        return any(row.drill for row in self.rows)


@dataclass
class Section:
    heading: str
    panels: list[Panel]


def dashboard_for(user: User, engine: Engine, filters: DashboardFilters) -> list[Section]:
    """Every dashboard metric the catalogue holds, for the user's agency, with its chart spec
    and its table; a metric that fails shows its problem instead of taking the page down."""
    access.require_permission(user, "analytics.view")
    shipped = catalogue()
    sections = []
    for heading, chosen in DASHBOARD:
        panels = [
            _panel(user, engine, shipped[name], kind, filters)
            for name, kind in chosen
            if name in shipped
        ]
        if panels:
            sections.append(Section(heading, panels))
    return sections


def _panel(
    user: User, engine: Engine, metric: Metric, kind: Kind, asked: DashboardFilters
) -> Panel:
    panel = Panel(metric, kind)
    by: Period = "all" if kind == "breakdown" else asked.by
    filters = Filters(
        asked.first,
        asked.last,
        by,
        agency_slug(user.agency),
        asked.program if "program" in metric.parameters else None,
        asked.area if "area" in metric.parameters else None,
    )
    for option, value in (("program", asked.program), ("area", asked.area)):
        if value and option not in metric.parameters:
            panel.notes.append(f"Not counted by {option}: this shows the whole agency.")
    try:
        results = engine.run(metric, filters)
    except MetricError as error:
        panel.problem = str(error)
        return panel
    if kind == "breakdown":  # largest first, as the bars are drawn
        results.sort(key=lambda row: -(row["value"] or 0))
    drill = user.can("analytics.drilldown") and _listable(engine, metric, filters.agency)
    panel.extras = sorted({key for row in results for key in row} - RESULT_COLUMNS)
    points = []
    for result in results:
        first, last = period_bounds(result["period"], by, asked.first, asked.last)
        label = period_label(result["period"], by, asked.first, asked.last)
        category = (
            category_label(result["category"]) if result.get("category") is not None else None
        )
        query = None
        if drill:
            query = drill_query(metric.name, first, last, filters.area, filters.program)
        panel.rows.append(
            TableRow(
                label,
                category,
                shown(result["numerator"]),
                shown(result["denominator"]),
                shown(result["value"]),
                [shown(result.get(extra)) for extra in panel.extras],
                query,
            )
        )
        if result["value"] is not None:
            points.append(
                {
                    "period": result["period"].isoformat(),
                    "period_label": label,
                    "category_label": category,
                    "value": result["value"],
                    "numerator": result["numerator"],
                    "denominator": result["denominator"],
                }
            )
    panel.extras = [_humanised(extra) for extra in panel.extras]
    if points:
        panel.spec = _spec(metric, kind, points, by, asked)
    return panel


def _listable(engine: Engine, metric: Metric, own: str | None) -> bool:
    """Whether the records behind the metric can be listed for this agency: dated records, and
    for a Part 2 metric, some of them received by the agency itself (drilldown_for's rule)."""
    records = metric.header.records
    if records not in RECORD_TABLES_WITH_DAYS:
        return False
    if not _held_by_receiver(metric):
        return True
    # fetchall, never fetchone: an unfinished result blocks the connection's next statement.
    [(received,)] = engine.duck.execute(
        f"SELECT count(*) FROM {records} WHERE agency = $own AND receiving_agency = $own",  # nosec B608
        {"own": own},
    ).fetchall()
    return bool(received)


def _spec(
    metric: Metric, kind: Kind, points: list[dict[str, Any]], by: Period, asked: DashboardFilters
) -> dict[str, Any]:
    """The chart's spec. Its title is the period (the page's heading already names the metric,
    and a long title would be cut on a phone); its description, which Vega puts on the drawing
    for screen readers, names both."""
    header = metric.header
    span = f"{asked.first:%-d %b %Y} to {asked.last:%-d %b %Y}"
    numbers = "The table below gives the numbers."
    if kind == "breakdown":
        description = f"Bar chart: {header.title}, by category, {span} ({header.unit}). {numbers}"
        return charts.breakdown(
            title=span, description=description, unit=header.unit, points=points
        )
    description = f"Line chart: {header.title}, by {by}, {span} ({header.unit}). {numbers}"
    return charts.trend(
        title=f"By {by}, {span}",
        description=description,
        unit=header.unit,
        points=points,
        by=by,
    )


def drill_query(metric: str, first: date, last: date, area: str | None, program: str | None) -> str:
    asked = {"metric": metric, "from": first.isoformat(), "to": last.isoformat()}
    asked.update({key: value for key, value in (("area", area), ("program", program)) if value})
    return urlencode(asked)


# --- The records behind a number ----------------------------------------------------------------

# Record tables with a day and an area per row: those a number can be drilled into.
RECORD_TABLES_WITH_DAYS = {name for name, table in TABLES.items() if "local_date" in table.columns}
NOT_SHOWN_COLUMNS = {"agency", "month", "local_date", "area", "receiving_agency"}


class DrilldownRefused(Exception):
    """The records behind this number are not listed; the message says why. `status` 403 when
    this user may not see them, 422 when there are no records to list behind such a number."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DrillRequest:
    metric: Metric
    first: date
    last: date
    area: str | None
    program: str | None


@dataclass(frozen=True)
class DrillRow:
    day: date
    area: str
    record: str  # the record's id, shortened
    link: str | None
    cells: list[str]


@dataclass
class Drilldown:
    columns: list[str]
    rows: list[DrillRow]
    total: int  # records in the population
    withheld: int  # Part 2 records of other agencies, counted but not listed
    notes: list[str]

    @property
    def truncated(self) -> bool:
        return self.total - self.withheld > len(self.rows)


def _held_by_receiver(metric: Metric) -> bool:
    """A Part 2 metric over records that name the agency which received them: those records are
    listed to that agency alone."""
    return metric.header.part2 and "receiving_agency" in TABLES[metric.header.records].columns


def relevant_columns(metric: Metric) -> list[str]:
    """The columns of the metric's records that its SQL reads, without ids, pseudonyms or the
    columns every row shows anyway (day, area)."""
    words = set(re.findall(r"[a-z_0-9]+", metric.sql))
    return [
        column
        for column in TABLES[metric.header.records].columns
        if column in words
        and column not in NOT_SHOWN_COLUMNS
        and not column.endswith(("_id", "_key"))
    ]


def drilldown_for(user: User, engine: Engine, asked: DrillRequest) -> Drilldown:
    """The records of the metric's population in the period, agency (the user's own), area and
    program, at most DRILL_LIMIT of them; each read is audited. Part 2 metrics list only the
    records the user's own agency received; when there are none, the read is refused."""
    access.require_permission(user, "analytics.drilldown")
    metric, own = asked.metric, agency_slug(user.agency)
    records = metric.header.records
    detail = {
        "metric": metric.name,
        "from": asked.first.isoformat(),
        "to": asked.last.isoformat(),
        "area": asked.area or "",
        "program": asked.program or "",
    }
    if records not in RECORD_TABLES_WITH_DAYS:
        raise DrilldownRefused(
            f"{metric.header.title} is counted over {records}, not over dated records: there "
            "are no records to list behind it.",
            status=422,
        )
    notes = []
    where = ["r.agency = $own", "r.local_date BETWEEN $first AND $last"]
    parameters: dict[str, Any] = {"own": own, "first": asked.first, "last": asked.last}
    if asked.area:
        where.append("r.area = $area")
        parameters["area"] = asked.area
    if asked.program and "program" in metric.parameters and records in PROGRAM_OF:
        where.append(PROGRAM_OF[records])
        parameters["program"] = asked.program
        notes.append("Only the records linked to the program's cases are listed.")
    population = " AND ".join(where)
    held = "r.receiving_agency = $own" if _held_by_receiver(metric) else "true"
    [(total, visible)] = engine.duck.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {held}) FROM {records} r WHERE {population}",  # nosec B608
        parameters,
    ).fetchall()
    withheld = total - visible
    if metric.header.part2 and total and not visible:
        audit.record(
            by=user,
            verb="analytics.drilldown",
            outcome=AuditEvent.Outcome.DENIED,
            detail={**detail, "rows": 0, "withheld": withheld},
        )
        raise DrilldownRefused(
            f"{metric.header.title} rests on records of 42 CFR Part 2 programs. Part 2 records "
            "are not shown at record level to anyone but the program that received them, and "
            f"none of these {total} records was received by {user.agency.name}. The totals on "
            "the dashboard remain available.",
            status=403,
        )
    key, page = RECORD_PAGES.get(records, (None, None))
    columns = relevant_columns(metric)
    record_id = f"r.{key}" if key else "NULL"
    selected = ", ".join(["r.local_date", "r.area", record_id, *(f"r.{c}" for c in columns)])
    found = engine.duck.execute(
        f"SELECT {selected} FROM {records} r WHERE {population} AND {held} "  # nosec B608
        f"ORDER BY r.local_date, 3 LIMIT {DRILL_LIMIT}",
        parameters,
    ).fetchall()
    zone = ZoneInfo(user.agency.time_zone)
    rows = [
        DrillRow(
            day,
            area or "—",
            _short(record_id),
            reverse(page, args=[UUID(record_id)]) if page and record_id else None,
            [_cell(value, column, zone) for column, value in zip(columns, values, strict=True)],
        )
        for day, area, record_id, *values in found
    ]
    audit.record(
        by=user,
        verb="analytics.drilldown",
        detail={**detail, "rows": len(rows), "withheld": withheld},
    )
    return Drilldown([_humanised(c) for c in columns], rows, total, withheld, notes)


def _short(record_id: str | None) -> str:
    return "—" if not record_id else record_id[:8]


def _cell(value: object, column: str, zone: ZoneInfo) -> str:
    if isinstance(value, datetime):  # naive UTC in the snapshot
        return value.replace(tzinfo=UTC).astimezone(zone).strftime("%-d %b %Y %H:%M")
    if isinstance(value, str) and column in CODE_LABELS:
        return CODE_LABELS[column].get(value, value)
    return shown(value)


# --- Evaluation ---------------------------------------------------------------------------------


def proportion_metrics() -> list[Metric]:
    """The catalogue's metrics that count events in a group (a share or a rate per 100): those a
    before-and-after comparison can put an interval on."""
    return [
        metric
        for metric in catalogue().values()
        if metric.header.unit == "%" or metric.header.unit.startswith("per 100")
    ]


@dataclass(frozen=True)
class Range:
    first: date
    last: date


def before_after_for(
    user: User, engine: Engine, metric: Metric, before: Range, after: Range
) -> list[evaluation.Contrast]:
    """The metric over each whole period, per category: after compared with before."""
    access.require_permission(user, "analytics.view")
    own = agency_slug(user.agency)
    counted = []
    for period in (before, after):
        rows = engine.run(metric, Filters(period.first, period.last, "all", own))
        counted.append(
            {
                str(row.get("category") or ""): evaluation.proportion_counts(
                    row["numerator"], row["denominator"]
                )
                for row in rows
            }
        )
    labels = {
        category: category_label(category) if category else metric.header.title
        for category in {*counted[0], *counted[1]}
    }
    return evaluation.before_after(counted[0], counted[1], labels)


@dataclass(frozen=True)
class GroupSizes:
    first: int
    second: int
    left_out: int = 0  # not recorded (CIT), or without enough follow-up (program)


def cit_comparison_for(
    user: User, engine: Engine, period: Range
) -> tuple[GroupSizes, list[evaluation.Contrast]]:
    """The agency's encounters in the period by whether the officer was CIT-certified on the
    day: each outcome of training/comparison.py, counted in the snapshot the way the training
    page counts it in the database (unable-to-locate encounters left out)."""
    access.require_permission(user, "analytics.view")
    transports = ", ".join(f"'{code}'" for code in sorted(Encounter.TRANSPORTS))
    conditions = {
        "force": "e.highest_force NOT IN ('none', 'verbal')",
        "subject_injured": "e.subject_injured",
        "officer_injured": "e.officer_injured",
        "arrest": "e.disposition = 'arrest_booked'",
        "referral": "e.disposition = 'referred_no_transport' OR e.encounter_id IN ("
        "SELECT s.encounter_id FROM referrals s WHERE s.status <> 'draft')",
        "transport": f"e.disposition IN ({transports})",
    }
    counts = ", ".join(
        f"count(*) FILTER (WHERE {sql}) AS {code}" for code, sql in conditions.items()
    )
    found = engine.duck.execute(
        f"SELECT e.officer_cit, count(*) AS n, {counts} FROM encounters e "  # nosec B608
        "WHERE e.agency = $own AND e.local_date BETWEEN $first AND $last "
        "AND e.disposition IS DISTINCT FROM 'unable_to_locate' GROUP BY e.officer_cit",
        {"own": agency_slug(user.agency), "first": period.first, "last": period.last},
    )
    names = [d[0] for d in found.description]
    groups = {row[0]: dict(zip(names, row, strict=True)) for row in found.fetchall()}
    empty = dict.fromkeys(["n", *conditions], 0)
    cit, other = groups.get(True, empty), groups.get(False, empty)
    sizes = GroupSizes(cit["n"], other["n"], groups.get(None, empty)["n"])
    return sizes, [
        evaluation.contrast(
            outcome.label, (cit[outcome.code], cit["n"]), (other[outcome.code], other["n"])
        )
        for outcome in OUTCOMES
    ]


WINDOWS = (180, 365)


@dataclass(frozen=True)
class ProgramComparison:
    sizes: GroupSizes  # people enrolled, people referred but not enrolled
    windows: dict[int, tuple[int, int]]  # days -> (enrolled, not enrolled) with full follow-up
    rows: list[evaluation.Contrast]  # one per window: enrolled compared with not enrolled


PROGRAM_GROUPS_SQL = """
WITH k AS (
  SELECT person_key, intake_at, opened_at, eligible, closed_at FROM cases
  WHERE program = $program AND (agency = $own OR referred_by_agency = $own)
    AND local_date BETWEEN $first AND $last AND person_key IS NOT NULL
), enrolled AS (
  SELECT person_key, min(intake_at) AS index_at FROM k WHERE intake_at IS NOT NULL
  GROUP BY person_key
), not_enrolled AS (
  SELECT person_key, min(opened_at) AS index_at FROM k
  WHERE intake_at IS NULL AND (eligible = false OR closed_at IS NOT NULL)
    AND person_key NOT IN (SELECT person_key FROM enrolled)
  GROUP BY person_key
), grouped AS (
  SELECT true AS enrolled, person_key, index_at FROM enrolled
  UNION ALL SELECT false, person_key, index_at FROM not_enrolled
), followed AS (
  SELECT g.enrolled, g.person_key, g.index_at, min(a.occurred_at) AS arrested_at
  FROM grouped g
  LEFT JOIN encounters a ON a.person_key = g.person_key AND a.disposition = 'arrest_booked'
    AND a.occurred_at > g.index_at AND a.occurred_at <= g.index_at + INTERVAL 365 DAY
  GROUP BY g.enrolled, g.person_key, g.index_at
)
SELECT f.enrolled, w.days, count(*) AS people,
  count(*) FILTER (WHERE f.index_at + to_days(w.days) <= $cutoff) AS at_risk,
  count(*) FILTER (WHERE f.index_at + to_days(w.days) <= $cutoff
                   AND f.arrested_at <= f.index_at + to_days(w.days)) AS rearrested
FROM followed f CROSS JOIN (SELECT unnest([180, 365]) AS days) w
GROUP BY f.enrolled, w.days
"""


def program_comparison_for(
    user: User, engine: Engine, program: str, period: Range, cutoff: datetime
) -> ProgramComparison:
    """People whose case in the program opened in the period, enrolled (the case reached the
    program type's intake status) against referred but not enrolled (found ineligible, or the
    case closed before intake): the share arrested and booked again within 180 and 365 days of
    enrolment (or of the referral), among those the snapshot has followed that long.

    The cases are those the user's agency runs or referred; a person in both groups counts as
    enrolled. Arrests are read as the rearrest metric reads them: any encounter of the person
    record the case points at.
    """
    access.require_permission(user, "analytics.view")
    found = engine.duck.execute(
        PROGRAM_GROUPS_SQL,
        {
            "program": program,
            "own": agency_slug(user.agency),
            "first": period.first,
            "last": period.last,
            "cutoff": cutoff,
        },
    ).fetchall()
    counted = {
        (enrolled, days): (people, at_risk, again)
        for enrolled, days, people, at_risk, again in found
    }
    people = {group: counted.get((group, 365), (0, 0, 0))[0] for group in (True, False)}
    rows, windows = [], {}
    for days in WINDOWS:
        _, enrolled_n, enrolled_again = counted.get((True, days), (0, 0, 0))
        _, other_n, other_again = counted.get((False, days), (0, 0, 0))
        windows[days] = (enrolled_n, other_n)
        rows.append(
            evaluation.contrast(
                f"Arrested and booked again within {days} days",
                (enrolled_again, enrolled_n),
                (other_again, other_n),
            )
        )
    return ProgramComparison(GroupSizes(people[True], people[False]), windows, rows)


# --- Costs --------------------------------------------------------------------------------------

PARAMETER_NAMES = (
    "jail_day_cost",
    "jail_days_per_booking",
    "ed_visit_cost",
    "officer_hour_cost",
    "response_target_minutes",
)


def parameters_for(user: User) -> AgencyParameters:
    """The agency's parameters (unsaved and empty when none were ever set)."""
    return AgencyParameters.objects.filter(agency=user.agency).first() or AgencyParameters(
        agency=user.agency
    )


def priced_parameters(user: User) -> evaluation.Parameters:
    own = parameters_for(user)
    return {
        name: evaluation.Parameter(
            str(getattr(AgencyParameters._meta.get_field(name), "verbose_name", name)),
            getattr(own, name),
        )
        for name in PARAMETER_NAMES
        if name != "response_target_minutes"
    }


def measured_for(
    user: User, engine: Engine, period: Range, program: ProgramComparison | None
) -> evaluation.Measured:
    """What the cost calculator prices, measured over the period for the user's agency."""
    access.require_permission(user, "analytics.view")
    own, reasons = agency_slug(user.agency), {}
    shipped = catalogue()
    filters = Filters(period.first, period.last, "all", own)
    diversions = transports = None
    if "diversion_rate" in shipped:
        rows = engine.run(shipped["diversion_rate"], filters)
        diversions = sum(int(row["numerator"] or 0) for row in rows)
    else:
        reasons["diversions"] = "the diversion_rate metric is not installed"
    if "disposition_share" in shipped:
        rows = engine.run(shipped["disposition_share"], filters)
        transports = sum(
            int(row["numerator"] or 0)
            for row in rows
            if row.get("category") == Encounter.Disposition.VOLUNTARY_TRANSPORT_CRISIS_FACILITY
        )
    else:
        reasons["crisis_facility_transports"] = "the disposition_share metric is not installed"
    minutes = dict(
        engine.duck.execute(
            "SELECT disposition, avg(custody_transfer_minutes) FROM encounters "
            "WHERE agency = $own AND local_date BETWEEN $first AND $last "
            "AND custody_transfer_minutes IS NOT NULL GROUP BY disposition",
            {"own": own, "first": period.first, "last": period.last},
        ).fetchall()
    )
    ed = minutes.get(Encounter.Disposition.VOLUNTARY_TRANSPORT_ED)
    crisis = minutes.get(Encounter.Disposition.VOLUNTARY_TRANSPORT_CRISIS_FACILITY)
    if ed is None:
        reasons["ed_transfer_minutes"] = "no hand-over time was recorded at an ED in the period"
    if crisis is None:
        reasons["crisis_transfer_minutes"] = (
            "no hand-over time was recorded at a crisis facility in the period"
        )
    difference, enrolled = None, None
    if program is None:
        reasons["rearrest_difference"] = "choose a program to compare its participants"
    else:
        year = program.rows[WINDOWS.index(365)]
        enrolled = program.windows[365][0]
        difference = year.difference
        if difference is None:
            reasons["rearrest_difference"] = (
                f"a group has fewer than {evaluation.MIN_ENCOUNTERS} people followed for a year"
            )
    return evaluation.Measured(
        diversions=diversions,
        crisis_facility_transports=transports,
        ed_transfer_minutes=ed,
        crisis_transfer_minutes=crisis,
        enrolled=enrolled,
        rearrest_difference=difference,
        reasons=reasons,
    )
