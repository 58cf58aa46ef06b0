"""Partnerships scope what flows between agencies; an expired one stops the flow."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from crossroads.core import access, actions
from crossroads.core.actions import Flow
from crossroads.core.models import DataCategory
from tests.factories import make_agency, make_partnership, make_user

pytestmark = pytest.mark.django_db
ENCOUNTERS = DataCategory.CALLS_AND_ENCOUNTERS


@pytest.fixture
def agencies() -> tuple:
    police, provider = make_agency(type="police"), make_agency(type="bh_provider")
    return police, provider, make_user(police, "officer"), make_user(provider, "clinician")


def test_own_agency_always_sees_its_own(agencies: tuple) -> None:
    police, _provider, officer, _clinician = agencies
    access.require_flow(officer, owner_agency_id=police.pk, category=ENCOUNTERS)


def test_data_flows_only_the_declared_way(agencies: tuple) -> None:
    police, provider, officer, clinician = agencies
    make_partnership(police, provider, ENCOUNTERS)
    access.require_flow(clinician, owner_agency_id=police.pk, category=ENCOUNTERS)
    with pytest.raises(Http404):  # the reverse direction was not agreed
        access.require_flow(officer, owner_agency_id=provider.pk, category=ENCOUNTERS)
    with pytest.raises(Http404):  # nor another category
        access.require_flow(
            clinician, owner_agency_id=police.pk, category=DataCategory.SCREENING_RESULTS
        )


def test_an_expired_partnership_stops_the_flow(agencies: tuple) -> None:
    police, provider, _officer, clinician = agencies
    make_partnership(
        police, provider, ENCOUNTERS, starts_on=date(2024, 1, 1), ends_on=date(2025, 6, 30)
    )
    access.require_flow(
        clinician, owner_agency_id=police.pk, category=ENCOUNTERS, on=date(2025, 6, 30)
    )
    with pytest.raises(Http404):
        access.require_flow(
            clinician, owner_agency_id=police.pk, category=ENCOUNTERS, on=date(2025, 7, 1)
        )


def test_ending_a_partnership_stops_the_flow_the_next_day(agencies: tuple) -> None:
    police, provider, _officer, clinician = agencies
    mou = make_partnership(police, provider, ENCOUNTERS)
    with time_machine.travel(date(2026, 3, 1)):
        actions.partnership_end(partnership=mou, by=None, on=date(2026, 3, 1))
        access.require_flow(clinician, owner_agency_id=police.pk, category=ENCOUNTERS)
    with time_machine.travel(date(2026, 3, 2)), pytest.raises(Http404):
        access.require_flow(clinician, owner_agency_id=police.pk, category=ENCOUNTERS)


def test_a_partnership_not_yet_started_shares_nothing(agencies: tuple) -> None:
    police, provider, _officer, clinician = agencies
    make_partnership(police, provider, ENCOUNTERS, starts_on=date(2030, 1, 1))
    with pytest.raises(Http404):
        access.require_flow(
            clinician, owner_agency_id=police.pk, category=ENCOUNTERS, on=date(2029, 12, 31)
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": date(2023, 1, 1)}, "ends_on"),
        ({"flows": "outsider"}, "flows"),
        ({"parties": "one"}, "parties"),
    ],
)
def test_bad_partnerships_are_refused_naming_the_field(
    agencies: tuple, change: dict, field: str
) -> None:
    police, provider, _o, _c = agencies
    parties = [police] if change.get("parties") == "one" else [police, provider]
    flows = [Flow(police, make_agency() if change.get("flows") else provider, ENCOUNTERS)]
    with pytest.raises(ValidationError) as refused:
        actions.partnership_create(
            by=None,
            name="Bad MOU",
            parties=parties,
            flows=flows,
            starts_on=date(2024, 1, 1),
            ends_on=change.get("ends_on") if isinstance(change.get("ends_on"), date) else None,
        )
    assert field in refused.value.message_dict


def test_part2_flag_only_on_care_providers() -> None:
    with pytest.raises(ValidationError) as refused:
        make_agency(type="police", part2_program=True)
    assert "part2_program" in refused.value.message_dict
    assert make_agency(type="sud_treatment", part2_program=True).part2_program
