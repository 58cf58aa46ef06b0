"""Outcomes by CIT certification: Wilson intervals checked against published values, and the
page and its JSON twin counting known encounters (the officer's certification as it was on the
day, the agency's own encounters only, too few shown as counts), in a fixed number of queries."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from crossroads.core.models import Agency, User
from crossroads.encounters.actions import ImportSource, calls_import, encounter_submit
from crossroads.encounters.history import HistoricCall, HistoricEncounter
from crossroads.encounters.models import Encounter
from crossroads.people.actions import person_create
from crossroads.referrals.actions import referral_send, referral_start
from crossroads.training import queries
from crossroads.training.comparison import (
    MIN_ENCOUNTERS,
    Interval,
    newcombe_difference,
    rate,
    wilson_interval,
)
from tests.factories import (
    make_agency,
    make_certification,
    make_service,
    make_user,
    signed_in_client,
)

PAGE = "/training/outcomes/"
API = "/api/v1/training/outcomes"


def _close(interval: Interval, low: float, high: float) -> bool:
    return interval.low == pytest.approx(low, abs=5e-5) and interval.high == pytest.approx(
        high, abs=5e-5
    )


# --- The intervals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # no events: the lower end is exactly 0, the upper is not
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, Table I
        (15, 148, 0.0624, 0.1605),  # Newcombe 1998, Table I
        (500, 1000, 0.4691, 0.5309),
        (50_000, 1_000_000, 0.04957, 0.05043),
    ],
)
def test_the_wilson_interval_matches_published_values(
    events: int, n: int, low: float, high: float
) -> None:
    assert _close(wilson_interval(events, n), low, high)


def test_no_events_has_a_lower_end_of_exactly_zero() -> None:
    assert wilson_interval(0, 10).low == 0.0 and wilson_interval(10, 10).high == 1.0


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [  # Newcombe 1998, Table II, method 10
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((5, 56), (0, 29), -0.0381, 0.1926),
    ],
)
def test_the_difference_interval_matches_newcombe(
    a: tuple[int, int], b: tuple[int, int], low: float, high: float
) -> None:
    assert _close(newcombe_difference(*a, *b), low, high)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_holds_the_rate_and_stays_within_0_and_1(counts: tuple[int, int]) -> None:
    events, n = counts
    interval = wilson_interval(events, n)
    assert 0.0 <= interval.low <= events / n <= interval.high <= 1.0


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="cannot happen"):
        wilson_interval(11, 10)


def test_a_small_group_gets_counts_and_no_rate() -> None:
    small, enough = rate(3, MIN_ENCOUNTERS - 1), rate(0, MIN_ENCOUNTERS)
    assert (small.events, small.n, small.estimate, small.interval) == (3, 29, None, None)
    assert enough.estimate == 0.0 and enough.interval == wilson_interval(0, MIN_ENCOUNTERS)


# --- Counting the agency's encounters ------------------------------------------------------------


@dataclass
class Police:
    agency: Agency
    certified: User  # CIT-certified throughout
    uncertified: User
    late: User  # certified only after their encounters


def _record(officer: User, days_ago: int, count: int = 1, **fields: Any) -> list[Encounter]:
    fields.setdefault("disposition", "resolved_on_scene")
    if fields["disposition"] in Encounter.TRANSPORTS:
        fields.setdefault("transport_destination", "Alder Crisis Unit")
    return [
        encounter_submit(
            by=officer,
            client_key=uuid.uuid4(),
            occurred_at=timezone.now() - timedelta(days=days_ago),
            **fields,
        )
        for _ in range(count)
    ]


def _officers(agency: Agency) -> Police:
    today = timezone.localdate()
    certified, uncertified, late = (make_user(agency, "officer") for _ in range(3))
    make_certification(certified, today - timedelta(days=700), today + timedelta(days=400))
    make_certification(late, today - timedelta(days=10), today + timedelta(days=1000))
    return Police(agency, certified, uncertified, late)


@pytest.fixture
def police() -> Police:
    """40 encounters by a certified officer, 30 by officers not certified on the day, and some
    that must not count: no one found, before the period, a draft referral."""
    police = _officers(make_agency(short_name="APD", time_zone="America/New_York"))
    cit, other = police.certified, police.uncertified
    _record(cit, 20, 3, highest_force="empty_hand")
    _record(cit, 21, highest_force="empty_hand", subject_injured=True)
    _record(cit, 22, highest_force="less_lethal", officer_injured=True)
    _record(cit, 23, 3, highest_force="verbal")  # verbal commands are not counted as force
    _record(cit, 24, 2, disposition="arrest_booked")
    _record(cit, 25, 10, disposition="referred_no_transport")
    _record(cit, 26, 8, disposition="voluntary_transport_crisis_facility")
    _record(cit, 27, 10)
    person = person_create(by=cit, given_name="Sam", family_name="Doe")
    (referred,) = _record(cit, 28, person=person)
    (drafted,) = _record(cit, 29, person=person)
    service = make_service("Alder Crisis Line", agency=make_agency(type="bh_provider"))
    sent, _ = (
        referral_start(by=cit, service=service, site=None, encounter=e, need="", at=timezone.now())
        for e in (referred, drafted)  # the second stays a draft: not a referral made
    )
    referral_send(by=cit, referral=sent, expected_version=sent.version)
    _record(other, 30, 6, highest_force="empty_hand", subject_injured=True)
    _record(other, 31, 6, disposition="arrest_booked")
    _record(other, 32, 3, disposition="referred_no_transport")
    _record(other, 33, 5, disposition="ems_transport", officer_injured=True)
    _record(police.late, 40, 5)  # certified ten days ago: these were not
    _record(other, 34, 5)
    _record(other, 35, disposition="unable_to_locate")  # no one met: left out
    _record(other, 200, 4, disposition="arrest_booked")  # before the period asked
    return police


def _period(days: int = 100) -> dict[str, str]:
    today = timezone.localdate()
    return {"from": (today - timedelta(days=days)).isoformat(), "to": today.isoformat()}


def _rows(found: queries.OutcomeComparison) -> dict[str, Any]:
    return {row.outcome.code: row for row in found.rows}


@pytest.mark.django_db
def test_each_outcome_is_counted_by_the_certification_held_that_day(police: Police) -> None:
    coordinator = make_user(police.agency, "cit_coordinator")
    today = timezone.localdate()
    found = queries.outcomes_by_certification(
        coordinator, first=today - timedelta(days=100), last=today
    )
    assert (found.certified, found.not_certified, found.not_recorded) == (40, 30, 0)
    counts = {
        code: (
            (row.certified.events, row.certified.n),
            (row.not_certified.events, row.not_certified.n),
        )
        for code, row in _rows(found).items()
    }
    assert counts == {
        "force": ((5, 40), (6, 30)),
        "subject_injured": ((1, 40), (6, 30)),
        "officer_injured": ((1, 40), (5, 30)),
        "arrest": ((2, 40), (6, 30)),
        "referral": ((11, 40), (3, 30)),  # ten dispositions and one referral sent
        "transport": ((8, 40), (5, 30)),
    }
    arrests = _rows(found)["arrest"]
    assert arrests.certified.estimate == pytest.approx(0.05)
    assert arrests.certified.interval == wilson_interval(2, 40)
    assert arrests.difference is not None
    assert arrests.difference.estimate == pytest.approx(2 / 40 - 6 / 30)
    assert arrests.difference.interval == newcombe_difference(2, 40, 6, 30)


@pytest.mark.django_db
def test_another_agencys_encounters_are_not_counted(police: Police) -> None:
    elsewhere = _officers(make_agency(short_name="BPD"))
    _record(elsewhere.certified, 20, 7, disposition="arrest_booked")
    _record(elsewhere.uncertified, 20, 9, disposition="arrest_booked")
    response = signed_in_client(make_user(police.agency, "analyst")).get(API, _period())
    assert response.status_code == 200
    body = response.json()
    assert body["agency"] == "APD"
    assert body["encounters"] == {"certified": 40, "not_certified": 30, "not_recorded": 0}
    arrests = next(o for o in body["outcomes"] if o["code"] == "arrest")
    assert arrests["certified"] == {
        "events": 2,
        "encounters": 40,
        "rate": pytest.approx(0.05),
        "interval": {
            "low": pytest.approx(wilson_interval(2, 40).low),
            "high": pytest.approx(wilson_interval(2, 40).high),
        },
    }
    assert arrests["difference"]["interval"]["low"] == pytest.approx(
        newcombe_difference(2, 40, 6, 30).low
    )
    assert "does not show that training caused" in body["note"]


@pytest.mark.django_db
def test_the_page_shows_each_rate_with_its_interval_and_counts(police: Police) -> None:
    client = signed_in_client(make_user(police.agency, "program_manager"))
    response = client.get(PAGE, _period())
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    interval = wilson_interval(2, 40)
    assert f"5.0% 95% CI {interval.low * 100:.1f}% to {interval.high * 100:.1f}%" in _text(page)
    assert "2 of 40" in page and "6 of 30" in page
    assert "Observational, not causal" in page and "Officers volunteer for CIT" in page
    assert "too few to estimate" not in page


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.django_db
def test_a_small_group_shows_counts_and_too_few_to_estimate() -> None:
    police = _officers(make_agency())
    _record(police.certified, 5, 3, disposition="arrest_booked")
    _record(police.uncertified, 5, 31)
    client = signed_in_client(make_user(police.agency, "cit_coordinator"))
    page = _text(client.get(PAGE).content.decode())
    assert "3 of 3 too few to estimate" in page
    assert "0 of 31" in page and "0.0% 95% CI 0.0% to" in page
    body = client.get(API).json()
    arrests = next(o for o in body["outcomes"] if o["code"] == "arrest")
    assert arrests["certified"] == {"events": 3, "encounters": 3, "rate": None, "interval": None}
    assert arrests["difference"] is None


@pytest.mark.django_db
def test_the_period_defaults_to_the_last_365_days_of_the_agency() -> None:
    police = _officers(make_agency())
    _record(police.certified, 300)
    _record(police.certified, 400)
    client = signed_in_client(make_user(police.agency, "analyst"))
    body = client.get(API).json()
    today = timezone.localdate()
    assert (body["from"], body["to"]) == (
        (today - timedelta(days=364)).isoformat(),
        today.isoformat(),
    )
    assert body["encounters"]["certified"] == 1
    page = client.get(PAGE).content.decode()
    assert f'value="{today - timedelta(days=364):%Y-%m-%d}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "field", "reason"),
    [
        ({"from": "2026-02-30"}, "from", "valid date"),
        ({"to": "yesterday"}, "to", "valid date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from", "after the last day"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(
    asked: dict[str, str], field: str, reason: str
) -> None:
    client = signed_in_client(make_user(make_agency(), "cit_coordinator"))
    page = client.get(PAGE, asked)
    assert page.status_code == 422
    assert f'id="id_{field}_error"' in page.content.decode()
    answer = client.get(API, asked)
    assert answer.status_code == 422
    problem = answer.json()
    assert [error["field"] for error in problem["errors"]] == [field]
    assert reason in problem["detail"]


@pytest.mark.django_db
def test_an_officer_may_not_compare_outcomes() -> None:
    client = signed_in_client(make_user(make_agency(), "officer"))
    assert client.get(PAGE).status_code == 403
    assert client.get(API).status_code == 403


@pytest.mark.django_db
def test_the_page_costs_the_same_however_many_encounters(police: Police) -> None:
    client = signed_in_client(make_user(police.agency, "cit_coordinator"))
    client.get(PAGE, _period())  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, _period())
    _record(police.certified, 3, 12, disposition="arrest_booked")
    _record(police.uncertified, 3, 12, highest_force="firearm")
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE, _period())
    assert len(many.captured_queries) == len(few.captured_queries)
    counting = [q for q in few.captured_queries if "encounters_encounter" in q["sql"]]
    assert len(counting) == 1  # one query counts every outcome of both groups


@pytest.mark.django_db
def test_the_api_schema_names_the_period_parameters() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"][API]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to"]


@pytest.mark.django_db
def test_imported_encounters_count_by_their_flag_and_unflagged_ones_are_set_aside() -> None:
    """A CAD import copies the source's certification flag; a record without one is counted
    apart, and force whose type the source did not record counts as force."""
    agency = make_agency()
    at = timezone.now() - timedelta(days=3)

    def _call(n: int, certified: bool | None, force: str) -> HistoricCall:
        return HistoricCall(
            external_id=f"cad-{n}",
            source="911",
            initial_call_type="Person in crisis",
            behavioural_health=True,
            received_at=at,
            encounters=(
                HistoricEncounter(
                    disposition="resolved_on_scene",
                    occurred_at=at,
                    officer_cit_certified=certified,
                    highest_force=force,
                ),
            ),
        )

    calls = [_call(n, True, "unspecified" if n < 2 else "none") for n in range(5)]
    calls += [_call(n, None, "unspecified") for n in range(5, 8)]
    calls_import(by=None, agency=agency, records=calls, source=ImportSource("cad.csv", "0" * 64))
    found = queries.outcomes_by_certification(make_user(agency, "analyst"))
    assert (found.certified, found.not_certified, found.not_recorded) == (5, 0, 3)
    assert (_rows(found)["force"].certified.events, _rows(found)["force"].certified.n) == (2, 5)
