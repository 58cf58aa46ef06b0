"""Who in the demo county holds a CIT certification, and when: a plan, before anything is written.

DOMAIN.md: the commonly cited target is 20-25% of patrol officers CIT-trained (Dupont, Cochran &
Pillsbury); the 40-hour course is taken by volunteers. The plan starts the history with about a
quarter of the officers certified, lets certifications lapse after three years (some officers
take a refresher before or soon after, some do not), and trains new officers at the course held
three times a year, so coverage moves over the years the way a coordinator sees it move.

Pure: officers are any hashable keys, dates are the agency's local dates. The county records the
plan through `training.actions.certification_record`, and the history generator reads the same
plan to know who was certified on the day of each call.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from datetime import date
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)

VALID_YEARS = 3  # a typical CIT certification period; agencies set their own
SHARE_CERTIFIED_BEFORE = 0.22  # certified when the history starts
SHARE_TRAINED_DURING = 0.1  # newly trained at a course during the history
SHARE_RENEWING = 0.6  # of certifications that lapse, those renewed at a refresher
RENEW_BEFORE_LAPSE = 0.65  # of renewals, those taken before the old certificate lapsed
COURSE_DAYS = ((1, 22), (3, 20), (10, 16))  # the 40-hour course ends on these days each year

Interval = tuple[date, date]  # issued on, expires on (both days valid)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def course_dates(first: date, last: date) -> list[date]:
    """The days the CIT course ended, from `first` to `last` inclusive."""
    return [
        date(year, month, day)
        for year in range(first.year, last.year + 1)
        for month, day in COURSE_DAYS
        if first <= date(year, month, day) <= last
    ]


def plan_cit(
    officers: Sequence[Key],
    rng: random.Random,
    *,
    history_starts: date,
    today: date,
    certified: Sequence[Key] = (),
) -> dict[Key, list[Interval]]:
    """Each officer's CIT certifications, oldest first (officers never certified are absent).

    `certified` are officers who hold one throughout (a CIT coordinator): they are certified
    before the history starts and always renew in time.
    """
    pool = [officer for officer in officers if officer not in certified]
    rng.shuffle(pool)
    before = round(SHARE_CERTIFIED_BEFORE * len(officers)) - len(certified)
    during = round(SHARE_TRAINED_DURING * len(officers))
    earlier = course_dates(add_years(history_starts, -VALID_YEARS), history_starts)
    later = course_dates(history_starts, today) or earlier[-1:]
    plan: dict[Key, list[Interval]] = {}
    first = {officer: rng.choice(earlier) for officer in pool[: max(before, 0)]}
    # Counted, not drawn one by one, so a small roster still lands near the shares.
    lapsing = [
        officer for officer, issued in first.items() if add_years(issued, VALID_YEARS) < today
    ]
    renewing = {*certified, *lapsing[: round(SHARE_RENEWING * len(lapsing))]}
    first |= {officer: rng.choice(earlier) for officer in certified}
    for officer, issued in first.items():
        plan[officer] = _with_renewals(
            issued, rng, today=today, renews=officer in renewing, in_time=officer in certified
        )
    for officer in pool[max(before, 0) : max(before, 0) + during]:
        plan[officer] = _with_renewals(rng.choice(later), rng, today=today, renews=False)
    return plan


def _with_renewals(
    issued: date, rng: random.Random, *, today: date, renews: bool, in_time: bool = False
) -> list[Interval]:
    """A certification and, for an officer who renews, each refresher up to today (always
    before the old one lapses when `in_time`)."""
    intervals = [(issued, add_years(issued, VALID_YEARS))]
    while renews and intervals[-1][1] < today:
        lapses = intervals[-1][1]
        if in_time or rng.random() < RENEW_BEFORE_LAPSE:
            refresher = max(course_dates(add_years(lapses, -1), lapses))
        else:
            refresher = min(course_dates(lapses, add_years(lapses, 1)))
        if refresher > today:
            break
        intervals.append((refresher, add_years(refresher, VALID_YEARS)))
    return intervals


def certified_on(intervals: Sequence[Interval], day: date) -> bool:
    return any(issued <= day <= expires for issued, expires in intervals)
