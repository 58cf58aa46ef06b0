"""The pure coverage rules (training/coverage.py): which shifts have a certified officer on
duty, the share certified, the heat map, the period asked for, and whom to train next.

The counting is checked against a plain day-by-day reading of the same rules (the oracle
below), and the greedy ranking against a step-by-step search, on generated rosters."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.training.coverage import (
    Candidate,
    CitShare,
    Held,
    Officer,
    Period,
    PeriodError,
    Posting,
    Roster,
    Rota,
    Target,
    cit_share,
    period_from,
    report_of,
    shift_coverage_of,
    whom_to_train,
)

JAN = date(2026, 1, 1)


def day(n: int) -> date:
    return JAN + timedelta(days=n - 1)  # day(1) is 1 January


# --- Examples -----------------------------------------------------------------------------------


def _two_squads(period: Period, certifications: list[Held]) -> Roster:
    """North's day watch, worked 4 on 4 off by squad A then squad B; Ann in A, Bob in B."""
    return Roster(
        period=period,
        squads=[
            Rota("a", "North Day A", "North", "Day", "11110000", JAN),
            Rota("b", "North Day B", "North", "Day", "00001111", JAN),
        ],
        officers=[Officer("ann", "Ann Avery"), Officer("bob", "Bob Brown")],
        postings=[Posting("ann", "a", day(1), None), Posting("bob", "b", day(1), None)],
        certifications=certifications,
    )


def test_a_certification_covers_only_the_days_it_is_valid() -> None:
    roster = _two_squads(Period(day(1), day(8)), [Held("ann", day(1) - timedelta(365), day(3))])
    coverage = shift_coverage_of(roster)
    assert [(s.day, s.on_duty, s.certified) for s in coverage.slots()] == [
        (day(n), 1, 1 if n <= 3 else 0) for n in range(1, 9)
    ]
    assert [s.day for s in coverage.uncovered()] == [day(n) for n in range(4, 9)]
    assert (coverage.shifts, coverage.covered, coverage.shift_coverage) == (8, 3, 3 / 8)


def test_whom_to_train_ranks_by_gaps_closed_and_tells_never_from_lapsing() -> None:
    roster = _two_squads(Period(day(1), day(8)), [Held("ann", day(1) - timedelta(365), day(3))])
    ranked = whom_to_train(roster, shift_coverage_of(roster))
    assert [(c.officer.name, c.squads, c.closes) for c in ranked] == [
        ("Bob Brown", ("North Day B",), 4),
        ("Ann Avery", ("North Day A",), 1),
    ]
    bob, ann = ranked
    assert [slot.day for slot in ann.gaps] == [day(4)]
    assert (bob.certification(day(1)), bob.last_expiry) == ("never", None)
    assert (ann.certification(day(3)), ann.last_expiry) == ("lapses", day(3))
    assert ann.certification(day(4)) == "lapsed"


def test_ties_go_to_the_name_that_sorts_first() -> None:
    roster = Roster(
        period=Period(day(1), day(4)),
        squads=[Rota("a", "A", "North", "Day", "1", JAN)],
        officers=[Officer("z", "Zoe Zed"), Officer("y", "Amy Ash")],
        postings=[Posting("z", "a", day(1), None), Posting("y", "a", day(1), None)],
        certifications=[],
    )
    ranked = whom_to_train(roster, shift_coverage_of(roster))
    assert [(c.officer.name, c.closes) for c in ranked] == [("Amy Ash", 4)]


def test_a_shift_no_squad_works_is_not_counted_and_nobody_rostered_is_a_gap() -> None:
    roster = Roster(
        period=Period(day(1), day(8)),
        squads=[Rota("a", "North Night", "North", "Night", "1100", JAN)],
        officers=[],
        postings=[],
        certifications=[],
    )
    coverage = shift_coverage_of(roster)
    assert [(s.day, s.on_duty) for s in coverage.uncovered()] == [
        (day(1), 0),
        (day(2), 0),
        (day(5), 0),
        (day(6), 0),
    ]
    assert whom_to_train(roster, coverage) == []


def test_postings_and_certifications_of_others_than_patrol_officers_do_not_count() -> None:
    roster = _two_squads(Period(day(1), day(4)), [Held("sergeant", day(1), day(30))])
    roster = replace(roster, postings=[*roster.postings, Posting("sergeant", "a", day(1), None)])
    assert [s.on_duty for s in shift_coverage_of(roster).slots()] == [1, 1, 1, 1]
    assert cit_share(roster, day(1)) == CitShare(0, 2, Target())


def test_the_share_stands_against_the_target() -> None:
    assert CitShare(19, 100, Target()).standing == "below"
    assert CitShare(20, 100, Target()).standing == "within"
    assert CitShare(25, 100, Target()).standing == "within"
    assert CitShare(26, 100, Target(20, 25)).standing == "above"
    assert CitShare(0, 0, Target()).share is None
    assert CitShare(0, 0, Target()).standing == "no officers"


def test_the_heat_map_has_a_column_a_day_for_a_month_and_a_week_beyond() -> None:
    month = _two_squads(Period(day(1), day(31)), [])
    assert len(shift_coverage_of(month).heat_map().columns) == 31
    quarter = shift_coverage_of(_two_squads(Period(day(1), day(90)), [Held("ann", JAN, day(90))]))
    heat = quarter.heat_map()
    assert heat.by_week and len(heat.columns) == 13
    assert heat.columns[-1] == Period(day(85), day(90))
    (row,) = heat.rows
    assert (row.precinct, row.shift) == ("North", "Day")
    first_week = row.cells[0]  # days 1-7: Ann's squad 1-4 (covered), Bob's 5-7 (not)
    assert (first_week.shifts, first_week.uncovered, first_week.level) == (7, 3, "some")
    assert sum(cell.uncovered for cell in row.cells) == len(quarter.uncovered())


def test_the_report_document_is_plain_json() -> None:
    roster = _two_squads(Period(day(1), day(8)), [Held("ann", JAN, day(3))])
    document = report_of(roster, day(1)).document()
    assert document["share"] == 0.5 and document["standing"] == "above"
    assert (document["from"], document["to"], document["shifts"], document["covered"]) == (
        "2026-01-01",
        "2026-01-08",
        8,
        3,
    )
    assert document["uncovered"][0] == {
        "day": "2026-01-04",
        "precinct": "North",
        "shift": "Day",
        "on_duty": 1,
    }


# --- The period asked for -----------------------------------------------------------------------


def test_the_period_defaults_to_the_next_90_days() -> None:
    assert period_from(None, None, today=day(1)) == Period(day(1), day(90))
    assert period_from("2026-02-01", None, today=day(1)) == Period(date(2026, 2, 1), day(121))
    assert period_from(None, "2026-01-10", today=day(1)) == Period(day(1), day(10))


@pytest.mark.parametrize(
    ("first", "last", "field", "reason"),
    [
        ("2026-13-01", None, "from", "'2026-13-01' is not a date: write it as YYYY-MM-DD."),
        (None, "soon", "to", "'soon' is not a date"),
        ("2026-02-01", "2026-01-31", "to", "must be on or after the first day (2026-02-01)."),
        ("2026-01-01", "2027-01-02", "to", "a period lasts at most 366 days"),
    ],
)
def test_a_bad_period_names_the_field_and_the_reason(
    first: str | None, last: str | None, field: str, reason: str
) -> None:
    with pytest.raises(PeriodError) as refused:
        period_from(first, last, today=day(1))
    assert refused.value.field == field and refused.value.reason.startswith(reason)


def test_a_year_computes_for_a_thousand_officers_in_well_under_a_second() -> None:
    squads = [
        Rota((p, s, k), f"P{p} S{s} {k}", f"P{p}", f"S{s}", ("11110000", "00001111")[k], JAN)
        for p in range(10)
        for s in range(3)
        for k in range(2)
    ]
    officers = [Officer(n, f"Officer {n:04d}") for n in range(1000)]
    postings = [
        Posting(n, squads[n % 60].squad, day(1) - timedelta(100), None) for n in range(1000)
    ]
    held = [
        Held(n, day(1) - timedelta(n % 900), day(1) + timedelta(3 * n % 500))
        for n in range(0, 1000, 4)
    ]
    roster = Roster(Period(day(1), day(365)), squads, officers, postings, held)
    started = time.perf_counter()
    report = report_of(roster, day(1))
    report.coverage.heat_map()
    whom_to_train(roster, report.coverage)
    assert time.perf_counter() - started < 1.0
    assert report.coverage.shifts == 10 * 3 * 365


# --- Properties ---------------------------------------------------------------------------------

CELLS = [("North", "Day"), ("North", "Night"), ("South", "Day")]
NAMES = ["Ann", "Bob", "Cy", "Di"]
some_day = st.integers(1, 45).map(day)


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    squads = [
        Rota(
            f"s{n}",
            f"Squad {n}",
            *draw(st.sampled_from(CELLS)),
            draw(st.text("01", min_size=1, max_size=8)),
            draw(some_day),
        )
        for n in range(draw(st.integers(1, 4)))
    ]
    officers = [
        Officer(f"o{n}", draw(st.sampled_from(NAMES))) for n in range(draw(st.integers(0, 6)))
    ]
    postings: list[Posting] = []
    certifications: list[Held] = []
    for officer in officers:
        postings += _postings(draw, officer.id, [s.squad for s in squads])
        for _ in range(draw(st.integers(0, 2))):
            issued = draw(some_day)
            certifications.append(
                Held(officer.id, issued, issued + timedelta(draw(st.integers(0, 20))))
            )
    first = draw(some_day)
    period = Period(first, first + timedelta(draw(st.integers(0, 30))))
    return Roster(period, squads, officers, postings, certifications)


def _postings(draw: st.DrawFn, officer: Hashable, squads: list[Hashable]) -> list[Posting]:
    """One squad at a time: each posting ends before the next starts; the last may be open."""
    postings, start = [], draw(some_day)
    for n in range(draw(st.integers(0, 2))):
        open_ended = n == 1 or draw(st.booleans())
        end = None if open_ended else start + timedelta(draw(st.integers(0, 15)))
        postings.append(Posting(officer, draw(st.sampled_from(squads)), start, end))
        if end is None:
            break
        start = end + timedelta(draw(st.integers(1, 5)))
    return postings


def _oracle(roster: Roster) -> dict[tuple[date, str, str], tuple[int, int]]:
    """Each shift to cover, day by day from the rules as written: (on duty, certified)."""
    officers = {o.id for o in roster.officers}
    counts: dict[tuple[date, str, str], tuple[int, int]] = {}
    for n in range(roster.period.days):
        today = roster.period.day(n)
        for rota in roster.squads:
            if not rota.works_on(today):
                continue
            key = (today, rota.precinct, rota.shift)
            on_duty, certified = counts.get(key, (0, 0))
            for p in roster.postings:
                if p.squad == rota.squad and p.officer in officers and _covers(p, today):
                    on_duty += 1
                    certified += _certified(roster, p.officer, today)
            counts[key] = (on_duty, certified)
    return counts


def _covers(posting: Posting, today: date) -> bool:
    return posting.starts_on <= today and (posting.ends_on is None or today <= posting.ends_on)


def _certified(roster: Roster, officer: Hashable, today: date) -> bool:
    return any(
        h.officer == officer and h.issued_on <= today <= h.expires_on for h in roster.certifications
    )


def _uncovered_keys(roster: Roster) -> set[tuple[date, str, str]]:
    return {(s.day, s.precinct, s.shift) for s in shift_coverage_of(roster).uncovered()}


@settings(max_examples=300, deadline=None)
@given(rosters())
def test_the_counts_match_the_rules_read_day_by_day(roster: Roster) -> None:
    coverage = shift_coverage_of(roster)
    counted = {(s.day, s.precinct, s.shift): (s.on_duty, s.certified) for s in coverage.slots()}
    assert counted == _oracle(roster)
    assert coverage.covered + len(coverage.uncovered()) == coverage.shifts
    if coverage.shifts:
        assert coverage.shift_coverage is not None and 0 <= coverage.shift_coverage <= 1
    else:
        assert coverage.shift_coverage is None


@settings(max_examples=200, deadline=None)
@given(rosters(), st.data())
def test_adding_a_certification_never_uncovers_a_shift(roster: Roster, data: st.DataObject) -> None:
    if not roster.officers:
        return
    officer = data.draw(st.sampled_from(roster.officers)).id
    issued = data.draw(some_day)
    more = Held(officer, issued, issued + timedelta(data.draw(st.integers(0, 30))))
    with_it = replace(roster, certifications=[*roster.certifications, more])
    assert _uncovered_keys(with_it) <= _uncovered_keys(roster)


@settings(max_examples=300, deadline=None)
@given(rosters())
def test_the_greedy_picks_close_disjoint_gaps_and_each_is_the_best_left(roster: Roster) -> None:
    coverage = shift_coverage_of(roster)
    ranked = whom_to_train(roster, coverage)
    closed = [(s.day, s.precinct, s.shift) for c in ranked for s in c.gaps]
    assert len(closed) == len(set(closed)) == sum(c.closes for c in ranked)
    closable = {(s.day, s.precinct, s.shift) for s in coverage.uncovered() if s.on_duty}
    assert set(closed) == closable
    open_gaps = set(closable)
    for candidate in ranked:
        reach = {o.id: _reach(roster, o.id, open_gaps) for o in roster.officers}
        best = max(len(gaps) for gaps in reach.values())
        first = min((o.name, str(o.id)) for o in roster.officers if len(reach[o.id]) == best)
        assert (candidate.closes, candidate.officer.name, str(candidate.officer.id)) == (
            best,
            *first,
        )
        open_gaps -= reach[candidate.officer.id]


def _reach(
    roster: Roster, officer: Hashable, gaps: set[tuple[date, str, str]]
) -> set[tuple[date, str, str]]:
    """The gaps this officer is on duty for."""
    return {
        (today, precinct, shift)
        for (today, precinct, shift) in gaps
        for rota in roster.squads
        if (rota.precinct, rota.shift) == (precinct, shift) and rota.works_on(today)
        for p in roster.postings
        if p.officer == officer and p.squad == rota.squad and _covers(p, today)
    }


@settings(max_examples=200, deadline=None)
@given(rosters())
def test_training_everyone_named_leaves_only_the_shifts_nobody_works(roster: Roster) -> None:
    coverage = shift_coverage_of(roster)
    ranked: list[Candidate] = whom_to_train(roster, coverage)
    period = roster.period
    trained = [Held(c.officer.id, period.first, period.last) for c in ranked]
    after = replace(roster, certifications=[*roster.certifications, *trained])
    assert _uncovered_keys(after) == {
        (s.day, s.precinct, s.shift) for s in coverage.uncovered() if not s.on_duty
    }
