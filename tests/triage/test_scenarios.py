"""The default rule book against a table of calls, and rules that hold for every call."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.triage.rules import CallFacts, recommend, refusal, rule_book

ALL = ["mobile_crisis", "co_responder", "cit_officer"]
BOOK = rule_book()

# (what happened, the call's facts, expected primary response, expected responses alongside)
SCENARIOS: list[tuple[str, dict[str, Any], str, set[str]]] = [
    (
        "crisis at home, every unit free",
        {"behavioural_health": True, "location_type": "residence", "available_units": ALL},
        "mobile_crisis",
        set(),
    ),
    (
        "crisis at home, nobody free",
        {"behavioural_health": True, "location_type": "residence"},
        "standard_police",
        set(),
    ),
    (
        "crisis at home, only the co-responders free",
        {"behavioural_health": True, "available_units": ["co_responder"]},
        "co_responder",
        set(),
    ),
    (
        "crisis at home, only a CIT officer free",
        {"behavioural_health": True, "available_units": ["cit_officer"]},
        "cit_officer",
        set(),
    ),
    (
        "crisis in a park",
        {"behavioural_health": True, "location_type": "public", "available_units": ALL},
        "mobile_crisis",
        set(),
    ),
    (
        "crisis in a park, nobody free",
        {"behavioural_health": True, "location_type": "public"},
        "standard_police",
        set(),
    ),
    (
        "crisis at a school, no mobile team",
        {
            "behavioural_health": True,
            "location_type": "school",
            "available_units": ["co_responder", "cit_officer"],
        },
        "co_responder",
        set(),
    ),
    (
        "crisis in a shop, co-responders only",
        {
            "behavioural_health": True,
            "location_type": "business",
            "available_units": ["co_responder"],
        },
        "co_responder",
        set(),
    ),
    (
        "person in a parked car",
        {"behavioural_health": True, "location_type": "vehicle", "available_units": ALL},
        "mobile_crisis",
        set(),
    ),
    (
        "person calls about themselves, no risk",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "location_type": "residence",
            "available_units": ALL,
        },
        "crisis_line_988",
        set(),
    ),
    (
        "person calls about themselves, thoughts of suicide",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "suicide_risk": "ideation",
            "location_type": "residence",
        },
        "crisis_line_988",
        set(),
    ),
    (
        "person calls about themselves, place unknown",
        {"behavioural_health": True, "caller_is_subject": True, "available_units": ALL},
        "crisis_line_988",
        set(),
    ),
    (
        "person calls about themselves, a plan but no means",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "suicide_risk": "plan",
            "location_type": "residence",
            "available_units": ALL,
        },
        "mobile_crisis",
        set(),
    ),
    (
        "person calls about themselves, a plan and the means",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "suicide_risk": "plan",
            "means_available": True,
            "available_units": ALL,
        },
        "co_responder",
        set(),
    ),
    (
        "person calls about themselves from a bus stop",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "location_type": "public",
            "available_units": ALL,
        },
        "mobile_crisis",
        set(),
    ),
    (
        "person calls about themselves, severely intoxicated",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "intoxication": "severe",
            "location_type": "residence",
        },
        "standard_police",
        {"ems"},
    ),
    (
        "a parent calls: son talks of suicide",
        {
            "behavioural_health": True,
            "suicide_risk": "ideation",
            "location_type": "residence",
            "available_units": ALL,
        },
        "mobile_crisis",
        set(),
    ),
    (
        "a plan with the means, nobody free",
        {"behavioural_health": True, "suicide_risk": "plan", "means_available": True},
        "standard_police",
        set(),
    ),
    (
        "a plan with the means, mobile team only",
        {
            "behavioural_health": True,
            "suicide_risk": "plan",
            "means_available": True,
            "available_units": ["mobile_crisis"],
        },
        "mobile_crisis",
        set(),
    ),
    (
        "attempt in progress, every unit free",
        {"behavioural_health": True, "suicide_risk": "attempt_in_progress", "available_units": ALL},
        "co_responder",
        {"ems"},
    ),
    (
        "attempt in progress, nobody free",
        {"behavioural_health": True, "suicide_risk": "attempt_in_progress"},
        "standard_police",
        {"ems"},
    ),
    (
        "attempt in progress with an overdose",
        {
            "behavioural_health": True,
            "suicide_risk": "attempt_in_progress",
            "medical_emergency": True,
            "available_units": ALL,
        },
        "co_responder",
        {"ems"},
    ),
    (
        "attempt in progress, CIT officer only",
        {
            "behavioural_health": True,
            "suicide_risk": "attempt_in_progress",
            "available_units": ["cit_officer", "mobile_crisis"],
        },
        "cit_officer",
        {"ems"},
    ),
    (
        "fight in progress during a crisis",
        {"behavioural_health": True, "violence_in_progress": True, "available_units": ALL},
        "cit_officer",
        set(),
    ),
    (
        "fight in progress, no CIT officer",
        {
            "behavioural_health": True,
            "violence_in_progress": True,
            "available_units": ["mobile_crisis", "co_responder"],
        },
        "standard_police",
        set(),
    ),
    (
        "knife reported",
        {"behavioural_health": True, "weapon": "reported", "available_units": ALL},
        "cit_officer",
        set(),
    ),
    (
        "gun seen and a person bleeding",
        {
            "behavioural_health": True,
            "weapon": "seen",
            "medical_emergency": True,
            "available_units": ALL,
        },
        "cit_officer",
        {"ems"},
    ),
    (
        "person calls about themselves holding a knife",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "weapon": "seen",
            "location_type": "residence",
            "available_units": ALL,
        },
        "cit_officer",
        set(),
    ),
    (
        "weapon reported during an attempt",
        {
            "behavioural_health": True,
            "weapon": "reported",
            "suicide_risk": "attempt_in_progress",
            "available_units": ALL,
        },
        "cit_officer",
        {"ems"},
    ),
    (
        "overdose, person unresponsive",
        {
            "behavioural_health": True,
            "medical_emergency": True,
            "intoxication": "severe",
            "available_units": ALL,
        },
        "ems",
        set(),
    ),
    (
        "medical emergency, no behavioural-health nexus",
        {"behavioural_health": False, "medical_emergency": True},
        "ems",
        set(),
    ),
    (
        "severely intoxicated at home",
        {
            "behavioural_health": True,
            "intoxication": "severe",
            "location_type": "residence",
            "available_units": ALL,
        },
        "mobile_crisis",
        {"ems"},
    ),
    (
        "severely intoxicated in the street, nobody free",
        {"behavioural_health": True, "intoxication": "severe", "location_type": "public"},
        "standard_police",
        {"ems"},
    ),
    (
        "intoxicated, not severely, at home",
        {
            "behavioural_health": True,
            "intoxication": "suspected",
            "location_type": "residence",
            "available_units": ALL,
        },
        "mobile_crisis",
        set(),
    ),
    (
        "shoplifting by a person in crisis",
        {
            "behavioural_health": True,
            "crime_reported": True,
            "location_type": "business",
            "available_units": ALL,
        },
        "co_responder",
        set(),
    ),
    (
        "trespass by a person in crisis, CIT officer only",
        {"behavioural_health": True, "crime_reported": True, "available_units": ["cit_officer"]},
        "cit_officer",
        set(),
    ),
    (
        "crime during a crisis, nobody free",
        {"behavioural_health": True, "crime_reported": True},
        "standard_police",
        set(),
    ),
    (
        "crisis in the jail",
        {"behavioural_health": True, "location_type": "jail", "available_units": ALL},
        "co_responder",
        set(),
    ),
    (
        "crisis in the emergency room, CIT officer only",
        {
            "behavioural_health": True,
            "location_type": "hospital",
            "available_units": ["cit_officer", "mobile_crisis"],
        },
        "cit_officer",
        set(),
    ),
    (
        "fight in the jail",
        {
            "behavioural_health": True,
            "location_type": "jail",
            "violence_in_progress": True,
            "available_units": ALL,
        },
        "cit_officer",
        set(),
    ),
    (
        "burglary, no behavioural-health nexus",
        {"behavioural_health": False, "crime_reported": True, "available_units": ALL},
        "standard_police",
        set(),
    ),
    (
        "noise complaint",
        {"behavioural_health": False, "location_type": "residence", "available_units": ALL},
        "standard_police",
        set(),
    ),
    (
        "assault, no behavioural-health nexus",
        {"behavioural_health": False, "violence_in_progress": True, "available_units": ALL},
        "cit_officer",
        set(),
    ),
    (
        "collapse in the street, no nexus, also intoxicated",
        {
            "behavioural_health": False,
            "medical_emergency": True,
            "intoxication": "severe",
            "location_type": "public",
        },
        "ems",
        set(),
    ),
    (
        "a plan with the means and an overdose",
        {
            "behavioural_health": True,
            "suicide_risk": "plan",
            "means_available": True,
            "medical_emergency": True,
            "available_units": ALL,
        },
        "co_responder",
        {"ems"},
    ),
    (
        "shoplifter in crisis collapses",
        {
            "behavioural_health": True,
            "crime_reported": True,
            "medical_emergency": True,
            "available_units": ["cit_officer"],
        },
        "cit_officer",
        {"ems"},
    ),
    (
        "person calls about themselves, thoughts of suicide and a gun at home",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "suicide_risk": "ideation",
            "means_available": True,
            "location_type": "residence",
            "available_units": ALL,
        },
        "mobile_crisis",
        set(),
    ),
    (
        "person calls about themselves, has been drinking",
        {
            "behavioural_health": True,
            "caller_is_subject": True,
            "intoxication": "suspected",
            "location_type": "residence",
            "available_units": ["co_responder"],
        },
        "co_responder",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("facts", "primary", "also"), [pytest.param(f, p, a, id=name) for name, f, p, a in SCENARIOS]
)
def test_scenario(facts: dict[str, Any], primary: str, also: set[str]) -> None:
    result = recommend(BOOK, CallFacts.model_validate(facts))
    assert (result.primary, set(result.also)) == (primary, also)
    assert result.reasons, "a recommendation always says why"
    assert result.rule_version == BOOK.version


def test_the_table_is_long_enough() -> None:
    assert len(SCENARIOS) >= 48


def test_a_passed_over_unit_is_named() -> None:
    result = recommend(BOOK, CallFacts(behavioural_health=True, available_units={"cit_officer"}))
    assert result.primary == "cit_officer"
    assert any("Not available now: Mobile crisis team" in r.text for r in result.reasons)


CALLS = st.builds(
    CallFacts,
    behavioural_health=st.booleans(),
    violence_in_progress=st.booleans(),
    weapon=st.sampled_from(["none", "reported", "seen"]),
    medical_emergency=st.booleans(),
    suicide_risk=st.sampled_from(["none", "ideation", "plan", "attempt_in_progress"]),
    means_available=st.booleans(),
    intoxication=st.sampled_from(["none", "suspected", "severe"]),
    crime_reported=st.booleans(),
    location_type=st.sampled_from(
        ["residence", "public", "business", "school", "vehicle", "jail", "hospital", "unknown"]
    ),
    caller_is_subject=st.booleans(),
    available_units=st.frozensets(st.sampled_from(ALL)),
)


@given(CALLS)
def test_every_call_gets_an_available_response_with_reasons(facts: CallFacts) -> None:
    result = recommend(BOOK, facts)
    assert result.primary in BOOK.always_available | facts.available_units
    assert result.reasons
    assert result.primary not in result.also


@given(CALLS)
def test_danger_always_brings_officers(facts: CallFacts) -> None:
    """A weapon or violence never gets a phone call or a team without police."""
    result = recommend(BOOK, facts)
    if facts.violence_in_progress or facts.weapon != "none":
        assert result.primary in {"cit_officer", "standard_police"}


@given(CALLS)
def test_a_medical_emergency_always_sends_ems(facts: CallFacts) -> None:
    result = recommend(BOOK, facts)
    if facts.medical_emergency:
        assert "ems" in {result.primary, *result.also}


@given(CALLS)
def test_a_phone_only_answer_needs_no_danger_at_all(facts: CallFacts) -> None:
    result = recommend(BOOK, facts)
    if result.primary == "crisis_line_988":
        assert facts.caller_is_subject and facts.behavioural_health
        assert facts.suicide_risk in {"none", "ideation"}
        assert not facts.means_available and facts.intoxication == "none"
        assert not (facts.violence_in_progress or facts.medical_emergency or facts.crime_reported)
        assert facts.weapon == "none"


IN_PERSON_WITH_HELP = {"co_responder", "mobile_crisis", "cit_officer", "standard_police"}


@given(CALLS)
def test_a_plan_with_the_means_always_gets_someone_in_person(facts: CallFacts) -> None:
    result = recommend(BOOK, facts)
    if facts.suicide_risk == "plan" and facts.means_available:
        assert result.primary in IN_PERSON_WITH_HELP


@given(CALLS)
def test_an_attempt_in_progress_always_sends_ems_and_someone_in_person(facts: CallFacts) -> None:
    result = recommend(BOOK, facts)
    if facts.suicide_risk == "attempt_in_progress":
        assert "ems" in result.also
        assert result.primary in IN_PERSON_WITH_HELP


@given(CALLS, st.sampled_from(sorted(BOOK.responses)))
def test_no_override_can_send_danger_without_officers(facts: CallFacts, response: str) -> None:
    problem = refusal(BOOK, facts, response)
    danger = facts.violence_in_progress or facts.weapon != "none"
    officers = response in {"cit_officer", "co_responder", "standard_police"}
    assert (problem is not None) == (danger and not officers)
