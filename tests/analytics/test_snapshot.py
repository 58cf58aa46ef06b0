"""From the operational database to the analytics snapshot (`crossroads analytics refresh`):
partitions by agency and local month, pseudonyms and nothing that names a person, incremental
refreshes that rewrite only what changed, the key check; and the metric verbs' bad input.

The records are made through the product's actions, at a fixed time (time_machine), so which
rows changed since the last refresh is known exactly.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from crossroads.analytics import metrics, snapshot
from crossroads.core.models import Agency, User
from crossroads.encounters import actions as encounter_actions
from crossroads.encounters.models import CallForService, Encounter
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from crossroads.programs import actions as program_actions
from crossroads.programs.models import Case
from crossroads.referrals import actions as referral_actions
from crossroads.training import actions as training_actions
from crossroads.triage.rules import CallFacts
from tests.analytics.compat_snapshot import write_compat_snapshot
from tests.factories import (
    make_agency,
    make_certification,
    make_program,
    make_roster,
    make_service,
    make_user,
)

pytestmark = pytest.mark.django_db

# Records are made at T0; the first refresh runs ten minutes later, past its own look-back.
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIRST_REFRESH = T0 + timedelta(minutes=10)
EDITS = T0 + timedelta(minutes=20)
SECOND_REFRESH = T0 + timedelta(minutes=30)

GIVEN, FAMILY = "Zebulon", "Quackenbush"
BORN = date(1980, 5, 17)
NARRATIVE = "Found him by the old mill race, talking about the floods"
NOTE = "Prefers the afternoon, ask for Dolores at the desk"
KEY, OTHER_KEY = "first analytics test key", "second analytics test key"


@dataclass
class World:
    police: Agency
    officer: User
    coordinator: User
    person: Person
    late_night: Encounter  # 02:00 UTC on 1 March: still 28 February in New York
    january: Encounter
    case: Case


@pytest.fixture
def analytics(settings: Any, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.ANALYTICS_KEY = KEY
    return settings.ANALYTICS_DIR / "snapshot"


def _encounter(officer: User, at: datetime, **fields: Any) -> Encounter:
    return encounter_actions.encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=at,
        disposition=fields.pop("disposition", "resolved_on_scene"),
        **fields,
    )


@pytest.fixture
def world(analytics: Path) -> World:
    with time_machine.travel(T0, tick=False):
        police = make_agency(short_name="Riverton PD", time_zone="America/New_York")
        provider = make_agency(type="sud_treatment", short_name="Harbor", part2_program=True)
        officer = make_user(police, "officer")
        dispatcher = make_user(police, "dispatcher")
        coordinator = make_user(police, "cit_coordinator")
        person = person_create(by=officer, given_name=GIVEN, family_name=FAMILY, date_of_birth=BORN)
        call = encounter_actions.call_intake(
            by=dispatcher,
            source="911",
            initial_call_type="welfare check",
            facts=CallFacts(behavioural_health=True),
            received_at=datetime(2026, 3, 1, 1, 50, tzinfo=UTC),
        )
        late_night = _encounter(
            officer,
            datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
            call=call,
            person=person,
            narrative=NARRATIVE,
        )
        january = _encounter(officer, datetime(2026, 1, 15, 15, 0, tzinfo=UTC), person=person)
        draft = referral_actions.referral_start(
            by=officer,
            service=make_service("Harbor Same-Day MOUD", agency=provider),
            site=None,
            encounter=january,
            need="moud",
            at=datetime(2026, 1, 15, 16, 0, tzinfo=UTC),
            note=NOTE,
        )
        referral_actions.referral_send(by=officer, referral=draft, expected_version=draft.version)
        case = program_actions.case_open(
            by=coordinator,
            program=make_program(police, "cit_follow_up"),
            person=person,
            entry_path="encounter",
            encounter=late_night,
            at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        )
    return World(police, officer, coordinator, person, late_night, january, case)


def refresh(at: datetime, *args: str) -> str:
    with time_machine.travel(at, tick=False):
        out = io.StringIO()
        call_command("analytics", "refresh", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()


def rows(root: Path, table: str, where: str = "true") -> list[dict[str, Any]]:
    found = duckdb.sql(f"SELECT * FROM {snapshot.parquet_of(root, table)} WHERE {where}")
    return [dict(zip(found.columns, row, strict=True)) for row in found.fetchall()]


def partition(root: Path, table: str, month: str) -> Path:
    return root / table / "agency=riverton-pd" / f"month={month}"


def test_partitions_follow_the_agencys_own_month(world: World, analytics: Path) -> None:
    refresh(FIRST_REFRESH)
    late = rows(analytics, "encounters", f"encounter_id = '{world.late_night.pk.hex}'")
    assert [(r["agency"], r["month"], r["local_date"]) for r in late] == [
        ("riverton-pd", "2026-02", date(2026, 2, 28))
    ]
    assert late[0]["occurred_at"] == datetime(2026, 3, 1, 2, 0, tzinfo=UTC).replace(tzinfo=None)
    assert late[0]["age"] == 45
    assert (partition(analytics, "encounters", "2026-02") / "part-0.parquet").exists()
    assert not partition(analytics, "encounters", "2026-03").exists()
    assert [r["month"] for r in rows(analytics, "calls")] == ["2026-02"]
    assert [r["month"] for r in rows(analytics, "cases")] == ["2026-03"]
    assert [r["month"] for r in rows(analytics, "referrals")] == ["2026-01"]
    manifest = json.loads((analytics / "manifest.json").read_text())
    assert manifest["tables"]["encounters"] == {"riverton-pd/2026-01": 1, "riverton-pd/2026-02": 1}


def _strings_in(root: Path) -> set[str]:
    """Every text value of every Parquet file of the snapshot."""
    found: set[str] = set()
    for path in root.rglob("*.parquet"):
        relation = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
        texts = [c for c, t in zip(relation.columns, relation.types, strict=True) if t == "VARCHAR"]
        for column in texts:
            found |= {v for (v,) in relation.select(column).fetchall() if v is not None}
    return found


def test_no_names_dates_of_birth_narratives_or_notes(world: World, analytics: Path) -> None:
    refresh(FIRST_REFRESH)
    strings = _strings_in(analytics)
    assert strings, "the snapshot has text columns to check"
    forbidden = [GIVEN, FAMILY, NARRATIVE, NOTE, BORN.isoformat(), "mill race", "Dolores"]
    leaks = sorted({f for f in forbidden for s in strings if f.lower() in s.lower()})
    assert leaks == []
    for table in ("encounters", "referrals", "cases"):
        columns = duckdb.sql(f"SELECT * FROM {snapshot.parquet_of(analytics, table)}").columns
        assert not {"person_id", "date_of_birth", "narrative", "note"} & set(columns)


def _person_keys(root: Path) -> set[int]:
    return {r["person_key"] for r in rows(root, "encounters")}


def test_the_pseudonym_is_stable_under_one_key_and_changes_with_the_key(
    world: World, analytics: Path, settings: Any
) -> None:
    refresh(FIRST_REFRESH)
    first = _person_keys(analytics)
    assert len(first) == 1 and None not in first
    refresh(SECOND_REFRESH, "--full")
    assert _person_keys(analytics) == first
    cases = {r["person_key"] for r in rows(analytics, "cases")}
    assert cases == first  # the same person in every table
    settings.ANALYTICS_KEY = OTHER_KEY
    refresh(SECOND_REFRESH + timedelta(minutes=1), "--full")
    assert _person_keys(analytics).isdisjoint(first)


def _mtimes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.glob("*/agency=*/month=*/*.parquet")
    }


def test_an_incremental_refresh_rewrites_only_what_changed(world: World, analytics: Path) -> None:
    refresh(FIRST_REFRESH)
    before = _mtimes(analytics)
    with time_machine.travel(EDITS, tick=False):
        added = _encounter(world.officer, datetime(2026, 3, 9, 18, 0, tzinfo=UTC))
        # No action edits an encounter's time; an administrator's correction in the database
        # sets updated_at itself (QuerySet.update skips auto_now).
        Encounter.objects.filter(pk=world.january.pk).update(
            occurred_at=datetime(2026, 2, 3, 15, 0, tzinfo=UTC), updated_at=timezone.now()
        )
        program_actions.case_move(
            by=world.coordinator,
            case=world.case,
            to="linked",
            expected_version=world.case.version,
        )

    printed = refresh(SECOND_REFRESH)

    assert printed.startswith("incremental refresh: 4 partitions written")
    encounters = {r["encounter_id"]: r["month"] for r in rows(analytics, "encounters")}
    assert encounters == {
        world.late_night.pk.hex: "2026-02",
        world.january.pk.hex: "2026-02",
        added.pk.hex: "2026-03",
    }
    assert not partition(analytics, "encounters", "2026-01").exists()  # it held only the moved one
    [case] = rows(analytics, "cases")
    assert (case["status"], case["closed_at"]) == ("linked", EDITS.replace(tzinfo=None))
    after = _mtimes(analytics)
    unchanged = {path for path in before if after.get(path) == before[path]}
    assert unchanged == {
        "calls/agency=riverton-pd/month=2026-02/part-0.parquet",
        "referrals/agency=riverton-pd/month=2026-01/part-0.parquet",
    }
    # Nothing changed since: the next refresh rewrites nothing, and the rows are the same.
    again = refresh(SECOND_REFRESH + timedelta(minutes=10))
    assert again.startswith("incremental refresh: 0 partitions written")
    assert {r["encounter_id"]: r["month"] for r in rows(analytics, "encounters")} == encounters


def test_a_new_key_needs_a_full_rebuild(world: World, analytics: Path, settings: Any) -> None:
    refresh(FIRST_REFRESH)
    fingerprint = json.loads((analytics / "manifest.json").read_text())["key_fingerprint"]
    settings.ANALYTICS_KEY = OTHER_KEY
    with pytest.raises(CommandError, match=r"analytics key differs.*--full") as refused:
        refresh(SECOND_REFRESH)
    assert refused.value.returncode == 2
    assert json.loads((analytics / "manifest.json").read_text())["key_fingerprint"] == fingerprint
    assert refresh(SECOND_REFRESH, "--full").startswith("full refresh:")
    assert json.loads((analytics / "manifest.json").read_text())["key_fingerprint"] != fingerprint


def _refresh_with_bar(at: datetime) -> tuple[str, str]:
    with time_machine.travel(at, tick=False):
        out, err = io.StringIO(), io.StringIO()
        call_command("analytics", "refresh", "--progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_progress_bar_is_drawn_on_stderr(world: World, analytics: Path) -> None:
    out, err = _refresh_with_bar(FIRST_REFRESH)
    assert "100% [" in err and "/5 rows" in err  # two encounters, a call, a referral, a case
    assert "[" not in out
    with time_machine.travel(EDITS, tick=False):
        _encounter(world.officer, datetime(2026, 3, 9, 18, 0, tzinfo=UTC))
    out, err = _refresh_with_bar(SECOND_REFRESH)
    assert "100% [" in err and "1/1 partitions" in err
    assert out.startswith("incremental refresh: 1 partitions written")


def metrics_verb(*args: str) -> str:
    out = io.StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_metrics_list_names_every_metric() -> None:
    listed = json.loads(metrics_verb("list", "--json"))
    assert [m["name"] for m in listed] == list(metrics.catalogue())
    assert all(m["definition"] and m["unit"] for m in listed)


def test_metrics_show_reads_the_refreshed_snapshot(world: World, analytics: Path) -> None:
    refresh(FIRST_REFRESH)
    shown = json.loads(
        metrics_verb(
            "show",
            "force_rate",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--by",
            "month",
            "--json",
        )
    )
    assert [(r["period"], r["denominator"]) for r in shown["rows"]] == [
        ("2026-01-01", 1),
        ("2026-02-01", 1),
    ]


def test_an_agency_is_shown_only_its_own_figures(analytics: Path) -> None:
    # Officers and certifications are small tables holding every agency's rows: the agency's
    # figures must not include its neighbour's.
    write_compat_snapshot(analytics)
    make_agency(short_name="Alder PD")
    shown = json.loads(
        metrics_verb(
            "show",
            "cit_coverage",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--agency",
            "alder-pd",
            "--json",
        )
    )
    assert [(r["agency"], r["numerator"], r["denominator"]) for r in shown["rows"]] == [
        ("alder-pd", 1, 2)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "force_rate", "--from", "2026-13-01", "--to", "2026-03-31"], "--from: "),
        (["show", "force_rate", "--from", "2026-03-01", "--to", "2026-01-31"], "--to: "),
        (["show", "no_such_metric", "--from", "2026-01-01", "--to", "2026-03-31"], "no metric"),
        (
            [
                "show",
                "shift_coverage",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--program",
                "{program}",
            ],
            "--program: shift_coverage is not counted by program",
        ),
        (
            [
                "show",
                "force_rate",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--program",
                "no-such-program",
            ],
            "--program: no program is called 'no-such-program'",
        ),
        (
            [
                "show",
                "force_rate",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-31",
                "--agency",
                "Nowhere PD",
            ],
            "--agency: no agency is called 'Nowhere PD'",
        ),
    ],
)
def test_bad_metric_requests_exit_2_naming_the_cause(
    world: World, analytics: Path, args: list[str], message: str
) -> None:
    refresh(FIRST_REFRESH)  # a snapshot exists: each refusal is about the request itself
    with pytest.raises(CommandError, match=message) as refused:
        metrics_verb(*(a.format(program=world.case.program.slug) for a in args))
    assert refused.value.returncode == 2


def test_officers_certifications_and_shifts(world: World, analytics: Path) -> None:
    with time_machine.travel(T0, tick=False):
        roster = make_roster(world.police, date(2026, 3, 1))
        uncertified = make_user(world.police, "officer")
        for officer, squad in ((world.officer, "north"), (uncertified, "south")):
            training_actions.assignment_record(
                by=None,
                officer=officer,
                squad=roster.squads[(squad, "day")],
                starts_on=date(2026, 3, 1),
            )
        make_certification(world.officer, date(2026, 1, 5), date(2028, 1, 5))
    refresh(FIRST_REFRESH)

    officers = {r["officer_key"]: r for r in rows(analytics, "officers")}
    assert len(officers) == 2 and all(r["patrol"] for r in officers.values())
    [held] = rows(analytics, "certifications")
    assert (held["course"], held["issued_on"], held["agency"]) == (
        "cit",
        date(2026, 1, 5),
        "riverton-pd",
    )
    encountered = {r["officer_key"] for r in rows(analytics, "encounters")}
    assert encountered == {held["officer_key"]}  # one pseudonym for the officer everywhere
    first_day = {
        (r["area"], r["shift"]): (r["on_duty"], r["certified"])
        for r in rows(analytics, "shifts", "local_date = DATE '2026-03-01'")
    }
    assert first_day[("North Precinct", "Day")] == (1, 1)
    assert first_day[("South Precinct", "Day")] == (1, 0)
    assert first_day[("North Precinct", "Night")] == (0, 0)


@pytest.mark.parametrize(
    ("response", "also_sent", "clinician"),
    [
        ("standard_police", ["co_responder"], True),  # a clinician sent alongside counts
        ("mobile_crisis", [], True),
        ("standard_police", ["ems"], False),
    ],
)
def test_a_clinician_counts_whether_sent_first_or_alongside(
    world: World, analytics: Path, response: str, also_sent: list[str], clinician: bool
) -> None:
    CallForService.objects.update(response=response, also_sent=also_sent)
    refresh(FIRST_REFRESH)
    assert [r["clinician"] for r in rows(analytics, "calls")] == [clinician]


def test_a_contact_logged_late_with_an_earlier_time_reaches_the_snapshot(
    world: World, analytics: Path
) -> None:
    """The case is marked changed whenever a contact is logged, not only when it is the latest:
    a reached contact typed in a day late still makes the next refresh reread the case."""
    case = world.case
    with time_machine.travel(T0, tick=False):
        program_actions.contact_log(
            by=world.coordinator, case=case, at=T0, method="phone", reached=True
        )
    refresh(FIRST_REFRESH)
    later = FIRST_REFRESH + timedelta(days=1)
    earlier = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        case.refresh_from_db()
        program_actions.contact_log(
            by=world.coordinator, case=case, at=earlier, method="in_person", reached=True
        )
    refresh(later + timedelta(minutes=10))
    [row] = rows(analytics, "cases")
    assert row["contacted_at"] == earlier.replace(tzinfo=None)
