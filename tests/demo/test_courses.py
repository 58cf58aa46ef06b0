"""The demo county's training calendar (issue 6): the CIT course that ended last week waits for
the coordinator; completing it certifies the officers who attended every module, and the
coverage of the night watches they work improves. A refresher and the 911 course are ahead."""

from __future__ import annotations

import pytest

from crossroads.demo.county import County, build_county
from crossroads.training import actions, queries
from crossroads.training.coverage import period_from
from crossroads.training.models import TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> County:
    return build_county(calls_per_day=0, history_days=0)


def test_completing_last_weeks_course_certifies_seven_and_closes_night_gaps(demo: County) -> None:
    police = demo.agencies["rpd"]
    course = TrainingSession.objects.get(agency=police, course="cit")
    assert (course.status, course.roll.count(), course.checks.count()) == ("scheduled", 8, 16)
    today = queries.agency_today(police)
    quarter = period_from(None, None, today=today)
    before = queries.coverage_report(police, quarter, today)

    coordinator = next(user for user in demo.sign_ins if user.username == "cit.coordinator")
    certified = actions.session_complete(
        by=coordinator, session=course, expected_version=course.version
    )

    assert len(certified) == 7  # one missed the de-escalation day
    after = queries.coverage_report(police, quarter, today)
    assert after.share.certified == before.share.certified + 7
    assert after.coverage.covered > before.coverage.covered


def test_the_sessions_ahead_have_their_rolls(demo: County) -> None:
    ahead = TrainingSession.objects.exclude(course="cit").order_by("starts_on")
    assert [(s.course, s.roll.count() > 0) for s in ahead] == [
        ("dispatcher_cit", True),
        ("cit_refresher", True),
    ]
