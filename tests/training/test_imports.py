"""`crossroads import roster` and `crossroads import certifications`: every problem named by
file:line:column, nothing written unless the whole file is good, and a second import of the same
file adds nothing. The parsers are tested on their own first (pure: no database)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crossroads.core.csv_files import HeaderError
from crossroads.core.models import AuditEvent, User
from crossroads.training import actions
from crossroads.training.models import Certification, RosterAssignment
from crossroads.training.roster_import import (
    AssignmentRow,
    CertificationRow,
    read_certifications,
    read_roster,
)
from tests.factories import Roster, make_agency, make_roster, make_user

# --- The parsers (pure) --------------------------------------------------------------------------


def test_a_roster_file_reads_into_rows_with_their_lines() -> None:
    parsed = read_roster(
        io.StringIO(
            "Officer, Squad ,starts_on,ends_on\n"
            "jdoe,North Day,2026-03-01,\n"
            "\n"
            'asmith,"North\nNight",2026-03-01,2026-06-30\n'
        )
    )
    assert parsed.problems == [] and parsed.read == 2
    assert parsed.rows == [
        AssignmentRow(2, "jdoe", "North Day", date(2026, 3, 1), None),
        AssignmentRow(4, "asmith", "North\nNight", date(2026, 3, 1), date(2026, 6, 30)),
    ]


def test_every_problem_of_every_row_is_named_by_line_and_column() -> None:
    parsed = read_roster(
        io.StringIO(
            "officer,squad,starts_on,ends_on\n"
            ",North Day,03/01/2026,\n"
            "jdoe,,2026-03-01,2026-02-01\n"
            "jdoe,North Day\n"
            "jdoe,North Day,20260301,\n"
        )
    )
    assert parsed.rows == [] and parsed.read == 4
    assert [str(p) for p in parsed.problems] == [
        "2:officer: is empty: name the officer by username.",
        "2:starts_on: '03/01/2026' is not a date: write it as YYYY-MM-DD.",
        "3:squad: is empty: name the squad.",
        "3:ends_on: 2026-02-01 is before starts_on (2026-03-01).",
        "4: has 2 cells; the header names 4.",
        "5:starts_on: '20260301' is not a date: write it as YYYY-MM-DD.",
    ]


def test_a_certification_file_checks_codes_and_dates() -> None:
    parsed = read_certifications(
        io.StringIO(
            "officer,course,issued_on,expires_on\n"
            "jdoe,cit,2025-01-10,2028-01-10\n"
            "jdoe,CIT 40,2025-01-10,2028-01-10\n"
            "jdoe,cit,2025-01-10,2025-01-10\n"
            'jdoe,cit,"2025-01-10\n'
        )
    )
    assert parsed.rows == [CertificationRow(2, "jdoe", "cit", date(2025, 1, 10), date(2028, 1, 10))]
    assert [str(p) for p in parsed.problems] == [
        "3:course: 'CIT 40' is not a certification code (e.g. cit).",
        "4:expires_on: 2025-01-10 is not after issued_on (2025-01-10).",
        "5: not a CSV record: unexpected end of data",
    ]


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        ("", ["1: the file is empty (no header)"]),
        (
            "officer,squad,start,ends_on\n",
            [
                "1:start: is not a column of this file (officer, squad, starts_on, ends_on).",
                "1:starts_on: is missing: the header names officer, squad, starts_on, ends_on.",
            ],
        ),
        (
            "officer,squad,starts_on,ends_on,squad\n",
            ["1:squad: is named twice."],
        ),
    ],
)
def test_a_header_that_does_not_name_the_columns_is_refused(
    header: str, problems: list[str]
) -> None:
    with pytest.raises(HeaderError) as refused:
        read_roster(io.StringIO(header))
    assert [str(p) for p in refused.value.problems] == problems


# --- The command ---------------------------------------------------------------------------------


@pytest.fixture
def roster(db: None) -> Roster:
    agency = make_agency(name="Alder Police", short_name="APD")
    for username in ("jdoe", "asmith", "bjones"):
        make_user(agency, "officer", username=username)
    return make_roster(agency, date(2026, 3, 1))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def crossroads_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> tuple[str, str]:
    """The problems on stderr and the summary on stdout of an import that exits 2."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", *args, stdout=out, stderr=err)
    assert raised.value.returncode == 2
    return err.getvalue() + str(raised.value), out.getvalue()


ROSTER = (
    "officer,squad,starts_on,ends_on\n"
    "jdoe,North Precinct Day,2026-03-01,\n"
    "asmith,North Precinct Night,2026-03-01,2026-06-30\n"
    "bjones,South Precinct Evening,2026-01-01,2026-02-28\n"
    "bjones,South Precinct Day,2026-03-01,\n"
)


def test_a_roster_imports_through_the_actions_and_a_second_import_adds_nothing(
    roster: Roster, tmp_path: Path
) -> None:
    path = write(tmp_path, "roster.csv", ROSTER)
    printed = crossroads_import("roster", str(path), "--agency", "APD")
    assert printed == (
        "roster.csv (agency APD): 4 rows read, 4 assignments written, 0 ended, 0 already there.\n"
    )
    jdoe = RosterAssignment.objects.get(officer__username="jdoe")
    assert (jdoe.squad.name, jdoe.starts_on, jdoe.ends_on) == (
        "North Precinct Day",
        date(2026, 3, 1),
        None,
    )
    assert AuditEvent.objects.filter(verb="assignment.record").count() == 4
    again = json.loads(crossroads_import("roster", str(path), "--agency", "APD", "--json"))
    assert again == {
        "imported": True,
        "kind": "roster",
        "file": str(path),
        "agency": "APD",
        "read": 4,
        "written": 0,
        "ended": 0,
        "skipped": 4,
        "problems": [],
    }
    assert RosterAssignment.objects.count() == 4


def test_unknown_names_are_reported_by_line_and_column_and_nothing_is_written(
    roster: Roster, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "roster.csv",
        ROSTER + "nobody,North Precinct Day,2026-03-01,\njdoe,Nrth Precinct Day,2026-03-01,\n",
    )
    problems, _ = refused("roster", str(path), "--agency", "APD")
    assert problems.splitlines() == [
        "roster.csv:6:officer: no officer 'nobody' in APD.",
        "roster.csv:7:squad: no squad 'Nrth Precinct Day' in APD (did you mean "
        "'North Precinct Day'?).",
        "roster.csv: 2 problem(s); nothing was imported.",
    ]
    assert not RosterAssignment.objects.exists()


def test_a_row_the_action_refuses_undoes_the_rows_written_before_it(
    roster: Roster, tmp_path: Path
) -> None:
    """bjones cannot be in two squads at once: line 4 is written, line 5 refused, and the
    whole file with it."""
    overlapping = ROSTER.replace("2026-01-01,2026-02-28", "2026-01-01,")
    path = write(tmp_path, "roster.csv", overlapping)
    problems, summary = refused("roster", str(path), "--agency", "APD", "--json")
    assert problems.splitlines()[0] == (
        f"roster.csv:5:starts_on: {User.objects.get(username='bjones').display_name} is already "
        "in South Precinct Evening from 2026-01-01."
    )
    assert json.loads(summary)["imported"] is False
    assert json.loads(summary)["problems"][0]["line"] == 5
    assert not RosterAssignment.objects.exists()
    assert not AuditEvent.objects.filter(verb="assignment.record").exists()


def test_an_officer_of_another_agency_is_unknown_here(roster: Roster, tmp_path: Path) -> None:
    make_user(make_agency(), "officer", username="elsewhere")
    path = write(tmp_path, "roster.csv", "officer,squad,starts_on,ends_on\n"
                 "elsewhere,North Precinct Day,2026-03-01,\n")  # fmt: skip
    problems, _ = refused("roster", str(path), "--agency", "APD")
    assert "roster.csv:2:officer: no officer 'elsewhere' in APD." in problems
    assert not RosterAssignment.objects.exists()


# jdoe moves from North Day to South Night on 1 May; asmith stays a month longer on nights.
TRANSFER = (
    "officer,squad,starts_on,ends_on\n"
    "jdoe,North Precinct Day,2026-03-01,2026-04-30\n"
    "jdoe,South Precinct Night,2026-05-01,\n"
    "asmith,North Precinct Night,2026-03-01,2026-07-31\n"
)


def _held(username: str) -> list[tuple[str, date, date | None]]:
    return [
        (a.squad.name, a.starts_on, a.ends_on)
        for a in RosterAssignment.objects.filter(officer__username=username).order_by("starts_on")
    ]


def test_a_file_ends_one_assignment_and_starts_the_next_in_file_order(
    roster: Roster, tmp_path: Path
) -> None:
    crossroads_import("roster", str(write(tmp_path, "roster.csv", ROSTER)), "--agency", "APD")
    path = write(tmp_path, "transfer.csv", TRANSFER)
    printed = crossroads_import("roster", str(path), "--agency", "APD")
    assert printed == (
        "transfer.csv (agency APD): 3 rows read, 1 assignments written, 2 ended, 0 already there.\n"
    )
    assert _held("jdoe") == [
        ("North Precinct Day", date(2026, 3, 1), date(2026, 4, 30)),
        ("South Precinct Night", date(2026, 5, 1), None),
    ]
    assert _held("asmith") == [("North Precinct Night", date(2026, 3, 1), date(2026, 7, 31))]
    ends = AuditEvent.objects.filter(verb="assignment.end").order_by("seq")
    assert [(e.actor, e.detail["previous_ends_on"]) for e in ends] == [
        (None, None),
        (None, "2026-06-30"),
    ]
    again = json.loads(crossroads_import("roster", str(path), "--agency", "APD", "--json"))
    assert (again["written"], again["ended"], again["skipped"]) == (0, 0, 3)
    assert AuditEvent.objects.filter(verb__startswith="assignment.").count() == 4 + 1 + 2


def test_the_next_assignment_before_the_end_of_the_last_is_an_overlap(
    roster: Roster, tmp_path: Path
) -> None:
    """Rows are applied in file order: starting South Night before North Day is ended is
    refused, and the whole file with it."""
    crossroads_import("roster", str(write(tmp_path, "roster.csv", ROSTER)), "--agency", "APD")
    header, end, start, _ = TRANSFER.split("\n", 3)
    path = write(tmp_path, "transfer.csv", f"{header}\n{start}\n{end}\n")
    problems, _ = refused("roster", str(path), "--agency", "APD")
    name = User.objects.get(username="jdoe").display_name
    assert problems.splitlines()[0] == (
        f"transfer.csv:2:starts_on: {name} is already in North Precinct Day from 2026-03-01."
    )
    assert _held("jdoe") == [("North Precinct Day", date(2026, 3, 1), None)]
    assert not AuditEvent.objects.filter(verb="assignment.end").exists()


def test_an_assignment_named_twice_in_a_file_is_refused(roster: Roster, tmp_path: Path) -> None:
    """A file says once where each assignment ends, so importing it again changes nothing."""
    path = write(tmp_path, "roster.csv", TRANSFER + "jdoe,North Precinct Day,2026-03-01,\n")
    problems, _ = refused("roster", str(path), "--agency", "APD")
    assert problems.splitlines() == [
        "roster.csv:5:starts_on: names the assignment of line 2 again (same officer, squad and "
        "starts_on): give each assignment one row.",
        "roster.csv: 1 problem(s); nothing was imported.",
    ]
    assert not RosterAssignment.objects.exists()


def test_an_end_that_cannot_be_set_is_named_by_line_and_nothing_is_written(
    roster: Roster, tmp_path: Path
) -> None:
    crossroads_import("roster", str(write(tmp_path, "roster.csv", ROSTER)), "--agency", "APD")
    crossroads_import("roster", str(write(tmp_path, "transfer.csv", TRANSFER)), "--agency", "APD")
    make_user(roster.agency, "cit_coordinator", username="coord")
    path = write(
        tmp_path,
        "bad.csv",
        "officer,squad,starts_on,ends_on\n"
        "jdoe,North Precinct Day,2026-03-01,\n"  # the end it has is not removed
        "asmith,North Precinct Night,2026-03-01,2026-08-31\n"  # a month longer: fine
        "bjones,South Precinct Evening,2026-01-01,2026-03-15\n"  # into South Day's days
        "coord,North Precinct Day,2026-03-01,\n",  # a CIT coordinator who does not patrol
    )
    problems, _ = refused("roster", str(path), "--agency", "APD")
    bjones, coord = (User.objects.get(username=n).display_name for n in ("bjones", "coord"))
    assert problems.splitlines() == [
        "bad.csv:2:ends_on: is blank, but this assignment already ends on 2026-04-30: an end is "
        "not removed; start a new assignment the day the officer comes back.",
        f"bad.csv:4:ends_on: {bjones} is already in South Precinct Day from 2026-03-01.",
        f"bad.csv:5:officer: {coord} is not a patrol officer (the officer role): squads hold "
        "patrol officers only.",
        "bad.csv: 3 problem(s); nothing was imported.",
    ]
    assert _held("asmith") == [("North Precinct Night", date(2026, 3, 1), date(2026, 7, 31))]
    assert AuditEvent.objects.filter(verb="assignment.end").count() == 2


CERTIFICATIONS = (
    "officer,course,issued_on,expires_on\n"
    "jdoe,cit,2024-05-01,2027-05-01\n"
    "asmith,cit,2021-02-01,2024-02-01\n"
    "asmith,cit,2024-02-01,2027-02-01\n"
    "bjones,naloxone,2025-09-01,2027-09-01\n"
)


def test_certifications_import_once_and_count_what_is_already_there(
    roster: Roster, tmp_path: Path
) -> None:
    path = write(tmp_path, "certs.csv", CERTIFICATIONS)
    printed = crossroads_import("certifications", str(path), "--agency", "APD")
    assert printed == (
        "certs.csv (agency APD): 4 rows read, 4 certifications written, 0 already there.\n"
    )
    assert set(Certification.objects.values_list("source", flat=True)) == {"import"}
    jdoe = User.objects.get(username="jdoe")
    assert Certification.objects.cit_certified([jdoe.pk], date(2026, 1, 1)) == {jdoe.pk}
    more = write(tmp_path, "more.csv", CERTIFICATIONS + "bjones,cit,2025-10-01,2028-10-01\n")
    summary = json.loads(
        crossroads_import("certifications", str(more), "--agency", "APD", "--json")
    )
    assert (summary["written"], summary["skipped"]) == (1, 4)
    assert Certification.objects.count() == 5


def test_bad_certifications_are_named_and_refuse_the_file(roster: Roster, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "certs.csv",
        CERTIFICATIONS
        + "jdoe,citt,2025-01-01,2028-01-01\n"  # no such certification
        + "jdoe,cit,2099-01-01,2102-01-01\n"  # issued in the future: the action refuses
        + "jdoe,cit,2024-05-01,2027-06-01\n",  # the same issue recorded with another expiry
    )
    problems, _ = refused("certifications", str(path), "--agency", "APD")
    assert problems.splitlines()[0] == (
        "certs.csv:6:course: no certification 'citt' in APD (did you mean 'cit'?)."
    )
    assert not Certification.objects.exists()
    path.write_text(
        CERTIFICATIONS + "jdoe,cit,2099-01-01,2102-01-01\n" + "jdoe,cit,2024-05-01,2027-06-01\n",
        encoding="utf-8",
    )
    problems, _ = refused("certifications", str(path), "--agency", "APD")
    assert problems.splitlines()[:2] == [
        "certs.csv:6:issued_on: is in the future.",
        "certs.csv:7:issued_on: this certification is already recorded.",
    ]
    assert not Certification.objects.exists()


def test_an_agencys_own_course_certifies_too(roster: Roster, tmp_path: Path) -> None:
    actions.course_create(
        by=make_user(roster.agency, "cit_coordinator"),
        agency=roster.agency,
        code="mhfa",
        name="Mental health first aid",
        audience="officer",
        hours=Decimal(8),
        validity_months=36,
        certifies="mhfa",
        objectives=["Recognise a crisis"],
        modules=[{"code": "all", "name": "All", "hours": 8, "objectives": ["Recognise"]}],
    )
    path = write(tmp_path, "certs.csv", "officer,course,issued_on,expires_on\n"
                 "jdoe,mhfa,2025-01-01,2028-01-01\n")  # fmt: skip
    crossroads_import("certifications", str(path), "--agency", "APD")
    assert Certification.objects.get().course == "mhfa"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["roster", "missing.csv", "--agency", "APD"], "missing.csv: no such file"),
        (
            ["roster", "{file}", "--agency", "NOPE"],
            "--agency: no agency is called 'NOPE'; known: APD",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(
    roster: Roster, tmp_path: Path, args: list[str], message: str
) -> None:
    path = write(tmp_path, "roster.csv", ROSTER)
    problems, _ = refused(*(a.format(file=path) for a in args))
    assert message in problems


def test_a_bad_header_or_a_file_not_in_utf8_is_refused_by_line(
    roster: Roster, tmp_path: Path
) -> None:
    header = write(tmp_path, "roster.csv", "officer,squad,start\n")
    problems, _ = refused("roster", str(header), "--agency", "APD")
    assert "roster.csv:1:start: is not a column of this file" in problems
    assert "problem(s) with the header; nothing was imported." in problems
    latin = tmp_path / "latin.csv"
    latin.write_bytes(ROSTER.encode() + "jdoe,Café,2026-03-01,\n".encode("latin-1"))
    problems, _ = refused("roster", str(latin), "--agency", "APD")
    assert problems.startswith("latin.csv:6: not UTF-8 text (byte 0xe9)")
    assert not RosterAssignment.objects.exists()


def test_the_kinds_are_listed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crossroads.cli", "import", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "roster" in done.stdout and "certifications" in done.stdout
