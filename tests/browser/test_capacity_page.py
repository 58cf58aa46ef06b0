"""Provider intake staff keep their sites' capacity current on a phone in real Chromium: each
report saves in place (htmx), a mistake is shown on its field, and stale capacity reads unknown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crossroads.directory import actions
from crossroads.directory.models import CapacityReport
from tests.browser.conftest import PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step, _user
from tests.factories import current_code, enrol_device, make_agency, make_site

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_intake_staff_report_capacity_in_place_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    agency = make_agency(
        type="crisis_facility",
        name="Harbor Behavioral Health",
        short_name="HBH",
        jurisdiction="Riverside County",
    )
    intake = _user(agency, "provider_intake", "ralvarez", "Rosa", "Alvarez")
    unit = make_site("Crisis Stabilization Unit", agency=agency, location_name="Pier Campus")
    detox = make_site("Withdrawal Management", agency=agency, location_name="Eastside Clinic")
    now = timezone.now()
    for site, kind, available, hours_ago in (
        (unit, "crisis_bed", 2, 3),
        (detox, "withdrawal_bed", 1, 15),  # older than 12 hours: shown as unknown
    ):
        actions.capacity_report(
            by=intake,
            site=site,
            kind=kind,
            available=available,
            total=10,
            accepting=True,
            wait_minutes=None,
            at=now - timedelta(hours=hours_ago),
        )
    device = enrol_device(intake)
    tab = open_tab(viewport=PHONE)
    page = tab.page
    _password_step(page, "ralvarez")
    _code_step(page, current_code(device))

    page.goto("/directory/capacity/")
    panel = page.locator(f"#site-{unit.pk}")
    stale = page.locator(f"#site-{detox.pk}")
    expect(panel).to_contain_text("2 of 10 open")
    expect(panel.locator(".cr-state--open")).to_have_text("Open")
    expect(stale.locator(".cr-state--unknown")).to_have_text("Unknown")
    expect(stale).to_contain_text("Too old to trust")
    _no_horizontal_scroll(page, PHONE["width"])

    # Everything by label and keyboard: the numbers, yes or no, then Enter in the note.
    panel.get_by_label("Open now").fill("12")
    panel.get_by_label("Note").press("Enter")
    expect(panel.get_by_text("cannot be more than the total (10).")).to_be_visible()
    assert not CapacityReport.objects.filter(available=12).exists()

    panel.get_by_label("Open now").fill("0")
    panel.get_by_text("No", exact=True).click()  # USWDS draws the radio on its label
    expect(panel.get_by_label("No", exact=True)).to_be_checked()
    panel.get_by_label("Wait (minutes)").fill("45")
    panel.get_by_label("Note").fill("Full until the morning")
    panel.get_by_role("button", name="Save capacity of Crisis Stabilization Unit").click()
    expect(panel).to_contain_text("Saved at")
    expect(panel.locator(".cr-state--full")).to_have_text("Full")
    expect(panel).to_contain_text("not taking new people · wait about 45 min")
    assert page.url.endswith("/directory/capacity/")  # saved in place, no reload
    assert CapacityReport.objects.filter(service_at_location=unit).count() == 2
    _no_horizontal_scroll(page, PHONE["width"])
    assert tab.problems() == []

    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    save_screenshot(page, "directory-capacity-phone.png")
    save_docs_screenshot(page, "directory-capacity.png")
