"""An officer records a person's consent on a phone in real Chromium: every element on one
column, a refused form shows each missing element beside its field, the signed consent reads
back element by element, and no page scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from crossroads.consent.models import Consent
from crossroads.people.actions import person_create
from tests.browser.conftest import PHONE, Tab, browser, open_tab, save_screenshot
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step, _user
from tests.factories import current_code, enrol_device, make_agency

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
__all__ = ["browser", "open_tab"]  # the browser tests' fixtures, used here too


def test_an_officer_records_a_consent_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    police = make_agency(type="police", name="Alder Police Department", short_name="APD")
    make_agency(type="sud_treatment", name="Harbor Recovery", short_name="HR")
    officer = _user(police, "officer", "jlee", "Jordan", "Lee")
    person = person_create(by=officer, given_name="Sam", family_name="Doe")
    device = enrol_device(officer)
    tab = open_tab(viewport=PHONE)
    page = tab.page
    _password_step(page, "jlee")
    _code_step(page, current_code(device))

    page.goto(f"/consent/people/{person.pk}/")
    expect(page.get_by_text("No consent on file.")).to_be_visible()
    page.get_by_role("link", name="Record a consent").click()
    _no_horizontal_scroll(page, PHONE["width"])
    page.get_by_role("button", name="Record the consent").click()
    for missing in (
        "Choose what information may be disclosed.",
        "Choose why the information may be disclosed.",
        "Give a date or an event on which the consent ends.",
        "Give the name of the person signing.",
    ):
        expect(page.get_by_text(missing)).to_be_visible()
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "consent-refused-phone.png")

    page.get_by_label("Program that may disclose").select_option(label="Harbor Recovery")
    page.locator("label", has_text="Whether the person is engaged in treatment").click()
    page.locator("label", has_text="Alder Police Department").click()
    page.locator("label", has_text="Treatment: care coordination").click()
    page.locator("label[for=id_right_to_revoke_acknowledged]").click()
    page.get_by_label("Or it ends on this event").fill("completion of treatment")
    page.get_by_label("Name of the person signing, as they type it").fill("Sam Doe")
    page.locator("label[for=id_signer_affirms]").click()
    page.get_by_role("button", name="Record the consent").click()

    expect(page.get_by_role("heading", name="Consent of Sam Doe")).to_be_visible()
    expect(page.get_by_text("In force.")).to_be_visible()
    expect(page.get_by_text("completion of treatment", exact=False).first).to_be_visible()
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "consent-detail-phone.png")
    assert Consent.objects.get().signed_by == "Sam Doe"
    # The refused form answered 422 on purpose; Chromium logs that status, nothing else may be.
    assert [m for m in tab.problems() if "status of 422" not in m] == []
