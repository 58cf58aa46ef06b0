"""The grant report on a page: the program manager picks the grant and the quarter, reads the
answers with the metric each comes from, or downloads the CSV and PDF the CLI writes.

The snapshot: Riverton PD's behavioural-health calls in July 2026: three with a response sent,
two of them answered by a CIT officer or a clinician; one in October (another quarter)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from crossroads.core.models import Agency, User
from tests.analytics.builder import AGENCY, write_snapshot
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db


def _call(day: str, **facts: object) -> dict[str, object]:
    return {
        "call_id": f"c-{day}-{len(facts)}",
        "local_date": day,
        "behavioural_health": True,
        "received_at": f"{day} 10:00:00",
        "dispatched_at": f"{day} 10:05:00",
        **facts,
    }


@pytest.fixture
def agency() -> Agency:
    return make_agency(name="Riverton Police Department", short_name="Riverton PD")


@pytest.fixture
def snapshot(settings: Any, tmp_path: Path, agency: Agency) -> Path:
    settings.ANALYTICS_DIR = tmp_path
    return write_snapshot(
        tmp_path / "snapshot",
        calls=[
            _call("2026-07-02", cit_unit=True),
            _call("2026-07-09", clinician=True, cit_unit=False),
            _call("2026-07-16"),
            _call("2026-10-01", cit_unit=True),
        ],
        agencies=[{"agency": AGENCY, "name": "Riverton PD", "time_zone": "America/New_York"}],
    )


@pytest.fixture
def manager(agency: Agency) -> User:
    return make_user(agency, "program_manager")


def _report(user: User, **query: str) -> Any:
    with time_machine.travel("2026-11-27 12:00Z", tick=False):
        return signed_in_client(user).get(reverse("analytics:grant_report"), query)


def test_the_answers_are_shown_with_the_metric_each_comes_from(
    snapshot: Path, manager: User
) -> None:
    page = _report(manager, program="jmhcp", quarter="2026Q3")
    assert page.status_code == 200
    text = page.content.decode()
    assert "JMHCP performance measures, 2026Q3" in text
    assert "jmhcp-2026.yaml" in text
    # JMHCP-1: behavioural-health calls with a response sent in the quarter (3, not October's);
    # JMHCP-2: of them, answered by a CIT officer or a clinician (2).
    answers = dict(
        re.findall(r'text-bold">(JMHCP-\d+)</span>.*?data-label="Answer"[^>]*>([^<]*)<', text, re.S)
    )
    assert (answers["JMHCP-1"], answers["JMHCP-2"]) == ("3", "2")
    assert "<code>trained_response_rate</code> denominator" in text


def test_the_csv_and_pdf_are_the_clis(snapshot: Path, manager: User) -> None:
    csv = _report(manager, program="jmhcp", quarter="2026Q3", format="csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="jmhcp-2026Q3-riverton-pd.csv"' in csv["Content-Disposition"]
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("question_id,question,agency,answer")
    assert any(line.startswith("JMHCP-1,") and ",riverton-pd,3," in line for line in lines)
    pdf = _report(manager, program="jmhcp", quarter="2026Q3", format="pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "JMHCP-1" in text


def test_a_quarter_not_offered_is_named_on_the_form(snapshot: Path, manager: User) -> None:
    page = _report(manager, program="jmhcp", quarter="2026Q5")
    assert page.status_code == 422
    assert "Quarter" in page.content.decode()
    assert "not one of the available choices" in page.content.decode()


def test_without_a_snapshot_the_page_says_what_to_run(
    settings: Any, tmp_path: Path, manager: User
) -> None:
    settings.ANALYTICS_DIR = tmp_path / "nothing"
    page = _report(manager)
    assert "crossroads analytics refresh" in page.content.decode()


def test_the_form_offers_the_last_eight_quarters(snapshot: Path, manager: User) -> None:
    text = _report(manager).content.decode()
    assert 'value="2026Q3"' in text and 'value="2024Q4"' in text
    assert 'value="2026Q4"' not in text  # the quarter is not over yet
