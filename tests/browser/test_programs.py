"""Every program type end to end in real Chromium, driven as the people who run it would:
the officer who enrols or refers, the case manager, clinician or volunteer who works the case,
and (LEAD) the prosecutor who signs off. Each test goes from enrolment to a closed status on the
real pages, asserting what each page shows on the way. Set-up (agencies, staff, partnerships,
programs, the people already on file) is made with actions; everything a person does is done
on the pages. Issue 5: "every program type runs end to end in a Playwright test"."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from crossroads.core.models import Agency, DataCategory, User
from crossroads.encounters import actions as encounter_actions
from crossroads.people.actions import person_create
from crossroads.programs import actions as program_actions
from crossroads.programs.models import Case, Program
from tests.browser.conftest import DESKTOP, PHONE, Tab, save_docs_screenshot, save_screenshot
from tests.browser.test_sign_in import (
    HOME_URL,
    _code_step,
    _no_horizontal_scroll,
    _password_step,
    _user,
)
from tests.factories import current_code, enrol_device, make_agency, make_partnership

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

OpenTab = Callable[..., Tab]
COUNTY = "Riverside County"
AGENCIES = {
    "police": ("police", "Riverside Police Department", "RPD"),
    "clinic": ("bh_provider", "Harbor Behavioral Health", "HBH"),
    "recovery": ("community_org", "Riverside Recovery Community", "RRC"),
    "prosecutor": ("prosecutor", "Riverside County Prosecuting Attorney", "RCPA"),
}


# --- Set-up, with actions -----------------------------------------------------------------------


def _agency(key: str) -> Agency:
    type_, name, short_name = AGENCIES[key]
    return make_agency(type=type_, name=name, short_name=short_name, jurisdiction=COUNTY)


def _refers(police: Agency, to: Agency) -> None:
    """The department may refer people to `to` (and so enrol them in its programs)."""
    make_partnership(police, to, DataCategory.REFERRALS)


def _program(agency: Agency, type_: str, name: str) -> Program:
    return program_actions.program_create(
        by=None, agency=agency, type=type_, name=name, slug=f"{type_}-{uuid.uuid4().hex[:8]}"
    )


# --- The browser side ---------------------------------------------------------------------------


def _signed_in(open_tab: OpenTab, user: User, viewport: ViewportSize = DESKTOP) -> Tab:
    """A tab of its own (own cookies) where `user` signed in with password and authenticator."""
    device = enrol_device(user)
    tab = open_tab(viewport=viewport)
    _password_step(tab.page, user.username)
    _code_step(tab.page, current_code(device))
    expect(tab.page).to_have_url(HOME_URL)
    return tab


def _choose(scope: Page | Locator, question: str, answer: str) -> None:
    """Answer a radio group by its legend; USWDS draws the radio on its label, so click that."""
    group = scope.get_by_role("group", name=question, exact=True)
    group.get_by_text(answer, exact=True).click()
    expect(group.get_by_label(answer, exact=True)).to_be_checked()


def _enrol(
    page: Page,
    program: Program,
    *,
    entry: str,
    new_person: tuple[str, str] | None = None,
    answers: dict[str, str] | None = None,
    query: str = "",
) -> None:
    """The enrol page: choose the program, then how the person came and the checklist items
    this user may answer (and the person's name when they are new to the agency's records)."""
    page.goto(f"/programs/enrol/{query}")
    page.get_by_label("Program").select_option(
        label=f"{program.name} ({program.agency.short_name})"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(program.name)
    if new_person:
        page.get_by_label("Given name").fill(new_person[0])
        page.get_by_label("Family name").fill(new_person[1])
    _choose(page, "How the person came to the program", entry)
    for question, answer in (answers or {}).items():
        _choose(page, question, answer)
    page.get_by_role("button", name="Enrol").click()


def _move(page: Page, to: str, *, placement: str | None = None) -> None:
    """Press "Move to …" on the case page and wait for the history to show the move."""
    status = page.locator("#status")
    moved = page.locator("#history li").filter(has_text=f"Moved to {to}")
    before = moved.count()
    if placement:
        status.get_by_label("Kind of placement").select_option(label=placement)
    status.get_by_role("button", name=f"Move to {to}", exact=True).click()
    expect(moved).to_have_count(before + 1)
    expect(page.locator("#case-status")).to_have_text(to)


def _checklist_row(page: Page, item: str) -> Locator:
    """The row of the case page's eligibility checklist for `item`: answer, then who and when."""
    return page.locator("#eligibility tbody tr").filter(
        has=page.get_by_role("rowheader", name=item, exact=False)
    )


def _offered_moves(page: Page) -> list[str]:
    return page.locator("#status").get_by_role("button").all_inner_texts()


def _shows_closed(page: Page, status: str) -> None:
    expect(page.locator("#case-status")).to_have_text(status)
    expect(page.locator(".usa-intro")).to_contain_text(" · closed ")
    expect(page.locator(".cr-facts").first).to_contain_text(f"Closure reason{status}")
    expect(page.locator("#status").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("heading", name="Close the case")).to_have_count(0)
    expect(page.locator("#history li").last).to_contain_text("Closed")


def _caseload(page: Page) -> None:
    """The caseload, from the navigation."""
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Caseload"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")


def _take_from_program_page(page: Page, program: Program, person: str, worker: User) -> None:
    """A case referred in by another agency waits unassigned (on no worker's own caseload); a
    worker finds it through the program's page (caseload → Programs → the program) and assigns
    it to themselves."""
    _caseload(page)
    page.get_by_role("main").get_by_role("link", name="Programs", exact=True).click()
    page.get_by_role("link", name=program.name).click()
    listed = page.get_by_role("listitem").filter(has_text=person)
    expect(listed).to_contain_text("no case manager yet")
    listed.get_by_role("link", name=person).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(person)
    expect(page.locator(".cr-facts").first).to_contain_text("Not assigned yet")
    page.locator("#assign").get_by_label("Case manager").select_option(label=worker.display_name)
    page.locator("#assign").get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text("Case manager assigned.")
    expect(page.locator(".cr-facts").first).to_contain_text(worker.display_name)


# --- 1. CIT follow-up ---------------------------------------------------------------------------


def test_cit_follow_up_from_the_officers_encounter_to_linked_to_care(
    open_tab: OpenTab,
) -> None:
    police, clinic = _agency("police"), _agency("clinic")
    _refers(police, clinic)
    program = _program(clinic, "cit_follow_up", "Harbor CIT Follow-up")
    officer = _user(police, "officer", "dreyes", "Dana", "Reyes")
    manager = _user(clinic, "case_manager", "sokoye", "Sam", "Okoye")
    # The officer met Alex yesterday; the 24-hour follow-up is already two hours late.
    now = timezone.now()
    alex = person_create(by=officer, given_name="Alex", family_name="Moreno")
    encounter = encounter_actions.encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=now - timedelta(hours=26),
        disposition="referred_no_transport",
        person=alex,
    )
    # Another of Sam's cases, enrolled nine days ago and never reached: the caseload's other rows.
    jordan = person_create(by=manager, given_name="Jordan", family_name="Lee")
    program_actions.case_open(
        by=manager,
        program=program,
        person=jordan,
        entry_path="officer_referral",
        at=now - timedelta(days=9),
    )

    at_station = _signed_in(open_tab, officer)
    page = at_station.page
    _enrol(page, program, entry="After a crisis encounter", query=f"?encounter={encounter.pk}")
    expect(page.get_by_role("status")).to_have_text(
        "Alex Moreno is referred to Harbor CIT Follow-up (Harbor Behavioral Health). "
        "Its staff take it from here."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    case = Case.objects.get(person=alex)
    assert (case.agency, case.referred_by_agency, case.case_manager) == (clinic, police, None)

    at_clinic = _signed_in(open_tab, manager)
    page = at_clinic.page
    _take_from_program_page(page, program, "Alex Moreno", manager)
    _caseload(page)
    overdue = page.locator("#overdue")
    expect(overdue.get_by_role("heading")).to_have_text("Overdue 3")
    alex_row = overdue.get_by_role("listitem").filter(has_text="Alex Moreno")
    expect(alex_row).to_contain_text("24 hours follow-up")
    expect(page.locator("#not-reached")).to_contain_text("Jordan Lee")
    expect(page.locator("#not-reached")).to_contain_text("Not reached in 7 days")
    page.evaluate("document.activeElement.blur()")
    save_screenshot(page, "programs-caseload.png")
    save_docs_screenshot(page, "programs-caseload.png")
    alex_row.get_by_role("link", name="Alex Moreno").click()

    expect(page.locator("#case-status")).to_have_text("Following up")
    expect(page.locator(".cr-facts").first).to_contain_text(
        "Came byAfter a crisis encounter · referred by Riverside Police Department"
    )
    day_one = page.locator("#follow-ups .cr-capacity").filter(has_text="24 hours follow-up")
    expect(day_one).to_contain_text("still to make")
    contacts = page.locator("#contacts")
    contacts.get_by_label("How").select_option(label="Phone")
    _choose(contacts, "Reached the person?", "Not reached")
    contacts.get_by_label("For the follow-up").select_option(label="24 hours follow-up")
    contacts.get_by_label("Note (optional)").fill("Voicemail, left the clinic's number")
    contacts.get_by_role("button", name="Log contact").click()
    expect(page.get_by_role("status")).to_have_text("Contact logged.")
    expect(day_one).to_contain_text("1 attempt:")
    expect(day_one).to_contain_text("phone, not reached")
    expect(day_one).to_contain_text("still to make")
    expect(page.locator(".cr-facts").first).to_contain_text("Last reachedNot yet")

    contacts.get_by_label("How").select_option(label="Home visit")
    _choose(contacts, "Reached the person?", "Reached")
    contacts.get_by_label("For the follow-up").select_option(label="24 hours follow-up")
    contacts.get_by_role("button", name="Log contact").click()
    expect(day_one).to_contain_text("2 attempts:")
    expect(day_one).to_contain_text("Reached")
    expect(day_one.get_by_role("button")).to_have_count(0)  # nothing left to close
    expect(page.locator(".cr-facts").first).not_to_contain_text("Last reachedNot yet")
    expect(contacts.get_by_role("listitem")).to_have_count(2)
    expect(page.locator("#history")).to_contain_text("Contact: 24 hours follow-up: reached")

    assert _offered_moves(page)[:3] == [
        "Move to Linked to care",
        "Move to Declined",
        "Move to Unreachable",
    ]
    _move(page, "Linked to care")
    _shows_closed(page, "Linked to care")
    expect(page.locator("#tasks .text-strike")).to_have_count(3)  # every reminder done
    assert at_station.problems() == [] and at_clinic.problems() == []


# --- 2. Co-responder ----------------------------------------------------------------------------


def test_co_responder_from_dispatch_to_linked_to_care(open_tab: OpenTab) -> None:
    clinic = _agency("clinic")
    program = _program(clinic, "co_responder", "Harbor Co-responder Team")
    clinician = _user(clinic, "clinician", "mnguyen", "Mai", "Nguyen")

    tab = _signed_in(open_tab, clinician)
    page = tab.page
    _enrol(page, program, entry="Dispatched with officers", new_person=("Chris", "Doyle"))
    expect(page.get_by_role("status")).to_have_text(
        "Chris Doyle is enrolled in Harbor Co-responder Team."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Chris Doyle")
    expect(page.locator("#case-status")).to_have_text("Requested")
    facts = page.locator(".cr-facts").first
    expect(facts).to_contain_text("ClinicianMai Nguyen")
    expect(facts).to_contain_text("Sequential Intercept 1")
    assert _offered_moves(page) == ["Move to Remote consult", "Move to On scene"]

    for status in ("On scene", "Assessed", "Dispositioned"):
        _move(page, status)
    assert _offered_moves(page) == [
        "Move to Following up",
        "Move to Linked to care",
        "Move to Declined",
    ]
    page.locator("#status").get_by_label("Note (optional)").fill("Warm handoff to the clinic")
    _move(page, "Linked to care")
    expect(page.locator("#case-status")).to_have_text("Linked to care")
    expect(page.locator(".cr-facts").first).to_contain_text(
        "Closure reasonWarm handoff to the clinic"
    )
    expect(page.locator("#history li").last).to_contain_text("Closed — Warm handoff to the clinic")
    expect(page.locator("#history li")).to_contain_text(
        [
            "Enrolled: Dispatched with officers",
            "Moved to On scene",
            "Moved to Assessed",
            "Moved to Dispositioned",
            "Moved to Linked to care — Warm handoff to the clinic",
            "Closed — Warm handoff to the clinic",
        ]
    )
    assert tab.problems() == []


# --- 3. Angel / PAARI walk-in -------------------------------------------------------------------


ANGEL_CHECKLIST_CLEAR = {
    "Outstanding warrant": "No",
    "Officer-safety concern": "No",
    "Under 18 without a parent or guardian": "No",
    "Medical needs seen to first": "Yes",
}


def test_angel_walk_in_placed_and_a_walk_in_with_a_warrant_only_ineligible(
    open_tab: OpenTab,
) -> None:
    police, recovery = _agency("police"), _agency("recovery")
    _refers(police, recovery)
    program = _program(recovery, "angel", "Riverside Angel Program")
    officer = _user(police, "officer", "dreyes", "Dana", "Reyes")
    volunteer = _user(recovery, "peer", "jtran", "Jess", "Tran")

    at_station = _signed_in(open_tab, officer)
    page = at_station.page
    _enrol(
        page,
        program,
        entry="Walked in and asked for help",
        new_person=("Robin", "Walsh"),
        answers=ANGEL_CHECKLIST_CLEAR,
    )
    expect(page.get_by_role("status")).to_contain_text("Robin Walsh is referred to")
    _enrol(
        page,
        program,
        entry="Walked in and asked for help",
        new_person=("Casey", "Burke"),
        answers={**ANGEL_CHECKLIST_CLEAR, "Outstanding warrant": "Yes"},
    )
    expect(page.get_by_role("status")).to_contain_text("Casey Burke is referred to")

    at_recovery = _signed_in(open_tab, volunteer)
    page = at_recovery.page
    _take_from_program_page(page, program, "Robin Walsh", volunteer)
    expect(page.locator(".cr-facts").first).to_contain_text("Angel volunteerJess Tran")
    expect(page.locator("#case-status")).to_have_text("Presented")
    expect(_checklist_row(page, "Outstanding warrant").get_by_role("cell")).to_have_text(
        ["No", re.compile("^Dana Reyes, ")]  # answered at the station
    )
    expect(
        _checklist_row(page, "Medical needs seen to first").get_by_role("cell").first
    ).to_have_text("Yes")
    assert _offered_moves(page) == ["Move to Eligible"]
    _move(page, "Eligible")
    _move(page, "Searching for a placement")
    assert _offered_moves(page) == ["Move to Placed", "Move to Not placed"]
    # "Placed" needs the kind of placement: refused beside the field, nothing moves.
    page.locator("#status").get_by_role("button", name="Move to Placed").click()
    placement = page.locator("#status").get_by_label("Kind of placement")
    expect(placement).to_have_accessible_description(re.compile("Choose the kind of placement"))
    expect(page.locator("#case-status")).to_have_text("Searching for a placement")
    _move(page, "Placed", placement="Detox / withdrawal management")
    expect(page.locator(".cr-facts").first).to_contain_text(
        "PlacementDetox / withdrawal management"
    )
    _move(page, "Following up")
    _move(page, "Follow-up complete")
    _shows_closed(page, "Follow-up complete")

    # Casey has an outstanding warrant: the only move offered is to Ineligible ...
    page.goto(f"/programs/{program.pk}/")
    page.get_by_role("link", name="Casey Burke").click()
    expect(_checklist_row(page, "Outstanding warrant").get_by_role("cell").first).to_have_text(
        "Yes"
    )
    assert _offered_moves(page) == ["Move to Ineligible"]
    # ... and "Eligible", sent anyway (the button's value changed in the page), is refused
    # with the reason beside the status.
    page.locator("#status").get_by_role("button", name="Move to Ineligible").evaluate(
        "button => { button.value = 'eligible' }"
    )
    page.locator("#status").get_by_role("button", name="Move to Ineligible").click()
    expect(page.locator("#status .usa-error-message")).to_have_text(
        "The eligibility checklist decides this step: the case moves to Ineligible."
    )
    expect(page.locator("#case-status")).to_have_text("Presented")
    _move(page, "Ineligible")
    _shows_closed(page, "Ineligible")
    assert Case.objects.get(person__given_name="Casey").status == "ineligible"

    assert at_station.problems() == []
    # The two refused moves answer 422, which Chromium logs as failed resources; nothing else.
    refused = [m for m in at_recovery.problems() if "status of 422" in m]
    assert len(refused) == 2 and len(at_recovery.problems()) == 2


# --- 4. LEAD ------------------------------------------------------------------------------------


def test_lead_diversion_with_the_prosecutors_sign_off_to_exit(open_tab: OpenTab) -> None:
    police, recovery, office = _agency("police"), _agency("recovery"), _agency("prosecutor")
    _refers(police, recovery)
    make_partnership(recovery, office, DataCategory.PROGRAM_PARTICIPATION)
    program = _program(recovery, "lead", "Riverside LEAD")
    officer = _user(police, "officer", "dreyes", "Dana", "Reyes")
    manager = _user(recovery, "case_manager", "tokafor", "Tomi", "Okafor")
    prosecutor = _user(office, "prosecutor", "pshah", "Priya", "Shah")

    at_station = _signed_in(open_tab, officer)
    page = at_station.page
    _enrol(
        page,
        program,
        entry="Diverted instead of booked (probable cause)",
        new_person=("Jamie", "Ortiz"),
        answers={
            "Probable cause for an eligible offence (or a social contact)": "Yes",
            "Violent or disqualifying offence": "No",
        },
    )
    expect(page.get_by_role("status")).to_contain_text("Jamie Ortiz is referred to Riverside LEAD")

    at_program = _signed_in(open_tab, manager)
    page = at_program.page
    _take_from_program_page(page, program, "Jamie Ortiz", manager)
    expect(page.locator("#case-status")).to_have_text("Referred")
    expect(page.locator("#charge-status")).to_have_text("Held")
    # 30 days from today on the agency's calendar (a day more or less across a clock change).
    expect(page.locator("#charge")).to_contain_text(re.compile(r"\b(29|30|31) days left"))
    sign_off = _checklist_row(page, "Prosecutor's sign-off").get_by_role("cell")
    expect(sign_off).to_have_text(["Not known yet", "—"])
    # The case manager answers the officer's items but not the prosecutor's.
    eligibility = page.locator("#eligibility")
    expect(
        eligibility.get_by_role("group", name="Violent or disqualifying offence")
    ).to_be_visible()
    expect(eligibility.get_by_role("group", name="Prosecutor's sign-off")).to_have_count(0)
    expect(page.locator("#status")).to_contain_text(
        "The eligibility checklist is not complete: Prosecutor's sign-off."
    )
    assert _offered_moves(page) == []

    at_office = _signed_in(open_tab, prosecutor)
    page = at_office.page
    _caseload(page)
    page.get_by_role("main").get_by_role("link", name="Sign-off list").click()
    waiting = page.get_by_role("region", name=re.compile("^Waiting for your sign-off"))
    expect(waiting).to_contain_text("Riverside LEAD (RRC)")
    waiting.get_by_role("link", name="Jamie Ortiz").click()
    expect(page.locator("#case-status")).to_have_text("Referred")
    # The office reads what the sign-off needs, not the case's work.
    for section in ("#contacts", "#goals", "#tasks", "#conferences", "#status form"):
        expect(page.locator(section)).to_have_count(0)
    eligibility = page.locator("#eligibility")
    expect(eligibility.get_by_role("group")).to_have_count(1)
    _choose(eligibility, "Prosecutor's sign-off", "Yes")
    eligibility.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("status")).to_have_text("Answers saved.")
    expect(_checklist_row(page, "Prosecutor's sign-off").get_by_role("cell")).to_have_text(
        ["Yes", re.compile("^Priya Shah, ")]
    )
    page.goto("/programs/sign-off/")
    expect(
        page.get_by_role("region", name=re.compile("^Waiting for your sign-off"))
    ).to_contain_text("Nothing waiting.")

    page = at_program.page
    page.reload()
    assert _offered_moves(page)[0] == "Move to Intake pending"
    _move(page, "Intake pending")
    _move(page, "Enrolled")
    expect(page.locator("#charge-status")).to_have_text("Not filed")
    expect(page.locator("#history")).to_contain_text(
        "Charge not filed — Intake completed before the deadline."
    )
    _move(page, "Active")
    conference = page.locator("#conferences")
    conference.get_by_label("Who attended (one a line, with their role)").fill(
        "Tomi Okafor, LEAD case manager\nPriya Shah, prosecutor\nDana Reyes, RPD"
    )
    conference.get_by_label("Decisions").fill("Keep the charge dropped; start housing search.")
    conference.get_by_role("button", name="Record conference").click()
    expect(page.get_by_role("status")).to_have_text("Conference recorded.")
    recorded = conference.locator(".cr-capacity")
    expect(recorded).to_contain_text(
        "Attended: Tomi Okafor, LEAD case manager; Priya Shah, prosecutor; Dana Reyes, RPD"
    )
    expect(recorded).to_contain_text("Decisions: Keep the charge dropped; start housing search.")
    expect(page.locator("#tasks")).to_contain_text("Next case conference due")
    # The docs' picture shows the case down to its checklist and charge: a taller window.
    page.set_viewport_size({"width": DESKTOP["width"], "height": 1440})
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    save_screenshot(page, "programs-lead-case.png")
    save_docs_screenshot(page, "programs-lead-case.png")
    page.set_viewport_size(DESKTOP)
    assert _offered_moves(page) == ["Move to Inactive", "Move to Exited"]
    _move(page, "Exited")
    _shows_closed(page, "Exited")
    expect(page.locator("#charge-status")).to_have_text("Not filed")
    assert at_station.problems() == [] and at_program.problems() == []
    assert at_office.problems() == []


# --- 5. QRT, on a phone -------------------------------------------------------------------------


def test_qrt_after_an_overdose_on_a_phone_to_engaged(open_tab: OpenTab) -> None:
    recovery = _agency("recovery")
    program = _program(recovery, "qrt", "Riverside Quick Response Team")
    peer = _user(recovery, "peer", "jtran", "Jess", "Tran")

    tab = _signed_in(open_tab, peer, viewport=PHONE)
    page = tab.page
    _enrol(page, program, entry="After a reported overdose", new_person=("Taylor", "Brooks"))
    expect(page.get_by_role("status")).to_have_text(
        "Taylor Brooks is enrolled in Riverside Quick Response Team."
    )
    expect(page.locator("#case-status")).to_have_text("Visit scheduled")
    expect(page.locator("#tasks")).to_contain_text("Outreach visit due")
    _no_horizontal_scroll(page, PHONE["width"])

    for status in ("Attempted", "Attempted", "Contacted", "Accepted help", "Referred to treatment"):
        _move(page, status)
        _no_horizontal_scroll(page, PHONE["width"])
    expect(page.locator("#history li").filter(has_text="Moved to Attempted")).to_have_count(2)
    _move(page, "Engaged in treatment")
    _shows_closed(page, "Engaged in treatment")
    _no_horizontal_scroll(page, PHONE["width"])
    save_screenshot(page, "programs-qrt-phone.png")
    page.goto(f"/programs/{program.pk}/")
    closed = page.get_by_role("region", name=re.compile("^Closed"))
    expect(closed).to_contain_text("Taylor Brooks")
    expect(closed).to_contain_text("Engaged in treatment")
    _no_horizontal_scroll(page, PHONE["width"])
    assert tab.problems() == []
