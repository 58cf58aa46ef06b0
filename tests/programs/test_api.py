"""The JSON twins: enrol (a known person, an encounter's person, or someone new), answer the
checklist, log contacts, add goals, record conferences, close, and read the caseload; every
refusal a 422 naming its field."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from crossroads.encounters import actions as encounter_actions
from crossroads.programs.models import Case, Program
from tests.factories import make_agency, make_program, signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json")


@time_machine.travel(MORNING, tick=False)
def test_an_officer_enrols_the_person_of_an_encounter(county: County, cit: Program) -> None:
    person = person_of(county.officer)
    encounter = encounter_actions.encounter_submit(
        by=county.officer,
        client_key=uuid.uuid4(),
        occurred_at=MORNING - timedelta(hours=1),
        disposition="referred_no_transport",
        person=person,
    )
    response = _post(
        signed_in_client(county.officer),
        "/cases",
        {"program": str(cit.pk), "encounter": str(encounter.pk), "entry_path": "encounter"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == {"id": str(person.pk), "given_name": "Sam", "family_name": "Rivera"}
    assert body["follow_ups"][0]["due_at"].startswith("2026-03-04T13:00")
    assert Case.objects.get().encounter == encounter


@time_machine.travel(MORNING, tick=False)
def test_a_peer_enrols_someone_new_and_works_the_case(county: County, cit: Program) -> None:
    client = signed_in_client(county.angel)
    opened = _post(
        client,
        "/cases",
        {
            "program": str(cit.pk),
            "entry_path": "officer_referral",
            "new_person": {"given_name": "Rae", "family_name": "Moss"},
        },
    )
    assert opened.status_code == 201, opened.content
    case_id = opened.json()["id"]
    assert opened.json()["case_manager"] == str(county.angel.pk)
    goal = _post(client, f"/cases/{case_id}/goals", {"text": "Get an ID card"})
    assert goal.status_code == 201 and goal.json()["goals"][0]["text"] == "Get an ID card"
    conference = _post(
        client,
        f"/cases/{case_id}/conferences",
        {
            "held_at": MORNING.isoformat(),
            "attendees": ["Angela (peer)", "Carmen (CIT coordinator)"],
            "decisions": "Weekly check-ins.",
        },
    )
    assert conference.status_code == 201
    assert conference.json()["conferences"][0]["attendees"] == [
        "Angela (peer)",
        "Carmen (CIT coordinator)",
    ]
    follow_up = conference.json()["follow_ups"][0]["id"]
    contact = _post(
        client,
        f"/cases/{case_id}/contacts",
        {"at": MORNING.isoformat(), "method": "phone", "reached": True, "follow_up": follow_up},
    )
    assert contact.json()["follow_ups"][0]["outcome"] == "reached"
    closed = _post(client, f"/cases/{case_id}/close", {"reason": "Moved away"})
    assert closed.status_code == 200 and closed.json()["closure_reason"] == "Moved away"
    assert closed.json()["next_moves"] == []


@time_machine.travel(MORNING, tick=False)
def test_refusals_name_the_field(county: County, cit: Program) -> None:
    client = signed_in_client(county.coordinator)
    person = person_of(county.officer)

    def problem(path: str, body: dict[str, Any]) -> list[str]:
        response = _post(client, path, body)
        assert response.status_code == 422, response.content
        return [error["field"] for error in response.json()["errors"]]

    base = {"program": str(cit.pk), "person": str(person.pk)}
    assert problem("/cases", {**base, "entry_path": "walk_in"}) == ["entry_path"]
    assert problem("/cases", {**base, "entry_path": "encounter", "colour": 1}) == ["colour"]
    unrelated = make_program(make_agency(type="community_org"), "lead")  # no partnership
    assert problem("/cases", {"program": str(unrelated.pk), "entry_path": "x"}) == ["program"]
    assert problem("/cases", {"program": str(cit.pk), "entry_path": "encounter"}) == ["person"]
    case_id = _post(client, "/cases", {**base, "entry_path": "encounter"}).json()["id"]
    assert problem(f"/cases/{case_id}/goals", {"text": " "}) == ["text"]
    assert problem(
        f"/cases/{case_id}/conferences",
        {"held_at": MORNING.isoformat(), "attendees": [" "], "decisions": "x"},
    ) == ["attendees"]
    assert problem(
        f"/cases/{case_id}/contacts",
        {"at": (MORNING + timedelta(days=1)).isoformat(), "method": "phone", "reached": False},
    ) == ["at"]
    assert problem(f"/cases/{case_id}/eligibility", {"item": "warrant", "answer": True}) == ["item"]
    assert problem(f"/cases/{case_id}/close", {"reason": ""}) == ["reason"]


def test_the_caseload_api_lists_the_buckets(county: County, cit: Program) -> None:
    with time_machine.travel(MORNING, tick=False):
        _post(
            signed_in_client(county.coordinator),
            "/cases",
            {
                "program": str(cit.pk),
                "person": str(person_of(county.officer).pk),
                "entry_path": "encounter",
            },
        )
    with time_machine.travel(MORNING + timedelta(days=8), tick=False):
        client = signed_in_client(county.coordinator)
        mine = client.get("/api/v1/caseload").json()
        refused = signed_in_client(county.angel).get("/api/v1/caseload?everyone=true")
    assert [row["what"] for row in mine["overdue"]] == ["24 hours follow-up", "7 days follow-up"]
    assert [row["what"] for row in mine["not_reached"]] == ["Not reached in 7 days"]
    assert mine["due_today"] == [] and mine["everyone"] is False
    assert mine["unassigned"] == []  # the coordinator manages the case it opened
    assert refused.status_code == 403


def test_the_schema_publishes_the_programs_operations() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    tagged = {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if "programs" in operation.get("tags", [])
    }
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/caseload"} <= tagged
