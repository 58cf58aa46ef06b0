"""The roster page and its forms: precincts, shifts, squads and who is in each squad today; a
refused form names the field and the reason (422) and writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossroads.core import actions as core_actions
from crossroads.core.models import AuditEvent, User
from crossroads.training import actions, queries
from crossroads.training.models import CoverageTarget, Precinct, RosterAssignment, Shift, Squad
from tests.factories import make_agency, make_roster, make_user, signed_in_client

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 3)  # the third day of a 4-on-4-off rotation started on 1 March
NOON = "2026-03-03T17:00:00Z"  # noon on TODAY in New York, the agencies' time zone


@pytest.fixture
def coordinator() -> User:
    return make_user(make_agency(name="Alder Police", short_name="APD"), "cit_coordinator")


def _post(user: User, route: str, data: dict[str, Any]) -> Any:
    with time_machine.travel(NOON, tick=False):
        return signed_in_client(user).post(reverse(route), data)


def test_the_roster_shows_squads_with_their_rotation_and_who_is_in_each_today(
    coordinator: User,
) -> None:
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    night = roster.squads[("north", "night")]
    current = make_user(coordinator.agency, "officer")
    actions.assignment_record(by=None, officer=current, squad=night, starts_on=date(2026, 1, 1))
    gone = make_user(coordinator.agency, "officer")
    actions.assignment_record(
        by=None, officer=gone, squad=night, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
    )
    with time_machine.travel(NOON, tick=False):
        page = signed_in_client(coordinator).get(reverse("training:roster"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "North Precinct Night" in text and "Night (23:00, 8 h)" in text
    assert "4 on, 4 off, from 1 Mar 2026" in text and "On today" in text
    assert current.display_name in text and gone.display_name not in text
    assert "North Precinct" in text and "Evening" in text
    for route in ("precinct_new", "shift_new", "squad_new", "assignment_new"):
        assert reverse(f"training:{route}") in text


def test_the_roster_reads_in_the_same_queries_however_large(coordinator: User) -> None:
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    client = signed_in_client(coordinator)
    with time_machine.travel(NOON, tick=False):
        client.get(reverse("training:roster"))  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("training:roster"))
    for squad in roster.squads.values():
        for _ in range(3):
            officer = make_user(coordinator.agency, "officer")
            actions.assignment_record(by=None, officer=officer, squad=squad, starts_on=TODAY)
    with time_machine.travel(NOON, tick=False), CaptureQueriesContext(connection) as many:
        client.get(reverse("training:roster"))
    assert len(many.captured_queries) == len(few.captured_queries)
    event = AuditEvent.objects.filter(verb="rosterassignment.list").latest("seq")
    assert event.detail == {"count": 18}


def test_a_precinct_a_shift_a_squad_and_an_assignment_are_added_from_their_pages(
    coordinator: User,
) -> None:
    added = _post(coordinator, "training:precinct_new", {"code": "east", "name": "East"})
    assert added.status_code == 302 and added["Location"] == reverse("training:roster")
    shift = {"code": "night", "name": "Night", "starts_at": "23:00", "hours": "10"}
    assert _post(coordinator, "training:shift_new", shift).status_code == 302
    precinct = Precinct.objects.get(agency=coordinator.agency, code="east")
    night = Shift.objects.get(agency=coordinator.agency, code="night")
    assert (night.starts_at.hour, night.hours) == (23, 10)
    squad = {
        "name": "East Night A",
        "precinct": precinct.pk,
        "shift": night.pk,
        "pattern": "1111000",
        "pattern_start": "2026-03-01",
    }
    assert _post(coordinator, "training:squad_new", squad).status_code == 302
    officer = make_user(coordinator.agency, "officer")
    east_night = Squad.objects.get(name="East Night A")
    assignment = {"officer": officer.pk, "squad": east_night.pk, "starts_on": "2026-03-02"}
    done = _post(coordinator, "training:assignment_new", assignment)
    assert done.status_code == 302
    placed = RosterAssignment.objects.get(officer=officer)
    assert (placed.squad, placed.starts_on, placed.ends_on) == (east_night, date(2026, 3, 2), None)
    verbs = AuditEvent.objects.filter(actor=coordinator).values_list("verb", flat=True)
    assert {"precinct.create", "shift.create", "squad.create", "assignment.record"} <= set(verbs)


@pytest.mark.parametrize(
    ("route", "data", "field", "reason"),
    [
        ("training:precinct_new", {"code": "North 1", "name": "N"}, "code", "is not a code"),
        ("training:precinct_new", {"code": "north"}, "name", "This field is required"),
        (
            "training:shift_new",
            {"code": "long", "name": "Long", "starts_at": "07:00", "hours": "30"},
            "hours",
            "less than or equal to 24",
        ),
        (
            "training:shift_new",
            {"code": "day", "name": "Day", "starts_at": "7 am", "hours": "8"},
            "starts_at",
            "Enter a valid time",
        ),
    ],
)
def test_a_refused_form_names_the_field_and_writes_nothing(
    coordinator: User, route: str, data: dict[str, str], field: str, reason: str
) -> None:
    refused = _post(coordinator, route, data)
    assert refused.status_code == 422
    form = refused.context["form"]
    assert list(form.errors) == [field] and reason in form.errors[field][0]
    assert f'id="id_{field}_error"' in refused.content.decode()
    assert not Precinct.objects.exists() and not Shift.objects.exists()


def test_the_squad_form_names_a_bad_rotation_and_a_taken_name(coordinator: User) -> None:
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    day = roster.squads[("north", "day")]
    data = {
        "name": "Odd",
        "precinct": day.precinct_id,
        "shift": day.shift_id,
        "pattern": "1x0",
        "pattern_start": "2026-03-01",
    }
    refused = _post(coordinator, "training:squad_new", data)
    assert refused.status_code == 422
    assert "1 (on) and 0 (off)" in refused.context["form"].errors["pattern"][0]
    taken = _post(coordinator, "training:squad_new", {**data, "pattern": "10", "name": day.name})
    assert taken.status_code == 422
    assert "already has a squad" in taken.context["form"].errors["name"][0]
    assert Squad.objects.count() == 6


def test_the_forms_offer_only_the_agencys_own_precincts_squads_and_officers(
    coordinator: User,
) -> None:
    ours = make_roster(coordinator.agency, date(2026, 3, 1))
    theirs = make_roster(make_agency(), date(2026, 3, 1))
    stranger = make_user(theirs.agency, "officer")
    their_squad = theirs.squads[("north", "day")]
    choices = queries.roster_choices(coordinator)
    assert set(choices.squads) == set(ours.squads.values())
    assert stranger not in choices.officers
    refused = _post(
        coordinator,
        "training:assignment_new",
        {"officer": stranger.pk, "squad": their_squad.pk, "starts_on": "2026-03-02"},
    )
    assert refused.status_code == 422
    assert set(refused.context["form"].errors) == {"officer", "squad"}
    assert not RosterAssignment.objects.exists()


def test_an_overlapping_assignment_is_refused_beside_the_first_day(coordinator: User) -> None:
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    officer = make_user(coordinator.agency, "officer")
    north = roster.squads[("north", "day")]
    actions.assignment_record(by=None, officer=officer, squad=north, starts_on=date(2026, 1, 1))
    south = roster.squads[("south", "day")]
    data = {"officer": officer.pk, "squad": south.pk, "starts_on": "2026-03-02"}
    refused = _post(coordinator, "training:assignment_new", data)
    assert refused.status_code == 422
    assert "already in North Precinct Day" in refused.context["form"].errors["starts_on"][0]
    ended = {**data, "starts_on": "2026-03-02", "ends_on": "2026-03-01"}
    backwards = _post(coordinator, "training:assignment_new", ended)
    assert "must be on or after the first day" in backwards.context["form"].errors["ends_on"][0]
    assert RosterAssignment.objects.count() == 1


def test_an_officer_may_not_manage_the_roster(coordinator: User) -> None:
    officer = make_user(coordinator.agency, "officer")
    client = signed_in_client(officer)
    assert client.get(reverse("training:roster")).status_code == 403
    refused = client.post(reverse("training:precinct_new"), {"code": "x", "name": "X"})
    assert refused.status_code == 403
    assert not Precinct.objects.exists()


def test_today_is_the_agencys_date(coordinator: User) -> None:
    """At 02:00 UTC on 5 March it is still 4 March in New York: the last working day."""
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    with time_machine.travel("2026-03-05T02:00:00Z", tick=False):
        now = queries.roster_for(coordinator)
    assert now.today == date(2026, 3, 4)
    north_day = next(s for s in now.squads if s.squad == roster.squads[("north", "day")])
    assert north_day.works_today


def test_the_coverage_target_is_set_on_its_page_and_refused_when_inverted() -> None:
    coordinator = make_user(make_agency(), "cit_coordinator")
    client = signed_in_client(coordinator)
    page = client.get(reverse("training:roster")).content.decode()
    assert "CIT target: 20 to 25%" in page
    refused = client.post(
        reverse("training:coverage_target"), {"low_percent": "30", "high_percent": "25"}
    )
    assert refused.status_code == 422
    assert "from 30 (the low end) to 100 percent" in refused.content.decode()
    assert not CoverageTarget.objects.exists()
    done = client.post(
        reverse("training:coverage_target"), {"low_percent": "22", "high_percent": "30"}
    )
    assert done.status_code == 302
    assert client.get(reverse("training:roster")).content.decode().count("CIT target: 22 to 30%")
    changed = client.post(
        reverse("training:coverage_target"), {"low_percent": "25", "high_percent": "30"}
    )
    assert changed.status_code == 302
    target = CoverageTarget.objects.get()
    assert (target.low_percent, target.high_percent) == (25, 30)
    assert AuditEvent.objects.filter(verb="coverage_target.set").count() == 2


# --- Ending an assignment, and who may be in a squad ---------------------------------------------


def _get(user: User, route: str, **kwargs: Any) -> Any:
    with time_machine.travel(NOON, tick=False):
        return signed_in_client(user).get(reverse(route, kwargs=kwargs))


def _end(user: User, assignment: RosterAssignment, ends_on: str) -> Any:
    with time_machine.travel(NOON, tick=False):
        return signed_in_client(user).post(
            reverse("training:assignment_end", args=[assignment.pk]), {"ends_on": ends_on}
        )


@pytest.fixture
def placed(coordinator: User) -> RosterAssignment:
    """An officer in the north day squad from 1 January, until further notice."""
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    return actions.assignment_record(
        by=None,
        officer=make_user(coordinator.agency, "officer"),
        squad=roster.squads[("north", "day")],
        starts_on=date(2026, 1, 1),
    )


def test_an_assignment_is_ended_from_its_page_linked_from_the_roster(
    coordinator: User, placed: RosterAssignment
) -> None:
    end_page = reverse("training:assignment_end", args=[placed.pk])
    assert end_page in _get(coordinator, "training:roster").content.decode()
    page = _get(coordinator, "training:assignment_end", assignment_id=placed.pk)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{placed.officer.display_name} in North Precinct Day from 1 January 2026." in text
    assert 'value="2026-03-03"' in text  # today, the agency's date, to start from
    done = _end(coordinator, placed, "2026-03-10")
    assert done.status_code == 302 and done["Location"] == reverse("training:roster")
    placed.refresh_from_db()
    assert placed.ends_on == date(2026, 3, 10)
    assert "until 10 Mar 2026" in _get(coordinator, "training:roster").content.decode()
    event = AuditEvent.objects.get(verb="assignment.end")
    assert event.actor == coordinator
    assert event.detail["ends_on"] == "2026-03-10" and event.detail["previous_ends_on"] is None
    ended_today = _end(coordinator, placed, "2026-03-03")  # moved earlier: off the roster now
    assert ended_today.status_code == 302
    assert placed.officer.display_name in _get(coordinator, "training:roster").content.decode()
    _end(coordinator, placed, "2026-03-02")
    assert placed.officer.display_name not in _get(coordinator, "training:roster").content.decode()


@pytest.mark.parametrize(
    ("ends_on", "reason"),
    [
        ("2025-12-31", "must be on or after the first day (2026-01-01)"),
        ("", "This field is required"),
        ("31/12/2026", "Enter a valid date"),
    ],
)
def test_the_end_page_names_a_bad_last_day_and_changes_nothing(
    coordinator: User, placed: RosterAssignment, ends_on: str, reason: str
) -> None:
    refused = _end(coordinator, placed, ends_on)
    assert refused.status_code == 422
    assert reason in refused.context["form"].errors["ends_on"][0]
    assert 'id="id_ends_on_error"' in refused.content.decode()
    placed.refresh_from_db()
    assert placed.ends_on is None
    assert not AuditEvent.objects.filter(verb="assignment.end").exists()


def test_an_end_moves_earlier_freely_and_later_only_while_no_other_squad_is_held(
    coordinator: User, placed: RosterAssignment
) -> None:
    officer = placed.officer
    actions.assignment_end(by=coordinator, assignment=placed, ends_on=date(2026, 3, 31))
    south = Squad.objects.get(name="South Precinct Day")
    actions.assignment_record(by=None, officer=officer, squad=south, starts_on=date(2026, 4, 15))
    later = actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 4, 14))
    assert later.ends_on == placed.ends_on == date(2026, 4, 14)
    with pytest.raises(ValidationError) as overlapping:
        actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 4, 20))
    assert overlapping.value.message_dict == {
        "ends_on": [f"{officer.display_name} is already in South Precinct Day from 2026-04-15."]
    }
    with pytest.raises(ValidationError) as same:
        actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 4, 14))
    assert "already ends on 2026-04-14" in same.value.message_dict["ends_on"][0]
    earlier = actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 2, 1))
    assert earlier.ends_on == date(2026, 2, 1)
    moves = AuditEvent.objects.filter(verb="assignment.end").order_by("seq")
    assert [(e.detail["previous_ends_on"], e.detail["ends_on"]) for e in moves] == [
        (None, "2026-03-31"),
        ("2026-03-31", "2026-04-14"),
        ("2026-04-14", "2026-02-01"),
    ]


def test_a_deactivated_officers_assignment_may_end_but_not_run_longer(
    coordinator: User, placed: RosterAssignment
) -> None:
    actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 3, 31))
    core_actions.user_deactivate(user=placed.officer, by=None)
    actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 3, 15))
    with pytest.raises(ValidationError) as refused:
        actions.assignment_end(by=None, assignment=placed, ends_on=date(2026, 3, 20))
    assert refused.value.message_dict == {"officer": ["this account is deactivated."]}
    placed.refresh_from_db()
    assert placed.ends_on == date(2026, 3, 15)


def test_another_agencys_assignment_answers_404_and_an_officer_may_not_end_one(
    placed: RosterAssignment,
) -> None:
    outsider = make_user(make_agency(), "cit_coordinator")
    assert _get(outsider, "training:assignment_end", assignment_id=placed.pk).status_code == 404
    assert _end(outsider, placed, "2026-03-10").status_code == 404
    with pytest.raises(ValidationError) as refused:
        actions.assignment_end(by=outsider, assignment=placed, ends_on=date(2026, 3, 10))
    assert "another agency" in refused.value.message_dict["assignment"][0]
    assert _end(placed.officer, placed, "2026-03-10").status_code == 403
    placed.refresh_from_db()
    assert placed.ends_on is None


def test_squads_hold_patrol_officers_only(coordinator: User) -> None:
    """A CIT coordinator who does not patrol is not offered, and the action refuses them; one
    who also holds the officer role (as the demo's) is in a squad like any officer."""
    roster = make_roster(coordinator.agency, date(2026, 3, 1))
    squad = roster.squads[("north", "day")]
    patrolling = make_user(coordinator.agency, "cit_coordinator", "officer")
    officers = queries.roster_choices(coordinator).officers
    assert patrolling in officers and coordinator not in officers
    with pytest.raises(ValidationError) as refused:
        actions.assignment_record(by=None, officer=coordinator, squad=squad, starts_on=TODAY)
    assert refused.value.message_dict == {
        "officer": [
            f"{coordinator.display_name} is not a patrol officer (the officer role): squads "
            "hold patrol officers only."
        ]
    }
    data = {"officer": coordinator.pk, "squad": squad.pk, "starts_on": "2026-03-03"}
    page = _post(coordinator, "training:assignment_new", data)
    assert page.status_code == 422 and list(page.context["form"].errors) == ["officer"]
    done = _post(coordinator, "training:assignment_new", {**data, "officer": patrolling.pk})
    assert done.status_code == 302
    assert list(RosterAssignment.objects.values_list("officer", flat=True)) == [patrolling.pk]
