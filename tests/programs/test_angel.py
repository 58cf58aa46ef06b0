"""Angel / PAARI walk-in end to end: the person walks in, the officer screens them (each
Gloucester exclusion makes them ineligible), an angel volunteer finds a placement within hours,
then follows up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.people.models import Person
from crossroads.programs import actions
from crossroads.programs.models import Case, Program
from tests.factories import make_program, signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db
CLEAR = {"warrant": False, "officer_safety": False, "minor_without_guardian": False}


@pytest.fixture
def angel(county: County) -> Program:
    return make_program(county.police, "angel")


def _walk_in(county: County, angel: Program, answers: dict[str, bool | None]) -> Case:
    return actions.case_open(
        by=county.officer,
        program=angel,
        person=person_of(county.officer),
        entry_path="walk_in",
        eligibility=answers,
        case_manager=county.angel,
        at=MORNING,
    )


@pytest.mark.parametrize("exclusion", ["warrant", "officer_safety", "minor_without_guardian"])
@time_machine.travel(MORNING, tick=False)
def test_each_exclusion_makes_the_person_ineligible(
    county: County, angel: Program, exclusion: str
) -> None:
    case = _walk_in(county, angel, {**CLEAR, "medical_cleared": True, exclusion: True})
    with pytest.raises(ValidationError, match=r"checklist decides this step: .* Ineligible"):
        actions.case_move(by=county.angel, case=case, to="eligible", expected_version=1)
    case = actions.case_move(by=county.angel, case=case, to="ineligible", expected_version=1)
    assert case.closed_at == MORNING and case.closure_reason == "Ineligible"


@time_machine.travel(MORNING, tick=False)
def test_medical_needs_come_first(county: County, angel: Program) -> None:
    case = _walk_in(county, angel, {**CLEAR, "medical_cleared": False})
    case = actions.case_move(by=county.angel, case=case, to="ineligible", expected_version=1)
    assert case.status == "ineligible"


@time_machine.travel(MORNING, tick=False)
def test_an_unanswered_item_leaves_the_step_undecided(county: County, angel: Program) -> None:
    case = _walk_in(county, angel, {"warrant": False, "medical_cleared": True})
    with pytest.raises(ValidationError, match="not complete: Officer-safety concern; Under 18"):
        actions.case_move(by=county.angel, case=case, to="eligible", expected_version=1)


def test_placement_within_hours_then_follow_up(county: County, angel: Program) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = _walk_in(county, angel, {**CLEAR, "medical_cleared": True})
        case = actions.case_move(by=county.angel, case=case, to="eligible", expected_version=1)
        case = actions.case_move(
            by=county.angel, case=case, to="placement_search", expected_version=case.version
        )
    with time_machine.travel(MORNING + timedelta(hours=3), tick=False):
        with pytest.raises(ValidationError, match="Choose the kind of placement"):
            actions.case_move(by=county.angel, case=case, to="placed", expected_version=3)
        case = actions.case_move(
            by=county.angel, case=case, to="placed", placement_type="detox", expected_version=3
        )
    assert case.placed_at is not None and case.placed_at - case.opened_at == timedelta(hours=3)
    assert case.placement_type == "detox" and case.closed_at is None
    with time_machine.travel(MORNING + timedelta(days=31), tick=False):
        case = actions.case_move(by=county.angel, case=case, to="follow_up", expected_version=4)
        case = actions.case_move(
            by=county.angel, case=case, to="follow_up_done", expected_version=5
        )
    assert case.closure_reason == "Follow-up complete"


def test_a_walk_in_is_enrolled_on_the_page_and_placed_by_its_buttons(
    county: County, angel: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        officer = signed_in_client(county.officer)
        start = officer.get(reverse("programs:case_new")).content.decode()
        step_two = officer.get(reverse("programs:case_new"), {"program": str(angel.pk)})
        enrolled = officer.post(
            reverse("programs:case_new"),
            {
                "program": str(angel.pk),
                "given_name": "Dana",
                "family_name": "Lowe",
                "entry_path": "walk_in",
                "item-warrant": "no",
                "item-officer_safety": "no",
                "item-minor_without_guardian": "no",
                "item-medical_cleared": "yes",
            },
        )
    assert 'for="id_program"' in start and angel.name in start
    form = step_two.content.decode()
    assert "Outstanding warrant" in form and "Walked in and asked for help" in form
    assert 'for="id_given_name"' in form
    case = Case.objects.get()
    assert Person.objects.get(pk=case.person_id).agency == county.police
    # The officer does not work the station's cases: the angel takes them from here.
    assert enrolled.status_code == 302 and case.case_manager is None
    with time_machine.travel(MORNING + timedelta(minutes=20), tick=False):
        volunteer = signed_in_client(county.angel)
        page = volunteer.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
        assert "Move to Eligible" in page and "Move to Ineligible" not in page
        for step in ("eligible", "placement_search"):
            volunteer.post(
                reverse("programs:case_move", args=[case.pk]),
                {"move-to": step, "move-version": str(Case.objects.get().version)},
            )
        page = volunteer.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
        assert "Kind of placement" in page and "Move to Placed" in page
        refused = volunteer.post(
            reverse("programs:case_move", args=[case.pk]),
            {"move-to": "placed", "move-version": "3"},
        )
        placed = volunteer.post(
            reverse("programs:case_move", args=[case.pk]),
            {"move-to": "placed", "move-version": "3", "move-placement_type": "residential"},
        )
    assert refused.status_code == 422
    assert "Choose the kind of placement" in refused.content.decode()
    assert placed.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.placement_type) == ("placed", "residential")
