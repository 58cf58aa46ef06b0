"""The acknowledgement timer: a sent referral nobody answered within the time for its urgency
raises one task for its sender; the provider's first answer is timed and closes the task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from crossroads.core.models import Task
from crossroads.referrals import actions
from crossroads.referrals.models import Referral
from tests.referrals.conftest import County

pytestmark = pytest.mark.django_db
SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reminders(referral: Referral) -> list[Task]:
    return list(Task.objects.filter(about_id=str(referral.pk), rule=actions.UNACKNOWLEDGED))


def test_an_overdue_referral_raises_one_task_for_its_sender(county: County) -> None:
    with time_machine.travel(SENT_AT, tick=False):
        referral = county.send(urgency="today")  # four hours to answer
    with time_machine.travel(SENT_AT + timedelta(hours=3, minutes=59), tick=False):
        assert actions.referral_acknowledgements_check(now=datetime.now(UTC)) == 0
    later = SENT_AT + timedelta(hours=4, minutes=5)
    with time_machine.travel(later, tick=False):
        assert actions.referral_acknowledgements_check(now=later) == 1
        assert actions.referral_acknowledgements_check(now=later) == 0
    (task,) = _reminders(referral)
    assert (task.agency, task.assignee, task.due_at) == (county.police, county.officer, later)
    assert task.title == "No answer yet to your referral to Harbor Same-Day MOUD"
    assert task.done_at is None

    answered = SENT_AT + timedelta(hours=5)
    with time_machine.travel(answered, tick=False):
        acknowledged = county.move(referral, "received")
    assert acknowledged.acknowledged_at == answered
    (task,) = _reminders(referral)
    assert (task.done_at, task.done_by) == (answered, county.intake)


def test_an_acknowledged_referral_raises_none(county: County) -> None:
    with time_machine.travel(SENT_AT, tick=False):
        referral = county.send(urgency="now")
    with time_machine.travel(SENT_AT + timedelta(minutes=20), tick=False):
        referral = county.move(referral, "accepted")
    assert referral.acknowledged_at == SENT_AT + timedelta(minutes=20)
    with time_machine.travel(SENT_AT + timedelta(days=3), tick=False):
        assert actions.referral_acknowledgements_check(now=datetime.now(UTC)) == 0
        referral = county.move(referral, "first_service")  # a later answer keeps the first time
    assert _reminders(referral) == []
    assert referral.acknowledged_at == SENT_AT + timedelta(minutes=20)


def test_the_cli_verb_runs_the_check(county: County, capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(SENT_AT, tick=False):
        referral = county.send(urgency="now")
    with time_machine.travel(SENT_AT + timedelta(hours=2), tick=False):
        call_command("referrals", "check-acknowledgements")
        call_command("referrals", "check-acknowledgements", "--json")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "1 reminder task raised for unacknowledged referrals",
        "0 referral(s) expired unanswered",
    ]
    assert '"raised": 0' in lines[2] and '"expired": 0' in lines[2]
    assert len(_reminders(referral)) == 1


def test_a_referral_nobody_answered_expires_once_and_its_sender_sees_it(
    county: County, settings: Any
) -> None:
    settings.REFERRAL_EXPIRE_DAYS = 14
    with time_machine.travel(SENT_AT, tick=False):
        referral = county.send(urgency="routine")
    with time_machine.travel(SENT_AT + timedelta(days=13), tick=False):
        assert actions.referrals_expire(now=timezone.now()) == 0
    with time_machine.travel(SENT_AT + timedelta(days=14, minutes=1), tick=False):
        assert actions.referrals_expire(now=timezone.now()) == 1
        assert actions.referrals_expire(now=timezone.now()) == 0
    referral.refresh_from_db()
    assert referral.status == "expired"
    assert list(referral.events.values_list("status", flat=True)) == ["draft", "sent", "expired"]
    assert referral.events.get(status="expired").by is None  # the system moved it
