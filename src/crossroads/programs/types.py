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

from crossroads.consent.policy import Purpose

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
    # Leaves only for the status the checklist decides: the first of `next` when the person is
    # eligible, the second (if there is one) when not.
    decided_by_eligibility: bool = False
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
    # With charge tracking: the status that completes intake (reached before the deadline, the
    # held charge is not filed).
    intake_status: str | None = None
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
            if status.decided_by_eligibility and not 1 <= len(status.next) <= 2:
                raise ValueError(
                    f"status {code}: decided_by_eligibility needs one or two next statuses "
                    "(eligible, then ineligible)"
                )
        if self.charge_tracking and (
            self.intake_status not in self.statuses or self.intake_deadline_days is None
        ):
            raise ValueError(
                "charge_tracking needs intake_status (a status) and intake_deadline_days"
            )
        unreachable = set(self.statuses) - self.reachable_from(self.initial)
        if unreachable:
            raise ValueError(
                f"statuses {sorted(unreachable)} cannot be reached from {self.initial}"
            )
        return self

    def reachable_from(self, start: str) -> frozenset[str]:
        """The statuses a case can reach from `start`, itself included."""
        seen, frontier = {start}, [start]
        while frontier:
            for following in self.statuses[frontier.pop()].next:
                if following not in seen:
                    seen.add(following)
                    frontier.append(following)
        return frozenset(seen)

    @property
    def pre_intake_statuses(self) -> frozenset[str]:
        """With charge tracking: the statuses of a case that has not completed intake yet (intake
        still lies ahead of it)."""
        if self.intake_status is None:
            return frozenset()
        after = self.reachable_from(self.intake_status)
        return frozenset(
            code
            for code in self.statuses
            if code not in after and self.intake_status in self.reachable_from(code)
        )

    @property
    def disclosure_purpose(self) -> Purpose:
        """Why what the program says of a participant flows to those who referred them: a
        criminal-justice program's to monitor their progress (§2.35), any other's for treatment."""
        return Purpose.MONITORING if self.criminal_justice else Purpose.TREATMENT

    @property
    def closed_statuses(self) -> frozenset[str]:
        return frozenset(code for code, status in self.statuses.items() if not status.next)

    def unanswered(self, answers: Mapping[str, bool | None]) -> tuple[str, ...]:
        return tuple(item.code for item in self.eligibility if answers.get(item.code) is None)

    def failing(self, answers: Mapping[str, bool | None]) -> tuple[str, ...]:
        """The items whose answer already rules the person out: an exclusion answered yes, or a
        requirement answered no."""
        return tuple(
            item.code
            for item in self.eligibility
            if (item.excludes and answers.get(item.code) is True)
            or (item.requires and answers.get(item.code) is False)
        )

    def item(self, code: str) -> EligibilityItem | None:
        return next((item for item in self.eligibility if item.code == code), None)

    def with_settings(self, settings: Mapping[str, object]) -> ProgramType:
        """This type as one agency runs it. Only the ADJUSTABLE settings may differ; the result
        is checked like the type itself, so a bad value names its field."""
        unknown = sorted(set(settings) - ADJUSTABLE)
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a setting an agency can change "
                f"(these are: {', '.join(sorted(ADJUSTABLE))})"
            )
        return ProgramType.model_validate({**self.model_dump(), **settings})


# What an agency may set for its own program (Program.settings): timings and placement kinds.
# The workflow and the checklist are the type's: a case's status must keep its meaning.
ADJUSTABLE = frozenset(
    {
        "follow_up_hours",
        "placement_types",
        "intake_deadline_days",
        "conference_every_days",
        "visit_within_days",
        "not_reached_days",
    }
)


class ProgramTypes(_Strict):
    # What people read for an entry path or placement type code (e.g. walk_in: Walk-in at the
    # station); every code a type names needs one.
    labels: dict[str, str] = Field(default_factory=dict)
    types: dict[str, ProgramType]

    @model_validator(mode="after")
    def _codes_are_labelled(self) -> ProgramTypes:
        for code, spec in self.types.items():
            for term in (*spec.entry_paths, *spec.placement_types):
                if term not in self.labels:
                    raise ValueError(f"type {code}: {term!r} has no entry under labels")
        return self


def load_catalogue(path: Path = TYPES_FILE) -> ProgramTypes:
    raw = ProgramTypes.model_validate(yaml.safe_load(path.read_text()))
    types = {code: spec.model_copy(update={"code": code}) for code, spec in raw.types.items()}
    return raw.model_copy(update={"types": types})


@cache
def catalogue() -> ProgramTypes:
    return load_catalogue()


def program_types() -> dict[str, ProgramType]:
    return catalogue().types


ANSWER_TEXT = {True: "yes", False: "no", None: "unknown"}  # a checklist answer, as stored


def answer_text(answer: bool | None) -> str:
    return ANSWER_TEXT[answer]


def label_of(code: str) -> str:
    """The words for an entry path or placement type (an agency's own placement types, which
    the file does not label, read as their code)."""
    return catalogue().labels.get(code) or code.replace("_", " ").capitalize()
