"""A dispatcher takes a call in real Chromium: the recommendation follows the form (htmx)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import expect

from crossroads.core.models import DataCategory
from crossroads.encounters.models import CallForService
from crossroads.training.models import CIT, Certification
from tests.browser.conftest import PHONE, Tab, save_screenshot
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step, _user
from tests.factories import current_code, enrol_device, make_agency, make_partnership

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_dispatcher_sees_the_recommendation_change_and_takes_the_call(
    open_tab: Callable[..., Tab], viewport: object
) -> None:
    agency = make_agency(
        type="dispatch_911",
        name="Riverside 911",
        short_name="R911",
        jurisdiction="Riverside County",
    )
    dispatcher = _user(agency, "dispatcher", "pmensah", "Priya", "Mensah")
    police = make_agency(type="police", name="Riverside Police", short_name="RPD")
    make_partnership(agency, police, DataCategory.CALLS_AND_ENCOUNTERS)
    officer = _user(police, "officer", "dokafor", "Dana", "Okafor")
    Certification.objects.create(
        agency=police,
        officer=officer,
        course=CIT,
        issued_on=date(2025, 3, 1),
        expires_on=date(2028, 3, 1),
    )
    device = enrol_device(dispatcher)
    tab = open_tab(**({"viewport": viewport} if viewport else {}))
    page = tab.page
    _password_step(page, "pmensah")
    _code_step(page, current_code(device))

    page.goto("/calls/new/")
    recommendation = page.locator("#recommendation")
    expect(recommendation).to_contain_text("Recommended: Standard police response")
    page.get_by_label("Call type").fill("Welfare check")
    page.locator("label[for=id_behavioural_health]").click()
    page.locator("label[for=id_available_units_0]").click()  # mobile crisis team is free
    expect(recommendation).to_contain_text("Recommended: Mobile crisis team")
    page.get_by_label("Weapon").select_option("seen")
    expect(recommendation).to_contain_text("Violence in progress or a weapon")
    page.get_by_label("Weapon").select_option("none")
    expect(recommendation).to_contain_text("Recommended: Mobile crisis team")
    name = "call-intake-phone.png" if viewport else "call-intake.png"
    save_screenshot(page, name)
    if viewport:
        _no_horizontal_scroll(page, 360)

    page.get_by_role("button", name="Take the call").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Call C")
    expect(page.get_by_text("Mobile crisis team (no police)").first).to_be_visible()
    assert CallForService.objects.get().response == "mobile_crisis"

    page.get_by_label("Next step").select_option("dispatched")
    page.get_by_text("Dana Okafor · RPD · CIT-certified now").click()
    page.get_by_role("button", name="Record step").click()
    expect(page.locator(".usa-intro")).to_contain_text("Dispatched")
    expect(page.get_by_text("CIT-certified", exact=True)).to_be_visible()
    save_screenshot(page, "call-detail-phone.png" if viewport else "call-detail.png")
    if viewport:
        _no_horizontal_scroll(page, 360)
    assert CallForService.objects.get().units.get().cit_certified is True
    assert tab.problems() == []
