"""Flag kinds read from flags.yaml and checked at load time. Pure: no Django."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

FLAGS_FILE = Path(__file__).with_name("flags.yaml")


class FlagKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    guidance: str
    max_days: int = Field(ge=1, le=365)  # every flag expires, within a year at most
    shown_to: tuple[str, ...] = Field(min_length=1)

    def shown_to_holder_of(self, permissions: frozenset[str]) -> bool:
        return not permissions.isdisjoint(self.shown_to)


class FlagBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kinds: dict[str, FlagKind]


def load_flag_kinds(path: Path = FLAGS_FILE) -> dict[str, FlagKind]:
    return FlagBook.model_validate(yaml.safe_load(path.read_text())).kinds


@cache
def flag_kinds() -> dict[str, FlagKind]:
    return load_flag_kinds()
