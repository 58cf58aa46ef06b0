"""SECURITY.md 15: length 12+, common passwords refused, no composition rules, slow hashing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crossroads import settings as product_settings
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


def test_the_product_hashes_with_argon2_first() -> None:
    assert product_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("password", ["short-pass1", "password1234", "qwertyuiop123"])
def test_weak_passwords_are_refused_naming_the_field(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        make_user(make_agency(), "officer", password=password)
    assert "password" in refused.value.message_dict


def test_a_long_lowercase_passphrase_needs_no_digits_or_symbols() -> None:
    user = make_user(make_agency(), "officer", password="lantern river orchard")
    assert user.check_password("lantern river orchard")
