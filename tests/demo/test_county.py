"""The synthetic demo county: deterministic, labelled synthetic, every role can sign in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from crossroads.core import audit
from crossroads.core.models import Agency, Partnership, Role, User
from crossroads.demo.county import DEMO_PASSWORD, build_county
from crossroads.encounters.models import CallForService
from tests.factories import enrol_device, make_agency, make_user

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _people(seed: int) -> list[tuple[str, str, str]]:
    try:
        with transaction.atomic():
            build_county(seed=seed, calls_per_day=0)
            people = list(
                User.objects.order_by("username").values_list("username", "first_name", "last_name")
            )
            raise _Undo
    except _Undo:
        return people


def test_the_same_seed_makes_the_same_county() -> None:
    assert _people(7) == _people(7)
    assert _people(7) != _people(8)


def test_every_role_has_a_demo_sign_in_and_everything_is_synthetic() -> None:
    county = build_county(calls_per_day=0)
    assert {code for user in county.sign_ins for code in user.role_codes} == set(Role.values)
    assert all(a.is_synthetic and "(synthetic)" in a.name for a in Agency.objects.all())
    assert all(u.check_password(DEMO_PASSWORD) for u in county.sign_ins)
    assert Agency.objects.filter(part2_program=True).count() == 2
    assert Partnership.objects.filter(ends_on__isnull=False).count() == 1  # an expired MOU
    assert audit.verify()[1] == []


def test_demo_totp_prints_codes_only_for_synthetic_accounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    county = build_county(calls_per_day=0)
    enrol_device(county.sign_ins[0])
    call_command("demo_totp", county.sign_ins[0].username, "--json")
    assert len(json.loads(capsys.readouterr().out)["sign_in"]) == 6
    real = make_user(make_agency(), "officer")
    enrol_device(real)
    with pytest.raises(CommandError) as refused:
        call_command("demo_totp", real.username)
    assert refused.value.returncode == 2


@pytest.mark.django_db(transaction=False)
def test_demo_command_sets_up_once_and_keeps_the_data(tmp_path: Path) -> None:
    env = {**os.environ, "CROSSROADS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "crossroads.cli", "demo", "--no-serve"]
    first = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert "Loading the synthetic Alder County" in first.stdout
    for username in ("dispatcher", "officer", "clinician", "intake", "auditor"):
        assert username in first.stdout
    assert DEMO_PASSWORD in first.stdout
    second = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "already holds data; keeping it" in second.stdout
    database = tmp_path / "crossroads.sqlite3"
    assert database.stat().st_mode & 0o077 == 0, "the database is for the service account only"


def test_the_demo_is_refused_in_production(settings: object) -> None:
    settings.PRODUCTION = True  # type: ignore[attr-defined]
    for command in (["demo", "--no-serve"], ["demo_totp", "anyone"]):
        with pytest.raises(CommandError) as refused:
            call_command(*command)
        assert refused.value.returncode == 2
        assert "production" in str(refused.value)
    assert not Agency.objects.exists()


def test_a_month_of_calls_at_believable_rates() -> None:
    until = datetime(2026, 11, 1, tzinfo=UTC)
    county = build_county(until=until)
    calls = CallForService.objects.all()
    assert county.calls == calls.count() == 30 * 24
    crisis_share = calls.filter(behavioural_health=True).count() / county.calls
    assert 0.06 < crisis_share < 0.14  # about one call in ten (DOMAIN.md)
    assert calls.filter(overridden=True).exclude(override_reason="").exists()
    assert not calls.filter(overridden=True, override_reason="").exists()
    assert calls.filter(received_at__gte=until).count() == 0
    assert calls.filter(received_at__lt=until - timedelta(days=30)).count() == 0
    assert {c.agency.short_name for c in calls.select_related("agency")} == {"Alder 911"}
    assert audit.verify()[1] == []
