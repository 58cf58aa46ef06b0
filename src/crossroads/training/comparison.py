"""Rates with 95% confidence intervals, for comparing encounter outcomes between officers who
were CIT-certified at the time and officers who were not.

Pure: no Django. The database counts (training/queries.py); this turns counts into rates a
reader can trust, and refuses to turn too few encounters into a rate at all.

Why the Wilson score interval: the textbook (Wald) interval p ± z·√(p(1-p)/n) collapses to zero
width when no encounter or every encounter had the outcome, and covers the true rate far less
often than 95% for the small groups and rare outcomes (officer injuries, firearms) this page
meets. Wilson's interval keeps close to its nominal coverage there, never leaves 0 to 1, and is the
one Brown, Cai & DasGupta (Statistical Science, 2001) recommend for these sizes. The difference
between the two groups uses Newcombe's hybrid score interval built from the two Wilson intervals
(Statistics in Medicine, 1998, method 10), for the same reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)  # 1.959963…
# Below this many encounters in a group, the page shows counts and "too few to estimate":
# an interval on a handful of encounters is wider than anything it could tell a reader.
# Wilson's interval is sound with no events at all, so there is no minimum number of events.
MIN_ENCOUNTERS = 30
# Said wherever the comparison is shown: the page and the API.
OBSERVATIONAL_NOTE = (
    "This compares encounters; it does not show that training caused a difference. Officers "
    "volunteer for CIT, certified officers are often sent to different calls, and calls differ "
    "in ways these records do not capture. Use it to ask questions, not to judge officers."
)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(events: int, n: int, *, z: float = Z) -> Interval:
    """The Wilson score interval for a proportion of `events` in `n` (95% by default)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one encounter")
    if not 0 <= events <= n:
        raise ValueError(f"{events} events cannot happen in {n} encounters")
    p = events / n
    spread = z * z / n
    centre = (p + spread / 2) / (1 + spread)
    half = z * sqrt(p * (1 - p) / n + spread / (4 * n)) / (1 + spread)
    # At no events (or all) one end is exactly 0 (or 1); rounding would leave a speck.
    low = 0.0 if events == 0 else centre - half
    high = 1.0 if events == n else centre + half
    return Interval(low, high)


def newcombe_difference(events_a: int, n_a: int, events_b: int, n_b: int) -> Interval:
    """Newcombe's hybrid score interval for the difference of two proportions, a - b."""
    p_a, p_b = events_a / n_a, events_b / n_b
    a, b = wilson_interval(events_a, n_a), wilson_interval(events_b, n_b)
    difference = p_a - p_b
    return Interval(
        difference - sqrt((p_a - a.low) ** 2 + (b.high - p_b) ** 2),
        difference + sqrt((a.high - p_a) ** 2 + (p_b - b.low) ** 2),
    )


@dataclass(frozen=True)
class Rate:
    """How many of a group's encounters had an outcome; the rate and its interval only when
    the group is large enough to estimate one."""

    events: int
    n: int
    estimate: float | None
    interval: Interval | None

    def in_words(self) -> dict[str, object]:
        """For a page: the counts, and the rate with its interval as percentages (or None)."""
        shown: dict[str, object] = {"events": self.events, "n": self.n, "estimate": None}
        if self.estimate is not None and self.interval is not None:
            shown.update(
                estimate=_percent(self.estimate),
                low=_percent(self.interval.low),
                high=_percent(self.interval.high),
            )
        return shown


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def rate(events: int, n: int) -> Rate:
    if n < MIN_ENCOUNTERS:
        return Rate(events, n, None, None)
    return Rate(events, n, events / n, wilson_interval(events, n))


@dataclass(frozen=True)
class Difference:
    """One group's rate minus another's (certified minus not certified on the training page),
    in proportion points, with its interval."""

    estimate: float
    interval: Interval

    def in_points(self) -> list[str]:
        """For a page: the estimate and its interval in signed percentage points."""
        points = [self.estimate, self.interval.low, self.interval.high]
        return [f"{share * 100:+.1f}" for share in points]


def difference(first: Rate, second: Rate) -> Difference | None:
    """First minus second with Newcombe's interval; None unless both groups can be estimated."""
    if first.estimate is None or second.estimate is None:
        return None
    return Difference(
        first.estimate - second.estimate,
        newcombe_difference(first.events, first.n, second.events, second.n),
    )


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    definition: str


@dataclass(frozen=True)
class OutcomeRow:
    outcome: Outcome
    certified: Rate
    not_certified: Rate
    difference: Difference | None  # None unless both groups can be estimated


def compare(
    outcome: Outcome, certified: tuple[int, int], not_certified: tuple[int, int]
) -> OutcomeRow:
    """One outcome's row from (events, encounters) of each group."""
    with_cit, without = rate(*certified), rate(*not_certified)
    return OutcomeRow(outcome, with_cit, without, difference(with_cit, without))


# The outcomes compared, in the order shown. training/queries.py counts each from the encounter's
# own fields (encounters/models.py); the definitions are what the page and the API say.
OUTCOMES = (
    Outcome(
        "force",
        "Force above verbal commands",
        "The highest force used was empty hand, a less-lethal weapon or a firearm, or force "
        "of a type the record does not give (imported records).",
    ),
    Outcome("subject_injured", "Person injured", "The person met was injured."),
    Outcome("officer_injured", "Officer injured", "An officer was injured."),
    Outcome("arrest", "Arrest", "The disposition was an arrest with booking."),
    Outcome(
        "referral",
        "Referred to services",
        "The disposition was a referral without transport, or a referral to a directory "
        "service was sent from the encounter.",
    ),
    Outcome(
        "transport",
        "Transported",
        "The person was taken to a crisis facility or an emergency department (voluntarily, "
        "on an involuntary hold, or by EMS).",
    ),
)
