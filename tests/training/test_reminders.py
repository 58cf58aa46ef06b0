"""Certification expiry reminders, on a frozen clock: 90, 30 and 7 days before, once each, on
the agency's date; nothing for a certification already renewed; nothing new on a second run,
even one running at the same time. A nearer reminder, and a renewal, mark the earlier ones done."""

from __future__ import annotations

import io
import json
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_save

from crossroads.core import actions as core_actions
from crossroads.core.models import AuditEvent, Task, User
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
        "1 reminder raised (90 days: 0, 30 days: 1, 7 days: 0); 0 already reminded; 0 renewed; "
        "0 earlier reminders done.\n"
    )


def open_rules_of(officer: User) -> list[str]:
    return list(
        Task.objects.filter(assignee=officer, done_at__isnull=True).values_list("rule", flat=True)
    )


def test_a_nearer_reminder_marks_the_wider_one_done_by_the_system(officer: User) -> None:
    reminders(90)
    assert reminders(30)["closed"] == 1
    wider = Task.objects.get(assignee=officer, rule="certification.expires_90")
    assert (wider.done_at, wider.done_by) == (noon(30), None)
    assert open_rules_of(officer) == ["certification.expires_30"]
    assert reminders(29)["closed"] == 0
    assert reminders(7)["closed"] == 1
    assert open_rules_of(officer) == ["certification.expires_7"]
    done = AuditEvent.objects.filter(verb="task.complete")
    assert done.count() == 2 and not done.filter(actor__isnull=False).exists()


def test_renewing_marks_the_reminders_of_the_certification_it_outlasts_done(
    officer: User,
) -> None:
    with time_machine.travel(noon(400), tick=False):
        make_certification(officer, EXPIRES - timedelta(days=700), EXPIRES, course="naloxone")
    reminders(30)
    assert sorted(open_rules_of(officer)) == ["certification.expires_30"] * 2
    renewed_on = EXPIRES - timedelta(days=20)
    with time_machine.travel(noon(20), tick=False):
        actions.certification_record(
            by=None,
            officer=officer,
            course="cit",
            issued_on=renewed_on,
            expires_on=renewed_on + timedelta(days=3 * 365),
        )
    cit_reminder, naloxone_reminder = (
        Task.objects.get(assignee=officer, about_id=str(held.pk))
        for held in Certification.objects.filter(officer=officer, expires_on=EXPIRES).order_by(
            "course"
        )
    )
    assert (cit_reminder.done_at, cit_reminder.done_by) == (noon(20), None)
    assert cit_reminder.done_note == f"Renewed until {renewed_on + timedelta(days=3 * 365)}."
    assert naloxone_reminder.done_at is None  # another certification: still to renew
    assert reminders(7)["raised"] == {"90": 0, "30": 0, "7": 1}  # the naloxone one only


def test_a_reminder_the_constraint_refuses_counts_as_already_raised(officer: User) -> None:
    """Another check raises the task after this one looked for it and before it saves its own:
    the one-task-per-rule constraint refuses this one, and the run goes on. (Simulated on one
    connection, the other check's task goes with the refused one's savepoint; the race on two
    connections is the next test.)"""

    def other_check_raises_it_first(instance: Task, **_: object) -> None:
        pre_save.disconnect(other_check_raises_it_first, sender=Task)
        core_actions.task_raise(
            agency=instance.agency,
            assignee=instance.assignee,
            title="Raised by the other check",
            due_at=instance.due_at,
            by=None,
            about=Certification.objects.get(pk=instance.about_id),
            rule=instance.rule,
        )

    pre_save.connect(other_check_raises_it_first, sender=Task)
    try:
        run = reminders(90)
    finally:
        pre_save.disconnect(other_check_raises_it_first, sender=Task)
    assert run["raised"] == {"90": 0, "30": 0, "7": 0} and run["already_reminded"] == 1
    assert not AuditEvent.objects.filter(verb="task.raise").exists()
    assert AuditEvent.objects.filter(verb="certification.reminders_check").count() == 1
    assert reminders(90)["raised"] == {"90": 1, "30": 0, "7": 0}  # the next day's check


RACING_CERTIFICATIONS = 6


@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_raise_each_reminder_once() -> None:
    agency = make_agency()
    with time_machine.travel(noon(400), tick=False):
        for _ in range(RACING_CERTIFICATIONS):
            make_certification(
                make_user(agency, "officer"), EXPIRES - timedelta(days=1095), EXPIRES
            )
    start = threading.Barrier(2)
    runs: list[actions.RemindersRun] = []
    failures: list[BaseException] = []

    def check() -> None:
        try:
            start.wait()
            runs.append(actions.certification_reminders_raise(now=noon(30)))
        except BaseException as failure:  # the test thread reports it
            failures.append(failure)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and len(runs) == 2
    assert Task.objects.filter(rule="certification.expires_30").count() == RACING_CERTIFICATIONS
    assert sum(run.raised[30] for run in runs) == RACING_CERTIFICATIONS
    assert sum(run.already_reminded for run in runs) == RACING_CERTIFICATIONS
