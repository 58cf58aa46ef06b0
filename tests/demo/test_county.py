"""The synthetic demo county: deterministic, labelled synthetic, every role can sign in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from crossroads.core import audit
from crossroads.core.models import Agency, AuditEvent, ImportBatch, Partnership, Role, User
from crossroads.demo.county import DEMO_PASSWORD, POLICE, build_county
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.models import CallForService, CallUnit, Encounter, EncounterScreen
from crossroads.screening.catalog import catalog
from crossroads.training.models import CIT, Certification
from tests.factories import enrol_device, make_agency, make_user

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _people(seed: int) -> list[tuple[str, str, str]]:
    try:
        with transaction.atomic():
            build_county(seed=seed, calls_per_day=0, history_days=0)
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
    county = build_county(calls_per_day=0, history_days=0)
    assert {code for user in county.sign_ins for code in user.role_codes} == set(Role.values)
    assert all(a.is_synthetic and "(synthetic)" in a.name for a in Agency.objects.all())
    assert all(u.check_password(DEMO_PASSWORD) for u in county.sign_ins)
    assert Agency.objects.filter(part2_program=True).count() == 2
    assert Partnership.objects.filter(ends_on__isnull=False).count() == 1  # an expired MOU
    assert audit.verify()[1] == []


def test_demo_totp_prints_codes_only_for_synthetic_accounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    county = build_county(calls_per_day=0, history_days=0)
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
    # A week of history keeps this quick; the history itself is tested below.
    command = [sys.executable, "-m", "crossroads.cli", "demo", "--no-serve", "--history-days", "7"]
    first = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert "Loading the synthetic Alder County" in first.stdout
    assert "7 days of police calls (bulk import)" in first.stdout
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
    assert "Analytics snapshot refreshed" in first.stdout, first.stdout
    assert "Analytics snapshot refreshed" in second.stdout, second.stdout
    assert (tmp_path / "analytics" / "snapshot" / "manifest.json").exists()
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
    county = build_county(until=until, history_days=0)
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


# --- The police history: two years in the demo, two months here ----------------------------

HISTORY_UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
HISTORY_DAYS = 60


def _history(seed: int) -> list[tuple[object, ...]]:
    """A short history, built and rolled back, by values that do not depend on record ids."""
    try:
        with transaction.atomic():
            build_county(seed=seed, calls_per_day=0, history_days=5, until=HISTORY_UNTIL)
            names: dict[UUID | None, str] = dict(User.objects.values_list("pk", "username"))
            calls = CallForService.objects.prefetch_related("units", "encounters__screens")
            history: list[tuple[object, ...]] = [
                (
                    call.external_id,
                    call.received_at,
                    call.behavioural_health,
                    call.beat,
                    tuple((names[u.officer_id], u.cit_certified) for u in call.units.all()),
                    tuple(
                        (e.disposition, e.highest_force, tuple(s.answers for s in e.screens.all()))
                        for e in call.encounters.all()
                    ),
                )
                for call in calls.order_by("external_id")
            ]
            history.append(tuple(ImportBatch.objects.order_by("sha256").values_list("sha256")))
            raise _Undo
    except _Undo:
        return history


def test_the_same_seed_makes_the_same_history() -> None:
    history = _history(7)
    assert len(history) > 200
    assert history == _history(7)  # other seeds differ: tests/demo/test_history.py


def test_the_history_comes_at_believable_rates_through_one_import_per_agency() -> None:
    county = build_county(calls_per_day=0, history_days=HISTORY_DAYS, until=HISTORY_UNTIL)
    calls = CallForService.objects.exclude(import_batch=None)
    total = calls.count()
    assert 45 * HISTORY_DAYS < total < 55 * HISTORY_DAYS  # about 50 police calls a day
    crisis = calls.filter(behavioural_health=True)
    assert 0.08 < crisis.count() / total < 0.12  # about one call in ten (DOMAIN.md)
    live_month = HISTORY_UNTIL - timedelta(days=30)
    assert not calls.filter(received_at__gte=live_month).exists()
    assert not calls.filter(received_at__lt=live_month - timedelta(days=HISTORY_DAYS)).exists()
    # One encounter for each crisis call, none for the others (the casework's people, met
    # outside the imported history, have encounters of their own).
    assert Encounter.objects.exclude(call=None).count() == crisis.count()
    assert Encounter.objects.exclude(call=None).values("call").distinct().count() == crisis.count()
    assert not Encounter.objects.filter(call__behavioural_health=False).exists()
    # Every instrument is used; AUDIT-C always with the respondent's sex.
    assert set(EncounterScreen.objects.values_list("instrument", flat=True)) == set(catalog())
    assert set(
        EncounterScreen.objects.filter(instrument="auditc").values_list("sex", flat=True)
    ) == {
        "female",
        "male",
    }
    # The rules encounter_submit holds a live encounter to.
    assert not Encounter.objects.filter(
        disposition="involuntary_hold", hold_legal_basis=""
    ).exists()
    transports = Encounter.objects.filter(disposition__in=Encounter.TRANSPORTS)
    assert transports.exists()
    assert not transports.filter(transport_destination="").exists()
    guide = field_guide()
    for signs, techniques in Encounter.objects.values_list("signs", "deescalation"):
        assert set(signs) <= guide.sign_codes
        assert set(techniques) <= guide.technique_codes
    for call in calls.only("received_at", "dispatched_at", "arrived_at", "cleared_at"):
        assert call.dispatched_at is not None and call.cleared_at is not None
        assert call.received_at <= call.dispatched_at <= (call.arrived_at or call.cleared_at)
        assert (call.arrived_at or call.dispatched_at) <= call.cleared_at
    # One audit event per import, one per certification, and the chain holds.
    imports = AuditEvent.objects.filter(verb="calls.import")
    assert imports.count() == len(POLICE) == len(county.imports) == ImportBatch.objects.count()
    assert sum(event.detail["written"] for event in imports) == total
    assert AuditEvent.objects.filter(verb="certification.record").count() == len(
        county.certifications
    )
    assert audit.verify()[1] == []
    _check_units_carry_the_cit_status_their_officer_held_on_the_day()


def _check_units_carry_the_cit_status_their_officer_held_on_the_day() -> None:
    held = defaultdict(list)
    for officer, issued, expires in Certification.objects.filter(course=CIT).values_list(
        "officer_id", "issued_on", "expires_on"
    ):
        held[officer].append((issued, expires))
    units = list(CallUnit.objects.select_related("call__agency").order_by("dispatched_at"))
    assert {unit.cit_certified for unit in units} == {True, False}
    for unit in units:
        day = unit.dispatched_at.astimezone(ZoneInfo(unit.call.agency.time_zone)).date()
        assert unit.officer_id is not None
        assert unit.cit_certified == any(i <= day <= e for i, e in held[unit.officer_id])
    for unit in units[::101]:  # the query the live path uses agrees
        day = unit.dispatched_at.astimezone(ZoneInfo(unit.call.agency.time_zone)).date()
        assert unit.officer_id is not None
        assert unit.cit_certified == bool(
            Certification.objects.cit_certified([unit.officer_id], day)
        )
    first_units: dict[UUID | None, CallUnit] = {unit.call_id: unit for unit in reversed(units)}
    for encounter in Encounter.objects.exclude(call=None):
        first = first_units[encounter.call_id]
        assert (encounter.officer_id, encounter.officer_cit_certified) == (
            first.officer_id,
            first.cit_certified,
        )
