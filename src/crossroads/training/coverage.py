"""CIT coverage: is a certified officer on duty on every shift, and whom to train next.

Pure: no Django. The roster comes in as plain data (squads and their rotations, who works in
which squad from when, each officer's CIT certifications) and the answer goes out as plain data.

A *shift to cover* is one (day, precinct, shift) that some squad of that precinct and shift
works that day: a watch nobody is rostered on is not counted. An officer is *on duty* on a day
when an assignment of theirs covers it and their squad works it, and *certified* that day when
a CIT certification is valid on it (issued on or before, expiring on or after), so a
certification that will have lapsed by a day ahead does not count on that day. The shift is
*covered* when at least one certified officer is on duty.

Counting is by difference arrays over the period's days, per squad, so the work grows with
squads x days plus assignments x certifications, not officers x days: 1,000 officers over 365
days take a few tens of milliseconds (bench/bench_coverage.py).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

DEFAULT_DAYS = 90  # "each shift of the coming 90 days" (issue 6)
MAX_DAYS = 366  # the longest period asked for at once: a year, leap day included
DAYS_SHOWN_ONE_BY_ONE = 31  # a longer period's heat map has a column per week
DEFAULT_TARGET_PERCENT = (20, 25)  # Dupont, Cochran & Pillsbury, "Core Elements" (DOMAIN.md)


# --- The period ---------------------------------------------------------------------------------


class PeriodError(ValueError):
    """A bad `from`/`to`: which of the two, and why (each edge names it its own way)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index(self, day: date) -> int:
        """The day's place in the period, clamped to it (a date before is 0, after is the end)."""
        return min(max((day - self.first).days, 0), self.days - 1)


def _date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(field, f"{text!r} is not a date: write it as YYYY-MM-DD.") from None


def period_from(first: str | None, last: str | None, *, today: date) -> Period:
    """The period `from`..`to` asked for (ISO dates, both days included). Without `from` it
    starts today; without `to` it lasts DEFAULT_DAYS days."""
    start = _date("from", first) if first else today
    end = _date("to", last) if last else start + timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise PeriodError("to", f"must be on or after the first day ({start.isoformat()}).")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("to", f"a period lasts at most {MAX_DAYS} days; choose an earlier day.")
    return Period(start, end)


# --- What comes in ------------------------------------------------------------------------------


def works_on(pattern: str, pattern_start: date, day: date) -> bool:
    """Whether a rotation of on (1) and off (0) days, repeating from `pattern_start`, is on."""
    return pattern[(day - pattern_start).days % len(pattern)] == "1"


@dataclass(frozen=True, slots=True)
class Rota:
    """A squad: the shift it works in its precinct, on a rotation of on (1) and off (0) days
    repeating from `pattern_start`."""

    squad: Hashable
    name: str
    precinct: str
    shift: str
    pattern: str
    pattern_start: date

    def __post_init__(self) -> None:
        if not self.pattern or set(self.pattern) - {"0", "1"}:
            raise ValueError(f"{self.name}: a rotation is written in 1 (on) and 0 (off) days")

    def works_on(self, day: date) -> bool:
        return works_on(self.pattern, self.pattern_start, day)

    def working_days(self, period: Period) -> list[bool]:
        offset = (period.first - self.pattern_start).days
        size = len(self.pattern)
        return [self.pattern[(offset + i) % size] == "1" for i in range(period.days)]


@dataclass(frozen=True, slots=True)
class Posting:
    """An officer works in a squad from one day until another (None: until further notice).
    An officer is in one squad at a time (training.actions.assignment_record refuses overlaps)."""

    officer: Hashable
    squad: Hashable
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class Held:
    """A CIT certification, valid from `issued_on` to `expires_on`, both days included."""

    officer: Hashable
    issued_on: date
    expires_on: date


@dataclass(frozen=True, slots=True)
class Officer:
    """A patrol officer: active staff holding the officer role."""

    id: Hashable
    name: str


@dataclass(frozen=True, slots=True)
class Target:
    """The share of patrol officers to have certified, in percent (low to high)."""

    low: int = DEFAULT_TARGET_PERCENT[0]
    high: int = DEFAULT_TARGET_PERCENT[1]


@dataclass(frozen=True)
class Roster:
    """Everything coverage is counted from. Squads in the order their rows are shown (a
    precinct and shift's row comes where its first squad does); postings and certifications of
    anyone not among `officers` are left out."""

    period: Period
    squads: Sequence[Rota]
    officers: Sequence[Officer]
    postings: Sequence[Posting]
    certifications: Sequence[Held]
    target: Target = Target()


# --- What goes out ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """One shift to cover: how many officers are on duty, and how many of them are certified."""

    day: date
    precinct: str
    shift: str
    on_duty: int
    certified: int

    @property
    def covered(self) -> bool:
        return self.certified > 0


@dataclass(frozen=True, slots=True)
class Line:
    """One precinct's shift across the period, day by day: whether a squad works it, how many
    officers are on duty, how many of them certified."""

    precinct: str
    shift: str
    rostered: tuple[bool, ...]
    on_duty: tuple[int, ...]
    certified: tuple[int, ...]

    def uncovered_days(self) -> list[int]:
        return [d for d, on in enumerate(self.rostered) if on and not self.certified[d]]


@dataclass(frozen=True, slots=True)
class HeatCell:
    """A line's shifts in one column (a day or a week), and how many of them are uncovered."""

    shifts: int
    uncovered: int

    @property
    def level(self) -> str:
        """none (no shift rostered), covered, some (uncovered) or all (uncovered)."""
        if not self.shifts:
            return "none"
        if not self.uncovered:
            return "covered"
        return "all" if self.uncovered == self.shifts else "some"


@dataclass(frozen=True, slots=True)
class HeatRow:
    precinct: str
    shift: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True, slots=True)
class HeatMap:
    """Gaps by precinct and shift (rows) over days or weeks (columns: first and last day)."""

    by_week: bool
    columns: tuple[Period, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class Coverage:
    period: Period
    lines: tuple[Line, ...]

    def slots(self) -> Iterator[Slot]:
        """Every shift to cover, day by day, each day's in row order."""
        for d in range(self.period.days):
            day = self.period.day(d)
            for line in self.lines:
                if line.rostered[d]:
                    yield Slot(day, line.precinct, line.shift, line.on_duty[d], line.certified[d])

    def uncovered(self) -> list[Slot]:
        return [slot for slot in self.slots() if not slot.covered]

    @property
    def shifts(self) -> int:
        return sum(sum(line.rostered) for line in self.lines)

    @property
    def covered(self) -> int:
        return self.shifts - sum(len(line.uncovered_days()) for line in self.lines)

    @property
    def shift_coverage(self) -> float | None:
        """Shifts with a certified officer on duty / shifts; None when no shift is rostered."""
        return self.covered / self.shifts if self.shifts else None

    def heat_map(self, *, by_week: bool | None = None) -> HeatMap:
        """Columns of a day each, or of a week each (from the first day) for a long period."""
        if by_week is None:
            by_week = self.period.days > DAYS_SHOWN_ONE_BY_ONE
        step = 7 if by_week else 1
        starts = range(0, self.period.days, step)
        columns = tuple(
            Period(self.period.day(s), self.period.day(min(s + step, self.period.days) - 1))
            for s in starts
        )
        rows = tuple(
            HeatRow(line.precinct, line.shift, tuple(_heat_cell(line, s, s + step) for s in starts))
            for line in self.lines
        )
        return HeatMap(by_week, columns, rows)


def _heat_cell(line: Line, start: int, stop: int) -> HeatCell:
    days = range(start, min(stop, len(line.rostered)))
    shifts = [d for d in days if line.rostered[d]]
    return HeatCell(len(shifts), sum(1 for d in shifts if not line.certified[d]))


@dataclass(frozen=True)
class CitShare:
    """`cit_coverage`: patrol officers certified on a day / patrol officers, against the target."""

    certified: int
    officers: int
    target: Target

    @property
    def share(self) -> float | None:
        return self.certified / self.officers if self.officers else None

    @property
    def percent(self) -> float | None:
        """The share in percent to one decimal, so 25.3 % above a 25 % target reads as above."""
        return round(self.share * 100, 1) if self.share is not None else None

    @property
    def standing(self) -> str:
        """below, within or above the target range; "no officers" when there are none."""
        if self.share is None:
            return "no officers"
        percent = self.share * 100
        if percent < self.target.low:
            return "below"
        return "above" if percent > self.target.high else "within"


@dataclass(frozen=True)
class Candidate:
    """An officer to train next: the gaps their training would close that no officer ranked
    above them closes, and their last CIT certification's expiry (None: never certified)."""

    officer: Officer
    squads: tuple[str, ...]
    gaps: tuple[Slot, ...]
    last_expiry: date | None

    @property
    def closes(self) -> int:
        return len(self.gaps)

    def certification(self, today: date) -> str:
        """never (certified), lapsed (before today) or lapses (today or later, on last_expiry)."""
        if self.last_expiry is None:
            return "never"
        return "lapsed" if self.last_expiry < today else "lapses"


# --- Counting -----------------------------------------------------------------------------------


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Day spans (first, last) joined where they overlap or touch, so no day counts twice."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _span(period: Period, first: date, last: date | None) -> tuple[int, int] | None:
    """The days of `first`..`last` inside the period, as indexes; None when none are."""
    if first > period.last or (last is not None and last < period.first):
        return None
    return period.index(first), period.index(last or period.last)


def _counts(days: int, spans: Iterable[tuple[int, int]]) -> list[int]:
    """How many spans hold each day."""
    steps = [0] * (days + 1)
    for first, last in spans:
        steps[first] += 1
        steps[last + 1] -= 1
    return list(accumulate(steps[:days]))


class _Prepared:
    """The roster indexed for counting: each officer's certified days, each squad's postings."""

    def __init__(self, roster: Roster) -> None:
        period = roster.period
        self.roster = roster
        self.officers = {officer.id: officer for officer in roster.officers}
        spans: dict[Hashable, list[tuple[int, int]]] = {}
        self.last_expiry: dict[Hashable, date] = {}
        for held in roster.certifications:
            if held.officer not in self.officers:
                continue
            previous = self.last_expiry.get(held.officer)
            self.last_expiry[held.officer] = max(held.expires_on, previous or held.expires_on)
            if (span := _span(period, held.issued_on, held.expires_on)) is not None:
                spans.setdefault(held.officer, []).append(span)
        self.certified_spans = {officer: _merged(s) for officer, s in spans.items()}
        self.postings: dict[Hashable, list[tuple[Hashable, tuple[int, int]]]] = {}
        for posting in roster.postings:
            span = _span(period, posting.starts_on, posting.ends_on)
            if posting.officer in self.officers and span is not None:
                self.postings.setdefault(posting.squad, []).append((posting.officer, span))

    def certified_while_posted(
        self, officer: Hashable, span: tuple[int, int]
    ) -> Iterator[tuple[int, int]]:
        for first, last in self.certified_spans.get(officer, ()):
            if first <= span[1] and last >= span[0]:
                yield max(first, span[0]), min(last, span[1])


def _lines(prepared: _Prepared) -> tuple[Line, ...]:
    period = prepared.roster.period
    days = period.days
    rows: dict[tuple[str, str], tuple[list[bool], list[int], list[int]]] = {}
    for rota in prepared.roster.squads:
        rostered, on_duty, certified = rows.setdefault(
            (rota.precinct, rota.shift), ([False] * days, [0] * days, [0] * days)
        )
        posted = prepared.postings.get(rota.squad, [])
        present = _counts(days, (span for _, span in posted))
        trained = _counts(
            days,
            (
                cut
                for officer, span in posted
                for cut in prepared.certified_while_posted(officer, span)
            ),
        )
        for d, works in enumerate(rota.working_days(period)):
            if works:
                rostered[d] = True
                on_duty[d] += present[d]
                certified[d] += trained[d]
    return tuple(
        Line(precinct, shift, tuple(rostered), tuple(on_duty), tuple(certified))
        for (precinct, shift), (rostered, on_duty, certified) in rows.items()
    )


def shift_coverage_of(roster: Roster) -> Coverage:
    """Every shift of the period: who is on duty, who of them certified."""
    return Coverage(roster.period, _lines(_Prepared(roster)))


def cit_share(roster: Roster, on: date) -> CitShare:
    """`cit_coverage` on a day: the patrol officers holding a CIT certification valid that day."""
    officers = {officer.id for officer in roster.officers}
    certified = {
        held.officer
        for held in roster.certifications
        if held.officer in officers and held.issued_on <= on <= held.expires_on
    }
    return CitShare(len(certified), len(officers), roster.target)


# --- Whom to train next -------------------------------------------------------------------------


def whom_to_train(roster: Roster, coverage: Coverage) -> list[Candidate]:
    """Officers on duty on uncovered shifts (none of them certified that day, or the shift would
    be covered), ranked greedily: the one whose training closes the most gaps still open, then
    the next among the gaps left, and so on (ties to the name that sorts first). Each closes
    gaps no one above them closes; a gap with no officer on duty stays open.

    Training is taken to certify the officer for the whole period. Why greedy: finding the k
    officers who close the most gaps is a maximum-coverage problem (NP-hard), and the greedy
    ranking's first k close at least 1 - 1/e (63%) of what the best k could, for every k. It is
    lazy: an officer's count only falls as gaps close, so a stale count is an upper bound and is
    recounted only when it reaches the top of the heap.
    """
    prepared = _Prepared(roster)
    reach, squads = _gaps_each_officer_reaches(prepared, coverage)
    order = sorted(reach, key=lambda officer: (prepared.officers[officer].name, str(officer)))
    heap = [(-len(reach[officer]), rank, officer) for rank, officer in enumerate(order)]
    heapq.heapify(heap)
    open_gaps: set[_Gap] = set().union(*reach.values())
    ranked: list[Candidate] = []
    while heap:
        stale, rank, officer = heapq.heappop(heap)
        closes = reach[officer] & open_gaps
        if len(closes) < -stale:  # others may close more now: recount when it is back on top
            if closes:
                heapq.heappush(heap, (-len(closes), rank, officer))
            continue
        open_gaps -= closes
        gaps = tuple(_gap_slot(coverage, gap) for gap in sorted(closes))
        ranked.append(
            Candidate(
                prepared.officers[officer],
                tuple(sorted(squads[officer])),
                gaps,
                prepared.last_expiry.get(officer),
            )
        )
    return ranked


_Gap = tuple[int, int]  # (day index, line index)


def _gaps_each_officer_reaches(
    prepared: _Prepared, coverage: Coverage
) -> tuple[dict[Hashable, set[_Gap]], dict[Hashable, set[str]]]:
    """The uncovered shifts each officer is on duty for, and the squads they work them in."""
    line_of = {(line.precinct, line.shift): n for n, line in enumerate(coverage.lines)}
    uncovered = [line.uncovered_days() for line in coverage.lines]
    reach: dict[Hashable, set[_Gap]] = {}
    squads: dict[Hashable, set[str]] = {}
    for rota in prepared.roster.squads:
        line = line_of[(rota.precinct, rota.shift)]
        days = uncovered[line]
        for officer, (first, last) in prepared.postings.get(rota.squad, []):
            gaps = {
                (d, line)
                for d in days[bisect_left(days, first) : bisect_right(days, last)]
                if rota.works_on(prepared.roster.period.day(d))
            }
            if gaps:
                reach.setdefault(officer, set()).update(gaps)
                squads.setdefault(officer, set()).add(rota.name)
    return reach, squads


def _gap_slot(coverage: Coverage, gap: _Gap) -> Slot:
    day, n = gap
    line = coverage.lines[n]
    return Slot(coverage.period.day(day), line.precinct, line.shift, line.on_duty[day], 0)


# --- The report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Coverage of a period as a CIT coordinator reads it: the share certified today against
    the target, and every shift of the period."""

    today: date
    roster: Roster
    share: CitShare
    coverage: Coverage

    def document(self) -> dict[str, object]:
        """The report as JSON-ready data: the API's answer and the CLI's `--json`."""
        share, coverage = self.share, self.coverage
        return {
            "from": coverage.period.first.isoformat(),
            "to": coverage.period.last.isoformat(),
            "on": self.today.isoformat(),
            "patrol_officers": share.officers,
            "certified": share.certified,
            "share": share.share,
            "target_low": share.target.low / 100,
            "target_high": share.target.high / 100,
            "standing": share.standing,
            "shifts": coverage.shifts,
            "covered": coverage.covered,
            "shift_coverage": coverage.shift_coverage,
            "uncovered": [
                {
                    "day": slot.day.isoformat(),
                    "precinct": slot.precinct,
                    "shift": slot.shift,
                    "on_duty": slot.on_duty,
                }
                for slot in coverage.uncovered()
            ],
        }


def report_of(roster: Roster, today: date) -> Report:
    return Report(today, roster, cit_share(roster, today), shift_coverage_of(roster))
