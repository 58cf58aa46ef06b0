"""Sessions through their actions: scheduling, the roll and its hours, knowledge checks, and
completion issuing exactly the right certifications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from crossroads.core.actions import StaleVersion, user_deactivate
from crossroads.core.models import AuditEvent
from crossroads.training import actions
from crossroads.training.knowledge import load_bank
from crossroads.training.models import Attendance, Certification, KnowledgeCheck, TrainingSession
from tests.factories import make_agency, make_certification, make_training_session, make_user

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 11:00 in New York (the agencies' time zone).
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
NALOXONE_RIGHT = {item.code: item.correct for item in load_bank("naloxone").items}


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


def _messages(refused: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(refused.value.message_dict[field])


# --- Scheduling ---------------------------------------------------------------------------------


def test_a_session_is_scheduled_with_its_instructors_and_one_audit_event() -> None:
    agency = make_agency()
    coordinator = make_user(agency, "cit_coordinator")
    session = actions.session_create(
        by=coordinator,
        agency=agency,
        course="cit",
        starts_on=date(2026, 4, 6),
        ends_on=date(2026, 4, 10),
        location=" Training room B ",
        instructors=[coordinator],
    )
    assert (session.status, session.location, session.version) == (
        "scheduled",
        "Training room B",
        1,
    )
    assert list(session.instructors.all()) == [coordinator]
    event = AuditEvent.objects.get(verb="session.create")
    assert (event.actor, event.object_id) == (coordinator, str(session.pk))


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"course": "basket_weaving"}, "course", "offers no course 'basket_weaving'"),
        ({"ends_on": date(2026, 4, 5)}, "ends_on", "on or after the first day"),
        ({"instructors": "stranger"}, "instructors", "not active staff of"),
        ({"instructors": "deactivated"}, "instructors", "not active staff of"),
    ],
)
def test_a_bad_session_is_refused_naming_the_field(
    change: dict[str, object], field: str, reason: str
) -> None:
    agency = make_agency()
    given: dict[str, object] = {"course": "cit", "starts_on": date(2026, 4, 6)} | change
    given.setdefault("ends_on", date(2026, 4, 10))
    if change.get("instructors") == "stranger":
        given["instructors"] = [make_user(make_agency(), "cit_coordinator")]
    elif change.get("instructors") == "deactivated":
        former = make_user(agency, "officer")
        user_deactivate(by=None, user=former)
        former.refresh_from_db()
        given["instructors"] = [former]
    with pytest.raises(ValidationError) as refused:
        actions.session_create(by=None, agency=agency, **given)  # type: ignore[arg-type]
    assert list(refused.value.message_dict) == [field]
    assert reason in _messages(refused, field)
    assert not TrainingSession.objects.exists()


def test_another_agencys_staff_do_not_schedule_a_session() -> None:
    with pytest.raises(ValidationError, match="another agency"):
        actions.session_create(
            by=make_user(make_agency(), "cit_coordinator"),
            agency=make_agency(),
            course="cit",
            starts_on=TODAY,
            ends_on=TODAY,
        )


# --- The roll -----------------------------------------------------------------------------------


def test_an_officer_is_put_on_the_roll_then_their_hours_recorded_each_bumping_the_version() -> None:
    agency = make_agency()
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY, course="cit")
    on_roll = actions.attendance_record(
        by=None, session=session, officer=officer, expected_version=1
    )
    assert on_roll.module_hours == {} and session.version == 2
    actions.attendance_record(
        by=None,
        session=session,
        officer=officer,
        module_hours={"de_escalation": Decimal("7.5"), "suicide_risk": Decimal(0)},
        expected_version=2,
    )
    actions.attendance_record(by=None, session=session, officer=officer, expected_version=3)
    attendance = Attendance.objects.get()
    assert attendance.module_hours == {"de_escalation": 7.5}  # kept: no hours given
    assert AuditEvent.objects.filter(verb="attendance.record").count() == 3


@pytest.mark.parametrize(
    ("hours", "field", "reason"),
    [
        ({"de_escalation": Decimal(9)}, "module_hours.de_escalation", "between 0 and 8 hours"),
        ({"de_escalation": Decimal(-1)}, "module_hours.de_escalation", "between 0 and 8 hours"),
        ({"knitting": Decimal(1)}, "module_hours.knitting", "is not a module of"),
    ],
)
def test_hours_beyond_a_module_or_for_no_module_are_refused(
    hours: dict[str, Decimal], field: str, reason: str
) -> None:
    agency = make_agency()
    session = make_training_session(agency, TODAY, course="cit")
    officer = make_user(agency, "officer")
    with pytest.raises(ValidationError) as refused:
        actions.attendance_record(
            by=None, session=session, officer=officer, module_hours=hours, expected_version=1
        )
    assert reason in _messages(refused, field)
    assert not Attendance.objects.exists()


def test_only_active_staff_who_take_training_go_on_the_roll() -> None:
    agency = make_agency()
    session = make_training_session(agency, TODAY)
    former = make_user(agency, "officer")
    user_deactivate(by=None, user=former)
    for outsider in (
        make_user(make_agency(), "officer"),
        make_user(agency, "agency_admin"),
        former,
    ):
        with pytest.raises(ValidationError) as refused:
            actions.attendance_record(
                by=None, session=session, officer=outsider, expected_version=1
            )
        assert "is not active staff who take training here" in _messages(refused, "officer")
    assert not Attendance.objects.exists()


def test_a_stale_version_and_a_closed_session_are_refused() -> None:
    agency = make_agency()
    officer, other = make_user(agency, "officer"), make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[officer])
    stale = TrainingSession.objects.get(pk=session.pk)
    actions.attendance_record(by=None, session=session, officer=other, expected_version=2)
    with pytest.raises(StaleVersion):
        actions.attendance_record(by=None, session=stale, officer=officer, expected_version=2)
    actions.session_cancel(by=None, session=session, expected_version=3)
    with pytest.raises(ValidationError) as refused:
        actions.attendance_record(by=None, session=session, officer=other, expected_version=4)
    assert "The session is cancelled." in _messages(refused, "session")


# --- Knowledge checks ---------------------------------------------------------------------------


def test_an_officer_on_the_roll_takes_each_check_once_scored() -> None:
    agency = make_agency()
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[officer])
    answers = NALOXONE_RIGHT | {"second_dose": "a", "nasal_spray": "b"}
    check = actions.check_submit(by=officer, session=session, phase="pre", answers=answers)
    assert (check.score, check.max_score) == (5, 7)
    assert check.answers == answers
    with pytest.raises(ValidationError, match="already took the check before"):
        actions.check_submit(by=officer, session=session, phase="pre", answers=answers)
    actions.check_submit(by=officer, session=session, phase="post", answers=NALOXONE_RIGHT)
    assert list(KnowledgeCheck.objects.values_list("phase", "score").order_by("phase")) == [
        ("post", 7),
        ("pre", 5),
    ]
    events = AuditEvent.objects.filter(verb="check.submit")
    assert {"phase": "post", "score": 7, "out_of": 7} in [e.detail for e in events]


def test_answers_that_cannot_be_scored_are_refused_by_item() -> None:
    agency = make_agency()
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[officer])
    answers = NALOXONE_RIGHT | {"nasal_spray": "q", "extra": "a"}
    answers.pop("call_ems")
    with pytest.raises(ValidationError) as refused:
        actions.check_submit(by=officer, session=session, phase="pre", answers=answers)
    assert set(refused.value.message_dict) == {
        "answers.nasal_spray",
        "answers.extra",
        "answers.call_ems",
    }
    assert not KnowledgeCheck.objects.exists()


def test_checks_are_refused_off_the_roll_out_of_time_and_on_a_course_without_one() -> None:
    agency = make_agency()
    officer, colleague = make_user(agency, "officer"), make_user(agency, "officer")
    upcoming = make_training_session(agency, date(2026, 3, 20), date(2026, 3, 22), roll=[officer])
    with pytest.raises(ValidationError, match="not on this session's roll"):
        actions.check_submit(by=colleague, session=upcoming, phase="pre", answers=NALOXONE_RIGHT)
    with pytest.raises(ValidationError, match="opens on its last day, 22 March 2026"):
        actions.check_submit(by=officer, session=upcoming, phase="post", answers=NALOXONE_RIGHT)
    # Under way since yesterday: too late for the check before, too early for the one after.
    running = make_training_session(agency, date(2026, 3, 9), date(2026, 3, 11), roll=[officer])
    with pytest.raises(ValidationError, match="was open until its first day, 9 March 2026"):
        actions.check_submit(by=officer, session=running, phase="pre", answers=NALOXONE_RIGHT)
    with pytest.raises(ValidationError, match="opens on its last day, 11 March 2026"):
        actions.check_submit(by=officer, session=running, phase="post", answers=NALOXONE_RIGHT)
    done = make_training_session(agency, date(2026, 3, 9), roll=[officer], full_hours=True)
    actions.session_complete(by=None, session=done, expected_version=done.version)
    with pytest.raises(ValidationError, match="closed when the session was completed"):
        actions.check_submit(by=officer, session=done, phase="pre", answers=NALOXONE_RIGHT)
    actions.check_submit(by=officer, session=done, phase="post", answers=NALOXONE_RIGHT)
    actions.course_create(
        by=None,
        agency=agency,
        code="ride_along",
        name="Ride-along with a clinician",
        audience="officer",
        hours=Decimal(4),
        validity_months=12,
        certifies="ride_along",
        objectives=["See a co-responder at work."],
        modules=[{"code": "ride", "name": "Ride", "hours": 4, "objectives": ["Ride along."]}],
    )
    unchecked = make_training_session(agency, TODAY, course="ride_along", roll=[officer])
    with pytest.raises(ValidationError, match="has no knowledge check"):
        actions.check_submit(by=officer, session=unchecked, phase="pre", answers={})
    assert KnowledgeCheck.objects.count() == 1


# --- Completion ---------------------------------------------------------------------------------


def test_completion_certifies_exactly_those_whose_hours_cover_every_module() -> None:
    agency = make_agency()
    coordinator = make_user(agency, "cit_coordinator")
    full, short, former = (make_user(agency, "officer") for _ in range(3))
    # The CIT week ending on 29 February 2024: 36 months on there is no 29 February.
    session = make_training_session(
        agency,
        date(2024, 2, 26),
        date(2024, 2, 29),
        course="cit",
        roll=[full, former],
        full_hours=True,
    )
    actions.attendance_record(
        by=None,
        session=session,
        officer=short,
        module_hours={"de_escalation": Decimal(8), "role_play": Decimal(3)},
        expected_version=session.version,
    )
    user_deactivate(by=None, user=former)
    certified = actions.session_complete(
        by=coordinator, session=session, expected_version=session.version
    )
    assert [c.officer for c in certified] == [full]
    held = Certification.objects.get(session=session)
    assert (held.course, held.issued_on, held.expires_on, held.source) == (
        "cit",
        date(2024, 2, 29),
        date(2027, 2, 28),
        Certification.Source.SESSION,
    )
    roll = {a.officer: a for a in session.roll.all()}
    assert roll[full].completed and roll[full].certification == held
    assert not roll[short].completed and not roll[former].completed
    session.refresh_from_db()
    assert session.status == "completed" and session.completed_at == NOW
    event = AuditEvent.objects.get(verb="session.complete")
    assert event.detail == {"certified": [str(full.pk)], "completed_uncertified": []}
    with pytest.raises(ValidationError, match=r"The session is completed\."):
        actions.session_complete(by=coordinator, session=session, expected_version=session.version)
    assert Certification.objects.count() == 1


def test_a_refresher_renews_only_a_certification_held_or_lapsed_within_twelve_months() -> None:
    agency = make_agency()
    valid, lately, long_ago, never = (make_user(agency, "officer") for _ in range(4))
    make_certification(valid, date(2023, 6, 1), date(2026, 6, 1))
    make_certification(lately, date(2022, 3, 9), date(2025, 3, 9))  # 12 months before its end
    make_certification(long_ago, date(2022, 3, 8), date(2025, 3, 8))  # a day more
    make_certification(never, date(2025, 1, 5), date(2027, 1, 5), course="naloxone")
    session = make_training_session(
        agency,
        date(2026, 3, 9),
        course="cit_refresher",
        roll=[valid, lately, long_ago, never],
        full_hours=True,
    )
    certified = actions.session_complete(by=None, session=session, expected_version=session.version)
    assert {c.officer for c in certified} == {valid, lately}
    assert {(c.course, c.issued_on, c.expires_on) for c in certified} == {
        ("cit", date(2026, 3, 9), date(2029, 3, 9))
    }
    roll = {a.officer: a for a in session.roll.all()}
    assert all(attendance.completed for attendance in roll.values())
    assert roll[long_ago].certification is None and roll[never].certification is None
    assert not Certification.objects.filter(session=session, officer__in=[long_ago, never])
    detail = AuditEvent.objects.get(verb="session.complete").detail
    assert set(detail["completed_uncertified"]) == {str(long_ago.pk), str(never.pk)}


def test_an_agency_course_granting_cit_is_a_refresher_too() -> None:
    agency = make_agency()
    officer = make_user(agency, "officer")
    actions.course_create(
        by=None,
        agency=agency,
        code="cit_update",
        name="CIT update day",
        audience="officer",
        hours=Decimal(2),
        validity_months=24,
        certifies="cit",
        objectives=["Learn what changed."],
        modules=[{"code": "news", "name": "News", "hours": 2, "objectives": ["Hear it."]}],
    )
    session = make_training_session(
        agency, date(2026, 3, 9), course="cit_update", roll=[officer], full_hours=True
    )
    assert actions.session_complete(by=None, session=session, expected_version=2) == []
    assert Attendance.objects.get().completed and not Certification.objects.exists()


def test_completion_is_refused_before_the_last_day_and_on_a_stale_version() -> None:
    agency = make_agency()
    session = make_training_session(agency, TODAY, date(2026, 3, 11))
    with pytest.raises(ValidationError, match="runs until 11 March 2026"):
        actions.session_complete(by=None, session=session, expected_version=1)
    with pytest.raises(StaleVersion):
        actions.session_complete(by=None, session=session, expected_version=7)
    assert TrainingSession.objects.get().status == "scheduled"


def test_a_certification_already_held_that_day_refuses_the_whole_completion() -> None:
    agency = make_agency()
    first, second = make_user(agency, "officer"), make_user(agency, "officer")
    make_certification(second, date(2026, 3, 9), date(2028, 3, 9), course="naloxone")
    session = make_training_session(agency, date(2026, 3, 9), roll=[first, second], full_hours=True)
    with pytest.raises(ValidationError) as refused:
        actions.session_complete(by=None, session=session, expected_version=session.version)
    assert second.display_name in _messages(refused, "session")
    assert "already recorded" in _messages(refused, "session")
    assert Certification.objects.count() == 1  # nothing half-written
    assert TrainingSession.objects.get().status == "scheduled"
    assert not Attendance.objects.filter(completed=True).exists()


def test_today_is_the_agencys_date_whatever_zone_is_active() -> None:
    """At NOW it is already 11 March in Auckland, and still 10 March in New York and in UTC
    (the zone active outside a page)."""
    auckland = make_agency(time_zone="Pacific/Auckland")
    recorded, trained = make_user(auckland, "officer"), make_user(auckland, "officer")
    actions.certification_record(
        by=None,
        officer=recorded,
        course="naloxone",
        issued_on=date(2026, 3, 11),
        expires_on=date(2028, 3, 11),
    )
    with pytest.raises(ValidationError, match="is in the future"):
        actions.certification_record(
            by=None,
            officer=make_user(make_agency(), "officer"),
            course="naloxone",
            issued_on=date(2026, 3, 11),
            expires_on=date(2028, 3, 11),
        )
    session = make_training_session(
        auckland, date(2026, 3, 10), date(2026, 3, 11), roll=[trained], full_hours=True
    )
    actions.check_submit(by=trained, session=session, phase="post", answers=NALOXONE_RIGHT)
    certified = actions.session_complete(by=None, session=session, expected_version=2)
    assert [(c.officer, c.issued_on) for c in certified] == [(trained, date(2026, 3, 11))]


def test_a_cancelled_session_certifies_no_one_and_is_cancelled_once() -> None:
    agency = make_agency()
    session = make_training_session(
        agency, date(2026, 3, 9), roll=[make_user(agency, "officer")], full_hours=True
    )
    actions.session_cancel(by=None, session=session, expected_version=session.version)
    session.refresh_from_db()
    with pytest.raises(ValidationError, match=r"The session is cancelled\."):
        actions.session_complete(by=None, session=session, expected_version=session.version)
    with pytest.raises(ValidationError, match=r"The session is cancelled\."):
        actions.session_cancel(by=None, session=session, expected_version=session.version)
    assert not Certification.objects.exists()
    assert AuditEvent.objects.filter(verb="session.cancel").count() == 1


# --- Taking someone off the roll ----------------------------------------------------------------


def test_someone_taken_off_the_roll_loses_their_hours_and_checks_with_one_audit_event() -> None:
    agency = make_agency()
    leaving, staying = make_user(agency, "officer"), make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[leaving, staying], full_hours=True)
    for officer in (leaving, staying):
        actions.check_submit(by=officer, session=session, phase="pre", answers=NALOXONE_RIGHT)
    coordinator = make_user(agency, "cit_coordinator")
    after = actions.attendance_remove(
        by=coordinator, session=session, officer=leaving, expected_version=3
    )
    assert after.version == session.version == 4
    assert [a.officer for a in Attendance.objects.all()] == [staying]
    assert [c.officer for c in KnowledgeCheck.objects.all()] == [staying]
    event = AuditEvent.objects.get(verb="attendance.remove")
    assert event.actor == coordinator
    assert event.detail == {
        "session": str(session.pk),
        "officer": str(leaving.pk),
        "module_hours": {"overdose_recognition": 1.0, "naloxone_practice": 1.0},
        "checks": {"pre": [7, 7]},
    }
    # Back on the roll, they start afresh: no hours, and the check before is theirs to take.
    actions.attendance_record(by=None, session=session, officer=leaving, expected_version=4)
    assert Attendance.objects.get(officer=leaving).module_hours == {}
    actions.check_submit(by=leaving, session=session, phase="pre", answers=NALOXONE_RIGHT)


def test_taking_someone_off_the_roll_is_refused_off_it_stale_closed_or_from_elsewhere() -> None:
    agency = make_agency()
    officer, never = make_user(agency, "officer"), make_user(agency, "officer")
    session = make_training_session(agency, date(2026, 3, 9), roll=[officer], full_hours=True)
    with pytest.raises(ValidationError) as refused:
        actions.attendance_remove(by=None, session=session, officer=never, expected_version=2)
    assert f"{never.display_name} is not on this session's roll." in _messages(refused, "officer")
    with pytest.raises(StaleVersion):
        actions.attendance_remove(by=None, session=session, officer=officer, expected_version=1)
    with pytest.raises(ValidationError, match="another agency"):
        actions.attendance_remove(
            by=make_user(make_agency(), "cit_coordinator"),
            session=session,
            officer=officer,
            expected_version=2,
        )
    actions.session_complete(by=None, session=session, expected_version=2)
    with pytest.raises(ValidationError, match=r"The session is completed\."):
        actions.attendance_remove(by=None, session=session, officer=officer, expected_version=3)
    cancelled = make_training_session(agency, TODAY, roll=[officer])
    actions.session_cancel(by=None, session=cancelled, expected_version=2)
    with pytest.raises(ValidationError, match=r"The session is cancelled\."):
        actions.attendance_remove(by=None, session=cancelled, officer=officer, expected_version=3)
    assert Attendance.objects.filter(officer=officer).count() == 2
    assert not AuditEvent.objects.filter(verb="attendance.remove").exists()


# --- Changing a scheduled session ---------------------------------------------------------------


def test_a_scheduled_session_is_changed_and_the_audit_event_keeps_what_it_was() -> None:
    agency = make_agency()
    first, second = make_user(agency, "cit_coordinator"), make_user(agency, "officer")
    session = actions.session_create(
        by=first,
        agency=agency,
        course="cit",
        starts_on=date(2026, 4, 6),
        ends_on=date(2026, 4, 10),
        location="Academy",
        instructors=[first],
    )
    changed = actions.session_update(
        by=first,
        session=session,
        starts_on=date(2026, 4, 13),
        ends_on=date(2026, 4, 17),
        location=" Academy ",
        instructors=[second],
        expected_version=1,
    )
    stored = TrainingSession.objects.get()
    assert (stored.starts_on, stored.ends_on, stored.location, stored.version) == (
        date(2026, 4, 13),
        date(2026, 4, 17),
        "Academy",
        2,
    )
    assert changed.version == session.version == 2
    assert list(stored.instructors.all()) == [second] and stored.course == "cit"
    event = AuditEvent.objects.get(verb="session.update")
    assert (event.actor, event.object_id) == (first, str(session.pk))
    assert event.detail == {
        "was": {"starts_on": "2026-04-06", "ends_on": "2026-04-10"},
        "instructors_added": [str(second.pk)],
        "instructors_removed": [str(first.pk)],
    }


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"ends_on": date(2026, 4, 5)}, "ends_on", "on or after the first day"),
        ({"instructors": "stranger"}, "instructors", "not active staff of"),
        ({"instructors": "deactivated"}, "instructors", "not active staff of"),
        ({"location": "x" * 201}, "location", "at most 200 characters"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field(
    change: dict[str, object], field: str, reason: str
) -> None:
    agency = make_agency()
    session = make_training_session(agency, date(2026, 4, 6), date(2026, 4, 10))
    given: dict[str, object] = {
        "starts_on": date(2026, 4, 6),
        "ends_on": date(2026, 4, 10),
        "location": "",
        "instructors": [],
    } | change
    if change.get("instructors") == "stranger":
        given["instructors"] = [make_user(make_agency(), "cit_coordinator")]
    elif change.get("instructors") == "deactivated":
        former = make_user(agency, "officer")
        user_deactivate(by=None, user=former)
        former.refresh_from_db()
        given["instructors"] = [former]
    with pytest.raises(ValidationError) as refused:
        actions.session_update(by=None, session=session, expected_version=1, **given)  # type: ignore[arg-type]
    assert list(refused.value.message_dict) == [field]
    assert reason in _messages(refused, field)
    stored = TrainingSession.objects.get()
    assert (stored.ends_on, stored.location, stored.version) == (date(2026, 4, 10), "", 1)
    assert not AuditEvent.objects.filter(verb="session.update").exists()


def test_a_change_is_refused_stale_closed_or_from_elsewhere() -> None:
    agency = make_agency()
    session = make_training_session(agency, date(2026, 3, 9))
    plan: dict[str, object] = {
        "starts_on": date(2026, 3, 9),
        "ends_on": date(2026, 3, 9),
        "location": "Station 2",
        "instructors": [],
    }
    with pytest.raises(StaleVersion):
        actions.session_update(by=None, session=session, expected_version=7, **plan)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="another agency"):
        actions.session_update(
            by=make_user(make_agency(), "cit_coordinator"),
            session=session,
            expected_version=1,
            **plan,  # type: ignore[arg-type]
        )
    actions.session_complete(by=None, session=session, expected_version=1)
    with pytest.raises(ValidationError, match=r"The session is completed\."):
        actions.session_update(by=None, session=session, expected_version=2, **plan)  # type: ignore[arg-type]
    cancelled = make_training_session(agency, TODAY)
    actions.session_cancel(by=None, session=cancelled, expected_version=1)
    with pytest.raises(ValidationError, match=r"The session is cancelled\."):
        actions.session_update(by=None, session=cancelled, expected_version=2, **plan)  # type: ignore[arg-type]
    assert not TrainingSession.objects.filter(location="Station 2").exists()
