"""The training pages and API of sessions, checks and certifications: lists in fixed queries,
refused forms with 422 (409 on a conflict), the officer's check, the report, the home page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from crossroads.core.models import Agency, AuditEvent, User
from crossroads.training import actions
from crossroads.training.knowledge import load_bank
from crossroads.training.models import Attendance, Certification, KnowledgeCheck, TrainingSession
from tests.factories import (
    make_agency,
    make_certification,
    make_training_session,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York
TODAY = date(2026, 3, 10)
NALOXONE = load_bank("naloxone")
RIGHT = {item.code: item.correct for item in NALOXONE.items}


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agency() -> Agency:
    return make_agency()


@pytest.fixture
def coordinator(agency: Agency) -> User:
    return make_user(agency, "cit_coordinator")


@pytest.fixture
def client(coordinator: User) -> Client:
    return signed_in_client(coordinator)


def _wrong(count: int) -> dict[str, str]:
    """The naloxone check with the first `count` items answered wrongly."""
    answers = dict(RIGHT)
    for item in NALOXONE.items[:count]:
        answers[item.code] = next(key for key in item.options if key != item.correct)
    return answers


# --- Sessions -----------------------------------------------------------------------------------


def test_the_session_list_in_fixed_queries(
    agency: Agency, client: Client, django_assert_max_num_queries: Any
) -> None:
    make_training_session(agency, TODAY + timedelta(days=5), course="cit")
    client.get(reverse("training:session_list"))
    with django_assert_max_num_queries(14):
        client.get(reverse("training:session_list"))
    officers = [make_user(agency, "officer") for _ in range(3)]
    for days in range(1, 6):
        make_training_session(agency, TODAY + timedelta(days=days), roll=officers)
    ended = make_training_session(agency, TODAY - timedelta(days=3), roll=officers)
    cancelled = make_training_session(agency, TODAY - timedelta(days=9))
    actions.session_cancel(by=None, session=cancelled, expected_version=1)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("training:session_list")).content.decode()
    assert (
        "Ended: complete it" in page and reverse("training:session_detail", args=[ended.pk]) in page
    )
    assert "Cancelled" in page and "Naloxone administration" in page


def test_a_session_is_scheduled_on_its_page_and_a_bad_one_comes_back_with_422(
    agency: Agency, coordinator: User, client: Client
) -> None:
    page = client.get(reverse("training:session_new") + "?course=cit").content.decode()
    assert '<option value="cit" selected>' in page
    form = {
        "course": "cit",
        "starts_on": "2026-04-10",
        "ends_on": "2026-04-06",
        "location": "Academy",
        "instructors": [str(coordinator.pk)],
    }
    refused = client.post(reverse("training:session_new"), form)
    assert (
        refused.status_code == 422
        and "must be on or after the first day." in refused.content.decode()
    )
    stranger = make_user(make_agency(), "cit_coordinator")
    refused = client.post(
        reverse("training:session_new"),
        form | {"ends_on": "2026-04-14", "instructors": [str(stranger.pk)]},
    )
    assert refused.status_code == 422 and "Select a valid choice" in refused.content.decode()
    assert not TrainingSession.objects.exists()
    done = client.post(reverse("training:session_new"), form | {"ends_on": "2026-04-14"})
    session = TrainingSession.objects.get()
    assert done["Location"] == reverse("training:session_detail", args=[session.pk])
    assert list(session.instructors.all()) == [coordinator]


def test_the_roll_is_kept_on_the_session_page(
    agency: Agency, client: Client, django_assert_max_num_queries: Any
) -> None:
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY)
    url = reverse("training:session_attendance", args=[session.pk])
    added = client.post(url, {"add-officer": str(officer.pk), "add-version": "1"})
    assert added.status_code == 302 and added["Location"].endswith("#roll")
    again = client.post(url, {"add-officer": str(officer.pk), "add-version": "2"})
    assert again.status_code == 422  # already on the roll: no longer offered
    hours = {"officer": str(officer.pk), "version": "2", "module_hours.overdose_recognition": "1"}
    too_many = client.post(url, hours | {"module_hours.naloxone_practice": "3"})
    assert too_many.status_code == 422
    assert "Ensure this value is less than or equal to 1" in too_many.content.decode()
    assert client.post(url, hours).status_code == 302
    stale = client.post(url, hours)
    assert stale.status_code == 409 and "changed since you opened it" in stale.content.decode()
    assert Attendance.objects.get().module_hours == {"overdose_recognition": 1.0}
    detail = reverse("training:session_detail", args=[session.pk])
    with django_assert_max_num_queries(18):
        client.get(detail)
    for _ in range(4):
        actions.attendance_record(
            by=None,
            session=session,
            officer=make_user(agency, "officer"),
            module_hours={"naloxone_practice": Decimal(1)},
            expected_version=TrainingSession.objects.get(pk=session.pk).version,
        )
    with django_assert_max_num_queries(18):
        page = client.get(detail).content.decode()
    assert officer.display_name in page and "1 of 2" in page
    assert "Not certified:" in page and "Giving naloxone and aftercare 0 of 1 h" in page


def test_the_session_page_shows_who_completing_certifies_and_completing_certifies_them(
    agency: Agency, client: Client
) -> None:
    ready, short = make_user(agency, "officer"), make_user(agency, "officer")
    session = make_training_session(
        agency, TODAY - timedelta(days=1), TODAY, roll=[ready], full_hours=True
    )
    actions.attendance_record(
        by=None, session=session, officer=short, expected_version=session.version
    )
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Completing it certifies 1 officer" in page and "until 10 Mar 2028" in page
    assert "Complete the session" in page
    url = reverse("training:session_complete", args=[session.pk])
    assert client.post(url, {"version": "1"}).status_code == 409
    done = client.post(url, {"version": str(session.version)})
    assert done.status_code == 302
    assert list(Certification.objects.values_list("officer", flat=True)) == [ready.pk]
    again = client.post(url, {"version": str(session.version + 1)})
    assert again.status_code == 422 and "The session is completed." in again.content.decode()
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "certified until 10 Mar 2028" in page and "did not complete" in page


def test_a_session_that_has_not_ended_offers_no_completion_and_can_be_cancelled(
    agency: Agency, client: Client
) -> None:
    session = make_training_session(agency, TODAY, TODAY + timedelta(days=2))
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "It can be completed from its last day, 12 Mar 2026." in page
    cancelled = client.post(reverse("training:session_cancel", args=[session.pk]), {"version": "1"})
    assert cancelled["Location"] == reverse("training:session_list")
    assert TrainingSession.objects.get().status == "cancelled"


def test_a_refresher_page_says_who_it_cannot_certify_and_why(
    agency: Agency, client: Client
) -> None:
    renewing, new = make_user(agency, "officer"), make_user(agency, "officer")
    make_certification(renewing, date(2023, 4, 1), date(2026, 4, 1))
    session = make_training_session(
        agency, TODAY, course="cit_refresher", roll=[renewing, new], full_hours=True
    )
    detail = reverse("training:session_detail", args=[session.pk])
    page = client.get(detail).content.decode()
    assert "Completing it certifies 1 officer" in page and "until 10 Mar 2029" in page
    why = "needs the full course: no cit certification to renew"
    assert f"{new.display_name}: completes the course, {why}" in page
    assert f"every module covered; {why}" in page  # on the roll, too
    client.post(
        reverse("training:session_complete", args=[session.pk]), {"version": session.version}
    )
    page = client.get(detail).content.decode()
    assert "certified until 10 Mar 2029" in page and f"completed, not certified: {why}" in page


def test_reading_a_session_is_audited(agency: Agency, coordinator: User, client: Client) -> None:
    session = make_training_session(agency, TODAY, roll=[make_user(agency, "officer")])
    for route in ("session_detail", "session_report"):
        assert client.get(reverse(f"training:{route}", args=[session.pk])).status_code == 200
    reads = AuditEvent.objects.filter(verb="trainingsession.read").order_by("seq")
    assert [(event.actor, event.object_id) for event in reads] == [
        (coordinator, str(session.pk)),
        (coordinator, str(session.pk)),
    ]


def test_another_agencys_session_answers_404(client: Client) -> None:
    elsewhere = make_training_session(make_agency(), TODAY)
    for route in ("session_detail", "session_report"):
        assert client.get(reverse(f"training:{route}", args=[elsewhere.pk])).status_code == 404


def test_someone_is_taken_off_the_roll_from_the_session_page(
    agency: Agency, client: Client
) -> None:
    leaving, staying = make_user(agency, "officer"), make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[leaving, staying])
    detail = reverse("training:session_detail", args=[session.pk])
    url = reverse("training:session_roll_remove", args=[session.pk, leaving.pk])
    page = client.get(detail).content.decode()
    assert url in page and "Their hours and knowledge checks of this session go too." in page
    assert reverse("training:session_roll_remove", args=[session.pk, staying.pk]) in page
    assert client.get(url).status_code == 405
    assert client.post(url, {}).status_code == 422
    stale = client.post(url, {"version": "1"})
    assert stale.status_code == 409 and "changed since you opened it" in stale.content.decode()
    done = client.post(url, {"version": "3"})
    assert done.status_code == 302 and done["Location"] == f"{detail}#roll"
    assert [a.officer for a in Attendance.objects.all()] == [staying]
    page = client.get(detail).content.decode()
    assert f"{leaving.display_name} is off the roll." in page and "Roll (1)" in page
    again = client.post(url, {"version": "4"})
    assert again.status_code == 422
    assert f"{leaving.display_name} is not on this session&#x27;s roll." in again.content.decode()
    stranger = make_user(make_agency(), "officer")
    elsewhere = reverse("training:session_roll_remove", args=[session.pk, stranger.pk])
    assert client.post(elsewhere, {"version": "4"}).status_code == 404


def test_no_one_is_taken_off_the_roll_of_a_closed_session(agency: Agency, client: Client) -> None:
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[officer], full_hours=True)
    actions.session_complete(by=None, session=session, expected_version=2)
    url = reverse("training:session_roll_remove", args=[session.pk, officer.pk])
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert url not in page and reverse("training:session_edit", args=[session.pk]) not in page
    refused = client.post(url, {"version": "3"})
    assert refused.status_code == 422 and "The session is completed." in refused.content.decode()
    assert Attendance.objects.filter(officer=officer).exists()


def test_a_session_is_changed_on_its_page_and_a_bad_change_comes_back_with_422(
    agency: Agency, coordinator: User, client: Client
) -> None:
    session = make_training_session(agency, date(2026, 4, 6), date(2026, 4, 10), course="cit")
    detail = reverse("training:session_detail", args=[session.pk])
    url = reverse("training:session_edit", args=[session.pk])
    assert url in client.get(detail).content.decode()
    page = client.get(url).content.decode()
    assert 'value="2026-04-06"' in page and 'name="version" value="1"' in page
    assert "Crisis Intervention Team (CIT) basic course" in page
    form = {
        "starts_on": "2026-04-13",
        "ends_on": "2026-04-10",
        "location": "Station 2",
        "instructors": [str(coordinator.pk)],
        "version": "1",
    }
    refused = client.post(url, form)
    assert refused.status_code == 422
    assert 'id="id_ends_on_error"' in refused.content.decode()
    assert "must be on or after the first day." in refused.content.decode()
    stranger = make_user(make_agency(), "cit_coordinator")
    refused = client.post(url, form | {"ends_on": "2026-04-17", "instructors": [str(stranger.pk)]})
    assert refused.status_code == 422 and "Select a valid choice" in refused.content.decode()
    assert client.post(url, form | {"ends_on": "2026-04-17", "version": ""}).status_code == 422
    done = client.post(url, form | {"ends_on": "2026-04-17"})
    assert done["Location"] == detail
    stored = TrainingSession.objects.get()
    assert (stored.starts_on, stored.ends_on, stored.location, stored.version) == (
        date(2026, 4, 13),
        date(2026, 4, 17),
        "Station 2",
        2,
    )
    assert list(stored.instructors.all()) == [coordinator]
    stale = client.post(url, form | {"ends_on": "2026-04-18"})
    assert stale.status_code == 409 and "changed since you opened it" in stale.content.decode()
    assert TrainingSession.objects.get().ends_on == date(2026, 4, 17)


def test_a_closed_session_is_not_changed(agency: Agency, client: Client) -> None:
    session = make_training_session(agency, TODAY)
    actions.session_cancel(by=None, session=session, expected_version=1)
    url = reverse("training:session_edit", args=[session.pk])
    page = client.get(url).content.decode()
    assert "The session is cancelled: its days, place and instructors stay" in page
    assert 'name="starts_on"' not in page
    form = {"starts_on": "2026-03-11", "ends_on": "2026-03-11", "version": "2"}
    refused = client.post(url, form)
    assert refused.status_code == 422
    assert TrainingSession.objects.get().starts_on == TODAY


def test_another_agencys_session_is_not_changed_nor_its_roll(client: Client) -> None:
    elsewhere = make_training_session(make_agency(), TODAY)
    url = reverse("training:session_edit", args=[elsewhere.pk])
    assert client.get(url).status_code == 404
    form = {"starts_on": "2026-03-11", "ends_on": "2026-03-11", "version": "1"}
    assert client.post(url, form).status_code == 404
    officer = make_user(elsewhere.agency, "officer")
    actions.attendance_record(by=None, session=elsewhere, officer=officer, expected_version=1)
    remove = reverse("training:session_roll_remove", args=[elsewhere.pk, officer.pk])
    assert client.post(remove, {"version": "2"}).status_code == 404
    assert Attendance.objects.filter(session=elsewhere).exists()


# --- The officer's check, and the report --------------------------------------------------------


def test_an_officer_takes_the_check_on_the_phone_and_sees_the_score(agency: Agency) -> None:
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY + timedelta(days=1), roll=[officer])
    client = signed_in_client(officer)
    home = client.get(reverse("training:home")).content.decode()
    pre = reverse("training:session_check", args=[session.pk, "pre"])
    assert pre in home and reverse("training:session_check", args=[session.pk, "post"]) not in home
    page = client.get(pre).content.decode()
    assert "Knowledge check before the session" in page and NALOXONE.items[0].question in page
    missing = client.post(pre, {f"answers.{code}": key for code, key in list(RIGHT.items())[1:]})
    assert missing.status_code == 422 and "Choose an answer." in missing.content.decode()
    sent = client.post(pre, {f"answers.{code}": key for code, key in _wrong(2).items()})
    assert sent["Location"] == reverse("training:home")
    assert KnowledgeCheck.objects.get().score == 5
    home = client.get(reverse("training:home")).content.decode()
    assert "You answered 5 of 7 correctly before the session." in home and pre not in home
    taken = client.get(pre).content.decode()
    assert "You already took the check before the session." in taken
    assert (
        client.get(reverse("training:session_check", args=[session.pk, "during"])).status_code
        == 404
    )
    colleague = signed_in_client(make_user(agency, "officer"))
    assert colleague.get(pre).status_code == 404  # not on the roll


def _cohort_session(agency: Agency, size: int) -> TrainingSession:
    """A session of yesterday and today: each officer took the check before it yesterday, and
    the check after it today."""
    officers = [make_user(agency, "officer") for _ in range(size)]
    session = make_training_session(agency, TODAY - timedelta(days=1), TODAY, roll=officers)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        for officer in officers:
            actions.check_submit(by=officer, session=session, phase="pre", answers=_wrong(4))
    for n, officer in enumerate(officers):
        actions.check_submit(by=officer, session=session, phase="post", answers=_wrong(n % 3))
    return session


def test_the_report_says_too_few_to_compare_below_five(agency: Agency, client: Client) -> None:
    session = _cohort_session(agency, 4)
    page = client.get(reverse("training:session_report", args=[session.pk])).content.decode()
    assert "4 officers took both checks: too few to compare." in page
    assert "Mean score" not in page
    assert "3 of 7 (43%)" in page and "+57 points" in page  # each officer's own rows


def test_the_report_gives_the_cohort_means_from_five(agency: Agency, client: Client) -> None:
    session = _cohort_session(agency, 6)  # after: 7, 6, 5, 7, 6, 5 of 7; before 3 of 7
    page = client.get(reverse("training:session_report", args=[session.pk])).content.decode()
    assert "6 officers</strong> took both checks" in page
    assert "Mean score before: 43% · after: 86% · change: +42.9 points." in page
    assert "Improved: 100% of them." in page
    actions.session_complete(by=None, session=session, expected_version=session.version)
    course = client.get(reverse("training:course_detail", args=["naloxone"])).content.decode()
    assert "Completed sessions that ended from 11 Mar 2025 to 10 Mar 2026: 1." in course
    assert "change: +42.9 points" in course
    narrow = client.get(reverse("training:course_detail", args=["naloxone"]) + "?since=2026-03-11")
    assert "0 officers took both checks: too few to compare." in narrow.content.decode()
    backwards = client.get(
        reverse("training:course_detail", args=["naloxone"]) + "?since=2026-03-11&until=2026-03-01"
    )
    assert backwards.status_code == 422


def test_checks_of_someone_taken_off_the_roll_leave_the_report_and_the_cohort(
    agency: Agency, client: Client
) -> None:
    session = _cohort_session(agency, 6)
    leaving = session.roll.order_by("officer__last_name").first()
    assert leaving is not None
    removed = client.post(
        reverse("training:session_roll_remove", args=[session.pk, leaving.officer_id]),
        {"version": str(session.version)},
        follow=True,
    )
    assert "is off the roll." in removed.content.decode()
    page = client.get(reverse("training:session_report", args=[session.pk])).content.decode()
    assert "5 officers</strong> took both checks" in page
    assert leaving.officer.display_name not in page
    session.refresh_from_db()
    actions.session_complete(by=None, session=session, expected_version=session.version)
    course = client.get(reverse("training:course_detail", args=["naloxone"])).content.decode()
    assert "5 officers</strong> took both checks" in course


# --- Certifications and the home page ---------------------------------------------------------


def test_the_certification_list_flags_lapses_and_filters_them(
    agency: Agency, client: Client, django_assert_max_num_queries: Any
) -> None:
    names = {}
    for days in (200, 90, 30, 7, -1):
        officer = make_user(agency, "officer")
        names[days] = officer.display_name
        make_certification(officer, date(2024, 1, 1), TODAY + timedelta(days=days))
    renewed = make_user(agency, "officer")
    make_certification(renewed, date(2023, 4, 1), TODAY + timedelta(days=20))
    make_certification(renewed, date(2026, 3, 1), date(2029, 3, 1))
    make_certification(make_user(make_agency(), "officer"), date(2024, 1, 1), TODAY)
    client.get(reverse("training:certification_list"))
    with django_assert_max_num_queries(16):
        page = client.get(reverse("training:certification_list")).content.decode()
    assert "Valid today (6)" in page
    for days in (90, 30, 7):
        assert f"Lapses in {days} days" in page
    assert "Lapses in 200" not in page and "Renewed</span> until 1 Mar 2029" in page
    with django_assert_max_num_queries(16):
        lapsing = client.get(reverse("training:certification_list") + "?show=lapsing")
    page = lapsing.content.decode()
    assert "Lapsing within 90 days, not renewed (3)" in page
    assert names[200] not in page and renewed.display_name not in page
    lapsed = client.get(reverse("training:certification_list") + "?show=lapsed").content.decode()
    assert "Lapsed (1)" in lapsed and names[-1] in lapsed
    bad = client.get(reverse("training:certification_list") + "?show=soon")
    assert bad.status_code == 422


def test_the_home_page_shows_my_certifications_sessions_and_links(
    agency: Agency, coordinator: User, client: Client
) -> None:
    make_certification(coordinator, date(2023, 3, 20), TODAY + timedelta(days=25))
    make_training_session(agency, TODAY + timedelta(days=3), course="cit", roll=[coordinator])
    page = client.get(reverse("training:home")).content.decode()
    assert "Crisis Intervention Team (CIT) basic course" in page and "Lapses in 25 days" in page
    assert (
        reverse("training:session_list") in page and reverse("training:certification_list") in page
    )
    officer_page = signed_in_client(make_user(agency, "officer")).get(reverse("training:home"))
    body = officer_page.content.decode()
    assert "You hold no certifications yet." in body
    assert reverse("training:session_list") not in body


# --- The API ------------------------------------------------------------------------------------


def test_the_api_takes_a_check_and_names_the_item_at_fault(agency: Agency) -> None:
    officer = make_user(agency, "officer")
    session = make_training_session(agency, TODAY, roll=[officer])
    client = signed_in_client(officer)
    url = f"/api/v1/training/sessions/{session.pk}/checks"
    refused = client.post(
        url,
        {"phase": "pre", "answers": RIGHT | {"nasal_spray": "z"}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["answers.nasal_spray"]
    bad_phase = client.post(
        url, {"phase": "mid", "answers": RIGHT}, content_type="application/json"
    )
    assert bad_phase.status_code == 422 and bad_phase.json()["errors"][0]["field"] == "phase"
    taken = client.post(url, {"phase": "pre", "answers": RIGHT}, content_type="application/json")
    assert taken.status_code == 201 and taken.json()["score"] == 7
    stranger = signed_in_client(make_user(make_agency(), "officer"))
    assert (
        stranger.post(
            url, {"phase": "pre", "answers": RIGHT}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_api_gives_coordinators_the_agencys_certifications_and_others_their_own(
    agency: Agency, client: Client
) -> None:
    officer = make_user(agency, "officer")
    make_certification(officer, date(2024, 1, 1), TODAY + timedelta(days=30))
    make_certification(make_user(agency, "officer"), date(2024, 1, 1), TODAY + timedelta(days=300))
    everyone = client.get("/api/v1/training/certifications").json()
    assert sorted(row["days_left"] for row in everyone) == [30, 300]
    lapsing = client.get("/api/v1/training/certifications?show=lapsing").json()
    assert [(row["officer"], row["notice"]) for row in lapsing] == [(str(officer.pk), 30)]
    own = signed_in_client(officer).get("/api/v1/training/certifications").json()
    assert [row["officer_name"] for row in own] == [officer.display_name]
