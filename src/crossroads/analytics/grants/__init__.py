"""Grant reports: the quarterly answers to BJA's Performance Measurement Tool (PMT) for JMHCP and
COSSUP, filled from the metric catalogue (DOMAIN.md, "Grant reporting").

Which metric answers which question lives in a versioned mapping file beside this module,
`<program>-<year>.yaml`, never in code: the questions change from year to year, and a new
year's file is a copy of the last one with its questions checked against the new questionnaire
(docs/reports.md). A mapping is validated when it is loaded: an unknown metric, a column the
metric does not return, a category or program filter the metric does not have, each names the
file, the line and the question id.

Every answer is one column of one metric row, run over the quarter's days on the snapshot, and
the CSV and PDF say which (metric, column, category, program, period, mapping version, snapshot
time), so a number can be traced back and checked with `crossroads metrics show`.

The answers are NOT suppressed. Small-cell suppression (suppression.py) protects figures
published to everyone; a grant report goes to the funder, under the grant's terms, as its
performance measures require exact counts (a program with 4 new participants reports 4).
Agencies that publish a grant report themselves should publish the transparency page instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crossroads.analytics import metrics
from crossroads.analytics.snapshot import Manifest, snapshot_dir
from crossroads.core import pdf

MAPPINGS_DIR = Path(__file__).parent
PROGRAMS = ("jmhcp", "cossup")
QUARTER = re.compile(r"(\d{4})Q([1-4])")
BASIC_COLUMNS = ("numerator", "denominator", "value")


class GrantError(ValueError):
    """A report that cannot be made; the message names the option or the file at fault."""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    question: str = Field(min_length=10)
    metric: str
    column: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    category: str | None = None  # one row of a metric with categories (a window, a type)
    program: str | None = None  # a program's slug, for a mapping kept for one agency


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    program: Literal["jmhcp", "cossup"]
    name: str
    year: int
    checked: str  # what the question texts were checked against, or that they still need it
    questions: list[Question] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedMapping:
    mapping: Mapping
    path: Path

    @property
    def label(self) -> str:
        return f"{self.path.name} version {self.mapping.version}"


def load_mapping(path: Path) -> LoadedMapping:
    """A mapping file, its structure and every question's metric checked."""
    text = path.read_text()
    try:
        data: Any = yaml.safe_load(text)
        mapping = Mapping.model_validate(data)
    except yaml.YAMLError as error:
        raise GrantError(f"{path.name}: not YAML: {error}") from None
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise GrantError(f"{_at(path, text, problem['loc'])}: {where}: {problem['msg']}") from None
    seen: set[str] = set()
    for number, question in enumerate(mapping.questions):
        where = f"{_at(path, text, ('questions', number))}: question {question.id}"
        if question.id in seen:
            raise GrantError(f"{where}: the id is used twice")
        seen.add(question.id)
        mistake = _metric_problem(question)
        if mistake:
            raise GrantError(f"{where}: {mistake}")
    if path.stem != f"{mapping.program}-{mapping.year}":
        raise GrantError(f"{path.name}: program and year say {mapping.program}-{mapping.year}")
    return LoadedMapping(mapping, path)


def _metric_problem(question: Question) -> str | None:
    try:
        metric = metrics.metric_named(question.metric)
    except metrics.MetricError:
        return f"no metric is called {question.metric!r}"
    returned = set(BASIC_COLUMNS) | set(re.findall(r"\bAS\s+([a-z_][a-z0-9_]*)", metric.sql, re.I))
    if question.column not in returned:
        return f"{question.metric} returns no column {question.column!r}"
    if question.column == "denominator" and metric.header.denominator.startswith("none"):
        return f"{question.metric} is a count: it has no denominator"
    if question.category is not None and "category" not in returned:
        return f"{question.metric} has no categories to pick {question.category!r} from"
    if question.program is not None and "program" not in metric.parameters:
        return f"{question.metric} is not counted by program"
    return None


def _at(path: Path, text: str, location: tuple[int | str, ...]) -> str:
    """file:line:column of the YAML node at `location` (as deep as it exists), for messages."""
    node: Any = yaml.compose(text)
    for step in location:
        children = None
        if isinstance(node, yaml.MappingNode):
            children = {key.value: value for key, value in node.value}
        elif isinstance(node, yaml.SequenceNode):
            children = dict(enumerate(node.value))
        if children is None or step not in children:
            break
        node = children[step]
    if node is None:
        return f"{path.name}:1:1"
    return f"{path.name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


@cache
def mappings() -> tuple[LoadedMapping, ...]:
    """Every mapping shipped, loaded once per process."""
    return tuple(load_mapping(p) for p in sorted(MAPPINGS_DIR.glob("*.yaml")))


def mapping_for(program: str, year: int) -> LoadedMapping:
    """The program's mapping for the year, else its newest earlier one (the report says which
    year's it is, so a questionnaire not yet mapped is visible)."""
    if program not in PROGRAMS:
        raise GrantError(f"--program: {program!r} is not one of {', '.join(PROGRAMS)}")
    usable = [m for m in mappings() if m.mapping.program == program and m.mapping.year <= year]
    if not usable:
        raise GrantError(f"--quarter: there is no {program} mapping for {year} or before")
    return max(usable, key=lambda m: m.mapping.year)


def quarter_days(text: str) -> tuple[date, date]:
    """'2026Q3' -> 1 July 2026 to 30 September 2026 (PMT quarters are calendar quarters)."""
    match = QUARTER.fullmatch(text.strip().upper())
    if not match:
        raise GrantError(f"--quarter: {text!r} is not a quarter such as 2026Q3 (Q1 to Q4)")
    year, quarter = int(match[1]), int(match[2])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


@dataclass(frozen=True)
class Answer:
    question: Question
    agency: str
    value: int | float | None  # None: nothing to divide by this quarter
    counted: str  # what the column counts, from the metric's header


@dataclass(frozen=True)
class GrantReport:
    mapping: LoadedMapping
    quarter: str
    first: date
    last: date
    agency: str | None  # None: every agency in the snapshot, answered one by one
    generated_at: str
    answers: tuple[Answer, ...]

    @property
    def title(self) -> str:
        return f"{self.mapping.mapping.program.upper()} performance measures, {self.quarter}"


def grant_report(
    program: str, quarter: str, agency: str | None = None, root: Path | None = None
) -> GrantReport:
    """The program's questions answered for the quarter: for one agency (its slug), or for each
    agency with records. Raises GrantError (naming the option) or MetricError."""
    first, last = quarter_days(quarter)
    loaded = mapping_for(program, first.year)
    root = root or snapshot_dir()
    manifest = Manifest.read(root)
    if manifest is None:
        raise GrantError("there is no analytics snapshot yet; run `crossroads analytics refresh`")
    engine = metrics.Engine(root, agency=agency)
    results = {
        question.id: engine.run(
            metrics.metric_named(question.metric),
            metrics.Filters(first, last, "all", agency, question.program),
        )
        for question in loaded.mapping.questions
    }
    agencies = (
        [agency] if agency else sorted({r["agency"] for rows in results.values() for r in rows})
    )
    answers = tuple(
        _answer(question, slug, results[question.id])
        for question in loaded.mapping.questions
        for slug in agencies
    )
    label = f"{first.year}Q{(first.month + 2) // 3}"
    return GrantReport(loaded, label, first, last, agency, manifest.generated_at, answers)


def _answer(question: Question, agency: str, rows: list[dict[str, Any]]) -> Answer:
    header = metrics.metric_named(question.metric).header
    counted = {"numerator": header.numerator, "denominator": header.denominator}.get(
        question.column, header.unit
    )
    row = next(
        (
            r
            for r in rows
            if r["agency"] == agency
            and (question.category is None or str(r.get("category")) == question.category)
        ),
        None,
    )
    if row is not None:
        return Answer(question, agency, row[question.column], counted)
    # No row: nothing of the kind happened this quarter. A count is then 0; a rate, a median or
    # an estimate has nothing to rest on.
    is_count = question.column != "value" or header.denominator.startswith("none")
    return Answer(question, agency, 0 if is_count else None, counted)


def answer_text(value: int | float | None) -> str:
    if value is None:
        return "no data"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


CSV_HEADER = (
    "question_id",
    "question",
    "agency",
    "answer",
    "counted",
    "metric",
    "column",
    "category",
    "program",
    "period_start",
    "period_end",
    "mapping",
    "mapping_version",
    "snapshot_generated_at",
)


def csv_rows(report: GrantReport) -> Iterator[tuple[str, ...]]:
    """The report's CSV, header first: one row per answer, with where it comes from."""
    yield CSV_HEADER
    for answer in report.answers:
        question = answer.question
        yield (
            question.id,
            question.question,
            answer.agency,
            answer_text(answer.value),
            answer.counted,
            question.metric,
            question.column,
            question.category or "",
            question.program or "",
            report.first.isoformat(),
            report.last.isoformat(),
            report.mapping.path.name,
            report.mapping.mapping.version,
            report.generated_at,
        )


def to_csv(report: GrantReport) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    return out.getvalue()


def pdf_document(report: GrantReport) -> pdf.Document:
    several = report.agency is None
    header = ["Question", *(["Agency"] if several else []), "Answer", "From"]
    rows = [
        [
            f"{answer.question.id}: {answer.question.question}",
            *([answer.agency] if several else []),
            answer_text(answer.value),
            _source(answer.question),
        ]
        for answer in report.answers
    ]
    return pdf.Document(
        title=f"{report.mapping.mapping.name}: {report.title}",
        prepared=f"Prepared by Crossroads on {timezone.localdate():%d %B %Y} from the analytics "
        f"snapshot of {report.generated_at}.",
        facts=[
            ("Quarter", f"{report.quarter}: {report.first:%d %B %Y} to {report.last:%d %B %Y}"),
            ("Agency", report.agency or "each agency in the snapshot"),
            ("Mapping", report.mapping.label),
            ("Questions", report.mapping.mapping.checked),
            ("Not suppressed", "Exact counts for the funder; do not publish this report."),
        ],
        tables=[pdf.Table("Answers", header, rows, "The mapping has no questions.")],
    )


def to_pdf(report: GrantReport) -> bytes:
    return pdf.render(pdf_document(report))


def _source(question: Question) -> str:
    parts = [question.metric, question.column]
    if question.category:
        parts.append(f"category {question.category}")
    if question.program:
        parts.append(f"program {question.program}")
    return " · ".join(parts)
