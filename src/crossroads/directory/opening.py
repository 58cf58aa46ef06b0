"""When a place is open: HSDS schedule rows compiled once, checked fast. Pure: no Django.

`compile_schedules` turns a place's schedule rows into a JSON-able list of rules (stored in
`SearchEntry.opening`); `is_open` answers for one instant, `next_change` and `describe` say
when that answer next changes. The readings, where HSDS leaves room (docs/directory.md):

- Times are wall-clock times in the location's own time zone, so a 09:00 opening is 09:00 on
  both sides of a DST change. HSDS reads a schedule without `timezone` as UTC; listings write
  local hours, so Crossroads reads them in the location's zone, and only a row that gives a
  `timezone` (a UTC offset in hours) is read at that fixed offset.
- `closes_at` at or before `opens_at` closes the next day: Friday 22:00-06:00 is open on
  Saturday at 03:00. 00:00-00:00 and 00:00-23:59 are the whole day.
- A row with days (`freq` or `byday`) but no hours is open all day on those days; a row with
  hours but no days is open every day; a row with neither says nothing about opening hours
  (a description-only row) and is left out. One of `opens_at`/`closes_at` without the other
  is an error: the hours cannot be known.
- `valid_from`/`valid_to`, `dtstart`/`until` bound the days a span may *start* on; an
  overnight span that starts on its last valid day runs to its end.
- A site closed on holidays is closed for the whole calendar day of the holiday in its own
  zone: a span from the evening before closes at midnight, and a span that starts on the
  holiday does not open at all, not even past midnight (a wrong "open" sends someone in crisis
  to a locked door; a wrong "closed" only sends them on to the next place).
- `count` and `until` together break RFC 5545; `until` wins.

Weekly and daily rules with plain weekdays are checked by weekday arithmetic; everything else
(monthly `1MO`, `bymonthday`, `byweekno`, `byyearday`, intervals above 1, `count`) is expanded
with dateutil.rrule one year at a time, and each year's days are cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

from dateutil import rrule

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FREQUENCIES: dict[str, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    "DAILY": rrule.DAILY,
    "WEEKLY": rrule.WEEKLY,
    "MONTHLY": rrule.MONTHLY,
    "YEARLY": rrule.YEARLY,
}
DAY = 86_400  # seconds
LOOK_AHEAD_DAYS = 8  # next_change looks this far: past a weekly cycle and a holiday
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")

Rule = dict[str, Any]  # one compiled schedule row, JSON-able


class ScheduleError(ValueError):
    """A schedule row that cannot be read; names the HSDS field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


@dataclass(frozen=True)
class ScheduleRow:
    """The HSDS schedule fields that decide opening; an unset field is None."""

    freq: str | None = None
    interval: float | None = None
    byday: str | None = None
    bymonthday: str | None = None
    byweekno: str | None = None
    byyearday: str | None = None
    dtstart: date | None = None
    until: date | None = None
    count: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    wkst: str | None = None
    timezone: float | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ScheduleRow:
        return cls(**{f.name: row.get(f.name) for f in fields(cls)})


# --- Compiling -------------------------------------------------------------------------------


def compile_schedules(rows: Iterable[ScheduleRow | Mapping[str, Any]]) -> list[Rule]:
    """The rules of a place's schedule rows; an empty list means its hours are unknown.

    Raises ScheduleError for the first row that cannot be read."""
    compiled = []
    for row in rows:
        rule = compile_row(row if isinstance(row, ScheduleRow) else ScheduleRow.from_mapping(row))
        if rule is not None:
            compiled.append(rule)
    return compiled


def compile_row(row: ScheduleRow) -> Rule | None:
    """One row as a rule, or None for a row that names neither days nor hours."""
    names_days = bool(row.freq or row.byday or row.bymonthday or row.byyearday or row.byweekno)
    if not names_days and row.opens_at is None and row.closes_at is None:
        return None
    start, end = _span(row.opens_at, row.closes_at)
    return {
        "start": start,
        "end": end,
        "from": _latest(row.valid_from, row.dtstart),
        "to": _earliest(row.valid_to, row.until),
        "offset": _offset_minutes(row.timezone),
        **_days(row),
    }


def _span(opens: time | None, closes: time | None) -> tuple[int, int]:
    """Seconds from the start day's midnight: start < end <= start + one day."""
    if opens is None and closes is None:
        return 0, DAY
    if opens is None or closes is None:
        given, missing = ("opens_at", "closes_at") if closes is None else ("closes_at", "opens_at")
        raise ScheduleError(missing, f"{given} is given without {missing}")
    start = _seconds(opens)
    # 23:59 is how many listings write "until midnight"; the last minute is open too.
    end = DAY if (closes.hour, closes.minute) == (23, 59) else _seconds(closes)
    return start, end if end > start else end + DAY


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _latest(*days: date | None) -> str | None:
    known = [d for d in days if d is not None]
    return max(known).isoformat() if known else None


def _earliest(*days: date | None) -> str | None:
    known = [d for d in days if d is not None]
    return min(known).isoformat() if known else None


def _offset_minutes(hours: float | None) -> int | None:
    if hours is None:
        return None
    if not -14 <= hours <= 14:
        raise ScheduleError("timezone", f"{hours} is not a UTC offset in hours (-14 to 14)")
    return round(hours * 60)


def _days(row: ScheduleRow) -> Rule:
    """Which days a span starts on: plain weekdays ("days") or a recurrence ("recur")."""
    freq = (row.freq or "").strip().upper() or None
    if freq is not None and freq not in FREQUENCIES:
        raise ScheduleError("freq", f"{row.freq!r} is not one of {', '.join(FREQUENCIES)}")
    interval = _whole(row.interval, "interval", minimum=1) or 1
    count = _whole(row.count, "count", minimum=1)
    byday = _split(row.byday)
    ordinals = [_ordinal_weekday(part) for part in byday]
    plain = (
        freq in {None, "DAILY", "WEEKLY"}
        and interval == 1
        and (count is None or row.until is not None)
        and not (row.bymonthday or row.byweekno or row.byyearday)
        and all(part in WEEKDAYS for part in byday)
    )
    if plain and (byday or freq != "WEEKLY"):
        return {"days": sorted({WEEKDAYS.index(d) for d in byday}) if byday else None}
    if plain and row.dtstart is not None:  # weekly on the weekday of its first date (RFC 5545)
        return {"days": [row.dtstart.weekday()]}
    return {"days": None, "recur": _recurrence(row, freq, interval, count, ordinals)}


def _ordinal_weekday(part: str) -> tuple[int | None, int]:
    """A byday part as (occurrence, weekday): 1MO is (1, 0), the first Monday; FR (None, 4)."""
    match = _BYDAY.match(part)
    if match is None:
        raise ScheduleError("byday", f"{part!r} is not a weekday (MO..SU, or 1MO, -1FR)")
    nth, name = match.groups()
    if nth is not None and not 1 <= abs(int(nth)) <= 53:
        raise ScheduleError("byday", f"{part!r}: the occurrence must be 1..53 or -1..-53")
    return (int(nth) if nth else None, WEEKDAYS.index(name))


def _recurrence(
    row: ScheduleRow,
    freq: str | None,
    interval: int,
    count: int | None,
    byday: list[tuple[int | None, int]],
) -> Rule:
    anchor = row.dtstart or row.valid_from
    # A rule that names its days, with no interval or count, lands on the same days wherever
    # counting starts; any other rule counts from its first date (RFC 5545).
    free = interval == 1 and count is None and bool(byday or row.bymonthday or row.byyearday)
    if anchor is None and not free:
        raise ScheduleError("dtstart", "this rule counts from its first date; give dtstart")
    wkst = (row.wkst or "MO").strip().upper()
    if wkst not in WEEKDAYS:
        raise ScheduleError("wkst", f"{row.wkst!r} is not a weekday (MO..SU)")
    return {
        "freq": freq or "WEEKLY",
        "interval": interval,
        "count": None if row.until is not None else count,
        "byday": [[nth, day] for nth, day in byday],  # lists: the form JSON gives back
        "bymonthday": _numbers(row.bymonthday, "bymonthday", 31),
        "byweekno": _numbers(row.byweekno, "byweekno", 53),
        "byyearday": _numbers(row.byyearday, "byyearday", 366),
        "wkst": wkst,
        "anchor": anchor.isoformat() if anchor else None,
        "free": free,
    }


def _whole(value: float | None, field: str, *, minimum: int) -> int | None:
    if value is None:
        return None
    if value != int(value) or value < minimum:
        raise ScheduleError(field, f"{value} is not a whole number of at least {minimum}")
    return int(value)


def _split(text: str | None) -> list[str]:
    return [part.strip().upper() for part in (text or "").split(",") if part.strip()]


def _numbers(text: str | None, field: str, limit: int) -> list[int]:
    numbers = []
    for part in _split(text):
        try:
            number = int(part)
        except ValueError:
            raise ScheduleError(field, f"{part!r} is not a whole number") from None
        if number == 0 or abs(number) > limit:
            raise ScheduleError(field, f"{number} is outside 1..{limit} (or -1..-{limit})")
        numbers.append(number)
    return numbers


def always_open(compiled: list[Rule]) -> bool:
    """Open at every instant: some rule covers every day, around the clock, without end."""
    return any(
        rule.get("recur") is None
        and rule["days"] in (None, list(range(7)))
        and rule["end"] - rule["start"] >= DAY
        and rule["from"] is None
        and rule["to"] is None
        for rule in compiled
    )


# --- Checking --------------------------------------------------------------------------------


def is_open(
    compiled: list[Rule],
    at_local: datetime,
    *,
    holidays: Collection[date],
    closed_on_holidays: bool,
) -> bool:
    """Whether the place is open at `at_local`, an aware time in the location's zone.

    `holidays` are the public holidays of the location's region (dates in its zone)."""
    if at_local.tzinfo is None:
        raise ValueError("at_local must carry the location's time zone")
    closed_days: Collection[date] = holidays if closed_on_holidays else ()
    if at_local.date() in closed_days:
        return False
    return any(_rule_open(rule, at_local, closed_days) for rule in compiled)


def _rule_open(rule: Rule, at_local: datetime, closed_days: Collection[date]) -> bool:
    wall = _wall(rule, at_local)
    day, second = wall.date(), _seconds(wall.time())
    if rule["start"] <= second < rule["end"] and _starts_on(rule, day):
        return True
    if second < rule["end"] - DAY:  # the tail of a span that began the day before
        before = day - timedelta(days=1)
        return before not in closed_days and _starts_on(rule, before)
    return False


def _wall(rule: Rule, at_local: datetime) -> datetime:
    """The time on the clock the rule's hours are written in."""
    offset = rule["offset"]
    return at_local if offset is None else at_local.astimezone(_fixed_zone(offset))


@lru_cache(maxsize=64)
def _fixed_zone(minutes: int) -> timezone:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def _starts_on(rule: Rule, day: date) -> bool:
    """Whether a span of this rule starts on `day`."""
    iso = day.isoformat()
    if (rule["from"] is not None and iso < rule["from"]) or (
        rule["to"] is not None and iso > rule["to"]
    ):
        return False
    recur = rule.get("recur")
    if recur is None:
        return rule["days"] is None or day.weekday() in rule["days"]
    return day in _recurring_days(json.dumps(recur, sort_keys=True), day.year)


@lru_cache(maxsize=4096)
def _recurring_days(recur_json: str, year: int) -> frozenset[date]:
    """The days of one year on which a recurrence starts a span (cached: rules repeat)."""
    recur = json.loads(recur_json)
    first, last = datetime(year, 1, 1), datetime(year, 12, 31)  # noqa: DTZ001 - calendar days
    anchor = datetime.fromisoformat(recur["anchor"]) if recur["anchor"] else first
    if recur["free"]:  # saves iterating from a distant dtstart: same days either way
        anchor = max(anchor, first)
    if anchor > last:
        return frozenset()
    rule = rrule.rrule(
        FREQUENCIES[recur["freq"]],
        dtstart=anchor,
        interval=recur["interval"],
        count=recur["count"],
        wkst=WEEKDAYS.index(recur["wkst"]),
        byweekday=[rrule.weekday(day, nth) for nth, day in recur["byday"]] or None,
        bymonthday=recur["bymonthday"] or None,
        byweekno=recur["byweekno"] or None,
        byyearday=recur["byyearday"] or None,
    )
    return frozenset(moment.date() for moment in rule.between(first, last, inc=True))


# --- Saying when it changes ------------------------------------------------------------------


def next_change(
    compiled: list[Rule],
    at_local: datetime,
    *,
    holidays: Collection[date],
    closed_on_holidays: bool,
    within_days: int = LOOK_AHEAD_DAYS,
) -> datetime | None:
    """The first moment after `at_local` when `is_open` answers differently, in its zone;
    None if the answer holds for `within_days` (or the hours are unknown)."""
    now_open = is_open(compiled, at_local, holidays=holidays, closed_on_holidays=closed_on_holidays)
    pending: list[datetime] = []
    # Most answers change today or tomorrow: look there first, then at the rest of the days.
    for first, last in ((-1, 1), (2, within_days)):
        found = _boundaries(compiled, at_local, range(first, last + 1))
        pending = sorted([*pending, *(moment for moment in found if moment > at_local)])
        # Every moment before the next day's midnight is known; later ones may still come.
        known_until = _midnight(at_local, last + 1) if last < within_days else None
        while pending and (known_until is None or pending[0] < known_until):
            moment = pending.pop(0)
            if now_open != is_open(
                compiled, moment, holidays=holidays, closed_on_holidays=closed_on_holidays
            ):
                return moment
    return None


def _midnight(at_local: datetime, days_ahead: int) -> datetime:
    return datetime.combine(at_local.date() + timedelta(days=days_ahead), time(), at_local.tzinfo)


def _boundaries(compiled: list[Rule], at_local: datetime, days: range) -> list[datetime]:
    """Every moment the answer could change on these days (counted from at_local's): the
    starts and ends of spans that start then, and local midnights (when holidays turn)."""
    zone = at_local.tzinfo
    moments = []
    for shift in days:
        moments.append(_midnight(at_local, shift))
        day = at_local.date() + timedelta(days=shift)
        for rule in compiled:
            clock = zone if rule["offset"] is None else _fixed_zone(rule["offset"])
            midnight = datetime.combine(day, time(), clock)
            for second in (rule["start"], rule["end"]):
                # Added on the wall clock: a 22:00-06:00 span ends at 06:00 across a DST change.
                moments.append((midnight + timedelta(seconds=second)).astimezone(zone))
    return moments


def describe(
    compiled: list[Rule],
    at_local: datetime,
    *,
    holidays: Collection[date],
    closed_on_holidays: bool,
) -> str:
    """A short line for a result: "open until 18:00", "opens Mon 09:00", "hours unknown"."""
    if not compiled:
        return "hours unknown"
    if always_open(compiled) and not closed_on_holidays:
        return "open 24 hours"
    now_open = is_open(compiled, at_local, holidays=holidays, closed_on_holidays=closed_on_holidays)
    change = next_change(
        compiled, at_local, holidays=holidays, closed_on_holidays=closed_on_holidays
    )
    if change is None:
        return f"{'open' if now_open else 'closed'} all of the next {LOOK_AHEAD_DAYS} days"
    when = f"{change:%H:%M}"
    if change.date() != at_local.date():
        when = f"{DAY_NAMES[change.weekday()]} {when}"
    return f"open until {when}" if now_open else f"opens {when}"
