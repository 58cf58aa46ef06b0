"""Certification expiry reminders, on a frozen clock: 90, 30 and 7 days before, once each, on
the agency's date; nothing for a certification already renewed; nothing new on a second run."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from crossroads.core import actions as core_actions
from crossroads.core.models import Task, User
from crossroads.training import actions
from crossroads.training.models import Certification
from tests.factories import make_agency, make_certification, make_user

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
EXPIRES = date(2026, 6, 30)


def noon(days_before: int) -> datetime:
    """Noon in New York, that many days before the expiry day."""
    return datetime.combine(EXPIRES - timedelta(days=days_before), time(12), tzinfo=NEW_YORK)


def reminders(days_before: int) -> dict[str, object]:
    """Run `crossroads training reminders --json` that many days before the expiry day."""
    out = io.StringIO()
    with time_machine.travel(noon(days_before), tick=False):
        call_command("training", "reminders", "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def rules_of(officer: User) -> list[str]:
    return list(
        Task.objects.filter(assignee=officer).order_by("created_at").values_list("rule", flat=True)
    )


@pytest.fixture
def officer() -> User:
    officer = make_user(make_agency(), "officer")
    with time_machine.travel(noon(400), tick=False):
        make_certification(officer, EXPIRES - timedelta(days=3 * 365), EXPIRES)
    return officer


def test_reminders_come_at_90_30_and_7_days_once_each(officer: User) -> None:
    assert reminders(91)["raised"] == {"90": 0, "30": 0, "7": 0}
    assert rules_of(officer) == []
    assert reminders(90)["raised"] == {"90": 1, "30": 0, "7": 0}
    assert rules_of(officer) == ["certification.expires_90"]
    assert reminders(31)["raised"] == {"90": 0, "30": 0, "7": 0}
    assert reminders(30)["raised"] == {"90": 0, "30": 1, "7": 0}
    assert reminders(7)["raised"] == {"90": 0, "30": 0, "7": 1}
    assert rules_of(officer) == [
        "certification.expires_90",
        "certification.expires_30",
        "certification.expires_7",
    ]
    again = reminders(7)
    assert again["raised"] == {"90": 0, "30": 0, "7": 0} and again["already_reminded"] == 1
    assert reminders(0)["raised"] == {"90": 0, "30": 0, "7": 0}  # the expiry day itself
    assert Task.objects.filter(assignee=officer).count() == 3


def test_a_reminder_is_the_officers_task_due_on_the_expiry_day(officer: User) -> None:
    reminders(90)
    task = Task.objects.get(assignee=officer)
    certification = Certification.objects.get(officer=officer)
    assert task.agency == officer.agency
    assert (task.about_type, task.about_id) == ("training.certification", str(certification.pk))
    assert task.due_at == datetime.combine(EXPIRES, time(), tzinfo=NEW_YORK)
    assert "Crisis Intervention Team" in task.title and "2026-06-30" in task.title


def test_the_threshold_is_reached_on_the_agencys_date(officer: User) -> None:
    """At 23:00 in New York it is already the next day in UTC: still 91 days before."""
    late = datetime.combine(EXPIRES - timedelta(days=91), time(23), tzinfo=NEW_YORK)
    with time_machine.travel(late, tick=False):
        run = actions.certification_reminders_raise(now=datetime.now(tz=ZoneInfo("UTC")))
    assert run.raised[90] == 0
    with time_machine.travel(late + timedelta(hours=1), tick=False):
        run = actions.certification_reminders_raise(now=datetime.now(tz=ZoneInfo("UTC")))
    assert run.raised[90] == 1


def test_a_renewed_certification_raises_nothing(officer: User) -> None:
    with time_machine.travel(noon(120), tick=False):
        make_certification(officer, EXPIRES - timedelta(days=120), EXPIRES + timedelta(days=1095))
    for days in (90, 30, 7):
        assert reminders(days)["raised"] == {"90": 0, "30": 0, "7": 0}
    assert reminders(7)["renewed"] == 1
    assert rules_of(officer) == []


def test_a_certification_first_seen_inside_30_days_gets_the_30_day_reminder_only(
    officer: User,
) -> None:
    assert reminders(20)["raised"] == {"90": 0, "30": 1, "7": 0}
    assert rules_of(officer) == ["certification.expires_30"]


def test_an_officer_who_left_is_not_reminded(officer: User) -> None:
    core_actions.user_deactivate(user=officer, by=None)
    assert reminders(90)["raised"] == {"90": 0, "30": 0, "7": 0}


def test_the_summary_reads_as_a_sentence(officer: User) -> None:
    out = io.StringIO()
    with time_machine.travel(noon(30), tick=False):
        call_command("training", "reminders", stdout=out)
    assert out.getvalue() == (
        "1 reminder raised (90 days: 0, 30 days: 1, 7 days: 0); 0 already reminded; 0 renewed.\n"
    )
