"""The officers' field reference: what the training taught, to read on scene.

Built from the curriculum (curricula.yaml): every module of an officer's course that has a
`field_reference` contributes the field guide's sign groups it teaches to recognise (each sign
with its label and cue, from encounters/field_guide.yaml), the steps it teaches, and whether the
county's crisis resources belong in the reference. The live resources come from the directory
(training/queries.py); this module stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from crossroads.encounters.field_guide import FieldGuide, Sign, Technique, field_guide
from crossroads.training.curricula import Audience, Curricula, Module, shipped
from crossroads.training.curricula import FieldReference as ModuleReference

# The courses whose modules speak to officers on scene: the dispatcher course's do not.
FIELD_AUDIENCES = frozenset({Audience.OFFICER, Audience.ANY})


@dataclass(frozen=True)
class SignSection:
    key: str  # the field guide's group key, also the page anchor
    label: str
    signs: tuple[Sign, ...]
    taught_in: str  # the module's name


@dataclass(frozen=True)
class StepSection:
    key: str  # the module's code, also the page anchor
    title: str  # the module's name
    steps: tuple[str, ...]


@dataclass(frozen=True)
class FieldReference:
    signs: tuple[SignSection, ...]
    steps: tuple[StepSection, ...]
    techniques: tuple[Technique, ...]
    local_resources: bool  # a module asks for the county's crisis resources
    courses: tuple[str, ...]  # the names of the courses it was built from
    version: str  # the curricula's and the field guide's versions


@cache
def shipped_reference() -> FieldReference:
    """The reference the shipped curricula and field guide make: built once per process, so a
    curriculum naming a sign group the guide lacks fails at the first use, not per request."""
    return field_reference(shipped(), field_guide())


def field_reference(curricula: Curricula, guide: FieldGuide) -> FieldReference:
    """The reference the curricula's officer courses describe, in the curricula's order. A
    module naming a sign group the field guide does not have is refused: the reference would
    silently lose it."""
    modules = list(_field_modules(curricula))
    signs: dict[str, SignSection] = {}
    for _, module, taught in modules:
        for key in taught.sign_groups:
            if key not in guide.signs:
                raise ValueError(
                    f"module {module.code} names the sign group {key!r}, which the field "
                    f"guide does not have: {sorted(guide.signs)}"
                )
            group = guide.signs[key]
            signs.setdefault(key, SignSection(key, group.label, group.signs, module.name))
    return FieldReference(
        signs=tuple(signs.values()),
        steps=tuple(
            StepSection(module.code, module.name, taught.steps)
            for _, module, taught in modules
            if taught.steps
        ),
        techniques=guide.deescalation,
        local_resources=any(taught.local_resources for _, _, taught in modules),
        courses=tuple(dict.fromkeys(course for course, _, _ in modules)),
        version=f"{curricula.version} · {guide.version}",
    )


def _field_modules(curricula: Curricula) -> Iterator[tuple[str, Module, ModuleReference]]:
    """(course name, module, what it puts in the reference) for the officer courses' modules."""
    for course in curricula.courses:
        if course.audience not in FIELD_AUDIENCES:
            continue
        for module in course.modules:
            if module.field_reference is not None:
                yield course.name, module, module.field_reference


_NOT_DIALLED = re.compile(r"[^0-9+*#]")


def dial_uri(number: str, extension: float | None = None) -> str:
    """A tel: link that dials the number (and, after a pause, its extension)."""
    uri = f"tel:{_NOT_DIALLED.sub('', number)}"
    return f"{uri},{int(extension)}" if extension else uri
