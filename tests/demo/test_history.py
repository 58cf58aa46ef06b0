"""The history generator and the certification plan, pure and in bulk (no database), and the
people the history meets again, imported as the demo imports them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from crossroads.demo.certifications import add_years, certified_on, plan_cit
from crossroads.demo.history import (
    AREAS,
    ARREST,
    CIT_ARREST_ODDS,
    CIT_REFERRAL_ODDS,
    PRESENTATIONS,
    REFERRALS,
    disposition_shares,
    police_history,
    roster,
)
from crossroads.encounters import actions
from crossroads.encounters.history import HistoricCall, HistoricEncounter
from crossroads.encounters.models import Encounter
from crossroads.screening.catalog import catalog
from crossroads.screening.scoring import score
from tests.factories import make_agency, make_user

END = datetime(2026, 10, 2, 4, tzinfo=UTC)
START = END - timedelta(days=730)
OFFICERS = [UUID(int=n) for n in range(1, 21)]  # Riverton PD's patrol in the demo
ZONE = "America/New_York"


def _history(
    seed: int, days: int, *, officers: list[UUID] = OFFICERS, people: bool = False
) -> list[HistoricCall]:
    start = END - timedelta(days=days)
    plan = plan_cit(officers, random.Random(seed), history_starts=start.date(), today=END.date())
    return list(
        police_history(
            AREAS["rpd"],
            roster(officers, plan),
            random.Random(seed),
            start=start,
            end=END,
            time_zone=ZONE,
            people=random.Random(f"{seed}/people") if people else None,
        )
    )


@pytest.fixture(scope="module")
def two_years() -> list[HistoricCall]:
    return _history(2026, 730)


def _encounters(calls: list[HistoricCall], *, cit: bool) -> list[HistoricEncounter]:
    return [e for c in calls for e in c.encounters if e.officer_cit_certified is cit]


def test_the_same_seed_makes_the_same_calls() -> None:
    assert _history(5, 20) == _history(5, 20)
    assert _history(5, 20) != _history(6, 20)


def test_two_years_of_calls_about_one_in_ten_with_a_behavioural_health_nexus(
    two_years: list[HistoricCall],
) -> None:
    assert 0.9 * 730 * 35 < len(two_years) < 1.1 * 730 * 35
    crisis = [call for call in two_years if call.behavioural_health]
    assert 0.09 < len(crisis) / len(two_years) < 0.11
    assert all(len(call.encounters) == 1 for call in crisis)
    assert not any(call.encounters for call in two_years if not call.behavioural_health)
    assert all(START <= call.received_at < END for call in two_years)
    assert len({call.external_id for call in two_years}) == len(two_years)
    assert any(call.initial_call_type != call.final_call_type for call in crisis)  # reclassified


def test_cit_officers_arrest_less_use_less_force_and_refer_more(
    two_years: list[HistoricCall],
) -> None:
    cit, others = _encounters(two_years, cit=True), _encounters(two_years, cit=False)
    assert len(cit) > 800 and len(others) > 800

    def share(
        encounters: list[HistoricEncounter], test: Callable[[HistoricEncounter], bool]
    ) -> float:
        return sum(1 for e in encounters if test(e)) / len(encounters)

    def arrested(e: HistoricEncounter) -> bool:
        return e.disposition == ARREST

    def forced(e: HistoricEncounter) -> bool:
        return e.highest_force not in ("none", "verbal")

    def referred(e: HistoricEncounter) -> bool:
        return e.disposition in REFERRALS

    assert share(cit, arrested) < 0.75 * share(others, arrested)
    assert share(cit, forced) < 0.75 * share(others, forced)
    assert share(cit, referred) > 1.25 * share(others, referred)
    assert share(cit, lambda e: e.subject_injured) < share(others, lambda e: e.subject_injured)
    assert sum(len(e.screens) for e in cit) / len(cit) > sum(len(e.screens) for e in others) / len(
        others
    )


def test_every_instrument_is_used_and_every_screen_scores(two_years: list[HistoricCall]) -> None:
    instruments = catalog()
    used: Counter[str] = Counter()
    for call in two_years:
        for encounter in call.encounters:
            for screen in encounter.screens:
                score(instruments[screen.instrument], screen.answers, sex=screen.sex)
                used[screen.instrument] += 1
    assert set(used) == set(instruments)
    assert min(used.values()) >= 50


@pytest.mark.parametrize("presentation", sorted(PRESENTATIONS))
def test_cit_shares_follow_the_published_odds_ratios(presentation: str) -> None:
    other = disposition_shares(PRESENTATIONS[presentation], cit=False)
    cit = disposition_shares(PRESENTATIONS[presentation], cit=True)

    def odds(p: float) -> float:
        return p / (1 - p)

    assert sum(other.values()) == pytest.approx(1) == sum(cit.values())
    assert odds(cit[ARREST]) / odds(other[ARREST]) == pytest.approx(CIT_ARREST_ODDS)
    for referral in REFERRALS:
        assert odds(cit[referral]) / odds(other[referral]) == pytest.approx(CIT_REFERRAL_ODDS)


@pytest.mark.parametrize("officers", [20, 28, 220])
def test_cit_coverage_moves_within_the_usual_target(officers: int) -> None:
    """About a quarter certified (DOMAIN.md: 20-25% is the common target); some lapse, some
    are trained, so coverage changes over the two years. 220 is issue 6's roster."""
    start, today = date(2024, 9, 1), date(2026, 10, 1)
    roster_ = list(range(officers))
    plan = plan_cit(roster_, random.Random(1), history_starts=start, today=today, certified=[0])

    def coverage(day: date) -> float:
        return sum(certified_on(plan.get(o, []), day) for o in roster_) / officers

    assert 0.2 <= coverage(start) <= 0.35
    assert 0.2 <= coverage(today) <= 0.35
    assert len({coverage(start + timedelta(days=d)) for d in range(0, 761, 30)}) > 1
    intervals = [interval for held in plan.values() for interval in held]
    assert any(start < issued <= today for issued, _ in intervals)  # trained during
    assert any(  # lapsed during, without a renewal
        start <= held[-1][1] < today for held in plan.values()
    )
    assert all(expires == add_years(issued, 3) for issued, expires in intervals)
    assert all(certified_on(plan[0], start + timedelta(days=d)) for d in range(0, 761))


# --- the people met again (subjects.py) -------------------------------------------------------


def _refs(calls: list[HistoricCall]) -> list[str]:
    return [e.person_ref for call in calls for e in call.encounters]


def test_people_come_from_a_stream_of_their_own() -> None:
    """The same seed names the same people; with or without them the calls are the same."""
    named = _history(5, 60, people=True)
    assert _refs(named) == _refs(_history(5, 60, people=True))
    assert all(_refs(named)) and not any(_refs(_history(5, 60)))
    without = [
        replace(call, encounters=tuple(replace(e, person_ref="") for e in call.encounters))
        for call in named
    ]
    assert without == _history(5, 60)


def _quarter(moment: datetime) -> date:
    day = moment.astimezone(ZoneInfo(ZONE)).date()
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@pytest.mark.django_db
def test_the_imported_history_meets_some_people_again_and_again() -> None:
    """Two years of Riverton's history through the import, counted in the database: a few
    frequent utilisers, most people met once, a quarter or so met again within the year."""
    agency = make_agency(short_name="RPD", time_zone=ZONE)
    officers = [make_user(agency, "officer").pk for _ in OFFICERS]
    actions.calls_import(
        by=None,
        agency=agency,
        records=_history(2026, 730, officers=officers, people=True),
        source=actions.ImportSource(file_name="demo generator", sha256="0" * 64),
    )
    met: dict[UUID, list[tuple[datetime, str]]] = {}
    for person, at, disposition in Encounter.objects.filter(agency=agency).values_list(
        "person_id", "occurred_at", "disposition"
    ):
        met.setdefault(person, []).append((at, disposition))
    assert None not in met  # every encounter names its person
    encounters = sum(len(times) for times in met.values())
    sizes = sorted((len(times) for times in met.values()), reverse=True)
    frequent = sizes[: round(0.05 * len(sizes))]
    assert 0.2 < sum(frequent) / encounters < 0.35  # 5% of the people, a quarter of encounters
    assert sizes.count(1) / len(sizes) > 0.7  # most people met once

    # repeat_contact over the quarters whose people have a whole year after them in the history
    quarters = [date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)]
    seen = again_30 = again_365 = at_risk = rearrested = 0
    for times in met.values():
        times.sort()
        for quarter in quarters:
            first = next((at for at, _ in times if _quarter(at) == quarter), None)
            if first is None:
                continue
            later = [at for at, _ in times if at > first]
            seen += 1
            again_30 += any(at <= first + timedelta(days=30) for at in later)
            again_365 += any(at <= first + timedelta(days=365) for at in later)
        arrests = [at for at, disposition in times if disposition == ARREST]
        at_risk += bool(arrests)
        rearrested += any(b - a <= timedelta(days=365) for a, b in pairwise(arrests))
    assert seen > 600
    assert 0.2 <= again_365 / seen <= 0.35
    assert 0.05 <= again_30 / seen <= 0.12
    assert 0.05 < rearrested / at_risk < 0.5  # some people are arrested again within a year
