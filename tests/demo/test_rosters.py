"""The demo county's patrol (issue 6): about 220 sworn officers on rosters of three shifts over
two precincts per police agency, with CIT certification near the 20-25% target and some
certifications lapsing in the months ahead."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from crossroads.demo.county import County, build_county
from crossroads.training.models import Certification, RosterAssignment, Squad

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> County:
    return build_county(calls_per_day=0, history_days=0)


def test_about_220_sworn_officers_each_in_one_squad(demo: County) -> None:
    sworn = [officer for officers in demo.officers.values() for officer in officers]
    assert 210 <= len(sworn) <= 230
    assigned = Counter(RosterAssignment.objects.values_list("officer_id", flat=True))
    assert set(assigned) == {officer.pk for officer in sworn}
    assert set(assigned.values()) == {1}
    rostered = next(officer for officer in sworn if officer.username == "patrol.rpd.001")
    assert not rostered.has_usable_password()  # rostered, never a sign-in


def test_every_shift_of_every_day_is_worked_by_one_squad_per_precinct(demo: County) -> None:
    today = timezone.localdate()
    for agency_key in ("rpd", "acso"):
        squads = Squad.objects.filter(agency=demo.agencies[agency_key]).select_related(
            "precinct", "shift"
        )
        assert {s.precinct.code for s in squads} and len({s.shift.code for s in squads}) == 3
        for day in (today + timedelta(days=n) for n in range(16)):
            working = Counter((s.precinct.code, s.shift.code) for s in squads if s.works_on(day))
            assert len(working) == 6 and set(working.values()) == {1}


def test_certified_near_the_target_and_some_lapse_in_the_next_90_days(demo: County) -> None:
    today = timezone.localdate()
    for officers in demo.officers.values():
        ids = [officer.pk for officer in officers]
        now = Certification.objects.cit_certified(ids, today)
        later = Certification.objects.cit_certified(ids, today + timedelta(days=90))
        assert 0.18 <= len(now) / len(ids) <= 0.32
        assert later < now  # some lapse, none are renewed ahead of time in the demo
