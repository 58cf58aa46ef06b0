"""Knowledge checks: the item banks (item_banks/<bank>.yaml), scoring, and improvement.

Pure: no Django. An officer answers a course's item bank before a session and after it; the
score is the count of correct answers. Improvement is told per officer (before, after, change)
and per cohort: a session's roll, or every session of a course in a period. A cohort's means
are given only from MIN_COHORT officers who took both checks: a mean of two or three people
reads as a finding and is not one.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crossroads.training.curricula import _code  # the same rule for codes as the curricula

BANKS_DIR = Path(__file__).with_name("item_banks")
MIN_COHORT = 5
PRE, POST = "pre", "post"
PHASE_WORDS = {PRE: "before the session", POST: "after the session"}
CHECK_AFTER_DAYS = 30  # the check after a session stays open this long after its last day

Who = TypeVar("Who", bound=Hashable)


class Item(BaseModel):
    """One question, the module of the course it tests, its options and the correct one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    module: str
    question: str = Field(min_length=1)
    options: dict[str, str] = Field(min_length=3, max_length=4)  # key -> what it says
    correct: str

    _valid_codes = field_validator("code", "module")(_code)

    @model_validator(mode="after")
    def _correct_is_an_option(self) -> Item:
        if self.correct not in self.options:
            raise ValueError(f"{self.code}: the correct option {self.correct!r} is not offered")
        return self


class ItemBank(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)

    _valid_code = field_validator("code")(_code)

    @model_validator(mode="after")
    def _item_codes_are_unique(self) -> ItemBank:
        codes = [item.code for item in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError(f"item codes repeated in {self.code}")
        return self

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)


def bank_codes() -> list[str]:
    """The banks shipped with Crossroads, by code (the folder is read once)."""
    return list(_shipped_bank_codes())


@cache
def _shipped_bank_codes() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in BANKS_DIR.glob("*.yaml")))


def load_bank_file(path: Path) -> ItemBank:
    bank = ItemBank.model_validate(yaml.safe_load(path.read_text()))
    if bank.code != path.stem:
        raise ValueError(f"{path.name} holds the bank {bank.code!r}")
    return bank


@cache
def load_bank(code: str) -> ItemBank:
    """A shipped bank; LookupError when there is none of that code."""
    if code not in bank_codes():
        raise LookupError(f"there is no item bank {code!r}")
    return load_bank_file(BANKS_DIR / f"{code}.yaml")


def why_closed(
    phase: str,
    *,
    status: str,
    starts_on: date,
    ends_on: date,
    today: date,
    taken: Collection[str],
) -> str | None:
    """Why an officer on a session's roll cannot take this check today (None: they can).

    The check before measures what they knew before the teaching: open while the session is
    scheduled and has not begun (until its first day, that day included), and not once the
    check after is taken. The check after measures what the whole session taught: open from
    its last day until CHECK_AFTER_DAYS after it. Each once; none on a cancelled session.
    `status` is the session's (scheduled, completed, cancelled); `taken` the phases the
    officer already took.
    """
    if phase not in PHASE_WORDS:
        return f"{phase!r} is not a check: {PRE} (before) or {POST} (after)."
    if status == "cancelled":
        return "The session was cancelled."
    if phase in taken:
        return f"You already took the check {PHASE_WORDS[phase]}."
    if phase == PRE and POST in taken:
        return f"You already took the check {PHASE_WORDS[POST]}."
    if phase == PRE and status != "scheduled":
        return "The check before the session closed when the session was completed."
    if phase == PRE and today > starts_on:
        return f"The check before the session was open until its first day, {starts_on:%-d %B %Y}."
    if phase == POST and today < ends_on:
        return f"The check after the session opens on its last day, {ends_on:%-d %B %Y}."
    if phase == POST and today > ends_on + timedelta(days=CHECK_AFTER_DAYS):
        return f"The check after the session closed {CHECK_AFTER_DAYS} days after it ended."
    return None


# --- Scoring ------------------------------------------------------------------------------------


class AnswersRefused(ValueError):
    """Answers that cannot be scored: the reason for each, under its item's code."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{code}: {reason}" for code, reason in reasons.items()))
        self.reasons = dict(reasons)


@dataclass(frozen=True)
class Score:
    correct: int
    out_of: int

    @property
    def percent(self) -> float:
        return 100 * self.correct / self.out_of


def score(bank: ItemBank, answers: Mapping[str, str]) -> Score:
    """The count of correct answers, when every item is answered with one of its options and
    nothing else is answered; else AnswersRefused naming each item at fault."""
    reasons = {code: "is not an item of this check" for code in answers if bank.item(code) is None}
    for item in bank.items:
        given = answers.get(item.code)
        if not given:
            reasons[item.code] = "is not answered"
        elif given not in item.options:
            offered = ", ".join(item.options)
            reasons[item.code] = f"{given!r} is not one of its options ({offered})"
    if reasons:
        raise AnswersRefused(reasons)
    return Score(sum(answers[item.code] == item.correct for item in bank.items), len(bank.items))


# --- Improvement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerImprovement(Generic[Who]):
    """One officer's scores before and after; `change` in percentage points, when both exist."""

    who: Who
    pre: Score | None
    post: Score | None

    @property
    def change(self) -> float | None:
        if self.pre is None or self.post is None:
            return None
        return self.post.percent - self.pre.percent


@dataclass(frozen=True)
class CohortImprovement:
    """A cohort's improvement in percentage points. `n` counts the officers who took both
    checks; the means and the share improved are None below MIN_COHORT of them."""

    officers: int
    n: int
    mean_pre: float | None
    mean_post: float | None
    mean_change: float | None
    share_improved: float | None

    @property
    def too_few(self) -> bool:
        return self.n < MIN_COHORT


def by_officer(checks: Iterable[tuple[Who, str, Score]]) -> list[OfficerImprovement[Who]]:
    """Pair each officer's checks (who, phase, score) into one row, in the order first met."""
    phases: dict[Who, dict[str, Score]] = {}
    for who, phase, result in checks:
        if phase not in (PRE, POST):
            raise ValueError(f"{phase!r} is not a phase ({PRE}, {POST})")
        phases.setdefault(who, {})[phase] = result
    return [OfficerImprovement(who, got.get(PRE), got.get(POST)) for who, got in phases.items()]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def cohort(rows: Iterable[OfficerImprovement[Who]]) -> CohortImprovement:
    rows = list(rows)
    paired = [row for row in rows if row.pre is not None and row.post is not None]
    n = len(paired)
    if n < MIN_COHORT:
        return CohortImprovement(len(rows), n, None, None, None, None)
    pre = [row.pre.percent for row in paired if row.pre is not None]
    post = [row.post.percent for row in paired if row.post is not None]
    changes = [row.change for row in paired if row.change is not None]
    return CohortImprovement(
        officers=len(rows),
        n=n,
        mean_pre=_mean(pre),
        mean_post=_mean(post),
        mean_change=_mean(changes),
        share_improved=sum(change > 0 for change in changes) / n,
    )
