"""The field metrics (coverage, calls, encounters, repeat contacts, re-arrests), each checked on
a small hand-built snapshot whose answer is worked out by hand in the test."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crossroads.analytics.metrics import Filters, Period, run
from tests.analytics.builder import write_snapshot

COUNTS = ("numerator", "denominator", "value")
_ids = itertools.count(1)


def measured(
    root: Path,
    name: str,
    first: str,
    last: str,
    by: Period = "all",
    columns: tuple[str, ...] = COUNTS,
    **filters: str,
) -> list[tuple[Any, ...]]:
    """The metric's rows as (period, agency, [category,] *columns), floats to 4 places."""
    rows = run(
        name, Filters(date.fromisoformat(first), date.fromisoformat(last), by, **filters), root
    )
    keys = (
        "period",
        "agency",
        *(("category",) if rows and "category" in rows[0] else ()),
        *columns,
    )
    return [
        tuple(round(row[k], 4) if isinstance(row[k], float) else row[k] for k in keys)
        for row in rows
    ]


def encounter(at: str, **columns: Any) -> dict[str, Any]:
    """An encounter at `at` (naive UTC, here also the agency's day)."""
    return {"encounter_id": f"e{next(_ids)}", "occurred_at": at, "local_date": at[:10], **columns}


def call(at: str, **columns: Any) -> dict[str, Any]:
    """A call received at `at`; behavioural health unless said otherwise."""
    return {
        "call_id": f"c{next(_ids)}",
        "received_at": at,
        "local_date": at[:10],
        "behavioural_health": True,
        **columns,
    }


def case(person: int, opened: str, program: str = "alder-lead", **columns: Any) -> dict[str, Any]:
    return {
        "case_id": f"k{next(_ids)}",
        "agency": "acbh",
        "program": program,
        "person_key": person,
        "opened_at": opened,
        "local_date": opened[:10],
        **columns,
    }


RIVERTON, ALDER = "riverton-pd", "alder-so"
JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))


def test_force_rate_counts_force_above_verbal_per_hundred(tmp_path: Path) -> None:
    # March: none, verbal, empty hand, firearm -> 2 of 4 above verbal = 50 per 100.
    # The April encounter (empty hand) is outside the range asked for.
    forces = ["none", "verbal", "empty_hand", "firearm"]
    encounters = [
        encounter(f"2026-03-0{i + 1} 12:00:00", highest_force=f) for i, f in enumerate(forces)
    ]
    encounters.append(encounter("2026-04-02 12:00:00", highest_force="empty_hand"))
    root = write_snapshot(tmp_path, encounters=encounters)

    assert measured(root, "force_rate", "2026-03-01", "2026-03-31") == [(MAR, RIVERTON, 2, 4, 50.0)]


def test_cit_coverage_counts_patrol_officers_certified_on_the_periods_last_day(
    tmp_path: Path,
) -> None:
    # Range 1 Jan - 20 Feb 2026 by month: the days counted are 31 Jan and 20 Feb.
    #   o1 patrol since 2024, CIT to 31 Jan and a renewal from 20 Jan: certified both days, once.
    #   o2 patrol from 1 Feb, CIT from 10 Feb: not yet an officer on 31 Jan; certified on 20 Feb.
    #   o3 patrol, holds only first aid: never certified.
    #   o4 holds CIT but is not a patrol officer: never counted.
    #   o5 patrol, CIT issued 25 Feb (after the range): uncertified both days.
    #   o6 patrol, CIT expired 30 Jan: uncertified both days.
    #   o7 Alder's patrol officer, certified: Alder's own row.
    # Riverton 31 Jan: o1 of o1, o3, o5, o6 -> 1/4 = 25%. 20 Feb: o1, o2 of five -> 2/5 = 40%.
    # Alder: 1/1 = 100% both months.
    def officer(
        key: int, since: str, patrol: bool = True, agency: str = RIVERTON
    ) -> dict[str, Any]:
        return {"officer_key": key, "agency": agency, "patrol": patrol, "active_from": since}

    def cert(
        key: int, issued: str, expires: str, course: str = "cit", agency: str = RIVERTON
    ) -> dict[str, Any]:
        return {
            "officer_key": key,
            "agency": agency,
            "course": course,
            "issued_on": issued,
            "expires_on": expires,
        }

    root = write_snapshot(
        tmp_path,
        officers=[
            officer(1, "2024-01-01"),
            officer(2, "2026-02-01"),
            officer(3, "2025-06-01"),
            officer(4, "2020-01-01", patrol=False),
            officer(5, "2025-01-01"),
            officer(6, "2025-01-01"),
            officer(7, "2025-01-01", agency=ALDER),
        ],
        certifications=[
            cert(1, "2024-02-01", "2026-01-31"),
            cert(1, "2026-01-20", "2028-01-20"),
            cert(2, "2026-02-10", "2028-02-10"),
            cert(3, "2025-06-01", "2027-06-01", course="first_aid"),
            cert(4, "2025-01-01", "2027-01-01"),
            cert(5, "2026-02-25", "2028-02-25"),
            cert(6, "2024-01-30", "2026-01-30"),
            cert(7, "2025-01-01", "2027-01-01", agency=ALDER),
        ],
    )

    assert measured(root, "cit_coverage", "2026-01-01", "2026-02-20", "month") == [
        (JAN, ALDER, 1, 1, 100.0),
        (JAN, RIVERTON, 1, 4, 25.0),
        (FEB, ALDER, 1, 1, 100.0),
        (FEB, RIVERTON, 2, 5, 40.0),
    ]
    # Before anybody patrolled: no officers, so no row (and no division by zero).
    assert measured(root, "cit_coverage", "2023-01-01", "2023-12-31") == []


def test_shift_coverage_counts_rostered_shifts_with_a_certified_officer(tmp_path: Path) -> None:
    # By quarter, Jan-Jun 2026:
    #   Q1: north day (1 of 3 certified) covered, north night (0 of 2) not, south day (2 of 2)
    #       covered -> 2/3 = 66.6667%. Q2: north day (0 of 1) not -> 0/1 = 0%.
    #   The July shift is outside the range.
    # North only: Q1 1/2 = 50%, Q2 0/1 = 0%. An area with no shifts: no row.
    def shift(day: str, area: str, watch: str, on_duty: int, certified: int) -> dict[str, Any]:
        return {
            "local_date": day,
            "area": area,
            "shift": watch,
            "on_duty": on_duty,
            "certified": certified,
        }

    root = write_snapshot(
        tmp_path,
        shifts=[
            shift("2026-01-05", "north", "day", 3, 1),
            shift("2026-02-05", "north", "night", 2, 0),
            shift("2026-03-31", "south", "day", 2, 2),
            shift("2026-04-01", "north", "day", 1, 0),
            shift("2026-07-01", "north", "day", 1, 1),
        ],
    )

    half_year = ("2026-01-01", "2026-06-30", "quarter")
    assert measured(root, "shift_coverage", *half_year) == [
        (JAN, RIVERTON, 2, 3, 66.6667),
        (APR, RIVERTON, 0, 1, 0.0),
    ]
    assert measured(root, "shift_coverage", *half_year, area="north") == [
        (JAN, RIVERTON, 1, 2, 50.0),
        (APR, RIVERTON, 0, 1, 0.0),
    ]
    assert measured(root, "shift_coverage", *half_year, area="east") == []


def test_trained_response_rate_counts_cit_officers_and_clinicians(tmp_path: Path) -> None:
    # March: a CIT officer sent (north), a clinician sent (south), neither (north) -> 2/3.
    #   Left out: a behavioural-health call with nothing sent, and a call that was not behavioural
    #   health (though a CIT officer went).
    # April: neither (north) -> 0/1.
    # North over both months: the CIT call and the two "neither" calls -> 1/3 = 33.3333%.
    sent = "2026-03-02 10:05:00"
    root = write_snapshot(
        tmp_path,
        calls=[
            call(
                "2026-03-02 10:00:00",
                area="north",
                dispatched_at=sent,
                cit_unit=True,
                clinician=False,
            ),
            call(
                "2026-03-03 10:00:00",
                area="south",
                dispatched_at=sent,
                cit_unit=False,
                clinician=True,
            ),
            call(
                "2026-03-04 10:00:00",
                area="north",
                dispatched_at=sent,
                cit_unit=False,
                clinician=False,
            ),
            call("2026-03-05 10:00:00", area="north", cit_unit=True, clinician=False),
            call(
                "2026-03-06 10:00:00",
                area="north",
                dispatched_at=sent,
                cit_unit=True,
                behavioural_health=False,
            ),
            call(
                "2026-04-01 10:00:00",
                area="north",
                dispatched_at=sent,
                cit_unit=False,
                clinician=False,
            ),
        ],
    )

    assert measured(root, "trained_response_rate", "2026-03-01", "2026-04-30", "month") == [
        (MAR, RIVERTON, 2, 3, 66.6667),
        (APR, RIVERTON, 0, 1, 0.0),
    ]
    assert measured(root, "trained_response_rate", "2026-03-01", "2026-04-30", area="north") == [
        (MAR, RIVERTON, 1, 3, 33.3333)
    ]
    assert measured(root, "trained_response_rate", "2026-05-01", "2026-05-31") == []


def test_response_minutes_median_p90_and_share_within_target(tmp_path: Path) -> None:
    # Riverton (target 10 minutes), March, behavioural-health calls that had an arrival:
    #   1.5, 8, 10 and 12 minutes in the north, 30 in the south. Sorted: 1.5, 8, 10, 12, 30.
    #   Median 10. 90th percentile (linear): position 0.9 * 4 = 3.6 -> 12 + 0.6 * (30 - 12) = 22.8.
    #   Within target (<= 10): 1.5, 8, 10 -> 3 of 5 = 60%.
    #   Left out: a call with no arrival, and a non-behavioural-health call.
    # Alder (no target): one call, 7 minutes -> median and p90 7; no target, no share, no numerator.
    # North only (Riverton: 1.5, 8, 10, 12): median 9; p90 at 2.7 -> 10 + 0.7 * 2 = 11.4; 3/4 = 75%.
    def arrived(minutes: float, area: str = "north", **columns: Any) -> dict[str, Any]:
        received = datetime.fromisoformat("2026-03-10 08:00:00")  # naive UTC, as in the snapshot
        arrival = received + timedelta(minutes=minutes)
        return call(str(received), area=area, arrived_at=str(arrival), **columns)

    root = write_snapshot(
        tmp_path,
        agencies=[
            {"agency": RIVERTON, "response_target_minutes": 10},
            {"agency": ALDER, "response_target_minutes": None},
        ],
        calls=[
            arrived(1.5),
            arrived(8),
            arrived(10),
            arrived(12),
            arrived(30, area="south"),
            arrived(2, behavioural_health=False),
            call("2026-03-10 09:00:00", area="north", arrived_at=None),
            arrived(7, area="west", agency=ALDER),
        ],
    )

    columns = (*COUNTS, "p90_minutes", "target_minutes", "within_target_share")
    march = ("2026-03-01", "2026-03-31", "month", columns)
    assert measured(root, "response_minutes", *march) == [
        (MAR, ALDER, None, 1, 7.0, 7.0, None, None),
        (MAR, RIVERTON, 3, 5, 10.0, 22.8, 10, 60.0),
    ]
    assert measured(root, "response_minutes", *march, area="north") == [
        (MAR, RIVERTON, 3, 4, 9.0, 11.4, 10, 75.0)
    ]
    assert measured(root, "response_minutes", "2026-04-01", "2026-04-30") == []


def test_disposition_share_by_disposition(tmp_path: Path) -> None:
    # May: resolved on scene (north), resolved on scene (south), arrest (north), citation (north).
    #   Of 4: resolved 2 = 50%, arrest 1 = 25%, citation 1 = 25%.
    # North: 1 of each of 3 -> 33.3333% each.
    # Program alder-lead (its cases came from the arrest and the citation): 1 of 2 each -> 50%;
    #   the Angel case's encounter is not counted.
    encounters = [
        encounter("2026-05-02 10:00:00", area="north", disposition="resolved_on_scene"),
        encounter("2026-05-03 10:00:00", area="south", disposition="resolved_on_scene"),
        encounter("2026-05-04 10:00:00", area="north", disposition="arrest_booked"),
        encounter("2026-05-05 10:00:00", area="north", disposition="citation"),
    ]
    first, _, arrest, citation = (e["encounter_id"] for e in encounters)
    root = write_snapshot(
        tmp_path,
        encounters=encounters,
        cases=[
            case(1, "2026-05-04 12:00:00", encounter_id=arrest),
            case(2, "2026-05-05 12:00:00", encounter_id=citation),
            case(3, "2026-05-02 12:00:00", program="riverton-angel", encounter_id=first),
        ],
    )

    may = ("2026-05-01", "2026-05-31")
    assert measured(root, "disposition_share", *may) == [
        (MAY, RIVERTON, "arrest_booked", 1, 4, 25.0),
        (MAY, RIVERTON, "citation", 1, 4, 25.0),
        (MAY, RIVERTON, "resolved_on_scene", 2, 4, 50.0),
    ]
    assert [row[-1] for row in measured(root, "disposition_share", *may, area="north")] == [
        33.3333
    ] * 3
    assert measured(root, "disposition_share", *may, program="alder-lead") == [
        (MAY, RIVERTON, "arrest_booked", 1, 2, 50.0),
        (MAY, RIVERTON, "citation", 1, 2, 50.0),
    ]
    assert measured(root, "disposition_share", "2026-06-01", "2026-06-30") == []


def test_diversion_rate_among_encounters_with_an_arrest_basis(tmp_path: Path) -> None:
    # April: arrest, citation, two pre-booking diversions -> diverted 3 of 4 = 75%; a resolution on
    #   scene and an involuntary hold have no arrest basis and count in neither.
    # May: one arrest -> 0 of 1. June: only a resolution on scene -> no arrest basis, no row.
    # Program alder-lead (cases from the April arrest and one diversion): 1 of 2 = 50%.
    dispositions = [
        ("2026-04-02", "arrest_booked"),
        ("2026-04-03", "citation"),
        ("2026-04-04", "pre_booking_diversion"),
        ("2026-04-05", "pre_booking_diversion"),
        ("2026-04-06", "resolved_on_scene"),
        ("2026-04-07", "involuntary_hold"),
        ("2026-05-02", "arrest_booked"),
        ("2026-06-02", "resolved_on_scene"),
    ]
    encounters = [encounter(f"{day} 10:00:00", disposition=d) for day, d in dispositions]
    root = write_snapshot(
        tmp_path,
        encounters=encounters,
        cases=[
            case(1, "2026-04-02 12:00:00", encounter_id=encounters[0]["encounter_id"]),
            case(2, "2026-04-04 12:00:00", encounter_id=encounters[2]["encounter_id"]),
        ],
    )

    assert measured(root, "diversion_rate", "2026-04-01", "2026-06-30", "month") == [
        (APR, RIVERTON, 3, 4, 75.0),
        (MAY, RIVERTON, 0, 1, 0.0),
    ]
    assert measured(root, "diversion_rate", "2026-04-01", "2026-04-30", program="alder-lead") == [
        (APR, RIVERTON, 1, 2, 50.0)
    ]


@pytest.mark.parametrize(
    ("name", "everywhere", "north", "program"),
    [
        # Officer injured in encounter 1 only: 1/4 = 25; north (1-3) 1/3; the program's one (2) 0/1.
        ("officer_injury_rate", (1, 4, 25.0), (1, 3, 33.3333), (0, 1, 0.0)),
        # Person injured in 1 and 2: 2/4 = 50; north 2/3; the program's one (2) 1/1 = 100.
        ("subject_injury_rate", (2, 4, 50.0), (2, 3, 66.6667), (1, 1, 100.0)),
    ],
)
def test_injury_rates_per_hundred_encounters(
    tmp_path: Path,
    name: str,
    everywhere: tuple[int, int, float],
    north: tuple[int, int, float],
    program: tuple[int, int, float],
) -> None:
    # Encounter 3's officer injury is not recorded (NULL): it counts as uninjured.
    injuries = [
        (True, True, "north"),
        (False, True, "north"),
        (None, False, "north"),
        (False, False, "south"),
    ]
    encounters = [
        encounter(
            f"2026-03-0{n} 10:00:00", officer_injured=officer, subject_injured=subject, area=area
        )
        for n, (officer, subject, area) in enumerate(injuries, start=1)
    ]
    root = write_snapshot(
        tmp_path,
        encounters=encounters,
        cases=[case(1, "2026-03-02 12:00:00", encounter_id=encounters[1]["encounter_id"])],
    )

    march = ("2026-03-01", "2026-03-31")
    assert measured(root, name, *march) == [(MAR, RIVERTON, *everywhere)]
    assert measured(root, name, *march, area="north") == [(MAR, RIVERTON, *north)]
    assert measured(root, name, *march, program="alder-lead") == [(MAR, RIVERTON, *program)]
    assert measured(root, name, "2026-04-01", "2026-04-30") == []


def repeat_contact_snapshot(root: Path) -> Path:
    """Seven people seen in January-March 2026 (see the test for what each shows)."""
    visits = {
        1: ["2026-01-10 10:00:00", "2026-02-05 10:00:00"],  # 26 days later
        2: ["2026-02-01 12:00:00", "2026-03-03 12:00:00"],  # exactly 30 days later: within 30
        3: ["2026-03-01 00:00:00", "2026-03-31 00:00:01"],  # 30 days and a second: within 90
        4: ["2026-03-20 10:00:00", "2026-09-01 10:00:00"],  # 165 days, after the range asked for
        5: ["2026-01-05 10:00:00"],  # never again
        6: [
            "2025-12-20 10:00:00",
            "2026-02-10 09:00:00",
            "2026-02-10 09:00:00",
        ],  # same instant twice
    }
    encounters = [
        encounter(at, person_key=person, area="north")
        for person, times in visits.items()
        for at in times
    ]
    # Person 7 is first met in the south, then in the north a week later.
    encounters += [
        encounter("2026-01-25 10:00:00", person_key=7, area="south"),
        encounter("2026-02-01 10:00:00", person_key=7, area="north"),
        encounter("2026-02-02 10:00:00", person_key=None, area="north"),  # nobody identified
    ]
    cases = [case(4, "2026-03-21 12:00:00"), case(5, "2026-01-06 12:00:00")]
    return write_snapshot(root, encounters=encounters, cases=cases)


def test_repeat_contact_within_30_90_and_365_days(tmp_path: Path) -> None:
    # January-March as one period: people seen 1-7 (the unidentified encounter is nobody) = 7.
    #   Within 30 days of their first encounter: 1 (26 days), 2 (exactly 30), 7 (7 days) = 3.
    #   Within 90: also 3 (30 days and a second) = 4. Within 365: also 4 (165 days, in September,
    #   outside the range but counted) = 5. Person 5 never returns; person 6's second encounter
    #   is at the same instant as the first, so not "another" later one.
    # By month, 30 days: January 1, 5, 7 seen; 1 and 7 back -> 2/3. February: 1 (5 Feb, no later
    #   encounter), 2 (back 3 Mar), 6, 7 (1 Feb, nothing later) -> 1/4. March: 2, 3, 4 -> 0/3.
    # South: only person 7 was met there; back a week later in the north -> 1/1 in each window.
    # Program alder-lead: people 4 and 5 -> 365 days: 4 only -> 1/2; 30 and 90: 0/2.
    root = repeat_contact_snapshot(tmp_path)
    quarter = ("2026-01-01", "2026-03-31")

    assert measured(root, "repeat_contact", *quarter) == [
        (JAN, RIVERTON, "30", 3, 7, 42.8571),
        (JAN, RIVERTON, "365", 5, 7, 71.4286),
        (JAN, RIVERTON, "90", 4, 7, 57.1429),
    ]
    by_month = measured(root, "repeat_contact", *quarter, "month")
    assert [row for row in by_month if row[2] == "30"] == [
        (JAN, RIVERTON, "30", 2, 3, 66.6667),
        (FEB, RIVERTON, "30", 1, 4, 25.0),
        (MAR, RIVERTON, "30", 0, 3, 0.0),
    ]
    assert measured(root, "repeat_contact", *quarter, area="south") == [
        (JAN, RIVERTON, window, 1, 1, 100.0) for window in ("30", "365", "90")
    ]
    assert measured(root, "repeat_contact", *quarter, program="alder-lead") == [
        (JAN, RIVERTON, "30", 0, 2, 0.0),
        (JAN, RIVERTON, "365", 1, 2, 50.0),
        (JAN, RIVERTON, "90", 0, 2, 0.0),
    ]
    assert measured(root, "repeat_contact", "2027-01-01", "2027-03-31") == []


def test_rearrest_within_180_and_365_days(tmp_path: Path) -> None:
    # Without a program, at risk = people with an arrest basis (arrest, citation, pre-booking
    # diversion) in the period; index = the first such encounter.
    #   1: citation 10 Jan (south); arrested 1 May (111 days) -> within 180 and 365.
    #   2: resolved on scene 5 Jan (no basis), diversion 1 Feb 10:00 (index); arrested 31 Jul
    #      10:00, exactly 180 days -> within 180 and 365.
    #   3: arrested 1 Mar (index); a citation 1 Apr is no arrest; arrested 1 Dec (275 days)
    #      -> within 365 only.
    #   4: arrested 1 Dec 2025 (before), arrested 10 Apr (index); later only resolved -> neither.
    #   5: resolved on scene 5 Jan; arrested 1 Dec, after the range -> not at risk.
    # January-June as one period: 4 at risk; 180 days: 1, 2 = 50%; 365: 1, 2, 3 = 75%.
    # By quarter: Q1 at risk 1, 2, 3 -> 180: 2/3, 365: 3/3. Q2 at risk: 1 (index the 1 May
    #   arrest, none later), 3 (index the 1 Apr citation; arrested 1 Dec, 244 days: 365 only)
    #   and 4 -> 180: 0/3, 365: 1/3.
    # South (person 1's index): 1/1 in both.
    # Program alder-lead (Alder County's cases, rows under acbh): opened in the period for 4
    #   (15 Feb; arrested 10 Apr, 54 days: both), 5 (1 Mar; arrested 1 Dec, 275 days: 365 only)
    #   and 7 (1 May; never arrested). Person 3's case opened in 2025 and person 1's is in
    #   another program. 180: 1/3, 365: 2/3.
    def met(
        person: int, day: str, disposition: str, at: str = "10:00:00", area: str = "north"
    ) -> dict[str, Any]:
        return encounter(f"{day} {at}", person_key=person, disposition=disposition, area=area)

    arrest, citation, diversion, resolved = (
        "arrest_booked",
        "citation",
        "pre_booking_diversion",
        "resolved_on_scene",
    )
    root = write_snapshot(
        tmp_path,
        encounters=[
            met(1, "2026-01-10", citation, area="south"),
            met(1, "2026-05-01", arrest),
            met(2, "2026-01-05", resolved),
            met(2, "2026-02-01", diversion),
            met(2, "2026-07-31", arrest),
            met(3, "2026-03-01", arrest),
            met(3, "2026-04-01", citation),
            met(3, "2026-12-01", arrest),
            met(4, "2025-12-01", arrest),
            met(4, "2026-04-10", arrest),
            met(4, "2026-05-10", resolved),
            met(5, "2026-01-05", resolved),
            met(5, "2026-12-01", arrest),
        ],
        cases=[
            case(4, "2026-02-15 10:00:00"),
            case(5, "2026-03-01 10:00:00"),
            case(7, "2026-05-01 10:00:00"),
            case(3, "2025-11-01 10:00:00"),
            case(1, "2026-01-11 10:00:00", program="riverton-angel"),
        ],
    )
    half_year = ("2026-01-01", "2026-06-30")

    assert measured(root, "rearrest", *half_year) == [
        (JAN, RIVERTON, "180", 2, 4, 50.0),
        (JAN, RIVERTON, "365", 3, 4, 75.0),
    ]
    assert measured(root, "rearrest", *half_year, "quarter") == [
        (JAN, RIVERTON, "180", 2, 3, 66.6667),
        (JAN, RIVERTON, "365", 3, 3, 100.0),
        (APR, RIVERTON, "180", 0, 3, 0.0),
        (APR, RIVERTON, "365", 1, 3, 33.3333),
    ]
    assert measured(root, "rearrest", *half_year, area="south") == [
        (JAN, RIVERTON, "180", 1, 1, 100.0),
        (JAN, RIVERTON, "365", 1, 1, 100.0),
    ]
    assert measured(root, "rearrest", *half_year, program="alder-lead") == [
        (JAN, "acbh", "180", 1, 3, 33.3333),
        (JAN, "acbh", "365", 2, 3, 66.6667),
    ]
    assert measured(root, "rearrest", "2030-01-01", "2030-12-31") == []


def test_call_reclassification_rate(tmp_path: Path) -> None:
    # March, behavioural-health calls with a final type: disturbance -> mental health (north,
    #   reclassified), welfare check -> welfare check (north, kept), a -> b (south, reclassified)
    #   -> 2/3. Left out: a blank and a missing final type, and a call that is not behavioural
    #   health. North: 1/2 = 50%.
    def typed(
        initial: str, final: str | None, area: str = "north", **columns: Any
    ) -> dict[str, Any]:
        return call(
            "2026-03-09 10:00:00",
            initial_call_type=initial,
            final_call_type=final,
            area=area,
            **columns,
        )

    root = write_snapshot(
        tmp_path,
        calls=[
            typed("disturbance", "mental_health"),
            typed("welfare_check", "welfare_check"),
            typed("a", "b", area="south"),
            typed("suicide_threat", ""),
            typed("suicide_threat", None),
            typed("theft", "mental_health", behavioural_health=False),
        ],
    )

    march = ("2026-03-01", "2026-03-31")
    assert measured(root, "call_reclassification_rate", *march) == [(MAR, RIVERTON, 2, 3, 66.6667)]
    assert measured(root, "call_reclassification_rate", *march, area="north") == [
        (MAR, RIVERTON, 1, 2, 50.0)
    ]
    assert measured(root, "call_reclassification_rate", "2026-02-01", "2026-02-28") == []
