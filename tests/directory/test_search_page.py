"""The "Find a place" page: filters, live capacity that goes stale, starting from an encounter."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crossroads.core.models import User
from crossroads.directory import actions
from crossroads.directory.models import ServiceAtLocation
from crossroads.encounters import actions as encounter_actions
from crossroads.encounters.models import Encounter
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records, weekly
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db
DAYTON = "45402"


@pytest.fixture
def directory() -> dict[str, Any]:
    """A crisis unit with room, a detox whose report has gone stale, an office hours clinic."""
    provider = make_agency(type="crisis_facility")
    records = Records()
    csu = records.service(
        "Alder Crisis Stabilization Unit",
        categories=["crisis-stabilisation"],
        access=["police-drop-off", "walk-in"],
    )
    csu_site = records.site(csu, lat=39.7589, lon=-84.1916, hours=[AROUND_THE_CLOCK])
    detox = records.service("Valley Detox", categories=["withdrawal-management"])
    detox_site = records.site(detox, lat=39.75, lon=-84.20, hours=[AROUND_THE_CLOCK])
    clinic = records.service("Riverside Counselling", categories=["outpatient-mental-health"])
    records.site(clinic, lat=39.76, lon=-84.19, hours=[weekly("MO", "09:00", "09:01")])
    records.load(kept_by=provider)
    intake = make_user(provider, "provider_intake")
    now = timezone.now()
    for site_id, at in (
        (csu_site, now - timedelta(minutes=30)),
        (detox_site, now - timedelta(hours=13)),
    ):
        actions.capacity_report(
            by=intake,
            site=ServiceAtLocation.objects.get(pk=site_id),
            kind="crisis_bed",
            available=3,
            total=12,
            accepting=True,
            wait_minutes=None,
            at=at,
        )
    return {"provider": provider}


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(), "officer")


def _page(client: Client, **params: Any) -> str:
    response = client.get(reverse("directory:search"), {"searched": "1", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_an_open_crisis_unit_with_room_is_found_near_a_zip(directory: Any, officer: User) -> None:
    page = _page(
        signed_in_client(officer),
        near=DAYTON,
        within_km=10,
        category="crisis-stabilisation",
        open_now="on",
        police_drop_off="on",
        has_capacity="on",
    )
    assert "Alder Crisis Stabilization Unit" in page
    assert "Room now" in page and "Open now" in page and "Police drop-off" in page
    assert "Matches: Crisis stabilisation / police drop-off, open now, room now" in page
    assert "Valley Detox" not in page and "Riverside Counselling" not in page


def test_stale_capacity_is_never_shown_as_room(directory: Any, officer: User) -> None:
    client = signed_in_client(officer)
    assert "Valley Detox" not in _page(client, near=DAYTON, has_capacity="on")
    page = _page(client, near=DAYTON, category="withdrawal-management")
    assert "Valley Detox" in page
    assert "Capacity unknown" in page and "too old to trust" in page
    assert "Room now" not in page


def test_a_bad_place_is_named_on_the_form(officer: User) -> None:
    page = _page(signed_in_client(officer), near="nowhere at all")
    error = re.search(r'<span class="usa-error-message" role="alert">([^<]+)</span>', page)
    assert error is not None and "nowhere at all" in error.group(1)
    assert "place" not in page.split('id="results"')[1]  # no results for a search not run


def test_htmx_gets_only_the_results(directory: Any, officer: User) -> None:
    response = signed_in_client(officer).get(
        reverse("directory:search"), {"near": DAYTON}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Alder Crisis Stabilization Unit" in body and "<form" not in body.split("<ol")[0]
    assert "<html" not in body


def _encounter(officer: User, **fields: Any) -> Encounter:
    return encounter_actions.encounter_submit(
        by=officer, client_key=uuid.uuid4(), occurred_at=timezone.now(), **fields
    )


def test_from_an_encounter_the_filters_follow_what_was_seen(directory: Any, officer: User) -> None:
    encounter = _encounter(
        officer,
        signs=["talks_of_dying"],
        disposition="voluntary_transport_crisis_facility",
        transport_destination="Alder CSU",
    )
    client = signed_in_client(officer)
    detail = client.get(
        reverse("encounters:encounter_detail", args=[encounter.pk])
    ).content.decode()
    assert f"{reverse('directory:search')}?encounter={encounter.pk}" in detail
    page = client.get(
        reverse("directory:search"), {"encounter": str(encounter.pk)}
    ).content.decode()
    assert "suicide risk seen" in page and "taking the person to a crisis facility" in page
    assert re.search(r'value="crisis-stabilisation"[^>]*checked', page)
    assert re.search(r'name="police_drop_off"[^>]*checked', page)
    assert not re.search(r'name="has_capacity"[^>]*checked', page)  # room is not a must
    assert "Alder Crisis Stabilization Unit" in page
    # One click refers the person of this encounter.
    assert f'name="encounter" value="{encounter.pk}"' in page and "Refer here" in page


def test_another_agencys_encounter_is_not_found(directory: Any, officer: User) -> None:
    stranger = make_user(make_agency(), "officer")
    encounter = _encounter(stranger, disposition="resolved_on_scene")
    response = signed_in_client(officer).get(
        reverse("directory:search"), {"encounter": str(encounter.pk)}
    )
    assert response.status_code == 404


def test_the_service_page_shows_places_hours_and_capacity(directory: Any, officer: User) -> None:
    page = _page(signed_in_client(officer), text="stabilization")
    service_url = page.split('href="/directory/services/')[1].split('"')[0]
    detail = signed_in_client(officer).get(f"/directory/services/{service_url}").content.decode()
    assert "Alder Crisis Stabilization Unit" in detail
    assert "Every day, 24 hours" in detail and "Accepts police drop-off" in detail
    assert (
        "1 Main St" in detail and "Crisis stabilisation bed" in detail and "3 of 12 free" in detail
    )


def test_the_folded_filters_say_what_is_chosen(directory: Any, officer: User) -> None:
    page = _page(
        signed_in_client(officer), near=DAYTON, category="crisis-stabilisation", open_now="on"
    )
    summary = re.search(r"<summary>Filters([^<]*)</summary>", page)
    assert summary is not None
    assert summary.group(1) == ": Crisis stabilisation / police drop-off, open now"
