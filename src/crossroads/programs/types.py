"""Program types read from program_types.yaml and checked at load time. Pure: no Django.

A type is the shape every program of that kind shares: how people enter, the eligibility
checklist, the status workflow, deadlines and follow-up schedule, and its Sequential Intercept
Model intercept (0 community services ... 5 community corrections).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

TYPES_FILE = Path(__file__).with_name("program_types.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EligibilityItem(_Strict):
    code: str
    label: str
    excludes: bool = False  # "yes" makes the person ineligible
    requires: bool = False  # anything but "yes" makes the person ineligible
    sign_off: Literal["prosecutor"] | None = None  # only programs.sign_off may answer

    @model_validator(mode="after")
    def _one_meaning(self) -> EligibilityItem:
        if self.excludes == self.requires:
            raise ValueError(f"eligibility item {self.code}: set exactly one of excludes/requires")
        return self


class StatusSpec(_Strict):
    label: str
    next: tuple[str, ...]
    decided_by_eligibility: bool = False  # leaves only for the status the checklist allows
    records_placement: bool = False  # entering it needs a placement type


class ProgramType(_Strict):
    code: str = ""
    label: str
    summary: str
    intercept: int = Field(ge=0, le=5)
    case_worker: str
    criminal_justice: bool = False  # §2.35: what flows back is for monitoring
    entry_paths: tuple[str, ...] = Field(min_length=1)
    eligibility: tuple[EligibilityItem, ...]
    initial: str
    statuses: dict[str, StatusSpec]
    follow_up_hours: tuple[int, ...] = ()
    placement_types: tuple[str, ...] = ()
    intake_deadline_days: int | None = Field(None, ge=1)
    charge_tracking: bool = False
    conference_every_days: int | None = Field(None, ge=1)
    visit_within_days: int | None = Field(None, ge=1)
    not_reached_days: int = Field(7, ge=1)

    @model_validator(mode="after")
    def _workflow_is_closed(self) -> ProgramType:
        if self.initial not in self.statuses:
            raise ValueError(f"initial status {self.initial!r} is not among the statuses")
        for code, status in self.statuses.items():
            unknown = set(status.next) - set(self.statuses)
            if unknown:
                raise ValueError(f"status {code}: next names unknown statuses {sorted(unknown)}")
            if status.records_placement and not self.placement_types:
                raise ValueError(f"status {code} records a placement but none are listed")
        return self

    @property
    def closed_statuses(self) -> frozenset[str]:
        return frozenset(code for code, status in self.statuses.items() if not status.next)

    def is_eligible(self, answers: Mapping[str, bool | None]) -> bool:
        """Eligible when no excluding item is answered yes and every required item is yes."""
        for item in self.eligibility:
            answer = answers.get(item.code)
            if (item.excludes and answer is True) or (item.requires and answer is not True):
                return False
        return True

    def unanswered(self, answers: Mapping[str, bool | None]) -> tuple[str, ...]:
        return tuple(item.code for item in self.eligibility if answers.get(item.code) is None)


class ProgramTypes(_Strict):
    types: dict[str, ProgramType]


def load_program_types(path: Path = TYPES_FILE) -> dict[str, ProgramType]:
    raw = ProgramTypes.model_validate(yaml.safe_load(path.read_text()))
    return {code: spec.model_copy(update={"code": code}) for code, spec in raw.types.items()}


@cache
def program_types() -> dict[str, ProgramType]:
    return load_program_types()
