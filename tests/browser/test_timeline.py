"""A person's timeline on an officer's phone: the flag the officer needs, and the provider's word
only while the person's consent names the police, with the §2.32 notice beside it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from crossroads.consent.actions import consent_revoke
from crossroads.people.actions import flag_set
from tests.browser.conftest import PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.browser.test_programs import _signed_in
from tests.browser.test_sign_in import _no_horizontal_scroll
from tests.factories import make_consent
from tests.people.test_timeline import Story, story  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_officer_sees_engagement_only_under_consent_on_a_phone(
    open_tab: Callable[..., Tab],
    story: Story,  # noqa: F811
) -> None:
    flag_set(by=story.officer, person=story.person, kind="developmental_disability", days=30)
    tab = _signed_in(open_tab, story.officer, PHONE)
    page = tab.page
    timeline = f"/people/{story.person.pk}/"
    page.goto(timeline)
    expect(page.get_by_text("Developmental disability or autism.")).to_be_visible()
    referral = page.locator("[data-kind=referral]")
    expect(referral.locator("[data-detail]")).to_have_text("No consent on file")
    expect(referral.locator("[data-notice]")).to_have_count(0)
    consent = make_consent(
        story.officer,
        story.person,
        discloser=story.harbor,
        recipients=[story.police],
        information=["engagement"],
    )
    page.goto(timeline)
    expect(referral.locator("[data-detail]")).to_have_text("Engaged in treatment")
    expect(referral.locator("[data-notice]")).to_contain_text("42 CFR part 2")
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "person-timeline-phone.png")
    save_docs_screenshot(page, "person-timeline.png")
    consent_revoke(by=story.officer, consent=consent, note="asked to stop", expected_version=1)
    page.goto(timeline)
    expect(referral.locator("[data-detail]")).to_have_text("No consent on file")
    assert tab.problems() == []
