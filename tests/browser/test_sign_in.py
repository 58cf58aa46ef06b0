"""Sign-in end to end in real Chromium: the notice, the password, the authenticator (enrolled on
the spot or already set up), the home page, a phone-sized screen, and a replayed code refused.
SECURITY.md 12 and 16; the pages' frame from templates/base.html."""

from __future__ import annotations

import re
from base64 import b32decode
from collections.abc import Callable
from datetime import date

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from crossroads.core import actions
from crossroads.core.actions import Flow
from crossroads.core.models import Agency, AuditEvent, User
from tests.browser.conftest import DESKTOP, PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.factories import PASSWORD, current_code, enrol_device, make_agency

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

REPLAY_ERROR = "That code is not valid now"
HOME_URL = re.compile(r"^http://[^/]+/$")


def _agency() -> Agency:
    return make_agency(
        type="police",
        name="Riverside Police Department",
        short_name="RPD",
        jurisdiction="Riverside County",
    )


def _partner_of(agency: Agency) -> None:
    provider = make_agency(
        type="bh_provider",
        name="Riverside County Behavioral Health",
        short_name="RCBH",
        jurisdiction="Riverside County",
    )
    actions.partnership_create(
        by=None,
        name="Co-responder program MOU",
        parties=[agency, provider],
        flows=[Flow(agency, provider, "referrals"), Flow(provider, agency, "referral_status")],
        starts_on=date(2024, 1, 1),
    )


def _user(agency: Agency, role: str, username: str, first: str, last: str) -> User:
    # tests.factories.make_user, with a name a reader of the README's screenshots can take in.
    return actions.user_create(
        by=None,
        agency=agency,
        username=username,
        email=f"{username}@example.org",
        first_name=first,
        last_name=last,
        password=PASSWORD,
        roles=[role],
    )


def _password_step(page: Page, username: str, *, screenshot: str | None = None) -> None:
    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", name="Notice to users")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    # USWDS hides the native checkbox off screen and draws the box on the label: click that.
    page.locator("label[for=id_acknowledge]").click()
    expect(page.get_by_label("I have read the notice above", exact=False)).to_be_checked()
    if screenshot:
        page.evaluate("document.activeElement.blur()")  # no focus ring in the README's picture
        save_docs_screenshot(page, screenshot)
    page.get_by_role("button", name="Continue").click()


def _code_step(page: Page, code: str, button: str = "Verify") -> None:
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name=button).click()


def _code_from_enrolment_page(page: Page) -> str:
    """What the person's authenticator app computes from the key typed in from the page."""
    shown = page.locator("#totp-secret").inner_text()
    key = re.sub(r"\s+", "", shown).upper()
    key += "=" * (-len(key) % 8)
    return f"{TOTP(b32decode(key)).token():06d}"


def _no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"{page.url} scrolls sideways: {scroll_width}px > {width}px"


def _first_tab_stop_is_skip_link(page: Page) -> None:
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
    assert focused == "Skip to main content", f"first Tab stop on {page.url}: {focused!r}"
    # The skip link is visible when focused (USWDS moves it on screen) and leads to <main>.
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def test_officer_signs_in_and_enrols_an_authenticator(open_tab: Callable[..., Tab]) -> None:
    agency = _agency()
    officer = _user(agency, "officer", "dreyes", "Dana", "Reyes")
    _partner_of(agency)
    tab = open_tab(viewport=DESKTOP)
    page = tab.page

    _password_step(page, "dreyes", screenshot="sign-in.png")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/enrol/$"))
    expect(page.locator(".cr-qr svg")).to_be_visible()
    save_screenshot(page, "enrol.png")
    _code_step(page, _code_from_enrolment_page(page), button="Confirm")

    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dana Reyes")
    card = page.locator('[data-role="officer"]')
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="Patrol officer")).to_be_visible()
    expect(page.get_by_role("link", name="Co-responder program MOU")).to_be_visible()
    assert TOTPDevice.objects.get(user=officer).confirmed
    save_screenshot(page, "officer-home.png")
    assert tab.problems() == []


def test_agency_admin_on_a_phone(open_tab: Callable[..., Tab]) -> None:
    agency = _agency()
    admin = _user(agency, "agency_admin", "mokafor", "Morgan", "Okafor")
    device = enrol_device(admin)
    tab = open_tab(viewport=PHONE)
    page = tab.page

    _password_step(page, "mokafor")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/$"))
    _code_step(page, current_code(device))
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Morgan Okafor")
    expect(page.locator('[data-role="agency_admin"]')).to_be_visible()
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "agency-admin-home-phone.png")

    # The navigation folds behind "Menu" on a narrow screen, and opens from it.
    nav = page.get_by_role("navigation", name="Primary navigation")
    staff_link = nav.get_by_role("link", name="Staff", exact=True)
    expect(staff_link).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(staff_link).to_be_visible()
    expect(nav.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    expect(nav).to_be_in_viewport(ratio=1)  # slid all the way in, nothing cut off
    save_screenshot(page, "agency-admin-menu-phone.png", full_page=False)
    page.get_by_role("button", name="Close").click()
    expect(staff_link).to_be_hidden()

    page.reload()
    _first_tab_stop_is_skip_link(page)

    page.get_by_role("button", name="Menu").click()
    staff_link.click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("table", name="Staff accounts")).to_contain_text("mokafor")
    _no_horizontal_scroll(page, PHONE["width"])
    _first_tab_stop_is_skip_link(page)
    save_screenshot(page, "agency-admin-staff-phone.png")
    assert tab.problems() == []


def test_a_used_code_is_refused_at_the_next_sign_in(open_tab: Callable[..., Tab]) -> None:
    agency = _agency()
    admin = _user(agency, "agency_admin", "jlindqvist", "Jo", "Lindqvist")
    _user(agency, "officer", "dreyes", "Dana", "Reyes")
    _partner_of(agency)
    device = enrol_device(admin)
    tab = open_tab(viewport=DESKTOP)
    page = tab.page

    _password_step(page, "jlindqvist")
    code = current_code(device)
    _code_step(page, code)
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jo Lindqvist")
    expect(page.locator('[data-role="agency_admin"]')).to_contain_text("2 staff accounts")
    save_docs_screenshot(page, "home.png")  # README: "the home page of an agency administrator"

    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))  # the session is gone

    _password_step(page, "jlindqvist")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/$"))
    _code_step(page, code)
    code_field = page.get_by_label("6-digit code from your authenticator app")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_accessible_description(re.compile(REPLAY_ERROR))
    save_screenshot(page, "replayed-code-refused.png")
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/$"))
    page.goto("/")
    # Still not through the second factor: home sends the person back to enter a code.
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    assert page.get_by_role("heading", name=re.compile("^Welcome")).count() == 0
    assert AuditEvent.objects.filter(actor=admin, verb="auth.mfa.failure").count() == 1
    # The refused page answers 400, which Chromium logs as a failed resource; nothing else.
    unexpected = [m for m in tab.problems() if "status of 400" not in m]
    assert unexpected == []
