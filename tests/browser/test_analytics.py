"""Issue 7 in real Chromium, on the demo county with a snapshot refreshed from it: a program
manager opens Outcomes from the menu and sees each chart drawn from its server-built Vega-Lite
spec, with the table of its numbers under it; on a phone the page does not scroll sideways; a
number opens on the records behind it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from crossroads.analytics import snapshot
from crossroads.demo.county import County, build_county
from tests.browser.conftest import DESKTOP, PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.browser.test_programs import _signed_in
from tests.browser.test_sign_in import _no_horizontal_scroll
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

OpenTab = Callable[..., Tab]


@pytest.fixture
def county(settings: Any, tmp_path: Path) -> County:
    """Six weeks of the demo county's police calls, and the snapshot made from them."""
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.ANALYTICS_KEY = "browser-test-analytics-key-0123456789"
    made = build_county(calls_per_day=0, history_days=45)
    snapshot.refresh(full=True)
    return made


def test_a_program_manager_reads_the_dashboard_with_charts_and_tables(
    open_tab: OpenTab, county: County
) -> None:
    manager = make_user(county.agencies["rpd"], "program_manager")
    tab = _signed_in(open_tab, manager, DESKTOP)
    page = tab.page
    page.get_by_role("link", name="Outcomes", exact=True).first.click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    expect(page.locator("#snapshot-time")).to_contain_text("Figures from the analytics snapshot")

    force = page.locator("#metric-force_rate")
    drawing = force.locator(".cr-chart__drawing svg")
    expect(drawing).to_be_visible()  # vega-embed drew the spec
    # Vega labels the drawing with the spec's description, for screen readers.
    holder = force.locator(".cr-chart__drawing")
    expect(holder).to_have_attribute("role", "graphics-document")
    expect(holder).to_have_attribute("aria-label", re.compile("^Line chart: Force above verbal"))
    table = force.locator("table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 1
    expect(force.get_by_role("complementary")).to_contain_text("How we count")

    breakdown = page.locator("#metric-disposition_share")
    expect(breakdown.locator(".cr-chart__drawing svg")).to_be_visible()
    page.evaluate("document.getElementById('section-2').scrollIntoView()")
    save_docs_screenshot(page, "analytics-dashboard.png")
    save_screenshot(page, "analytics-dashboard-desktop.png")

    # A number opens on the records counted, each linked to its own page.
    force.get_by_role("link", name=re.compile(r"^Records")).first.click()
    expect(page.get_by_role("heading", name="Records behind a number", level=1)).to_be_visible()
    records = page.locator("#drilldown-records tbody tr")
    assert records.count() >= 1
    expect(records.first.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/encounters/")
    )

    # Comparisons: a program the department refers people to, its participants against the
    # people referred but not enrolled; the costs priced with the department's own figures.
    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("link", name="Comparisons and costs").click()
    expect(page.get_by_role("heading", name="Observational, not causal")).to_be_visible()
    page.get_by_label("Program", exact=True).select_option("alder-lead")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#program-comparison")).to_contain_text("again within 365 days")
    expect(page.locator("#costs")).to_contain_text("126.06")  # the demo's jail day
    save_screenshot(page, "analytics-evaluation-desktop.png")
    assert tab.problems() == []


def test_on_a_phone_the_dashboard_fits_the_screen(open_tab: OpenTab, county: County) -> None:
    manager = make_user(county.agencies["rpd"], "program_manager")
    phone = _signed_in(open_tab, manager, PHONE)
    phone.page.goto("/analytics/")
    expect(phone.page.locator("#metric-force_rate .cr-chart__drawing svg")).to_be_visible()
    expect(phone.page.locator("#metric-force_rate table")).to_be_visible()
    _no_horizontal_scroll(phone.page, PHONE["width"])
    phone.page.evaluate("document.getElementById('metric-force_rate').scrollIntoView()")
    save_screenshot(phone.page, "analytics-dashboard-phone.png", full_page=False)

    phone.page.goto("/analytics/evaluation/")
    expect(phone.page.get_by_role("heading", name="Observational, not causal")).to_be_visible()
    _no_horizontal_scroll(phone.page, PHONE["width"])
    save_screenshot(phone.page, "analytics-evaluation-phone.png")

    phone.page.goto("/analytics/grant-report/")
    phone.page.get_by_label("Grant program").select_option("jmhcp")
    phone.page.get_by_role("button", name="Make the report").click()
    expect(
        phone.page.get_by_role("heading", name=re.compile("JMHCP performance measures"))
    ).to_be_visible()
    expect(phone.page.locator("table tbody th").first).to_contain_text("JMHCP-1")
    _no_horizontal_scroll(phone.page, PHONE["width"])
    save_screenshot(phone.page, "analytics-grant-report-phone.png")
    assert phone.problems() == []
