"""Evaluation arithmetic: two groups' rates side by side with 95% intervals, and the dollar
estimates an agency's own parameters make of measured differences.

Pure: no Django. The snapshot queries (analytics/queries.py) count; this turns counts into rates
and estimates. The statistics are training/comparison.py's (Wilson intervals, Newcombe's
difference, no rate on fewer than MIN_ENCOUNTERS), so every comparison in Crossroads reads the
same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from crossroads.training.comparison import (
    CONFIDENCE,
    MIN_ENCOUNTERS,
    Difference,
    Rate,
    difference,
    rate,
)

__all__ = ["CONFIDENCE", "MIN_ENCOUNTERS", "OBSERVATIONAL_CAUTION"]

# Said above every comparison on the evaluation page.
OBSERVATIONAL_CAUTION = (
    "These comparisons are observational: the groups were not assigned at random. People "
    "enrolled in a program, encounters handled by CIT-certified officers and the months before "
    "and after a change differ in ways these records do not capture (who volunteers, which calls "
    "an officer is sent to, the season, other changes in the county). A difference here is a "
    "question worth asking, not proof that the program or the training caused it."
)

Counts = tuple[int, int]  # (events, n)


@dataclass(frozen=True)
class Contrast:
    """One measure in two groups: each group's rate (or "too few"), and first minus second."""

    label: str
    first: Rate
    second: Rate
    difference: Difference | None  # None unless both groups can be estimated


def contrast(label: str, first: Counts, second: Counts) -> Contrast:
    """Compare (events, n) of two groups; the difference is first minus second."""
    one, other = rate(*first), rate(*second)
    return Contrast(label, one, other, difference(one, other))


class NotAProportion(ValueError):
    """A metric row whose numerator is not a part of its denominator: no rate to compare."""


def proportion_counts(numerator: object, denominator: object) -> Counts:
    """A metric row's (numerator, denominator) as counts of events in a group, or refuse."""
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        raise NotAProportion("the metric does not count events in a group")
    if not 0 <= numerator <= denominator:
        raise NotAProportion(f"{numerator} of {denominator} is not a share of a group")
    return numerator, denominator


def before_after(
    before: Mapping[str, Counts], after: Mapping[str, Counts], labels: Mapping[str, str]
) -> list[Contrast]:
    """One row per category found in either period, after minus before. A category missing from
    a period had no events in it, out of that period's total (shared by every category)."""
    rows = []
    for category in sorted({*before, *after}, key=_category_order):
        rows.append(
            contrast(
                labels.get(category, category),
                after.get(category, (0, _total(after))),
                before.get(category, (0, _total(before))),
            )
        )
    return rows


def _total(counts: Mapping[str, Counts]) -> int:
    return max((n for _, n in counts.values()), default=0)


def _category_order(category: str) -> tuple[int, str]:
    """Windows of days in numeric order (30 before 365), other categories by name."""
    return (int(category), "") if category.isdigit() else (1 << 30, category)


# --- Cost estimates ---------------------------------------------------------------------------

# The agency's parameters an estimate may need (analytics/models.py AgencyParameters).
JAIL_DAY_COST = "jail_day_cost"
JAIL_DAYS_PER_BOOKING = "jail_days_per_booking"
ED_VISIT_COST = "ed_visit_cost"
OFFICER_HOUR_COST = "officer_hour_cost"
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Measured:
    """What the snapshot measured for the period, each None when it could not be measured
    (a metric not available, a group too small), with the reason."""

    diversions: int | None = None
    crisis_facility_transports: int | None = None
    ed_transfer_minutes: float | None = None  # mean custody-transfer minutes at an ED
    crisis_transfer_minutes: float | None = None  # the same at a crisis facility
    enrolled: int | None = None  # people enrolled with a full year of follow-up
    rearrest_difference: Difference | None = None  # enrolled minus not enrolled, within 365 days
    reasons: Mapping[str, str] = field(default_factory=dict)  # measure -> why it is empty


@dataclass(frozen=True)
class Estimate:
    """A dollar figure with everything it rests on; empty (dollars None) when an input is
    missing, naming which."""

    title: str
    quantity: str  # what was avoided, in words ("212 bookings avoided")
    formula: str
    inputs: list[tuple[str, str]]  # (input, value shown)
    dollars: Decimal | None
    low: Decimal | None = None  # the range from the difference's interval, where there is one
    high: Decimal | None = None
    missing_parameters: list[str] = field(default_factory=list)
    missing_measures: list[str] = field(default_factory=list)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Parameter:
    label: str
    value: Decimal | None


Parameters = Mapping[str, Parameter]  # by the AgencyParameters field's name


def _missing(parameters: Parameters, names: Sequence[str]) -> list[str]:
    return [parameters[name].label for name in names if parameters[name].value is None]


def _value(parameters: Parameters, name: str) -> Decimal:
    """A parameter already checked to be there (the callers look at `_missing` first)."""
    value = parameters[name].value
    if value is None:
        raise ValueError(f"{name} is not set")
    return value


def _absent(measured: Measured, **values: object) -> list[str]:
    """Why each measure an estimate needs is empty, for those that are."""
    return [
        measured.reasons.get(name, f"{name.replace('_', ' ')} could not be measured")
        for name, value in values.items()
        if value is None
    ]


def diversion_estimate(measured: Measured, parameters: Parameters) -> Estimate:
    """Each diversion is a booking avoided: the jail days a booking costs, at the day's cost."""
    names = [JAIL_DAYS_PER_BOOKING, JAIL_DAY_COST]
    missing = _missing(parameters, names)
    diversions = measured.diversions
    dollars = None
    if diversions is not None and not missing:
        per_booking = _value(parameters, JAIL_DAYS_PER_BOOKING) * _value(parameters, JAIL_DAY_COST)
        dollars = _money(diversions * per_booking)
    return Estimate(
        title="Jail days avoided by diverting people instead of booking them",
        quantity=f"{_count(diversions)} bookings avoided",
        formula="diversions times jail days per booking times cost of a jail day",
        inputs=[
            ("Diversions (bookings avoided)", _count(diversions)),
            *_parameter_inputs(parameters, names),
        ],
        dollars=dollars,
        missing_parameters=missing,
        missing_measures=_absent(measured, diversions=diversions),
    )


def ed_estimate(measured: Measured, parameters: Parameters) -> Estimate:
    """A transport to the crisis facility is an emergency-department visit avoided."""
    missing = _missing(parameters, [ED_VISIT_COST])
    transports = measured.crisis_facility_transports
    dollars = None
    if transports is not None and not missing:
        dollars = _money(transports * _value(parameters, ED_VISIT_COST))
    return Estimate(
        title="Emergency-department visits avoided by taking people to the crisis facility",
        quantity=f"{_count(transports)} ED visits avoided",
        formula="transports to a crisis facility times cost of an ED visit",
        inputs=[
            ("Transports to a crisis facility", _count(transports)),
            *_parameter_inputs(parameters, [ED_VISIT_COST]),
        ],
        dollars=dollars,
        missing_parameters=missing,
        missing_measures=_absent(measured, crisis_facility_transports=transports),
    )


def officer_time_estimate(measured: Measured, parameters: Parameters) -> Estimate:
    """Officer hours saved at hand-off: each crisis-facility transport saves the difference
    between the average custody transfer at an ED and at the crisis facility (negative when the
    crisis facility took longer)."""
    missing = _missing(parameters, [OFFICER_HOUR_COST])
    ed, crisis = measured.ed_transfer_minutes, measured.crisis_transfer_minutes
    transports = measured.crisis_facility_transports
    hours = None
    if transports is not None and ed is not None and crisis is not None:
        hours = transports * (Decimal(str(ed)) - Decimal(str(crisis))) / 60
    dollars = None
    if hours is not None and not missing:
        dollars = _money(hours * _value(parameters, OFFICER_HOUR_COST))
    return Estimate(
        title="Officer time saved at hand-off (crisis facility instead of an ED)",
        quantity=f"{_number(hours)} officer hours saved",
        formula=(
            "transports to a crisis facility times (average minutes to hand over at an ED minus "
            "at a crisis facility) divided by 60, times the cost of an officer hour"
        ),
        inputs=[
            ("Transports to a crisis facility", _count(transports)),
            ("Average hand-over at an ED", _minutes(ed)),
            ("Average hand-over at a crisis facility", _minutes(crisis)),
            *_parameter_inputs(parameters, [OFFICER_HOUR_COST]),
        ],
        dollars=dollars,
        missing_parameters=missing,
        missing_measures=_absent(
            measured,
            crisis_facility_transports=transports,
            ed_transfer_minutes=ed,
            crisis_transfer_minutes=crisis,
        ),
    )


def program_jail_estimate(measured: Measured, parameters: Parameters) -> Estimate:
    """Jail days avoided by a program: the re-arrests its participants did not have, compared
    with people referred but not enrolled (their difference in the share re-arrested within a
    year, times the participants), each re-arrest a booking of the agency's average length.
    The low and high figures carry the difference's 95% interval through the same sum."""
    names = [JAIL_DAYS_PER_BOOKING, JAIL_DAY_COST]
    missing = _missing(parameters, names)
    difference, enrolled = measured.rearrest_difference, measured.enrolled
    avoided: list[Decimal] = []  # estimate, low, high
    if difference is not None and enrolled is not None:
        # Not enrolled minus enrolled: fewer re-arrests among participants is a positive number.
        shares = (difference.estimate, difference.interval.high, difference.interval.low)
        avoided = [-Decimal(str(share)) * enrolled for share in shares]
    dollars: list[Decimal | None] = [None, None, None]
    if avoided and not missing:
        per_rearrest = _value(parameters, JAIL_DAYS_PER_BOOKING) * _value(parameters, JAIL_DAY_COST)
        dollars = [_money(count * per_rearrest) for count in avoided]
    points = "—" if difference is None else f"{-difference.estimate * 100:+.1f} points"
    return Estimate(
        title="Jail days avoided by the program (fewer re-arrests within 365 days)",
        quantity=f"{_number(avoided[0] if avoided else None)} re-arrests avoided",
        formula=(
            "participants times (share re-arrested among those referred but not enrolled minus "
            "among participants) times jail days per booking times cost of a jail day"
        ),
        inputs=[
            ("Participants with a year of follow-up", _count(enrolled)),
            ("Difference in the share re-arrested (not enrolled minus enrolled)", points),
            *_parameter_inputs(parameters, names),
        ],
        dollars=dollars[0],
        low=dollars[1],
        high=dollars[2],
        missing_parameters=missing,
        missing_measures=_absent(
            measured, rearrest_difference=difference if enrolled is not None else None
        ),
    )


def estimates(measured: Measured, parameters: Parameters) -> list[Estimate]:
    """Every estimate the calculator shows, in order."""
    return [
        diversion_estimate(measured, parameters),
        ed_estimate(measured, parameters),
        officer_time_estimate(measured, parameters),
        program_jail_estimate(measured, parameters),
    ]


def _parameter_inputs(parameters: Parameters, names: Sequence[str]) -> list[tuple[str, str]]:
    return [
        (
            parameters[name].label,
            "not set" if parameters[name].value is None else f"{parameters[name].value:,}",
        )
        for name in names
    ]


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _number(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} minutes"
