"""The analytics snapshot's tables and columns: the one contract between the refresh that writes
them and the metric SQL that reads them (docs/analytics.md lists them with their meaning).

Persons and officers appear only as keyed pseudonyms (`person_key`, `officer_key`, BIGINT); no
name, date of birth, narrative or note is ever copied. Instants are naive UTC (TIMESTAMP);
`local_date` and the `month` partition are the agency's own calendar day and month of the row's
event, so "per month" means the agency's month whatever the engine's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 3  # 3: shifts in one file


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, str]  # column -> DuckDB type, in file order
    partitioned: bool  # by agency and month (hive directories); else one file
    key: str | None = None  # the row's own id, for incremental rewrites

    def select_list(self) -> str:
        """The columns cast to their types, in order: what every writer selects last."""
        return ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in self.columns.items())


EVENT = {"agency": "VARCHAR", "month": "VARCHAR", "local_date": "DATE", "area": "VARCHAR"}

TABLES: dict[str, Table] = {
    table.name: table
    for table in [
        Table(
            "calls",
            {
                "call_id": "VARCHAR",
                **EVENT,
                "received_at": "TIMESTAMP",
                "dispatched_at": "TIMESTAMP",
                "arrived_at": "TIMESTAMP",
                "cleared_at": "TIMESTAMP",
                "behavioural_health": "BOOLEAN",
                "initial_call_type": "VARCHAR",
                "final_call_type": "VARCHAR",
                "source": "VARCHAR",
                "response": "VARCHAR",  # the primary response chosen (triage rule book codes)
                "status": "VARCHAR",
                "cit_unit": "BOOLEAN",  # a CIT-certified officer was among the units sent
                "clinician": "BOOLEAN",  # a co-responder or mobile crisis team, first or alongside
            },
            partitioned=True,
            key="call_id",
        ),
        Table(
            "encounters",
            {
                "encounter_id": "VARCHAR",
                **EVENT,
                "occurred_at": "TIMESTAMP",
                "call_id": "VARCHAR",
                "person_key": "BIGINT",
                "age": "INTEGER",  # whole years on the day, when the date of birth is known
                "officer_key": "BIGINT",
                "officer_cit": "BOOLEAN",
                "disposition": "VARCHAR",
                "highest_force": "VARCHAR",
                "weapon_present": "BOOLEAN",
                "subject_injured": "BOOLEAN",
                "officer_injured": "BOOLEAN",
                "minutes_on_scene": "INTEGER",
                "custody_transfer_minutes": "INTEGER",
            },
            partitioned=True,
            key="encounter_id",
        ),
        Table(
            "referrals",
            {
                "referral_id": "VARCHAR",
                **EVENT,  # agency: the sender; local_date: the day it was started
                "receiving_agency": "VARCHAR",
                "person_key": "BIGINT",
                "source": "VARCHAR",
                "encounter_id": "VARCHAR",
                "case_id": "VARCHAR",
                "program": "VARCHAR",  # the case's program slug, when started from a case
                "need": "VARCHAR",
                "urgency": "VARCHAR",
                "handoff": "VARCHAR",
                "status": "VARCHAR",
                "created_at": "TIMESTAMP",
                "sent_at": "TIMESTAMP",
                "acknowledge_by": "TIMESTAMP",
                "acknowledged_at": "TIMESTAMP",
                "responded_at": "TIMESTAMP",  # accepted or declined
                "accepted": "BOOLEAN",
                "first_service_at": "TIMESTAMP",
            },
            partitioned=True,
            key="referral_id",
        ),
        Table(
            "services",
            {
                "referral_id": "VARCHAR",
                **EVENT,  # agency: the referral's sender; the day the service was given
                "person_key": "BIGINT",
                "served_at": "TIMESTAMP",
            },
            partitioned=True,
            key="referral_id",
        ),
        Table(
            "cases",
            {
                "case_id": "VARCHAR",
                **EVENT,  # agency: the program's; local_date: the day the case opened
                "program": "VARCHAR",
                "program_type": "VARCHAR",
                "person_key": "BIGINT",
                "entry_path": "VARCHAR",
                "referred_by_agency": "VARCHAR",
                "encounter_id": "VARCHAR",
                "status": "VARCHAR",
                "opened_at": "TIMESTAMP",
                "eligible": "BOOLEAN",  # NULL until decided (types with no checklist: TRUE)
                "intake_deadline_at": "TIMESTAMP",
                "intake_at": "TIMESTAMP",  # reached the type's intake status (LEAD: enrolled)
                "charge_status": "VARCHAR",
                "placement_type": "VARCHAR",
                "placed_at": "TIMESTAMP",
                "contacted_at": "TIMESTAMP",  # first contact that reached the person
                "accepted": "BOOLEAN",  # QRT: accepted help (reached `accepted`)
                "closed_at": "TIMESTAMP",
            },
            partitioned=True,
            key="case_id",
        ),
        Table(
            "shifts",
            {
                **EVENT,  # area: the precinct
                "shift": "VARCHAR",
                "on_duty": "INTEGER",
                "certified": "INTEGER",  # on duty and holding a CIT certification valid that day
            },
            # Rewritten whole by every refresh, so one file: removing its 350 partition
            # directories took two seconds of each incremental refresh (bench_analytics).
            partitioned=False,
        ),
        Table(
            "agencies",
            {
                "agency": "VARCHAR",
                "name": "VARCHAR",
                "type": "VARCHAR",
                "time_zone": "VARCHAR",
                "jail_day_cost": "DOUBLE",
                "jail_days_per_booking": "DOUBLE",
                "ed_visit_cost": "DOUBLE",
                "officer_hour_cost": "DOUBLE",
                "response_target_minutes": "INTEGER",
            },
            partitioned=False,
        ),
        Table(
            "programs",
            {"program": "VARCHAR", "agency": "VARCHAR", "type": "VARCHAR", "name": "VARCHAR"},
            partitioned=False,
        ),
        Table(
            "officers",
            {
                "officer_key": "BIGINT",
                "agency": "VARCHAR",
                "patrol": "BOOLEAN",  # holds the officer role now (who patrolled is not dated)
                "active_from": "DATE",
            },
            partitioned=False,
        ),
        Table(
            "certifications",
            {
                "officer_key": "BIGINT",
                "agency": "VARCHAR",
                "course": "VARCHAR",
                "issued_on": "DATE",
                "expires_on": "DATE",
            },
            partitioned=False,
        ),
    ]
}

PARTITIONED = [t for t in TABLES.values() if t.partitioned]
