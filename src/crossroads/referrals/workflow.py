"""The closed loop of a referral (DOMAIN.md): which moves are legal, and whose they are. Pure.

The sender drafts and sends; everything after belongs to the receiving provider, except expiry,
which the system makes when nobody answered. What each status tells the sender about the person
is a kind of Part 2 information (consent.models.INFORMATION_KINDS): the sender sees it only when
consent.policy allows that kind at that moment.
"""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    FIRST_SERVICE = "first_service"
    COMPLETED = "completed"
    DISENGAGED = "disengaged"
    NO_SHOW = "no_show"
    EXPIRED = "expired"


class Side(enum.StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"
    SYSTEM = "system"


# status -> {next status: who moves it there}
MOVES: dict[Status, dict[Status, Side]] = {
    Status.DRAFT: {Status.SENT: Side.SENDER},
    Status.SENT: {
        Status.RECEIVED: Side.RECEIVER,
        Status.ACCEPTED: Side.RECEIVER,
        Status.DECLINED: Side.RECEIVER,
        Status.EXPIRED: Side.SYSTEM,
    },
    Status.RECEIVED: {
        Status.ACCEPTED: Side.RECEIVER,
        Status.DECLINED: Side.RECEIVER,
        Status.EXPIRED: Side.SYSTEM,
    },
    Status.ACCEPTED: {
        Status.SCHEDULED: Side.RECEIVER,
        # a walk-in seen the same day is engaged without an appointment
        Status.FIRST_SERVICE: Side.RECEIVER,
        Status.NO_SHOW: Side.RECEIVER,
    },
    Status.SCHEDULED: {
        Status.SCHEDULED: Side.RECEIVER,  # rescheduled
        Status.FIRST_SERVICE: Side.RECEIVER,
        Status.NO_SHOW: Side.RECEIVER,
    },
    Status.NO_SHOW: {Status.SCHEDULED: Side.RECEIVER, Status.DISENGAGED: Side.RECEIVER},
    Status.FIRST_SERVICE: {
        # another service attended: HEDIS engagement counts the services after the first
        Status.FIRST_SERVICE: Side.RECEIVER,
        Status.COMPLETED: Side.RECEIVER,
        Status.DISENGAGED: Side.RECEIVER,
    },
    Status.DECLINED: {},
    Status.COMPLETED: {},
    Status.DISENGAGED: {},
    Status.EXPIRED: {},
}

# A provider's first answer: the acknowledgement whose time is measured.
ACKNOWLEDGEMENTS = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.DECLINED})
CLOSED = frozenset(status for status, moves in MOVES.items() if not moves)
# Self-moves that record one more of the same step, not a change of status: the referral
# reached the status with the first of them, so its time (first_service_at, and the time the
# sender is shown) stays the first's. A reschedule is not one: it changes the appointment.
REPEATS = frozenset({Status.FIRST_SERVICE})

# What the sender learns about the person from each status the provider sets.
INFORMATION_OF_STATUS: dict[Status, str] = {
    Status.RECEIVED: "referral_status",
    Status.ACCEPTED: "referral_status",
    Status.DECLINED: "referral_status",
    Status.SCHEDULED: "appointments",
    Status.NO_SHOW: "appointments",
    Status.FIRST_SERVICE: "engagement",
    Status.COMPLETED: "completion",
    Status.DISENGAGED: "completion",
}


class IllegalMove(ValueError):
    """A move the loop does not allow from here, or not to this side."""


def check_move(current: Status, to: Status, side: Side) -> None:
    """Nothing if `side` may move a referral from `current` to `to`; else IllegalMove saying why."""
    allowed = MOVES[current]
    if to not in allowed:
        options = ", ".join(sorted(allowed)) or "none: the referral is closed"
        raise IllegalMove(f"A {current} referral cannot become {to} (possible: {options}).")
    if allowed[to] is not side:
        raise IllegalMove(f"Only the {allowed[to]} can make a {current} referral {to}.")


def is_repeat(current: Status, to: Status) -> bool:
    """The move records another of the step the referral already stands at (see REPEATS)."""
    return current is to and to in REPEATS


def moves_for(current: Status, side: Side) -> tuple[Status, ...]:
    """The statuses `side` may move a referral to from here, in the loop's order."""
    return tuple(to for to, who in MOVES[current].items() if who is side)
