"""A dispatcher takes a call and sees an explained recommendation; overrides need a reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crossroads.core.models import AuditEvent, DataCategory, User
from crossroads.encounters import actions
from crossroads.encounters.models import CallForService
from crossroads.triage.rules import CallFacts, rule_book
from tests.factories import make_agency, make_partnership, make_user, signed_in_client

pytestmark = pytest.mark.django_db

CALL = {
    "source": "911",
    "initial_call_type": "welfare check",
    "location": "12 Elm St",
    "beat": "B3",
    "behavioural_health": "on",
    "location_type": "residence",
    "weapon": "none",
    "suicide_risk": "none",
    "intoxication": "none",
    "available_units": ["mobile_crisis"],
}


@pytest.fixture
def dispatcher() -> User:
    return make_user(make_agency(type="dispatch_911"), "dispatcher", username="dee")


def test_the_intake_page_shows_the_recommendation_beside_the_form(dispatcher: User) -> None:
    page = signed_in_client(dispatcher).get("/calls/new/").content.decode()
    assert 'id="recommendation"' in page
    assert "Recommended:" in page and f"version {rule_book().version}" in page


def test_the_recommendation_follows_the_form(dispatcher: User) -> None:
    client = signed_in_client(dispatcher)
    preview = client.post("/calls/new/triage/", {**CALL, "weapon": "seen"}).content.decode()
    assert "Recommended: Standard police response" in preview
    assert "Violence in progress or a weapon" in preview
    preview = client.post("/calls/new/triage/", CALL).content.decode()
    assert "Recommended: Mobile crisis team" in preview


def test_taking_a_call_records_the_triage_and_audits_it(dispatcher: User) -> None:
    response = signed_in_client(dispatcher).post("/calls/new/", CALL)
    assert response.status_code == 302
    call = CallForService.objects.get()
    assert call.number.startswith("C") and call.number.endswith("-000001")
    assert call.response == "mobile_crisis" and not call.overridden
    assert call.status == CallForService.Status.TRIAGED
    assert call.recommendation["rule_version"] == rule_book().version
    event = AuditEvent.objects.get(verb="call.intake")
    assert event.detail == {
        "response": "mobile_crisis",
        "overridden": False,
        "rule_version": rule_book().version,
    }
    assert "Elm" not in json.dumps(event.detail)


def test_an_override_needs_a_reason_and_is_counted(dispatcher: User) -> None:
    client = signed_in_client(dispatcher)
    refused = client.post("/calls/new/", {**CALL, "response": "standard_police"})
    assert refused.status_code == 400
    assert "say why" in refused.content.decode()
    assert not CallForService.objects.exists()
    client.post(
        "/calls/new/",
        {
            **CALL,
            "response": "standard_police",
            "override_reason": "Caller says he has a history of assaults",
        },
    )
    call = CallForService.objects.get()
    assert call.overridden and call.override_reason.startswith("Caller says")
    listing = client.get("/calls/").content.decode()
    assert "1 call, 1 with another response than triage recommended" in listing


def test_call_numbers_run_per_agency(dispatcher: User) -> None:
    other = make_user(make_agency(type="dispatch_911"), "dispatcher")
    facts = CallFacts(behavioural_health=False)
    numbers = [
        actions.call_intake(by=user, source="911", initial_call_type="noise", facts=facts).number
        for user in (dispatcher, dispatcher, other)
    ]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000001"]


def test_a_partner_sees_the_call_and_a_stranger_gets_404(dispatcher: User) -> None:
    call = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="welfare check",
        facts=CallFacts(behavioural_health=True),
    )
    police = make_agency(type="police")
    make_partnership(
        dispatcher.agency, police, DataCategory.CALLS_AND_ENCOUNTERS, starts_on=date(2024, 1, 1)
    )
    partner_officer = make_user(police, "officer")
    stranger = make_user(make_agency(type="police"), "officer")
    assert signed_in_client(partner_officer).get(f"/calls/{call.pk}/").status_code == 200
    assert signed_in_client(stranger).get(f"/calls/{call.pk}/").status_code == 404
    assert AuditEvent.objects.filter(verb="callforservice.read", actor=partner_officer).exists()


def test_the_api_takes_a_call_once_per_idempotency_key(dispatcher: User) -> None:
    client = signed_in_client(dispatcher)
    body = {
        "source": "911",
        "initial_call_type": "person in crisis",
        "facts": {
            "behavioural_health": True,
            "caller_is_subject": True,
            "location_type": "residence",
        },
    }
    for _ in range(2):
        response = client.post(
            "/api/v1/calls", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="radio-7"
        )
        assert response.status_code == 201
    assert CallForService.objects.count() == 1
    assert response.json()["response"] == "crisis_line_988"


def test_the_api_names_a_bad_fact(dispatcher: User) -> None:
    body = {
        "source": "911",
        "initial_call_type": "x",
        "facts": {"behavioural_health": True, "mood": "sad"},
    }
    response = signed_in_client(dispatcher).post(
        "/api/v1/calls", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert "facts.mood" in {e["field"] for e in response.json()["errors"]}


def test_the_call_list_takes_a_constant_number_of_queries(dispatcher: User) -> None:
    client = signed_in_client(dispatcher)

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/calls/").status_code == 200
        return len(captured)

    for target in (5, 25):
        while CallForService.objects.count() < target:
            actions.call_intake(
                by=dispatcher,
                source="911",
                initial_call_type="noise",
                facts=CallFacts(behavioural_health=False),
            )
        if target == 5:
            few = queries_for_listing()
    assert queries_for_listing() == few


def test_an_officer_cannot_take_calls() -> None:
    officer = make_user(make_agency(type="police"), "officer")
    assert signed_in_client(officer).get("/calls/new/").status_code == 403
    assert signed_in_client(officer).get("/calls/").status_code == 200


def test_a_weapon_call_cannot_be_overridden_to_no_police(dispatcher: User) -> None:
    body = {
        "source": "911",
        "initial_call_type": "man with a knife",
        "facts": {"behavioural_health": True, "weapon": "seen"},
        "response": "mobile_crisis",
        "override_reason": ".",
    }
    response = signed_in_client(dispatcher).post(
        "/api/v1/calls", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "response"
    assert "send officers" in response.json()["detail"]
    assert not CallForService.objects.exists()


def test_a_resubmitted_intake_form_takes_one_call(dispatcher: User) -> None:
    client = signed_in_client(dispatcher)
    form = {**CALL, "client_key": "1c0ffee0-0000-4000-8000-000000000001"}
    first, again = client.post("/calls/new/", form), client.post("/calls/new/", form)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    assert CallForService.objects.count() == 1


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        ("2099-01-01T00:00:00Z", "in the future"),
        ("2026-11-26T09:30:00", "Input should have timezone info"),
    ],
)
def test_the_api_checks_when_a_call_was_received(
    dispatcher: User, received_at: str, message: str
) -> None:
    body = {
        "source": "911",
        "initial_call_type": "x",
        "received_at": received_at,
        "facts": {"behavioural_health": False},
    }
    response = signed_in_client(dispatcher).post(
        "/api/v1/calls", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert "received_at" in response.json()["detail"]


def test_the_number_follows_the_agency_year_and_outgrows_six_digits(dispatcher: User) -> None:
    agency = dispatcher.agency  # America/New_York
    new_year_local = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)  # still 2025 in New York
    call = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="noise",
        facts=CallFacts(behavioural_health=False),
        received_at=new_year_local,
    )
    assert call.number == "C25-000001"
    CallForService.objects.filter(pk=call.pk).update(sequence=999_999)
    later = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="noise",
        facts=CallFacts(behavioural_health=False),
        received_at=new_year_local,
    )
    assert later.number == "C25-1000000"
    assert agency.time_zone == "America/New_York"


def test_ems_sent_alongside_is_recorded(dispatcher: User) -> None:
    call = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="overdose with a knife",
        facts=CallFacts(behavioural_health=True, weapon="seen", medical_emergency=True),
    )
    assert (call.response, call.also_sent) == ("standard_police", ["ems"])
