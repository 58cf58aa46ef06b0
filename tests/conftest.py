from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """Argon2 is slow on purpose and the tests make many accounts; test_passwords.py checks
    that the product itself hashes with Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _static_files_looked_up_per_request(settings: pytest.FixtureRequest) -> None:
    """Whitenoise otherwise indexes every USWDS file each time a test client starts a handler."""
    settings.WHITENOISE_AUTOREFRESH = True  # type: ignore[attr-defined]
