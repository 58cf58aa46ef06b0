"""Co-responder and QRT end to end. The co-responder clinician's case runs from the request to
linked care on the case page; the QRT's post-overdose outreach runs through the JSON API:
attempts, then contact, acceptance, a referral and engagement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from crossroads.core.models import DataCategory, Task
from crossroads.programs import actions
from crossroads.programs.models import Case
from tests.factories import make_agency, make_partnership, make_program, make_user, signed_in_client
from tests.programs.conftest import MORNING, County, person_of

pytestmark = pytest.mark.django_db


def test_a_co_responder_case_runs_from_request_to_linked_care(county: County) -> None:
    provider = make_agency(type="bh_provider", name="Harbor Behavioral Health")
    clinician = make_user(provider, "clinician", username="cleo")
    make_partnership(county.police, provider, DataCategory.REFERRALS)
    program = make_program(provider, "co_responder")
    with time_machine.travel(MORNING, tick=False):
        case = actions.case_open(
            by=county.officer,
            program=program,
            person=person_of(county.officer),
            entry_path="officer_request",
            case_manager=clinician,
            at=MORNING,
        )
        client = signed_in_client(clinician)
        for step in ("on_scene", "assessed", "dispositioned", "follow_up"):
            version = Case.objects.get().version
            response = client.post(
                reverse("programs:case_move", args=[case.pk]),
                {"move-to": step, "move-version": str(version), "move-note": f"now {step}"},
            )
            assert response.status_code == 302, step
        page = client.get(reverse("programs:case_detail", args=[case.pk])).content.decode()
        assert "Move to Linked to care" in page and "Move to Unreachable" in page
        client.post(
            reverse("programs:case_move", args=[case.pk]),
            {"move-to": "linked", "move-version": "5", "move-note": "Started outpatient care."},
        )
    case.refresh_from_db()
    assert case.closed_at == MORNING and case.closure_reason == "Started outpatient care."
    assert list(case.events.filter(kind="status").values_list("value", flat=True)) == [
        "on_scene",
        "assessed",
        "dispositioned",
        "follow_up",
        "linked",
    ]
    assert case.follow_ups.count() == 3
    assert not Task.objects.filter(done_at__isnull=True).exists()


def _api(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def test_qrt_outreach_runs_through_the_api(county: County) -> None:
    qrt = make_program(county.police, "qrt")
    person = person_of(county.officer)
    with time_machine.travel(MORNING, tick=False):
        api = signed_in_client(county.angel)
        opened = _api(
            api,
            "/cases",
            {"program": str(qrt.pk), "person": str(person.pk), "entry_path": "overdose_report"},
        )
        assert opened.status_code == 201, opened.content
        body = opened.json()
    case_id = body["id"]
    assert body["status"] == "visit_scheduled" and body["next_moves"] == ["attempted", "contacted"]
    visit = next(task for task in body["tasks"] if task["title"] == "Outreach visit due")
    assert visit["due_at"].startswith((MORNING + timedelta(days=5)).date().isoformat())
    assert [f["label"] for f in body["follow_ups"]] == ["3 days", "7 days", "30 days"]
    version = body["version"]
    for day, step in enumerate(["attempted", "attempted", "contacted"], start=1):
        with time_machine.travel(MORNING + timedelta(days=day), tick=False):
            api = signed_in_client(county.angel)
            reached = step == "contacted"
            contact = _api(
                api,
                f"/cases/{case_id}/contacts",
                {
                    "at": (MORNING + timedelta(days=day)).isoformat(),
                    "method": "home_visit",
                    "reached": reached,
                },
            )
            assert contact.status_code == 201, contact.content
            moved = _api(api, f"/cases/{case_id}/moves", {"to": step, "expected_version": version})
            assert moved.status_code == 200, moved.content
            version = moved.json()["version"]
    with time_machine.travel(MORNING + timedelta(days=4), tick=False):
        api = signed_in_client(county.angel)
        for step in ("accepted", "referred", "engaged"):
            moved = _api(api, f"/cases/{case_id}/moves", {"to": step, "expected_version": version})
            assert moved.status_code == 200, moved.content
            version = moved.json()["version"]
    final = moved.json()
    assert final["status"] == "engaged" and final["closed_at"] is not None
    assert len(final["contacts"]) == 3 and final["last_reached_at"] is not None
    assert [e["value"] for e in final["events"] if e["kind"] == "status"] == [
        "attempted",
        "attempted",
        "contacted",
        "accepted",
        "referred",
        "engaged",
    ]
