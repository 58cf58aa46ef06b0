"""Screening instruments, read from instruments/<code>.yaml and checked when a file is loaded.

Each file declares an instrument's items, answer options, scoring rule, bands or rule-based
levels, positive rule, critical items and what to do with incomplete answers (ADR 0008). The
checks here refuse a file that could score anything other than what its authors published:
bands that leave a gap, a rule naming an item that does not exist, a value no option has.

Loading also compiles a `ScoringPlan` (plain tuples and dicts) so `scoring.score` does no
lookups by name at scoring time. Pure: no Django here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INSTRUMENTS_DIR = Path(__file__).with_name("instruments")
SEXES = ("female", "male")

_LOINC_CODE = r"^\d{1,7}-\d$"
_LOINC_ANSWER = r"^LA\d{1,7}-\d$"
_ID = r"^[a-z][a-z0-9_]*$"


class InstrumentFileError(ValueError):
    """An instrument file that cannot be used: the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    value: int = Field(ge=0, le=100, description="the answer value the respondent gives")
    text: str = Field(min_length=1)
    loinc: str | None = Field(default=None, pattern=_LOINC_ANSWER)


class Condition(_Strict):
    """Holds when at least `at_least` of `items` are answered with one of `values`."""

    items: tuple[str, ...] = Field(min_length=1)
    values: tuple[int, ...] = Field(min_length=1)
    at_least: int = Field(default=1, ge=1)


class Item(_Strict):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    # The name of an option set of the file, or the options themselves.
    options: str | tuple[Option, ...]
    loinc: str | None = Field(default=None, pattern=_LOINC_CODE)
    # Skip logic of the published form: the item is asked only when this holds; otherwise it
    # is left blank (or answered 0) and scores 0.
    asked_when: Condition | None = None


class Band(_Strict):
    min: int
    max: int
    code: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class Level(_Strict):
    code: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    positive: bool
    risk: str | None = None


class Rule(_Strict):
    """The instrument reaches `level` when any of the conditions holds."""

    level: str
    any: tuple[Condition, ...] = Field(min_length=1)
    reason: str = Field(min_length=1)


class Positive(_Strict):
    at_least: int | None = None
    at_least_by_sex: dict[Literal["female", "male"], int] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Positive:
        if (self.at_least is None) == (self.at_least_by_sex is None):
            raise ValueError("positive: give exactly one of at_least and at_least_by_sex")
        if self.at_least_by_sex is not None and set(self.at_least_by_sex) != set(SEXES):
            raise ValueError("positive.at_least_by_sex needs both female and male")
        return self


class Critical(_Strict):
    when: Condition
    flag: str = Field(pattern=_ID)
    message: str = Field(min_length=1)


class Incomplete(_Strict):
    rule: Literal["refuse", "prorate"]
    max_missing: int = Field(default=0, ge=0)
    source: str = Field(min_length=1, description="why: the authors' rule, or its absence")

    @model_validator(mode="after")
    def _prorate_needs_a_limit(self) -> Incomplete:
        if self.rule == "prorate" and self.max_missing < 1:
            raise ValueError("incomplete: prorate needs max_missing of 1 or more")
        if self.rule == "refuse" and self.max_missing:
            raise ValueError("incomplete: refuse takes no max_missing")
        return self


class Scoring(_Strict):
    method: Literal["sum", "rules"]
    reverse: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    indexes: tuple[int, ...]
    values: frozenset[int]
    at_least: int

    def holds(self, answers: Sequence[int | None]) -> bool:
        values, needed = self.values, self.at_least
        for index in self.indexes:
            if answers[index] in values:
                needed -= 1
                if not needed:
                    return True
        return False


@dataclass(frozen=True, slots=True)
class CriticalFlag:
    """A critical answer that must be acted on whatever the total (PHQ-9 item 9)."""

    flag: str
    message: str


@dataclass(frozen=True, slots=True)
class CompiledCritical:
    condition: CompiledCondition
    result: CriticalFlag


@dataclass(frozen=True, slots=True)
class ScoringPlan:
    """What scoring needs, by position: built once per instrument at load time."""

    count: int
    # answer value -> scored value, one dict per item (reverse scoring already applied)
    tables: tuple[dict[int, int], ...]
    asked_when: tuple[CompiledCondition | None, ...]
    has_skips: bool
    # as tables, but an item the form may skip also maps None (not asked) to 0
    lookups: tuple[dict[int | None, int], ...]
    # each skip condition once, with the indexes of the items it governs
    skip_groups: tuple[tuple[CompiledCondition, tuple[int, ...]], ...]
    min_total: int
    max_total: int
    # band index for each total from min_total to max_total (sum instruments)
    band_by_total: tuple[int, ...]
    outcomes: tuple[Band | Level, ...]
    positive_at: int | None
    positive_by_sex: Mapping[str, int] | None
    # (level index, conditions, reason) for rule-based instruments
    rules: tuple[tuple[int, tuple[CompiledCondition, ...], str], ...]
    criticals: tuple[CompiledCritical, ...]
    critical_indexes: frozenset[int]


class Instrument(_Strict):
    code: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    terms: str = Field(min_length=1)
    loinc: str | None = Field(default=None, pattern=_LOINC_CODE)
    total_loinc: str | None = Field(default=None, pattern=_LOINC_CODE)
    preamble: str | None = None
    option_sets: dict[str, tuple[Option, ...]] = {}
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring
    bands: tuple[Band, ...] = ()
    levels: tuple[Level, ...] = ()
    rules: tuple[Rule, ...] = ()
    positive: Positive | None = None
    critical: tuple[Critical, ...] = ()
    incomplete: Incomplete

    @cached_property
    def plan(self) -> ScoringPlan:
        """Compiled once (on load, by the validator); then a plain attribute read."""
        return self._compile()

    @property
    def needs_sex(self) -> bool:
        return self.positive is not None and self.positive.at_least_by_sex is not None

    def options_of(self, item: Item) -> tuple[Option, ...]:
        if isinstance(item.options, str):
            return self.option_sets[item.options]
        return item.options

    def item_index(self, item_id: str) -> int:
        for index, item in enumerate(self.items):
            if item.id == item_id:
                return index
        raise KeyError(item_id)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"item ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        for item in self.items:
            if isinstance(item.options, str) and item.options not in self.option_sets:
                raise ValueError(f"item {item.id}: unknown option set {item.options!r}")
            values = [option.value for option in self.options_of(item)]
            if len(values) < 2:
                raise ValueError(f"item {item.id}: needs at least two answer options")
            if len(set(values)) != len(values):
                raise ValueError(f"item {item.id}: answer values repeat {values}")
        for reversed_id in self.scoring.reverse:
            if reversed_id not in ids:
                raise ValueError(f"scoring.reverse: {reversed_id} is not an item")
        for position, item in enumerate(self.items):
            if item.asked_when is not None:
                self._check_condition(item.asked_when, f"item {item.id} asked_when")
                later = [i for i in item.asked_when.items if ids.index(i) >= position]
                if later:
                    raise ValueError(f"item {item.id}: asked_when refers to later items {later}")
                if item.asked_when.at_least != 1:
                    raise ValueError(
                        f"item {item.id}: asked_when takes at_least 1 (FHIR enableWhen)"
                    )
                if 0 not in {o.value for o in self.options_of(item)}:
                    raise ValueError(f"item {item.id}: a skipped item needs a 0 answer value")
        for critical in self.critical:
            self._check_condition(critical.when, f"critical {critical.flag}")
        if self.scoring.method == "sum":
            self._check_sum()
        else:
            self._check_rules()
        self.plan  # noqa: B018  (compile now, so a file that cannot compile fails at load)
        return self

    def _check_condition(self, condition: Condition, where: str) -> None:
        ids = [item.id for item in self.items]
        for item_id in condition.items:
            if item_id not in ids:
                raise ValueError(f"{where}: {item_id} is not an item")
            item = self.items[ids.index(item_id)]
            allowed = {option.value for option in self.options_of(item)}
            unknown = set(condition.values) - allowed
            if unknown:
                raise ValueError(
                    f"{where}: {sorted(unknown)} are not answer values of {item_id} "
                    f"({describe_values(sorted(allowed))})"
                )
        if condition.at_least > len(condition.items):
            raise ValueError(f"{where}: at_least {condition.at_least} > {len(condition.items)}")

    def _total_range(self) -> tuple[int, int]:
        low = high = 0
        for item in self.items:
            scores = self._scores_of(item).values()
            low += min(scores) if item.asked_when is None else 0
            high += max(scores)
        return low, high

    def _scores_of(self, item: Item) -> dict[int, int]:
        values = [option.value for option in self.options_of(item)]
        if item.id in self.scoring.reverse:
            top, bottom = max(values), min(values)
            return {value: top + bottom - value for value in values}
        return {value: value for value in values}

    def _check_sum(self) -> None:
        if self.levels or self.rules:
            raise ValueError("a sum instrument has bands, not levels or rules")
        if self.positive is None:
            raise ValueError("a sum instrument needs a positive rule")
        low, high = self._total_range()
        if self.bands:
            if self.bands[0].min != low:
                raise ValueError(f"bands start at {self.bands[0].min}, the lowest total is {low}")
            if self.bands[-1].max != high:
                raise ValueError(f"bands end at {self.bands[-1].max}, the highest total is {high}")
            for band in self.bands:
                if band.min > band.max:
                    raise ValueError(f"band {band.code}: {band.min} > {band.max}")
            for before, after in zip(self.bands, self.bands[1:], strict=False):
                if after.min != before.max + 1:
                    raise ValueError(
                        f"bands {before.code} ({before.min}-{before.max}) and {after.code} "
                        f"({after.min}-{after.max}) are not contiguous"
                    )
        thresholds = (
            [self.positive.at_least]
            if self.positive.at_least is not None
            else list((self.positive.at_least_by_sex or {}).values())
        )
        for threshold in thresholds:
            if threshold is None or not low < threshold <= high:
                raise ValueError(f"positive threshold {threshold} is outside {low + 1}-{high}")
        if self.incomplete.rule == "prorate" and self.incomplete.max_missing >= len(self.items):
            raise ValueError("incomplete.max_missing must leave at least one answered item")

    def _check_rules(self) -> None:
        if self.bands or self.positive is not None:
            raise ValueError("a rule-based instrument has levels and rules, not bands or positive")
        if not self.levels or not self.rules:
            raise ValueError("a rule-based instrument needs levels and rules")
        if self.scoring.reverse:
            raise ValueError("a rule-based instrument has no reverse-scored items")
        if self.incomplete.rule != "refuse":
            raise ValueError("a rule-based instrument cannot prorate")
        codes = [level.code for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError(f"level codes repeat: {codes}")
        for rule in self.rules:
            if rule.level not in codes:
                raise ValueError(f"rule {rule.reason!r}: unknown level {rule.level}")
            if rule.level == codes[0]:
                raise ValueError(f"rule {rule.reason!r}: the lowest level is the default")
            for condition in rule.any:
                self._check_condition(condition, f"rule {rule.reason!r}")

    def _compile_condition(self, condition: Condition) -> CompiledCondition:
        return CompiledCondition(
            indexes=tuple(self.item_index(i) for i in condition.items),
            values=frozenset(condition.values),
            at_least=condition.at_least,
        )

    def _compile(self) -> ScoringPlan:
        asked = tuple(
            None if item.asked_when is None else self._compile_condition(item.asked_when)
            for item in self.items
        )
        tables = tuple(self._scores_of(item) for item in self.items)
        criticals = tuple(
            CompiledCritical(self._compile_condition(c.when), CriticalFlag(c.flag, c.message))
            for c in self.critical
        )
        outcomes: tuple[Band | Level, ...]
        if self.scoring.method == "sum":
            low, high = self._total_range()
            band_by_total = (
                tuple(
                    next(i for i, b in enumerate(self.bands) if b.min <= total <= b.max)
                    for total in range(low, high + 1)
                )
                if self.bands
                else ()
            )
            outcomes = self.bands
            rules: tuple[tuple[int, tuple[CompiledCondition, ...], str], ...] = ()
        else:
            low = high = 0
            band_by_total = ()
            outcomes = self.levels
            codes = [level.code for level in self.levels]
            rules = tuple(
                (
                    codes.index(rule.level),
                    tuple(self._compile_condition(c) for c in rule.any),
                    rule.reason,
                )
                for rule in self.rules
            )
        positive = self.positive
        return ScoringPlan(
            count=len(self.items),
            tables=tables,
            asked_when=asked,
            has_skips=any(condition is not None for condition in asked),
            lookups=tuple(
                _lookup(table, skippable=condition is not None)
                for table, condition in zip(tables, asked, strict=True)
            ),
            skip_groups=tuple(
                (condition, tuple(i for i, c in enumerate(asked) if c == condition))
                for condition in dict.fromkeys(c for c in asked if c is not None)
            ),
            min_total=low,
            max_total=high,
            band_by_total=band_by_total,
            outcomes=outcomes,
            positive_at=None if positive is None else positive.at_least,
            positive_by_sex=None
            if positive is None or positive.at_least_by_sex is None
            else {str(sex): cut for sex, cut in positive.at_least_by_sex.items()},
            rules=rules,
            criticals=criticals,
            critical_indexes=frozenset(i for c in criticals for i in c.condition.indexes),
        )


def _lookup(table: dict[int, int], *, skippable: bool) -> dict[int | None, int]:
    lookup: dict[int | None, int] = dict(table.items())
    if skippable:
        lookup[None] = 0  # not asked; scoring checks the skip condition
    return lookup


def describe_values(values: list[int]) -> str:
    """'0-3' for a run of whole numbers, '0, 2, 4' otherwise."""
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


def load_instrument(path: Path) -> Instrument:
    """Read and check one instrument file; InstrumentFileError names the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InstrumentFileError(f"{path.name}: cannot read: {error}") from None
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in error.errors()
        )
        raise InstrumentFileError(f"{path.name}: {problems}") from None
    if re.sub(r"\.ya?ml$", "", path.name) != instrument.code:
        raise InstrumentFileError(f"{path.name}: code {instrument.code!r} must match the file name")
    return instrument


def load_catalog(directory: Path = INSTRUMENTS_DIR) -> dict[str, Instrument]:
    return {
        instrument.code: instrument
        for instrument in (load_instrument(p) for p in sorted(directory.glob("*.yaml")))
    }


@cache
def catalog() -> Mapping[str, Instrument]:
    """Every shipped instrument by code, loaded and checked once per process."""
    return load_catalog()
