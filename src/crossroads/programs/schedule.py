"""When a case's work falls due, and which caseload bucket a due time belongs in. Pure: no Django.

Follow-ups are counted from the crisis (the encounter), else from enrolment. A due time is
*overdue* once it has passed and *due today* if it falls later on the agency's calendar day:
a case manager's "today" ends at their own midnight, not UTC's.
"""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

HOURS_SAID_AS_HOURS = 72  # below three days people say "24 hours", "48 hours"


def follow_up_label(hours: int) -> str:
    """'24 hours', '3 days', '7 days', '30 days': the schedule as people say it."""
    if hours < HOURS_SAID_AS_HOURS or hours % 24:
        return f"{hours} hour{'' if hours == 1 else 's'}"
    return f"{hours // 24} days"


def follow_ups_due(start: datetime, hours: tuple[int, ...]) -> list[tuple[str, datetime]]:
    """Each follow-up of the schedule, labelled, with its due time."""
    return [(follow_up_label(h), start + timedelta(hours=h)) for h in sorted(set(hours))]


class Due(enum.StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"


def end_of_day(now: datetime, zone: ZoneInfo) -> datetime:
    """The next midnight in `zone` after `now` (aware)."""
    local = now.astimezone(zone)
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=zone)


def due_bucket(due_at: datetime, now: datetime, zone: ZoneInfo) -> Due | None:
    """Overdue, due later today, or neither (not yet today)."""
    if due_at < now:
        return Due.OVERDUE
    if due_at < end_of_day(now, zone):
        return Due.TODAY
    return None


def days_left(deadline: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days from today to the deadline's day in `zone`; negative once it has passed."""
    return (deadline.astimezone(zone).date() - now.astimezone(zone).date()).days
