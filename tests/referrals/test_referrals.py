"""Starting a referral from the directory: one click, a draft, for the agency's own encounter."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from crossroads.core.models import AuditEvent, User
from crossroads.encounters import actions as encounter_actions
from crossroads.encounters.models import Encounter
from crossroads.referrals.models import Referral
from tests.factories import make_agency, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(), "officer")


def _encounter(by: User) -> Encounter:
    return encounter_actions.encounter_submit(
        by=by,
        client_key=uuid.uuid4(),
        occurred_at=timezone.now(),
        disposition="referred_no_transport",
    )


def test_one_click_starts_a_draft_for_the_encounters_person(officer: User) -> None:
    service = make_service("Harbor Same-Day MOUD")
    encounter = _encounter(officer)
    response = signed_in_client(officer).post(
        reverse("referrals:referral_start"),
        {"service": str(service.pk), "encounter": str(encounter.pk), "need": "moud"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:referral_detail", args=[referral.pk])
    assert (referral.status, referral.need, referral.encounter_id) == (
        "draft",
        "moud",
        encounter.pk,
    )
    assert referral.agency_id == officer.agency_id and referral.created_by == officer
    assert AuditEvent.objects.filter(verb="referral.start", object_id=str(referral.pk)).count() == 1
    page = signed_in_client(officer).get(response["Location"]).content.decode()
    assert "Harbor Same-Day MOUD" in page and "Medication for opioid use disorder" in page


def test_a_missing_service_is_named_and_nothing_is_written(officer: User) -> None:
    response = signed_in_client(officer).post(reverse("referrals:referral_start"), {})
    assert response.status_code == 422
    assert "Choose a service from the directory." in response.content.decode()
    assert not Referral.objects.exists()


def test_another_agencys_encounter_cannot_be_referred(officer: User) -> None:
    stranger = make_user(make_agency(), "officer")
    response = signed_in_client(officer).post(
        reverse("referrals:referral_start"),
        {"service": str(make_service().pk), "encounter": str(_encounter(stranger).pk)},
    )
    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_a_place_must_offer_the_service(officer: User) -> None:
    response = signed_in_client(officer).post(
        reverse("referrals:referral_start"),
        {"service": str(make_service().pk), "site": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    assert "no longer in the directory" in response.content.decode()
