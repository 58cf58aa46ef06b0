"""The Crossroads behavioural-health taxonomy (taxonomy.yaml), checked when it is loaded.

Pure: the file becomes plain `Term`s with stable ids; `install` (Django) writes them as HSDS
taxonomy rows. Search reads categories by code; the ids are uuid5 of the code under the
taxonomy's id, so every install, export and test names a term the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")
TAXONOMY_ID = uuid.UUID("6f1d3c7e-2b0a-4c55-9a31-c0ad5e7a0b01")
Group = Literal["category", "access", "payment"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TermFile(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class _GroupFile(_Strict):
    name: str
    description: str
    terms: dict[str, _TermFile] = Field(min_length=1)


class _TaxonomyHeader(_Strict):
    name: str
    description: str
    uri: str
    version: str


class _TaxonomyFile(_Strict):
    taxonomy: _TaxonomyHeader
    groups: dict[Group, _GroupFile]


@dataclass(frozen=True)
class Term:
    id: uuid.UUID
    code: str
    group: Group
    name: str
    description: str
    parent_id: uuid.UUID | None  # the group's own term


@dataclass(frozen=True)
class Taxonomy:
    id: uuid.UUID
    name: str
    description: str
    uri: str
    version: str
    terms: tuple[Term, ...]

    def codes(self, group: Group) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms if t.group == group and t.parent_id)

    def by_id(self) -> dict[uuid.UUID, Term]:
        return {t.id: t for t in self.terms}

    def by_code(self) -> dict[str, Term]:
        return {t.code: t for t in self.terms}


def term_id(code: str) -> uuid.UUID:
    return uuid.uuid5(TAXONOMY_ID, code)


@cache
def crossroads_taxonomy() -> Taxonomy:
    raw = _TaxonomyFile.model_validate(yaml.safe_load(TAXONOMY_FILE.read_text()))
    terms: list[Term] = []
    for group, spec in raw.groups.items():
        parent = Term(term_id(group), group, group, spec.name, spec.description, None)
        terms.append(parent)
        for code, term in spec.terms.items():
            terms.append(Term(term_id(code), code, group, term.name, term.description, parent.id))
    codes = [t.code for t in terms]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise ValueError(f"{TAXONOMY_FILE.name}: codes used twice: {', '.join(duplicated)}")
    header = raw.taxonomy
    return Taxonomy(
        TAXONOMY_ID, header.name, header.description, header.uri, header.version, tuple(terms)
    )
