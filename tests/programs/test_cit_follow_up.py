"""CIT follow-up end to end: contacts due 24 hours, 7 days and 30 days after the crisis, each
with a reminder on the case manager's work list, attempts and an outcome; through the actions
and through the case page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.core.models import AuditEvent, Task
from crossroads.encounters import actions as encounter_actions
from crossroads.programs import actions
from crossroads.programs.models import Case, CaseEvent, Contact, FollowUp, Program
from tests.factories import signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db


def _crisis_case(county: County, cit: Program) -> Case:
    """An officer's encounter two hours ago, and the follow-up case the coordinator opens."""
    person = person_of(county.officer)
    encounter = encounter_actions.encounter_submit(
        by=county.officer,
        client_key=uuid.uuid4(),
        occurred_at=MORNING - timedelta(hours=2),
        disposition="resolved_on_scene",
        person=person,
    )
    return actions.case_open(
        by=county.coordinator,
        program=cit,
        person=person,
        entry_path="encounter",
        encounter=encounter,
        at=MORNING,
    )


@time_machine.travel(MORNING, tick=False)
def test_follow_ups_are_due_24_hours_7_days_and_30_days_after_the_crisis(
    county: County, cit: Program
) -> None:
    case = _crisis_case(county, cit)
    crisis = MORNING - timedelta(hours=2)
    assert case.status == "follow_up" and case.case_manager == county.coordinator
    assert [(f.label, f.due_at) for f in case.follow_ups.all()] == [
        ("24 hours", crisis + timedelta(hours=24)),
        ("7 days", crisis + timedelta(days=7)),
        ("30 days", crisis + timedelta(days=30)),
    ]
    reminders = Task.objects.filter(rule="follow_up.due").order_by("due_at")
    assert [(t.title, t.assignee, t.agency, t.due_at) for t in reminders] == [
        (f"{f.label} follow-up due", county.coordinator, county.police, f.due_at)
        for f in case.follow_ups.all()
    ]
    assert AuditEvent.objects.filter(verb="case.open", object_id=str(case.pk)).count() == 1
    assert case.events.get(kind=CaseEvent.Kind.OPENED).value == "encounter"


def test_attempts_then_reached_close_the_follow_up_and_its_reminder(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _crisis_case(county, cit)
    first = case.follow_ups.first()
    assert first is not None
    for hours in (20, 21):
        with time_machine.travel(MORNING + timedelta(hours=hours), tick=False):
            actions.contact_log(
                by=county.coordinator,
                case=case,
                at=MORNING + timedelta(hours=hours),
                method="phone",
                reached=False,
                follow_up=first,
            )
    first.refresh_from_db()
    assert first.outcome == "" and first.attempts.count() == 2
    with time_machine.travel(MORNING + timedelta(hours=23), tick=False):
        actions.contact_log(
            by=county.coordinator,
            case=case,
            at=MORNING + timedelta(hours=23),
            method="home_visit",
            reached=True,
            note="Talked on the porch; wants the peer group.",
            follow_up=first,
        )
    first.refresh_from_db()
    case.refresh_from_db()
    assert (first.outcome, first.outcome_at) == ("reached", MORNING + timedelta(hours=23))
    assert case.last_reached_at == MORNING + timedelta(hours=23)
    reminder = Task.objects.get(about_id=str(first.pk))
    assert reminder.done_at is not None and reminder.done_by == county.coordinator


@time_machine.travel(MORNING, tick=False)
def test_a_follow_up_closes_as_not_reached_only_after_an_attempt_or_as_declined(
    county: County, cit: Program
) -> None:
    case = _crisis_case(county, cit)
    _, week, month = case.follow_ups.all()
    with pytest.raises(ValidationError, match="at least one attempt"):
        actions.follow_up_close(by=county.coordinator, follow_up=week, outcome="not_reached")
    actions.contact_log(
        by=county.coordinator, case=case, at=MORNING, method="text", reached=False, follow_up=week
    )
    actions.follow_up_close(by=county.coordinator, follow_up=week, outcome="not_reached")
    actions.follow_up_close(by=county.coordinator, follow_up=month, outcome="declined")
    assert list(case.follow_ups.values_list("label", "outcome")) == [
        ("24 hours", ""),
        ("7 days", "not_reached"),
        ("30 days", "declined"),
    ]
    assert Task.objects.filter(rule="follow_up.due", done_at__isnull=True).count() == 1
    with pytest.raises(ValidationError, match="already closed"):
        actions.follow_up_close(by=county.coordinator, follow_up=month, outcome="declined")


@time_machine.travel(MORNING, tick=False)
def test_linking_to_care_closes_the_case_and_clears_its_work_list(
    county: County, cit: Program
) -> None:
    case = _crisis_case(county, cit)
    case = actions.case_move(
        by=county.coordinator, case=case, to="linked", expected_version=case.version
    )
    assert case.closed_at == MORNING and case.closure_reason == "Linked to care"
    assert not Task.objects.filter(done_at__isnull=True).exists()
    with pytest.raises(ValidationError, match="The case is closed"):
        actions.goal_add(by=county.coordinator, case=case, text="Keep the appointment")


def test_the_case_page_logs_an_attempt_and_closes_a_follow_up(county: County, cit: Program) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _crisis_case(county, cit)
        client = signed_in_client(county.coordinator)
        page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    assert "24 hours follow-up" in page and "still to make" in page
    assert "Log contact" in page and 'for="id_contact-at"' in page
    week = case.follow_ups.all()[1]
    with time_machine.travel(MORNING + timedelta(days=7), tick=False):
        client = signed_in_client(county.coordinator)  # a new day, a new sign-in
        logged = client.post(
            reverse("programs:contact_log", args=[case.pk]),
            {
                "contact-at": "2026-03-10T08:30",
                "contact-method": "phone",
                "contact-reached": "no",
                "contact-follow_up": str(week.pk),
                "contact-note": "Voicemail.",
            },
        )
        closed = client.post(
            reverse("programs:follow_up_close", args=[case.pk, week.pk]),
            {f"followup-{week.pk}-outcome": "not_reached"},
        )
        page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
    case_page = reverse("programs:case_detail", args=[case.pk])
    assert logged["Location"] == f"{case_page}#contacts"
    assert closed["Location"] == f"{case_page}#follow-ups"
    attempt = Contact.objects.get()
    # Typed in the agency's time (New York): 08:30 EDT is 12:30 UTC.
    assert attempt.at.isoformat() == "2026-03-10T12:30:00+00:00"
    assert (attempt.follow_up, attempt.reached, attempt.by) == (week, False, county.coordinator)
    week.refresh_from_db()
    assert week.outcome == FollowUp.Outcome.NOT_REACHED
    assert "1 attempt" in page and "Not reached after every attempt" in page


def test_a_contact_without_its_answers_is_refused_beside_the_fields(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _crisis_case(county, cit)
        response = signed_in_client(county.coordinator).post(
            reverse("programs:contact_log", args=[case.pk]), {"contact-method": "phone"}
        )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Give the date and time." in page and "Say whether you reached the person." in page
    assert not Contact.objects.exists()
