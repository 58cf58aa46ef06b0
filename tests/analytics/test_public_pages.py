"""The public transparency pages: no sign-in, suppressed monthly figures from the metrics, a
"how we count" page from the metric headers, nothing record-level, "not published yet" without
a snapshot."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from crossroads.analytics import metrics
from crossroads.analytics.transparency import AgencyFigures, SectionFigures
from tests.analytics.builder import write_snapshot
from tests.factories import make_agency

pytestmark = pytest.mark.django_db

AGENCIES = [
    {"agency": "riverton-pd", "name": "Riverton Police Department", "type": "police"},
    {"agency": "riverton-clinic", "name": "Riverton Clinic", "type": "bh_provider"},
]


@pytest.fixture(autouse=True)
def snapshot_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test its own snapshot directory, and a cache that knows none of the others'."""
    settings.ANALYTICS_DIR = tmp_path
    cache.clear()
    yield tmp_path / "snapshot"
    cache.clear()


def _encounters(month: str, count: int, forced: int, injured: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "encounter_id": f"enc-{month}-{n:03d}",
            "local_date": f"{month}-{n % 28 + 1:02d}",
            "person_key": 7_000_000 + n,
            "highest_force": "empty_hand" if n < forced else "none",
            "subject_injured": n < injured,
            "officer_injured": False,
            "disposition": "resolved_on_scene",
        }
        for n in range(count)
    ]


def _calls(month: str, count: int, trained: int) -> list[dict[str, Any]]:
    return [
        {
            "call_id": f"call-{month}-{n:03d}",
            "local_date": f"{month}-{n % 28 + 1:02d}",
            "received_at": f"{month}-{n % 28 + 1:02d} 10:00:00",
            "dispatched_at": f"{month}-{n % 28 + 1:02d} 10:02:00",
            "behavioural_health": True,
            "cit_unit": n < trained,
            "clinician": False,
        }
        for n in range(count)
    ]


def _snapshot(root: Path) -> Path:
    # The builder's snapshot was taken on 2026-11-27: the twelve full months are Nov 2025 to
    # Oct 2026. January: 25 encounters, 3 with force, 1 person injured; February: 30 and 12;
    # March: 14 and none. One encounter falls in the unfinished November 2026, one before.
    encounters = (
        _encounters("2026-01", 25, forced=3, injured=1)
        + _encounters("2026-02", 30, forced=12)
        + _encounters("2026-03", 14, forced=0)
        + _encounters("2026-11", 1, forced=1)
        + _encounters("2025-10", 1, forced=1)
    )
    return write_snapshot(
        root, agencies=AGENCIES, encounters=encounters, calls=_calls("2026-01", 40, trained=28)
    )


def _section(figures: AgencyFigures, heading: str) -> SectionFigures:
    return next(s for s in figures.sections if s.heading == heading)


def _month(section: SectionFigures, label: str) -> dict[str, Any]:
    row = next(cells for month, cells in section.rows if month.isoformat().startswith(label))
    return dict(zip(section.columns, row, strict=True))


def test_without_a_snapshot_the_pages_say_not_published_yet() -> None:
    police = make_agency(name="Lakeside Police Department", short_name="LPD")
    client = Client()

    index = client.get(reverse("transparency:index"))
    page = client.get(reverse("transparency:agency", kwargs={"slug": "lpd"}))

    assert index.status_code == 200
    assert "Not published yet" in index.content.decode()
    assert page.status_code == 200
    assert "Not published yet" in page.content.decode()
    assert police.name in page.content.decode()


def test_an_agency_that_is_not_a_police_or_sheriffs_agency_has_no_page() -> None:
    make_agency(type="bh_provider", name="Lakeside Clinic", short_name="LC")
    client = Client()
    assert client.get(reverse("transparency:agency", kwargs={"slug": "lc"})).status_code == 404
    assert client.get(reverse("transparency:agency", kwargs={"slug": "nobody"})).status_code == 404


def test_the_index_lists_the_police_agencies_of_the_snapshot(snapshot_root: Path) -> None:
    _snapshot(snapshot_root)
    page = Client().get(reverse("transparency:index")).content.decode()
    assert "Riverton Police Department" in page
    assert reverse("transparency:agency", kwargs={"slug": "riverton-pd"}) in page
    assert "Riverton Clinic" not in page


def test_the_agency_page_publishes_suppressed_monthly_figures(snapshot_root: Path) -> None:
    _snapshot(snapshot_root)

    response = Client().get(reverse("transparency:agency", kwargs={"slug": "riverton-pd"}))

    assert response.status_code == 200
    figures: AgencyFigures = response.context["figures"]
    assert (figures.first.isoformat(), figures.last.isoformat()) == ("2025-11-01", "2026-10-31")
    force = _section(figures, "Encounters and force")
    january, february = _month(force, "2026-01"), _month(force, "2026-02")
    assert january["Encounters"].value == 25
    # 3 uses of force is small; February's 12 is hidden beside it, or 15 - 3 would give it away.
    assert january["With force above verbal commands"].hidden
    assert february["With force above verbal commands"].hidden
    assert january["Per 100"].hidden
    total = dict(zip(force.columns, force.total, strict=True))
    assert total["Encounters"].value == 25 + 30 + 14
    assert total["With force above verbal commands"].value == 15
    assert total["Per 100"].value == pytest.approx(100 * 15 / 69)
    # A month with no encounters has no rate to show, which is not the same as hidden.
    april = _month(force, "2026-04")
    assert april["Encounters"].value == 0
    assert april["Per 100"].value is None
    assert not april["Per 100"].hidden
    # One person injured in the whole year: the month and the year's total are both hidden.
    injuries = _section(figures, "Injuries to the people met")
    assert _month(injuries, "2026-01")["Person injured"].hidden
    assert dict(zip(injuries.columns, injuries.total, strict=True))["Person injured"].hidden
    calls = _month(_section(figures, "Behavioural-health calls"), "2026-01")
    assert calls["Calls with a response sent"].value == 40
    assert calls["Share answered (%)"].value == pytest.approx(70.0)

    page = response.content.decode()
    assert "21.7" in page  # the year's force rate, 15 of 69 per hundred
    assert "Reading the tables" in page


def test_no_published_count_is_from_1_to_10_and_each_equals_its_metric(
    snapshot_root: Path,
) -> None:
    root = _snapshot(snapshot_root)
    response = Client().get(reverse("transparency:agency", kwargs={"slug": "riverton-pd"}))
    figures: AgencyFigures = response.context["figures"]
    force_by_month = {
        row["period"]: row
        for row in metrics.run(
            "force_rate", metrics.Filters(figures.first, figures.last, "month", "riverton-pd"), root
        )
    }

    for section in figures.sections:
        for _month_start, cells in (*section.rows, (None, section.total)):
            for cell in cells:
                if cell.kind == "count" and cell.value is not None:
                    assert not 1 <= cell.value <= 10, section.heading
    force = _section(figures, "Encounters and force")
    for month, cells in force.rows:
        shown = dict(zip(force.columns, cells, strict=True))["Encounters"]
        assert shown.value == (
            force_by_month[month]["denominator"] if month in force_by_month else 0
        )


def test_the_page_shows_no_records_and_links_nowhere_but_the_public_pages(
    snapshot_root: Path,
) -> None:
    _snapshot(snapshot_root)
    page = Client().get(reverse("transparency:agency", kwargs={"slug": "riverton-pd"}))
    html = page.content.decode()
    assert "enc-2026" not in html and "call-2026" not in html
    assert "7000000" not in html and "7,000,000" not in html
    links = set(re.findall(r'href="([^"]+)"', html))
    outside = {
        link
        for link in links
        if not link.startswith(("/transparency/", "/static/", "#", "data:")) and link != "/"
    }
    assert outside == set()


def test_the_figures_are_computed_once_per_snapshot(snapshot_root: Path) -> None:
    root = _snapshot(snapshot_root)
    url = reverse("transparency:agency", kwargs={"slug": "riverton-pd"})
    client = Client()

    def encounters_in_total() -> Any:
        figures: AgencyFigures = client.get(url).context["figures"]
        force = _section(figures, "Encounters and force")
        return dict(zip(force.columns, force.total, strict=True))["Encounters"].value

    assert encounters_in_total() == 69
    shutil.rmtree(root / "encounters")  # the same snapshot: the page comes from the cache
    assert encounters_in_total() == 69
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["generated_at"] = "2026-11-28T00:00:00+00:00"  # a new snapshot: computed again
    (root / "manifest.json").write_text(json.dumps(manifest))
    assert encounters_in_total() == 0


def test_how_we_count_lists_every_metric_from_its_header() -> None:
    response = Client().get(reverse("transparency:how_we_count"))
    assert response.status_code == 200
    html = response.content.decode()
    for metric in metrics.catalogue().values():
        assert f'id="{metric.name}"' in html
        for text in (metric.header.title, metric.header.numerator, metric.header.unit):
            assert _escaped(text) in html
    assert "1 to 10" in html


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#x27;")
        .replace('"', "&quot;")
    )


@pytest.mark.django_db
def test_the_name_in_the_header_leads_the_public_back_to_the_agencies() -> None:
    page = Client().get(reverse("transparency:how_we_count"))
    assert (
        f'href="{reverse("transparency:index")}" title="Crossroads home"' in page.content.decode()
    )
