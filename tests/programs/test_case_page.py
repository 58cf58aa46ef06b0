"""The case page's parts that read the same on every database and for every reader: the
follow-ups of a closed case, the order of its tasks, and the way to the person's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from crossroads.core.actions import task_complete
from crossroads.core.models import Task
from crossroads.programs import actions
from crossroads.programs.models import Program
from tests.factories import make_case, make_program, make_user, signed_in_client
from tests.programs.conftest import MORNING, County

pytestmark = pytest.mark.django_db


def _follow_up_lines(page: str) -> list[str]:
    """Each follow-up's heading, tags dropped."""
    headings = re.findall(r'id="follow-up-\d+">\s*<h3[^>]*>(.*?)</h3>', page)
    return [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in headings]


def test_a_closed_cases_follow_ups_never_made_read_as_not_made(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = make_case(cit, enroller=county.coordinator)
        day_one = case.follow_ups.get(label="24 hours")
        actions.contact_log(
            by=county.coordinator,
            case=case,
            at=MORNING,
            method="phone",
            reached=True,
            follow_up=day_one,
        )
        client = signed_in_client(county.coordinator)
        url = reverse("programs:case_detail", args=[case.pk])
        assert "still to make" in client.get(url).content.decode()
        actions.case_close(by=county.coordinator, case=case, reason="Moved away")
        page = client.get(url).content.decode()
    lines = _follow_up_lines(page)
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "Reached, 3 Mar 2026, 09:00",
        "Not made — case closed",
        "Not made — case closed",
    ]
    assert "still to make" not in page


def test_open_tasks_come_first_by_due_time_then_done_ones_newest_first(
    county: County,
) -> None:
    """Ordered by the query on every database: a NULL `done_at` sorts first on SQLite and last on
    PostgreSQL, so either database's default order fails this test."""
    program = make_program(county.police, "cit_follow_up", follow_up_hours=[24, 72, 168, 720])
    with time_machine.travel(MORNING, tick=False):
        case = make_case(program, enroller=county.coordinator)
    by_title = {task.title: task for task in Task.objects.all()}
    # The 30-day reminder done first, the 24-hour one an hour later.
    for hours, title in ((1, "30 days follow-up due"), (2, "24 hours follow-up due")):
        with time_machine.travel(MORNING + timedelta(hours=hours), tick=False):
            task_complete(task=by_title[title], by=county.coordinator)
    page = signed_in_client(county.coordinator).get(reverse("programs:case_detail", args=[case.pk]))
    tasks = page.content.decode().split('id="tasks"', 1)[1].split("</section>", 1)[0]
    # Each row's first title (an open task's Done button names it again).
    rows = tasks.split("<li")[1:]
    shown = [re.findall(r"\d+ (?:hours|days) follow-up due", row)[0] for row in rows]
    assert shown == [
        "3 days follow-up due",  # open, due first
        "7 days follow-up due",  # open
        "24 hours follow-up due",  # done last
        "30 days follow-up due",  # done first
    ]


def test_the_case_page_links_to_the_persons_timeline_for_those_who_may_read_it(
    county: County, cit: Program
) -> None:
    case = make_case(cit, enroller=county.coordinator)
    url = reverse("programs:case_detail", args=[case.pk])
    timeline = reverse("people:person_timeline", args=[case.person.pk])
    worker = signed_in_client(county.coordinator)  # works the case, holds people.timeline
    assert f'href="{timeline}"' in worker.get(url).content.decode()
    assert worker.get(timeline).status_code == 200
    manager = make_user(county.police, "program_manager")  # reads cases, not timelines
    assert not manager.can("people.timeline")
    page = signed_in_client(manager).get(url)
    assert page.status_code == 200 and timeline not in page.content.decode()
