"""What "find a place" pre-selects from an encounter (suggestions.yaml). Pure: no Django.

The encounter's signs, positive screens and disposition each point at categories; categories
pointed at by more of them come first, and each keeps the reasons, so the officer sees why a
filter was chosen and can change it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

SUGGESTIONS_FILE = Path(__file__).with_name("suggestions.yaml")


class _Pointer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    categories: tuple[str, ...] = Field(min_length=1)
    police_drop_off: bool = False
    reason: str = Field(min_length=1)


class _Suggestions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    signs: dict[str, _Pointer]
    screens: dict[str, _Pointer]
    dispositions: dict[str, _Pointer]


@dataclass(frozen=True)
class Suggestion:
    categories: tuple[str, ...]  # most pointed-at first
    police_drop_off: bool
    reasons: tuple[str, ...]


@cache
def _rules(known_categories: frozenset[str]) -> _Suggestions:
    rules = _Suggestions.model_validate(yaml.safe_load(SUGGESTIONS_FILE.read_text()))
    pointers = [*rules.signs.values(), *rules.screens.values(), *rules.dispositions.values()]
    unknown = sorted({c for p in pointers for c in p.categories} - known_categories)
    if unknown:
        raise ValueError(f"{SUGGESTIONS_FILE.name}: unknown categories {', '.join(unknown)}")
    return rules


def suggest(
    *,
    sign_groups: Iterable[str],
    positive_screens: Iterable[str],
    disposition: str,
    known_categories: frozenset[str],
) -> Suggestion:
    rules = _rules(known_categories)
    pointers = [
        *(rules.signs[g] for g in dict.fromkeys(sign_groups) if g in rules.signs),
        *(rules.screens[s] for s in dict.fromkeys(positive_screens) if s in rules.screens),
        *([rules.dispositions[disposition]] if disposition in rules.dispositions else []),
    ]
    votes = Counter(c for p in pointers for c in p.categories)
    # Counter.most_common keeps first-seen order among equals: the encounter's own order.
    return Suggestion(
        categories=tuple(c for c, _ in votes.most_common()),
        police_drop_off=any(p.police_drop_off for p in pointers),
        reasons=tuple(p.reason for p in pointers),
    )
