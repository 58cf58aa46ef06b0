"""The evaluation arithmetic, pure: two groups compared, before and after by category, and the
cost estimates with their inputs and the parameters they miss. Worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.analytics.evaluation import (
    ED_VISIT_COST,
    JAIL_DAY_COST,
    JAIL_DAYS_PER_BOOKING,
    OFFICER_HOUR_COST,
    Measured,
    NotAProportion,
    Parameter,
    before_after,
    contrast,
    diversion_estimate,
    ed_estimate,
    estimates,
    officer_time_estimate,
    program_jail_estimate,
    proportion_counts,
)
from crossroads.training.comparison import MIN_ENCOUNTERS, Difference, Interval


def _parameters(**values: str | None) -> dict[str, Parameter]:
    names = (JAIL_DAY_COST, JAIL_DAYS_PER_BOOKING, ED_VISIT_COST, OFFICER_HOUR_COST)
    return {
        name: Parameter(name.replace("_", " "), Decimal(values[name]) if values.get(name) else None)
        for name in names
    }


def test_two_groups_large_enough_have_rates_and_a_difference() -> None:
    row = contrast("Force", (10, 100), (25, 100))
    assert row.first.estimate == 0.10 and row.second.estimate == 0.25
    assert row.difference is not None
    assert row.difference.estimate == pytest.approx(-0.15)
    low, high = row.difference.interval.low, row.difference.interval.high
    assert low < -0.15 < high < 0  # 10 of 100 against 25 of 100 is told apart from no difference


def test_a_group_below_the_minimum_gets_counts_but_no_rate_and_no_difference() -> None:
    row = contrast("Force", (1, MIN_ENCOUNTERS - 1), (25, 100))
    assert row.first.estimate is None and row.first.events == 1
    assert row.second.estimate == 0.25
    assert row.difference is None


@given(
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=MIN_ENCOUNTERS, max_value=200),
    st.integers(min_value=MIN_ENCOUNTERS, max_value=200),
)
def test_the_difference_is_first_minus_second_and_inside_its_interval(
    a: int, b: int, n_a: int, n_b: int
) -> None:
    a, b = min(a, n_a), min(b, n_b)
    row = contrast("x", (a, n_a), (b, n_b))
    assert row.difference is not None
    assert row.difference.estimate == pytest.approx(a / n_a - b / n_b)
    assert row.difference.interval.low <= row.difference.estimate <= row.difference.interval.high


def test_before_and_after_by_category_fills_a_missing_category_with_none_of_the_total() -> None:
    before = {"arrest_booked": (10, 100), "citation": (5, 100)}
    after = {"arrest_booked": (4, 80)}  # no citation after: 0 of the 80 encounters
    rows = before_after(before, after, {"arrest_booked": "Arrest", "citation": "Citation"})
    assert [(r.label, r.first.events, r.first.n, r.second.events, r.second.n) for r in rows] == [
        ("Arrest", 4, 80, 10, 100),
        ("Citation", 0, 80, 5, 100),
    ]


def test_windows_of_days_are_in_numeric_order() -> None:
    counts = {"365": (1, 40), "30": (1, 40), "90": (1, 40)}
    assert [r.label for r in before_after(counts, counts, {})] == ["30", "90", "365"]


@pytest.mark.parametrize(("numerator", "denominator"), [(5, 4), (None, 4), (1.5, 4), (-1, 4)])
def test_a_row_that_is_not_a_share_of_a_group_is_refused(
    numerator: object, denominator: object
) -> None:
    with pytest.raises(NotAProportion):
        proportion_counts(numerator, denominator)


def test_diversions_price_a_booking_each_at_the_agencys_jail_figures() -> None:
    estimate = diversion_estimate(
        Measured(diversions=12), _parameters(jail_day_cost="126.06", jail_days_per_booking="2.5")
    )
    assert estimate.dollars == Decimal("3781.80")  # 12 x 2.5 x 126.06
    assert estimate.quantity == "12 bookings avoided"
    assert ("jail day cost", "126.06") in estimate.inputs
    assert ("jail days per booking", "2.5") in estimate.inputs


def test_a_missing_parameter_leaves_the_estimate_empty_and_is_named() -> None:
    estimate = diversion_estimate(Measured(diversions=12), _parameters(jail_day_cost="126.06"))
    assert estimate.dollars is None
    assert estimate.missing_parameters == ["jail days per booking"]
    assert ("jail days per booking", "not set") in estimate.inputs


def test_a_measure_that_could_not_be_taken_says_why() -> None:
    measured = Measured(reasons={"crisis_facility_transports": "no metric"})
    estimate = ed_estimate(measured, _parameters(ed_visit_cost="527"))
    assert estimate.dollars is None
    assert estimate.missing_measures == ["no metric"]
    assert estimate.missing_parameters == []


def test_officer_time_is_the_hand_over_saved_at_the_crisis_facility() -> None:
    measured = Measured(
        crisis_facility_transports=30, ed_transfer_minutes=95.0, crisis_transfer_minutes=15.0
    )
    estimate = officer_time_estimate(measured, _parameters(officer_hour_cost="60"))
    assert estimate.dollars == Decimal("2400.00")  # 30 x 80 minutes = 40 hours x $60
    assert estimate.quantity == "40.0 officer hours saved"


def test_program_jail_days_carry_the_difference_and_its_interval() -> None:
    # Participants re-arrested 20 points less often (interval -35 to -5), 40 of them.
    difference = Difference(-0.20, Interval(-0.35, -0.05))
    estimate = program_jail_estimate(
        Measured(enrolled=40, rearrest_difference=difference),
        _parameters(jail_day_cost="100", jail_days_per_booking="10"),
    )
    assert estimate.dollars == Decimal("8000.00")  # 8 re-arrests avoided x 10 days x $100
    assert (estimate.low, estimate.high) == (Decimal("2000.00"), Decimal("14000.00"))
    assert estimate.quantity == "8.0 re-arrests avoided"


def test_every_estimate_is_offered_even_when_nothing_is_known() -> None:
    shown = estimates(Measured(), _parameters())
    assert len(shown) == 4
    assert all(estimate.dollars is None for estimate in shown)
    assert all(estimate.missing_parameters for estimate in shown)
    assert all(estimate.missing_measures for estimate in shown)
