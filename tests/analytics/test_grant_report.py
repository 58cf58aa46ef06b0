"""`crossroads report grant`: the quarter's BJA performance measures from the metrics, as CSV
and PDF, every number traceable to its metric; mapping files validated when loaded."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from crossroads.analytics import grants, metrics
from tests.analytics.builder import write_snapshot
from tests.factories import make_agency

pytestmark = pytest.mark.django_db


def _calls(day: str, count: int, trained: int, agency: str = "riverton-pd") -> list[dict[str, Any]]:
    return [
        {
            "call_id": f"{agency}-{day}-{n}",
            "agency": agency,
            "local_date": day,
            "received_at": f"{day} 10:00:00",
            "dispatched_at": f"{day} 10:03:00",
            "arrived_at": f"{day} 10:{10 + n % 40:02d}:00",
            "behavioural_health": True,
            "cit_unit": n < trained,
        }
        for n in range(count)
    ]


@pytest.fixture
def snapshot(settings: Any, tmp_path: Path) -> Path:
    """Q3 2026 (July to September) in Riverton: 40 behavioural-health calls sent a response, 28
    of them with a CIT officer; 12 encounters, 2 with force, 3 voluntary transports to a crisis
    facility; 2 LEAD cases opened. Calls on 30 June and 1 October fall outside the quarter.
    Lakeside has 5 calls, none answered by a trained officer."""
    settings.ANALYTICS_DIR = tmp_path
    make_agency(name="Riverton Police Department", short_name="Riverton PD")
    encounters = [
        {
            "encounter_id": f"e{n}",
            "local_date": "2026-08-10",
            "person_key": 100 + n,
            "highest_force": "empty_hand" if n < 2 else "none",
            "disposition": "voluntary_transport_crisis_facility" if n < 3 else "resolved_on_scene",
        }
        for n in range(12)
    ]
    cases = [
        {
            "case_id": f"k{n}",
            "local_date": "2026-09-01",
            "program": "riverton-lead",
            "program_type": "lead",
            "person_key": 500 + n,
            "eligible": True,
        }
        for n in range(2)
    ]
    calls = (
        _calls("2026-07-15", 30, trained=20)
        + _calls("2026-09-30", 10, trained=8)
        + _calls("2026-06-30", 7, trained=0)
        + _calls("2026-10-01", 9, trained=9)
        + _calls("2026-08-01", 5, trained=0, agency="lakeside-so")
    )
    return write_snapshot(tmp_path / "snapshot", calls=calls, encounters=encounters, cases=cases)


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "grant", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("report", "grant", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert raised.value.returncode == 2
    return str(raised.value)


def _answers(text: str) -> dict[str, dict[str, str]]:
    return {row["question_id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_the_csv_answers_the_jmhcp_questions_for_the_quarter(snapshot: Path) -> None:
    answers = _answers(
        report("--program", "jmhcp", "--quarter", "2026Q3", "--agency", "Riverton PD")
    )

    assert answers["JMHCP-1"]["answer"] == "40"
    assert answers["JMHCP-2"]["answer"] == "28"
    assert answers["JMHCP-3"]["answer"] == "70.0"
    assert answers["JMHCP-8"]["answer"] == "3"  # voluntary transports to a crisis facility
    assert answers["JMHCP-10"]["answer"] == "0"  # no arrests: no row, so a count of none
    assert answers["JMHCP-11"]["answer"] == "2"
    first = answers["JMHCP-1"]
    assert (first["period_start"], first["period_end"]) == ("2026-07-01", "2026-09-30")
    assert (first["metric"], first["column"], first["agency"]) == (
        "trained_response_rate",
        "denominator",
        "riverton-pd",
    )
    assert first["mapping"] == "jmhcp-2026.yaml"
    assert first["mapping_version"] == "2026.1"
    assert first["snapshot_generated_at"] == "2026-11-27T00:00:00+00:00"


def test_every_answer_is_the_metric_it_names(snapshot: Path) -> None:
    for program in grants.PROGRAMS:
        text = report("--program", program, "--quarter", "2026Q3", "--agency", "riverton-pd")
        for row in csv.DictReader(io.StringIO(text)):
            filters = metrics.Filters(
                date.fromisoformat(row["period_start"]),
                date.fromisoformat(row["period_end"]),
                "all",
                row["agency"],
                row["program"] or None,
            )
            found = [
                r
                for r in metrics.run(row["metric"], filters, snapshot)
                if not row["category"] or str(r.get("category")) == row["category"]
            ]
            expected = found[0][row["column"]] if found else None
            if expected is None:
                assert row["answer"] in {"0", "no data"}, row["question_id"]
            else:
                assert float(row["answer"]) == pytest.approx(expected, abs=0.05), row["question_id"]


def test_without_an_agency_each_agency_is_answered_on_its_own(snapshot: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(report("--program", "jmhcp", "--quarter", "2026Q3"))))
    calls = {r["agency"]: r["answer"] for r in rows if r["question_id"] == "JMHCP-1"}
    assert calls == {"lakeside-so": "5", "riverton-pd": "40"}


def test_the_pdf_reads_back_with_the_answers_and_their_sources(
    snapshot: Path, tmp_path: Path
) -> None:
    output = tmp_path / "jmhcp.pdf"
    report(
        "--program",
        "jmhcp",
        "--quarter",
        "2026Q3",
        "--agency",
        "riverton-pd",
        "--output",
        str(output),
    )

    text = " ".join(page.extract_text() for page in PdfReader(output).pages)
    flat = " ".join(text.split())
    assert "JMHCP performance measures, 2026Q3" in flat
    assert "jmhcp-2026.yaml version 2026.1" in flat
    assert "TO BE CHECKED" in flat
    assert "JMHCP-3: Percentage of mental-health calls" in flat and "70.0" in flat
    assert "trained_response_rate · value" in flat


def test_the_cossup_report_counts_new_lead_participants(snapshot: Path) -> None:
    answers = _answers(
        report("--program", "cossup", "--quarter", "2026Q3", "--agency", "riverton-pd")
    )
    assert answers["COSSUP-1"]["answer"] == "2"
    assert answers["COSSUP-2"]["answer"] == "0"  # no Angel walk-ins
    assert answers["COSSUP-5"]["answer"] == "no data"  # a rate with nothing to divide by


def test_bad_options_exit_2_naming_the_option(snapshot: Path, tmp_path: Path) -> None:
    output = tmp_path / "never.csv"
    assert "--quarter" in refused(
        "--program", "jmhcp", "--quarter", "2026Q5", "--output", str(output)
    )
    assert not output.exists()
    assert "--quarter" in refused("--program", "jmhcp", "--quarter", "Q3-2026")
    assert "--quarter" in refused("--program", "jmhcp", "--quarter", "2025Q4")  # before any mapping
    assert "--output" in refused("--program", "jmhcp", "--quarter", "2026Q3", "--format", "pdf")
    assert "--agency" in refused("--program", "jmhcp", "--quarter", "2026Q3", "--agency", "nobody")


def test_a_year_without_its_own_mapping_uses_the_last_one_and_says_so(snapshot: Path) -> None:
    err = io.StringIO()
    call_command(
        "report",
        "grant",
        "--program",
        "jmhcp",
        "--quarter",
        "2027Q1",
        "--agency",
        "riverton-pd",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "no 2027 mapping" in err.getvalue()


def test_every_shipped_mapping_loads_and_names_real_metrics() -> None:
    loaded = grants.mappings()
    assert {m.mapping.program for m in loaded} == set(grants.PROGRAMS)
    for mapping in loaded:
        for question in mapping.mapping.questions:
            assert question.metric in metrics.catalogue()


MAPPING = """\
version: "test"
program: jmhcp
name: Test
year: 2026
checked: not yet
questions:
  - id: Q-1
    question: Number of calls with a response sent.
    metric: trained_response_rate
    column: denominator
  - id: Q-2
    question: {question}
    metric: {metric}
    column: {column}
"""


@pytest.mark.parametrize(
    ("metric", "column", "extra", "reason"),
    [
        ("no_such_metric", "value", "", "no metric is called 'no_such_metric'"),
        ("force_rate", "p90_minutes", "", "returns no column 'p90_minutes'"),
        ("diverted_to_treatment", "denominator", "", "is a count"),
        ("force_rate", "value", "    category: arrest_booked\n", "has no categories"),
        (
            "trained_response_rate",
            "value",
            "    program: riverton-lead\n",
            "not counted by program",
        ),
    ],
)
def test_a_mapping_naming_what_no_metric_has_is_refused_with_file_line_and_question(
    tmp_path: Path, metric: str, column: str, extra: str, reason: str
) -> None:
    path = tmp_path / "jmhcp-2026.yaml"
    path.write_text(
        MAPPING.format(question="A question of ours?", metric=metric, column=column) + extra
    )
    with pytest.raises(grants.GrantError) as raised:
        grants.load_mapping(path)
    assert str(raised.value).startswith("jmhcp-2026.yaml:11:5: question Q-2: ")
    assert reason in str(raised.value)


def test_a_mapping_with_a_missing_field_names_where(tmp_path: Path) -> None:
    path = tmp_path / "jmhcp-2026.yaml"
    path.write_text(
        MAPPING.format(question="A question of ours?", metric="force_rate", column="value").replace(
            "    column: denominator\n", ""
        )
    )
    with pytest.raises(
        grants.GrantError, match=r"jmhcp-2026.yaml:7:5: questions.0.column: Field required"
    ):
        grants.load_mapping(path)
