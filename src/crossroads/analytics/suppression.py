"""Small-cell suppression for published figures (SECURITY.md 20, DOMAIN.md "Privacy").

A public table of counts hides every count from 1 to 10 (primary suppression; 0 is shown), and
then enough further cells that no hidden count can be worked out from what is published
(complementary suppression). Pure: plain counts in, the set of hidden cells out; no Django.

What can be worked out is described by *lines*: published relations saying that some cells
(the members) add up to another (the total), such as the months of a column adding up to its
twelve-month total, or the categories of a breakdown adding up to the month's count. A table
with row and column totals has a line per row and a line per column; a line can also tie cells
of different tables together when the same count appears in both.

The rule, applied until nothing changes:
1. every cell, totals included, whose count is 1 to 10 is hidden;
2. a line with exactly one hidden cell would give it away by subtraction: hide one more cell of
   that line, preferring one that also mends another such line, then the smallest non-zero
   member (a count above 10 keeps the hidden cells' sum above 10 too), else a zero member, else
   the line's total;
3. lines can also be combined (two rows minus a column ...): any hidden cell the published
   figures still determine exactly, found by exact linear algebra over all lines, gets another
   cell of one of its lines hidden the same way.
Every step hides one more cell, so the loop ends; at its end every line holds no hidden cell or
at least two, and no hidden cell is determined by the published cells and totals.

Not covered (say so where it matters): bounds. A reader who knows a hidden cell is between 1
and 10, or that counts are never negative, can sometimes narrow a hidden cell to a range; only
exact recovery is prevented, which is the published rule.

Rates follow their parts: a rate whose numerator or denominator is hidden is hidden too
(`hidden_rates`), since a published rate and one published part give the other away.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

SMALLEST_HIDDEN = 1
LARGEST_HIDDEN = 10  # counts from 1 to 10 are never published

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)


class SuppressionError(ValueError):
    """The table handed over does not add up: its lines would describe a different table."""


@dataclass(frozen=True)
class Line(Generic[K]):
    """A published relation: the members add up to the total."""

    members: tuple[K, ...]
    total: K

    @property
    def cells(self) -> tuple[K, ...]:
        return (*self.members, self.total)


def is_small(count: int) -> bool:
    return SMALLEST_HIDDEN <= count <= LARGEST_HIDDEN


def suppress(
    counts: Mapping[K, int], lines: Sequence[Line[K]], hidden: Iterable[K] = ()
) -> frozenset[K]:
    """The cells to hide: the small counts, the cells `hidden` already, and the complements that
    keep them from being worked out. Applying it again to its own answer changes nothing."""
    _check(counts, lines)
    concealed = {cell for cell, count in counts.items() if is_small(count)} | set(hidden)
    return _Suppression(counts, [line for line in lines if len(line.cells) > 1], concealed).run()


def hidden_rates(parts: Mapping[R, tuple[K, K]], hidden: frozenset[K]) -> frozenset[R]:
    """The rates to hide: those whose numerator or denominator (cells of `parts`) is hidden."""
    return frozenset(
        rate
        for rate, (numerator, denominator) in parts.items()
        if {numerator, denominator} & hidden
    )


def _check(counts: Mapping[K, int], lines: Sequence[Line[K]]) -> None:
    for cell, count in counts.items():
        if count < 0:
            raise SuppressionError(f"cell {cell!r}: a count cannot be negative ({count})")
    for line in lines:
        missing = [cell for cell in line.cells if cell not in counts]
        if missing:
            raise SuppressionError(f"line to {line.total!r}: no count for {missing[0]!r}")
        if len(set(line.cells)) != len(line.cells):
            raise SuppressionError(f"line to {line.total!r} names a cell twice")
        if sum(counts[cell] for cell in line.members) != counts[line.total]:
            raise SuppressionError(f"line to {line.total!r}: the members do not add up to it")


@dataclass
class _Suppression(Generic[K]):
    counts: Mapping[K, int]
    lines: Sequence[Line[K]]
    hidden: set[K]

    def run(self) -> frozenset[K]:
        while True:
            giving_away = self._line_with_one_hidden()
            if giving_away is not None:
                complement = self._best([giving_away])
            else:
                exposed = _determined(self.lines, self.hidden)
                if exposed is None:
                    return frozenset(self.hidden)
                complement = self._best([ln for ln in self.lines if exposed in ln.cells])
                if complement is None:  # its lines are hidden whole: widen the search
                    complement = self._best([ln for ln in self.lines if self._hidden_in(ln)])
            if complement is None:  # every cell of every line concerned is hidden already
                return frozenset(self.hidden)
            self.hidden.add(complement)

    def _hidden_in(self, line: Line[K]) -> int:
        return sum(cell in self.hidden for cell in line.cells)

    def _line_with_one_hidden(self) -> Line[K] | None:
        """A line whose one hidden cell its other cells give away by subtraction."""
        return next((line for line in self.lines if self._hidden_in(line) == 1), None)

    def _best(self, lines: Sequence[Line[K]]) -> K | None:
        """The visible cell of these lines to hide: first one that also completes another line
        holding a single hidden cell (one cell doing two cells' work); then a non-zero member
        before a zero one before a total (totals are the figures most wanted); then the smallest
        (least lost, and the hidden cells of the line then add up to more than 10)."""
        candidates = [(0 if self.counts[m] else 1, m) for line in lines for m in line.members] + [
            (2, line.total) for line in lines
        ]
        ranked = [
            (-self._completes(cell), kind, self.counts[cell], order, cell)
            for order, (kind, cell) in enumerate(candidates)
            if cell not in self.hidden
        ]
        return min(ranked, key=lambda choice: choice[:4])[4] if ranked else None

    def _completes(self, cell: K) -> int:
        return sum(cell in line.cells and self._hidden_in(line) == 1 for line in self.lines)


def _determined(lines: Sequence[Line[K]], hidden: set[K]) -> K | None:
    """A hidden cell that some combination of lines determines exactly.

    Each line with hidden cells is an equation in them (members +1, total -1, the published
    cells moved to the other side). A hidden cell is determined when every solution of the
    equations gives it the same value: in reduced row echelon form its pivot row holds no
    other column."""
    unknowns = sorted(hidden, key=repr)
    position = {cell: n for n, cell in enumerate(unknowns)}
    equations: list[dict[int, Fraction]] = []
    for line in lines:
        equation: dict[int, Fraction] = {}
        for cell, sign in [(m, 1) for m in line.members] + [(line.total, -1)]:
            if cell in position:
                equation[position[cell]] = equation.get(position[cell], Fraction(0)) + sign
        if equation:
            equations.append(equation)
    for column, row in _reduce(equations).items():
        if len(row) == 1:
            return unknowns[column]
    return None


def _reduce(equations: list[dict[int, Fraction]]) -> dict[int, dict[int, Fraction]]:
    """Gauss-Jordan elimination over sparse rows: pivot column -> its fully reduced row."""
    pivots: dict[int, dict[int, Fraction]] = {}
    for equation in equations:
        row = dict(equation)
        for column, pivot_row in pivots.items():
            if column in row:
                _subtract(row, pivot_row, row[column])
        if not row:
            continue
        column = min(row)
        scale = row[column]
        row = {c: v / scale for c, v in row.items()}
        for other in pivots.values():
            if column in other:
                _subtract(other, row, other[column])
        pivots[column] = row
    return pivots


def _subtract(row: dict[int, Fraction], pivot_row: Mapping[int, Fraction], times: Fraction) -> None:
    for column, value in pivot_row.items():
        updated = row.get(column, Fraction(0)) - times * value
        if updated:
            row[column] = updated
        else:
            row.pop(column, None)
