"""`crossroads import calls`: CAD exports through a declarative mapping (ADR 0011).

The parser is tested on its own (pure: no database), then the command end to end on real files
in tests/encounters/data/: a Seattle "Crisis Data" sample that imports cleanly, a broken one that
is refused without changing the database, --skip-bad-rows with its rejects file, and the generic
mapping.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from crossroads.core.csv_files import HeaderError, Problem, csv_rows
from crossroads.core.models import Agency, AuditEvent, ImportBatch
from crossroads.encounters import actions, bulk, cad_import
from crossroads.encounters.actions import call_intake
from crossroads.encounters.cad_import import (
    CallMapping,
    CallReader,
    MappingError,
    load_mapping,
    shipped_mapping,
)
from crossroads.encounters.history import HistoricCall, HistoricEncounter, HistoricUnit
from crossroads.encounters.models import CallForService, CallUnit, Encounter
from crossroads.triage.rules import CallFacts
from tests.factories import make_agency, make_user

DATA = Path(__file__).with_name("data")
SAMPLE = DATA / "seattle-crisis-sample.csv"
BROKEN = DATA / "seattle-crisis-broken.csv"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
PACIFIC = ZoneInfo("America/Los_Angeles")


def parse(text: str, mapping: CallMapping, zone: ZoneInfo = PACIFIC) -> list[cad_import.Parsed]:
    header, rows = csv_rows(io.StringIO(text))
    return list(CallReader(mapping, header, zone=zone, now=NOW).read(rows))


def problems_of(parsed: list[cad_import.Parsed]) -> list[str]:
    return [str(p) for _, _, result in parsed if isinstance(result, list) for p in result]


# --- the mappings ---------------------------------------------------------------------------


def test_our_codes_are_the_models_codes() -> None:
    assert {c.value for c in CallForService.Source} == cad_import.SOURCES
    assert {c.value for c in CallForService.Status} == cad_import.STATUSES
    assert {c.value for c in Encounter.Disposition} == cad_import.DISPOSITIONS
    assert {c.value for c in Encounter.Force} == cad_import.FORCES


@pytest.mark.parametrize("name", ["generic", "seattle-crisis"])
def test_the_shipped_mappings_load(name: str) -> None:
    assert shipped_mapping(name).name == name


def test_the_seattle_mapping_accounts_for_every_published_column() -> None:
    mapping = shipped_mapping("seattle-crisis")
    with SAMPLE.open(newline="") as stream:
        header = next(csv.reader(stream))
    assert len(header) == 25
    mapped = {c for spec in mapping.fields.values() for c in spec.source_columns}
    assert mapped | set(mapping.ignore) == set(header)
    # Minimum necessary: nothing about the officer as a person is imported.
    assert {"Officer Gender", "Officer Race", "Officer Year of Birth"} <= set(mapping.ignore)


GOOD = """\
name: mine
title: Mine
version: "1"
fields:
  external_id: {column: id}
  received_at: {column: at, format: "%Y-%m-%d %H:%M"}
  source: {constant: "911"}
  behavioural_health: {constant: true}
"""


def _mapping_file(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_minimal_mapping_loads(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping_file(tmp_path, GOOD))
    assert mapping.time_zone == "agency"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('  source: {constant: "911"}', "  source: {constant: radio}"), "'radio' is not one of"),
        (('  source: {constant: "911"}\n', ""), "fields ['source'] are needed"),
        (("fields:\n", "fields:\n  colour: {column: c}\n"), "unknown fields ['colour']"),
        (
            ("fields:\n", "fields:\n  disposition: {column: d}\n"),
            "fields.disposition: needs values",
        ),
        (
            ("fields:\n", "fields:\n  disposition: {column: d, values: {x: resolved}}\n"),
            "'resolved' is not one of",
        ),
        (
            ("fields:\n", "fields:\n  weapon_present: {column: w, values: {Y: yes please}}\n"),
            "'yes please' is not true or false",
        ),
        (
            ("fields:\n", "fields:\n  highest_force: {column: f, values: {1: none}}\n"),
            "value 1 is not text: quote it ('1')",
        ),
        (('format: "%Y-%m-%d %H:%M"', 'format: "%d %b %Y"'), "%b is not supported"),
        (('format: "%Y-%m-%d %H:%M"', 'format: "%Y-%m %H:%M"'), "needs %Y, %m and %d"),
        (('format: "%Y-%m-%d %H:%M"', 'format: "%Y-%m-%d %I:%M"'), "use %H, or %I with %p"),
        ((', format: "%Y-%m-%d %H:%M"', ""), "needs a format"),
        (
            ("  external_id: {column: id}", "  external_id: {column: id, constant: x}"),
            "exactly one",
        ),
        (('version: "1"', 'version: "1"\ntime_zone: Mars/Olympus'), "unknown time zone"),
        (('version: "1"', 'version: "1"\nignore: [id]'), "both mapped and ignored: ['id']"),
        (('version: "1"', 'version: "1"\ncolour: blue'), "colour: Extra inputs are not permitted"),
        (("name: mine", "name: yours"), "name 'yours' must match the file name"),
        (("fields:", "fields: ["), "cannot read"),
    ],
)
def test_a_bad_mapping_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    path = _mapping_file(tmp_path, GOOD.replace(old, new))
    with pytest.raises(MappingError) as refused:
        load_mapping(path)
    assert str(refused.value).startswith("mine.yaml: ")
    assert message in str(refused.value)


def test_an_unknown_shipped_mapping_names_the_known_ones() -> None:
    with pytest.raises(LookupError, match="known: generic, seattle-crisis"):
        shipped_mapping("spokane")


# --- the parser (pure) ---------------------------------------------------------------------

HEADER = "id,at,kind,cit,officer,force\n"
SMALL = """\
name: small
title: Small
version: "1"
time_zone: America/Los_Angeles
missing: ["", "-"]
fields:
  external_id: {column: id}
  received_at: {column: at, format: ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M %p"]}
  source: {column: kind, values: {"911": "911", ONVIEW: officer_initiated}}
  behavioural_health: {constant: true}
  officer_id: {column: officer}
  officer_cit_certified: {column: cit, values: {"Y": true, "N": false}}
  disposition: {constant: resolved_on_scene}
  highest_force: {column: force, required: true, values: {"Y": unspecified, "N": none}}
"""


@pytest.fixture
def small(tmp_path: Path) -> CallMapping:
    return load_mapping(_mapping_file(tmp_path, SMALL, "small.yaml"))


def test_a_good_row_becomes_a_historic_call(small: CallMapping) -> None:
    [(line, cells, call)] = parse(HEADER + "7,2024-07-04 21:30:00,911,Y,4417,Y\n", small)
    assert (line, cells[0]) == (2, "7")
    assert isinstance(call, HistoricCall)
    assert call.received_at == datetime(2024, 7, 5, 4, 30, tzinfo=UTC)  # PDT is UTC-7
    assert call.source == "911"
    assert call.behavioural_health is True
    [unit] = call.units
    assert (unit.external_officer_id, unit.cit_certified) == ("4417", True)
    assert unit.dispatched_at == call.received_at  # no dispatch time: when the call came in
    [encounter] = call.encounters
    assert (encounter.disposition, encounter.highest_force) == ("resolved_on_scene", "unspecified")
    assert encounter.officer_cit_certified is True
    assert encounter.occurred_at == call.received_at


def test_twelve_hour_clock_and_alternative_formats(small: CallMapping) -> None:
    rows = "1,07/04/2024 12:05 AM,911,N,,N\n2,07/04/2024 12:05 PM,911,N,,N\n"
    first, second = (result for _, _, result in parse(HEADER + rows, small))
    assert isinstance(first, HistoricCall) and isinstance(second, HistoricCall)
    assert first.received_at.astimezone(PACIFIC).hour == 0
    assert second.received_at.astimezone(PACIFIC).hour == 12
    assert first.units == ()  # no officer id: no unit


def test_every_problem_of_a_row_is_reported_with_line_column_and_reason(
    small: CallMapping,
) -> None:
    rows = (
        "1,2024-02-30 10:00:00,911,Y,1,N\n"  # line 2: no 30 February
        "2,2024-07-04 10:00,RADIO,Maybe,1,-\n"  # line 3: four problems
        "3,2024-07-04 10:00:00,911,Y,1\n"  # line 4: a field short
        "1,2024-07-04 10:00:00,911,Y,1,N\n"  # line 5: id of line 2
        "4,1900-01-01 00:00:00,911,-,,N\n"  # line 6: a placeholder date
        "5,2026-01-01 00:10:00,911,-,7,N\n"  # line 7: tomorrow (in Seattle), no CIT status
    )
    assert problems_of(parse(HEADER + rows, small)) == [
        "2:at: '2024-02-30 10:00:00' is not a real date and time (day is out of range for month)",
        "3:at: '2024-07-04 10:00' does not match '%Y-%m-%d %H:%M:%S' or '%m/%d/%Y %I:%M %p'",
        "3:kind: unmapped value 'RADIO' (known: '911', 'ONVIEW')",
        "3:cit: unmapped value 'Maybe' (known: 'Y', 'N')",
        "3:force: missing value",
        "4: expected 6 fields, found 5",
        "5:id: duplicate id '1' (first on line 2)",
        "6:at: '1900-01-01 00:00:00' is before 1990-01-01 (a placeholder?)",
        "7:at: '2026-01-01 00:10:00' is in the future",
        "7:cit: missing value (needed for the officer's unit)",
    ]


def test_lines_are_physical_lines_of_the_file(small: CallMapping) -> None:
    # A quoted cell spanning two lines, and a blank line: the next record is on line 5.
    text = HEADER + '"1",2024-07-04 10:00:00,911,Y,"44\n17",N\n\n2,bad,911,Y,,N\n'
    parsed = parse(text, small)
    assert [line for line, _, _ in parsed] == [2, 5]
    assert problems_of(parsed)[0].startswith("5:at:")


def test_a_stray_quote_is_a_problem_of_its_line(small: CallMapping) -> None:
    parsed = parse(HEADER + '1,2024-07-04 10:00:00,911,Y,"4"4,N\n', small)
    assert problems_of(parsed)[0].startswith("2: not a CSV record:")


def test_the_header_must_fit_the_mapping(small: CallMapping) -> None:
    with pytest.raises(HeaderError) as refused:
        parse("id,at,kind,cit,cit,colour\n", small)
    assert [str(p) for p in refused.value.problems] == [
        "1:cit: column appears twice in the header",
        "1:colour: unknown column: mapping 'small' neither maps nor ignores it (add it to the "
        "mapping's fields or its ignore list)",
        "1:force: missing column (mapping 'small': highest_force)",
    ]
    with pytest.raises(HeaderError, match="empty"):
        parse("", small)


def test_an_optional_column_may_be_absent(small: CallMapping) -> None:
    [(_, _, call)] = parse("id,at,kind,force\n1,2024-07-04 10:00:00,911,N\n", small)
    assert isinstance(call, HistoricCall)
    assert call.units == ()


def test_times_with_an_offset_keep_it_and_naive_ones_take_the_zone() -> None:
    mapping = shipped_mapping("generic")
    text = (
        "call_id,received_at,source,initial_call_type,behavioural_health\n"
        "a,2024-03-10T01:05:00-05:00,911,x,yes\n"
        "b,2024-03-10T14:00:00Z,911,x,yes\n"
        "c,2024-03-10 14:00,911,x,yes\n"
    )
    calls = [r for _, _, r in parse(text, mapping, zone=ZoneInfo("America/New_York"))]
    assert [c.received_at.astimezone(UTC).hour for c in calls if isinstance(c, HistoricCall)] == [
        6,
        14,
        18,  # 14:00 in New York, daylight time from that morning
    ]


EARLIEST, LATEST = datetime(1990, 1, 2), datetime(2025, 12, 30)  # noqa: DTZ001 - local times


@given(
    moment=st.datetimes(min_value=EARLIEST, max_value=LATEST),
    pattern=st.sampled_from(
        ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%f", "%d.%m.%Y %H:%M"]
    ),
)
def test_a_formatted_time_reads_back_as_itself(moment: datetime, pattern: str) -> None:
    fmt = cad_import._compile_format(pattern)
    text = moment.strftime(pattern)
    expected = datetime.strptime(text, pattern).replace(tzinfo=PACIFIC)
    assert cad_import._to_datetime(fmt, text, PACIFIC) == expected


def test_a_problem_reads_like_a_compiler_message() -> None:
    assert str(Problem(17, "Disposition", "unmapped value 'Foo'")) == (
        "17:Disposition: unmapped value 'Foo'"
    )


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def seattle(db: None) -> Agency:
    return make_agency(
        name="Seattle Police Department", short_name="SPD", time_zone="America/Los_Angeles"
    )


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "calls", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", "calls", *args, stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 2
    return raised.value, err.getvalue()


def counts() -> dict[str, int]:
    return {
        "calls": CallForService.objects.count(),
        "units": CallUnit.objects.count(),
        "encounters": Encounter.objects.count(),
        "batches": ImportBatch.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="") as stream:
        return list(csv.DictReader(stream))


SEATTLE = ("--mapping", "seattle-crisis", "--agency", "SPD")


def test_the_seattle_sample_imports_cleanly(seattle: Agency) -> None:
    out, err = run(str(SAMPLE), *SEATTLE, "--json")
    summary = json.loads(out)
    assert (summary["read"], summary["written"], summary["skipped"], summary["rejected"]) == (
        40,
        40,
        0,
        0,
    )
    assert err == ""
    rows = sample_rows()
    calls = CallForService.objects.filter(agency=seattle)
    assert calls.count() == 40
    assert set(calls.values_list("flag_set_by", flat=True)) == {"import"}
    assert set(calls.values_list("behavioural_health", flat=True)) == {True}
    assert CallUnit.objects.filter(call__agency=seattle).count() == 40
    assert Encounter.objects.filter(agency=seattle).count() == 40

    first = rows[0]
    call = calls.get(external_id=first["Template ID"])
    local = datetime.strptime(
        f"{first['Reported Date']} {first['Reported Time']}", "%Y-%m-%d %H:%M:%S"
    ).replace(tzinfo=PACIFIC)
    assert call.received_at == local
    assert call.number == first["Template ID"]
    assert (call.precinct, call.sector, call.beat) == (
        first["Precinct"],
        first["Sector"],
        first["Beat"],
    )
    [unit] = call.units.all()
    assert unit.external_officer_id == first["Officer ID"]
    assert unit.cit_certified is (first["CIT Certified Indicator"] == "Y")
    [encounter] = call.encounters.all()
    assert encounter.occurred_at == datetime.strptime(
        first["Occurred Date / Time"], "%m/%d/%Y %I:%M:%S %p"
    ).replace(tzinfo=PACIFIC)

    # Values mapped as the file says, "-" and UNKNOWN read as not recorded.
    forced = {r["Template ID"] for r in rows if r["Use of Force Indicator"] == "Y"}
    assert (
        set(
            Encounter.objects.filter(highest_force="unspecified").values_list(
                "call__external_id", flat=True
            )
        )
        == forced
    )
    assert Encounter.objects.filter(highest_force="none").count() == 40 - len(forced)
    held = {r["Template ID"] for r in rows if r["Disposition"] == "Emergent Detention ITA"}
    assert (
        set(
            Encounter.objects.filter(disposition="involuntary_hold").values_list(
                "call__external_id", flat=True
            )
        )
        == held
    )
    [unknown_place] = [r for r in rows if r["Precinct"] == "UNKNOWN"]
    assert calls.get(external_id=unknown_place["Template ID"]).precinct == ""
    [no_type] = [r for r in rows if r["Initial Call Type"] == "-"]
    assert calls.get(external_id=no_type["Template ID"]).initial_call_type == ""
    on_view = {r["Template ID"] for r in rows if r["Call Type"] == "ONVIEW"}
    assert set(calls.filter(source="officer_initiated").values_list("external_id", flat=True)) == (
        on_view
    )
    cit_sent = {r["Template ID"] for r in rows if r["CIT Officer Dispatched"] == "Y"}
    assert set(calls.filter(response="cit_officer").values_list("external_id", flat=True)) == (
        cit_sent
    )

    batch = ImportBatch.objects.get(pk=summary["batch"])
    assert (batch.kind, batch.mapping, batch.file_name) == ("calls", "seattle-crisis", SAMPLE.name)
    assert (batch.rows_read, batch.rows_written, batch.rows_rejected) == (40, 40, 0)
    [event] = AuditEvent.objects.filter(verb="calls.import")
    assert event.detail["written"] == 40
    assert event.detail["sha256"] == batch.sha256 == summary["sha256"]


def test_importing_the_same_file_again_adds_nothing(seattle: Agency) -> None:
    run(str(SAMPLE), *SEATTLE)
    before = counts()
    out, _ = run(str(SAMPLE), *SEATTLE, "--json")
    assert (json.loads(out)["written"], json.loads(out)["skipped"]) == (0, 40)
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "calls": 0,
        "units": 0,
        "encounters": 0,
        "batches": 1,  # the second import is recorded, with nothing written
        "audit": 1,
    }


def test_a_broken_file_is_refused_naming_every_problem_and_nothing_changes(
    seattle: Agency, tmp_path: Path
) -> None:
    broken = tmp_path / "calls.csv"
    shutil.copy(BROKEN, broken)
    before = counts()
    error, err = refused(str(broken), *SEATTLE)
    assert counts() == before
    assert err.splitlines() == [
        "calls.csv:4:Reported Date, Reported Time: '2023-02-30 20:57:00' is not a real date and "
        "time (day is out of range for month)",
        "calls.csv:8:Disposition: unmapped value 'Referred to Astrologer' (known: 'No Action "
        "Possible or Necessary', 'Chronic Complaint', 'Resources Declined', 'Resources Offered', "
        "'Crisis Clinic', 'Mobile Crisis Team', 'Mental Health Agency/Case Manager Notified', "
        "'Geriatric Regional Assessment Team', 'DMHP Referral', 'Drug/Alcohol Treatment "
        "Referral', 'Voluntary Committal', 'Emergent Detention ITA', 'Subject Arrested', "
        "'Unable to Contact')",
        "calls.csv:11:Template ID: duplicate id '325239' (first on line 5)",
        "calls.csv:14:Call Type: missing value",
        "calls.csv:16:Use of Force Indicator: unmapped value 'Yes' (known: 'Y', 'N')",
        "calls.csv:18: expected 25 fields, found 20",
    ]
    assert "6 problem(s) in 6 row(s); nothing was imported" in str(error)
    assert not (tmp_path / "calls.csv.rejects.csv").exists()


def test_a_refusal_in_json_lists_the_problems(seattle: Agency) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import", "calls", str(BROKEN), *SEATTLE, "--json", stdout=out, stderr=io.StringIO()
        )
    result = json.loads(out.getvalue())
    assert result["imported"] is False
    assert [(p["line"], p["column"]) for p in result["problems"]] == [
        (4, "Reported Date, Reported Time"),
        (8, "Disposition"),
        (11, "Template ID"),
        (14, "Call Type"),
        (16, "Use of Force Indicator"),
        (18, ""),
    ]


def test_a_missing_required_column_is_one_clear_error(seattle: Agency) -> None:
    before = counts()
    error, err = refused(str(DATA / "seattle-crisis-no-disposition.csv"), *SEATTLE)
    assert counts() == before
    assert "seattle-crisis-no-disposition.csv:1:Disposition: missing column" in err
    assert "seattle-crisis-no-disposition.csv:1:Subject Name: unknown column" in err
    assert "2 problem(s) with the header (mapping 'seattle-crisis'); nothing was" in str(error)


def test_skip_bad_rows_writes_the_good_rows_and_a_rejects_file(
    seattle: Agency, tmp_path: Path
) -> None:
    broken = tmp_path / "calls.csv"
    shutil.copy(BROKEN, broken)
    out, err = run(str(broken), *SEATTLE, "--skip-bad-rows", "--json")
    summary = json.loads(out)
    assert (summary["read"], summary["written"], summary["rejected"]) == (20, 14, 6)
    assert summary["rejects_file"] == str(tmp_path / "calls.csv.rejects.csv")
    assert len(err.splitlines()) == 6  # the problems are still reported
    assert CallForService.objects.count() == 14
    assert ImportBatch.objects.get().rows_rejected == 6
    with (tmp_path / "calls.csv.rejects.csv").open(newline="") as stream:
        rejects = list(csv.reader(stream))
    with broken.open(newline="") as stream:
        original = list(csv.reader(stream))
    assert rejects[0] == ["line", "reason", *original[0]]
    assert [row[0] for row in rejects[1:]] == ["4", "8", "11", "14", "16", "18"]
    assert rejects[2][1].startswith("Disposition: unmapped value 'Referred to Astrologer'")
    assert rejects[2][2:] == original[7]  # the row as it was, to fix and import again
    # Fixing a rejected row and importing the file again adds just that row.
    original[7][7] = "Crisis Clinic"
    with broken.open("w", newline="") as stream:
        csv.writer(stream).writerows(original)
    custom = tmp_path / "again.csv"
    out, _ = run(str(broken), *SEATTLE, "--skip-bad-rows", "--rejects", str(custom), "--json")
    assert (json.loads(out)["written"], json.loads(out)["skipped"]) == (1, 14)
    assert custom.exists()


def test_the_generic_mapping(db: None) -> None:
    make_agency(short_name="ALDER", time_zone="America/New_York")
    out, _ = run(str(DATA / "generic-sample.csv"), "--agency", "ALDER", "--json")
    assert json.loads(out)["written"] == 4
    first = CallForService.objects.get(external_id="C24-0101")
    assert first.received_at == datetime(2024, 3, 10, 3, 14, 5, tzinfo=UTC)
    assert first.dispatched_at == datetime(2024, 3, 10, 3, 16, 40, tzinfo=UTC)
    assert (first.source, first.response, first.final_call_type) == (
        "911",
        "cit_officer",
        "Crisis complaint",
    )
    [encounter] = first.encounters.all()
    assert encounter.disposition == "voluntary_transport_crisis_facility"
    assert encounter.transport_destination == "Alder Crisis Stabilization Unit"
    assert encounter.minutes_on_scene == 48
    [unit] = first.units.all()
    assert unit.dispatched_at == first.dispatched_at
    transfer = CallForService.objects.get(external_id="C24-0102")
    assert transfer.received_at == datetime(2024, 3, 10, 6, 5, tzinfo=UTC)
    assert not transfer.encounters.exists()  # no disposition: no encounter
    assert not transfer.units.exists()
    assert CallForService.objects.get(external_id="C24-0103").behavioural_health is False


def test_the_generic_mapping_reports_its_problems(db: None) -> None:
    make_agency(short_name="ALDER", time_zone="America/New_York")
    _, err = refused(str(DATA / "generic-broken.csv"), "--agency", "ALDER")
    assert [line.split(":")[1:3] for line in err.splitlines()] == [
        ["2", "officer_cit_certified"],
        ["3", "source"],
        ["3", "behavioural_health"],
        ["3", "minutes_on_scene"],
        ["4", "received_at"],
        ["7", "received_at"],
        ["7", "initial_call_type"],
    ]
    assert not CallForService.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.csv", "--agency", "SPD"], "nowhere.csv: no such file"),
        ([str(SAMPLE), "--agency", "NOPD"], "--agency: no agency is called 'NOPD'; known: SPD"),
        ([str(SAMPLE), "--agency", "SPD", "--mapping", "spokane"], "no mapping 'spokane'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    seattle: Agency, args: list[str], message: str
) -> None:
    error, _ = refused(*args)
    assert message in str(error)


def test_a_file_not_in_utf8_is_refused_naming_the_line(seattle: Agency, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(SAMPLE.read_bytes().replace(b"Crisis Clinic", b"Crisis Cl\xednic", 1))
    line = SAMPLE.read_bytes().split(b"Crisis Clinic")[0].count(b"\n") + 1
    error, _ = refused(str(path), *SEATTLE)
    assert str(error).startswith(f"latin1.csv:{line}: not UTF-8 text (byte 0xed)")
    assert not CallForService.objects.exists()


def test_a_mapping_file_of_ones_own_is_checked_when_loaded(seattle: Agency, tmp_path: Path) -> None:
    path = _mapping_file(tmp_path, GOOD.replace("{constant: true}", "{constant: maybe}"))
    error, _ = refused(str(SAMPLE), "--agency", "SPD", "--mapping", str(path))
    assert str(error).startswith("mine.yaml: fields.behavioural_health: 'maybe' is not true")


def test_responses_must_be_the_agencys(seattle: Agency, tmp_path: Path) -> None:
    text = GOOD + "  response: {constant: helicopter}\n"
    error, _ = refused(str(SAMPLE), *SEATTLE[2:], "--mapping", str(_mapping_file(tmp_path, text)))
    assert "gives responses ['helicopter'] that rule book 'default'" in str(error)


def test_the_progress_bar_is_drawn_when_asked(seattle: Agency) -> None:
    _, err = run(str(SAMPLE), *SEATTLE, "--progress")
    assert "100% [" in err
    assert "40/40 rows" in err


def test_the_progress_bar_is_off_when_not_a_terminal(seattle: Agency) -> None:
    out, err = run(str(SAMPLE), *SEATTLE)
    assert err == ""
    assert "40 rows read, 40 calls written, 0 already imported, 0 rejected." in out


# --- the bulk writer, through the action ----------------------------------------------------


def _historic(n: int, **fields: object) -> HistoricCall:
    received = datetime(2024, 5, 1, 8, tzinfo=UTC) + timedelta(minutes=n)
    return HistoricCall(
        **{
            "external_id": f"H-{n}",
            "source": "911",
            "initial_call_type": "Person in crisis",
            "behavioural_health": True,
            "received_at": received,
            "units": (
                HistoricUnit(
                    cit_certified=True,
                    dispatched_at=received,
                    officer=None,
                    external_officer_id="9",
                ),
            ),
            "encounters": (
                HistoricEncounter(
                    disposition="resolved_on_scene",
                    occurred_at=received + timedelta(minutes=9),
                    signs=("voices", "agitated"),
                ),
            ),
            **fields,
        }
    )


def test_rows_written_in_bulk_read_back_as_written(db: None) -> None:
    agency = make_agency(short_name="BULK")
    batch = actions.calls_import(
        by=None,
        agency=agency,
        records=[_historic(1), _historic(2, precinct="North", dispatched_at=None)],
        source=actions.ImportSource(file_name="x.csv", sha256="0" * 64),
    )
    call = CallForService.objects.get(external_id="H-1")
    assert call.import_batch == batch
    assert call.received_at == datetime(2024, 5, 1, 8, 1, tzinfo=UTC)
    assert (call.facts, call.also_sent, call.version, call.overridden) == ({}, [], 1, False)
    assert UUID(str(call.pk)).version == 7  # time-ordered keys for imported rows
    [encounter] = call.encounters.all()
    assert encounter.signs == ["agitated", "voices"]  # sorted, as encounter_submit stores them
    assert encounter.client_key == uuid5(bulk.IMPORT_NAMESPACE, f"{agency.pk}/H-1/0")
    assert encounter.submitted_at == encounter.occurred_at
    [unit] = call.units.all()
    assert (unit.external_officer_id, unit.cit_certified, unit.dispatched_at) == (
        "9",
        True,
        call.received_at,
    )
    later = CallForService.objects.get(external_id="H-2")
    assert str(later.pk) > str(call.pk)


def test_a_write_the_database_refuses_undoes_the_whole_import(db: None) -> None:
    dispatcher = make_user(make_agency(type="dispatch_911", short_name="DISP"), "dispatcher")
    ours = call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="noise",
        facts=CallFacts(behavioural_health=False),
    )
    # More than a chunk of good records, then one whose id is already one of our own numbers.
    records = [_historic(n) for n in range(actions.IMPORT_CHUNK + 5)]
    records.append(_historic(0, external_id=ours.number))
    before = counts()
    with pytest.raises(IntegrityError):
        actions.calls_import(
            by=None,
            agency=dispatcher.agency,
            records=records,
            source=actions.ImportSource(file_name="x.csv", sha256="0" * 64),
        )
    assert counts() == before
