"""Roles and their permissions, read from roles.yaml and checked when the file is loaded.

Pure: no Django here, so the rules can be loaded and tested anywhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

ROLES_FILE = Path(__file__).with_name("roles.yaml")

AGENCY_TYPES = frozenset(
    {
        "police",
        "sheriff",
        "dispatch_911",
        "call_centre_988",
        "bh_provider",
        "sud_treatment",
        "crisis_facility",
        "hospital",
        "ems",
        "court",
        "prosecutor",
        "community_org",
    }
)


class RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    summary: str
    agency_types: tuple[str, ...]
    permissions: tuple[str, ...]


class NavItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    route: str
    permission: str


class RoleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    permissions: dict[str, str]
    roles: dict[str, RoleSpec]
    navigation: tuple[NavItem, ...]

    @model_validator(mode="after")
    def _names_are_declared(self) -> RoleBook:
        for code, role in self.roles.items():
            unknown = set(role.permissions) - set(self.permissions)
            if unknown:
                raise ValueError(f"role {code}: unknown permissions {sorted(unknown)}")
            bad_types = set(role.agency_types) - AGENCY_TYPES
            if bad_types:
                raise ValueError(f"role {code}: unknown agency types {sorted(bad_types)}")
        for item in self.navigation:
            if item.permission not in self.permissions:
                raise ValueError(f"navigation {item.label}: unknown permission {item.permission}")
        return self

    def permissions_of(self, role_codes: frozenset[str]) -> frozenset[str]:
        return frozenset(p for code in role_codes for p in self.roles[code].permissions)


def load_role_book(path: Path = ROLES_FILE) -> RoleBook:
    return RoleBook.model_validate(yaml.safe_load(path.read_text()))


@cache
def role_book() -> RoleBook:
    return load_role_book()
