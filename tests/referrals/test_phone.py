"""The loop on a phone in real Chromium: the officer sends a referral with the person's consent,
the provider's intake accepts it and records the first service from the inbox, and the officer
reads "Engaged in treatment" with the Part 2 notice. No page scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from crossroads.core.models import User
from crossroads.referrals.models import Referral
from tests.browser.conftest import (  # noqa: F401  (the browser fixtures)
    PHONE,
    Tab,
    browser,
    open_tab,
    save_docs_screenshot,
    save_screenshot,
)
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step
from tests.factories import current_code, enrol_device, make_consent
from tests.referrals.conftest import ALL_INFORMATION, County

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _sign_in(open_tab: Callable[..., Tab], user: User) -> Tab:  # noqa: F811
    device = enrol_device(user)
    tab = open_tab(viewport=PHONE)
    _password_step(tab.page, user.username)
    _code_step(tab.page, current_code(device))
    return tab


def _fits(page: Page, name: str) -> None:
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, name)


def test_the_loop_on_a_phone(open_tab: Callable[..., Tab], county: County) -> None:  # noqa: F811
    make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        recipients=[county.police],
        information=ALL_INFORMATION,
    )
    referral = county.start()
    officer = _sign_in(open_tab, county.officer)
    page = officer.page
    page.goto(f"/referrals/{referral.pk}/")
    expect(page.get_by_text("Draft: not sent yet")).to_be_visible()
    page.get_by_label("How soon").select_option("now")
    page.get_by_label("The person's consent for this provider").select_option(index=1)
    page.get_by_label("Note for the provider").fill("Waiting at the station with Officer Diaz.")
    _fits(page, "referral-draft-phone.png")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft is saved.")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Sent: waiting for the provider")).to_be_visible()

    intake = _sign_in(open_tab, county.intake)
    inbox = intake.page
    inbox.goto("/referrals/inbox/")
    new = inbox.get_by_role("table", name="New referrals, due soonest first")
    expect(new).to_contain_text("Sam Doe")
    _fits(inbox, "referral-inbox-phone.png")
    save_docs_screenshot(inbox, "referral-inbox.png")
    new.get_by_role("link", name="Sam Doe").click()
    expect(inbox.get_by_role("heading", level=1)).to_have_text("Referral from Harbor City Police")
    _fits(inbox, "referral-received-phone.png")
    inbox.get_by_role("button", name="Accept").click()
    inbox.get_by_role("button", name="Record first service").click()
    expect(inbox.get_by_role("status").first).to_contain_text("Engaged (first service)")

    page.reload()
    expect(page.locator("[data-provider-status]")).to_contain_text("Engaged in treatment")
    expect(page.locator("[data-notice]")).to_contain_text("42 CFR part 2")
    _fits(page, "referral-sender-phone.png")
    save_docs_screenshot(page, "referral-sender.png")
    assert Referral.objects.get().status == "first_service"
    assert officer.problems() == [] and intake.problems() == []
