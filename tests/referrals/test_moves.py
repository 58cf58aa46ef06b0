"""Every move the loop does not allow, or not to this side, is refused through the API with a
422 naming `status`, and nothing is written; every allowed one goes through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossroads.core.models import Agency, AuditEvent
from crossroads.referrals.models import Referral, ReferralEvent
from crossroads.referrals.workflow import MOVES, Side, Status
from tests.factories import make_agency, make_user, signed_in_client
from tests.referrals.conftest import County

pytestmark = pytest.mark.django_db
PEOPLE_SIDES = [Side.SENDER, Side.RECEIVER]  # the system's moves are no person's to make


@pytest.fixture
def clients(county: County) -> dict[Side, Client]:
    """Both sides hold referrals.receive, so the route lets both through to the action: a
    clinician of a crisis team referring, and the program's intake."""
    crisis_team = make_agency(type=Agency.Type.BH_PROVIDER)
    county.officer = make_user(crisis_team, "clinician")
    county.person.agency = crisis_team
    county.person.save()  # set-up: the clinician's team met the person
    return {
        Side.SENDER: signed_in_client(county.officer),
        Side.RECEIVER: signed_in_client(county.intake),
    }


def _body(to: Status, version: int) -> dict[str, object]:
    return {
        "to": to.value,
        "reason": "No opening this month",
        "scheduled_for": datetime(2026, 3, 4, 14, 0, tzinfo=UTC).isoformat(),
        "expected_version": version,
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from(list(Status)),
    to=st.sampled_from(list(Status)),
    side=st.sampled_from(PEOPLE_SIDES),
)
def test_each_move_is_allowed_exactly_when_the_loop_gives_it_to_that_side(
    county: County, clients: dict[Side, Client], status: Status, to: Status, side: Side
) -> None:
    referral = county.referral_in(status, encounter=None, person=county.person)
    before = (referral.status, referral.version, referral.events.count())
    writes = AuditEvent.objects.filter(object_id=str(referral.pk)).exclude(verb="referral.read")
    audited = writes.count()
    response = clients[side].post(
        reverse("api-v1:referral_move", args=[referral.pk]),
        _body(to, referral.version),
        content_type="application/json",
    )
    if status is Status.DRAFT and side is Side.RECEIVER:
        assert response.status_code == 404  # a draft is not the provider's to see
        return
    if MOVES[status].get(to) is side:
        assert response.status_code == 200, response.json()
        assert Referral.objects.get(pk=referral.pk).status == to
        return
    assert response.status_code == 422
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == ["status"]
    assert str(status) in problem["detail"] and str(to) in problem["detail"]
    now = Referral.objects.get(pk=referral.pk)
    assert (now.status, now.version, ReferralEvent.objects.filter(referral=now).count()) == before
    assert writes.count() == audited


def test_an_illegal_move_names_what_is_possible(
    county: County, clients: dict[Side, Client]
) -> None:
    referral = county.referral_in("completed", encounter=None, person=county.person)
    response = clients[Side.RECEIVER].post(
        reverse("api-v1:referral_move", args=[referral.pk]),
        _body(Status.ACCEPTED, referral.version),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "status: A completed referral cannot become accepted (possible: none: the referral is "
        "closed)."
    )


def test_the_model_and_the_workflow_name_the_same_statuses() -> None:
    """Referral.Status carries the labels; workflow.Status the moves: they must not drift."""
    assert set(Referral.Status.values) == {status.value for status in Status}
