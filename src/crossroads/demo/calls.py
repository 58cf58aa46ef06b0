"""A month of synthetic calls for the county's 911 centre, taken through the real intake.

Rates follow DOMAIN.md: about one call in ten has a behavioural-health nexus; call-takers
override the triage recommendation now and then, always with a reason.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from crossroads.core.models import User
from crossroads.demo.alder import BEHAVIOURAL_HEALTH_SHARE, STREETS
from crossroads.encounters import actions
from crossroads.triage.rules import CallFacts, recommend, refusal, rule_book

OVERRIDE_SHARE = 0.1
CRISIS_CALL_TYPES = [
    "Person in crisis",
    "Suicidal person",
    "Welfare check",
    "Overdose",
    "Intoxicated person",
    "Disturbance (mental health)",
]
OTHER_CALL_TYPES = [
    "Noise complaint",
    "Traffic collision",
    "Burglary report",
    "Theft",
    "Suspicious vehicle",
    "Alarm",
    "Disturbance",
    "Assault",
    "Parking",
]
# Why a call-taker sent another response than the one triage recommended, by what was
# recommended: (the response sent instead, the reasons a call-taker gives for it). EMS, 988 and
# a CIT officer are never overridden in the demo.
OVERRIDES = {
    "mobile_crisis": (
        "standard_police",
        [
            "Mobile crisis team is 40 minutes out; an officer is two blocks away.",
            "Caller reports earlier assaults on responders at this address.",
        ],
    ),
    "co_responder": (
        "standard_police",
        [
            "The co-responder team is on another call across the county.",
            "Caller asked for police to attend.",
        ],
    ),
    "standard_police": (
        "cit_officer",
        [
            "A CIT officer is free and knows the person from earlier calls.",
            "The person has calmed before with a CIT officer; the family asked for one.",
        ],
    ),
}


def seed_calls(
    dispatchers: list[User],
    rng: random.Random,
    *,
    until: datetime,
    days: int = 30,
    per_day: int = 24,
) -> int:
    """Take `days * per_day` calls spread over the days before `until`, oldest first."""
    times = sorted(
        until - timedelta(minutes=rng.randrange(days * 24 * 60)) for _ in range(days * per_day)
    )
    for received in times:
        facts = _crisis_facts(rng) if rng.random() < BEHAVIOURAL_HEALTH_SHARE else _other_facts(rng)
        response, reason = _choice(facts, rng)
        actions.call_intake(
            by=rng.choice(dispatchers),
            source="911",
            initial_call_type=rng.choice(
                CRISIS_CALL_TYPES if facts.behavioural_health else OTHER_CALL_TYPES
            ),
            facts=facts,
            response=response,
            override_reason=reason,
            location=f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}",
            beat=f"B{rng.randrange(1, 9)}",
            received_at=received,
        )
    return len(times)


def _units(rng: random.Random) -> frozenset[str]:
    chances = {"mobile_crisis": 0.6, "co_responder": 0.5, "cit_officer": 0.7}
    return frozenset(unit for unit, p in chances.items() if rng.random() < p)


def _pick(rng: random.Random, weighted: dict[str, float]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _crisis_facts(rng: random.Random) -> CallFacts:
    risk = _pick(rng, {"none": 55, "ideation": 27, "plan": 14, "attempt_in_progress": 4})
    return CallFacts.model_validate(
        {
            "behavioural_health": True,
            "location_type": _pick(
                rng, {"residence": 55, "public": 25, "business": 10, "vehicle": 5, "school": 5}
            ),
            "caller_is_subject": rng.random() < 0.2,
            "suicide_risk": risk,
            "means_available": risk == "plan" and rng.random() < 0.5,
            "intoxication": _pick(rng, {"none": 60, "suspected": 30, "severe": 10}),
            "weapon": _pick(rng, {"none": 92, "reported": 6, "seen": 2}),
            "violence_in_progress": rng.random() < 0.05,
            "medical_emergency": rng.random() < 0.08,
            "crime_reported": rng.random() < 0.1,
            "available_units": _units(rng),
        }
    )


def _other_facts(rng: random.Random) -> CallFacts:
    return CallFacts.model_validate(
        {
            "behavioural_health": False,
            "crime_reported": rng.random() < 0.4,
            "violence_in_progress": rng.random() < 0.05,
            "medical_emergency": rng.random() < 0.1,
            "weapon": _pick(rng, {"none": 97, "reported": 2, "seen": 1}),
            "available_units": _units(rng),
        }
    )


def _choice(facts: CallFacts, rng: random.Random) -> tuple[str | None, str]:
    """Mostly the recommendation; sometimes, for a crisis call, another response and why."""
    if not facts.behavioural_health or rng.random() >= OVERRIDE_SHARE:
        return None, ""
    book = rule_book()
    primary = recommend(book, facts).primary
    if primary not in OVERRIDES:
        return None, ""
    other, reasons = OVERRIDES[primary]
    if other not in book.always_available | facts.available_units or refusal(book, facts, other):
        return None, ""
    return other, rng.choice(reasons)
