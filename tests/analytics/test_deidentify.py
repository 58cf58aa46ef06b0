"""`crossroads analytics export`: a de-identified copy for outside evaluators. No record id or
pseudonym of the source survives; under Safe Harbor no full date, no age over 89, no area."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crossroads.core.models import AuditEvent
from tests.analytics.builder import write_snapshot
from tests.factories import make_agency

pytestmark = pytest.mark.django_db

AGES = [45, 89, 90, 91, 104, None]
SOURCE_IDS = ["call-a1", "call-a2", "enc-b1", "enc-b2", "ref-c1", "case-d1"]
PERSON_KEYS = [8_111_222_333, 8_444_555_666]


@pytest.fixture
def snapshot(settings: Any, tmp_path: Path) -> Path:
    """Two calls, six encounters (one per age, the first and last on calls), a referral from
    encounter enc-b2 for person 2, a LEAD case with a note in its closure reason, one service;
    everything in Riverton's precinct 3 in March 2026, except one encounter in May."""
    settings.ANALYTICS_DIR = tmp_path
    make_agency(name="Riverton Police Department", short_name="Riverton PD")
    encounters = [
        {
            "encounter_id": f"enc-b{n}",
            "call_id": "call-a1" if n == 1 else None,
            "local_date": "2026-05-04" if n == 5 else f"2026-03-{n + 10}",
            "occurred_at": f"2026-03-{n + 10} 14:25:00",
            "area": "Precinct 3",
            "person_key": PERSON_KEYS[n % 2],
            "officer_key": 9_000_000_001,
            "age": age,
            "disposition": "citation" if n == 2 else "resolved_on_scene",
            "minutes_on_scene": 30 + n,
        }
        for n, age in enumerate(AGES)
    ]
    calls = [
        {
            "call_id": f"call-a{n}",
            "local_date": "2026-03-11",
            "area": "Precinct 3",
            "received_at": "2026-03-11 14:00:00",
            "behavioural_health": True,
        }
        for n in (1, 2)
    ]
    referrals = [
        {
            "referral_id": "ref-c1",
            "local_date": "2026-03-12",
            "encounter_id": "enc-b2",
            "person_key": PERSON_KEYS[0],
            "program": "riverton-lead",
            "created_at": "2026-03-12 15:00:00",
            "sent_at": "2026-03-12 15:05:00",
            "receiving_agency": "riverton-clinic",
        }
    ]
    cases = [
        {
            "case_id": "case-d1",
            "local_date": "2026-03-13",
            "program": "riverton-lead",
            "program_type": "lead",
            "person_key": PERSON_KEYS[1],
            "encounter_id": "enc-b1",
            "opened_at": "2026-03-13 09:00:00",
        }
    ]
    services = [
        {
            "referral_id": "ref-c1",
            "local_date": "2026-03-20",
            "person_key": PERSON_KEYS[0],
            "served_at": "2026-03-20 10:00:00",
        }
    ]
    return write_snapshot(
        tmp_path / "snapshot",
        calls=calls,
        encounters=encounters,
        referrals=referrals,
        cases=cases,
        services=services,
    )


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("analytics", "export", *args, stdout=out)
    return out.getvalue()


def _read(directory: Path, table: str) -> list[dict[str, str]]:
    return list(csv.DictReader((directory / f"{table}.csv").open()))


def _every_file(directory: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(directory.glob("*.csv")))


def test_safe_harbor_leaves_no_full_date_no_old_age_and_no_area(
    snapshot: Path, tmp_path: Path
) -> None:
    out = tmp_path / "for-evaluator"
    export("--output", str(out), "--safe-harbor")

    everything = _every_file(out)
    assert not re.search(r"\d{4}-\d{2}", everything)  # no date, no month, no date-time
    assert not re.search(r"\d{1,2}:\d{2}", everything)  # no time of day
    encounters = _read(out, "encounters")
    assert sorted(r["age"] for r in encounters) == sorted(["45", "89", "90+", "90+", "90+", ""])
    assert {r["year"] for r in encounters} == {"2026"}
    assert "area" not in encounters[0] and "Precinct" not in everything
    assert "riverton" not in everything.lower()  # agencies and programs are codes
    (police,) = {r["agency"] for r in encounters}
    (referral,) = _read(out, "referrals")
    assert {police, referral["receiving_agency"]} == {"agency-1", "agency-2"}
    assert {r["minutes_on_scene"] for r in encounters} == {str(30 + n) for n in range(6)}


def test_no_source_id_or_pseudonym_remains(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    export("--output", str(out))

    everything = _every_file(out)
    for source_id in SOURCE_IDS:
        assert source_id not in everything
    for key in (*PERSON_KEYS, 9_000_000_001):
        assert str(key) not in everything
    assert "2026-03-11" in everything  # without Safe Harbor the days stay


def test_the_new_numbers_still_join_the_tables(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "joined"
    export("--output", str(out), "--safe-harbor")

    encounters = _read(out, "encounters")
    (referral,) = _read(out, "referrals")
    (case,) = _read(out, "cases")
    (service,) = _read(out, "services")
    (cited,) = [e for e in encounters if e["disposition"] == "citation"]  # enc-b2
    assert referral["encounter_id"] == cited["encounter_id"]
    assert referral["person_key"] == cited["person_key"]  # person 1 met at enc-b2
    assert service["referral_id"] == referral["referral_id"]
    assert service["person_key"] == referral["person_key"]
    (on_call,) = [e for e in encounters if e["call_id"]]  # enc-b1, on call-a1
    assert case["encounter_id"] == on_call["encounter_id"]
    assert case["person_key"] == on_call["person_key"] != referral["person_key"]
    assert case["program"] == referral["program"] == "program-1"
    assert {c["call_id"] for c in _read(out, "calls")} >= {on_call["call_id"]}


def test_parquet_for_one_agency_and_a_range_of_days(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "march"
    printed = export(
        "--output",
        str(out),
        "--format",
        "parquet",
        "--agency",
        "riverton-pd",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    )

    encounters = pq.read_table(out / "encounters.parquet").to_pylist()
    assert len(encounters) == 5  # the May encounter is outside the days asked for
    assert "encounters 5" in printed
    assert {str(e["encounter_id"]) for e in encounters} == {"1", "2", "3", "4", "5"}
    assert {e["local_date"].isoformat()[:7] for e in encounters} == {"2026-03"}
    readme = (out / "README.txt").read_text()
    assert "HIPAA Safe Harbor: no" in readme
    assert "Agency: riverton-pd" in readme


def test_the_readme_says_what_was_done(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "explained"
    export("--output", str(out), "--safe-harbor")
    readme = (out / "README.txt").read_text()
    assert "HIPAA Safe Harbor: yes" in readme
    assert "'90+'" in readme
    assert "ZIP3" in readme and "`area` is dropped" in readme
    assert "encounters.csv: 6" in readme
    assert AuditEvent.objects.filter(verb="analytics.deidentified_export").count() == 1


def test_an_existing_directory_with_files_is_refused_and_left_alone(
    snapshot: Path, tmp_path: Path
) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="--output") as raised:
        export("--output", str(out))
    assert raised.value.returncode == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".taken.")]
    with pytest.raises(CommandError, match="--from"):
        export("--output", str(tmp_path / "new"), "--from", "March")
    assert not (tmp_path / "new").exists()
