"""The API frame: tokens, problem+json errors naming the field, strict bodies, the schema."""

from __future__ import annotations

import pytest
from django.test import Client

from crossroads.core import actions
from crossroads.core.models import ApiToken, AuditEvent, User
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def admin() -> User:
    return make_user(make_agency(), "agency_admin", username="ada")


def bearer(user: User) -> dict[str, str]:
    _token, secret = actions.api_token_create(by=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_authenticates_and_only_its_hash_is_stored(admin: User) -> None:
    _token, secret = actions.api_token_create(by=admin, name="cad")
    stored = ApiToken.objects.get(user=admin)
    assert secret not in stored.secret_hash and stored.prefix in secret
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["username"] == "ada"
    assert "users.manage" in response.json()["permissions"]


@pytest.mark.parametrize("header", ["", "Bearer nonsense", "Bearer cr_0000_wrong", "Basic eDp5"])
def test_missing_or_bad_credentials_get_401_problem(header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_a_revoked_token_stops_working(admin: User) -> None:
    headers = bearer(admin)
    token = ApiToken.objects.get(user=admin)
    client = Client()
    assert client.delete(f"/api/v1/tokens/{token.pk}", **headers).status_code == 204
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_validation_errors_are_422_problems_naming_the_field(admin: User) -> None:
    body = {
        "username": "new.user",
        "email": "n@example.org",
        "first_name": "N",
        "last_name": "U",
        "password": "short",
        "roles": ["officer"],
    }
    response = Client().post(
        "/api/v1/users", body, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "password"
    assert "at least 12 characters" in problem["detail"]
    assert not User.objects.filter(username="new.user").exists()


def test_schema_errors_name_the_field(admin: User) -> None:
    response = Client().post(
        "/api/v1/users", {"username": "x"}, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"email", "first_name", "last_name", "password", "roles"} <= fields


def test_unknown_fields_are_refused(admin: User) -> None:
    """No mass assignment: a client cannot smuggle in is_superuser or another agency."""
    body = {
        "username": "sneaky",
        "email": "s@example.org",
        "first_name": "S",
        "last_name": "N",
        "password": "a long enough passphrase",
        "roles": ["officer"],
        "is_superuser": True,
    }
    response = Client().post(
        "/api/v1/users", body, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 422
    assert "is_superuser" in {e["field"] for e in response.json()["errors"]}


def test_roles_must_fit_the_agency(admin: User) -> None:
    body = {
        "username": "wrong.role",
        "email": "w@example.org",
        "first_name": "W",
        "last_name": "R",
        "password": "a long enough passphrase",
        "roles": ["provider_intake"],
    }
    response = Client().post(
        "/api/v1/users", body, content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "roles"


def test_another_agency_object_is_a_404_problem(admin: User) -> None:
    stranger = make_user(make_agency(), "officer")
    response = Client().get(f"/api/v1/users/{stranger.pk}", **bearer(admin))
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_role_without_permission_is_a_403_problem() -> None:
    officer = make_user(make_agency(), "officer")
    response = Client().get("/api/v1/users", **bearer(officer))
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_the_openapi_schema_is_published_and_covers_every_operation() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    expected = {
        "/api/v1/me",
        "/api/v1/agencies",
        "/api/v1/partnerships",
        "/api/v1/partnerships/{partnership_id}",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/audit/events",
        "/api/v1/audit/verify",
    }
    assert expected <= set(paths)
    assert "BearerToken" in schema["components"]["securitySchemes"]


def test_list_pages_take_a_constant_number_of_queries(
    admin: User, django_assert_max_num_queries: object
) -> None:
    headers = bearer(admin)
    for n in range(30):
        make_user(admin.agency, "officer", username=f"many{n}")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = Client().get("/api/v1/users?limit=50", **headers)
    assert response.json()["count"] == 31


def test_staff_pages_come_from_the_database_and_only_shown_rows_are_audited(admin: User) -> None:
    headers = bearer(admin)
    for n in range(12):
        make_user(admin.agency, "officer", username=f"paged{n:02d}")
    page = Client().get("/api/v1/users?limit=5&offset=10", **headers).json()
    assert page["count"] == 13
    assert len(page["items"]) == 3
    assert AuditEvent.objects.get(verb="user.list").detail == {"count": 3}
    assert Client().get("/api/v1/users?limit=0", **headers).status_code == 422


def test_an_unknown_api_route_is_a_404_problem_and_a_page_is_a_page() -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert b"Not found" in page.content


def test_a_malformed_body_is_a_400_problem(admin: User) -> None:
    response = Client().post(
        "/api/v1/users", "{not json", content_type="application/json", **bearer(admin)
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
