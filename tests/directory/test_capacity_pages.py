"""The capacity board, a site's history, and their JSON twins: one screen to report, errors on
the field, another agency's site 404, a role without the permission 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from crossroads.core import actions as core_actions
from crossroads.core.models import User
from crossroads.directory import actions
from crossroads.directory.models import CapacityReport, ServiceAtLocation
from tests.factories import make_agency, make_site, make_user, signed_in_client

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"


@pytest.fixture
def intake() -> User:
    agency = make_agency(type="crisis_facility", time_zone="America/Chicago")
    return make_user(agency, "provider_intake", username="ines")


@pytest.fixture
def site(intake: User) -> ServiceAtLocation:
    return make_site("Harbor Crisis Stabilization", agency=intake.agency, location_name="Pier St")


def form(site: ServiceAtLocation, **given: str) -> dict[str, str]:
    values = {"kind": "crisis_bed", "available": "3", "total": "8", "accepting": "yes"}
    return {f"site-{site.pk.hex}-{name}": value for name, value in {**values, **given}.items()}


def test_the_board_shows_each_site_its_state_and_who_reported(
    intake: User, site: ServiceAtLocation
) -> None:
    with time_machine.travel(MORNING - timedelta(hours=3), tick=False):
        actions.capacity_report(
            by=intake,
            site=site,
            kind="withdrawal_bed",
            available=0,
            total=6,
            accepting=False,
            wait_minutes=90,
        )
    with time_machine.travel(MORNING, tick=False):
        page = signed_in_client(intake).get("/directory/capacity/").content.decode()
    assert "Harbor Crisis Stabilization" in page and "Pier St" in page
    assert "cr-state--full" in page and "0 of 6 open" in page
    assert f"reported 3\xa0hours ago (26 Nov 00:00) by {intake.display_name}" in page
    assert 'for="id_site-' in page  # every field has its label
    assert "12 hours" in page


def test_reporting_without_javascript_saves_and_comes_back_to_the_site(
    intake: User, site: ServiceAtLocation
) -> None:
    client = signed_in_client(intake)
    response = client.post(f"/directory/capacity/{site.pk}/report/", form(site, note="call first"))
    assert response.status_code == 302
    assert response["Location"] == f"/directory/capacity/#site-{site.pk}"
    saved = CapacityReport.objects.get()
    assert (saved.available, saved.total, saved.accepting, saved.note) == (3, 8, True, "call first")
    page = client.get(response["Location"]).content.decode()
    assert "Capacity saved." in page and "cr-state--open" in page


def test_reporting_with_htmx_answers_the_site_panel(intake: User, site: ServiceAtLocation) -> None:
    response = signed_in_client(intake).post(
        f"/directory/capacity/{site.pk}/report/", form(site), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["X-Crossroads-Fragment"] == "1"
    panel = response.content.decode()
    assert "<html" not in panel and "Saved at" in panel and "3 of 8 open" in panel


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_report_shows_the_error_on_its_field(
    intake: User, site: ServiceAtLocation, htmx: bool
) -> None:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = signed_in_client(intake).post(
        f"/directory/capacity/{site.pk}/report/", form(site, available="9"), **headers
    )
    assert response.status_code == (200 if htmx else 400)  # htmx swaps the panel in either way
    page = response.content.decode()
    assert "cannot be more than the total (8)." in page
    assert f'id="id_site-{site.pk.hex}-available_error"' in page
    missing = signed_in_client(intake).post(
        f"/directory/capacity/{site.pk}/report/", form(site, accepting=""), **headers
    )
    assert "Say whether you are taking new people now." in missing.content.decode()
    assert not CapacityReport.objects.exists()


def test_another_agency_gets_404_and_a_role_without_the_permission_403(
    site: ServiceAtLocation,
) -> None:
    stranger = signed_in_client(make_user(make_agency(type="crisis_facility"), "provider_intake"))
    assert stranger.post(f"/directory/capacity/{site.pk}/report/", form(site)).status_code == 404
    assert stranger.get(f"/directory/capacity/{site.pk}/history/").status_code == 404
    assert "Harbor" not in stranger.get("/directory/capacity/").content.decode()
    peer = signed_in_client(make_user(make_agency(type="community_org"), "peer"))
    assert peer.get("/directory/capacity/").status_code == 403
    assert not CapacityReport.objects.exists()


def test_the_history_lists_every_report_newest_first(intake: User, site: ServiceAtLocation) -> None:
    for hours, available in ((5, 4), (2, 1)):
        with time_machine.travel(MORNING - timedelta(hours=hours), tick=False):
            actions.capacity_report(
                by=intake,
                site=site,
                kind="crisis_bed",
                available=available,
                total=8,
                accepting=True,
                wait_minutes=None,
            )
    with time_machine.travel(MORNING, tick=False):
        page = signed_in_client(intake).get(f"/directory/capacity/{site.pk}/history/")
    rows = page.content.decode().split("<tbody>")[1]
    assert rows.index("26 Nov 2026 01:00") < rows.index("25 Nov 2026 22:00")  # Chicago time


def bearer(user: User) -> dict[str, str]:
    _token, secret = core_actions.api_token_create(by=user, name="bed board")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(user: User, url: str, body: dict[str, Any]) -> Any:
    return Client().post(url, body, content_type="application/json", **bearer(user))


def test_the_api_takes_a_report_and_answers_the_site_now(
    intake: User, site: ServiceAtLocation
) -> None:
    url = f"/api/v1/directory/sites/{site.pk}/capacity"
    with time_machine.travel(MORNING, tick=False):
        response = post(intake, url, {"kind": "crisis_bed", "available": 1, "accepting": True})
    assert response.status_code == 201
    body = response.json()
    assert body["max_age_hours"] == 12
    assert body["current"] == [
        {
            "kind": "crisis_bed",
            "available": 1,
            "total": None,
            "accepting": True,
            "wait_minutes": None,
            "note": "",
            "reported_at": "2026-11-26T09:00:00Z",
            "state": "open",
        }
    ]
    dispatcher = make_user(make_agency(type="dispatch_911"), "dispatcher")
    with time_machine.travel(MORNING + timedelta(hours=13), tick=False):
        read = Client().get(url, **bearer(dispatcher))
    assert read.status_code == 200
    assert read.json()["current"][0]["state"] == "unknown"
    assert len(read.json()["history"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "crisis_bed", "available": 5, "total": 2, "accepting": True}, "available"),
        (
            {"kind": "crisis_bed", "accepting": True, "reported_at": "2099-01-01T00:00Z"},
            "reported_at",
        ),
        ({"kind": "hammock", "accepting": True}, "kind"),
        ({"kind": "crisis_bed"}, "accepting"),
        ({"kind": "crisis_bed", "accepting": True, "beds": 3}, "beds"),
    ],
)
def test_the_api_refuses_a_bad_report_naming_the_field(
    intake: User, site: ServiceAtLocation, body: dict[str, Any], field: str
) -> None:
    response = post(intake, f"/api/v1/directory/sites/{site.pk}/capacity", body)
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not CapacityReport.objects.exists()


def test_the_api_answers_404_for_another_agencys_site(site: ServiceAtLocation) -> None:
    stranger = make_user(make_agency(type="crisis_facility"), "provider_intake")
    body = {"kind": "crisis_bed", "accepting": True}
    response = post(stranger, f"/api/v1/directory/sites/{site.pk}/capacity", body)
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_a_batch_is_recorded_whole_or_refused_naming_the_reading(
    intake: User, site: ServiceAtLocation
) -> None:
    good = {"site": str(site.pk), "kind": "crisis_bed", "accepting": True}
    with time_machine.travel(MORNING, tick=False):
        readings = [
            {**good, "available": 2, "reported_at": "2026-11-26T07:00:00Z"},
            {**good, "available": 1, "reported_at": "2026-11-26T08:00:00Z"},
        ]
        response = post(intake, "/api/v1/directory/capacity", {"readings": readings})
        assert response.status_code == 201 and response.json() == {"recorded": 2}
        readings[1]["total"] = 0
        refused = post(intake, "/api/v1/directory/capacity", {"readings": readings})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "readings[1].available", "message": "cannot be more than the total (0)."}
    ]
    assert CapacityReport.objects.count() == 2
