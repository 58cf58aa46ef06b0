"""opening.py: HSDS schedules compiled and checked. Pure: no database."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crossroads.directory.opening import (
    Rule,
    ScheduleError,
    ScheduleRow,
    always_open,
    compile_schedules,
    describe,
    is_open,
    next_change,
)

EASTERN = ZoneInfo("America/New_York")
ZONES = [EASTERN, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Honolulu"), UTC]
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def at(text: str, zone: ZoneInfo = EASTERN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def opened(
    rows: list[ScheduleRow],
    moment: datetime,
    *,
    holidays: frozenset[date] = frozenset(),
    closed_on_holidays: bool = False,
) -> bool:
    return is_open(
        compile_schedules(rows), moment, holidays=holidays, closed_on_holidays=closed_on_holidays
    )


def open_plainly(compiled: list[Rule], moment: datetime) -> bool:
    """is_open with no holidays."""
    return is_open(compiled, moment, holidays=(), closed_on_holidays=False)


def said(compiled: list[Rule], moment: datetime) -> str:
    return describe(compiled, moment, holidays=(), closed_on_holidays=False)


def weekly(days: str, opens: str | None, closes: str | None, **fields: object) -> ScheduleRow:
    return ScheduleRow(
        freq="WEEKLY",
        byday=days,
        opens_at=time.fromisoformat(opens) if opens else None,
        closes_at=time.fromisoformat(closes) if closes else None,
        **fields,  # type: ignore[arg-type]
    )


WEEKDAY_HOURS = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00")]
FRIDAY_NIGHT = [weekly("FR", "22:00", "06:00")]

# 2026-03-04 is a Wednesday.


def test_weekly_hours_are_half_open_intervals_on_the_named_days() -> None:
    assert opened(WEEKDAY_HOURS, at("2026-03-04T09:00"))
    assert opened(WEEKDAY_HOURS, at("2026-03-04T16:59:59"))
    assert not opened(WEEKDAY_HOURS, at("2026-03-04T17:00"))
    assert not opened(WEEKDAY_HOURS, at("2026-03-04T08:59"))
    assert not opened(WEEKDAY_HOURS, at("2026-03-07T10:00"))  # Saturday


def test_an_overnight_span_closes_the_next_morning() -> None:
    assert opened(FRIDAY_NIGHT, at("2026-03-06T23:00"))  # Friday
    assert opened(FRIDAY_NIGHT, at("2026-03-07T03:00"))  # Saturday, from Friday night
    assert not opened(FRIDAY_NIGHT, at("2026-03-07T06:00"))
    assert not opened(FRIDAY_NIGHT, at("2026-03-06T03:00"))  # Friday morning: Thursday's tail
    assert not opened(FRIDAY_NIGHT, at("2026-03-07T23:00"))  # Saturday night


@pytest.mark.parametrize(
    ("opens", "closes"), [("00:00", "00:00"), ("00:00", "23:59"), (None, None)]
)
def test_whole_days(opens: str | None, closes: str | None) -> None:
    rows = [weekly("SA,SU", opens, closes)]
    assert opened(rows, at("2026-03-07T00:00"))
    assert opened(rows, at("2026-03-08T23:59:30"))  # the last minute too
    assert not opened(rows, at("2026-03-09T00:00"))


def test_hours_without_days_are_every_day_and_every_day_around_the_clock_is_always_open() -> None:
    rows = [ScheduleRow(opens_at=time(8), closes_at=time(20))]
    assert all(opened(rows, at(f"2026-03-0{d}T12:00")) for d in range(1, 8))
    assert not always_open(compile_schedules(rows))
    assert always_open(compile_schedules([ScheduleRow(freq="DAILY")]))
    assert always_open(compile_schedules([ScheduleRow(opens_at=time(8), closes_at=time(8))]))
    assert not always_open(compile_schedules([weekly("MO,TU,WE,TH,FR,SA", None, None)]))


def test_a_row_that_names_neither_days_nor_hours_says_nothing() -> None:
    assert compile_schedules([ScheduleRow(valid_from=date(2026, 1, 1))]) == []


def test_validity_bounds_the_days_a_span_starts_on() -> None:
    rows = [weekly("FR", "22:00", "06:00", valid_from=date(2026, 3, 6), valid_to=date(2026, 3, 13))]
    assert not opened(rows, at("2026-02-27T23:00"))
    assert opened(rows, at("2026-03-06T23:00"))
    assert opened(rows, at("2026-03-14T03:00"))  # the last valid night runs to its end
    assert not opened(rows, at("2026-03-20T23:00"))


def test_until_and_dtstart_bound_a_weekly_rule() -> None:
    rows = [weekly("WE", "09:00", "17:00", dtstart=date(2026, 3, 4), until=date(2026, 3, 11))]
    assert not opened(rows, at("2026-02-25T10:00"))
    assert opened(rows, at("2026-03-11T10:00"))
    assert not opened(rows, at("2026-03-18T10:00"))


def test_monthly_on_the_first_monday() -> None:
    rows = [ScheduleRow(freq="MONTHLY", byday="1MO", opens_at=time(10), closes_at=time(12))]
    assert opened(rows, at("2026-03-02T11:00"))
    assert not opened(rows, at("2026-03-09T11:00"))
    assert opened(rows, at("2026-06-01T11:00"))


def test_monthly_on_a_day_of_the_month_counted_from_either_end() -> None:
    rows = [ScheduleRow(freq="MONTHLY", bymonthday="15,-1")]
    assert opened(rows, at("2026-02-15T08:00"))
    assert opened(rows, at("2026-02-28T08:00"))
    assert not opened(rows, at("2026-03-30T08:00"))
    assert opened(rows, at("2026-03-31T08:00"))


def test_fortnightly_and_counted_rules_count_from_dtstart() -> None:
    fortnightly = [weekly("WE", "09:00", "12:00", interval=2, dtstart=date(2026, 3, 4))]
    assert opened(fortnightly, at("2026-03-04T10:00"))
    assert not opened(fortnightly, at("2026-03-11T10:00"))
    assert opened(fortnightly, at("2026-03-18T10:00"))
    three = [weekly("WE", "09:00", "12:00", count=3, dtstart=date(2026, 3, 4))]
    assert opened(three, at("2026-03-18T10:00"))
    assert not opened(three, at("2026-03-25T10:00"))
    on_its_weekday = [ScheduleRow(freq="WEEKLY", dtstart=date(2026, 3, 5))]  # a Thursday
    assert opened(on_its_weekday, at("2026-03-12T10:00"))
    assert not opened(on_its_weekday, at("2026-03-11T10:00"))


def test_hours_are_wall_clock_hours_across_daylight_saving_changes() -> None:
    night = [weekly("SA", "22:00", "06:00")]
    # 2026-03-08: clocks go forward at 02:00 in New York; Saturday night still ends at 06:00.
    assert opened(night, datetime(2026, 3, 8, 9, 30, tzinfo=UTC).astimezone(EASTERN))  # 05:30
    assert not opened(night, datetime(2026, 3, 8, 10, 30, tzinfo=UTC).astimezone(EASTERN))
    # 2026-11-01: 01:30 happens twice; both are inside 01:00-02:00.
    early = [weekly("SU", "01:00", "02:00")]
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC).astimezone(EASTERN)
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC).astimezone(EASTERN)
    assert (first.hour, second.hour, second.fold) == (1, 1, 1)
    assert opened(early, first)
    assert opened(early, second)


def test_a_row_with_a_utc_offset_is_read_at_that_offset() -> None:
    rows = [weekly("WE", "09:00", "17:00", timezone=-5)]  # EST all year
    assert not opened(rows, at("2026-07-01T09:30"))  # 08:30 EST
    assert opened(rows, at("2026-07-01T10:30"))


CHRISTMAS = frozenset({date(2026, 12, 25)})


def test_a_site_closed_on_holidays_is_closed_for_the_calendar_day() -> None:
    nights = [ScheduleRow(freq="DAILY", opens_at=time(20), closes_at=time(8))]

    def closed_site_open(text: str) -> bool:
        return opened(nights, at(text), holidays=CHRISTMAS, closed_on_holidays=True)

    assert closed_site_open("2026-12-24T23:00")
    assert not closed_site_open("2026-12-25T02:00")  # the night before stops at midnight
    assert not closed_site_open("2026-12-25T21:00")
    assert not closed_site_open("2026-12-26T02:00")  # the night that began on the holiday
    assert closed_site_open("2026-12-26T21:00")
    assert opened(nights, at("2026-12-25T02:00"), holidays=CHRISTMAS)  # not closed on them


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (ScheduleRow(opens_at=time(9)), "closes_at"),
        (ScheduleRow(closes_at=time(9)), "opens_at"),
        (ScheduleRow(freq="HOURLY"), "freq"),
        (ScheduleRow(freq="WEEKLY", byday="MO,XX"), "byday"),
        (ScheduleRow(freq="MONTHLY", byday="9MO,60TU"), "byday"),
        (ScheduleRow(freq="WEEKLY", byday="MO", interval=0.5), "interval"),
        (ScheduleRow(freq="MONTHLY", bymonthday="40"), "bymonthday"),
        (ScheduleRow(freq="MONTHLY", bymonthday="first"), "bymonthday"),
        (ScheduleRow(freq="MONTHLY"), "dtstart"),
        (ScheduleRow(freq="WEEKLY", byday="MO", interval=2), "dtstart"),
        (ScheduleRow(freq="WEEKLY", byday="MO", timezone=20), "timezone"),
        (ScheduleRow(freq="MONTHLY", byday="1MO", wkst="XX"), "wkst"),
    ],
)
def test_unreadable_rows_name_the_field(row: ScheduleRow, field: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        compile_schedules([row])
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


def test_the_official_example_row_compiles_and_round_trips_as_json() -> None:
    """HSDS 3.0's example schedule sets every field at once (examples/csv/schedules.csv)."""
    row = {
        "valid_from": date(2005, 1, 1),
        "valid_to": date(2005, 1, 1),
        "dtstart": date(2005, 1, 1),
        "timezone": 3,
        "until": date(2005, 1, 1),
        "count": 3,
        "wkst": "TU",
        "freq": "WEEKLY",
        "interval": 1,
        "byday": "TH,FR",
        "byweekno": "41,42",
        "bymonthday": "2,3,4",
        "byyearday": "2,3,4",
        "opens_at": time(10),
        "closes_at": time(18),
        "description": "The service is available from 10 am to 6pm weekdays.",
    }
    compiled = compile_schedules([row])
    assert json.loads(json.dumps(compiled)) == compiled
    assert not is_open(compiled, at("2005-01-01T12:00"), holidays=(), closed_on_holidays=False)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        is_open([], datetime(2026, 3, 4, 10), holidays=(), closed_on_holidays=False)  # noqa: DTZ001


def test_describe_says_when_it_changes() -> None:
    compiled = compile_schedules(WEEKDAY_HOURS)
    assert said(compiled, at("2026-03-04T10:00")) == "open until 17:00"
    assert said(compiled, at("2026-03-04T07:00")) == "opens 09:00"
    assert said(compiled, at("2026-03-06T18:00")) == "opens Mon 09:00"
    assert said(compile_schedules(FRIDAY_NIGHT), at("2026-03-06T23:00")) == "open until Sat 06:00"
    assert said([], at("2026-03-04T10:00")) == "hours unknown"
    assert said(compile_schedules([ScheduleRow(freq="DAILY")]), at("2026-03-04T10:00")) == (
        "open 24 hours"
    )
    ended = compile_schedules([weekly("MO", "09:00", "10:00", valid_to=date(2026, 1, 1))])
    assert said(ended, at("2026-03-04T10:00")) == "closed all of the next 8 days"


# --- Properties ------------------------------------------------------------------------------

moments = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31)),  # noqa: DTZ001
    st.sampled_from(ZONES),
)
day_sets = st.sets(st.integers(0, 6), min_size=1)
seconds = st.integers(0, 86_399)
holiday_sets = st.frozensets(st.dates(min_value=date(2019, 12, 1), max_value=date(2032, 1, 31)))


def _hms(second: int) -> time:
    return time(second // 3600, second // 60 % 60, second % 60)


def _byday(days: set[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(days))


@given(moments, holiday_sets)
def test_a_24_7_site_is_open_at_every_instant(moment: datetime, holidays: frozenset[date]) -> None:
    for row in (ScheduleRow(freq="DAILY"), weekly(",".join(WEEKDAYS), "00:00", "00:00")):
        assert is_open(
            compile_schedules([row]), moment, holidays=holidays, closed_on_holidays=False
        )


@given(moments, day_sets, seconds, seconds)
def test_an_overnight_span_is_open_exactly_when_its_two_halves_are(
    moment: datetime, days: set[int], opens: int, closes: int
) -> None:
    opens, closes = max(opens, closes), min(opens, closes)
    assume(closes < 86_340)  # a 23:59 close is read as midnight: not an overnight span
    overnight = compile_schedules([weekly(_byday(days), str(_hms(opens)), str(_hms(closes)))])
    halves = [weekly(_byday(days), str(_hms(opens)), "00:00")]
    if closes:
        morning_days = {(d + 1) % 7 for d in days}
        halves.append(weekly(_byday(morning_days), "00:00", str(_hms(closes))))
    assert open_plainly(overnight, moment) == open_plainly(compile_schedules(halves), moment)


@given(moments, day_sets, seconds, seconds, holiday_sets)
def test_holidays_only_ever_close(
    moment: datetime, days: set[int], opens: int, closes: int, holidays: frozenset[date]
) -> None:
    compiled = compile_schedules([weekly(_byday(days), str(_hms(opens)), str(_hms(closes)))])
    if is_open(compiled, moment, holidays=holidays, closed_on_holidays=True):
        assert moment.date() not in holidays
        assert is_open(compiled, moment, holidays=holidays, closed_on_holidays=False)


@given(moments, st.integers(1, 28))
def test_a_monthly_day_is_open_on_that_day_of_every_month(moment: datetime, day: int) -> None:
    compiled = compile_schedules([ScheduleRow(freq="MONTHLY", bymonthday=str(day))])
    assert open_plainly(compiled, moment) == (moment.day == day)


@given(moments, st.sampled_from([1, 2, 3, 4, -1]), st.integers(0, 6))
def test_the_nth_weekday_of_the_month(moment: datetime, nth: int, weekday: int) -> None:
    compiled = compile_schedules([ScheduleRow(freq="MONTHLY", byday=f"{nth}{WEEKDAYS[weekday]}")])
    month_days = calendar.monthrange(moment.year, moment.month)[1]
    nth_here = (moment.day - 1) // 7 + 1 if nth > 0 else -((month_days - moment.day) // 7 + 1)
    expected = moment.weekday() == weekday and nth_here == nth
    assert open_plainly(compiled, moment) == expected


@given(moments, day_sets, seconds, seconds, st.integers(1, 600))
def test_next_change_is_where_the_answer_first_changes(
    moment: datetime, days: set[int], opens: int, closes: int, probe_minutes: int
) -> None:
    compiled = compile_schedules([weekly(_byday(days), str(_hms(opens)), str(_hms(closes)))])
    now = open_plainly(compiled, moment)
    change = next_change(compiled, moment, holidays=(), closed_on_holidays=False)
    probe = moment + timedelta(minutes=probe_minutes)
    if change is None or probe < change:
        assert open_plainly(compiled, probe) == now
    if change is not None:
        assert change > moment
        assert open_plainly(compiled, change) != now


@given(moments, day_sets, seconds, seconds)
def test_weekly_rules_read_the_same_by_weekday_and_through_dateutil(
    moment: datetime, days: set[int], opens: int, closes: int
) -> None:
    """The weekday shortcut and the rrule expansion are two readings of one rule."""
    hours = (str(_hms(opens)), str(_hms(closes)))
    by_weekday = compile_schedules([weekly(_byday(days), *hours)])
    counted = compile_schedules(
        [weekly(_byday(days), *hours, count=100_000, dtstart=date(2019, 12, 30))]
    )
    assert "recur" in counted[0] and "recur" not in by_weekday[0]
    assert open_plainly(by_weekday, moment) == open_plainly(counted, moment)
