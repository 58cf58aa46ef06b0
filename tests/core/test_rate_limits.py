"""SECURITY.md 17: bulk export and sign-in attempts are rate limited with 429 and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from crossroads.core.models import AuditEvent
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db
# Half a minute into a one-minute window, so a test never straddles two windows.
MID_WINDOW = datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC)


def test_audit_export_allows_five_a_minute_then_429(settings: object) -> None:
    auditor = make_user(make_agency(), "auditor")
    client = signed_in_client(auditor)
    with time_machine.travel(MID_WINDOW, tick=False):
        for _ in range(5):
            response = client.get("/audit/export.csv")
            assert response.status_code == 200
            assert b"".join(response.streaming_content).startswith(b"seq,at_utc,actor")
        refused = client.get("/audit/export.csv")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30
    assert AuditEvent.objects.filter(verb="audit.export").count() == 5


def test_one_network_address_failing_too_often_is_throttled(settings: object) -> None:
    settings.AXES_FAILURE_LIMIT = 3  # type: ignore[attr-defined]
    agency = make_agency()
    for n in range(3):
        make_user(agency, "officer", username=f"sprayed{n}")
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        client.post(
            "/accounts/sign-in/",
            {"username": f"sprayed{n}", "password": "Winter2026!!", "acknowledge": "on"},
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429
    refused = client.post(
        "/accounts/sign-in/",
        {"username": "sprayed0", "password": "Spring2026!!", "acknowledge": "on"},
    )
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this network" in refused.content.decode()
    assert int(refused["Retry-After"]) == 900
    other_network = Client(REMOTE_ADDR="198.51.100.7")
    assert other_network.get("/accounts/sign-in/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_parallel_exports_cannot_slip_past_the_limit() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from crossroads.core import ratelimit

    def use(_: int) -> bool:
        try:
            return ratelimit.retry_after("audit.export", "racer") is None
        finally:
            connection.close()

    with time_machine.travel(MID_WINDOW, tick=False), ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(use, range(20)))
    assert allowed == 5
