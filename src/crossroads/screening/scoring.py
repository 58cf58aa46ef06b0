"""Score a completed screen exactly as the instrument's authors published it.

`score(instrument, answers, sex=...)` takes the respondent's answer values in item order
(yes = 1, no = 0; DAST-10's item 3 as answered, before reverse scoring; None for an item not
answered) and returns a `ScreenResult`. Bad input raises `ScreeningInputError` naming the item.

Pure and fast: everything looked up by name was compiled into `instrument.plan` when the file
was loaded, so a complete screen costs one dict lookup per item. No Django here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from crossroads.screening.catalog import (
    SEXES,
    CompiledCondition,
    CriticalFlag,
    Instrument,
    Level,
    describe_values,
)

__all__ = ["CriticalFlag", "ScreenResult", "ScreeningInputError", "SexRequiredError", "score"]


class ScreeningInputError(ValueError):
    """Answers that cannot be scored. `item` is the 1-based item number when one is at fault,
    `link_id` the FHIR linkId when the answers came from a QuestionnaireResponse."""

    def __init__(self, message: str, *, item: int | None = None, link_id: str | None = None):
        super().__init__(message)
        self.item = item
        self.link_id = link_id


class SexRequiredError(ScreeningInputError):
    """The instrument's cut-off depends on the respondent's sex and none was given."""


class ScreenResult(NamedTuple):
    """One scored screen. A named tuple: cheap to build a hundred thousand times a second."""

    instrument: str
    total: int | None  # None for rule-based instruments (C-SSRS, BJMHS)
    band: str | None  # the band (sum) or level (rules) code; None if the instrument has none
    band_label: str | None
    positive: bool
    risk: str | None  # a risk level where the instrument gives one (C-SSRS)
    critical: tuple[CriticalFlag, ...]
    prorated: bool
    reasons: tuple[str, ...]  # the rules that fired (rule-based instruments)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "band_label": self.band_label,
            "positive": self.positive,
            "risk": self.risk,
            "critical": [{"flag": c.flag, "message": c.message} for c in self.critical],
            "prorated": self.prorated,
            "reasons": list(self.reasons),
        }


def _count_problem(instrument: Instrument, given: int) -> str:
    expected = len(instrument.items)
    problem = f"{instrument.name}: expected {expected} answers, got {given}"
    if given < expected:
        first = instrument.items[given]
        problem += f"; item {given + 1} ({instrument.name} {first.id}) onwards is missing"
    return problem


def score(
    instrument: Instrument, answers: Sequence[int | None], *, sex: str | None = None
) -> ScreenResult:
    """Score one screen; raises ScreeningInputError on answers the rule cannot score."""
    plan = instrument.plan
    if len(answers) != plan.count:
        raise ScreeningInputError(_count_problem(instrument, len(answers)))
    prorated = False
    try:
        # One C-level pass. Values that are not answers miss the dict, and so does None,
        # except for items the form may skip (their lookup maps None to 0; checked below).
        total = sum(map(dict.__getitem__, plan.lookups, answers))
        for condition, indexes in plan.skip_groups:
            asked = condition.holds(answers)
            for index in indexes:
                answer = answers[index]
                if (answer is None) if asked else answer:
                    raise KeyError(index)  # asked but blank, or answered but not asked
    except (KeyError, TypeError):
        total, prorated = _checked_total(instrument, answers)

    critical: tuple[CriticalFlag, ...] = ()
    if plan.criticals:
        critical = tuple([c.result for c in plan.criticals if c.condition.holds(answers)])

    if plan.rules:
        reached = 0
        reasons = []
        # CompiledCondition.holds, inlined: this loop is most of a rule-based screen's cost.
        for level_index, conditions, reason in plan.rules:
            for condition in conditions:
                values, needed = condition.values, condition.at_least
                for index in condition.indexes:
                    if answers[index] in values:
                        needed -= 1
                        if not needed:
                            break
                if not needed:
                    reasons.append(reason)
                    if level_index > reached:
                        reached = level_index
                    break
        level = plan.outcomes[reached]
        if not isinstance(level, Level):  # rule-based plans hold levels; a band here is a bug
            raise TypeError(f"{instrument.code}: rules reached a band")
        return ScreenResult(
            instrument.code,
            None,
            level.code,
            level.label,
            level.positive,
            level.risk,
            critical,
            False,
            tuple(reasons),
        )

    if plan.positive_at is not None:
        positive = total >= plan.positive_at
    else:
        threshold = (plan.positive_by_sex or {}).get(sex or "")
        if threshold is None:
            raise SexRequiredError(
                f"{instrument.name} needs the respondent's sex ({'|'.join(SEXES)}) for its cut-off"
                if sex is None
                else f"sex must be one of {', '.join(SEXES)}, not {sex!r}"
            )
        positive = total >= threshold
    if plan.band_by_total:
        band = plan.outcomes[plan.band_by_total[total - plan.min_total]]
        return ScreenResult(
            instrument.code,
            total,
            band.code,
            band.label,
            positive,
            None,
            critical,
            prorated,
            (),
        )
    return ScreenResult(instrument.code, total, None, None, positive, None, critical, prorated, ())


def _label(instrument: Instrument, index: int) -> str:
    return f"item {index + 1} ({instrument.name} {instrument.items[index].id})"


def _describe_condition(condition: CompiledCondition) -> str:
    numbers = ", ".join(str(i + 1) for i in condition.indexes)
    values = describe_values(sorted(condition.values))
    if len(condition.indexes) == 1:
        return f"item {numbers} is answered {values}"
    return f"at least {condition.at_least} of items {numbers} are answered {values}"


def _checked_total(instrument: Instrument, answers: Sequence[int | None]) -> tuple[int, bool]:
    """The slow path: skip logic, missing answers and errors. Returns (total, prorated)."""
    plan = instrument.plan
    tables, conditions = plan.tables, plan.asked_when
    total = 0
    missing: list[int] = []
    for index in range(plan.count):
        answer = answers[index]
        asked_when = conditions[index]
        if answer is None:
            if asked_when is None or asked_when.holds(answers):
                missing.append(index)
            continue
        table = tables[index]
        if not isinstance(answer, int) or answer not in table:
            raise ScreeningInputError(
                f"{_label(instrument, index)}: {answer!r} is not an answer value "
                f"({describe_values(sorted(table))})",
                item=index + 1,
            )
        if answer != 0 and asked_when is not None and not asked_when.holds(answers):
            raise ScreeningInputError(
                f"{_label(instrument, index)}: asked only when {_describe_condition(asked_when)}"
                f"; leave it blank or answer 0, not {answer}",
                item=index + 1,
            )
        total += table[answer]
    if not missing:
        return total, False
    first = missing[0]
    rule = instrument.incomplete
    if rule.rule == "refuse":
        raise ScreeningInputError(
            f"{_label(instrument, first)}: not answered; {instrument.name} is scored only "
            f"when every asked item is answered",
            item=first + 1,
        )
    if len(missing) > rule.max_missing:
        raise ScreeningInputError(
            f"{_label(instrument, first)}: not answered; {instrument.name} allows at most "
            f"{rule.max_missing} unanswered item(s), {len(missing)} are missing",
            item=first + 1,
        )
    for index in missing:
        if index in plan.critical_indexes:
            raise ScreeningInputError(
                f"{_label(instrument, index)}: not answered; a critical item must be answered",
                item=index + 1,
            )
    answered = plan.count - len(missing)
    # Round half up of total * count / answered, in whole numbers (no float error at .5).
    prorated_total = (2 * total * plan.count + answered) // (2 * answered)
    return prorated_total, True
