"""Agency administrators' staff pages: creation errors name the field; edits never overwrite."""

from __future__ import annotations

import pytest

from crossroads.core.models import AuditEvent, User
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return make_user(make_agency(), "agency_admin", username="root.admin")


def test_creating_an_account_through_the_page(admin: User) -> None:
    client = signed_in_client(admin)
    response = client.post(
        "/staff/new/",
        {
            "first_name": "Rosa",
            "last_name": "Diaz",
            "username": "rosa.diaz",
            "email": "rosa@example.org",
            "password": "a long enough passphrase",
            "roles": ["officer", "cit_coordinator"],
        },
    )
    assert response.status_code == 302
    rosa = User.objects.get(username="rosa.diaz")
    assert rosa.agency == admin.agency
    assert rosa.role_codes == {"officer", "cit_coordinator"}


def test_a_bad_account_is_refused_naming_the_field_and_nothing_is_stored(admin: User) -> None:
    client = signed_in_client(admin)
    response = client.post(
        "/staff/new/",
        {
            "first_name": "Rosa",
            "last_name": "Diaz",
            "username": "rosa.diaz",
            "email": "not-an-email",
            "password": "short",
            "roles": ["officer"],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_email_error"' in page
    response = client.post(
        "/staff/new/",
        {
            "first_name": "Rosa",
            "last_name": "Diaz",
            "username": "rosa.diaz",
            "email": "rosa@example.org",
            "password": "short",
            "roles": ["officer"],
        },
    )
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(username="rosa.diaz").exists()


def test_a_stale_roles_edit_is_a_conflict_not_an_overwrite(admin: User) -> None:
    member = make_user(admin.agency, "officer")
    first, second = signed_in_client(admin), signed_in_client(admin)
    assert (
        first.post(
            f"/staff/{member.pk}/roles/", {"roles": ["officer", "cit_coordinator"], "version": 1}
        ).status_code
        == 302
    )
    stale = second.post(f"/staff/{member.pk}/roles/", {"roles": ["peer"], "version": 1})
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.content.decode()
    member.refresh_from_db()
    assert member.version == 2
    assert set(member.role_grants.values_list("role", flat=True)) == {"officer", "cit_coordinator"}
    change = AuditEvent.objects.get(verb="user.roles.change")
    assert change.detail == {"added": ["cit_coordinator"], "removed": []}


def test_reading_staff_is_audited(admin: User) -> None:
    member = make_user(admin.agency, "officer")
    client = signed_in_client(admin)
    client.get("/staff/")
    client.get(f"/staff/{member.pk}/")
    assert AuditEvent.objects.filter(verb="user.list", actor=admin).count() == 1
    assert AuditEvent.objects.filter(verb="user.read", object_id=str(member.pk)).count() == 1


def test_the_staff_list_takes_a_constant_number_of_queries(
    admin: User, django_assert_max_num_queries: object
) -> None:
    for n in range(25):
        make_user(admin.agency, "officer", username=f"crowd{n}")
    client = signed_in_client(admin)
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        assert client.get("/staff/").status_code == 200


def test_an_administrator_cannot_close_their_own_account(admin: User) -> None:
    client = signed_in_client(admin)
    response = client.post(f"/staff/{admin.pk}/deactivate/", follow=True)
    assert "cannot close your own account" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
