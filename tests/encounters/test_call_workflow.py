"""A call's steps after triage: who sent whom, whether they were CIT-certified then, and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from crossroads.core.models import AuditEvent, DataCategory, User
from crossroads.encounters import actions
from crossroads.encounters.models import CallForService, CallUnit
from crossroads.training.models import CIT, Certification
from crossroads.triage.rules import CallFacts
from tests.factories import make_agency, make_partnership, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> dict[str, Any]:
    """A 911 centre that sends its calls to a police department, two officers there (one CIT)."""
    centre, police = make_agency(type="dispatch_911"), make_agency(type="police")
    make_partnership(centre, police, DataCategory.CALLS_AND_ENCOUNTERS)
    dispatcher = make_user(centre, "dispatcher", username="disp")
    cit, other = (make_user(police, "officer", username=name) for name in ("cit", "plain"))
    today = timezone.localdate()
    Certification.objects.create(
        agency=police,
        officer=cit,
        course=CIT,
        issued_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=30),
    )
    call = actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="Welfare check",
        facts=CallFacts(behavioural_health=True),
        received_at=timezone.now() - timedelta(minutes=30),
    )
    return {"dispatcher": dispatcher, "cit": cit, "other": other, "call": call, "police": police}


def _advance(user: User, call: CallForService, **body: Any) -> Any:
    body.setdefault("expected_version", CallForService.objects.get(pk=call.pk).version)
    return signed_in_client(user).post(
        f"/api/v1/calls/{call.pk}/advance", body, content_type="application/json"
    )


def test_a_call_runs_its_workflow_with_who_and_when_for_each_step(scene: dict[str, Any]) -> None:
    call, dispatcher = scene["call"], scene["dispatcher"]
    officers = [str(scene["cit"].pk), str(scene["other"].pk)]
    sent = _advance(dispatcher, call, to="dispatched", officers=officers)
    assert sent.status_code == 200, sent.json()
    assert sorted(u["cit_certified"] for u in sent.json()["units"]) == [False, True]
    assert _advance(scene["cit"], call, to="on_scene").status_code == 200
    done = _advance(scene["cit"], call, to="dispositioned", final_call_type="Suicidal person")
    assert done.json()["final_call_type"] == "Suicidal person"
    assert (
        _advance(scene["cit"], call, to="follow_up_queued", note="CIT follow-up").status_code == 200
    )
    closed = _advance(dispatcher, call, to="closed").json()
    assert [step["status"] for step in closed["steps"]] == [
        "triaged",
        "dispatched",
        "on_scene",
        "dispositioned",
        "follow_up_queued",
        "closed",
    ]
    assert closed["steps"][2]["by"] == str(scene["cit"].pk)
    stored = CallForService.objects.get(pk=call.pk)
    assert stored.dispatched_at <= stored.arrived_at <= stored.cleared_at  # type: ignore[operator]
    assert AuditEvent.objects.filter(verb="call.advance", object_id=str(call.pk)).count() == 5


def test_the_unit_keeps_the_certification_it_had_when_sent(scene: dict[str, Any]) -> None:
    _advance(scene["dispatcher"], scene["call"], to="dispatched", officers=[str(scene["cit"].pk)])
    Certification.objects.filter(officer=scene["cit"]).update(
        issued_on=date(2019, 1, 1), expires_on=date(2020, 1, 1)
    )
    assert CallUnit.objects.get().cit_certified is True


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"to": "closed"}, "to", "a triaged call cannot become 'closed'"),
        ({"to": "dispatched"}, "officers", "name the officers sent"),
        ({"to": "dispositioned"}, "final_call_type", "give the call type"),
        ({"to": "dispatched", "at": "2001-01-01T00:00Z"}, "at", "before the call's last step"),
    ],
)
def test_a_wrong_step_is_refused_naming_the_field(
    scene: dict[str, Any], body: dict[str, Any], field: str, message: str
) -> None:
    body.setdefault("officers", [str(scene["cit"].pk)] if "at" in body else [])
    answer = _advance(scene["dispatcher"], scene["call"], **body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    assert message in answer.json()["detail"]
    assert CallForService.objects.get(pk=scene["call"].pk).status == "triaged"


def test_only_officers_the_centre_sends_to_can_be_dispatched(scene: dict[str, Any]) -> None:
    stranger = make_user(make_agency(type="police"), "officer", username="far")
    answer = _advance(
        scene["dispatcher"], scene["call"], to="dispatched", officers=[str(stranger.pk)]
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "officers"
    assert not CallUnit.objects.exists()


def test_a_step_on_a_call_that_moved_on_is_a_conflict(scene: dict[str, Any]) -> None:
    first = _advance(scene["dispatcher"], scene["call"], to="dispositioned", final_call_type="x")
    assert first.status_code == 200
    stale = _advance(
        scene["dispatcher"],
        scene["call"],
        to="dispositioned",
        final_call_type="y",
        expected_version=1,
    )
    assert stale.status_code == 409


def test_the_call_page_records_the_next_step(scene: dict[str, Any]) -> None:
    client = signed_in_client(scene["dispatcher"])
    call = scene["call"]
    page = client.get(f"/calls/{call.pk}/")
    assert "Next step" in page.content.decode() and "CIT-certified now" in page.content.decode()
    answer = client.post(
        f"/calls/{call.pk}/advance/",
        {"to": "dispatched", "officers": [scene["cit"].pk], "version": call.version},
    )
    assert answer.status_code == 302
    shown = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Dispatched" in shown and "CIT-certified" in shown
    refused = client.post(
        f"/calls/{call.pk}/advance/", {"to": "closed", "version": call.version + 1}
    )
    assert refused.status_code == 400
    assert (
        "cannot become" in refused.content.decode()
        or "Select a valid choice" in refused.content.decode()
    )


def test_an_agency_triages_with_its_own_rule_book(scene: dict[str, Any]) -> None:
    sheriff = make_agency(type="sheriff", triage_rule_book="rural-sheriff")
    deputy_dispatcher = make_user(sheriff, "dispatcher", username="sodisp")
    call = actions.call_intake(
        by=deputy_dispatcher,
        source="911",
        initial_call_type="Person in crisis",
        facts=CallFacts(behavioural_health=True, available_units=["cit_officer"]),
    )
    assert call.response == "cit_officer"
    assert call.recommendation["rule_version"].startswith("alder-rural-sheriff")  # type: ignore[index]
    urban = actions.call_intake(
        by=scene["dispatcher"],
        source="911",
        initial_call_type="Person in crisis",
        facts=CallFacts(behavioural_health=True, available_units=["cit_officer", "mobile_crisis"]),
    )
    assert urban.response == "mobile_crisis"


def test_responders_correct_the_crisis_flag_when_dispositioning(scene: dict[str, Any]) -> None:
    call = scene["call"]
    officers = [str(scene["cit"].pk)]
    early = _advance(
        scene["dispatcher"], call, to="dispatched", officers=officers, behavioural_health=False
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "behavioural_health"
    assert not CallUnit.objects.exists()
    answer = _advance(
        scene["dispatcher"],
        call,
        to="dispositioned",
        final_call_type="Noise",
        behavioural_health=False,
    )
    assert (answer.json()["behavioural_health"], answer.json()["flag_set_by"]) == (False, "officer")


def _queries_of(fn: Callable[[], object]) -> int:
    """Statements run by fn (a wrapper sees every one, whatever DEBUG's query log keeps)."""
    count = 0

    def counted(execute: Any, *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    with connection.execute_wrapper(counted):
        fn()
    return count


def test_the_call_list_costs_the_same_queries_for_one_call_or_many(
    scene: dict[str, Any],
) -> None:
    client = signed_in_client(scene["dispatcher"])
    _advance(scene["dispatcher"], scene["call"], to="dispatched", officers=[str(scene["cit"].pk)])
    one = _queries_of(lambda: client.get("/api/v1/calls"))
    for _ in range(4):
        call = actions.call_intake(
            by=scene["dispatcher"],
            source="911",
            initial_call_type="Welfare check",
            facts=CallFacts(behavioural_health=True),
        )
        _advance(scene["dispatcher"], call, to="dispatched", officers=[str(scene["other"].pk)])
    listed: list[dict[str, Any]] = []
    five = _queries_of(lambda: listed.extend(client.get("/api/v1/calls").json()))
    assert five == one
    assert len(listed) == 5 and all(len(c["units"]) == 1 and c["steps"] for c in listed)
