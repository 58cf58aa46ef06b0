"""An officer finds an open crisis unit with room from an encounter, on a phone in real Chromium,
and refers the person there in one click."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crossroads.directory import actions
from crossroads.directory.models import ServiceAtLocation
from crossroads.encounters import actions as encounter_actions
from crossroads.referrals.models import Referral
from tests.browser.conftest import PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step, _user
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records
from tests.factories import current_code, enrol_device, make_agency, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _county_directory() -> None:
    provider = make_agency(type="crisis_facility", name="Alder Crisis Stabilization Unit")
    records = Records("Alder County Behavioral Health")
    csu = records.service(
        "Crisis Stabilization Unit",
        categories=["crisis-stabilisation"],
        access=["police-drop-off", "walk-in"],
        payments=["medicaid", "uninsured"],
    )
    csu_site = records.site(
        csu, lat=39.7589, lon=-84.1916, name="Riverton Campus", hours=[AROUND_THE_CLOCK]
    )
    mobile = records.service("Mobile Crisis Team", categories=["mobile-crisis"])
    records.site(mobile, lat=39.70, lon=-84.17, name="County Annex", hours=[AROUND_THE_CLOCK])
    respite = records.service(
        "Peer Respite House",
        categories=["crisis-stabilisation", "peer-recovery"],
        access=["police-drop-off"],
    )
    respite_site = records.site(
        respite, lat=39.78, lon=-84.23, name="Northside", hours=[AROUND_THE_CLOCK]
    )
    records.load(kept_by=provider)
    intake = make_user(provider, "provider_intake")
    now = timezone.now()
    for site, hours_ago in ((csu_site, 1), (respite_site, 20)):  # the respite's report is stale
        actions.capacity_report(
            by=intake,
            site=ServiceAtLocation.objects.get(pk=site),
            kind="crisis_bed",
            available=4,
            total=16,
            accepting=True,
            wait_minutes=15,
            at=now - timedelta(hours=hours_ago),
        )


def test_an_officer_finds_a_place_and_refers_in_one_click(open_tab: Callable[..., Tab]) -> None:
    _county_directory()
    police = make_agency(name="Riverton Police Department", short_name="RPD")
    officer = _user(police, "officer", "jdawson", "Jordan", "Dawson")
    encounter = encounter_actions.encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=timezone.now() - timedelta(minutes=20),
        signs=["talks_of_dying", "hopeless_statements"],
        disposition="voluntary_transport_crisis_facility",
        transport_destination="Crisis unit",
    )
    device = enrol_device(officer)
    tab = open_tab(viewport=PHONE)
    page = tab.page
    _password_step(page, "jdawson")
    _code_step(page, current_code(device))

    page.goto(f"/encounters/{encounter.pk}/")
    started = time.monotonic()
    page.get_by_role("link", name="Find a place").click()
    results = page.locator("#results")
    expect(results.locator(".cr-result").first).to_contain_text("Crisis Stabilization Unit")
    seconds = time.monotonic() - started
    first = results.locator(".cr-result").first
    expect(first).to_contain_text("Room now")
    expect(first).to_contain_text("Open now")
    expect(first).to_contain_text("Police drop-off")
    expect(page.get_by_label("Accepts police drop-off")).to_be_checked()
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "directory-search-phone.png")
    page.evaluate("window.scrollBy(0, document.querySelector('.cr-filters').offsetTop - 8)")
    save_docs_screenshot(page, "directory-search.png")

    # Narrowing to room now drops the respite, whose only report is too old to trust.
    expect(results).to_contain_text("Peer Respite House")
    filters = page.locator("details.cr-filters > summary")
    expect(filters).to_contain_text("Crisis stabilisation / police drop-off")  # folded, and says so
    filters.click()
    page.locator("label[for=id_has_capacity]").click()
    page.get_by_role("button", name="Search").click()
    expect(results).not_to_contain_text("Peer Respite House")

    first.get_by_role("button", name="Refer here").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Referral to Crisis Stabilization Unit"
    )
    referral = Referral.objects.get()
    assert referral.encounter_id == encounter.pk and referral.need == "crisis-stabilisation"

    page.get_by_role("link", name="The service's listing").click()
    expect(page.get_by_role("heading", level=2, name="Riverton Campus")).to_be_visible()
    expect(page.get_by_role("table", name="Capacity")).to_contain_text("4 of 16 free")
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "directory-service-phone.png")
    assert seconds < 5, f"the results took {seconds:.1f} s"
    assert tab.problems() == []
