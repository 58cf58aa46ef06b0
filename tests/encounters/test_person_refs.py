"""The person reference of imported history: a CAD / RMS export's person number for the subject
of an encounter becomes one person of the agency, found again on every later import.

Runs on SQLite and on PostgreSQL (DATABASE_URL), where the bulk path writes with COPY.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from crossroads.core.csv_files import csv_rows
from crossroads.core.models import Agency, AuditEvent, ImportBatch
from crossroads.encounters import actions
from crossroads.encounters.cad_import import CallReader, MappingError, load_mapping, shipped_mapping
from crossroads.encounters.history import HistoricCall, HistoricEncounter
from crossroads.encounters.models import CallForService, Encounter
from crossroads.people.models import Person
from crossroads.programs.actions import case_open
from crossroads.referrals.actions import referral_start
from crossroads.referrals.fhir import referral_bundle
from tests.consent.test_accounting import pdf_text
from tests.factories import (
    make_agency,
    make_program,
    make_service,
    make_user,
    signed_in_client,
)

HEADER = "call_id,received_at,source,initial_call_type,behavioural_health,disposition,person_ref"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _file(tmp_path: Path, *rows: str, name: str = "calls.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _row(call_id: str, person_ref: str, disposition: str = "resolved_on_scene") -> str:
    return f"{call_id},2024-03-09 22:14:05,911,Person in crisis,yes,{disposition},{person_ref}"


def _import(path: Path, agency: Agency, *options: str) -> dict[str, object]:
    out = io.StringIO()
    call_command(
        "import",
        "calls",
        str(path),
        "--agency",
        agency.short_name,
        "--json",
        *options,
        stdout=out,
        stderr=io.StringIO(),
    )
    summary: dict[str, object] = json.loads(out.getvalue())
    return summary


def _people_of(agency: Agency) -> dict[str, set[str]]:
    """Each person reference of the agency, with the call ids of its person's encounters."""
    linked: dict[str, set[str]] = {}
    for ref, call in Encounter.objects.filter(agency=agency).values_list(
        "person__external_ref", "call__external_id"
    ):
        linked.setdefault(ref, set()).add(call)
    return linked


@pytest.fixture
def alder(db: None) -> Agency:
    return make_agency(short_name="ALDER", time_zone="America/New_York")


# --- the mapping and the parser (no database) ---------------------------------------------


def test_the_generic_mapping_maps_a_person_reference_and_seattle_has_none() -> None:
    assert shipped_mapping("generic").fields["person_ref"].column == "person_ref"
    assert "person_ref" not in shipped_mapping("seattle-crisis").fields


MINE = """\
name: mine
title: Mine
version: "1"
fields:
  external_id: {column: id}
  received_at: {column: at, format: "%Y-%m-%d %H:%M"}
  source: {constant: "911"}
  behavioural_health: {constant: true}
  disposition: {constant: resolved_on_scene}
"""


@pytest.mark.parametrize(
    "spec",
    [
        '{constant: "P1"}',
        "{column: who, values: {a: b}}",
        "{column: who, default: unknown}",
    ],
)
def test_a_reference_comes_from_its_column_as_written(tmp_path: Path, spec: str) -> None:
    """A constant or default would make every encounter's person the same person."""
    path = tmp_path / "mine.yaml"
    path.write_text(MINE + f"  person_ref: {spec}\n")
    with pytest.raises(
        MappingError, match=r"fields\.person_ref: a reference comes from its column"
    ):
        load_mapping(path)


def _parse(text: str) -> list[HistoricCall | list[str]]:
    """Each row's call, or its problems as text."""
    mapping = shipped_mapping("generic")
    header, rows = csv_rows(io.StringIO(text))
    reader = CallReader(mapping, header, zone=UTC, now=NOW)
    return [
        result if isinstance(result, HistoricCall) else [str(p) for p in result]
        for _, _, result in reader.read(rows)
    ]


def test_the_parser_gives_the_encounter_its_person_reference() -> None:
    results = _parse(
        "\n".join(
            [
                HEADER,
                _row("C1", " MNI-0042 "),
                _row("C2", ""),
                _row("C3", "NULL"),
                _row("C4", "MNI-0042", disposition=""),
            ]
        )
    )
    first, blank, marked_missing, no_encounter = results
    assert isinstance(first, HistoricCall)
    assert first.encounters[0].person_ref == "MNI-0042"  # surrounding spaces removed
    assert isinstance(blank, HistoricCall) and blank.encounters[0].person_ref == ""
    assert isinstance(marked_missing, HistoricCall)
    assert marked_missing.encounters[0].person_ref == ""
    assert isinstance(no_encounter, HistoricCall) and no_encounter.encounters == ()


def test_a_bad_reference_is_a_problem_of_its_line_and_column() -> None:
    results = _parse(
        "\n".join([HEADER, _row("C1", "M" * 65), _row("C2", '"MNI\n7"'), _row("C3", "M" * 64)])
    )
    too_long, broken, longest = results
    assert too_long == ["2:person_ref: longer than 64 characters (65)"]
    assert broken == [
        "3:person_ref: 'MNI\\n7' holds a line break, tab or other unprintable character"
    ]
    assert isinstance(longest, HistoricCall)


# --- the import -------------------------------------------------------------------------------


def test_each_reference_becomes_one_unnamed_person_linked_to_its_encounters(
    alder: Agency, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        _row("C1", "MNI-1"),
        _row("C2", "MNI-2"),
        _row("C3", "MNI-1"),
        _row("C4", ""),
        _row("C5", "MNI-3", disposition=""),  # no encounter: no person to link
    )
    summary = _import(path, alder)
    assert (summary["written"], summary["people_created"]) == (5, 2)
    assert _people_of(alder) == {"MNI-1": {"C1", "C3"}, "MNI-2": {"C2"}, None: {"C4"}}
    batch = ImportBatch.objects.get()
    person = Person.objects.get(external_ref="MNI-1")
    assert (person.agency, person.import_batch, person.created_by) == (alder, batch, None)
    assert (person.given_name, person.family_name, person.date_of_birth) == ("", "", None)
    assert str(person) == "Person MNI-1 (imported)"
    # One audit event for the import, which counts the persons it created.
    [event] = AuditEvent.objects.filter(verb="calls.import")
    assert (event.detail["written"], event.detail["people_created"]) == (5, 2)
    assert not AuditEvent.objects.filter(verb="person.create").exists()


def test_the_summary_says_how_many_people_were_created(alder: Agency, tmp_path: Path) -> None:
    out = io.StringIO()
    path = _file(tmp_path, _row("C1", "MNI-1"), _row("C2", "MNI-1"))
    call_command("import", "calls", str(path), "--agency", "ALDER", stdout=out)
    assert "1 people created for person references new to the agency." in out.getvalue()


def test_importing_again_creates_no_one_and_later_files_find_the_same_person(
    alder: Agency, tmp_path: Path
) -> None:
    first = _file(tmp_path, _row("C1", "MNI-1"), _row("C2", "MNI-2"))
    _import(first, alder)
    again = _import(first, alder)
    assert (again["written"], again["skipped"], again["people_created"]) == (0, 2, 0)
    assert Person.objects.count() == 2
    later = _file(
        tmp_path, _row("C2", "MNI-2"), _row("C3", "MNI-1"), _row("C4", "MNI-9"), name="later.csv"
    )
    summary = _import(later, alder)
    assert (summary["written"], summary["skipped"], summary["people_created"]) == (2, 1, 1)
    assert _people_of(alder) == {"MNI-1": {"C1", "C3"}, "MNI-2": {"C2"}, "MNI-9": {"C4"}}
    assert Person.objects.count() == 3
    created = Person.objects.get(external_ref="MNI-9").import_batch
    assert created == ImportBatch.objects.get(file_name="later.csv")


def test_a_reference_names_a_person_of_one_agency(alder: Agency, tmp_path: Path) -> None:
    other = make_agency(short_name="OTHER")
    path = _file(tmp_path, _row("C1", "MNI-1"))
    _import(path, alder)
    _import(path, other)
    people = Person.objects.filter(external_ref="MNI-1")
    assert {p.agency for p in people} == {alder, other}


def test_a_file_with_a_bad_reference_is_refused_and_writes_no_one(
    alder: Agency, tmp_path: Path
) -> None:
    path = _file(tmp_path, _row("C1", "MNI-1"), _row("C2", "M" * 65))
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "calls", str(path), "--agency", "ALDER", stderr=err)
    assert refused.value.returncode == 2
    assert err.getvalue().splitlines() == ["calls.csv:3:person_ref: longer than 64 characters (65)"]
    assert not Person.objects.exists()
    assert not CallForService.objects.exists()


def test_skipping_bad_rows_keeps_the_good_rows_people(alder: Agency, tmp_path: Path) -> None:
    path = _file(tmp_path, _row("C1", "MNI-1"), _row("C2", "M\tX"), _row("C3", "MNI-1"))
    summary = _import(path, alder, "--skip-bad-rows")
    assert (summary["written"], summary["rejected"], summary["people_created"]) == (2, 1, 1)
    assert _people_of(alder) == {"MNI-1": {"C1", "C3"}}


def test_people_made_in_one_chunk_are_found_in_the_next(alder: Agency) -> None:
    """More records than a chunk: the references of the first chunk come back in the second."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    records = [
        HistoricCall(
            external_id=f"H-{n}",
            source="911",
            initial_call_type="Person in crisis",
            behavioural_health=True,
            received_at=start + timedelta(minutes=n),
            encounters=(
                HistoricEncounter(
                    disposition="resolved_on_scene",
                    occurred_at=start + timedelta(minutes=n, seconds=30),
                    person_ref=f"P-{n % 7}",
                ),
            ),
        )
        for n in range(actions.IMPORT_CHUNK + 3)
    ]
    batch = actions.calls_import(
        by=None,
        agency=alder,
        records=records,
        source=actions.ImportSource(file_name="generator", sha256="0" * 64),
    )
    assert Person.objects.filter(import_batch=batch).count() == 7
    counts = {ref: len(calls) for ref, calls in _people_of(alder).items()}
    assert sum(counts.values()) == len(records)
    assert set(counts) == {f"P-{n}" for n in range(7)}


def test_an_imported_person_shows_by_reference_on_the_timeline(
    alder: Agency, tmp_path: Path
) -> None:
    _import(_file(tmp_path, _row("C1", "MNI-77")), alder)
    person = Person.objects.get(external_ref="MNI-77")
    page = signed_in_client(make_user(alder, "officer")).get(f"/people/{person.pk}/")
    assert page.status_code == 200
    assert '<h1 class="margin-top-0">Person MNI-77 (imported)</h1>' in page.content.decode()


def test_an_imported_person_shows_by_reference_wherever_a_person_is_named(
    alder: Agency, tmp_path: Path
) -> None:
    """The programs and referrals pages, the referral's summary PDF and its FHIR export name
    a person as the person pages do (Person.__str__): never a blank name."""
    _import(_file(tmp_path, _row("C1", "MNI-77")), alder)
    person = Person.objects.get(external_ref="MNI-77")
    shown = "Person MNI-77 (imported)"
    coordinator = make_user(alder, "cit_coordinator")
    program = make_program(alder)
    case = case_open(
        by=coordinator,
        program=program,
        person=person,
        entry_path=program.spec.entry_paths[0],
        at=NOW,
    )
    provider = make_agency(type=Agency.Type.BH_PROVIDER)
    referral = referral_start(
        by=coordinator,
        service=make_service("Alder Counselling", agency=provider),
        site=None,
        encounter=None,
        case=case,
        need="moud",
        at=NOW,
    )
    client = signed_in_client(coordinator)
    pages = {
        "case": reverse("programs:case_detail", args=[case.pk]),
        "program": reverse("programs:program_detail", args=[program.pk]),
        "caseload": reverse("programs:caseload"),
        "referrals sent": reverse("referrals:sent"),
    }
    for name, url in pages.items():
        page = client.get(url)
        assert page.status_code == 200, name
        assert shown in page.content.decode(), name
    assert shown in pdf_text(client.get(reverse("referrals:referral_pdf", args=[referral.pk])))
    request = referral_bundle(referral)["entry"][0]["resource"]
    assert request["subject"]["display"] == shown


# --- the database's rules ---------------------------------------------------------------------


def test_the_database_keeps_one_person_per_reference_and_agency(alder: Agency) -> None:
    officer = make_user(alder, "officer")
    Person.objects.create(agency=alder, external_ref="MNI-1")
    for _ in range(2):  # people staff record carry no reference: any number of them
        Person.objects.create(
            agency=alder, given_name="Ada", family_name="Moss", created_by=officer
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(agency=alder, external_ref="MNI-1")


def test_the_database_refuses_a_person_with_neither_name_nor_reference(alder: Agency) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(agency=alder)
