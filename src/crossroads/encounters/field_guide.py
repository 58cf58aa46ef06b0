"""The signs an officer can record and the de-escalation techniques, from field_guide.yaml.

Pure: no Django. Codes are what an encounter stores; labels and cues are what people see.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

GUIDE_FILE = Path(__file__).with_name("field_guide.yaml")


class Sign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    label: str
    cue: str


class SignGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    signs: tuple[Sign, ...]


class Technique(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    label: str


class FieldGuide(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    signs: dict[str, SignGroup]
    deescalation: tuple[Technique, ...]

    @model_validator(mode="after")
    def _codes_are_unique(self) -> FieldGuide:
        codes = [s.code for group in self.signs.values() for s in group.signs]
        techniques = [t.code for t in self.deescalation]
        for kind, listed in (("sign", codes), ("technique", techniques)):
            repeated = {c for c in listed if listed.count(c) > 1}
            if repeated:
                raise ValueError(f"{kind} codes repeated: {sorted(repeated)}")
        return self

    @property
    def sign_codes(self) -> frozenset[str]:
        return frozenset(s.code for group in self.signs.values() for s in group.signs)

    @property
    def group_of_sign(self) -> dict[str, str]:
        """Sign code -> its group's key (suggestions for "find a place" are made by group)."""
        return {s.code: key for key, group in self.signs.items() for s in group.signs}

    @property
    def technique_codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.deescalation)


def load_field_guide(path: Path = GUIDE_FILE) -> FieldGuide:
    return FieldGuide.model_validate(yaml.safe_load(path.read_text()))


@cache
def field_guide() -> FieldGuide:
    return load_field_guide()
