"""Which response fits a call: declarative rule books and their pure evaluation.

A rule book (rules/<name>.yaml) lists rules in order; each has conditions on the call's facts.
The first rule that holds and has a preference list picks the primary response (the first unit
in the list that is available); every `add` rule that holds sends a response alongside. The
rules that did either are reported with their reasons. No Django here: the same code serves
the dispatcher's page, the API and the CLI, and is tested in bulk.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

RULES_DIR = Path(__file__).with_name("rules")

Weapon = Literal["none", "reported", "seen"]
SuicideRisk = Literal["none", "ideation", "plan", "attempt_in_progress"]
Intoxication = Literal["none", "suspected", "severe"]
LocationType = Literal[
    "residence", "public", "business", "school", "vehicle", "jail", "hospital", "unknown"
]
DispatchableUnit = Literal["mobile_crisis", "co_responder", "cit_officer"]


class CallFacts(BaseModel):
    """What the call-taker knows. Documented field by field in docs/triage.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    behavioural_health: bool
    violence_in_progress: bool = False
    weapon: Weapon = "none"
    medical_emergency: bool = False
    suicide_risk: SuicideRisk = "none"
    means_available: bool = False
    intoxication: Intoxication = "none"
    crime_reported: bool = False
    location_type: LocationType = "unknown"
    caller_is_subject: bool = False
    available_units: frozenset[DispatchableUnit] = frozenset()


FACT_VALUES: dict[str, tuple[object, ...]] = {
    name: (True, False) if field.annotation is bool else get_args(field.annotation)
    for name, field in CallFacts.model_fields.items()
    if name != "available_units"
}


class Condition(BaseModel):
    """One test of one fact (`is` a value, or `in` a list), or `all`/`any` of conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: str | None = None
    is_: object = Field(default=None, alias="is")
    in_: tuple[object, ...] | None = Field(default=None, alias="in")
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Condition:
        if self.fact is not None and (self.all is not None or self.any is not None):
            raise ValueError("a condition is either a fact test or all/any, not both")
        if self.fact is None:
            if (self.all is None) == (self.any is None):
                raise ValueError("a condition names a fact, or has exactly one of all/any")
            return self
        if self.fact not in FACT_VALUES:
            raise ValueError(f"unknown fact {self.fact!r}; known: {sorted(FACT_VALUES)}")
        values = (self.is_,) if self.in_ is None else self.in_
        if (self.is_ is None) == (self.in_ is None):
            raise ValueError(f"{self.fact}: give exactly one of is / in")
        for value in values:
            if value not in FACT_VALUES[self.fact]:
                raise ValueError(f"{self.fact}: {value!r} is not one of {FACT_VALUES[self.fact]}")
        return self

    def holds(self, facts: CallFacts) -> bool:
        if self.all is not None:
            return all(c.holds(facts) for c in self.all)
        if self.any is not None:
            return any(c.holds(facts) for c in self.any)
        value = getattr(facts, self.fact or "")
        return value == self.is_ if self.in_ is None else value in self.in_


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    when: Condition
    reason: str
    prefer: tuple[str, ...] = ()
    add: str | None = None


class OfficersRequired(BaseModel):
    """When officers must go, whatever a call-taker chooses instead of the recommendation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: Condition
    responses: frozenset[str]


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    responses: dict[str, str]
    always_available: frozenset[str]
    officers_required: OfficersRequired | None = None
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _responses_are_declared(self) -> RuleBook:
        known = set(self.responses)
        dispatchable = set(get_args(DispatchableUnit))
        if strangers := (self.always_available - known):
            raise ValueError(f"always_available names unknown responses {sorted(strangers)}")
        if missing := (known - self.always_available - dispatchable):
            raise ValueError(f"responses {sorted(missing)} are never available")
        for rule in self.rules:
            named = {*rule.prefer, *([rule.add] if rule.add else [])}
            if unknown := named - known:
                raise ValueError(f"rule {rule.id}: unknown responses {sorted(unknown)}")
            if not rule.prefer and not rule.add:
                raise ValueError(f"rule {rule.id}: needs prefer or add")
            if rule.prefer and not set(rule.prefer) & self.always_available:
                raise ValueError(f"rule {rule.id}: its last resort must always be available")
        if len({r.id for r in self.rules}) != len(self.rules):
            raise ValueError("rule ids must be unique")
        if self.officers_required and (odd := self.officers_required.responses - known):
            raise ValueError(f"officers_required names unknown responses {sorted(odd)}")
        return self


class Reason(BaseModel):
    rule: str
    text: str


class Recommendation(BaseModel):
    primary: str
    primary_label: str
    also: tuple[str, ...]
    reasons: tuple[Reason, ...]
    rule_book: str
    rule_version: str


def recommend(book: RuleBook, facts: CallFacts, *, book_name: str = "default") -> Recommendation:
    available = book.always_available | facts.available_units
    primary: str | None = None
    also: list[str] = []
    reasons: list[Reason] = []
    for rule in book.rules:
        shapes_result = (rule.prefer and primary is None) or rule.add is not None
        if not shapes_result or not rule.when.holds(facts):
            continue  # only rules that chose or added a response explain the result
        reasons.append(Reason(rule=rule.id, text=rule.reason))
        if rule.prefer and primary is None:
            primary = next(unit for unit in rule.prefer if unit in available)
            passed_over = rule.prefer[: rule.prefer.index(primary)]
            if passed_over:
                names = ", ".join(book.responses[unit] for unit in passed_over)
                reasons.append(Reason(rule=rule.id, text=f"Not available now: {names}."))
        if rule.add and rule.add not in also:
            also.append(rule.add)
    if primary is None:
        raise ValueError(f"rule book {book_name} recommends nothing for {facts.model_dump()}")
    return Recommendation(
        primary=primary,
        primary_label=book.responses[primary],
        also=tuple(unit for unit in also if unit != primary),
        reasons=tuple(reasons),
        rule_book=book_name,
        rule_version=book.version,
    )


def refusal(book: RuleBook, facts: CallFacts, response: str) -> str | None:
    """Why `response` may not be sent for this call, or None if it may."""
    guard = book.officers_required
    if guard and guard.when.holds(facts) and response not in guard.responses:
        names = ", ".join(sorted(book.responses[r] for r in guard.responses))
        return f"A weapon or violence was reported: send officers ({names})."
    return None


def load_rule_book(path: Path) -> RuleBook:
    data: Any = yaml.safe_load(path.read_text())
    return RuleBook.model_validate(data)


@cache
def rule_book(name: str = "default") -> RuleBook:
    path = RULES_DIR / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in RULES_DIR.glob("*.yaml"))
        raise LookupError(f"no rule book {name!r}; known: {', '.join(known)}")
    return load_rule_book(path)
