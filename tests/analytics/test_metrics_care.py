"""The care metrics (treatment after a referral, the referral loop, the programs, diversion and
cost estimates), each checked on a small hand-built snapshot whose answer is worked out by hand
in the test: an empty period, a filter that leaves rows out, and one month bucketing each."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from crossroads.analytics.metrics import Filters, Period, run
from tests.analytics.builder import write_snapshot

COUNTS = ("numerator", "denominator", "value")
RIVERTON, ALDER, ACBH, ARC = "riverton-pd", "alder-so", "acbh", "arc"
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
MARCH = ("2026-03-01", "2026-03-31")
MARCH_APRIL = ("2026-03-01", "2026-04-30")
FEBRUARY = ("2026-02-01", "2026-02-28")  # no records at all: no rows
_ids = itertools.count(1)


def measured(
    root: Path,
    name: str,
    days: tuple[str, str],
    by: Period = "all",
    columns: tuple[str, ...] = COUNTS,
    **filters: str,
) -> list[tuple[Any, ...]]:
    """The metric's rows as (period, agency, [category,] *columns), floats to 4 places."""
    first, last = (date.fromisoformat(day) for day in days)
    rows = run(name, Filters(first, last, by, **filters), root)
    category = ("category",) if rows and "category" in rows[0] else ()
    keys = ("period", "agency", *category, *columns)
    return [
        tuple(round(row[k], 4) if isinstance(row[k], float) else row[k] for k in keys)
        for row in rows
    ]


def later(at: str, **delta: float) -> str:
    """`at` (naive UTC, 'YYYY-MM-DD HH:MM:SS') moved by a timedelta's keywords."""
    return str(datetime.fromisoformat(at) + timedelta(**delta))


def encounter(at: str, **columns: Any) -> dict[str, Any]:
    """An encounter at `at` (naive UTC, here also the agency's day)."""
    return {"encounter_id": f"e{next(_ids)}", "occurred_at": at, "local_date": at[:10], **columns}


def referral(started: str, *, sent: bool = True, **columns: Any) -> dict[str, Any]:
    """A referral started at `started` and, unless a draft, sent ten minutes later."""
    return {
        "referral_id": f"r{next(_ids)}",
        "created_at": started,
        "local_date": started[:10],
        "sent_at": later(started, minutes=10) if sent else None,
        **columns,
    }


def served(row: dict[str, Any], first: str, *further: str) -> list[dict[str, Any]]:
    """The referral reached its first service at `first`, then attended `further` services:
    sets first_service_at and returns the `services` rows (one per service, the first included)."""
    row["first_service_at"] = first
    return [
        {"referral_id": row["referral_id"], "local_date": at[:10], "served_at": at}
        for at in (first, *further)
    ]


def case(kind: str, opened: str, agency: str = ACBH, **columns: Any) -> dict[str, Any]:
    """A case of a program of type `kind`, opened at `opened`."""
    return {
        "case_id": f"k{next(_ids)}",
        "agency": agency,
        "program": f"alder-{kind}",
        "program_type": kind,
        "opened_at": opened,
        "local_date": opened[:10],
        **columns,
    }


# --- Treatment after a referral (Part 2 records) --------------------------------------------------


def test_time_to_treatment_counts_days_from_the_index_contact(tmp_path: Path) -> None:
    # March (referrals started in March and sent):
    #   r1 from encounter e1 at 2 Mar 10:00, first service 4 Mar 10:00: 2.0 days (program LEAD)
    #   r2 a walk-in started 5 Mar 08:00, first service 6 Mar 20:00: 1.5 days from its start
    #   r3 from encounter e3 at 9 Mar 12:00, started 10 Mar 12:00, first service 19 Mar 12:00:
    #      10.0 days from the encounter, not 9 from the start (program LEAD)
    #   r4 sent, never served: denominator only
    #   a draft (never sent) with an encounter: in neither count
    # -> numerator 3, denominator 4; days [1.5, 2, 10]: median 2.0,
    #    p90 at rank 0.9 x 2 = 1.8: 2 + 0.8 x (10 - 2) = 8.4.
    # April: r6 started 2 Apr 09:00, first service 3 Apr 21:00: 1 of 1, 1.5 days.
    # LEAD only in March: r1, r3 -> 2 of 2, median 6.0, p90 2 + 0.9 x 8 = 9.2.
    e1, e3, e5 = (
        encounter("2026-03-02 10:00:00"),
        encounter("2026-03-09 12:00:00"),
        encounter("2026-03-20 12:00:00"),
    )
    r1 = referral("2026-03-02 11:00:00", encounter_id=e1["encounter_id"], program="alder-lead")
    r2 = referral("2026-03-05 08:00:00", source="walk_in")
    r3 = referral("2026-03-10 12:00:00", encounter_id=e3["encounter_id"], program="alder-lead")
    r4 = referral("2026-03-12 12:00:00")
    draft = referral("2026-03-20 13:00:00", sent=False, encounter_id=e5["encounter_id"])
    r6 = referral("2026-04-02 09:00:00")
    services = [
        *served(r1, "2026-03-04 10:00:00"),
        *served(r2, "2026-03-06 20:00:00"),
        *served(r3, "2026-03-19 12:00:00"),
        *served(r6, "2026-04-03 21:00:00"),
    ]
    root = write_snapshot(
        tmp_path,
        encounters=[e1, e3, e5],
        referrals=[r1, r2, r3, r4, draft, r6],
        services=services,
    )
    extra = (*COUNTS, "p90_days")

    assert measured(root, "time_to_treatment", MARCH, columns=extra) == [
        (MAR, RIVERTON, 3, 4, 2.0, 8.4)
    ]
    assert measured(root, "time_to_treatment", MARCH_APRIL, "month", columns=extra) == [
        (MAR, RIVERTON, 3, 4, 2.0, 8.4),
        (APR, RIVERTON, 1, 1, 1.5, 1.5),
    ]
    assert measured(root, "time_to_treatment", MARCH, program="alder-lead", columns=extra) == [
        (MAR, RIVERTON, 2, 2, 6.0, 9.2)
    ]
    assert measured(root, "time_to_treatment", FEBRUARY) == []


def test_initiation_within_14_days_counts_the_index_day_and_13_more(tmp_path: Path) -> None:
    # Days are calendar days; HEDIS IET counts the index day and the 13 days after it.
    # March (referrals started in March and sent):
    #   a: encounter 2 Mar, first service 15 Mar (13 days after): initiated (area north)
    #   b: a walk-in started 3 Mar, first service 17 Mar (14 days after): not (area north)
    #   c: encounter 26 Feb, referral started 1 Mar, first service 12 Mar: 14 days after the
    #      encounter, so not initiated (11 after the start would have counted)
    #   d: sent, never served: not initiated
    #   e: encounter 20 Mar, served the same day: initiated
    #   a draft: in neither count
    # -> 2 of 5 = 40%. April: f started 1 Apr, served 2 Apr: 1 of 1 = 100%.
    # Area north in March: a, b -> 1 of 2 = 50%.
    ea, ec, ee = (
        encounter("2026-03-02 09:00:00", area="north"),
        encounter("2026-02-26 09:00:00"),
        encounter("2026-03-20 09:00:00"),
    )
    a = referral("2026-03-02 10:00:00", encounter_id=ea["encounter_id"], area="north")
    b = referral("2026-03-03 10:00:00", area="north")
    c = referral("2026-03-01 10:00:00", encounter_id=ec["encounter_id"])
    d = referral("2026-03-04 10:00:00")
    e = referral("2026-03-20 10:00:00", encounter_id=ee["encounter_id"])
    draft = referral("2026-03-21 10:00:00", sent=False)
    f = referral("2026-04-01 10:00:00")
    services = [
        *served(a, "2026-03-15 16:00:00"),
        *served(b, "2026-03-17 09:00:00"),
        *served(c, "2026-03-12 09:00:00"),
        *served(e, "2026-03-20 15:00:00"),
        *served(f, "2026-04-02 15:00:00"),
    ]
    root = write_snapshot(
        tmp_path,
        encounters=[ea, ec, ee],
        referrals=[a, b, c, d, e, draft, f],
        services=services,
    )

    assert measured(root, "initiation_14d", MARCH) == [(MAR, RIVERTON, 2, 5, 40.0)]
    assert measured(root, "initiation_14d", MARCH_APRIL, "month") == [
        (MAR, RIVERTON, 2, 5, 40.0),
        (APR, RIVERTON, 1, 1, 100.0),
    ]
    assert measured(root, "initiation_14d", MARCH, area="north") == [(MAR, RIVERTON, 1, 2, 50.0)]
    assert measured(root, "initiation_14d", FEBRUARY) == []


def test_engagement_needs_initiation_and_two_more_services_within_34_days(
    tmp_path: Path,
) -> None:
    # All March referrals are walk-ins started 2 Mar (the index day) unless said otherwise.
    #   a: first 3 Mar, then 10 and 17 Mar: engaged (program LEAD)
    #   b: first 3 Mar 09:00, then 3 Mar 15:00 (the first's own day: not counted) and 20 Mar:
    #      one further service, not engaged (program LEAD)
    #   c: first 4 Mar, then 20 Mar and 7 Apr (34 days after 4 Mar): engaged. Its April service
    #      does not move it out of March: a referral counts in the period it was started.
    #   d: first 4 Mar, then 20 Mar and 8 Apr (35 days after): not engaged
    #   e: first 20 Mar (18 days after the index: not initiated), then 22 and 25 Mar: not engaged
    #   g: sent, never served
    # -> engaged a, c: 2 of 6 = 33.3333%; initiated a, b, c, d = 4.
    # April: h started 1 Apr, served 2, 9 and 16 Apr: 1 of 1 = 100%, initiated 1.
    # LEAD only in March: a engaged, b not -> 1 of 2 = 50%, initiated 2.
    start = "2026-03-02 10:00:00"
    a = referral(start, program="alder-lead")
    b = referral(start, program="alder-lead")
    c, d, e, g = (referral(start) for _ in range(4))
    h = referral("2026-04-01 10:00:00")
    services = [
        *served(a, "2026-03-03 09:00:00", "2026-03-10 09:00:00", "2026-03-17 09:00:00"),
        *served(b, "2026-03-03 09:00:00", "2026-03-03 15:00:00", "2026-03-20 09:00:00"),
        *served(c, "2026-03-04 09:00:00", "2026-03-20 09:00:00", "2026-04-07 18:00:00"),
        *served(d, "2026-03-04 09:00:00", "2026-03-20 09:00:00", "2026-04-08 09:00:00"),
        *served(e, "2026-03-20 09:00:00", "2026-03-22 09:00:00", "2026-03-25 09:00:00"),
        *served(h, "2026-04-02 09:00:00", "2026-04-09 09:00:00", "2026-04-16 09:00:00"),
    ]
    root = write_snapshot(tmp_path, referrals=[a, b, c, d, e, g, h], services=services)
    extra = (*COUNTS, "initiated")

    assert measured(root, "engagement_34d", MARCH, columns=extra) == [
        (MAR, RIVERTON, 2, 6, 33.3333, 4)
    ]
    assert measured(root, "engagement_34d", MARCH_APRIL, "month", columns=extra) == [
        (MAR, RIVERTON, 2, 6, 33.3333, 4),
        (APR, RIVERTON, 1, 1, 100.0, 1),
    ]
    assert measured(root, "engagement_34d", MARCH, program="alder-lead", columns=extra) == [
        (MAR, RIVERTON, 1, 2, 50.0, 2)
    ]
    assert measured(root, "engagement_34d", FEBRUARY) == []


# --- The referral loop -------------------------------------------------------------------------


def test_referral_closure_counts_accepted_or_declined(tmp_path: Path) -> None:
    # March: r1 accepted, r2 declined (both answered), r3 only marked received, r4 expired
    # unanswered, and a draft (never sent) -> 2 of 4 = 50%.
    # April: r6 sent, unanswered -> 0 of 1 = 0%.
    # Area north (r1, r2, r3): 2 of 3 = 66.6667%. Program LEAD (r1): 1 of 1 = 100%.
    def answered(started: str, **columns: Any) -> dict[str, Any]:
        return referral(started, responded_at=later(started, hours=3), **columns)

    referrals = [
        answered("2026-03-02 10:00:00", accepted=True, area="north", program="alder-lead"),
        answered("2026-03-03 10:00:00", accepted=False, area="north"),
        referral("2026-03-04 10:00:00", acknowledged_at="2026-03-04 11:00:00", area="north"),
        referral("2026-03-05 10:00:00", status="expired"),
        referral("2026-03-06 10:00:00", sent=False),
        referral("2026-04-02 10:00:00"),
    ]
    root = write_snapshot(tmp_path, referrals=referrals)

    assert measured(root, "referral_closure", MARCH) == [(MAR, RIVERTON, 2, 4, 50.0)]
    assert measured(root, "referral_closure", MARCH_APRIL, "month") == [
        (MAR, RIVERTON, 2, 4, 50.0),
        (APR, RIVERTON, 0, 1, 0.0),
    ]
    assert measured(root, "referral_closure", MARCH, area="north") == [
        (MAR, RIVERTON, 2, 3, 66.6667)
    ]
    assert measured(root, "referral_closure", MARCH, program="alder-lead") == [
        (MAR, RIVERTON, 1, 1, 100.0)
    ]
    assert measured(root, "referral_closure", FEBRUARY) == []


def test_acknowledgement_hours_median_p90_and_on_time(tmp_path: Path) -> None:
    # Each referral is sent ten minutes after it is started; hours count from sending.
    # March:
    #   r1 acknowledged after 2 h, due after 4 h: on time (area north)
    #   r2 after 1 h, due after 1 h: on time (exactly at the deadline)
    #   r3 after 24 h, due after 4 h: late (area north)
    #   r4 after 6 h, due after 4 h: late
    #   r5 never acknowledged: left out
    # hours [1, 2, 6, 24]: median (2 + 6) / 2 = 4.0; p90 at rank 0.9 x 3 = 2.7:
    # 6 + 0.7 x 18 = 18.6; on time 2 of 4 = 50%.
    # April: r6 after 0.5 h, due after 1 h -> 1 of 1, 0.5 h, 100%.
    # Area north: [2, 24] -> median 13.0, p90 2 + 0.9 x 22 = 21.8, on time 1 of 2.
    def acknowledged(started: str, hours: float, due: float, **columns: Any) -> dict[str, Any]:
        row = referral(started, **columns)
        row["acknowledge_by"] = later(row["sent_at"], hours=due)
        row["acknowledged_at"] = later(row["sent_at"], hours=hours)
        return row

    referrals = [
        acknowledged("2026-03-02 10:00:00", 2, 4, area="north"),
        acknowledged("2026-03-03 10:00:00", 1, 1),
        acknowledged("2026-03-04 10:00:00", 24, 4, area="north"),
        acknowledged("2026-03-05 10:00:00", 6, 4),
        referral("2026-03-06 10:00:00", acknowledge_by="2026-03-06 14:10:00"),
        acknowledged("2026-04-01 10:00:00", 0.5, 1),
    ]
    root = write_snapshot(tmp_path, referrals=referrals)
    extra = (*COUNTS, "p90_hours", "on_time_share")

    assert measured(root, "acknowledgement_hours", MARCH, columns=extra) == [
        (MAR, RIVERTON, 2, 4, 4.0, 18.6, 50.0)
    ]
    assert measured(root, "acknowledgement_hours", MARCH_APRIL, "month", columns=extra) == [
        (MAR, RIVERTON, 2, 4, 4.0, 18.6, 50.0),
        (APR, RIVERTON, 1, 1, 0.5, 0.5, 100.0),
    ]
    assert measured(root, "acknowledgement_hours", MARCH, area="north", columns=extra) == [
        (MAR, RIVERTON, 1, 2, 13.0, 21.8, 50.0)
    ]
    assert measured(root, "acknowledgement_hours", FEBRUARY) == []


# --- Programs ----------------------------------------------------------------------------------


def test_placement_rate_of_eligible_angel_presentations(tmp_path: Path) -> None:
    # Angel presentations at ARC in March:
    #   k1 eligible, placed after 3 h (program riverton-angel); k2 eligible, placed after 5 h;
    #   k3 eligible, not placed; k4 ineligible; k5 not decided yet (both left out);
    #   a LEAD case marked eligible and "placed" is not an Angel presentation.
    # -> 2 of 3 = 66.6667%, median hours to placement (3 + 5) / 2 = 4.0.
    # April: k7 eligible, placed after 2 h -> 1 of 1, 2.0 h.
    # riverton-angel only: k1 -> 1 of 1, 3.0 h.
    def angel(opened: str, placed_after: float | None = None, **columns: Any) -> dict[str, Any]:
        placed = later(opened, hours=placed_after) if placed_after is not None else None
        return case("angel", opened, agency=ARC, placed_at=placed, **columns)

    cases = [
        angel("2026-03-02 10:00:00", 3, eligible=True, program="riverton-angel"),
        angel("2026-03-03 10:00:00", 5, eligible=True),
        angel("2026-03-04 10:00:00", eligible=True),
        angel("2026-03-05 10:00:00", eligible=False),
        angel("2026-03-06 10:00:00"),
        case("lead", "2026-03-07 10:00:00", eligible=True, placed_at="2026-03-07 12:00:00"),
        angel("2026-04-02 10:00:00", 2, eligible=True),
    ]
    root = write_snapshot(tmp_path, cases=cases)
    extra = (*COUNTS, "median_hours_to_placement")

    assert measured(root, "placement_rate", MARCH, columns=extra) == [
        (MAR, ARC, 2, 3, 66.6667, 4.0)
    ]
    assert measured(root, "placement_rate", MARCH_APRIL, "month", columns=extra) == [
        (MAR, ARC, 2, 3, 66.6667, 4.0),
        (APR, ARC, 1, 1, 100.0, 2.0),
    ]
    assert measured(root, "placement_rate", MARCH, program="riverton-angel", columns=extra) == [
        (MAR, ARC, 1, 1, 100.0, 3.0)
    ]
    assert measured(root, "placement_rate", FEBRUARY) == []


def test_qrt_contact_rate_and_contacts_within_five_days(tmp_path: Path) -> None:
    # QRT cases opened in March:
    #   q1 reached after 2 days; q2 after 6 days (both program alder-qrt)
    #   q3 never reached; q4 reached exactly 5 days (120 h) after opening (program other-qrt)
    #   an Angel case with a contact is not a QRT case
    # -> reached 3 of 4 = 75%; within 5 days q1, q4: 2 of 4 = 50%.
    # April: q6 never reached -> 0 of 1 = 0%, within 5 days 0%.
    # alder-qrt only: 2 of 2 = 100%, within 5 days 1 of 2 = 50%.
    def qrt(opened: str, reached_after: float | None = None, **columns: Any) -> dict[str, Any]:
        reached = later(opened, days=reached_after) if reached_after is not None else None
        return case("qrt", opened, contacted_at=reached, **columns)

    cases = [
        qrt("2026-03-02 10:00:00", 2),
        qrt("2026-03-03 10:00:00", 6),
        qrt("2026-03-04 10:00:00", program="other-qrt"),
        qrt("2026-03-05 10:00:00", 5, program="other-qrt"),
        case("angel", "2026-03-06 10:00:00", contacted_at="2026-03-06 11:00:00"),
        qrt("2026-04-02 10:00:00"),
    ]
    root = write_snapshot(tmp_path, cases=cases)
    extra = (*COUNTS, "contacted_within_5_days_share")

    assert measured(root, "qrt_contact_rate", MARCH, columns=extra) == [
        (MAR, ACBH, 3, 4, 75.0, 50.0)
    ]
    assert measured(root, "qrt_contact_rate", MARCH_APRIL, "month", columns=extra) == [
        (MAR, ACBH, 3, 4, 75.0, 50.0),
        (APR, ACBH, 0, 1, 0.0, 0.0),
    ]
    assert measured(root, "qrt_contact_rate", MARCH, program="alder-qrt", columns=extra) == [
        (MAR, ACBH, 2, 2, 100.0, 50.0)
    ]
    assert measured(root, "qrt_contact_rate", FEBRUARY) == []


def test_qrt_acceptance_rate_among_people_reached(tmp_path: Path) -> None:
    # QRT cases opened in March:
    #   q1 reached, accepted; q2 reached, declined (both program alder-qrt)
    #   q3 reached, accepted (program other-qrt)
    #   q4 never reached; q5 never reached yet marked accepted: neither is counted
    # -> 2 of 3 = 66.6667%. April: q6 reached, declined -> 0 of 1 = 0%.
    # alder-qrt only: 1 of 2 = 50%.
    def qrt(opened: str, reached: bool, accepted: bool, **columns: Any) -> dict[str, Any]:
        contacted = later(opened, days=1) if reached else None
        return case("qrt", opened, contacted_at=contacted, accepted=accepted, **columns)

    cases = [
        qrt("2026-03-02 10:00:00", reached=True, accepted=True),
        qrt("2026-03-03 10:00:00", reached=True, accepted=False),
        qrt("2026-03-04 10:00:00", reached=True, accepted=True, program="other-qrt"),
        qrt("2026-03-05 10:00:00", reached=False, accepted=False),
        qrt("2026-03-06 10:00:00", reached=False, accepted=True),
        qrt("2026-04-02 10:00:00", reached=True, accepted=False),
    ]
    root = write_snapshot(tmp_path, cases=cases)

    assert measured(root, "qrt_acceptance_rate", MARCH) == [(MAR, ACBH, 2, 3, 66.6667)]
    assert measured(root, "qrt_acceptance_rate", MARCH_APRIL, "month") == [
        (MAR, ACBH, 2, 3, 66.6667),
        (APR, ACBH, 0, 1, 0.0),
    ]
    assert measured(root, "qrt_acceptance_rate", MARCH, program="alder-qrt") == [
        (MAR, ACBH, 1, 2, 50.0)
    ]
    assert measured(root, "qrt_acceptance_rate", FEBRUARY) == []


def test_lead_intake_on_time_among_eligible_cases(tmp_path: Path) -> None:
    # LEAD cases opened in March, each with its deadline 30 days after opening:
    #   l1 enrolled after 10 days: on time (program alder-lead)
    #   l2 enrolled exactly at the deadline: on time
    #   l3 enrolled after 31 days: late (program alder-lead)
    #   l4 not enrolled (yet): not on time
    #   l5 ineligible, l6 not decided: left out, although enrolled in time
    #   an Angel case with an intake is not a LEAD case
    # -> 2 of 4 = 50%, 1 without intake. April: l7 enrolled in time -> 1 of 1, none waiting.
    # alder-lead only: l1, l3 -> 1 of 2 = 50%, none waiting.
    def lead(opened: str, intake_after: float | None, **columns: Any) -> dict[str, Any]:
        intake = later(opened, days=intake_after) if intake_after is not None else None
        deadline = later(opened, days=30)
        return case("lead", opened, intake_at=intake, intake_deadline_at=deadline, **columns)

    cases = [
        lead("2026-03-02 10:00:00", 10, eligible=True),
        lead("2026-03-03 10:00:00", 30, eligible=True, program="other-lead"),
        lead("2026-03-04 10:00:00", 31, eligible=True),
        lead("2026-03-05 10:00:00", None, eligible=True, program="other-lead"),
        lead("2026-03-06 10:00:00", 5, eligible=False),
        lead("2026-03-07 10:00:00", 5),
        case("angel", "2026-03-08 10:00:00", eligible=True, intake_at="2026-03-08 12:00:00"),
        lead("2026-04-02 10:00:00", 3, eligible=True),
    ]
    root = write_snapshot(tmp_path, cases=cases)
    extra = (*COUNTS, "no_intake")

    assert measured(root, "lead_intake_on_time", MARCH, columns=extra) == [
        (MAR, ACBH, 2, 4, 50.0, 1)
    ]
    assert measured(root, "lead_intake_on_time", MARCH_APRIL, "month", columns=extra) == [
        (MAR, ACBH, 2, 4, 50.0, 1),
        (APR, ACBH, 1, 1, 100.0, 0),
    ]
    assert measured(root, "lead_intake_on_time", MARCH, program="alder-lead", columns=extra) == [
        (MAR, ACBH, 1, 2, 50.0, 0)
    ]
    assert measured(root, "lead_intake_on_time", FEBRUARY) == []


def test_new_participants_by_program_type(tmp_path: Path) -> None:
    # March: at ARC three Angel presentations (eligible, ineligible, not decided yet);
    # at ACBH one LEAD case and one QRT case (eligible).
    # -> ACBH lead 1 (1 opened), ACBH qrt 1 (1 opened), ARC angel 2 (3 opened: the ineligible
    #    one had no participant). A count: no denominator.
    # April: one more Angel participant at ARC.
    # alder-lead only: the LEAD row alone.
    cases = [
        case("angel", "2026-03-02 10:00:00", agency=ARC, eligible=True),
        case("angel", "2026-03-03 10:00:00", agency=ARC, eligible=False),
        case("angel", "2026-03-04 10:00:00", agency=ARC),
        case("lead", "2026-03-05 10:00:00", eligible=True),
        case("qrt", "2026-03-06 10:00:00", eligible=True),
        case("angel", "2026-04-02 10:00:00", agency=ARC, eligible=True),
    ]
    root = write_snapshot(tmp_path, cases=cases)
    extra = (*COUNTS, "opened")

    assert measured(root, "new_participants", MARCH, columns=extra) == [
        (MAR, ACBH, "lead", 1, None, 1, 1),
        (MAR, ACBH, "qrt", 1, None, 1, 1),
        (MAR, ARC, "angel", 2, None, 2, 3),
    ]
    assert measured(root, "new_participants", MARCH_APRIL, "month", columns=extra) == [
        (MAR, ACBH, "lead", 1, None, 1, 1),
        (MAR, ACBH, "qrt", 1, None, 1, 1),
        (MAR, ARC, "angel", 2, None, 2, 3),
        (APR, ARC, "angel", 1, None, 1, 1),
    ]
    assert measured(root, "new_participants", MARCH, program="alder-lead", columns=extra) == [
        (MAR, ACBH, "lead", 1, None, 1, 1)
    ]
    assert measured(root, "new_participants", FEBRUARY) == []


# --- Diversion and what it is worth ------------------------------------------------------------


def test_diverted_to_treatment_counts_people_once_per_agency(tmp_path: Path) -> None:
    # Riverton's encounters in March:
    #   person 1: a pre-booking diversion and later a referral without transport (counted once)
    #   person 2: a voluntary transport to a crisis facility (area north)
    #   person 3 arrested and booked, person 4 resolved on scene: not diverted
    #   nobody identified, referred without transport: no person to count
    # ACBH in March: person 10's encounter (a clinician's) ended in a referral, and person 10
    #   and person 1 entered LEAD (eligible); person 6's LEAD case was ineligible, person 8's
    #   QRT case is not a diversion program.
    # ARC in March: person 9 entered Angel (eligible); person 7's Angel case is undecided.
    # -> ACBH {1, 10}: 2 (1 at an encounter, 2 into programs); ARC {9}: 1 (0, 1);
    #    Riverton {1, 2}: 2 (2, 0). Person 1 counts in Riverton and in ACBH: agencies are never
    #    matched. April: Riverton person 5 referred without transport: 1.
    # Area north: Riverton {2}: 1.
    def diverted(at: str, person: int | None, disposition: str, **columns: Any) -> dict[str, Any]:
        return encounter(at, person_key=person, disposition=disposition, **columns)

    encounters = [
        diverted("2026-03-02 10:00:00", 1, "pre_booking_diversion"),
        diverted("2026-03-09 10:00:00", 1, "referred_no_transport"),
        diverted("2026-03-03 10:00:00", 2, "voluntary_transport_crisis_facility", area="north"),
        diverted("2026-03-04 10:00:00", 3, "arrest_booked"),
        diverted("2026-03-05 10:00:00", 4, "resolved_on_scene"),
        diverted("2026-03-06 10:00:00", None, "referred_no_transport"),
        diverted("2026-03-07 10:00:00", 10, "referred_no_transport", agency=ACBH),
        diverted("2026-04-02 10:00:00", 5, "referred_no_transport"),
    ]
    cases = [
        case("lead", "2026-03-02 12:00:00", person_key=1, eligible=True),
        case("lead", "2026-03-08 12:00:00", person_key=10, eligible=True),
        case("lead", "2026-03-10 12:00:00", person_key=6, eligible=False),
        case("qrt", "2026-03-11 12:00:00", person_key=8, eligible=True),
        case("angel", "2026-03-12 12:00:00", agency=ARC, person_key=9, eligible=True),
        case("angel", "2026-03-13 12:00:00", agency=ARC, person_key=7),
    ]
    root = write_snapshot(tmp_path, encounters=encounters, cases=cases)
    extra = (*COUNTS, "at_encounters", "into_programs")

    assert measured(root, "diverted_to_treatment", MARCH, columns=extra) == [
        (MAR, ACBH, 2, None, 2, 1, 2),
        (MAR, ARC, 1, None, 1, 0, 1),
        (MAR, RIVERTON, 2, None, 2, 2, 0),
    ]
    assert measured(root, "diverted_to_treatment", MARCH_APRIL, "month", columns=extra) == [
        (MAR, ACBH, 2, None, 2, 1, 2),
        (MAR, ARC, 1, None, 1, 0, 1),
        (MAR, RIVERTON, 2, None, 2, 2, 0),
        (APR, RIVERTON, 1, None, 1, 1, 0),
    ]
    assert measured(root, "diverted_to_treatment", MARCH, area="north", columns=extra) == [
        (MAR, RIVERTON, 1, None, 1, 1, 0)
    ]
    assert measured(root, "diverted_to_treatment", FEBRUARY) == []


def test_cost_estimate_from_the_agencys_own_parameters(tmp_path: Path) -> None:
    # Parameters: Riverton 2.5 jail days per booking, $100 a jail day, $500 an ED visit;
    # Alder 3 jail days per booking and no costs set.
    # Riverton in March: 2 pre-booking diversions (one the LEAD case's) and a citation (a booking
    # avoided too), 1 voluntary transport to a crisis facility, 1 to an ED (not counted: that
    # visit happened), 1 arrest.
    #   jail_days_avoided 3 x 2.5 = 7.5; jail_cost_avoided 7.5 x $100 = $750.0;
    #   ed_cost_avoided 1 x $500 = $500.0.
    # Alder in March: 1 diversion, 2 crisis-facility transports:
    #   jail days 1 x 3 = 3.0; jail cost empty (no day cost); ED cost empty (no visit cost).
    # April: Riverton 1 diversion -> 2.5 days, $250, no crisis transports -> $0.
    # alder-lead only (Riverton's one diversion its case was opened from): 2.5 days, $250, $0.
    diversion = encounter("2026-03-02 10:00:00", disposition="pre_booking_diversion")
    encounters = [
        diversion,
        encounter("2026-03-03 10:00:00", disposition="pre_booking_diversion"),
        encounter("2026-03-04 10:00:00", disposition="voluntary_transport_crisis_facility"),
        encounter("2026-03-05 10:00:00", disposition="voluntary_transport_ed"),
        encounter("2026-03-06 10:00:00", disposition="arrest_booked"),
        encounter("2026-03-06 11:00:00", disposition="citation"),
        encounter("2026-03-07 10:00:00", agency=ALDER, disposition="pre_booking_diversion"),
        *(
            encounter(at, agency=ALDER, disposition="voluntary_transport_crisis_facility")
            for at in ("2026-03-08 10:00:00", "2026-03-09 10:00:00")
        ),
        encounter("2026-04-02 10:00:00", disposition="pre_booking_diversion"),
    ]
    agencies = [
        {
            "agency": RIVERTON,
            "jail_days_per_booking": 2.5,
            "jail_day_cost": 100.0,
            "ed_visit_cost": 500.0,
        },
        {"agency": ALDER, "jail_days_per_booking": 3.0},
    ]
    cases = [case("lead", "2026-03-02 12:00:00", encounter_id=diversion["encounter_id"])]
    root = write_snapshot(tmp_path, encounters=encounters, agencies=agencies, cases=cases)
    extra = (*COUNTS, "jail_days_per_booking", "jail_day_cost", "ed_visit_cost")

    assert measured(root, "cost_estimate", MARCH, columns=extra) == [
        (MAR, ALDER, "ed_cost_avoided", 2, None, None, 3.0, None, None),
        (MAR, ALDER, "jail_cost_avoided", 1, None, None, 3.0, None, None),
        (MAR, ALDER, "jail_days_avoided", 1, None, 3.0, 3.0, None, None),
        (MAR, RIVERTON, "ed_cost_avoided", 1, None, 500.0, 2.5, 100.0, 500.0),
        (MAR, RIVERTON, "jail_cost_avoided", 3, None, 750.0, 2.5, 100.0, 500.0),
        (MAR, RIVERTON, "jail_days_avoided", 3, None, 7.5, 2.5, 100.0, 500.0),
    ]
    april = measured(root, "cost_estimate", MARCH_APRIL, "month")
    assert april[-3:] == [
        (APR, RIVERTON, "ed_cost_avoided", 0, None, 0.0),
        (APR, RIVERTON, "jail_cost_avoided", 1, None, 250.0),
        (APR, RIVERTON, "jail_days_avoided", 1, None, 2.5),
    ]
    assert len(april) == 9  # March's six rows first
    assert measured(root, "cost_estimate", MARCH, program="alder-lead") == [
        (MAR, RIVERTON, "ed_cost_avoided", 0, None, 0.0),
        (MAR, RIVERTON, "jail_cost_avoided", 1, None, 250.0),
        (MAR, RIVERTON, "jail_days_avoided", 1, None, 2.5),
    ]
    assert measured(root, "cost_estimate", FEBRUARY) == []
