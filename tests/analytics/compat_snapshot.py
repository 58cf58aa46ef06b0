"""One small snapshot that touches every table and every metric, for the portability tests: the
same metric SQL run on DuckDB and on Spark, PostgreSQL or SQLite must give the same rows.

Two police departments over three months (January to March 2026, a few rows after the range so
the 30/90/365-day windows reach past it): people met more than once, arrests before and after a
program's case, calls with and without arrival times (some to the half second), referrals
answered, declined and left waiting, services, a case of each program type, rostered shifts,
officers and CIT certifications (one lapsing and renewed inside the range).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from crossroads.analytics.metrics import Filters, Metric, Period
from crossroads.analytics.portable import sqlite_value
from tests.analytics.builder import write_snapshot

RIVERTON, ALDER, HARBOR = "riverton-pd", "alder-pd", "harbor-recovery"
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
PROGRAM, AREA = "riverton-lead", "north"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _event(agency: str, at: str, area: str) -> dict[str, Any]:
    return {"agency": agency, "local_date": at[:10], "area": area}


# id, agency, occurred (naive UTC), area, person, disposition, force, what else happened
ENCOUNTERS = [
    ("e01", RIVERTON, "2026-01-05 10:15:30.250", "north", 101, "resolved_on_scene", "none", ""),
    ("e02", RIVERTON, "2026-01-20 22:40:00", "north", 101, "arrest_booked", "empty_hand", "ws"),
    ("e03", RIVERTON, "2026-01-12 08:00:00", "south", 102, "citation", "verbal", ""),
    ("e04", RIVERTON, "2026-03-15 14:00:00", "south", 102, "arrest_booked", "less_lethal", "o"),
    ("e05", RIVERTON, "2026-02-01 12:00:00", "north", 103, "pre_booking_diversion", "none", ""),
    ("e06", RIVERTON, "2026-02-14 09:30:00", "south", 104, "voluntary_transport_ed", "none", ""),
    ("e07", RIVERTON, "2026-02-27 19:00:00", "north", 103, "referred_no_transport", "firearm", "w"),
    ("e08", RIVERTON, "2026-03-03 03:00:00", "north", 105, "involuntary_hold", "empty_hand", "s"),
    ("e09", RIVERTON, "2026-03-28 16:45:00", "south", 101, "voluntary_transport_ed", "none", ""),
    ("e10", RIVERTON, "2026-04-10 11:00:00", "north", 105, "arrest_booked", "none", ""),
    ("e11", ALDER, "2026-01-08 13:00:00", "east", 201, "arrest_booked", "verbal", ""),
    ("e12", ALDER, "2026-02-02 13:00:00", "east", 201, "citation", "none", ""),
    ("e13", ALDER, "2026-03-09 10:00:00", "west", 202, "resolved_on_scene", "empty_hand", "o"),
    ("e14", ALDER, "2026-03-20 10:00:00", "east", None, "unable_to_locate", "none", ""),
    ("e15", ALDER, "2026-05-02 10:00:00", "east", 202, "arrest_booked", "none", ""),
]


def _encounters() -> list[dict[str, Any]]:
    rows = []
    for n, (key, agency, at, area, person, disposition, force, extra) in enumerate(ENCOUNTERS):
        rows.append(
            {
                "encounter_id": key,
                **_event(agency, at, area),
                "occurred_at": _at(at),
                "call_id": "c" + key[1:],
                "person_key": person,
                "age": 20 + 3 * n,
                "officer_key": 9001 + n % 3 if agency == RIVERTON else 9101,
                "officer_cit": n % 2 == 0,
                "disposition": disposition,
                "highest_force": force,
                "weapon_present": "w" in extra,
                "subject_injured": "s" in extra,
                "officer_injured": "o" in extra,
                "minutes_on_scene": 15 + 7 * n,
                "custody_transfer_minutes": 10 + n if disposition == "arrest_booked" else None,
            }
        )
    return rows


def _calls() -> list[dict[str, Any]]:
    """A call before each encounter, and two more that sent nobody."""
    rows = []
    for n, (key, agency, at, area, *_) in enumerate(ENCOUNTERS):
        received = _at(at) - dt.timedelta(minutes=30, seconds=n * 7.5)
        arrived = received + dt.timedelta(minutes=4 + 2 * n, seconds=30.5) if n % 5 != 4 else None
        response = ("co_responder", "police", "cit_officer")[n % 3]
        rows.append(
            {
                "call_id": "c" + key[1:],
                **_event(agency, str(received), area),
                "received_at": received,
                "dispatched_at": received + dt.timedelta(minutes=1, seconds=10.25),
                "arrived_at": arrived,
                "cleared_at": _at(at) + dt.timedelta(minutes=45),
                "behavioural_health": n % 4 != 3,
                "initial_call_type": "welfare_check",
                "final_call_type": "mental_health" if n % 2 else "welfare_check",
                "source": "911",
                "response": response,
                "status": "closed",
                "cit_unit": n % 2 == 1,
                "clinician": response == "co_responder",
            }
        )
    for key, agency, at, area in [
        ("c90", RIVERTON, "2026-02-20 02:00:00", "south"),
        ("c91", ALDER, "2026-01-30 23:10:00", "west"),
    ]:
        rows.append(
            {
                "call_id": key,
                **_event(agency, at, area),
                "received_at": _at(at),
                "behavioural_health": True,
                "initial_call_type": "suicide_threat",
                "final_call_type": "",
                "source": "988",
                "response": "mobile_crisis",
                "status": "closed",
                "cit_unit": False,
                "clinician": True,
            }
        )
    return rows


PROGRAMS = [
    ("riverton-lead", RIVERTON, "lead"),
    ("riverton-angel", RIVERTON, "angel"),
    ("riverton-qrt", RIVERTON, "qrt"),
    ("riverton-cit", RIVERTON, "cit_follow_up"),
    ("riverton-coresponder", RIVERTON, "co_responder"),
    ("alder-cit", ALDER, "cit_follow_up"),
    ("alder-qrt", ALDER, "qrt"),
]


def _case(key: str, program: str, person: int, opened: str, area: str, **rest: Any) -> dict:
    agency, kind = next((a, t) for p, a, t in PROGRAMS if p == program)
    times = {k: _at(v) if isinstance(v, str) and k.endswith("_at") else v for k, v in rest.items()}
    return {
        "case_id": key,
        **_event(agency, opened, area),
        "program": program,
        "program_type": kind,
        "person_key": person,
        "opened_at": _at(opened),
        "eligible": True,
        **times,
    }


def _cases() -> list[dict[str, Any]]:
    deadline = "2026-02-20 09:00:00"
    return [
        _case(
            "k01",
            "riverton-lead",
            101,
            "2026-01-21 09:00:00",
            "north",
            entry_path="arrest_diversion",
            encounter_id="e02",
            status="active",
            intake_deadline_at=deadline,
            intake_at="2026-02-03 10:00:00",
            charge_status="held",
        ),
        _case(
            "k02",
            "riverton-lead",
            102,
            "2026-01-13 09:00:00",
            "south",
            entry_path="social_contact",
            encounter_id="e03",
            status="exited",
            intake_deadline_at="2026-02-12 09:00:00",
            charge_status="filed",
            closed_at="2026-03-01 12:00:00",
        ),
        _case(
            "k03",
            "riverton-angel",
            106,
            "2026-02-10 13:00:00",
            "",
            entry_path="walk_in",
            status="follow_up",
            placement_type="detox",
            placed_at="2026-02-10 15:00:00",
        ),
        _case(
            "k04",
            "riverton-angel",
            107,
            "2026-03-05 13:00:00",
            "",
            entry_path="walk_in",
            status="ineligible",
            eligible=False,
            closed_at="2026-03-05 13:30:00",
        ),
        _case(
            "k05",
            "riverton-angel",
            108,
            "2026-03-18 13:00:00",
            "",
            entry_path="walk_in",
            status="not_placed",
        ),
        _case(
            "k06",
            "riverton-qrt",
            104,
            "2026-02-15 08:00:00",
            "south",
            entry_path="overdose_report",
            status="accepted",
            contacted_at="2026-02-17 11:00:00",
            accepted=True,
        ),
        _case(
            "k07",
            "riverton-qrt",
            105,
            "2026-03-04 08:00:00",
            "north",
            entry_path="ems_referral",
            status="attempted",
            accepted=False,
        ),
        _case(
            "k08",
            "riverton-cit",
            103,
            "2026-02-02 09:00:00",
            "north",
            entry_path="encounter",
            encounter_id="e05",
            status="linked",
            contacted_at="2026-02-03 10:00:00",
            closed_at="2026-02-25 10:00:00",
        ),
        _case(
            "k09",
            "riverton-coresponder",
            105,
            "2026-03-03 03:10:00",
            "north",
            entry_path="dispatch",
            encounter_id="e08",
            status="assessed",
        ),
        _case(
            "k10",
            "alder-cit",
            201,
            "2026-01-09 09:00:00",
            "east",
            entry_path="encounter",
            encounter_id="e11",
            status="follow_up",
        ),
        _case(
            "k11",
            "alder-qrt",
            202,
            "2026-03-10 09:00:00",
            "west",
            entry_path="overdose_report",
            status="declined",
            contacted_at="2026-03-11 09:00:00",
            accepted=False,
        ),
    ]


def _referral(key: str, agency: str, person: int, created: str, area: str, **rest: Any) -> dict:
    times = {
        k: _at(v) if isinstance(v, str) and k.endswith(("_at", "_by")) else v
        for k, v in rest.items()
    }
    return {
        "referral_id": key,
        **_event(agency, created, area),
        "receiving_agency": HARBOR,
        "person_key": person,
        "source": "case" if rest.get("case_id") else "encounter",
        "need": "moud",
        "urgency": "today",
        "handoff": "warm",
        "created_at": _at(created),
        "accepted": False,
        **times,
    }


def _referrals() -> list[dict[str, Any]]:
    return [
        _referral(
            "r01",
            RIVERTON,
            101,
            "2026-01-05 11:00:00",
            "north",
            encounter_id="e01",
            need="mental_health",
            status="first_service",
            sent_at="2026-01-05 11:05:00",
            acknowledge_by="2026-01-06 11:05:00",
            acknowledged_at="2026-01-05 15:30:30.500",
            responded_at="2026-01-06 09:00:00",
            accepted=True,
            first_service_at="2026-01-12 10:00:00",
        ),
        _referral(
            "r02",
            RIVERTON,
            103,
            "2026-02-02 14:00:00",
            "north",
            case_id="k08",
            program="riverton-cit",
            status="completed",
            sent_at="2026-02-02 14:00:00",
            acknowledge_by="2026-02-03 14:00:00",
            acknowledged_at="2026-02-03 09:00:00",
            responded_at="2026-02-03 09:00:00",
            accepted=True,
            first_service_at="2026-02-10 10:00:00",
        ),
        _referral(
            "r03",
            RIVERTON,
            102,
            "2026-01-12 09:00:00",
            "south",
            encounter_id="e03",
            need="housing",
            urgency="routine",
            handoff="information",
            status="declined",
            sent_at="2026-01-12 09:10:00",
            acknowledge_by="2026-01-13 09:10:00",
            acknowledged_at="2026-01-14 08:00:00",
            responded_at="2026-01-14 08:00:00",
        ),
        _referral(
            "r04",
            RIVERTON,
            104,
            "2026-02-14 10:00:00",
            "south",
            encounter_id="e06",
            status="sent",
            sent_at="2026-02-14 10:00:00",
            acknowledge_by="2026-02-15 10:00:00",
        ),
        _referral(
            "r05",
            RIVERTON,
            106,
            "2026-02-10 14:00:00",
            "",
            case_id="k03",
            program="riverton-angel",
            need="detox",
            urgency="now",
            status="first_service",
            sent_at="2026-02-10 14:00:00",
            acknowledge_by="2026-02-10 18:00:00",
            acknowledged_at="2026-02-10 14:20:00",
            responded_at="2026-02-10 14:20:00",
            accepted=True,
            first_service_at="2026-02-11 09:00:00",
        ),
        _referral(
            "r06",
            ALDER,
            201,
            "2026-01-08 15:00:00",
            "east",
            encounter_id="e11",
            status="accepted",
            sent_at="2026-01-08 15:00:00",
            acknowledge_by="2026-01-09 15:00:00",
            acknowledged_at="2026-01-09 08:00:00",
            responded_at="2026-01-09 08:00:00",
            accepted=True,
        ),
        _referral(
            "r07", RIVERTON, 105, "2026-03-03 04:00:00", "north", encounter_id="e08", status="draft"
        ),
        _referral(
            "r08",
            RIVERTON,
            101,
            "2026-01-21 10:00:00",
            "north",
            case_id="k01",
            program="riverton-lead",
            status="first_service",
            sent_at="2026-01-21 10:00:00",
            acknowledge_by="2026-01-22 10:00:00",
            acknowledged_at="2026-01-21 16:00:00",
            responded_at="2026-01-22 09:00:00",
            accepted=True,
            first_service_at="2026-01-28 10:00:00",
        ),
    ]


def _services() -> list[dict[str, Any]]:
    """Services given on referrals, in the partition of the referral's month."""
    given = [
        ("r01", 101, "2026-01", "2026-01-12 10:00:00", "north"),
        ("r01", 101, "2026-01", "2026-01-19 10:00:00", "north"),
        ("r01", 101, "2026-01", "2026-02-02 10:00:00", "north"),
        ("r02", 103, "2026-02", "2026-02-10 10:00:00", "north"),
        ("r05", 106, "2026-02", "2026-02-11 09:00:00", ""),
        ("r08", 101, "2026-01", "2026-01-28 10:00:00", "north"),
        ("r08", 101, "2026-01", "2026-02-20 10:00:00", "north"),
    ]
    return [
        {
            "referral_id": key,
            **_event(RIVERTON, at, area),
            "month": month,
            "person_key": person,
            "served_at": _at(at),
        }
        for key, person, month, at, area in given
    ]


def _shifts() -> list[dict[str, Any]]:
    """Three days a month, each precinct's three shifts: some with a certified officer, some not."""
    rows = []
    for agency, areas in ((RIVERTON, ("north", "south")), (ALDER, ("east", "west"))):
        for month in (1, 2, 3):
            for day in (2, 12, 22):
                for a, area in enumerate(areas):
                    for s, shift in enumerate(("day", "evening", "night")):
                        rows.append(
                            {
                                **_event(agency, f"2026-{month:02d}-{day:02d}", area),
                                "shift": shift,
                                "on_duty": 2 + (day + s) % 3,
                                "certified": (month + day + a + s) % 3,
                            }
                        )
    return rows


def _officers() -> list[dict[str, Any]]:
    officers = [
        (9001, RIVERTON, True, "2025-01-01"),
        (9002, RIVERTON, True, "2025-01-01"),
        (9003, RIVERTON, True, "2025-06-01"),
        (9004, RIVERTON, False, "2025-01-01"),
        (9005, RIVERTON, True, "2026-02-15"),
        (9101, ALDER, True, "2024-01-01"),
        (9102, ALDER, True, "2024-01-01"),
    ]
    return [
        {"officer_key": key, "agency": agency, "patrol": patrol, "active_from": since}
        for key, agency, patrol, since in officers
    ]


def _certifications() -> list[dict[str, Any]]:
    held = [
        (9001, RIVERTON, "cit", "2025-06-01", "2028-06-01"),
        (9002, RIVERTON, "cit", "2024-01-01", "2026-02-10"),
        (9002, RIVERTON, "cit", "2026-02-05", "2029-02-05"),  # renewed before it lapsed
        (9003, RIVERTON, "naloxone", "2025-06-01", "2027-06-01"),
        (9005, RIVERTON, "cit", "2026-03-10", "2029-03-10"),
        (9101, ALDER, "cit", "2025-01-01", "2027-01-01"),
    ]
    return [
        {
            "officer_key": key,
            "agency": agency,
            "course": course,
            "issued_on": issued,
            "expires_on": expires,
        }
        for key, agency, course, issued, expires in held
    ]


def _agencies() -> list[dict[str, Any]]:
    return [
        {
            "agency": RIVERTON,
            "name": "Riverton Police",
            "type": "police",
            "time_zone": "America/New_York",
            "jail_day_cost": 126.06,
            "jail_days_per_booking": 3.5,
            "ed_visit_cost": 527.0,
            "officer_hour_cost": 61.5,
            "response_target_minutes": 10,
        },
        {
            "agency": ALDER,
            "name": "Alder Police",
            "type": "police",
            "time_zone": "America/Chicago",
            "jail_day_cost": 98.5,
            "jail_days_per_booking": 2.0,
            "ed_visit_cost": None,
            "officer_hour_cost": None,
            "response_target_minutes": None,
        },
        {
            "agency": HARBOR,
            "name": "Harbor Recovery",
            "type": "sud_treatment",
            "time_zone": "America/New_York",
        },
    ]


def write_compat_snapshot(root: Path) -> Path:
    return write_snapshot(
        root,
        calls=_calls(),
        encounters=_encounters(),
        referrals=_referrals(),
        services=_services(),
        cases=_cases(),
        shifts=_shifts(),
        agencies=_agencies(),
        programs=[
            {"program": p, "agency": a, "type": t, "name": p.replace("-", " ").title()}
            for p, a, t in PROGRAMS
        ],
        officers=_officers(),
        certifications=_certifications(),
    )


def runs(metric: Metric) -> list[Filters]:
    """What each engine is asked: every month unfiltered, and the whole range narrowed to the
    program and the area wherever the metric takes them."""
    by: list[tuple[Period, bool]] = [("month", False), ("all", True)]
    return [
        Filters(
            FIRST,
            LAST,
            period,
            program=PROGRAM if narrowed and "program" in metric.parameters else None,
            area=AREA if narrowed and "area" in metric.parameters else None,
        )
        for period, narrowed in by
    ]


def canonical(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows compared across engines: numbers as floats to 6 places (an engine may return an
    integer, a float or a decimal for the same count), dates as ISO text, instants and booleans
    as the SQLite tables store them; ordered by period, agency and category."""

    def value(v: Any) -> Any:
        if isinstance(v, bool | int | float | Decimal):
            return round(float(v), 6)
        if isinstance(v, dt.date):  # a datetime is a date too
            return sqlite_value(v)
        return v

    shaped = [{k.lower(): value(v) for k, v in row.items()} for row in rows]
    return sorted(shaped, key=lambda r: (r["period"], r["agency"], str(r.get("category") or "")))
