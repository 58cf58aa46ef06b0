"""SECURITY.md 22: an Idempotency-Key replays the first answer; another body with it is 409."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from crossroads.core import actions
from crossroads.core.models import ApiToken, IdempotencyRecord, User
from tests.factories import make_agency, make_user


def _post(client: Client, secret: str, body: dict[str, object], key: str) -> tuple[int, dict]:
    response = client.post(
        "/api/v1/tokens",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    return response.status_code, response.json()


STAFF = {
    "username": "replayed",
    "email": "r@example.org",
    "first_name": "Re",
    "last_name": "Played",
    "password": "a long enough passphrase",
    "roles": ["officer"],
}


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_answer() -> None:
    admin = make_user(make_agency(), "agency_admin")
    _t, secret = actions.api_token_create(by=admin, name="hr system")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": "hire-1"}
    client = Client()
    first = client.post("/api/v1/users", STAFF, content_type="application/json", **headers)
    again = client.post("/api/v1/users", STAFF, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="replayed").count() == 1


@pytest.mark.django_db
def test_a_secret_is_never_kept_for_replay() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    client = Client()
    status, created = _post(client, secret, {"name": "laptop"}, "tok-1")
    assert status == 201
    record = IdempotencyRecord.objects.get(key="tok-1")
    assert created["secret"].encode() not in bytes(record.body)
    status, problem = _post(client, secret, {"name": "laptop"}, "tok-1")
    assert status == 409
    assert "shown only once" in problem["detail"]
    assert ApiToken.objects.filter(name="laptop").count() == 1


@pytest.mark.django_db
def test_a_replay_checks_the_roles_of_now() -> None:
    admin = make_user(make_agency(), "agency_admin")
    _t, secret = actions.api_token_create(by=admin, name="hr system")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": "hire-2"}
    client = Client()
    assert (
        client.post("/api/v1/users", STAFF, content_type="application/json", **headers).status_code
        == 201
    )
    actions.user_set_roles(user=admin, roles=["auditor"], by=None, expected_version=1)
    again = client.post("/api/v1/users", STAFF, content_type="application/json", **headers)
    assert again.status_code == 403


@pytest.mark.django_db
def test_records_older_than_a_day_are_dropped() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        _post(Client(), secret, {"name": "old"}, "old-key")
    _post(Client(), secret, {"name": "new"}, "new-key")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]


@pytest.mark.django_db
def test_same_key_with_another_body_is_409() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    client = Client()
    assert _post(client, secret, {"name": "one"}, "key-2")[0] == 201
    status, problem = _post(client, secret, {"name": "two"}, "key-2")
    assert status == 409
    assert "different request" in problem["detail"]
    assert not ApiToken.objects.filter(name="two").exists()


@pytest.mark.django_db
def test_keys_belong_to_one_user() -> None:
    agency = make_agency()
    alice, bob = make_user(agency, "officer"), make_user(agency, "officer")
    _t, alice_secret = actions.api_token_create(by=alice, name="a")
    _t, bob_secret = actions.api_token_create(by=bob, name="b")
    client = Client()
    assert _post(client, alice_secret, {"name": "same"}, "shared-key")[0] == 201
    assert _post(client, bob_secret, {"name": "same"}, "shared-key")[0] == 201
    assert ApiToken.objects.filter(name="same").count() == 2


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_posts_make_one_row(live_server: object) -> None:
    admin = make_user(make_agency(), "agency_admin")
    _t, secret = actions.api_token_create(by=admin, name="cad")
    body = json.dumps(
        {
            "username": "concurrent.one",
            "email": "c@example.org",
            "first_name": "Con",
            "last_name": "Current",
            "password": "a long enough passphrase",
            "roles": ["officer"],
        }
    ).encode()

    def post(_: int) -> int:
        request = urllib.request.Request(  # noqa: S310  (the live test server)
            f"{live_server.url}/api/v1/users",
            data=body,
            method="POST",  # type: ignore[attr-defined]
            headers={
                "Authorization": f"Bearer {secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": "fifty",
            },
        )
        # The test server's listen backlog is small: a connection it resets is
        # sent again with the same key, as a real client would.
        for _attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return error.code
            except (ConnectionResetError, urllib.error.URLError):
                continue
        raise AssertionError("the server reset the connection five times")

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(post, range(50)))
    assert statuses == [201] * 50
    assert User.objects.filter(username="concurrent.one").count() == 1


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_crashed_request_is_taken_over() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    body = json.dumps({"name": "after crash"}).encode()
    with time_machine.travel(timezone.now() - timedelta(minutes=15)):
        IdempotencyRecord.objects.create(
            user=user,
            key="crashed",
            method="POST",
            path="/api/v1/tokens",
            body_sha256=hashlib.sha256(body).hexdigest(),
        )
    status, _body = _post(Client(), secret, {"name": "after crash"}, "crashed")
    assert status == 201
    assert ApiToken.objects.filter(name="after crash").count() == 1
