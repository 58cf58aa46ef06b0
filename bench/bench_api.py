"""API latency through the whole stack, against the cheapest view behind the same middleware.

Every request goes through django.test.Client in process: all middleware (session policy,
idempotency, access matrix, axes), ninja's bearer-token auth, the handler and its schema. The
baseline is GET /healthz, a public view doing one query, through the same client. Requests of
the compared endpoints are interleaved (rotating which goes first) so drift hits all alike.

Not included: the WSGI server, the network, and the per-request connection opening a real
server does with CONN_MAX_AGE=0 (the test client keeps one connection open).
Run: `make bench` or `.venv/bin/python bench/bench_api.py`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

STAFF = 200  # accounts in the agency, the administrator included
GETS = 300
POSTS = 100
WARM_UP = 20


def main() -> None:
    _setup.django_for_bench(fast_passwords=True)

    from django.db import connection, transaction
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crossroads.core import actions

    started = time.perf_counter()

    agency = _setup.bench_agency()
    with transaction.atomic():  # one commit for the set-up; each account still goes via actions
        admin = actions.user_create(
            by=None,
            agency=agency,
            username="bench.admin",
            email="admin@example.org",
            first_name="Bench",
            last_name="Admin",
            password=_setup.BENCH_PASSWORD,
            roles=["agency_admin"],
        )
        for n in range(STAFF - 1):
            actions.user_create(
                by=admin,
                agency=agency,
                username=f"officer{n:03d}",
                email=f"officer{n:03d}@example.org",
                first_name="Officer",
                last_name=f"Number {n:03d}",
                password=_setup.BENCH_PASSWORD,
                roles=["officer", "peer"] if n % 3 == 0 else ["officer"],
            )
    _token, secret = actions.api_token_create(by=admin, name="bench")
    bearer = {"Authorization": f"Bearer {secret}"}
    client = Client()

    def expect(response: HttpResponse, status: int, what: str) -> HttpResponse:
        if response.status_code != status:
            _setup.fail(f"{what} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def healthz() -> HttpResponse:
        return expect(client.get("/healthz"), 200, "GET /healthz")

    def me() -> HttpResponse:
        return expect(client.get("/api/v1/me", headers=bearer), 200, "GET /api/v1/me")

    def users() -> HttpResponse:
        return expect(
            client.get("/api/v1/users?limit=50", headers=bearer), 200, "GET /api/v1/users"
        )

    page = json.loads(users().content)
    if page["count"] != STAFF or len(page["items"]) != 50:
        _setup.fail(f"users page has {len(page['items'])} of {page['count']}, expected 50 of 200")

    serial = iter(range(10**9))

    def new_member(n: int) -> str:
        return json.dumps(
            {
                "username": f"member{n:06d}",
                "email": f"member{n:06d}@example.org",
                "first_name": "New",
                "last_name": f"Member {n:06d}",
                "password": _setup.BENCH_PASSWORD,
                "roles": ["officer"],
            }
        )

    # A token's secret is never kept for replay (its repeats get 409), so the replay is timed on
    # staff creation: same stack, an answer the idempotency layer keeps.
    def post_member(key: str, body: str) -> HttpResponse:
        return client.post(
            "/api/v1/users",
            body,
            content_type="application/json",
            headers={**bearer, "Idempotency-Key": key},
        )

    def post_first() -> HttpResponse:
        n = next(serial)
        response = expect(post_member(f"first-{n}", new_member(n)), 201, "POST /api/v1/users")
        if response.has_header("Idempotent-Replayed"):
            _setup.fail("a fresh Idempotency-Key was answered as a replay")
        return response

    replayed = new_member(next(serial))

    def post_replay() -> HttpResponse:
        response = expect(post_member("replayed-key", replayed), 201, "POST /api/v1/users (replay)")
        if response.get("Idempotent-Replayed") != "true":
            _setup.fail("a repeated Idempotency-Key was not answered as a replay")
        return response

    post_member("replayed-key", replayed)  # the first use of the key, which every replay repeats

    def queries_of(fn: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    def latencies(endpoints: dict[str, Callable[[], object]], n: int) -> dict[str, list[float]]:
        for fn in endpoints.values():
            for _ in range(WARM_UP):
                fn()
        samples: dict[str, list[float]] = {name: [] for name in endpoints}
        names = list(endpoints)
        for i in range(n):
            rotated = names[i % len(names) :] + names[: i % len(names)]
            for name in rotated:
                samples[name].append(_setup.timed(endpoints[name]) * 1000)
        return samples

    def describe(samples: list[float]) -> str:
        return (
            f"p50 {_setup.percentile(samples, 50):.2f} ms "
            f"p95 {_setup.percentile(samples, 95):.2f} ms"
        )

    def ratio(subject: list[float], baseline: list[float]) -> str:
        return (
            f"ratio p50 {_setup.percentile(subject, 50) / _setup.percentile(baseline, 50):.1f}x"
            f" p95 {_setup.percentile(subject, 95) / _setup.percentile(baseline, 95):.1f}x"
        )

    gets = {"healthz": healthz, "me": me, "users": users}
    counts = {name: queries_of(fn) for name, fn in gets.items()}
    samples = latencies(gets, GETS)
    base = samples["healthz"]
    print(
        f"GET /api/v1/me: {describe(samples['me'])}   baseline GET /healthz: "
        f"{describe(base)}   {ratio(samples['me'], base)}   [{GETS} each, interleaved]"
    )
    print(
        f"GET /api/v1/users?limit=50 ({STAFF} staff): {describe(samples['users'])}   "
        f"baseline GET /healthz: {describe(base)}   {ratio(samples['users'], base)}"
    )
    print(
        f"  (SQL queries per request: healthz {counts['healthz']}, me {counts['me']}, "
        f"users {counts['users']})"
    )

    posts = {"first": post_first, "replay": post_replay}
    post_counts = {name: queries_of(fn) for name, fn in posts.items()}
    post_samples = latencies(posts, POSTS)
    print(
        f"POST /api/v1/users replayed Idempotency-Key: {describe(post_samples['replay'])}   "
        f"baseline first use of a key: {describe(post_samples['first'])}   "
        f"{ratio(post_samples['replay'], post_samples['first'])}   [{POSTS} each, interleaved]"
    )
    print(
        f"  (SQL queries per request: first {post_counts['first']}, replay {post_counts['replay']})"
    )
    print(f"bench_api done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
