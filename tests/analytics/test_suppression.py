"""Small-cell suppression (SECURITY.md 20): no count of 1-10 is published, and no hidden cell can
be worked out from the published cells and totals, whichever way an attacker subtracts."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossroads.analytics.suppression import Line, SuppressionError, hidden_rates, suppress

# A table of counts with its row and column totals published: the cases the rule is tested on.
GridCell = tuple[int, int]  # (row, column); the totals sit at row == len(rows), column == width


def grid_lines(
    height: int, width: int, *, row_totals: bool = True, column_totals: bool = True
) -> list[Line[GridCell]]:
    """The lines of a table of `height` rows and `width` columns whose totals are published:
    row i's total is cell (i, width), column j's is (height, j), the grand total (height, width)
    (present when both kinds of total are)."""
    lines: list[Line[GridCell]] = []
    bottom = height if column_totals else height - 1
    right = width if row_totals else width - 1
    if row_totals:
        lines += [Line(tuple((i, j) for j in range(width)), (i, width)) for i in range(bottom + 1)]
    if column_totals:
        lines += [Line(tuple((i, j) for i in range(height)), (height, j)) for j in range(right + 1)]
    return lines


def grid_counts(
    rows: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True
) -> dict[GridCell, int]:
    """A table's cells with the totals asked for added, keyed as `grid_lines` keys them."""
    height, width = len(rows), len(rows[0]) if rows else 0
    if any(len(row) != width for row in rows):
        raise SuppressionError("every row of the table needs the same number of cells")
    counts = {(i, j): count for i, row in enumerate(rows) for j, count in enumerate(row)}
    if row_totals:
        for i, row in enumerate(rows):
            counts[i, width] = sum(row)
    if column_totals:
        for j in range(width):
            counts[height, j] = sum(row[j] for row in rows)
    if row_totals and column_totals:
        counts[height, width] = sum(map(sum, rows))
    return counts


def suppress_grid(
    rows: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True
) -> list[list[int | None]]:
    """The table as published, totals included (last row / last column), None where hidden."""
    counts = grid_counts(rows, row_totals=row_totals, column_totals=column_totals)
    height, width = len(rows), len(rows[0]) if rows else 0
    lines = grid_lines(height, width, row_totals=row_totals, column_totals=column_totals)
    hidden = suppress(counts, lines)
    last_row = height + 1 if column_totals else height
    last_column = width + 1 if row_totals else width
    return [
        [None if (i, j) in hidden else counts[i, j] for j in range(last_column)]
        for i in range(last_row)
    ]


# Counts as a small agency's month has them: many zeros and small numbers, some large ones.
counts_strategy = st.one_of(
    st.just(0), st.integers(1, 10), st.integers(11, 40), st.integers(41, 5000)
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], bool, bool]:
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rows = [[draw(counts_strategy) for _ in range(width)] for _ in range(height)]
    row_totals, column_totals = draw(st.sampled_from([(True, True), (False, True), (True, False)]))
    return rows, row_totals, column_totals


def subtraction_attack(
    published: Mapping[Hashable, int | None], lines: Sequence[Line[Hashable]]
) -> dict[Hashable, int]:
    """What a reader recovers by solving, again and again, any line with one unknown left."""
    known = {cell: value for cell, value in published.items() if value is not None}
    recovered: dict[Hashable, int] = {}
    progress = True
    while progress:
        progress = False
        for line in lines:
            unknown = [cell for cell in line.cells if cell not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            members = sum(known[m] for m in line.members if m in known)
            value = known[line.total] - members if cell != line.total else members
            known[cell] = recovered[cell] = value
            progress = True
    return recovered


def _rank(matrix: list[list[Fraction]]) -> int:
    """Rank by plain dense elimination (written apart from the module's own algebra)."""
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def determined_by_algebra(hidden: frozenset[Hashable], lines: Sequence[Line[Hashable]]) -> set:
    """Hidden cells that any linear combination of the lines pins down: a cell is determined
    exactly when adding 'this cell alone' to the equations does not raise their rank."""
    unknowns = sorted(hidden, key=repr)
    matrix = [
        [Fraction((cell in line.members) - (cell == line.total)) for cell in unknowns]
        for line in lines
    ]
    base = _rank(matrix)
    return {
        cell
        for n, cell in enumerate(unknowns)
        if _rank([*matrix, [Fraction(k == n) for k in range(len(unknowns))]]) == base
    }


@settings(max_examples=300, deadline=None)
@given(tables())
def test_random_tables_publish_no_small_count_and_give_nothing_away(
    table: tuple[list[list[int]], bool, bool],
) -> None:
    rows, row_totals, column_totals = table
    counts = grid_counts(rows, row_totals=row_totals, column_totals=column_totals)
    lines = grid_lines(len(rows), len(rows[0]), row_totals=row_totals, column_totals=column_totals)
    hidden = suppress(counts, lines)
    published = {cell: None if cell in hidden else count for cell, count in counts.items()}

    # (a) nothing from 1 to 10 is published, totals included
    assert not [v for v in published.values() if v is not None and 1 <= v <= 10]
    # (b) subtraction along rows and columns, repeated, recovers no hidden cell ...
    assert set(subtraction_attack(published, lines)) & hidden == set()
    # ... and neither does any other combination of the totals
    assert determined_by_algebra(hidden, lines) == set()
    # (c) every published figure is the input's own
    assert all(published[cell] == counts[cell] for cell in counts if cell not in hidden)
    # (d) suppressing the published table again changes nothing
    assert suppress(counts, lines, hidden=hidden) == hidden


@settings(max_examples=200, deadline=None)
@given(tables())
def test_the_grid_helper_publishes_the_same_cells(
    table: tuple[list[list[int]], bool, bool],
) -> None:
    rows, row_totals, column_totals = table
    grid = suppress_grid(rows, row_totals=row_totals, column_totals=column_totals)
    counts = grid_counts(rows, row_totals=row_totals, column_totals=column_totals)
    lines = grid_lines(len(rows), len(rows[0]), row_totals=row_totals, column_totals=column_totals)
    hidden = suppress(counts, lines)
    assert {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if v is None} == hidden
    assert len(grid) * len(grid[0]) == len(counts)


def test_one_small_cell_is_hidden_with_three_others_in_a_rectangle() -> None:
    # The 5 is small. Its row and its column each need a second hidden cell; the 15s at (2,0)
    # and (2,2) close the rectangle, so row 2 holds two hidden cells as well.
    published = suppress_grid([[20, 30, 5], [40, 12, 50], [15, 15, 15]])
    assert published == [
        [None, 30, None, 55],
        [40, 12, 50, 102],
        [None, 15, None, 45],
        [75, 57, 70, 202],
    ]


def test_zeros_are_shown_and_a_small_total_is_hidden_too() -> None:
    # Row 0 adds up to 3: its total is as small as its cell. Hiding both leaves row 0 safe, and
    # the column of row totals and column 0 each get a second hidden cell from row 1.
    published = suppress_grid([[3, 0, 0], [40, 12, 50]])
    assert published == [[None, 0, 0, None], [None, 12, 50, None], [43, 12, 50, 105]]


def test_months_with_a_twelve_month_total_hide_a_second_month() -> None:
    # One column of months and its total (no row totals): the 3 would follow from 65 - 40 - 22,
    # so the smallest other non-zero month (22) is hidden beside it; the zero stays shown.
    published = suppress_grid([[3], [40], [0], [22]], row_totals=False)
    assert published == [[None], [40], [0], [None], [65]]


def test_a_table_without_small_counts_is_published_whole() -> None:
    rows = [[11, 0, 250], [0, 0, 12]]
    assert suppress_grid(rows) == [[11, 0, 250, 261], [0, 0, 12, 12], [11, 0, 262, 273]]


def test_a_cell_pinned_down_only_by_combining_lines_gets_a_complement() -> None:
    # Two rectangles of hidden cells joined by one more hidden cell (1, 3): every row and column
    # holds two or more hidden cells, so no single subtraction works, yet rows 0-1 minus
    # columns 0-1 leave exactly cell (1, 3). Step 3 must catch it.
    rows = [[50 + 7 * i + 3 * j for j in range(5)] for i in range(5)]
    counts = grid_counts(rows)
    lines = grid_lines(5, 5)
    rectangles = {(0, 0), (0, 1), (1, 0), (1, 1), (3, 3), (3, 4), (4, 3), (4, 4)}
    given_hidden = frozenset(rectangles | {(1, 3)})
    published = {c: None if c in given_hidden else v for c, v in counts.items()}
    assert subtraction_attack(published, lines) == {}
    assert determined_by_algebra(given_hidden, lines) == {(1, 3)}

    hidden = suppress(counts, lines, hidden=given_hidden)

    assert hidden > given_hidden
    assert determined_by_algebra(hidden, lines) == set()


def test_a_count_shared_by_two_tables_is_protected_in_both() -> None:
    # Months of encounters add up to the year's encounters, and so do its dispositions: the
    # year's count is one cell on two lines. The arrest count 4 is small.
    counts = {"jan": 30, "feb": 25, "year": 55, "resolved": 40, "referred": 11, "arrested": 4}
    lines = [
        Line(("jan", "feb"), "year"),
        Line(("resolved", "referred", "arrested"), "year"),
    ]
    hidden = suppress(counts, lines)
    published = {cell: None if cell in hidden else count for cell, count in counts.items()}
    assert "arrested" in hidden
    assert "referred" in hidden  # the smallest other non-zero disposition
    assert set(subtraction_attack(published, lines)) & hidden == set()
    assert published["year"] == 55


def test_rates_follow_their_parts() -> None:
    parts = {"force": ("forced", "encounters"), "injury": ("injured", "encounters")}
    assert hidden_rates(parts, frozenset({"forced"})) == {"force"}
    assert hidden_rates(parts, frozenset({"encounters"})) == {"force", "injury"}
    assert hidden_rates(parts, frozenset()) == set()


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(SuppressionError, match="do not add up"):
        suppress({"a": 20, "b": 30, "t": 51}, [Line(("a", "b"), "t")])
    with pytest.raises(SuppressionError, match="negative"):
        suppress({"a": -1, "t": -1}, [Line(("a",), "t")])
    with pytest.raises(SuppressionError, match="no count"):
        suppress({"a": 20}, [Line(("a",), "t")])
