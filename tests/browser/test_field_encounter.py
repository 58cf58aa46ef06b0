"""An officer records a typical encounter on a phone over a slow mobile link, in real Chromium.

Issue 3: under two minutes of a person's time on a phone-sized screen, the draft saved as they
go, a live score for the screen given, and no sideways scrolling. The run is timed twice: the
wall time of the script, and an estimate of a person's time from the taps and characters it
took plus the network waits measured on the way (a person cannot tap faster than the page
answers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

from crossroads.encounters import actions
from crossroads.encounters.models import Encounter, EncounterDraft
from crossroads.triage.rules import CallFacts
from tests.browser.conftest import ARTIFACTS, Tab, save_screenshot
from tests.browser.test_sign_in import _code_step, _no_horizontal_scroll, _password_step, _user
from tests.factories import current_code, enrol_device, make_agency

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

FIELD_PHONE: ViewportSize = {"width": 390, "height": 844}  # a common phone, portrait
# A poor mobile link (Chrome DevTools' "slow 3G" is 400 kbit/s and 400 ms as well).
SLOW_MOBILE = {
    "offline": False,
    "latency": 400,  # ms, each request
    "downloadThroughput": 400_000 / 8,  # bytes/s
    "uploadThroughput": 400_000 / 8,
}
SECONDS_PER_TAP = 1.5  # find the control, reach it, tap it, with gloves and in a car
SECONDS_PER_CHARACTER = 0.3  # thumb typing on a phone keyboard
BUDGET_SECONDS = 120


@dataclass
class Officer:
    """Works the page as a person would, counting taps and typed characters and timing the
    waits for the network that a person would sit through."""

    page: Page
    taps: int = 0
    characters: int = 0
    waits: dict[str, float] = field(default_factory=dict)

    def tap(self, target: Locator) -> None:
        target.click()
        self.taps += 1

    def type(self, target: Locator, text: str) -> None:
        self.tap(target)
        target.fill(text)
        self.characters += len(text)

    @contextmanager
    def waiting(self, what: str) -> Iterator[None]:
        started = perf_counter()
        yield
        self.waits[what] = perf_counter() - started

    @property
    def estimate(self) -> float:
        return (
            self.taps * SECONDS_PER_TAP
            + self.characters * SECONDS_PER_CHARACTER
            + sum(self.waits.values())
        )


def _officer_signed_in(open_tab: Callable[..., Tab]) -> tuple[Tab, str]:
    agency = make_agency(
        type="police",
        name="Riverside Police Department",
        short_name="RPD",
        jurisdiction="Riverside County",
    )
    officer = _user(agency, "officer", "dreyes", "Dana", "Reyes")
    dispatcher = _user(agency, "dispatcher", "pmensah", "Priya", "Mensah")
    call = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="Welfare check",
        location="14 Alder St",
        facts=CallFacts(behavioural_health=True),
    )
    device = enrol_device(officer)
    tab = open_tab(viewport=FIELD_PHONE)
    _password_step(tab.page, "dreyes")
    _code_step(tab.page, current_code(device))
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Welcome, Dana Reyes")
    return tab, str(call.pk)


def _slow_link(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_MOBILE)


def test_an_officer_records_a_typical_encounter_on_a_slow_phone(
    open_tab: Callable[..., Tab],
) -> None:
    tab, call_id = _officer_signed_in(open_tab)
    page = tab.page
    # The scene is over; the officer has the call open (pages of the shift are in the cache).
    page.goto(f"/calls/{call_id}/")
    _slow_link(page)
    officer = Officer(page)
    started = perf_counter()

    with officer.waiting("open the form"):
        officer.tap(page.get_by_role("link", name="Record encounter"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Record an encounter")
        page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".cr-field-lede")).to_contain_text("Welfare check · 14 Alder St")

    for sign in ("responding_to_voices", "no_sleep", "hopeless_statements"):
        officer.tap(page.locator(f"label[for=sign-{sign}]"))
    for technique in ("time_and_distance", "calm_voice"):
        officer.tap(page.locator(f"label[for=technique-{technique}]"))

    phq2 = page.locator("#screen-phq2")
    officer.tap(phq2.locator("summary"))
    officer.tap(phq2.get_by_text("More than half the days").first)
    officer.tap(phq2.locator("label[for=id_screen-phq2-q2_1]"))  # several days
    with officer.waiting("score"):
        expect(page.locator("#screen-result-phq2")).to_contain_text("Score 3 of 6")
    expect(page.locator("#screen-result-phq2")).to_contain_text("Positive")

    destination = page.get_by_label("Taken to")
    expect(destination).to_be_hidden()  # asked only for a disposition that takes the person
    dispositions = page.locator("#id_disposition_group label")
    officer.tap(dispositions.filter(has_text="Voluntary transport to a crisis"))
    officer.type(destination, "Alder Crisis Stabilization Unit")
    officer.type(
        page.get_by_label("What happened"),
        "Calm after we talked; agreed to go to the crisis unit for an evaluation.",
    )
    # The draft is saved in the background while the officer works (not a wait they sit out).
    expect(page.locator("#draft-status")).to_contain_text(
        re.compile(r"Draft saved at \d\d:\d\d"), timeout=20_000
    )
    assert EncounterDraft.objects.count() == 1
    _no_horizontal_scroll(page, FIELD_PHONE["width"])
    save_screenshot(page, "field-encounter-phone.png")
    phq2.scroll_into_view_if_needed()
    page.evaluate("document.activeElement.blur()")
    save_screenshot(page, "field-encounter-phone-screen.png", full_page=False)

    with officer.waiting("submit"):
        officer.tap(page.get_by_role("button", name="Submit encounter"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Encounter")
    wall = perf_counter() - started

    expect(page.get_by_text("Encounter recorded.")).to_be_visible()
    expect(page.locator("#screens")).to_contain_text("Score 3 of 6")
    expect(page.locator("#screens")).not_to_contain_text("More than half the days")
    _no_horizontal_scroll(page, FIELD_PHONE["width"])
    save_screenshot(page, "field-encounter-detail-phone.png")
    encounter = Encounter.objects.get()
    assert str(encounter.call_id) == call_id
    assert encounter.signs == ["hopeless_statements", "no_sleep", "responding_to_voices"]
    assert encounter.deescalation == ["calm_voice", "time_and_distance"]
    assert encounter.disposition == "voluntary_transport_crisis_facility"
    assert encounter.transport_destination == "Alder Crisis Stabilization Unit"
    assert [(s.instrument, s.answers) for s in encounter.screens.all()] == [("phq2", [2, 1])]
    assert not EncounterDraft.objects.exists()  # the submit took the draft's place

    timing = {
        "viewport": FIELD_PHONE,
        "network": SLOW_MOBILE,
        "wall_seconds": round(wall, 1),
        "taps": officer.taps,
        "characters": officer.characters,
        "network_waits_seconds": {k: round(v, 2) for k, v in officer.waits.items()},
        "estimate_seconds": round(officer.estimate, 1),
        "estimate_rule": f"{SECONDS_PER_TAP} s a tap + {SECONDS_PER_CHARACTER} s a character "
        "+ measured network waits",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "field-encounter-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"\nfield encounter on a slow phone: {json.dumps(timing)}")
    assert wall < BUDGET_SECONDS, timing
    assert officer.estimate < BUDGET_SECONDS, timing
    assert tab.problems() == []


def test_the_form_works_from_the_keyboard(open_tab: Callable[..., Tab]) -> None:
    tab, call_id = _officer_signed_in(open_tab)
    page = tab.page
    page.goto(f"/encounters/new/?call={call_id}")
    sign = page.locator("#sign-responding_to_voices")
    sign.focus()
    page.keyboard.press("Space")
    expect(sign).to_be_checked()
    page.locator("#screen-phq2 summary").focus()
    page.keyboard.press("Enter")  # opens the screen
    first_answer = page.locator("#id_screen-phq2-q1_0")
    expect(first_answer).to_be_visible()
    page.locator("#id_disposition_0").focus()
    page.keyboard.press("Space")
    expect(page.locator("#id_disposition_0")).to_be_checked()
    page.keyboard.press("ArrowDown")  # radio groups move with the arrow keys
    expect(page.locator("#id_disposition_1")).to_be_checked()
    page.get_by_role("button", name="Submit encounter").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Encounter")
    assert Encounter.objects.get().disposition == "referred_no_transport"
    assert tab.problems() == []
