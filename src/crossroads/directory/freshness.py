"""How much to trust what the directory says now. Pure: no Django.

Capacity is a claim about a moment; after `max_age` it is no longer a claim about now, so it is
shown as unknown, never as open (issue 4). Listings age more slowly: a record not verified
within the period is flagged and queued for the maintainer.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta


class CapacityState(enum.StrEnum):
    OPEN = "open"  # a fresh report with room
    FULL = "full"  # a fresh report: not accepting, or no room
    UNKNOWN = "unknown"  # no report, or none fresh enough to trust


def capacity_state(
    *, has_room: bool | None, reported_at: datetime | None, now: datetime, max_age: timedelta
) -> CapacityState:
    if has_room is None or reported_at is None or now - reported_at > max_age:
        return CapacityState.UNKNOWN
    return CapacityState.OPEN if has_room else CapacityState.FULL


def verification_overdue(*, verified_on: date | None, today: date, within: timedelta) -> bool:
    """Never verified counts as overdue: nobody has vouched for it."""
    return verified_on is None or today - verified_on > within
