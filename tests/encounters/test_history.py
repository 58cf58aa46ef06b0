"""The bulk path for past calls: all or nothing, idempotent, one audit event per import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from crossroads.core.models import AuditEvent, ImportBatch
from crossroads.encounters import actions
from crossroads.encounters.history import (
    HistoricCall,
    HistoricEncounter,
    HistoricScreen,
    HistoricUnit,
)
from crossroads.encounters.models import CallForService, CallUnit, Encounter, EncounterScreen
from tests.factories import make_agency

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 1, 8, tzinfo=UTC)
SOURCE = actions.ImportSource(file_name="calls.csv", sha256="0" * 64, mapping="generic")


def _call(n: int, screen: HistoricScreen | None = None) -> HistoricCall:
    received = START + timedelta(hours=n)
    return HistoricCall(
        external_id=f"2024-{n:05d}",
        source="911",
        initial_call_type="Person in crisis",
        final_call_type="Crisis complaint",
        behavioural_health=True,
        received_at=received,
        beat="B2",
        units=(
            HistoricUnit(cit_certified=n % 2 == 0, dispatched_at=received, external_officer_id="7"),
        ),
        encounters=(
            HistoricEncounter(
                disposition="resolved_on_scene",
                occurred_at=received + timedelta(minutes=20),
                officer_cit_certified=n % 2 == 0,
                screens=(screen,) if screen else (),
            ),
        ),
    )


def test_an_import_writes_calls_units_encounters_and_scored_screens_once() -> None:
    agency = make_agency(type="police")
    records = [_call(n, HistoricScreen("phq2", (3, 3))) for n in range(7)]
    batch = actions.calls_import(by=None, agency=agency, records=records, source=SOURCE)
    assert (batch.rows_written, batch.rows_skipped) == (7, 0)
    assert CallForService.objects.filter(import_batch=batch, flag_set_by="import").count() == 7
    assert CallUnit.objects.filter(cit_certified=True).count() == 4
    assert Encounter.objects.count() == 7
    assert EncounterScreen.objects.filter(positive=True).count() == 7
    assert EncounterScreen.objects.first().result["total"] == 6  # type: ignore[union-attr]
    again = actions.calls_import(by=None, agency=agency, records=records, source=SOURCE)
    assert (again.rows_written, again.rows_skipped) == (0, 7)
    assert CallForService.objects.count() == 7
    events = AuditEvent.objects.filter(verb="calls.import")
    assert [event.detail["written"] for event in events.order_by("seq")] == [7, 0]


def test_a_bad_record_leaves_nothing_behind() -> None:
    agency = make_agency(type="police")
    records = [_call(1), _call(2, HistoricScreen("phq2", (3, 9)))]
    with pytest.raises(ValidationError):
        actions.calls_import(by=None, agency=agency, records=records, source=SOURCE)
    assert not CallForService.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(verb="calls.import").exists()
