"""When a shift is on, and how a squad's rotation reads. Pure: no Django.

A shift belongs to the day it starts, in its agency's local time: the night watch 23:00-07:00
that started yesterday is still on at 03:00 today, as yesterday's shift, so it is worked by the
squads whose rotation has them on yesterday. A shift ends at the local clock time its hours
reach, so across a daylight-saving change the night watch still ends at 07:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Watch:
    """One run of a shift: the day it belongs to, and when it starts and ends."""

    day: date
    starts: datetime
    ends: datetime


def running_watch(starts_at: time, hours: int, moment: datetime, zone: ZoneInfo) -> Watch | None:
    """The run of a shift (starting at `starts_at` local time, `hours` long) that is on at
    `moment`, or None when it is off. `moment` must be aware."""
    today = moment.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        starts = datetime.combine(day, starts_at, tzinfo=zone)
        ends = starts + timedelta(hours=hours)  # wall-clock arithmetic: ends at the local time
        if starts <= moment < ends:
            return Watch(day, starts, ends)
    return None


def rotation_label(pattern: str) -> str:
    """A rotation in words: "11110000" is "4 on, 4 off"; "1111100" is "5 on, 2 off"."""
    runs = [(kind, len(list(days))) for kind, days in groupby(pattern)]
    return ", ".join(f"{count} {'on' if kind == '1' else 'off'}" for kind, count in runs)
