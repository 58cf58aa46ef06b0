"""From the `raw_*` tables read out of the database to the snapshot's tables (schema.py), in
DuckDB: local days and months, pseudonyms, and the row-local facts each metric needs.

Everything here is row-local or within one record (a call and its units, a case and its events):
what crosses records (a person's next encounter) is left to the metrics, so a partition can be
rewritten alone.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from crossroads.analytics.schema import TABLES

# Triage responses that send a clinician (the rule books' codes).
CLINICIAN_RESPONSES = ("co_responder", "mobile_crisis")
# ... whether chosen first or sent alongside (a JSON list of codes).
SENT_ALONGSIDE = '"(' + "|".join(CLINICIAN_RESPONSES) + ')"'
# QRT: the status a case reaches when the person accepts help.
ACCEPTED_STATUS = "accepted"
CONTACTED_STATUS = "contacted"

MACROS = """
CREATE OR REPLACE MACRO instant(text) AS CAST(text AS TIMESTAMP);
CREATE OR REPLACE MACRO local_day(ts, tz) AS CAST(timezone(tz, ts AT TIME ZONE 'UTC') AS DATE);
CREATE OR REPLACE MACRO month_of(day) AS strftime(day, '%Y-%m');
"""

_DERIVE: dict[str, str] = {
    "calls": f"""
        WITH c AS (
          SELECT r.*, a.agency, local_day(instant(r.received_at), a.time_zone) AS day
          FROM raw_calls r JOIN agency_dim a ON a.agency_id = r.agency_id
        ), units AS (
          SELECT call_id, bool_or(cit_certified = 1) AS cit FROM raw_call_units GROUP BY call_id
        )
        SELECT c.id AS call_id, c.agency, month_of(c.day) AS month, c.day AS local_date,
          coalesce(c.precinct, '') AS area,
          instant(c.received_at) AS received_at, instant(c.dispatched_at) AS dispatched_at,
          instant(c.arrived_at) AS arrived_at, instant(c.cleared_at) AS cleared_at,
          c.behavioural_health = 1 AS behavioural_health,
          c.initial_call_type, c.final_call_type, c.source, c.response, c.status,
          coalesce(units.cit, false) AS cit_unit,
          coalesce(c.response IN {CLINICIAN_RESPONSES}, false)
            OR regexp_matches(coalesce(c.also_sent, ''), '{SENT_ALONGSIDE}') AS clinician
        FROM c LEFT JOIN units ON units.call_id = c.id
    """,
    "encounters": """
        WITH e AS (
          SELECT r.*, a.agency, local_day(instant(r.occurred_at), a.time_zone) AS day,
            CAST(people.date_of_birth AS DATE) AS born
          FROM raw_encounters r JOIN agency_dim a ON a.agency_id = r.agency_id
          LEFT JOIN raw_people people ON people.id = r.person_id
        )
        SELECT e.id AS encounter_id, e.agency, month_of(e.day) AS month, e.day AS local_date,
          coalesce(e.area, '') AS area, instant(e.occurred_at) AS occurred_at, e.call_id,
          pk.person_key,
          year(e.day) - year(e.born)
            - CASE WHEN strftime(e.day, '%m%d') < strftime(e.born, '%m%d') THEN 1 ELSE 0 END
            AS age,
          ok.officer_key, e.officer_cit_certified = 1 AS officer_cit,
          e.disposition, e.highest_force, e.weapon_present = 1 AS weapon_present,
          e.subject_injured = 1 AS subject_injured, e.officer_injured = 1 AS officer_injured,
          e.minutes_on_scene, e.custody_transfer_minutes
        FROM e
        LEFT JOIN person_keys pk ON pk.id = e.person_id
        LEFT JOIN officer_keys ok ON ok.id = e.officer_id
    """,
    "referrals": """
        WITH r AS (
          SELECT r.*, a.agency, local_day(instant(r.created_at), a.time_zone) AS day
          FROM raw_referrals r JOIN agency_dim a ON a.agency_id = r.agency_id
        ), answers AS (
          SELECT referral_id,
            min(instant("at")) FILTER (WHERE status IN ('accepted', 'declined')) AS responded_at,
            bool_or(status = 'accepted') AS accepted
          FROM raw_referral_events GROUP BY referral_id
        )
        SELECT r.id AS referral_id, r.agency, month_of(r.day) AS month, r.day AS local_date,
          coalesce(r.area, '') AS area, receiver.agency AS receiving_agency, pk.person_key,
          r.source, r.encounter_id, r.case_id, r.program, r.need, r.urgency, r.handoff, r.status,
          instant(r.created_at) AS created_at, instant(r.sent_at) AS sent_at,
          instant(r.acknowledge_by) AS acknowledge_by,
          instant(r.acknowledged_at) AS acknowledged_at,
          answers.responded_at, coalesce(answers.accepted, false) AS accepted,
          instant(r.first_service_at) AS first_service_at
        FROM r
        LEFT JOIN agency_dim receiver ON receiver.agency_id = r.receiving_agency_id
        LEFT JOIN person_keys pk ON pk.id = r.person_id
        LEFT JOIN answers ON answers.referral_id = r.id
    """,
    # Every service a provider recorded: partitioned with its referral (the referral's month), so
    # a referral's partition is rewritten with its services.
    "services": """
        SELECT r.id AS referral_id, a.agency,
          month_of(local_day(instant(r.created_at), a.time_zone)) AS month,
          local_day(instant(ev."at"), a.time_zone) AS local_date, coalesce(r.area, '') AS area,
          pk.person_key, instant(ev."at") AS served_at
        FROM raw_referral_events ev
        JOIN raw_referrals r ON r.id = ev.referral_id
        JOIN agency_dim a ON a.agency_id = r.agency_id
        LEFT JOIN person_keys pk ON pk.id = r.person_id
        WHERE ev.status = 'first_service'
    """,
    "cases": f"""
        WITH k AS (
          SELECT r.*, a.agency, p.program, p.type AS program_type,
            local_day(instant(r.opened_at), a.time_zone) AS day
          FROM raw_cases r
          JOIN agency_dim a ON a.agency_id = r.agency_id
          JOIN program_dim p ON p.program_id = r.program_id
        ), moves AS (
          SELECT ev.case_id, ev.value AS status, min(instant(ev."at")) AS first_at
          FROM raw_case_events ev WHERE ev.kind = 'status' GROUP BY ev.case_id, ev.value
        ), facts AS (
          SELECT k.id,
            bool_or(m.meaning = 'eligible') AS went_eligible,
            bool_or(m.meaning = 'ineligible') AS went_ineligible,
            min(moves.first_at) FILTER (WHERE m.meaning = 'intake') AS intake_at,
            min(moves.first_at) FILTER (WHERE moves.status = '{CONTACTED_STATUS}')
              AS contacted_status_at,
            bool_or(moves.status = '{ACCEPTED_STATUS}') AS accepted
          FROM k JOIN moves ON moves.case_id = k.id
          LEFT JOIN status_meaning m ON m.type = k.program_type AND m.status = moves.status
          GROUP BY k.id
        ), reached AS (
          SELECT case_id, min(instant("at")) AS first_at FROM raw_contacts WHERE reached = 1
          GROUP BY case_id
        )
        SELECT k.id AS case_id, k.agency, month_of(k.day) AS month, k.day AS local_date,
          coalesce(k.area, '') AS area, k.program, k.program_type, pk.person_key, k.entry_path,
          referrer.agency AS referred_by_agency, k.encounter_id, k.status,
          instant(k.opened_at) AS opened_at,
          CASE WHEN k.program_type NOT IN (
                   SELECT type FROM status_meaning WHERE meaning = 'eligible')
                 THEN true
               WHEN facts.went_eligible THEN true
               WHEN facts.went_ineligible THEN false END AS eligible,
          instant(k.intake_deadline_at) AS intake_deadline_at, facts.intake_at, k.charge_status,
          nullif(k.placement_type, '') AS placement_type, instant(k.placed_at) AS placed_at,
          least(reached.first_at, facts.contacted_status_at) AS contacted_at,
          coalesce(facts.accepted, false) AS accepted,
          instant(k.closed_at) AS closed_at
        FROM k
        LEFT JOIN facts ON facts.id = k.id
        LEFT JOIN reached ON reached.case_id = k.id
        LEFT JOIN agency_dim referrer ON referrer.agency_id = k.referred_by_agency_id
        LEFT JOIN person_keys pk ON pk.id = k.person_id
    """,
}


def prepare(duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute("SET TimeZone = 'UTC'")
    duck.execute(MACROS)


def register(
    duck: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict[str, str],
    rows: list[dict[str, object]],
) -> None:
    """A lookup table made in Python (agencies, programs, pseudonyms), as a DuckDB table."""
    duck.execute(
        f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})"
    )
    if rows:
        duck.register("lookup_rows", pa.Table.from_pylist(rows))
        duck.execute(f"INSERT INTO {name} SELECT {', '.join(columns)} FROM lookup_rows")
        duck.unregister("lookup_rows")


def derived(duck: duckdb.DuckDBPyConnection, table: str) -> None:
    """Make `snap_<table>` from the raw tables, cast to the snapshot's schema."""
    duck.execute(
        f"CREATE OR REPLACE TABLE snap_{table} AS "
        f"SELECT {TABLES[table].select_list()} FROM ({_DERIVE[table]})"
    )
