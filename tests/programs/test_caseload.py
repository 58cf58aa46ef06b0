"""The caseload: what is due today, what is overdue (tasks, follow-ups, LEAD intake deadlines),
and who has not been reached in the program's N days; one's own cases, or the agency's for
supervisors; a fixed number of queries however long it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossroads.core.actions import task_complete
from crossroads.core.models import Task
from crossroads.programs import actions, queries
from crossroads.programs.models import Case, Program
from tests.factories import make_case, make_program, make_user, signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db


def _case(county: County, program: Program, manager: object, at: object = MORNING) -> Case:
    return actions.case_open(
        by=county.coordinator,
        program=program,
        person=person_of(county.officer, f"P{Case.objects.count()}"),
        entry_path=program.spec.entry_paths[0],
        case_manager=manager,  # type: ignore[arg-type]
        at=at,  # type: ignore[arg-type]
    )


def _names(rows: list[queries.CaseloadRow]) -> list[tuple[str, str]]:
    return [(row.case.person.given_name, row.what) for row in rows]


def test_the_24_hour_follow_up_is_due_today_then_overdue(county: County, cit: Program) -> None:
    # Enrolled at 01:00 New York time: the 24-hour follow-up falls due at 01:00 tomorrow.
    evening = MORNING - timedelta(hours=13)  # 01:00 UTC on 3 March = 20:00 on 2 March locally
    with time_machine.travel(evening, tick=False):
        _case(county, cit, county.coordinator, at=evening)
    with time_machine.travel(evening + timedelta(hours=20), tick=False):
        load = queries.caseload(county.coordinator, evening + timedelta(hours=20))
    assert _names(load.due_today) == [("P0", "24 hours follow-up")]
    assert load.overdue == [] and load.not_reached == []
    later = evening + timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        load = queries.caseload(county.coordinator, later)
    assert _names(load.overdue) == [("P0", "24 hours follow-up")] and load.due_today == []


def test_not_reached_counts_from_the_last_contact_else_enrolment(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        quiet = _case(county, cit, county.coordinator)
        reached = _case(county, cit, county.coordinator)
    with time_machine.travel(MORNING + timedelta(days=5), tick=False):
        actions.contact_log(
            by=county.coordinator,
            case=reached,
            at=MORNING + timedelta(days=5),
            method="phone",
            reached=True,
        )
    eight_days = MORNING + timedelta(days=8)
    load = queries.caseload(county.coordinator, eight_days)
    assert [(r.case, r.what, r.since) for r in load.not_reached] == [
        (quiet, "Not reached in 7 days", MORNING)
    ]


def test_a_lead_intake_deadline_shows_on_its_day_and_after(county: County, lead: Program) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = actions.case_open(
            by=county.officer,
            program=lead,
            person=person_of(county.officer),
            entry_path="social_contact",
            case_manager=county.lead_manager,
            at=MORNING,
        )
    for task in Task.objects.filter(rule__startswith="conference"):
        task_complete(task=task, by=county.lead_manager)
    deadline_day = MORNING + timedelta(days=30) - timedelta(hours=2)
    load = queries.caseload(county.lead_manager, deadline_day)
    assert [(r.case, r.what) for r in load.due_today] == [(case, "Intake deadline")]
    load = queries.caseload(county.lead_manager, MORNING + timedelta(days=31))
    assert [(r.case, r.what) for r in load.overdue] == [(case, "Intake deadline")]


def test_ones_own_cases_or_for_supervisors_everyones(county: County, cit: Program) -> None:
    colleague = make_user(county.police, "peer", username="pete")
    with time_machine.travel(MORNING, tick=False):
        _case(county, cit, county.coordinator)
        _case(county, cit, colleague)
    later = MORNING + timedelta(days=2)
    mine = queries.caseload(county.coordinator, later)
    everyone = queries.caseload(county.coordinator, later, everyone=True)
    assert _names(mine.overdue) == [("P0", "24 hours follow-up")]
    assert sorted(_names(everyone.overdue)) == [
        ("P0", "24 hours follow-up"),
        ("P1", "24 hours follow-up"),
    ]
    with pytest.raises(PermissionDenied):
        queries.caseload(colleague, later, everyone=True)


def test_the_page_lists_each_section_with_counts_in_fixed_queries(
    county: County, cit: Program, django_assert_max_num_queries: object
) -> None:
    qrt = make_program(county.police, "qrt")
    with time_machine.travel(MORNING, tick=False):
        for _ in range(3):
            _case(county, cit, county.coordinator)
            _case(county, qrt, county.coordinator)
    later = MORNING + timedelta(days=6)
    with time_machine.travel(later, tick=False):
        client = signed_in_client(county.coordinator)
        client.get(reverse("programs:caseload"))  # warm the session
        with CaptureQueriesContext(connection) as few:
            response = client.get(reverse("programs:caseload"))
        for _ in range(3):
            _case(county, cit, county.coordinator, at=later)
            _case(county, qrt, county.coordinator, at=later - timedelta(days=6))
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("programs:caseload"))
    page = response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "Overdue" in page and "Due today" in page and "Not reached lately" in page
    assert page.count('href="/programs/cases/') >= 6
    assert "Everyone's cases" in page
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        client.get(reverse("programs:caseload") + "?everyone=1")


def test_unassigned_cases_wait_on_the_agencys_workers_caseload_until_assigned(
    county: County, cit: Program, lead: Program
) -> None:
    """A case referred in, or opened by an officer, has no case manager: the workers of its
    agency see it, oldest first, and no one else does; assigned, it leaves the section."""
    with time_machine.travel(MORNING, tick=False):
        referred = make_case(lead, at=MORNING)  # a police officer of another agency refers
        older = make_case(lead, at=MORNING - timedelta(days=2))
        make_case(lead, case_manager=county.lead_manager, at=MORNING)
        by_officer = make_case(cit, enroller=county.officer, at=MORNING)
    assert referred.case_manager is None and by_officer.case_manager is None
    later = MORNING + timedelta(hours=1)
    assert queries.caseload(county.lead_manager, later).unassigned == [
        queries.CaseloadRow(older, "Not assigned yet", since=older.opened_at),
        queries.CaseloadRow(referred, "Not assigned yet", since=referred.opened_at),
    ]
    police_unassigned = queries.caseload(county.coordinator, later).unassigned
    assert [row.case for row in police_unassigned or []] == [by_officer]
    assert queries.caseload(county.officer, later).unassigned is None  # reads, does not work

    with time_machine.travel(later, tick=False):
        page = signed_in_client(county.lead_manager).get(reverse("programs:caseload"))
        html = page.content.decode()
        assert 'id="unassigned-heading">Unassigned <span class="usa-tag">2</span>' in html
        assert reverse("programs:case_detail", args=[referred.pk]) in html
        assert reverse("programs:case_detail", args=[by_officer.pk]) not in html
        officers = signed_in_client(county.officer).get(reverse("programs:caseload"))
        assert 'id="unassigned"' not in officers.content.decode()

    actions.case_assign(by=county.lead_manager, case=referred, case_manager=county.lead_manager)
    still = queries.caseload(county.lead_manager, later).unassigned
    assert [row.case for row in still or []] == [older]


def test_unassigned_cases_cost_no_query_each(county: County, lead: Program) -> None:
    client = signed_in_client(county.lead_manager)
    make_case(lead)
    client.get(reverse("programs:caseload"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("programs:caseload"))
    for _ in range(4):
        make_case(lead)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("programs:caseload"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count("Not assigned yet") == 5


def test_a_closed_cases_follow_ups_are_not_due_on_any_caseload(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _case(county, cit, county.coordinator)
    later = MORNING + timedelta(days=2)
    assert _names(queries.caseload(county.coordinator, later).overdue) == [
        ("P0", "24 hours follow-up")
    ]
    with time_machine.travel(later, tick=False):
        actions.case_close(by=county.coordinator, case=case, reason="Moved away")
    month_on = MORNING + timedelta(days=40)  # every follow-up's time has passed
    for everyone in (False, True):
        load = queries.caseload(county.coordinator, month_on, everyone=everyone)
        assert (load.overdue, load.due_today, load.not_reached) == ([], [], [])
