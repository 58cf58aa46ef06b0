"""The role book and the access matrix: data validated at load, decisions as stated rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from crossroads.core.access_matrix import PASSWORD, PUBLIC, Decision, Matrix, matrix
from crossroads.core.models import Agency, Role
from crossroads.core.roles import AGENCY_TYPES, ROLES_FILE, load_role_book, role_book

BOOK = role_book()


def test_every_role_is_declared_once_with_its_permissions() -> None:
    assert set(BOOK.roles) == set(Role.values)
    assert all(spec.permissions for spec in BOOK.roles.values())
    assert set(Agency.Type.values) == AGENCY_TYPES


def test_every_role_can_reach_its_home_and_its_account() -> None:
    for spec in BOOK.roles.values():
        assert {"home.view", "account.manage"} <= set(spec.permissions)


def test_navigation_points_at_real_routes() -> None:
    for item in BOOK.navigation:
        assert reverse(item.route)
        assert matrix().requirement(item.route, "GET") == item.permission


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["roles"]["officer"]["permissions"].append("launch.missiles"),
            "unknown permissions",
        ),
        (
            lambda d: d["roles"]["officer"]["agency_types"].append("spaceport"),
            "unknown agency types",
        ),
        (lambda d: d["roles"]["officer"].update(colour="blue"), "Extra inputs are not permitted"),
    ],
)
def test_a_bad_role_book_is_refused_at_load(tmp_path: Path, change: object, message: str) -> None:
    data = yaml.safe_load(ROLES_FILE.read_text())
    change(data)  # type: ignore[operator]
    bad = tmp_path / "roles.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ValidationError, match=message):
        load_role_book(bad)


def test_a_matrix_with_an_unknown_requirement_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown requirement"):
        Matrix.model_validate({"core:home": {"GET": "home.veiw"}})
    with pytest.raises(ValidationError, match="not an HTTP method"):
        Matrix.model_validate({"core:home": {"FETCH": "public"}})


LEVELS = st.sampled_from([PUBLIC, PASSWORD, *BOOK.permissions])
PERMISSION_SETS = st.frozensets(st.sampled_from(sorted(BOOK.permissions)))


@given(level=LEVELS, permissions=PERMISSION_SETS, signed_in=st.booleans(), verified=st.booleans())
def test_a_caller_is_let_through_exactly_when_the_rule_says(
    level: str, permissions: frozenset[str], signed_in: bool, verified: bool
) -> None:
    verified = verified and signed_in
    decision = Matrix.model_validate({"r": {"GET": level}}).decide(
        "r", "GET", signed_in=signed_in, verified=verified, permissions=permissions
    )
    allowed = (
        level == PUBLIC or (level == PASSWORD and signed_in) or (verified and level in permissions)
    )
    assert (decision is Decision.ALLOW) == allowed


@given(permissions=PERMISSION_SETS, method=st.sampled_from(["GET", "POST", "DELETE", "PUT"]))
def test_undeclared_routes_and_methods_are_never_let_through(
    permissions: frozenset[str], method: str
) -> None:
    table = Matrix.model_validate({"r": {"PATCH": PUBLIC}})
    assert (
        table.decide("elsewhere", method, signed_in=True, verified=True, permissions=permissions)
        is Decision.UNDECLARED
    )
    assert (
        table.decide("r", method, signed_in=True, verified=True, permissions=permissions)
        is Decision.NOT_ALLOWED
    )
