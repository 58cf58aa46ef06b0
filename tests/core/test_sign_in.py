"""SECURITY.md 11-16: notice, password, second factor, lockout, session limits, sign-out, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.core import actions
from crossroads.core.models import AuditEvent, User
from tests.factories import (
    PASSWORD,
    current_code,
    enrol_device,
    make_agency,
    make_user,
    signed_in_client,
)

SIGN_IN = "/accounts/sign-in/"
VERIFY = "/accounts/second-factor/"
ENROL = "/accounts/second-factor/enrol/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(), "officer", username="avery")


def _password(
    client: Client, username: str = "avery", password: str = PASSWORD, acknowledge: bool = True
) -> int:
    data = {"username": username, "password": password}
    if acknowledge:
        data["acknowledge"] = "on"
    return client.post(SIGN_IN, data).status_code


def test_the_notice_must_be_acknowledged(officer: User) -> None:
    client = Client()
    response = client.post(SIGN_IN, {"username": "avery", "password": PASSWORD})
    assert response.status_code == 400
    assert "Acknowledge the notice" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_without_saying_which_part(officer: User) -> None:
    client = Client()
    response = client.post(
        SIGN_IN, {"username": "avery", "password": "wrong password here", "acknowledge": "on"}
    )
    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()


def test_first_sign_in_enrols_an_authenticator(officer: User) -> None:
    client = Client()
    assert (
        client.post(SIGN_IN, {"username": "avery", "password": PASSWORD, "acknowledge": "on"}).url
        == VERIFY
    )
    assert client.get(VERIFY).url == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200 and b"<svg" in page.content
    assert client.get("/").status_code == 302  # nothing else until the second factor
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(ENROL, {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_used_code_cannot_be_replayed(officer: User) -> None:
    device = enrol_device(officer)
    code = current_code(device)
    first = Client()
    _password(first)
    assert first.post(VERIFY, {"token": code}).status_code == 302
    second = Client()
    _password(second)
    replay = second.post(VERIFY, {"token": code})
    assert replay.status_code == 400
    assert second.get("/").status_code == 302
    assert AuditEvent.objects.filter(verb="auth.mfa.failure", actor=officer).count() == 1


def test_five_failures_in_fifteen_minutes_lock_until_an_administrator_releases(
    officer: User,
) -> None:
    client = Client()
    for _ in range(5):
        _password(client, password="not the password!")
    officer.refresh_from_db()
    assert officer.locked_at is not None
    locked = client.post(SIGN_IN, {"username": "avery", "password": PASSWORD, "acknowledge": "on"})
    assert "locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert _password(Client()) != 302  # the window passed; the lock did not
    admin = make_user(officer.agency, "agency_admin")
    signed_in_client(admin).post(f"/staff/{officer.pk}/unlock/")
    assert _password(Client()) == 302
    verbs = list(
        AuditEvent.objects.filter(object_id=str(officer.pk)).values_list("verb", flat=True)
    )
    assert "user.lock" in verbs and "user.unlock" in verbs


def test_failures_spread_beyond_fifteen_minutes_do_not_lock(officer: User) -> None:
    start = timezone.now()
    for minute in (0, 4, 8, 12):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            _password(Client(), password="not the password!")
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        _password(Client(), password="not the password!")
        officer.refresh_from_db()
        assert officer.locked_at is None


def test_idle_sessions_end_after_thirty_minutes(officer: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in_client(officer)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and response.url.startswith(SIGN_IN)
        assert client.get("/").url.startswith(SIGN_IN)  # the session is gone, not just hidden
    assert AuditEvent.objects.filter(verb="auth.session.end", detail__reason="idle").exists()


def test_every_session_re_authenticates_within_twelve_hours(officer: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in_client(officer)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get("/").url.startswith(SIGN_IN)


def test_sign_out_kills_the_session_on_the_server(officer: User) -> None:
    client = signed_in_client(officer)
    stolen = client.cookies["sessionid"].value
    assert client.post("/accounts/sign-out/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/").status_code == 302


def test_csrf_is_enforced_on_pages_and_on_session_api_calls(officer: User) -> None:
    client = signed_in_client(officer, enforce_csrf_checks=True)
    assert client.post("/account/tokens/", {"name": "x"}).status_code == 403
    api = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert api.status_code in {401, 403}
    token = client.get("/account/").cookies.get("csrftoken") or client.cookies["csrftoken"]
    ok = client.post("/account/tokens/", {"name": "x"}, HTTP_X_CSRFTOKEN=token.value)
    assert ok.status_code == 200


def test_a_closed_account_cannot_sign_in_and_loses_its_tokens(officer: User) -> None:
    _token, secret = actions.api_token_create(by=officer, name="cad")
    admin = make_user(officer.agency, "agency_admin")
    signed_in_client(admin).post(f"/staff/{officer.pk}/deactivate/")
    assert _password(Client()) == 400
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_locked_account_answers_the_same_whatever_the_password(officer: User) -> None:
    actions.user_lock(user=officer, at=timezone.now())
    right = Client().post(SIGN_IN, {"username": "avery", "password": PASSWORD, "acknowledge": "on"})
    wrong = Client().post(
        SIGN_IN, {"username": "avery", "password": "not the password!", "acknowledge": "on"}
    )
    assert right.status_code == wrong.status_code == 400
    assert "locked" in right.content.decode() and "locked" in wrong.content.decode()
    verbs = list(AuditEvent.objects.filter(actor=officer).values_list("verb", flat=True))
    assert verbs.count("auth.password.locked") == 2
    assert "auth.password.success" not in verbs


def test_locking_ends_open_sessions_and_stops_tokens(officer: User) -> None:
    client = signed_in_client(officer)
    _token, secret = actions.api_token_create(by=officer, name="cad")
    assert client.get("/").status_code == 200
    actions.user_lock(user=officer, at=timezone.now())
    assert client.get("/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_password_typed_as_the_username_is_not_recorded() -> None:
    Client().post(
        SIGN_IN,
        {"username": "Hunter2-MySecretPassphrase", "password": "x" * 12, "acknowledge": "on"},
    )
    event = AuditEvent.objects.get(verb="auth.password.failure")
    assert event.actor_name == "(unknown username)"
    assert "Hunter2" not in str(event.detail) and len(event.detail["attempt"]) == 16


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/account/", "/account/"),
        ("foo", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ],
)
def test_after_both_factors_only_a_local_path_is_followed(
    officer: User, next_url: str, lands_on: str
) -> None:
    device = enrol_device(officer)
    client = Client()
    client.post(
        f"{SIGN_IN}?next={next_url}",
        {"username": "avery", "password": PASSWORD, "acknowledge": "on"},
    )
    response = client.post(VERIFY, {"token": current_code(device)})
    assert response.status_code == 302
    assert response.url == lands_on
