"""The curricula file and the roster's building blocks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from crossroads.training import actions
from crossroads.training.curricula import RENEWAL_GRACE_MONTHS, CourseSpec, shipped
from tests.factories import make_agency, make_roster, make_user


def test_the_shipped_curricula_hold_the_cit_week_and_the_other_courses() -> None:
    courses = shipped().by_code()
    assert set(courses) == {"cit", "cit_refresher", "dispatcher_cit", "naloxone"}
    cit = courses["cit"]
    assert cit.hours == Decimal(40) and len(cit.modules) == 10
    assert courses["dispatcher_cit"].hours == Decimal(8)
    assert courses["cit_refresher"].certifies == "cit"


def test_a_course_whose_modules_do_not_add_up_is_refused() -> None:
    course = shipped().by_code()["naloxone"].model_dump()
    course["hours"] = 3
    with pytest.raises(ValueError, match="add up to 2 hours, not 3"):
        CourseSpec.model_validate(course)


def test_a_certification_expires_after_the_courses_validity_in_calendar_months() -> None:
    cit = shipped().by_code()["cit"]
    assert cit.expires_on(date(2026, 3, 9)) == date(2029, 3, 9)
    assert cit.expires_on(date(2024, 2, 29)) == date(2027, 2, 28)  # no 29 February in 2027
    assert shipped().by_code()["naloxone"].expires_on(date(2026, 1, 31)) == date(2028, 1, 31)


def test_a_course_granting_another_courses_certification_is_a_refresher() -> None:
    courses = shipped().by_code()
    assert [code for code, course in courses.items() if course.is_refresher] == ["cit_refresher"]
    full = courses["cit"]
    assert full.why_not_renewed(None, date(2026, 3, 9)) is None  # a full course needs nothing


@given(
    ends_on=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    latest_days_before=st.none() | st.integers(-2000, 2000),
)
def test_a_refresher_renews_what_is_held_or_lapsed_within_the_grace(
    ends_on: date, latest_days_before: int | None
) -> None:
    refresher = shipped().by_code()["cit_refresher"]
    latest = None if latest_days_before is None else ends_on - timedelta(days=latest_days_before)
    why = refresher.why_not_renewed(latest, ends_on)
    renewable = latest is not None and latest >= ends_on - relativedelta(
        months=RENEWAL_GRACE_MONTHS
    )
    assert (why is None) == renewable
    if why is not None:
        assert why.startswith("needs the full course: ")


def test_a_refresher_says_why_it_does_not_certify() -> None:
    refresher = shipped().by_code()["cit_refresher"]
    ends_on = date(2026, 3, 9)
    assert refresher.why_not_renewed(None, ends_on) == (
        "needs the full course: no cit certification to renew"
    )
    assert refresher.why_not_renewed(date(2025, 3, 9), ends_on) is None  # lapsed 12 months before
    assert refresher.why_not_renewed(date(2025, 3, 8), ends_on) == (
        "needs the full course: the cit certification lapsed on 8 March 2025, more than 12 "
        "months before"
    )


@pytest.mark.django_db
def test_a_squad_works_its_rotation_and_an_officer_one_squad_at_a_time() -> None:
    agency = make_agency()
    start = date(2026, 1, 1)
    roster = make_roster(agency, start)
    squad = roster.squads[("north", "day")]
    assert [squad.works_on(start + timedelta(days=n)) for n in range(9)] == [
        True, True, True, True, False, False, False, False, True
    ]  # fmt: skip
    officer = make_user(agency, "officer")
    actions.assignment_record(by=None, officer=officer, squad=squad, starts_on=start)
    with pytest.raises(ValidationError) as refused:
        actions.assignment_record(
            by=None,
            officer=officer,
            squad=roster.squads[("south", "day")],
            starts_on=start + timedelta(days=30),
        )
    assert "already in North Precinct Day" in str(refused.value.message_dict["starts_on"])
    with pytest.raises(ValidationError) as bad:
        actions.squad_create(
            by=None,
            agency=agency,
            name="Odd",
            precinct=squad.precinct,
            shift=squad.shift,
            pattern="1x0",
            pattern_start=start,
        )
    assert list(bad.value.message_dict) == ["pattern"]
