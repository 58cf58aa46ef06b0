"""The program pages not driven elsewhere: programs and their cases by status, goals, tasks,
conferences, assignment and closure on the case page, each refusal beside its field (422)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from crossroads.core.models import Task
from crossroads.programs.models import Case, Conference, Goal, Program
from tests.factories import make_case, signed_in_client
from tests.programs.conftest import MORNING, County

pytestmark = pytest.mark.django_db


def test_programs_and_their_cases_by_status_in_fixed_queries(
    county: County, cit: Program, django_assert_max_num_queries: object
) -> None:
    cases = [make_case(cit, enroller=county.coordinator) for _ in range(3)]
    client = signed_in_client(county.coordinator)
    listing = client.get(reverse("programs:program_list")).content.decode()
    assert cit.name in listing and "3 open cases" in listing and "Sequential Intercept 1" in listing
    client.get(reverse("programs:program_detail", args=[cit.pk]))
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        detail = client.get(reverse("programs:program_detail", args=[cit.pk])).content.decode()
    for _ in range(5):
        make_case(cit, enroller=county.coordinator)
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        client.get(reverse("programs:program_detail", args=[cit.pk]))
    assert "Following up" in detail and "24 hours, 7 days, 30 days" in detail
    assert all(reverse("programs:case_detail", args=[c.pk]) in detail for c in cases)


@time_machine.travel(MORNING, tick=False)
def test_goals_are_added_met_and_refused_when_empty(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.coordinator)
    client = signed_in_client(county.coordinator)
    empty = client.post(reverse("programs:goal_add", args=[case.pk]), {"goal-text": ""})
    assert empty.status_code == 422 and "Write the goal." in empty.content.decode()
    client.post(reverse("programs:goal_add", args=[case.pk]), {"goal-text": "Stable housing"})
    goal = Goal.objects.get()
    client.post(reverse("programs:goal_status", args=[case.pk, goal.pk]), {"status": "met"})
    goal.refresh_from_db()
    assert goal.status == "met"
    page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "Stable housing" in page and "Open again" in page


@time_machine.travel(MORNING, tick=False)
def test_a_conference_needs_who_attended_and_what_was_decided(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.coordinator)
    client = signed_in_client(county.coordinator)
    url = reverse("programs:conference_record", args=[case.pk])
    refused = client.post(url, {"conference-held_at": "2026-03-03T09:00"})
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "Name who attended (one a line)." in page and "Write what was decided." in page
    client.post(
        url,
        {
            "conference-held_at": "2026-03-03T09:00",
            "conference-attendees": "Carmen, CIT\n\nLeon, case manager\n",
            "conference-decisions": "Refer to the clinic.",
        },
    )
    conference = Conference.objects.get()
    assert conference.attendees == ["Carmen, CIT", "Leon, case manager"]


@time_machine.travel(MORNING, tick=False)
def test_a_lead_conference_puts_the_next_one_on_the_work_list(
    county: County, lead: Program
) -> None:
    case = make_case(lead, case_manager=county.lead_manager)
    client = signed_in_client(county.lead_manager)
    client.post(
        reverse("programs:conference_record", args=[case.pk]),
        {
            "conference-held_at": "2026-03-03T09:00",
            "conference-attendees": "Leon, case manager\nPat, prosecutor",
            "conference-decisions": "Continue.",
        },
    )
    conferences = Task.objects.filter(rule__startswith="conference.due").order_by("rule")
    assert [(t.rule, t.done_at is not None) for t in conferences] == [
        ("conference.due.0", True),
        ("conference.due.1", False),
    ]
    assert conferences[1].due_at.date().isoformat() == "2026-03-17"


@time_machine.travel(MORNING, tick=False)
def test_assign_mark_a_task_done_and_close_on_the_page(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.officer)  # the officer does not work cases
    assert case.case_manager is None
    client = signed_in_client(county.coordinator)
    page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "Not assigned yet" in page and 'for="id_assign-case_manager"' in page
    client.post(
        reverse("programs:case_assign", args=[case.pk]),
        {"assign-case_manager": str(county.angel.pk)},
    )
    task = Task.objects.filter(rule="follow_up.due").order_by("due_at").first()
    assert task is not None and task.assignee == county.angel
    done = client.post(reverse("programs:task_done", args=[case.pk, task.pk]))
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_by == county.coordinator
    refused = client.post(reverse("programs:case_close", args=[case.pk]), {"close-reason": ""})
    assert refused.status_code == 422 and "Say why the case is closed." in refused.content.decode()
    client.post(reverse("programs:case_close", args=[case.pk]), {"close-reason": "Declined help"})
    case = Case.objects.get()
    assert case.closure_reason == "Declined help"
    page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "Close the case" not in page and "Declined help" in page


def test_the_officer_reads_but_does_not_work_the_station_cases(
    county: County, cit: Program
) -> None:
    case = make_case(cit, enroller=county.coordinator)
    client = signed_in_client(county.officer)
    page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "Only Alder Police staff who work cases move it along." in page
    assert "Log contact" not in page
    assert client.post(reverse("programs:goal_add", args=[case.pk]), {}).status_code == 403
