"""Who is on duty now: the shift that runs past midnight, each agency's clock, and the
dispatcher's view of the agencies it may send (its own and those its calls go to under an MOU)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossroads.core import actions as core_actions
from crossroads.core.models import Agency, AuditEvent, DataCategory, User
from crossroads.training import actions, queries
from crossroads.training.coverage import Period
from crossroads.training.duty import rotation_label, running_watch
from tests.factories import (
    Roster,
    make_agency,
    make_certification,
    make_partnership,
    make_roster,
    make_user,
    signed_in_client,
)

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 1)  # the rotation's first day: squads work 1-4 March, rest 5-8 March


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


# --- The clock of a shift (pure) -----------------------------------------------------------------


def test_the_night_shift_at_three_in_the_morning_belongs_to_the_day_before() -> None:
    watch = running_watch(time(23), 8, at(date(2026, 3, 5), 3), NEW_YORK)
    assert watch is not None
    assert watch.day == date(2026, 3, 4)
    assert (watch.starts, watch.ends) == (at(date(2026, 3, 4), 23), at(date(2026, 3, 5), 7))


def test_a_shift_is_on_from_its_start_to_just_before_its_end() -> None:
    day = date(2026, 3, 3)
    assert running_watch(time(7), 8, at(day, 6, 59), NEW_YORK) is None
    assert running_watch(time(7), 8, at(day, 7), NEW_YORK) is not None
    assert running_watch(time(7), 8, at(day, 14, 59), NEW_YORK) is not None
    assert running_watch(time(7), 8, at(day, 15), NEW_YORK) is None


def test_a_moment_is_read_on_the_agencys_clock() -> None:
    """08:00 UTC is 03:00 in New York (night shift on) and 00:00 in Los Angeles (off)."""
    moment = datetime(2026, 3, 5, 8, tzinfo=UTC)
    assert running_watch(time(23), 8, moment, NEW_YORK) is not None
    assert running_watch(time(1), 8, moment, ZoneInfo("America/Los_Angeles")) is None


def test_across_the_spring_change_the_night_shift_still_ends_at_seven() -> None:
    """Clocks go forward at 02:00 on 8 March 2026 in New York: the night of the 7th ends at
    07:00 local, seven hours after it began."""
    night = date(2026, 3, 7)
    watch = running_watch(time(23), 8, at(date(2026, 3, 8), 6, 30), NEW_YORK)
    assert watch is not None and watch.day == night
    assert watch.ends.astimezone(UTC) - watch.starts.astimezone(UTC) == timedelta(hours=7)
    assert running_watch(time(23), 8, at(date(2026, 3, 8), 7), NEW_YORK) is None


@pytest.mark.parametrize(
    ("pattern", "label"),
    [
        ("11110000", "4 on, 4 off"),
        ("1111100", "5 on, 2 off"),
        ("1", "1 on"),
        ("0110", "1 off, 2 on, 1 off"),
    ],
)
def test_a_rotation_reads_as_days_on_and_off(pattern: str, label: str) -> None:
    assert rotation_label(pattern) == label


# --- Who is on duty (database) -------------------------------------------------------------------


def _officer_in(roster: Roster, precinct: str, shift: str, *, certified: bool) -> User:
    officer = make_user(roster.agency, "officer")
    squad = roster.squads[(precinct, shift)]
    actions.assignment_record(by=None, officer=officer, squad=squad, starts_on=START)
    if certified:
        make_certification(officer, date(2025, 6, 1), date(2028, 6, 1))
    return officer


@pytest.mark.django_db
def test_at_three_in_the_morning_the_night_squad_that_started_yesterday_is_on_duty() -> None:
    roster = make_roster(make_agency(), START)
    night = _officer_in(roster, "north", "night", certified=True)
    _officer_in(roster, "north", "day", certified=True)
    agency = [roster.agency.pk]

    # 5 March is a rest day, but the night of the 4th (a working day) runs until 07:00.
    on = queries.officers_on_duty(agency, at(date(2026, 3, 5), 3))
    assert [(o.officer, o.watch.day, o.certified) for o in on] == [(night, date(2026, 3, 4), True)]
    # 1 March is a working day, but its 03:00 belongs to the night of 28 February: a rest day.
    assert queries.officers_on_duty(agency, at(date(2026, 3, 1), 3)) == []
    # The night of 1 March is on at 23:30.
    assert [o.officer for o in queries.officers_on_duty(agency, at(START, 23, 30))] == [night]


@pytest.mark.django_db
def test_on_duty_counts_the_assignment_and_the_certification_of_that_day() -> None:
    roster = make_roster(make_agency(), START)
    squad = roster.squads[("south", "day")]
    leaving = make_user(roster.agency, "officer")
    actions.assignment_record(
        by=None, officer=leaving, squad=squad, starts_on=START, ends_on=date(2026, 3, 2)
    )
    lapsing = make_user(roster.agency, "officer")
    actions.assignment_record(by=None, officer=lapsing, squad=squad, starts_on=START)
    make_certification(lapsing, date(2023, 3, 3), date(2026, 3, 2))

    def seen(day: date) -> list[tuple[User, bool]]:
        return [
            (o.officer, o.certified)
            for o in queries.officers_on_duty([roster.agency.pk], at(day, 9))
        ]

    assert sorted(seen(date(2026, 3, 2)), key=lambda o: o[0].last_name) == [
        (leaving, False),
        (lapsing, True),
    ]
    assert seen(date(2026, 3, 3)) == [(lapsing, False)]


@pytest.fixture
def county(db: None) -> dict[str, object]:
    """A 911 centre whose calls go to one police department under an MOU, and a second
    department it has no MOU with; both with rosters and certified officers on the night shift."""
    centre = make_agency(type=Agency.Type.DISPATCH_911, name="County 911")
    police = make_agency(name="Alder Police")
    stranger = make_agency(name="Birch Police")
    make_partnership(centre, police, DataCategory.CALLS_AND_ENCOUNTERS)
    ours, theirs = make_roster(police, START), make_roster(stranger, START)
    return {
        "dispatcher": make_user(centre, "dispatcher"),
        "police": police,
        "certified": _officer_in(ours, "north", "night", certified=True),
        "uncertified": _officer_in(ours, "north", "night", certified=False),
        "south_uncertified": _officer_in(ours, "south", "night", certified=False),
        "stranger": _officer_in(theirs, "north", "night", certified=True),
    }


NIGHT = at(date(2026, 3, 5), 3)


def test_the_dispatcher_sees_the_mou_agencys_certified_officers_and_not_another_agencys(
    county: dict[str, object],
) -> None:
    dispatcher = county["dispatcher"]
    assert isinstance(dispatcher, User)
    areas = queries.areas_on_duty(dispatcher, NIGHT)
    assert [(a.precinct.agency.name, a.precinct.name) for a in areas] == [
        ("Alder Police", "North Precinct"),
        ("Alder Police", "South Precinct"),
    ]
    north, south = areas
    assert [o.officer for o in north.certified] == [county["certified"]]
    assert (north.others, south.certified, south.others) == (1, [], 1)
    event = AuditEvent.objects.filter(verb="rosterassignment.list").latest("seq")
    assert event.detail == {"count": 3}


def test_the_page_shows_certified_officers_by_area_with_the_others_counted(
    county: dict[str, object],
) -> None:
    dispatcher, certified, stranger = county["dispatcher"], county["certified"], county["stranger"]
    assert isinstance(dispatcher, User) and isinstance(certified, User)
    assert isinstance(stranger, User)
    with time_machine.travel(NIGHT, tick=False):
        page = signed_in_client(dispatcher).get(reverse("training:on_duty"))
    assert page.status_code == 200
    text = page.content.decode()
    assert certified.display_name in text and stranger.display_name not in text
    assert "Night shift until 07:00" in text
    assert "1 other officer on duty, not CIT-certified." in text
    assert "No CIT-certified officer on duty here now." in text  # the south precinct
    assert 'name="viewport"' in text  # the frame scales to a phone


def test_the_api_twin_answers_the_same(county: dict[str, object]) -> None:
    dispatcher, certified = county["dispatcher"], county["certified"]
    assert isinstance(dispatcher, User) and isinstance(certified, User)
    with time_machine.travel(NIGHT, tick=False):
        answer = signed_in_client(dispatcher).get("/api/v1/training/on-duty").json()
    assert answer["at"].startswith("2026-03-05T08:00:00")
    north, south = answer["areas"]
    assert (north["agency"], north["precinct"], north["others_on_duty"]) == (
        county["police"].short_name,  # type: ignore[attr-defined]
        "north",
        1,
    )
    assert north["certified"] == [
        {
            "id": str(certified.pk),
            "name": certified.display_name,
            "squad": "North Precinct Night",
            "shift": "night",
            "shift_name": "Night",
            "shift_day": "2026-03-04",
            "until": "2026-03-05T07:00:00-05:00",
        }
    ]
    assert (south["certified"], south["others_on_duty"]) == ([], 1)


def test_an_officer_sees_their_own_agency_on_duty(county: dict[str, object]) -> None:
    officer = county["uncertified"]
    assert isinstance(officer, User)
    areas = queries.areas_on_duty(officer, NIGHT)
    assert {a.precinct.agency_id for a in areas} == {officer.agency_id}


def test_the_page_reads_in_the_same_queries_however_many_are_on_duty(
    county: dict[str, object],
) -> None:
    dispatcher, police = county["dispatcher"], county["police"]
    assert isinstance(dispatcher, User) and isinstance(police, Agency)
    client = signed_in_client(dispatcher)
    with time_machine.travel(NIGHT, tick=False):
        client.get(reverse("training:on_duty"))  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("training:on_duty"))
    squads = queries.roster_choices(make_user(police, "cit_coordinator")).squads
    for squad in squads.filter(shift__code="night"):
        for _ in range(4):
            officer = make_user(police, "officer")
            actions.assignment_record(by=None, officer=officer, squad=squad, starts_on=START)
            make_certification(officer, date(2025, 1, 1), date(2027, 1, 1))
    with time_machine.travel(NIGHT, tick=False), CaptureQueriesContext(connection) as many:
        page = client.get(reverse("training:on_duty"))
    assert page.content.decode().count("Night shift until 07:00") == 9
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_a_night_is_judged_by_the_day_it_started_on_duty_as_in_coverage() -> None:
    """A certification valid until 4 March (D) covers the night of D, 23:00-07:00: at 02:00 on
    5 March the officer on that night is on duty as CIT-certified, and coverage counts the
    night of D as covered."""
    day = date(2026, 3, 4)
    roster = make_roster(make_agency(), START)
    officer = make_user(roster.agency, "officer")
    squad = roster.squads[("north", "night")]
    actions.assignment_record(by=None, officer=officer, squad=squad, starts_on=START)
    make_certification(officer, date(2023, 3, 4), day)
    on = queries.officers_on_duty([roster.agency.pk], at(day + timedelta(days=1), 2))
    assert [(o.officer, o.watch.day, o.certified) for o in on] == [(officer, day, True)]
    report = queries.coverage_report(roster.agency, Period(day, day), day)
    night = next(s for s in report.coverage.slots() if s.shift == "Night" and s.day == day)
    assert (night.precinct, night.on_duty, night.certified) == ("North Precinct", 1, 1)
    dispatcher = make_user(roster.agency, "dispatcher")
    with time_machine.travel(at(day + timedelta(days=1), 2), tick=False):
        page = signed_in_client(dispatcher).get(reverse("training:on_duty")).content.decode()
    assert officer.display_name in page and "Night shift until 07:00" in page


@pytest.mark.django_db
def test_only_patrol_officers_are_on_duty() -> None:
    """Squads hold patrol officers; one whose officer role is taken away, or whose account is
    closed, is no longer on duty (coverage no longer counts them either)."""
    roster = make_roster(make_agency(), START)
    staying = _officer_in(roster, "north", "night", certified=True)
    moved = _officer_in(roster, "north", "night", certified=True)
    closed = _officer_in(roster, "north", "night", certified=True)
    core_actions.user_set_roles(
        user=moved, roles=["cit_coordinator"], by=None, expected_version=moved.version
    )
    core_actions.user_deactivate(user=closed, by=None)
    on = queries.officers_on_duty([roster.agency.pk], NIGHT)
    assert [o.officer for o in on] == [staying]
