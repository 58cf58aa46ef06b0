"""The curricula file and the roster's building blocks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crossroads.training import actions
from crossroads.training.curricula import CourseSpec, shipped
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
