"""Illegal moves are refused clearly and change nothing; a stale version is a conflict; a
closed case takes no more work."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.core.actions import StaleVersion
from crossroads.core.models import AuditEvent
from crossroads.programs import actions
from crossroads.programs.models import Case, CaseEvent, Program
from tests.factories import make_case, signed_in_client
from tests.programs.conftest import MORNING, County

pytestmark = pytest.mark.django_db


def _written(case: Case) -> tuple[int, int, int, str]:
    case.refresh_from_db()
    return (AuditEvent.objects.count(), CaseEvent.objects.count(), case.version, case.status)


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (
            "follow_up",
            "A case that is Following up cannot become Following up: it can move to: "
            "Linked to care, Declined, Unreachable.",
        ),
        ("placed", "'placed' is not a status of CIT follow-up."),
    ],
)
def test_an_illegal_move_is_refused_clearly_and_nothing_is_written(
    county: County, cit: Program, to: str, message: str
) -> None:
    case = make_case(cit, enroller=county.coordinator)
    before = _written(case)
    with pytest.raises(ValidationError) as refused:
        actions.case_move(by=county.coordinator, case=case, to=to, expected_version=1)
    assert refused.value.message_dict == {"to": [message]}
    assert _written(case) == before


def test_a_stale_version_is_a_conflict_and_nothing_is_written(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.coordinator)
    actions.case_assign(by=county.coordinator, case=case, case_manager=county.angel)
    before = _written(case)
    with pytest.raises(StaleVersion):
        actions.case_move(by=county.coordinator, case=case, to="linked", expected_version=1)
    assert _written(case) == before


def test_only_the_programs_case_workers_move_it(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.coordinator)
    with pytest.raises(ValidationError, match="staff who work cases"):
        actions.case_move(by=county.officer, case=case, to="linked", expected_version=1)
    with pytest.raises(ValidationError, match="staff who work cases"):
        actions.case_move(by=county.lead_manager, case=case, to="linked", expected_version=1)


def test_a_closed_case_moves_no_further(county: County, cit: Program) -> None:
    case = make_case(cit, enroller=county.coordinator)
    with pytest.raises(ValidationError, match="Say why"):
        actions.case_close(by=county.coordinator, case=case, reason="  ")
    case = actions.case_close(by=county.coordinator, case=case, reason="Moved out of the county")
    assert case.closure_reason == "Moved out of the county"
    with pytest.raises(ValidationError, match="The case is closed"):
        actions.case_move(by=county.coordinator, case=case, to="linked", expected_version=2)
    with pytest.raises(ValidationError, match="The case is closed"):
        actions.case_close(by=county.coordinator, case=case, reason="Again")


def test_the_page_shows_the_refusal_beside_the_moves_and_a_conflict_as_409(
    county: County, cit: Program
) -> None:
    with time_machine.travel(MORNING, tick=False):
        case = make_case(cit, enroller=county.coordinator)
        client = signed_in_client(county.coordinator)
        url = reverse("programs:case_move", args=[case.pk])
        illegal = client.post(url, {"move-to": "follow_up", "move-version": "1"})
        actions.case_assign(by=county.coordinator, case=case, case_manager=county.angel)
        stale = client.post(url, {"move-to": "linked", "move-version": "1"})
        page = stale.content.decode()
    assert illegal.status_code == 422
    assert "cannot become Following up" in illegal.content.decode()
    assert stale.status_code == 409
    assert "This record changed since you opened it" in page
    assert 'name="move-version" value="2"' in page  # the next try starts from what is there now
    case.refresh_from_db()
    assert case.status == "follow_up"


def test_the_api_answers_a_refused_move_422_and_a_stale_one_409(
    county: County, cit: Program
) -> None:
    case = make_case(cit, enroller=county.coordinator)
    client = signed_in_client(county.coordinator)
    moves = f"/api/v1/cases/{case.pk}/moves"
    refused = client.post(
        moves, {"to": "angel", "expected_version": 1}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "to"
    stale = client.post(
        moves, {"to": "linked", "expected_version": 7}, content_type="application/json"
    )
    assert stale.status_code == 409
    unknown = client.post(
        moves, {"to": "linked", "expected_version": 1, "by": "x"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "by"
