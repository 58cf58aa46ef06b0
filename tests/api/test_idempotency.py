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


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_answer() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    client = Client()
    first = _post(client, secret, {"name": "field laptop"}, "key-1")
    again = _post(client, secret, {"name": "field laptop"}, "key-1")
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert ApiToken.objects.filter(user=user, name="field laptop").count() == 1


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
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(post, range(50)))
    assert statuses == [201] * 50
    assert User.objects.filter(username="concurrent.one").count() == 1


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_crashed_request_is_taken_over() -> None:
    user = make_user(make_agency(), "officer")
    _t, secret = actions.api_token_create(by=user, name="phone")
    body = json.dumps({"name": "after crash"}).encode()
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
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
