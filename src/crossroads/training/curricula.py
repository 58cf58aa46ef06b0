"""The courses officers and dispatchers take, as data (curricula.yaml; ARCHITECTURE rule 5).

Pure: no Django. An agency's own courses (training.models.Course) are checked by the same
`CourseSpec`, so a course added on a page obeys the rules a shipped one does.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml
from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CURRICULA_FILE = Path(__file__).with_name("curricula.yaml")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CIT = "cit"  # the certification that counts for CIT coverage
# A refresher renews a certification held, or one lapsed at most this long before it ends.
RENEWAL_GRACE_MONTHS = 12


class Audience(StrEnum):
    OFFICER = "officer"
    DISPATCHER = "dispatcher"
    ANY = "any"


def _code(value: str) -> str:
    if not CODE.match(value):
        raise ValueError(f"{value!r} is not a code: lower-case letters, digits and _")
    return value


class FieldReference(BaseModel):
    """What a module puts in the officers' field reference."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sign_groups: tuple[str, ...] = ()  # keys of the field guide's sign groups
    steps: tuple[str, ...] = ()
    local_resources: bool = False  # the county's crisis resources, from the live directory


class Module(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str = Field(min_length=1, max_length=200)
    hours: Decimal = Field(gt=0, max_digits=5, decimal_places=1)
    objectives: tuple[str, ...] = Field(min_length=1)
    field_reference: FieldReference | None = None

    _valid_code = field_validator("code")(_code)


class CourseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str = Field(min_length=1, max_length=200)
    audience: Audience
    hours: Decimal = Field(gt=0, max_digits=5, decimal_places=1)
    validity_months: int = Field(ge=1, le=120)
    certifies: str  # the certification it grants; a refresher renews its course's
    item_bank: str | None = None  # the knowledge check taken before and after, if any
    objectives: tuple[str, ...] = Field(min_length=1)
    modules: tuple[Module, ...] = Field(min_length=1)

    _valid_codes = field_validator("code", "certifies")(_code)

    @model_validator(mode="after")
    def _modules_add_up(self) -> CourseSpec:
        codes = [m.code for m in self.modules]
        if len(set(codes)) != len(codes):
            raise ValueError(f"module codes repeated in {self.code}")
        if sum(m.hours for m in self.modules) != self.hours:
            raise ValueError(
                f"the modules of {self.code} add up to {sum(m.hours for m in self.modules)} "
                f"hours, not {self.hours}"
            )
        return self

    def module(self, code: str) -> Module | None:
        return next((m for m in self.modules if m.code == code), None)

    @property
    def is_refresher(self) -> bool:
        """A course granting another course's certification renews it: it does not grant it."""
        return self.certifies != self.code

    def expires_on(self, issued_on: date) -> date:
        """The last day of the certification it grants, issued that day: the course's validity
        in calendar months (29 February plus 36 months is 28 February)."""
        return issued_on + relativedelta(months=self.validity_months)

    def why_not_renewed(self, latest_expires_on: date | None, ends_on: date) -> str | None:
        """Why completing this course on `ends_on` does not certify someone whose latest
        certification of the kind it grants expires on `latest_expires_on` (None: they hold
        none); None when it does. A full course certifies anyone; a refresher only renews one
        still valid on its last day, or lapsed at most RENEWAL_GRACE_MONTHS before."""
        if not self.is_refresher:
            return None
        if latest_expires_on is None:
            return f"needs the full course: no {self.certifies} certification to renew"
        if latest_expires_on < ends_on - relativedelta(months=RENEWAL_GRACE_MONTHS):
            return (
                f"needs the full course: the {self.certifies} certification lapsed on "
                f"{latest_expires_on:%-d %B %Y}, more than {RENEWAL_GRACE_MONTHS} months before"
            )
        return None


class Curricula(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    courses: tuple[CourseSpec, ...]

    @model_validator(mode="after")
    def _codes_are_unique(self) -> Curricula:
        codes = [c.code for c in self.courses]
        if len(set(codes)) != len(codes):
            raise ValueError("course codes repeated")
        return self

    def by_code(self) -> dict[str, CourseSpec]:
        return {course.code: course for course in self.courses}


def load_curricula(path: Path = CURRICULA_FILE) -> Curricula:
    return Curricula.model_validate(yaml.safe_load(path.read_text()))


@cache
def shipped() -> Curricula:
    return load_curricula()
