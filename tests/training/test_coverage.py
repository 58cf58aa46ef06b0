"""CIT coverage from the database: the heat-map page, whom to train next, the API twin and
`crossroads training coverage`; the period's errors on each edge; a fixed number of queries.

The county: two precincts, three shifts, one squad per precinct and shift working 4 on 4 off
from START (make_roster), and today is START in the agency's time zone. Ann (North Day) holds a
CIT certification that lapses the day after tomorrow; Cy (South Day) and Di (North Night) hold
current ones; Bob (South Evening) was never certified; Eve is on no squad. Nobody works North
Evening or South Night.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossroads.core.commands import agency_named
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.training import actions
from crossroads.training.models import CoverageTarget
from tests.factories import (
    Roster,
    make_agency,
    make_certification,
    make_roster,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
NOON_IN_NEW_YORK = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
ON_DAYS = 46  # 4 on 4 off over the default 90 days from START
LONG_AGO, FAR_AHEAD = date(2025, 3, 4), date(2028, 3, 1)


@dataclass
class County:
    agency: Agency
    roster: Roster
    coordinator: User
    officers: dict[str, User]


def _officer(county: County, name: str, squad: tuple[str, str] | None) -> User:
    officer = make_user(county.agency, "officer")
    User.objects.filter(pk=officer.pk).update(first_name=name, last_name="Test")
    officer.refresh_from_db()
    if squad is not None:
        actions.assignment_record(
            by=None, officer=officer, squad=county.roster.squads[squad], starts_on=START
        )
    county.officers[name] = officer
    return officer


@pytest.fixture
def county() -> Iterator[County]:
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        agency = make_agency(short_name="CPD")
        county = County(
            agency, make_roster(agency, START), make_user(agency, "cit_coordinator"), {}
        )
        ann = _officer(county, "Ann", ("north", "day"))
        make_certification(ann, LONG_AGO, START + timedelta(days=1))
        make_certification(_officer(county, "Cy", ("south", "day")), LONG_AGO, FAR_AHEAD)
        make_certification(_officer(county, "Di", ("north", "night")), LONG_AGO, FAR_AHEAD)
        _officer(county, "Bob", ("south", "evening"))
        _officer(county, "Eve", None)
        yield county


def _get(user: User, url: str) -> tuple[int, str]:
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        response = signed_in_client(user).get(url)
    return response.status_code, response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- The heat-map page --------------------------------------------------------------------------


def test_the_page_shows_the_share_against_the_target_the_heat_map_and_every_gap(
    county: County,
) -> None:
    status, html = _get(county.coordinator, reverse("training:coverage"))
    assert status == 200
    text = _text(html)
    # Ann, Cy and Di of five patrol officers (the coordinator is not one) are certified today.
    assert "3 of 5 patrol officers hold a valid CIT certification on 2 Mar 2026" in text
    assert "Target: 20 to 25%" in text and "Above target" in text
    # Covered: North Day until Ann's certification lapses, South Day, North Night.
    covered = 2 + ON_DAYS + ON_DAYS
    shifts = 6 * ON_DAYS
    assert f"{covered} of {shifts} shifts from 2 Mar 2026 to 30 May 2026" in text
    assert (
        '<caption id="heat-caption">Shifts without a CIT-certified officer on duty, week by week'
        in html
    )
    assert "North Precinct · Evening" in text and "4/4 shifts uncovered" in text
    assert f"Uncovered shifts {shifts - covered}" in text
    assert "Wed 4 Mar 2026 North Precinct Day 1 on duty, none certified" in text  # Ann lapsed
    assert "Mon 2 Mar 2026 North Precinct Evening 0: no one rostered" in text


def test_a_short_period_has_a_column_a_day(county: County) -> None:
    status, html = _get(
        county.coordinator, f"{reverse('training:coverage')}?from=2026-03-02&to=2026-03-09"
    )
    assert status == 200
    assert "day by day" in html and "Mon<br>2<br>Mar" in html
    text = _text(html)
    assert "10 of 24 shifts" in text
    assert 'Gap<span class="usa-sr-only">: no certified officer on duty</span>' in html


def test_the_agency_target_replaces_the_default(county: County) -> None:
    CoverageTarget.objects.create(agency=county.agency, low_percent=65, high_percent=80)
    text = _text(_get(county.coordinator, reverse("training:coverage"))[1])
    assert "Target: 65 to 80%" in text and "Below target" in text


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        (
            "from=2026-02-30",
            "from",
            "&#x27;2026-02-30&#x27; is not a date: write it as YYYY-MM-DD.",
        ),
        ("from=2026-03-10&to=2026-03-01", "to", "must be on or after the first day (2026-03-10)."),
        ("to=2027-06-01", "to", "a period lasts at most 366 days; choose an earlier day."),
    ],
)
@pytest.mark.parametrize("route", ["training:coverage", "training:train_next"])
def test_a_bad_period_comes_back_422_with_the_reason_beside_the_field(
    county: County, route: str, query: str, field: str, reason: str
) -> None:
    status, html = _get(county.coordinator, f"{reverse(route)}?{query}")
    assert status == 422
    assert f'id="id_{field}_error" role="alert">{reason}</span>' in html
    assert "heat-caption" not in html and "<table" not in html


def test_another_agencys_roster_is_not_counted(county: County) -> None:
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        elsewhere = make_agency()
        make_roster(elsewhere, START)
        coordinator = make_user(elsewhere, "cit_coordinator")
    text = _text(_get(coordinator, reverse("training:coverage"))[1])
    assert "has no active patrol officers" in text
    assert f"0 of {6 * ON_DAYS} shifts" in text and "Ann" not in text


def _query_counts(user: User) -> list[int]:
    client = signed_in_client(user)
    counts = []
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        for route in ("training:coverage", "training:train_next"):
            client.get(reverse(route))  # the first request of a session reads more
            with CaptureQueriesContext(connection) as read:
                assert client.get(reverse(route)).status_code == 200
            counts.append(len(read))
    return counts


def test_the_pages_read_in_the_same_number_of_queries_for_a_bigger_agency(county: County) -> None:
    before = _query_counts(county.coordinator)
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        for n, squad in enumerate(county.roster.squads):
            officer = _officer(county, f"More{n}", squad)
            make_certification(officer, LONG_AGO, START + timedelta(days=n * 9))
    assert _query_counts(county.coordinator) == before


# --- Whom to train next -------------------------------------------------------------------------


def test_whom_to_train_next_ranks_the_officers_with_their_squad_and_status(
    county: County,
) -> None:
    status, html = _get(county.coordinator, reverse("training:train_next"))
    assert status == 200
    text = _text(html)
    gaps = 4 * ON_DAYS - 2
    assert f"{gaps} shifts without a certified officer on duty" in text
    closed = ON_DAYS + ON_DAYS - 2
    assert f"Training the 2 officers below would close {closed} of them" in text
    assert f"{2 * ON_DAYS} have no officer on duty at all" in text
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)[1:]
    assert [_text(row).split(" shift")[0].strip() for row in rows] == [
        f"1 Bob Test South Precinct Evening Never certified {ON_DAYS}",
        f"2 Ann Test North Precinct Day Lapses on 3 Mar 2026 {ON_DAYS - 2}",
    ]
    assert "Wed 4 Mar · North Precinct · Day" in html
    read = AuditEvent.objects.get(verb="certification.list")
    assert (read.actor, read.detail) == (county.coordinator, {"count": 2})


def test_nobody_to_train_when_every_shift_is_covered(county: County) -> None:
    status, html = _get(
        county.coordinator, f"{reverse('training:train_next')}?from=2026-03-06&to=2026-03-09"
    )
    assert status == 200
    assert "Every shift in this period has a certified officer on duty" in _text(html)


# --- The API twin -------------------------------------------------------------------------------


def test_the_api_answers_the_share_and_every_uncovered_shift(county: County) -> None:
    status, body = _get(
        county.coordinator, "/api/v1/training/coverage?from=2026-03-02&to=2026-03-09"
    )
    assert status == 200
    answer = json.loads(body)
    assert {
        k: answer[k] for k in ("agency", "from", "to", "on", "patrol_officers", "certified")
    } == {
        "agency": "CPD",
        "from": "2026-03-02",
        "to": "2026-03-09",
        "on": "2026-03-02",
        "patrol_officers": 5,
        "certified": 3,
    }
    assert (answer["share"], answer["target_low"], answer["target_high"]) == (0.6, 0.2, 0.25)
    assert (answer["standing"], answer["shifts"], answer["covered"]) == ("above", 24, 10)
    assert answer["uncovered"][:3] == [
        {"day": "2026-03-02", "precinct": "North Precinct", "shift": "Evening", "on_duty": 0},
        {"day": "2026-03-02", "precinct": "South Precinct", "shift": "Evening", "on_duty": 1},
        {"day": "2026-03-02", "precinct": "South Precinct", "shift": "Night", "on_duty": 0},
    ]
    assert len(answer["uncovered"]) == 14


def test_the_api_refuses_a_bad_date_with_a_problem_naming_the_field(county: County) -> None:
    status, body = _get(county.coordinator, "/api/v1/training/coverage?to=tomorrow")
    assert status == 422
    problem = json.loads(body)
    assert problem["errors"] == [
        {"field": "to", "message": "'tomorrow' is not a date: write it as YYYY-MM-DD."}
    ]


def test_the_api_is_in_the_openapi_schema_with_its_from_and_to() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/training/coverage"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]["properties"]
    assert {"from", "to", "share", "shift_coverage", "uncovered"} <= set(fields)


# --- The CLI ------------------------------------------------------------------------------------


def _cli(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(NOON_IN_NEW_YORK, tick=False):
        call_command("training", "coverage", *args, stdout=out)
    return out.getvalue()


def test_the_cli_prints_the_share_and_every_uncovered_shift(county: County) -> None:
    lines = _cli("--agency", "CPD", "--from", "2026-03-02", "--to", "2026-03-09").splitlines()
    assert lines[:4] == [
        "CPD: 3 of 5 patrol officers CIT-certified on 2026-03-02 (60%); target 20-25%: above",
        "2026-03-02 to 2026-03-09: 10 of 24 shifts with a certified officer on duty (42%); "
        "14 uncovered",
        "2026-03-02\tNorth Precinct\tEvening\t0 on duty",
        "2026-03-02\tSouth Precinct\tEvening\t1 on duty",
    ]
    assert len(lines) == 2 + 14


def test_the_cli_json_is_the_api_document(county: County) -> None:
    printed = json.loads(_cli("--agency", "CPD", "--json"))
    status, body = _get(county.coordinator, "/api/v1/training/coverage")
    assert status == 200 and printed == json.loads(body)
    assert (printed["from"], printed["to"], printed["shifts"]) == (
        "2026-03-02",
        "2026-05-30",
        6 * ON_DAYS,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "NOPE"], "--agency: no agency is called 'NOPE'"),
        (["--agency", "CPD", "--from", "3/2/2026"], "--from: '3/2/2026' is not a date"),
        (
            ["--agency", "CPD", "--from", "2026-03-09", "--to", "2026-03-02"],
            r"--to: must be on or after the first day \(2026-03-09\)",
        ),
    ],
)
def test_the_cli_refuses_bad_input_naming_the_option(
    county: County, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message) as refused:
        _cli(*args)
    assert refused.value.returncode == 2


def test_the_cli_takes_the_agency_as_its_short_name_or_its_slug() -> None:
    agency = make_agency(short_name="Riverton PD")
    out = io.StringIO()
    call_command("training", "coverage", "--agency", "riverton-pd", stdout=out)
    assert out.getvalue().startswith("Riverton PD: ")
    assert agency_named("Riverton PD") == agency
