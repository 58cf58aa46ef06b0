"""Analytics (issue 7): snapshot, metrics and dashboards on 5 million encounters, each beside a
named baseline measured in the same run.

Set-up (not timed): 12 police agencies in five time zones with 60 months of history (sizes
weighted 3 : 0.5, so the largest has six times the smallest's records), generated in DuckDB and
written into the throwaway SQLite database of bench/_setup.py with executemany through
encounters/bulk.py's Table (the migrated schema, every constraint and index): per encounter its
call for service (1.2 units on average), 0.16 persons per encounter (so people repeat), a
referral with its events for 3 % of encounters to one of two provider agencies, and one case
(with status events, contacts, and a referral when the case links the person to care) per
thousand encounters in each agency's three programs. Agencies, programs, officers, rosters and
CIT certifications are made through the product's actions. `updated_at` is the record's last
change.

Timed:
(1) full snapshot: `snapshot.refresh(full=True)` from SQLite (target < 120 s);
(2) incremental refresh after one more day of records (2,740 encounters with their calls,
    units and referrals in the 24 hours before the refresh, `updated_at` now); target < 5 s;
    baseline: the full refresh;
(3) full metrics run: every metric of `metrics.catalogue()` over the 60 months by month, all
    agencies, on one Engine, per metric and in total (< 15 s);
(4) dashboard queries: each metric for the largest agency, the last 12 months by month, through
    `metrics.run` (a new Engine each, as a page asks), 3 runs each (each < 1 s);
(5) baselines: the same metric SQL, transpiled by analytics/portable.py, run directly on a flat
    copy of the snapshot's tables (same names and columns, plus `periods`) in a SQLite file and
    in a throwaway PostgreSQL database `crossroads_bench_analytics_<pid>` (dropped at exit),
    both indexed on the columns the metrics join and filter on, then ANALYZEd. Each baseline
    query has a timeout (--baseline-timeout, 120 s); a metric that does not transpile, fails or
    times out on an engine is named and left out of that engine's total. The rows each engine
    returns are compared with DuckDB's.

Run: `.venv/bin/python bench/bench_analytics.py` (5 million encounters, 10-15 minutes), or
`--encounters 200000` for a quick run (`make bench` runs it at BENCH_ANALYTICS_ENCOUNTERS).
"""

# The SQL here is assembled from the snapshot schema's names and this file's own constants.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

DEFAULT_ENCOUNTERS = 5_000_000
MONTHS = 60
# Relative sizes of the 12 police agencies, and the time zones they cycle through.
AGENCY_WEIGHTS = (3.0, 2.4, 1.9, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5)
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
)
PERSONS_PER_ENCOUNTER = 0.16  # 800,000 people for 5 million encounters
WITH_PERSON = 0.95  # the others: the person was not identified
REFERRAL_SHARE = 0.03
CASES_PER_ENCOUNTER = 0.001  # 5,000 cases for 5 million encounters
MIN_CASES = 150
OFFICERS = 24  # per agency: 2 precincts x 3 shifts x 2 squads (4 on, 4 off) x 2 officers
PRECINCTS = ("p0", "p1")
CERTIFIED_SHARE = 0.4
PROGRAM_TYPES = ("co_responder", "cit_follow_up")  # every agency; plus one of THIRD_PROGRAM
THIRD_PROGRAM = ("lead", "angel", "qrt")
CHUNK = 50_000
DAY_BACK = timedelta(hours=27)  # the incremental day: from 27 to 3 hours before the refresh
DAY_END = timedelta(hours=3)
SEED = 7

TARGET_FULL_S = 120.0
TARGET_INCREMENTAL_S = 5.0
TARGET_METRICS_S = 15.0
TARGET_DASHBOARD_S = 1.0
DASHBOARD_RUNS = 3

DISPOSITIONS = {
    "resolved_on_scene": 30,
    "referred_no_transport": 12,
    "voluntary_transport_crisis_facility": 8,
    "voluntary_transport_ed": 10,
    "involuntary_hold": 12,
    "ems_transport": 8,
    "citation": 4,
    "pre_booking_diversion": 2,
    "arrest_booked": 8,
    "unable_to_locate": 6,
}
CUSTODY = ("voluntary_transport_crisis_facility", "voluntary_transport_ed", "involuntary_hold")
FORCE = {
    "none": 80,
    "verbal": 12,
    "empty_hand": 5,
    "less_lethal": 1.8,
    "firearm": 0.2,
    "unspecified": 1,
}
SOURCES = {
    "911": 80,
    "officer_initiated": 10,
    "988_transfer": 4,
    "walk_in": 2,
    "co_responder_referral": 4,
}
CALL_TYPES = {
    "Suicidal person": 24,
    "Person in crisis": 26,
    "Disturbance (mental health)": 20,
    "Intoxicated person": 15,
    "Overdose": 6,
    "Welfare check": 9,
}
RESPONSES = {
    "cit_officer": 40,
    "standard_police": 35,
    "co_responder": 15,
    "mobile_crisis": 5,
    "ems": 5,
}
NEEDS = {"mental_health": 45, "substance_use": 30, "housing": 15, "crisis": 10}
URGENCY_HOURS = {"now": 1, "today": 24, "routine": 72}
URGENCIES = {"now": 20, "today": 50, "routine": 30}
HANDOFFS = {"warm": 50, "phone": 30, "information": 20}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--encounters", type=int, default=DEFAULT_ENCOUNTERS)
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=120.0,
        help="seconds each baseline query may take on SQLite or PostgreSQL (default 120)",
    )
    parser.add_argument(
        "--no-baselines", action="store_true", help="skip the SQLite and PostgreSQL baselines"
    )
    args = parser.parse_args()
    if args.encounters < 10_000:
        _setup.fail("--encounters: at least 10000")
    data_dir = _setup.django_for_bench(fast_passwords=True)
    started = time.perf_counter()
    print(f"load average at start: {_load()}")

    world = World.build(args.encounters, data_dir)
    full = _full_refresh()
    _incremental(world, full)
    duck = _metrics_run(world)
    _dashboards(world)
    if not args.no_baselines:
        _baselines(world, data_dir, duck, args.baseline_timeout)
    print(f"load average at end: {_load()}")
    print(f"bench_analytics done in {time.perf_counter() - started:.0f} s")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the world: agencies, people, records --------------------------------------------------------


@dataclass
class Police:
    agency: Any  # core.models.Agency
    slug: str
    weight: float
    officers: list[tuple[str, bool]] = field(default_factory=list)  # (id hex, CIT certified)
    programs: list[Any] = field(default_factory=list)  # programs.models.Program


@dataclass
class World:
    encounters: int
    start: datetime  # first instant of the history (UTC)
    history_end: datetime  # the history stops here; the incremental day follows
    police: list[Police]
    providers: list[str]  # provider agency ids (hex)
    service: str  # the directory service referrals go to (hex)
    duck: Any  # duckdb connection used for generating
    persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, encounters: int, data_dir: Path) -> World:
        import duckdb
        from django.db import connections

        began = time.perf_counter()
        now = datetime.now(UTC).replace(microsecond=0)
        first_month = _months_before(now.date().replace(day=1), MONTHS - 1)
        duck = duckdb.connect()
        duck.execute(f"SET temp_directory = '{data_dir / 'duckdb.tmp'}'")
        duck.execute("SET memory_limit = '6GB'")
        duck.execute("SET TimeZone = 'UTC'")
        duck.execute(GENERATOR_MACROS)
        world = cls(
            encounters=encounters,
            start=datetime.combine(first_month, clock(), UTC),
            history_end=now - DAY_BACK,
            police=[],
            providers=[],
            service="",
            duck=duck,
        )
        world._organisations(now.date())
        _fast_sqlite(True)
        try:
            world._people()
            world._records(0, encounters, world.start, world.history_end, stamp=None)
            world._cases()
        finally:
            _fast_sqlite(False)
            connections.close_all()  # the next connection runs the product's PRAGMAs again
        rows = ", ".join(f"{table} {n:,}" for table, n in world.rows.items())
        print(
            f"set-up (not timed): {encounters:,} encounters of {len(world.police)} agencies "
            f"over {MONTHS} months from {world.start:%Y-%m-%d}, written in "
            f"{time.perf_counter() - began:.0f} s: {rows}; SQLite file "
            f"{_sqlite_size() / 2**30:.2f} GiB"
        )
        return world

    # -- organisations, through the actions

    def _organisations(self, today: date) -> None:
        from django.db import transaction

        from crossroads.analytics.actions import agency_parameters_set
        from crossroads.core import actions
        from crossroads.core.models import Agency

        rng = random.Random(SEED)
        total = sum(AGENCY_WEIGHTS)
        with transaction.atomic():
            for n, weight in enumerate(AGENCY_WEIGHTS):
                agency = actions.agency_create(
                    by=None,
                    name=f"Bench County {n + 1} Police",
                    short_name=f"BC{n + 1:02d}",
                    type=Agency.Type.POLICE if n % 4 else Agency.Type.SHERIFF,
                    jurisdiction=f"Bench County {n + 1}",
                    time_zone=ZONES[n % len(ZONES)],
                )
                agency_parameters_set(
                    by=None,
                    agency=agency,
                    jail_day_cost=Decimal("126.06"),
                    jail_days_per_booking=Decimal("3.5"),
                    ed_visit_cost=Decimal("527.00"),
                    officer_hour_cost=Decimal("55.00"),
                    response_target_minutes=15,
                )
                police = Police(agency, f"bc{n + 1:02d}", weight / total)
                police.officers = _roster(agency, today, rng)
                police.programs = _programs(agency, police.slug, n)
                self.police.append(police)
            for n in range(2):
                provider = actions.agency_create(
                    by=None,
                    name=f"Bench Behavioral Health {n + 1}",
                    short_name=f"BBH{n + 1}",
                    type=Agency.Type.BH_PROVIDER,
                    jurisdiction="Bench region",
                )
                self.providers.append(provider.pk.hex)
            self.service = _service().pk.hex
        officers = [
            {"idx": p, "k": k, "officer_id": hex_id, "cit": cit}
            for p, police in enumerate(self.police)
            for k, (hex_id, cit) in enumerate(police.officers)
        ]
        _duck_table(self.duck, "officer", officers)
        _duck_table(
            self.duck,
            "provider",
            [{"n": n, "agency_id": hex_id} for n, hex_id in enumerate(self.providers)],
        )

    # -- people

    def _people(self) -> None:
        from crossroads.people.models import Person

        self.persons = round(self.encounters * PERSONS_PER_ENCOUNTER)
        shares = _split(self.persons, [p.weight for p in self.police])
        rows, low = [], 0
        for idx, (police, count) in enumerate(zip(self.police, shares, strict=True)):
            rows.append(
                {
                    "idx": idx,
                    "agency_id": police.agency.pk.hex,
                    "plo": low,
                    "pn": count,
                    "created_by": police.officers[0][0],
                }
            )
            low += count
        _duck_table(self.duck, "person_range", rows)
        people = f"""
            SELECT person_id(q, TIMESTAMP '{self.start:%Y-%m-%d %H:%M:%S}'), r.agency_id,
              'Bench', printf('Person %07d', q),
              CASE WHEN u(q, 1) < 0.85 THEN CAST(DATE '1945-01-01'
                + CAST(floor(u(q, 2) * 60 * 365) AS INTEGER) AS VARCHAR) END,
              ts_text(person_created(q, TIMESTAMP '{self.start:%Y-%m-%d %H:%M:%S}')),
              r.created_by
            FROM person_range r, range(r.plo, r.plo + r.pn) q(q)
            ORDER BY q
        """
        fields = [
            "id",
            "agency_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "created_at",
            "created_by_id",
        ]
        self.rows["persons"] = _load_sqlite(Person, fields, self.duck, people)

    # -- calls, units, encounters, referrals: the history, and later the incremental day

    def _records(
        self, first: int, count: int, start: datetime, end: datetime, *, stamp: datetime | None
    ) -> int:
        """Generate `count` encounters numbered from `first`, spread evenly (with jitter) over
        [start, end) in each agency, and write them with their calls, units and referrals.
        `stamp`: the updated_at of every record (else each record's last change)."""
        from crossroads.encounters.models import CallForService, CallUnit, Encounter
        from crossroads.referrals.models import Referral, ReferralEvent

        span = int((end - start).total_seconds() * 1_000_000)
        slices, low = [], first
        for idx, n in enumerate(_split(count, [p.weight for p in self.police])):
            slices.append(
                {"idx": idx, "agency_id": self.police[idx].agency.pk.hex, "lo": low, "n": n}
            )
            low += n
        _duck_table(self.duck, "batch", slices)
        sql = _EVENTS.format(
            first=first,
            after=first + count,
            start=f"{start:%Y-%m-%d %H:%M:%S}",
            end=f"{end:%Y-%m-%d %H:%M:%S}",
            span=span,
            officers=OFFICERS,
            with_person=WITH_PERSON,
            referral_share=REFERRAL_SHARE,
            history=f"{self.start:%Y-%m-%d %H:%M:%S}",
            stamp=f"TIMESTAMP '{stamp:%Y-%m-%d %H:%M:%S}'" if stamp else "NULL",
            source=_pick("u(i, 10)", SOURCES),
            initial=_pick("u(i, 11)", CALL_TYPES),
            final=_pick("u(i, 12)", CALL_TYPES),
            response=_pick("u(i, 13)", RESPONSES),
            disposition=_pick("u(i, 14)", DISPOSITIONS),
            force=_pick("u(i, 15)", FORCE),
            custody=", ".join(f"'{d}'" for d in (*CUSTODY, "arrest_booked")),
            need=_pick("u(i, 31)", NEEDS),
            urgency=_pick("u(i, 32)", URGENCIES),
            handoff=_pick("u(i, 33)", HANDOFFS),
            providers=len(self.providers),
            service=self.service,
        )
        self.duck.execute(sql)
        loads = [
            (CallForService, CALL_FIELDS, "SELECT * FROM gen_calls ORDER BY received_at"),
            (CallUnit, UNIT_FIELDS, "SELECT * FROM gen_units ORDER BY dispatched_at"),
            (Encounter, ENCOUNTER_FIELDS, "SELECT * FROM gen_encounters ORDER BY occurred_at"),
            (Referral, REFERRAL_FIELDS, "SELECT * FROM gen_referrals ORDER BY created_at"),
            (ReferralEvent, EVENT_FIELDS, 'SELECT * FROM gen_referral_events ORDER BY "at"'),
        ]
        written = 0
        for model, fields, query in loads:
            n = _load_sqlite(model, fields, self.duck, query)
            key = model._meta.db_table.split("_", 1)[1]
            self.rows[key] = self.rows.get(key, 0) + n
            written += n
        return written

    # -- cases: a few thousand, made in Python from a sample of the encounters

    def _cases(self) -> None:
        cases = max(MIN_CASES, round(self.encounters * CASES_PER_ENCOUNTER))
        rng = random.Random(SEED + 1)
        ratio = min(1.0, 3 * cases / self.encounters)
        sample = self.duck.execute(
            "SELECT idx, id, person_id, occurred_at FROM gen_encounters_keyed "
            f"WHERE person_id IS NOT NULL AND u(i, 40) < {ratio} ORDER BY occurred_at"
        ).fetchall()
        by_agency: dict[int, list[tuple[str, str, str]]] = {}
        for idx, encounter_id, person_id, occurred in sample:
            by_agency.setdefault(idx, []).append((encounter_id, person_id, occurred))
        made = _CaseMaker(self, rng)
        for idx, count in enumerate(_split(cases, [p.weight for p in self.police])):
            found = by_agency.get(idx, [])
            for n, (encounter_id, person_id, occurred) in enumerate(
                rng.sample(found, min(count, len(found)))
            ):
                program = self.police[idx].programs[n % len(self.police[idx].programs)]
                made.case(self.police[idx], program, encounter_id, person_id, occurred)
        made.write()


GENERATOR_MACROS = """
CREATE MACRO u(i, salt) AS (hash(i, salt) % 1000000) / 1000000.0;
CREATE MACRO ts_text(t) AS strftime(t, '%Y-%m-%d %H:%M:%S');
CREATE MACRO ordered_id(t, i, salt) AS
  printf('%012x', epoch_ms(t)) || substr(md5(CAST(i AS VARCHAR) || salt), 1, 20);
CREATE MACRO minutes(m) AS to_microseconds(CAST(CAST(m AS DOUBLE) * 60000000 AS BIGINT));
CREATE MACRO person_created(q, start) AS start - INTERVAL 30 DAY + to_seconds(CAST(q AS BIGINT));
CREATE MACRO person_id(q, start) AS ordered_id(person_created(q, start), q, 'p');
CREATE MACRO capped(t, last) AS CASE WHEN t <= last THEN t END;
"""

# One statement per generated table. The ids are time-ordered (the millisecond of the event,
# then a hash), so rows written in time order append to the primary-key indexes.
_EVENTS = """
CREATE OR REPLACE TABLE gen AS
WITH base AS (
  SELECT r.i, b.idx, b.agency_id, pr.plo, pr.pn,
    TIMESTAMP '{start}'
      + to_microseconds(CAST((r.i - b.lo + u(r.i, 1)) * {span} / b.n AS BIGINT)) AS received
  FROM range({first}, {after}) r(i)
  JOIN batch b ON r.i >= b.lo AND r.i < b.lo + b.n
  JOIN person_range pr ON pr.idx = b.idx
), timed AS (
  SELECT *, received + minutes(1 + 9 * u(i, 2)) AS dispatched,
    CAST(10 + 110 * pow(u(i, 4), 1.5) AS INTEGER) AS on_scene,
    CAST(floor(u(i, 5) * {officers}) AS INTEGER) AS k,
    CASE WHEN u(i, 6) < {with_person}
      THEN plo + CAST(floor(pn * pow(u(i, 7), 1.6)) AS BIGINT) END AS q
  FROM base
)
SELECT t.*, dispatched + minutes(3 + 30 * pow(u(i, 3), 2)) AS arrived,
  dispatched + minutes(3 + 30 * pow(u(i, 3), 2)) + minutes(on_scene) AS cleared,
  {disposition} AS disposition, {force} AS force,
  o.officer_id, o.cit, 'p' || (t.k % 2) AS precinct,
  CASE WHEN q IS NOT NULL THEN person_id(q, TIMESTAMP '{history}') END AS person_id,
  ordered_id(received, i, 'c') AS call_id
FROM timed t JOIN officer o ON o.idx = t.idx AND o.k = t.k;

CREATE OR REPLACE TABLE gen_calls AS
SELECT call_id AS id, agency_id, printf('C%09d', i) AS number, year(received) AS year,
  {source} AS source, {initial} AS initial_call_type,
  CASE WHEN u(i, 16) < 0.85 THEN {initial} ELSE {final} END AS final_call_type,
  CASE WHEN u(i, 17) < 0.9 THEN 1 ELSE 0 END AS behavioural_health,
  CASE WHEN u(i, 17) < 0.9 THEN 'call_taker' ELSE 'officer' END AS flag_set_by,
  ts_text(received) AS received_at, ts_text(dispatched) AS dispatched_at,
  ts_text(arrived) AS arrived_at, ts_text(cleared) AS cleared_at, precinct,
  {response} AS response, 'closed' AS status, ts_text(coalesce({stamp}, cleared)) AS updated_at
FROM gen;

CREATE OR REPLACE TABLE gen_units AS
SELECT call_id, officer_id, CAST(cit AS INTEGER) AS cit_certified,
  ts_text(dispatched) AS dispatched_at
FROM gen
UNION ALL
SELECT g.call_id, o.officer_id, CAST(o.cit AS INTEGER), ts_text(g.dispatched)
FROM gen g JOIN officer o
  ON o.idx = g.idx AND o.k = (g.k + 1 + CAST(floor(u(g.i, 20) * ({officers} - 1)) AS INTEGER))
    % {officers}
WHERE u(g.i, 21) < 0.2;

CREATE OR REPLACE TABLE gen_encounters_keyed AS
SELECT i, idx, ordered_id(arrived, i, 'e') AS id, agency_id, call_id, person_id, officer_id,
  CAST(cit AS INTEGER) AS officer_cit_certified, md5(CAST(i AS VARCHAR) || 'k') AS client_key,
  ts_text(arrived) AS occurred_at,
  CASE WHEN u(i, 22) < 0.05 THEN 1 ELSE 0 END AS weapon_present,
  force AS highest_force,
  CASE WHEN u(i, 23) < CASE WHEN force IN ('none', 'verbal') THEN 0.01 ELSE 0.2 END
    THEN 1 ELSE 0 END AS subject_injured,
  CASE WHEN u(i, 24) < CASE WHEN force IN ('none', 'verbal') THEN 0.005 ELSE 0.08 END
    THEN 1 ELSE 0 END AS officer_injured,
  disposition, on_scene AS minutes_on_scene,
  CASE WHEN disposition IN ({custody}) THEN CAST(10 + 80 * u(i, 25) AS INTEGER) END
    AS custody_transfer_minutes,
  ts_text(cleared) AS submitted_at, ts_text(coalesce({stamp}, cleared)) AS updated_at,
  cleared
FROM gen;

CREATE OR REPLACE TABLE gen_encounters AS
SELECT * EXCLUDE (i, idx, cleared) FROM gen_encounters_keyed;

CREATE OR REPLACE TABLE gen_referral_times AS
WITH chosen AS (
  SELECT i, idx, agency_id, id AS encounter_id, person_id, cleared + minutes(5) AS created,
    {need} AS need, {urgency} AS urgency, {handoff} AS handoff,
    CAST(floor(u(i, 34) * {providers}) AS INTEGER) AS provider
  FROM gen_encounters_keyed
  WHERE person_id IS NOT NULL AND u(i, 30) < {referral_share}
), sent AS (
  SELECT *, created + minutes(2) AS sent FROM chosen
), acknowledged AS (
  SELECT *,
    CASE WHEN u(i, 35) < 0.85
      THEN capped(sent + minutes(5 + 2880 * pow(u(i, 36), 2)), TIMESTAMP '{end}') END AS ack
  FROM sent
), answered AS (
  SELECT *, capped(ack + minutes(60), TIMESTAMP '{end}') AS answered,
    u(i, 37) < 0.75 AS accepted
  FROM acknowledged
), served AS (
  SELECT *,
    CASE WHEN accepted AND u(i, 38) < 0.6
      THEN capped(answered + minutes(60 * 24 * 30 * u(i, 39)), TIMESTAMP '{end}') END AS served
  FROM answered
)
SELECT *,
  CASE WHEN u(i, 41) < 0.5 THEN capped(served + INTERVAL 30 DAY, TIMESTAMP '{end}') END
    AS completed
FROM served;

CREATE OR REPLACE TABLE gen_referrals AS
SELECT ordered_id(created, i, 'r') AS id, t.agency_id, 'encounter' AS source,
  NULL AS case_id, p.agency_id AS receiving_agency_id, encounter_id, person_id,
  '{service}' AS service_id, need, urgency, handoff,
  CASE WHEN completed IS NOT NULL THEN 'completed'
       WHEN served IS NOT NULL THEN 'first_service'
       WHEN answered IS NOT NULL THEN CASE WHEN accepted THEN 'accepted' ELSE 'declined' END
       WHEN ack IS NOT NULL THEN 'received' ELSE 'sent' END AS status,
  o.officer_id AS created_by_id, ts_text(created) AS created_at, ts_text(sent) AS sent_at,
  ts_text(sent + to_hours(CASE urgency WHEN 'now' THEN 1 WHEN 'today' THEN 24 ELSE 72 END))
    AS acknowledge_by,
  ts_text(ack) AS acknowledged_at, ts_text(served) AS first_service_at,
  ts_text(coalesce({stamp}, greatest(sent, ack, answered, served, completed))) AS updated_at
FROM gen_referral_times t JOIN provider p ON p.n = t.provider
JOIN officer o ON o.idx = t.idx AND o.k = 0;

CREATE OR REPLACE TABLE gen_referral_events AS
SELECT ordered_id(created, i, 'r') AS referral_id, status, ts_text("at") AS "at"
FROM (
  SELECT i, created, 'sent' AS status, sent AS "at" FROM gen_referral_times
  UNION ALL SELECT i, created, 'received', ack FROM gen_referral_times WHERE ack IS NOT NULL
  UNION ALL SELECT i, created, CASE WHEN accepted THEN 'accepted' ELSE 'declined' END, answered
    FROM gen_referral_times WHERE answered IS NOT NULL
  UNION ALL SELECT i, created, 'first_service', served FROM gen_referral_times
    WHERE served IS NOT NULL
  UNION ALL SELECT i, created, 'completed', completed FROM gen_referral_times
    WHERE completed IS NOT NULL
);
"""

CALL_FIELDS = [
    "id",
    "agency_id",
    "number",
    "year",
    "source",
    "initial_call_type",
    "final_call_type",
    "behavioural_health",
    "flag_set_by",
    "received_at",
    "dispatched_at",
    "arrived_at",
    "cleared_at",
    "precinct",
    "response",
    "status",
    "updated_at",
]
UNIT_FIELDS = ["call_id", "officer_id", "cit_certified", "dispatched_at"]
ENCOUNTER_FIELDS = [
    "id",
    "agency_id",
    "call_id",
    "person_id",
    "officer_id",
    "officer_cit_certified",
    "client_key",
    "occurred_at",
    "weapon_present",
    "highest_force",
    "subject_injured",
    "officer_injured",
    "disposition",
    "minutes_on_scene",
    "custody_transfer_minutes",
    "submitted_at",
    "updated_at",
]
REFERRAL_FIELDS = [
    "id",
    "agency_id",
    "source",
    "case_id",
    "receiving_agency_id",
    "encounter_id",
    "person_id",
    "service_id",
    "need",
    "urgency",
    "handoff",
    "status",
    "created_by_id",
    "created_at",
    "sent_at",
    "acknowledge_by",
    "acknowledged_at",
    "first_service_at",
    "updated_at",
]
EVENT_FIELDS = ["referral_id", "status", "at"]


def _pick(uniform: str, weights: dict[str, float]) -> str:
    """SQL drawing one key of `weights` in proportion to its weight, from a uniform in [0, 1)."""
    total = sum(weights.values())
    cases, running = [], 0.0
    for key, weight in list(weights.items())[:-1]:
        running += weight / total
        cases.append(f"WHEN {uniform} < {running:.6f} THEN '{key}'")
    return f"CASE {' '.join(cases)} ELSE '{list(weights)[-1]}' END"


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` shared in proportion to `weights`, the rounding left to the first share."""
    whole = sum(weights)
    shares = [int(total * w / whole) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def _months_before(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _duck_table(duck: Any, name: str, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa

    duck.register("incoming_rows", pa.Table.from_pylist(rows))
    duck.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM incoming_rows")
    duck.unregister("incoming_rows")


def _load_sqlite(model: Any, fields: list[str], duck: Any, query: str) -> int:
    """Rows of a DuckDB query (in `fields` order) into the model's table, in chunks, each in
    its own transaction, through bulk.Table (every other column takes its model default)."""
    from django.db import connection, transaction

    from crossroads.encounters.bulk import Table

    connection.ensure_connection()
    table = Table(model, fields, connection)
    cursor = duck.execute(query)
    written = 0
    with _indexes_rebuilt(model, rebuild=len(rows := cursor.fetchmany(CHUNK)) == CHUNK):
        while rows:
            with transaction.atomic():
                table.insert(connection.connection, table.prepare(rows))
            written += len(rows)
            rows = cursor.fetchmany(CHUNK)
    return written


@contextmanager
def _indexes_rebuilt(model: Any, *, rebuild: bool) -> Iterator[None]:
    """For a large load: the table's secondary indexes (and unique constraints) dropped, and
    made again from their own SQL afterwards, which sorts once instead of inserting millions of
    random keys (client keys, person ids) into B-trees larger than the cache: the set-up of 5
    million encounters took 19 minutes before. The schema ends as migrated, every constraint
    checked when its index is made again."""
    from django.db import connection

    if not rebuild:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [model._meta.db_table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)


def _fast_sqlite(on: bool) -> None:
    """During the set-up only: no fsync per commit and a 1 GiB page cache (the database is
    thrown away at exit). Everything timed runs with the product's own settings."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA synchronous = {'OFF' if on else 'FULL'}")
        cursor.execute(f"PRAGMA cache_size = {-1_048_576 if on else -2000}")
        if not on:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_size() -> int:
    from django.db import connection

    path = Path(connection.settings_dict["NAME"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _roster(agency: Any, today: date, rng: random.Random) -> list[tuple[str, bool]]:
    """Officers on a roster of 2 precincts x 3 shifts x 2 squads, 40 % CIT-certified, through
    the actions (the snapshot's shift coverage and officer tables come from these)."""
    from crossroads.core import actions
    from crossroads.training import actions as training

    start = today - timedelta(days=800)
    shifts = [
        training.shift_create(
            by=None, agency=agency, code=code, name=code.title(), starts_at=at, hours=8
        )
        for code, at in (("day", clock(7)), ("evening", clock(15)), ("night", clock(23)))
    ]
    squads = [
        training.squad_create(
            by=None,
            agency=agency,
            name=f"{precinct.code} {shift.code} {squad}",
            precinct=precinct,
            shift=shift,
            pattern=pattern,
            pattern_start=start,
        )
        for precinct in [
            training.precinct_create(by=None, agency=agency, code=code, name=code.upper())
            for code in PRECINCTS
        ]
        for shift in shifts
        for squad, pattern in (("a", "11110000"), ("b", "00001111"))
    ]
    officers = []
    for n in range(OFFICERS):
        officer = actions.user_create(
            by=None,
            agency=agency,
            username=f"{agency.short_name.lower()}.officer{n:02d}",
            email=f"{agency.short_name.lower()}.officer{n:02d}@example.org",
            first_name="Officer",
            last_name=f"{n:02d}",
            password=None,
            roles=["officer"],
        )
        training.assignment_record(
            by=None, officer=officer, squad=squads[n % len(squads)], starts_on=start
        )
        certified = rng.random() < CERTIFIED_SHARE
        if certified:
            issued = today - timedelta(days=rng.randrange(0, 3 * 365))
            training.certification_record(
                by=None,
                officer=officer,
                course="cit",
                issued_on=issued,
                expires_on=issued + timedelta(days=3 * 365),
            )
        officers.append((officer.pk.hex, certified))
    return officers


def _programs(agency: Any, slug: str, n: int) -> list[Any]:
    from crossroads.programs import actions as programs

    kinds = (*PROGRAM_TYPES, THIRD_PROGRAM[n % len(THIRD_PROGRAM)])
    return [
        programs.program_create(
            by=None,
            agency=agency,
            type=kind,
            name=f"{agency.short_name} {kind.replace('_', ' ')}",
            slug=f"{slug}-{kind.replace('_', '-')}",
        )
        for kind in kinds
    ]


def _service() -> Any:
    import uuid

    from crossroads.directory import actions as directory
    from crossroads.directory.models import Service

    organization_id, service_id = uuid.uuid4(), uuid.uuid4()
    directory.hsds_import(
        by=None,
        package={
            "organization": [
                {"id": str(organization_id), "name": "Bench Provider", "description": "Bench."}
            ],
            "service": [
                {
                    "id": str(service_id),
                    "organization_id": str(organization_id),
                    "name": "Bench crisis stabilisation",
                    "status": "active",
                }
            ],
        },
        source="bench",
    )
    return Service.objects.get(pk=service_id)


# Each program type's way through its statuses: (status, chance of taking this step).
CASE_PATHS: dict[str, list[list[tuple[str, float]]]] = {
    "cit_follow_up": [[("linked", 0.5), ("declined", 0.2), ("unreachable", 0.2)]],
    "co_responder": [
        [("on_scene", 0.7), ("consult", 0.3)],
        [("assessed", 1.0)],
        [("dispositioned", 0.95)],
        [("follow_up", 0.6), ("linked", 0.25), ("declined", 0.15)],
        [("linked", 0.5), ("declined", 0.2), ("unreachable", 0.2)],
    ],
    "angel": [
        [("eligible", 0.85), ("ineligible", 0.15)],
        [("placement_search", 1.0)],
        [("placed", 0.7), ("not_placed", 0.3)],
        [("follow_up", 0.9)],
        [("follow_up_done", 0.7)],
    ],
    "lead": [
        [("intake_pending", 0.95)],
        [("enrolled", 0.7), ("exited", 0.25)],
        [("active", 0.9)],
        [("inactive", 0.3), ("exited", 0.2)],
    ],
    "qrt": [
        [("attempted", 0.5), ("contacted", 0.4)],
        [("contacted", 0.7)],
        [("accepted", 0.6), ("declined", 0.4)],
        [("referred", 0.9)],
        [("engaged", 0.5)],
    ],
}
# A case reaching one of these links the person to care: a referral is sent from the case.
REFERS = {"linked", "placed", "referred", "enrolled"}
TERMINAL = {
    "linked",
    "declined",
    "unreachable",
    "ineligible",
    "follow_up_done",
    "exited",
    "engaged",
}
PLACEMENTS = ("detox", "residential", "outpatient_mat", "crisis_stabilisation", "sober_living")


class _CaseMaker:
    """Cases walked through their type's statuses at random, with events, contacts and the
    referrals a case sends; rows gathered here, then written like the rest."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.cases: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.contacts: list[tuple[Any, ...]] = []
        self.referrals: list[tuple[Any, ...]] = []
        self.referral_events: list[tuple[Any, ...]] = []
        self.seen: set[tuple[str, str]] = set()

    def case(
        self, police: Police, program: Any, encounter_id: str, person_id: str, occurred: str
    ) -> None:
        rng, end = self.rng, self.world.history_end.replace(tzinfo=None)
        opened = datetime.fromisoformat(occurred) + timedelta(hours=rng.uniform(2, 48))
        if opened > end or (program.pk.hex, person_id) in self.seen:
            return  # at most one case per person and program: never two open at once
        self.seen.add((program.pk.hex, person_id))
        spec = program.spec
        case_id = _ordered_hex(opened, rng)
        officer = police.officers[rng.randrange(len(police.officers))][0]
        self.events.append((case_id, "opened", spec.entry_paths[0], _text(opened)))
        status, at, placed, placement = spec.initial, opened, None, ""
        for step in CASE_PATHS[program.type]:
            draw, chosen = rng.random(), None
            for candidate, chance in step:
                if draw < chance:
                    chosen = candidate
                    break
                draw -= chance
            later = at + timedelta(days=rng.uniform(0.5, 10))
            if chosen is None or later > end:
                break
            status, at = chosen, later
            self.events.append((case_id, "status", status, _text(at)))
            if spec.statuses[status].records_placement:
                placed, placement = at, rng.choice(PLACEMENTS)
            if status in REFERS:
                self._referral(police, case_id, person_id, at)
        for _ in range(rng.randrange(0, 4) if program.type in {"qrt", "cit_follow_up"} else 0):
            contact = opened + timedelta(days=rng.uniform(0, 14))
            if contact <= end:
                self.contacts.append(
                    (case_id, _text(contact), officer, "phone", int(rng.random() < 0.6))
                )
        closed = at if status in TERMINAL else None
        lead = program.type == "lead"
        charge = {"referred": "held", "intake_pending": "held", "exited": "filed"}
        self.cases.append(
            (
                case_id,
                program.pk.hex,
                police.agency.pk.hex,
                person_id,
                encounter_id,
                spec.entry_paths[0],
                status,
                officer,
                _text(opened),
                _text(opened + timedelta(days=14)) if lead else None,
                charge.get(status, "not_filed") if lead else "",
                placement,
                _text(placed) if placed else None,
                _text(closed) if closed else None,
                status if closed else "",
                _text(at),
            )
        )

    def _referral(self, police: Police, case_id: str, person_id: str, at: datetime) -> None:
        rng, end = self.rng, self.world.history_end.replace(tzinfo=None)
        referral_id = _ordered_hex(at, rng)
        sent = at + timedelta(minutes=2)
        times = [("sent", sent)]
        if rng.random() < 0.85 and (ack := sent + timedelta(hours=rng.uniform(0.1, 48))) <= end:
            times.append(("received", ack))
            if (answered := ack + timedelta(hours=1)) <= end:
                times.append(("accepted" if rng.random() < 0.8 else "declined", answered))
                if times[-1][0] == "accepted" and rng.random() < 0.6:
                    served = answered + timedelta(days=rng.uniform(0, 30))
                    if served <= end:
                        times.append(("first_service", served))
        found = dict(times)
        self.referrals.append(
            (
                referral_id,
                police.agency.pk.hex,
                "case",
                case_id,
                self.world.providers[rng.randrange(len(self.world.providers))],
                None,
                person_id,
                self.world.service,
                "mental_health",
                "today",
                "warm",
                times[-1][0],
                police.officers[0][0],
                _text(at),
                _text(sent),
                _text(sent + timedelta(hours=24)),
                _text(found["received"]) if "received" in found else None,
                _text(found["first_service"]) if "first_service" in found else None,
                _text(times[-1][1]),
            )
        )
        self.referral_events += [(referral_id, status, _text(t)) for status, t in times]

    def write(self) -> None:
        from django.db import connection, transaction

        from crossroads.encounters.bulk import Table
        from crossroads.programs.models import Case, CaseEvent, Contact
        from crossroads.referrals.models import Referral, ReferralEvent

        connection.ensure_connection()
        tables = [
            (Case, CASE_FIELDS, self.cases),
            (CaseEvent, ["case_id", "kind", "value", "at"], self.events),
            (Contact, ["case_id", "at", "by_id", "method", "reached"], self.contacts),
            (Referral, REFERRAL_FIELDS, self.referrals),
            (ReferralEvent, EVENT_FIELDS, self.referral_events),
        ]
        rows = self.world.rows
        with transaction.atomic():
            for model, fields, values in tables:
                table = Table(model, fields, connection)
                table.insert(connection.connection, table.prepare(sorted(values, key=_when)))
                key = model._meta.db_table.split("_", 1)[1]
                rows[key] = rows.get(key, 0) + len(values)


CASE_FIELDS = [
    "id",
    "program_id",
    "agency_id",
    "person_id",
    "encounter_id",
    "entry_path",
    "status",
    "opened_by_id",
    "opened_at",
    "intake_deadline_at",
    "charge_status",
    "placement_type",
    "placed_at",
    "closed_at",
    "closure_reason",
    "updated_at",
]


def _when(row: tuple[Any, ...]) -> str:
    return str(row[0])


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _ordered_hex(moment: datetime, rng: random.Random) -> str:
    millis = int(moment.replace(tzinfo=UTC).timestamp() * 1000)
    return f"{millis:012x}{rng.getrandbits(80):020x}"


# --- (1) and (2): the snapshot -------------------------------------------------------------------


def _full_refresh() -> float:
    from crossroads.analytics import snapshot

    began = time.perf_counter()
    result = snapshot.refresh(full=True)
    seconds = time.perf_counter() - began
    rows = ", ".join(f"{table} {n:,}" for table, n in result.rows.items())
    verdict = "met" if seconds < TARGET_FULL_S else "MISSED"
    print(
        f"(1) full snapshot from SQLite: {seconds:.1f} s (target < {TARGET_FULL_S:.0f} s: "
        f"{verdict}); {result.partitions:,} partitions; {rows}; {_snapshot_size()}; "
        f"load {_load()}"
    )
    return seconds


def _snapshot_size() -> str:
    from crossroads.analytics.snapshot import snapshot_dir

    files = list(snapshot_dir().rglob("*.parquet"))
    return f"{len(files):,} Parquet files, {sum(p.stat().st_size for p in files) / 2**20:.0f} MiB"


def _incremental(world: World, full: float) -> float:
    from django.db import connections

    from crossroads.analytics import snapshot

    now = datetime.now(UTC).replace(microsecond=0)
    day = round(world.encounters / ((world.history_end - world.start).days + 1))
    _fast_sqlite(True)
    try:
        written = world._records(world.encounters, day, now - DAY_BACK, now - DAY_END, stamp=now)
    finally:
        _fast_sqlite(False)
        connections.close_all()
    began = time.perf_counter()
    result = snapshot.refresh()
    seconds = time.perf_counter() - began
    if result.full:
        _setup.fail("the refresh after one day rebuilt the whole snapshot")
    _check_snapshot()
    verdict = "met" if seconds < TARGET_INCREMENTAL_S else "MISSED"
    print(
        f"(2) incremental refresh after one day ({day:,} encounters with their calls, "
        f"{written:,} rows in all, updated_at now): {seconds:.2f} s (target < "
        f"{TARGET_INCREMENTAL_S:.0f} s: {verdict}), {result.partitions} partitions rewritten; "
        f"baseline full refresh {full:.1f} s: ratio {full / seconds:.0f}x faster; load {_load()}"
    )
    return seconds


def _check_snapshot() -> None:
    """After the incremental refresh: every record of the database is in the snapshot once, and
    the manifest's counts are the files' (not timed)."""
    import duckdb

    from crossroads.analytics import snapshot
    from crossroads.analytics.schema import PARTITIONED
    from crossroads.encounters.models import CallForService, Encounter
    from crossroads.referrals.models import Referral

    root = snapshot.snapshot_dir()
    manifest = snapshot.Manifest.read(root)
    if manifest is None:
        _setup.fail("no manifest after the incremental refresh")
        return
    duck = duckdb.connect()
    for table in PARTITIONED:
        counted = snapshot._partition_rows(duck, root, table.name)
        if manifest.tables.get(table.name) != counted:
            _setup.fail(f"the manifest's counts of {table.name} are not the files'")
    for table, model in (
        ("calls", CallForService),
        ("encounters", Encounter),
        ("referrals", Referral),
    ):
        if manifest.rows(table) != model.objects.count():
            _setup.fail(
                f"the snapshot has {manifest.rows(table)} {table}, the database more or less"
            )


# --- (3) and (4): metrics and dashboards ---------------------------------------------------------


def _whole_range(world: World) -> tuple[date, date]:
    return world.start.date(), datetime.now(UTC).date()


@dataclass
class DuckRun:
    seconds: dict[str, float]  # per metric
    rows: dict[str, list[tuple[Any, ...]]]  # per metric, normalised (see _normal)


def _metrics_run(world: World) -> DuckRun:
    from crossroads.analytics import metrics

    first, last = _whole_range(world)
    filters = metrics.Filters(first, last, "month")
    catalogue = metrics.catalogue()
    began = time.perf_counter()
    engine = metrics.Engine()
    opened = time.perf_counter() - began
    times: dict[str, float] = {}
    failed: dict[str, str] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for name, metric in catalogue.items():
        start = time.perf_counter()
        try:
            found = engine.run(metric, filters)
        except metrics.MetricError as error:
            failed[name] = str(error).splitlines()[0][:160]
            continue
        times[name] = time.perf_counter() - start
        rows[name] = [_normal(tuple(row.values())) for row in found]
    total = opened + sum(times.values())
    verdict = "met" if total < TARGET_METRICS_S else "MISSED"
    print(
        f"(3) full metrics run, {len(times)} of {len(catalogue)} metrics, {first} to {last} by "
        f"month, all agencies, one Engine: {total:.2f} s (target < {TARGET_METRICS_S:.0f} s: "
        f"{verdict}); Engine set-up {opened * 1000:.0f} ms; load {_load()}"
    )
    for name, seconds in sorted(times.items(), key=lambda item: -item[1]):
        print(f"      {name:34} {seconds * 1000:8.0f} ms  {len(rows[name]):>6,} rows")
    for name, why in failed.items():
        print(f"      {name:34} FAILED: {why}")
    return DuckRun(times, rows)


def _dashboards(world: World) -> None:
    from crossroads.analytics import metrics

    largest = max(world.police, key=lambda p: p.weight)
    last = datetime.now(UTC).date()
    first = _months_before(last.replace(day=1), 11)
    filters = metrics.Filters(first, last, "month", agency=largest.slug)
    runs: dict[str, list[float]] = {}
    for name in metrics.catalogue():
        for _ in range(DASHBOARD_RUNS):
            start = time.perf_counter()
            try:
                metrics.run(name, filters)
            except metrics.MetricError:
                break  # reported by the full run
            runs.setdefault(name, []).append(time.perf_counter() - start)
    if not runs:
        print("(4) dashboard queries: no metric ran")
        return
    slowest = max(runs, key=lambda n: max(runs[n]))
    worst = max(runs[slowest])
    medians = sorted(_setup.median(r) for r in runs.values())
    verdict = "met" if worst < TARGET_DASHBOARD_S else "MISSED"
    print(
        f"(4) dashboard queries, {len(runs)} metrics for {largest.slug} (the largest agency), "
        f"{first} to {last} by month, a new Engine each, {DASHBOARD_RUNS} runs: slowest "
        f"{slowest} {worst * 1000:.0f} ms (target < {TARGET_DASHBOARD_S:.0f} s each: {verdict}); "
        f"median of the metrics' medians {_setup.median(medians) * 1000:.0f} ms; load {_load()}"
    )
    for name, samples in sorted(runs.items(), key=lambda item: -max(item[1])):
        print(f"      {name:34} {_setup.spread([s * 1000 for s in samples])} ms")


# --- (5) baselines: the same SQL on SQLite and PostgreSQL ----------------------------------------

SQLITE_TYPES = {"DATE": "TEXT", "TIMESTAMP": "TEXT", "BOOLEAN": "INTEGER", "DOUBLE": "REAL"}
POSTGRES_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"}
# What a database administrator would index for these queries: each row's key, the day every
# metric joins `periods` on, and the columns joins and windows follow.
BASELINE_INDEXES = {
    "calls": [("call_id",), ("local_date",)],
    "encounters": [
        ("encounter_id",),
        ("local_date",),
        ("call_id",),
        ("agency", "person_key", "occurred_at"),
        ("person_key", "occurred_at"),
    ],
    "referrals": [("referral_id",), ("local_date",), ("encounter_id",), ("person_key",)],
    "services": [("referral_id",), ("local_date",), ("person_key", "served_at")],
    "cases": [("case_id",), ("local_date",), ("encounter_id",), ("person_key",)],
    "shifts": [("local_date",)],
}


@dataclass
class Outcome:
    seconds: float | None = None
    problem: str = ""  # why it has no time: did not transpile, failed, timed out
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def _baselines(world: World, data_dir: Path, duck: DuckRun, timeout: float) -> None:
    import atexit

    from crossroads.analytics import metrics

    try:
        from crossroads.analytics import portable
    except ImportError:
        print("(5) baselines: analytics/portable.py is missing; not run")
        return
    first, last = _whole_range(world)
    filters = metrics.Filters(first, last, "month")
    engine = metrics.Engine()
    began = time.perf_counter()
    lite = _sqlite_copy(engine, data_dir / "baseline.sqlite3", filters, portable)
    lite_loaded = time.perf_counter() - began
    name = f"crossroads_bench_analytics_{os.getpid()}"
    _setup._postgres_admin("DROP DATABASE IF EXISTS {name} WITH (FORCE)", name)
    _setup._postgres_admin("CREATE DATABASE {name}", name)
    atexit.register(_setup._postgres_admin, "DROP DATABASE IF EXISTS {name} WITH (FORCE)", name)
    began = time.perf_counter()
    pg = _postgres_copy(engine, f"{_setup.POSTGRES_SERVER}/{name}", data_dir, filters)
    pg_loaded = time.perf_counter() - began
    print(
        f"(5) baselines: flat copies of the snapshot (set-up, not timed): SQLite "
        f"{lite_loaded:.0f} s ({(data_dir / 'baseline.sqlite3').stat().st_size / 2**30:.2f} GiB), "
        f"PostgreSQL {pg_loaded:.0f} s; each query limited to {timeout:.0f} s"
    )
    results: dict[str, dict[str, Outcome]] = {}
    for name, metric in metrics.catalogue().items():
        if name not in duck.seconds:
            continue
        values = metric.bound(filters)
        results[name] = {
            "sqlite": _run_sqlite(lite, metric.sql, values, timeout, portable),
            "postgres": _run_postgres(pg, metric.sql, values, timeout, portable),
        }
        print(f"      {name}: {_line(results[name], duck.seconds[name], duck.rows[name])}")
    lite.close()
    pg.close()
    _ratios(results, duck.seconds)


def _line(outcomes: dict[str, Outcome], duck: float, reference: list[tuple[Any, ...]]) -> str:
    parts = [f"DuckDB {duck * 1000:.0f} ms"]
    for engine, outcome in outcomes.items():
        if outcome.seconds is None:
            parts.append(f"{engine} {outcome.problem}")
            continue
        check = _difference(outcome.rows, reference) or "same rows"
        seconds = outcome.seconds
        taken = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"
        parts.append(f"{engine} {taken} ({_times(seconds / duck)}, {check})")
    return "; ".join(parts)


def _difference(rows: list[tuple[Any, ...]], reference: list[tuple[Any, ...]]) -> str:
    """'' when both engines answered the same rows (numbers equal to 1 part in a million),
    else the first difference."""
    if len(rows) != len(reference):
        return f"ROWS DIFFER: {len(rows)} rows, DuckDB {len(reference)}"
    for theirs, ours in zip(sorted(rows, key=_labels), sorted(reference, key=_labels), strict=True):
        if len(theirs) != len(ours) or not all(map(_same, theirs, ours)):
            return f"ROWS DIFFER: {theirs} against DuckDB's {ours}"
    return ""


def _labels(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(str(v) for v in row if not isinstance(v, float))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    return bool(a == b)


def _ratios(results: dict[str, dict[str, Outcome]], duck: dict[str, float]) -> None:
    for engine in ("sqlite", "postgres"):
        ran = {n: r[engine].seconds for n, r in results.items() if r[engine].seconds is not None}
        left_out = {n: r[engine].problem for n, r in results.items() if r[engine].seconds is None}
        if not ran:
            print(f"    {engine}: no metric ran")
            continue
        theirs = sum(s for s in ran.values() if s is not None)
        ours = sum(duck[n] for n in ran)
        ratios = sorted((s or 0) / duck[n] for n, s in ran.items())
        print(
            f"    {engine}: {len(ran)} metrics in {theirs:.1f} s against DuckDB on the snapshot "
            f"{ours:.2f} s for the same metrics: ratio {_times(theirs / ours)} (per metric: "
            f"median {_times(_setup.median(ratios))}, range {_times(ratios[0])}-"
            f"{_times(ratios[-1])})"
        )
        for name, problem in left_out.items():
            print(f"      left out of the {engine} total: {name}: {problem}")


def _times(ratio: float) -> str:
    """A baseline's time over DuckDB's: '12x', '2.4x', '0.05x' (below 1: DuckDB was slower)."""
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def _flat_columns(table: str) -> dict[str, str]:
    from crossroads.analytics.schema import TABLES

    return dict(TABLES[table].columns)


def _sqlite_copy(engine: Any, path: Path, filters: Any, portable: Any) -> sqlite3.Connection:
    from crossroads.analytics import metrics
    from crossroads.analytics.schema import TABLES

    lite = sqlite3.connect(path, isolation_level=None)
    lite.execute("PRAGMA journal_mode = OFF")
    lite.execute("PRAGMA synchronous = OFF")
    lite.execute("PRAGMA cache_size = -1048576")  # 1 GiB, for the load and the queries
    lite.execute("PRAGMA temp_store = MEMORY")
    for table in TABLES:
        columns = _flat_columns(table)
        lite.execute(
            f"CREATE TABLE {table} ("
            + ", ".join(f"{c} {SQLITE_TYPES.get(t, t)}" for c, t in columns.items())
            + ")"
        )
        select = ", ".join(_as_sqlite_text(c, t) for c, t in columns.items())
        cursor = engine.duck.execute(f"SELECT {select} FROM {table}")
        marks = ", ".join("?" * len(columns))
        lite.execute("BEGIN")
        while rows := cursor.fetchmany(CHUNK):
            lite.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        lite.execute("COMMIT")
        for n, columns_of_index in enumerate(BASELINE_INDEXES.get(table, [])):
            lite.execute(f"CREATE INDEX {table}_{n} ON {table} ({', '.join(columns_of_index)})")
    lite.execute("CREATE TABLE periods (day TEXT PRIMARY KEY, period TEXT)")
    lite.executemany(
        "INSERT INTO periods VALUES (?, ?)",
        [(r["day"].isoformat(), r["period"].isoformat()) for r in metrics.period_rows(filters)],
    )
    lite.execute("ANALYZE")
    portable.sqlite_functions(lite)
    return lite


def _as_sqlite_text(column: str, kind: str) -> str:
    """A snapshot column as portable.py says SQLite keeps it."""
    if kind == "TIMESTAMP":
        return f"strftime({column}, '%Y-%m-%d %H:%M:%S.%g')"
    if kind == "DATE":
        return f"CAST({column} AS VARCHAR)"
    if kind == "BOOLEAN":
        return f"CAST({column} AS INTEGER)"
    return column


def _postgres_copy(engine: Any, url: str, data_dir: Path, filters: Any) -> Any:
    import psycopg

    from crossroads.analytics import metrics
    from crossroads.analytics.schema import TABLES

    pg = psycopg.connect(url, autocommit=True)
    for table in TABLES:
        columns = _flat_columns(table)
        pg.execute(
            f"CREATE TABLE {table} ("
            + ", ".join(f"{c} {POSTGRES_TYPES.get(t, t)}" for c, t in columns.items())
            + ")"
        )
        csv = data_dir / f"{table}.csv"
        engine.duck.execute(f"COPY (SELECT * FROM {table}) TO '{csv}' (FORMAT csv, HEADER false)")
        with (
            pg.cursor() as cursor,
            cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy,
            csv.open("rb") as source,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
        csv.unlink()
        for n, columns_of_index in enumerate(BASELINE_INDEXES.get(table, [])):
            pg.execute(f"CREATE INDEX {table}_{n} ON {table} ({', '.join(columns_of_index)})")
    pg.execute("CREATE TABLE periods (day DATE PRIMARY KEY, period DATE)")
    with pg.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO periods VALUES (%s, %s)",
            [(r["day"], r["period"]) for r in metrics.period_rows(filters)],
        )
    pg.execute("VACUUM ANALYZE")
    # The server keeps its default configuration; a query gets the memory an analyst would
    # give it for sorts and hashes.
    pg.execute("SET work_mem = '256MB'")
    return pg


def _run_sqlite(
    lite: sqlite3.Connection,
    sql: str,
    values: dict[str, Any],
    timeout: float,
    portable: Any,
) -> Outcome:
    try:
        text = portable.to_sqlite(sql)
    except portable.UnportableSQL as error:
        return Outcome(problem=f"does not transpile ({error})")
    deadline = time.perf_counter() + timeout
    lite.set_progress_handler(lambda: int(time.perf_counter() > deadline), 100_000)
    start = time.perf_counter()
    try:
        rows = lite.execute(text, portable.sqlite_parameters(values)).fetchall()
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            return Outcome(problem=f">{timeout:.0f} s (timed out)")
        return Outcome(problem=f"failed ({str(error)[:120]})")
    finally:
        lite.set_progress_handler(None, 0)
    return Outcome(time.perf_counter() - start, rows=[_normal(r) for r in rows])


def _run_postgres(
    pg: Any, sql: str, values: dict[str, Any], timeout: float, portable: Any
) -> Outcome:
    import psycopg

    try:
        text = portable.to_postgres(sql)
    except portable.UnportableSQL as error:
        return Outcome(problem=f"does not transpile ({error})")
    pg.execute(f"SET statement_timeout = '{int(timeout * 1000)}ms'")
    start = time.perf_counter()
    try:
        # Client-side binding: a NULL $program then needs no type for `$program IS NULL`.
        with psycopg.ClientCursor(pg) as cursor:
            rows = cursor.execute(text, values).fetchall()
    except psycopg.errors.QueryCanceled:
        return Outcome(problem=f">{timeout:.0f} s (timed out)")
    except psycopg.Error as error:
        return Outcome(problem=f"failed ({str(error).splitlines()[0][:120]})")
    finally:
        pg.execute("SET statement_timeout = 0")
    return Outcome(time.perf_counter() - start, rows=[_normal(r) for r in rows])


def _normal(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row as comparable across engines: dates as ISO text, numbers rounded, booleans 0/1."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, bool):
            out.append(int(value))
        elif isinstance(value, datetime | date):
            out.append(value.isoformat()[:10] if isinstance(value, date) else value.isoformat())
        elif isinstance(value, float | Decimal):
            out.append(float(value))
        else:
            out.append(value)
    return tuple(out)


if __name__ == "__main__":
    main()
