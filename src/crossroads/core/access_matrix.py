"""The declared access matrix: route x method -> what the request needs.

Pure: loads access_matrix.yaml and decides; the middleware and the API's auth both ask it.
"""

from __future__ import annotations

import enum
from functools import cache
from pathlib import Path

import yaml
from pydantic import RootModel, field_validator

from crossroads.core.roles import role_book

MATRIX_FILE = Path(__file__).with_name("access_matrix.yaml")
PUBLIC, PASSWORD = "public", "password"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


class Decision(enum.Enum):
    ALLOW = "allow"
    SIGN_IN = "sign in first"
    SECOND_FACTOR = "complete the second factor first"
    FORBIDDEN = "your roles do not allow this"
    NOT_ALLOWED = "this method is not allowed here"
    UNDECLARED = "this route is not in the access matrix"


class Matrix(RootModel[dict[str, dict[str, str]]]):
    @field_validator("root")
    @classmethod
    def _levels_are_known(cls, routes: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        known = {PUBLIC, PASSWORD, *role_book().permissions}
        for route, methods in routes.items():
            for method, level in methods.items():
                if method not in METHODS:
                    raise ValueError(f"{route}: {method} is not an HTTP method")
                if level not in known:
                    raise ValueError(f"{route} {method}: unknown requirement {level!r}")
        return routes

    def requirement(self, route: str, method: str) -> str | None:
        return self.root.get(route, {}).get("GET" if method == "HEAD" else method)

    def decide(
        self,
        route: str,
        method: str,
        *,
        signed_in: bool,
        verified: bool,
        permissions: frozenset[str],
    ) -> Decision:
        if route not in self.root:
            return Decision.UNDECLARED
        level = self.requirement(route, method)
        if level is None:
            return Decision.NOT_ALLOWED
        if level == PUBLIC:
            return Decision.ALLOW
        if not signed_in:
            return Decision.SIGN_IN
        if level == PASSWORD:
            return Decision.ALLOW
        if not verified:
            return Decision.SECOND_FACTOR
        return Decision.ALLOW if level in permissions else Decision.FORBIDDEN


@cache
def matrix() -> Matrix:
    return Matrix.model_validate(yaml.safe_load(MATRIX_FILE.read_text()))
