"""Field encounters through the API: signs from the field guide, rules of the disposition,
idempotent submit, scoping."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from crossroads.core.models import AuditEvent, DataCategory, User
from crossroads.encounters.field_guide import field_guide, load_field_guide
from crossroads.encounters.models import Encounter
from tests.factories import make_agency, make_partnership, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police"), "officer", username="ofc")


def _encounter(**changes: Any) -> dict[str, Any]:
    return {
        "client_key": str(uuid.uuid4()),
        "occurred_at": "2026-11-20T22:15:00Z",
        "signs": ["responding_to_voices", "no_sleep"],
        "deescalation": ["time_and_distance", "calm_voice"],
        "disposition": "voluntary_transport_crisis_facility",
        "transport_destination": "Alder Crisis Stabilization Unit",
        "minutes_on_scene": 35,
        "custody_transfer_minutes": 8,
        **changes,
    }


def _post(user: User, body: dict[str, Any]) -> Any:
    return signed_in_client(user).post("/api/v1/encounters", body, content_type="application/json")


def test_an_officer_records_an_encounter_with_a_person(officer: User) -> None:
    client = signed_in_client(officer)
    person = client.post(
        "/api/v1/people",
        {"given_name": "Jo", "family_name": "Rivers", "date_of_birth": "1990-04-02"},
        content_type="application/json",
    ).json()
    response = _post(officer, _encounter(person=person["id"]))
    assert response.status_code == 201
    stored = Encounter.objects.get()
    assert stored.signs == ["no_sleep", "responding_to_voices"]
    assert stored.guide_version == field_guide().version
    assert str(stored.person_id) == person["id"]
    event = AuditEvent.objects.get(verb="encounter.submit")
    assert event.detail == {
        "disposition": "voluntary_transport_crisis_facility",
        "highest_force": "none",
        "screens": [],
    }


def test_a_retried_submit_returns_the_first_record(officer: User) -> None:
    body = _encounter()
    first, again = _post(officer, body), _post(officer, body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Encounter.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"disposition": "involuntary_hold", "hold_legal_basis": ""}, "hold_legal_basis"),
        ({"transport_destination": ""}, "transport_destination"),
        ({"signs": ["looks_odd"]}, "signs"),
        ({"deescalation": ["shouting"]}, "deescalation"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at"),
        ({"minutes_on_scene": -5}, "minutes_on_scene"),
        ({"disposition": "teleported"}, "disposition"),
        ({"mood": "calm"}, "mood"),
        ({"highest_force": "unspecified"}, "highest_force"),
        ({"screens": [{"instrument": "phq2", "answers": [1]}]}, "screens[0]"),
        ({"screens": [{"instrument": "phq2", "answers": [1, 7]}]}, "screens[0]"),
        ({"screens": [{"instrument": "vibes", "answers": [1]}]}, "screens[0]"),
        ({"screens": [{"instrument": "auditc", "answers": [1, 1, 0]}]}, "screens[0]"),
    ],
)
def test_a_bad_encounter_is_refused_naming_the_field(
    officer: User, changes: dict[str, Any], field: str
) -> None:
    response = _post(officer, _encounter(**changes))
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert not Encounter.objects.exists()


def test_another_agencys_person_or_encounter_is_not_found(officer: User) -> None:
    stranger = make_user(make_agency(type="police"), "officer")
    person = (
        signed_in_client(stranger)
        .post(
            "/api/v1/people",
            {"given_name": "A", "family_name": "B"},
            content_type="application/json",
        )
        .json()
    )
    assert _post(officer, _encounter(person=person["id"])).status_code == 404
    theirs = _post(stranger, _encounter()).json()
    assert signed_in_client(officer).get(f"/api/v1/encounters/{theirs['id']}").status_code == 404


def test_a_partner_provider_sees_a_shared_encounter(officer: User) -> None:
    provider = make_agency(type="bh_provider")
    make_partnership(
        officer.agency, provider, DataCategory.CALLS_AND_ENCOUNTERS, starts_on=date(2024, 1, 1)
    )
    clinician = make_user(provider, "clinician")
    mine = _post(officer, _encounter()).json()
    assert signed_in_client(clinician).get(f"/api/v1/encounters/{mine['id']}").status_code == 200


def test_the_field_guide_is_published_and_checked(tmp_path: Any) -> None:
    guide = field_guide()
    assert {"psychosis", "suicidality", "withdrawal", "developmental_disability"} <= set(
        guide.signs
    )
    assert all(sign.cue for group in guide.signs.values() for sign in group.signs)
    bad = tmp_path / "guide.yaml"
    bad.write_text(
        "version: x\nsigns: {a: {label: A, signs: [{code: s, label: S, cue: C},"
        " {code: s, label: T, cue: D}]}}\ndeescalation: []\n"
    )
    with pytest.raises(ValueError, match="sign codes repeated"):
        load_field_guide(bad)


def test_police_see_a_screens_result_but_only_clinicians_its_answers(officer: User) -> None:
    screen = {"instrument": "phq2", "answers": [3, 2]}
    created = _post(officer, _encounter(screens=[screen])).json()
    assert created["screens"] == [
        {"instrument": "phq2", "result": created["screens"][0]["result"], "answers": None}
    ]
    assert created["screens"][0]["result"]["total"] == 5
    assert created["screens"][0]["result"]["positive"] is True
    provider = make_agency(type="bh_provider")
    make_partnership(officer.agency, provider, DataCategory.CALLS_AND_ENCOUNTERS)
    clinician = make_user(provider, "clinician", username="clin")
    path = f"/api/v1/encounters/{created['id']}"
    as_clinician = signed_in_client(clinician).get(path).json()
    as_officer = signed_in_client(officer).get(path).json()
    assert as_clinician["screens"][0]["answers"] == [3, 2]
    assert as_officer["screens"][0]["answers"] is None
    assert {k: v for k, v in as_officer.items() if k != "screens"} == {
        k: v for k, v in as_clinician.items() if k != "screens"
    }
