"""Alder County: a deterministic, synthetic county for the demo and the tests.

Everything is made through the same actions a real agency would use, so the demo exercises the
real write path and its audit trail. Later capabilities extend `build_county` with their data.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from crossroads.core import actions
from crossroads.core.actions import Flow
from crossroads.core.models import Agency, DataCategory, ImportBatch, User
from crossroads.demo import (
    casework,
    certifications,
    courses,
    directory,
    history,
    parameters,
    rosters,
)
from crossroads.demo.alder import FIRST_NAMES, LAST_NAMES
from crossroads.demo.calls import seed_calls
from crossroads.encounters import actions as encounter_actions
from crossroads.training import actions as training_actions
from crossroads.training.curricula import CIT
from crossroads.training.models import Certification

DEMO_PASSWORD = "alder-county-demo-2026"  # noqa: S105  (synthetic demo accounts)  # nosec B105
DEFAULT_SEED = 2026
HISTORY_DAYS = 730  # two years of police calls before the live month
LIVE_DAYS = 30  # the month of calls taken through the live intake
POLICE = ("rpd", "acso")  # the agencies whose past calls are imported (history.AREAS)

AGENCIES = [
    # key, name, short name, type, Part 2 program
    ("rpd", "Riverton Police Department", "Riverton PD", Agency.Type.POLICE, False),
    ("acso", "Alder County Sheriff's Office", "Alder SO", Agency.Type.SHERIFF, False),
    ("e911", "Alder County 911 Communications", "Alder 911", Agency.Type.DISPATCH_911, False),
    ("acbh", "Alder County Behavioral Health", "ACBH", Agency.Type.BH_PROVIDER, False),
    ("csu", "Alder Crisis Stabilization Unit", "Alder CSU", Agency.Type.CRISIS_FACILITY, False),
    ("harbor", "Harbor Recovery Center", "Harbor", Agency.Type.SUD_TREATMENT, True),
    (
        "northside",
        "Northside Opioid Treatment Program",
        "Northside OTP",
        Agency.Type.SUD_TREATMENT,
        True,
    ),
    ("arc", "Alder Recovery Community", "Alder RCO", Agency.Type.COMMUNITY_ORG, False),
    (
        "pros",
        "Alder County Prosecuting Attorney",
        "Alder Prosecutor",
        Agency.Type.PROSECUTOR,
        False,
    ),
]

# One demo sign-in per role: username, agency, roles.
DEMO_SIGN_INS = [
    ("dispatcher", "e911", ["dispatcher"]),
    ("officer", "rpd", ["officer"]),
    ("cit.coordinator", "rpd", ["cit_coordinator", "officer"]),
    ("clinician", "acbh", ["clinician"]),
    ("case.manager", "acbh", ["case_manager"]),
    ("peer", "arc", ["peer"]),
    ("intake", "harbor", ["provider_intake"]),
    ("program.manager", "rpd", ["program_manager"]),
    ("analyst", "acbh", ["analyst"]),
    ("admin", "rpd", ["agency_admin"]),
    ("auditor", "rpd", ["auditor"]),
    ("directory", "acbh", ["directory_maintainer"]),
    ("prosecutor", "pros", ["prosecutor"]),
]

# More staff so that later capabilities (shifts, caseloads) have people to work with.
EXTRA_STAFF = {
    "rpd": ("officer", 18),
    "acso": ("officer", 8),
    "acbh": ("clinician", 4),
    "e911": ("dispatcher", 4),
    "arc": ("peer", 4),
    "northside": ("provider_intake", 2),
    "csu": ("provider_intake", 2),
}
# The rest of the sworn patrol (about 220 in all), rostered but never signed in as: their
# accounts have no password, which also keeps the build from hashing 190 of them.
ROSTERED_OFFICERS = {"rpd": 130, "acso": 62}


@dataclass
class County:
    agencies: dict[str, Agency] = field(default_factory=dict)
    sign_ins: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    calls: int = 0  # taken through the live intake in the last month
    officers: dict[str, list[User]] = field(default_factory=dict)  # patrol, by police agency
    certifications: list[Certification] = field(default_factory=list)
    imports: list[ImportBatch] = field(default_factory=list)  # the police history, one per agency
    casework: casework.Casework | None = None  # referrals, consents and program cases
    rosters: rosters.Rosters | None = None  # patrol squads and who works in them
    training: courses.Calendar | None = None  # the course just ended, the sessions ahead


def build_county(
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] = lambda _: None,
    *,
    calls_per_day: int = 24,
    until: datetime | None = None,
    history_days: int = HISTORY_DAYS,
) -> County:
    """Build the county; calls are received before `until` (now by default): `history_days` of
    police calls imported in bulk, then the last month through the live intake."""
    rng = random.Random(seed)  # reproducible synthetic names, not security  # nosec B311
    until = until or timezone.now()
    county = County()
    with transaction.atomic():
        progress("agencies")
        for key, name, short, kind, part2 in AGENCIES:
            county.agencies[key] = actions.agency_create(
                by=None,
                name=f"{name} (synthetic)",
                short_name=short,
                type=kind,
                jurisdiction="Alder County (fictional)",
                part2_program=part2,
                is_synthetic=True,
            )
        progress("partnerships")
        _partnerships(county.agencies)
        progress("staff accounts")
        for username, key, roles in DEMO_SIGN_INS:
            county.sign_ins.append(_staff(county.agencies[key], username, roles, rng))
        administered = {key for _, key, roles in DEMO_SIGN_INS if "agency_admin" in roles}
        for key in [k for k in county.agencies if k not in administered]:
            county.staff.append(_staff(county.agencies[key], f"admin.{key}", ["agency_admin"], rng))
        for key, (role, count) in EXTRA_STAFF.items():
            for n in range(1, count + 1):
                county.staff.append(
                    _staff(county.agencies[key], f"{role}.{key}.{n:02d}", [role], rng)
                )
        for key, count in ROSTERED_OFFICERS.items():
            for n in range(1, count + 1):
                username = f"patrol.{key}.{n:03d}"
                county.staff.append(
                    _staff(county.agencies[key], username, ["officer"], rng, password=None)
                )
        everyone = [*county.sign_ins, *county.staff]
        for key in POLICE:
            agency = county.agencies[key]
            county.officers[key] = sorted(
                (u for u in everyone if u.agency == agency and "officer" in u.role_codes),
                key=lambda u: u.username,
            )
        history_starts = until - timedelta(days=LIVE_DAYS + history_days)
        progress("CIT certifications")
        plans = _certify(county, seed, history_starts=history_starts, until=until)
        progress("patrol rosters")
        today = _local_date(county.agencies["rpd"], until)
        county.rosters = rosters.load(
            county.agencies,
            county.officers,
            certified={
                officer
                for plan in plans.values()
                for officer, held in plan.items()
                if certifications.certified_on(held, today)
            },
            seed=seed,
            starts_on=_local_date(county.agencies["rpd"], history_starts),
        )
        if history_days:
            progress(f"{history_days} days of police calls (bulk import)")
            for key in POLICE:
                county.imports.append(
                    _import_history(
                        county,
                        key,
                        plans[key],
                        seed,
                        start=history_starts,
                        end=until - timedelta(days=LIVE_DAYS),
                    )
                )
        progress("a month of calls")
        dispatchers = [
            u
            for u in everyone
            if "dispatcher" in u.role_codes and u.agency == county.agencies["e911"]
        ]
        county.calls = seed_calls(
            dispatchers, rng, until=until, days=LIVE_DAYS, per_day=calls_per_day
        )
        names = {key: name for key, name, *_ in AGENCIES}
        directory.load(county, names, seed=seed, now=until, progress=progress)
        county.casework = casework.load(county, seed=seed, now=until, progress=progress)
        progress("cost and response-time parameters")
        parameters.load(county.agencies)
        progress("training calendar")
        county.training = courses.load(
            county.agencies, [*county.sign_ins, *county.staff], seed=seed, now=until
        )
    return county


def _local_date(agency: Agency, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(agency.time_zone)).date()


def _certify(
    county: County, seed: int, *, history_starts: datetime, until: datetime
) -> dict[str, dict[User, list[certifications.Interval]]]:
    """CIT certifications for each police agency's officers, recorded through the action."""
    plans = {}
    for key, officers in county.officers.items():
        agency = county.agencies[key]
        rng = random.Random(f"{seed}/{key}/cit")  # nosec B311
        plans[key] = plan = certifications.plan_cit(
            officers,
            rng,
            history_starts=_local_date(agency, history_starts),
            today=_local_date(agency, until),
            certified=[u for u in officers if "cit_coordinator" in u.role_codes],
        )
        for officer in officers:
            for issued, expires in plan.get(officer, []):
                county.certifications.append(
                    training_actions.certification_record(
                        by=None, officer=officer, course=CIT, issued_on=issued, expires_on=expires
                    )
                )
    return plans


def _import_history(
    county: County,
    key: str,
    plan: dict[User, list[certifications.Interval]],
    seed: int,
    *,
    start: datetime,
    end: datetime,
) -> ImportBatch:
    """One agency's past calls, generated and written through the bulk import path."""
    agency = county.agencies[key]
    area = history.AREAS[key]
    officers = county.officers[key]
    roster = history.roster([u.pk for u in officers], {u.pk: plan.get(u, []) for u in officers})
    parameters = {
        "generator": "crossroads.demo.history",
        "seed": seed,
        "agency": key,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "calls_per_day": area.calls_per_day,
        "officers": [u.username for u in officers],
    }
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
    rng = random.Random(f"{seed}/{key}/history")  # nosec B311
    return encounter_actions.calls_import(
        by=None,
        agency=agency,
        records=history.police_history(
            area,
            roster,
            rng,
            start=start,
            end=end,
            time_zone=agency.time_zone,
            # Who each encounter is with: the records system's person numbers (subjects.py).
            people=random.Random(f"{seed}/{key}/people"),  # nosec B311
        ),
        source=encounter_actions.ImportSource(
            file_name="demo generator", sha256=digest, mapping="demo"
        ),
    )


def _staff(
    agency: Agency,
    username: str,
    roles: list[str],
    rng: random.Random,
    *,
    password: str | None = DEMO_PASSWORD,
) -> User:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return actions.user_create(
        by=None,
        agency=agency,
        username=username,
        email=f"{username}@alder.example",
        first_name=first,
        last_name=last,
        password=password,
        roles=roles,
    )


def _partnerships(a: dict[str, Agency]) -> None:
    c = DataCategory
    mous: list[tuple[str, list[str], list[tuple[str, str, str]], date, date | None]] = [
        (
            "Co-Responder Program MOU",
            ["rpd", "acso", "e911", "acbh"],
            [
                ("rpd", "acbh", c.CALLS_AND_ENCOUNTERS),
                ("acso", "acbh", c.CALLS_AND_ENCOUNTERS),
                ("e911", "acbh", c.CALLS_AND_ENCOUNTERS),
                ("rpd", "acbh", c.REFERRALS),
                ("acbh", "rpd", c.REFERRAL_STATUS),
                ("acbh", "acso", c.REFERRAL_STATUS),
                ("acbh", "rpd", c.PROGRAM_PARTICIPATION),
            ],
            date(2024, 1, 1),
            None,
        ),
        (
            "911 Behavioral-Health Triage Protocol",
            ["e911", "rpd", "acso"],
            [
                ("e911", "rpd", c.CALLS_AND_ENCOUNTERS),
                ("e911", "acso", c.CALLS_AND_ENCOUNTERS),
                ("rpd", "e911", c.TRAINING_RECORDS),
                ("acso", "e911", c.TRAINING_RECORDS),
            ],
            date(2024, 3, 1),
            None,
        ),
        (
            "Crisis Stabilization Drop-off Agreement",
            ["rpd", "acso", "csu"],
            [
                ("rpd", "csu", c.CALLS_AND_ENCOUNTERS),
                ("acso", "csu", c.CALLS_AND_ENCOUNTERS),
                ("csu", "rpd", c.REFERRAL_STATUS),
                ("csu", "acso", c.REFERRAL_STATUS),
            ],
            date(2024, 6, 1),
            None,
        ),
        (
            "Treatment Referral Network",
            ["rpd", "acbh", "harbor", "northside", "arc"],
            [
                ("rpd", "harbor", c.REFERRALS),
                ("rpd", "northside", c.REFERRALS),
                ("acbh", "harbor", c.REFERRALS),
                ("acbh", "northside", c.REFERRALS),
                ("harbor", "rpd", c.REFERRAL_STATUS),
                ("northside", "rpd", c.REFERRAL_STATUS),
                ("rpd", "arc", c.REFERRALS),
                ("arc", "rpd", c.REFERRAL_STATUS),
            ],
            date(2024, 9, 1),
            None,
        ),
        (
            "Diversion Programs MOU (LEAD, Angel, QRT)",
            ["rpd", "acbh", "arc", "pros"],
            [
                ("acbh", "pros", c.PROGRAM_PARTICIPATION),
                ("arc", "rpd", c.PROGRAM_PARTICIPATION),
                ("rpd", "arc", c.REFERRALS),
            ],
            date(2025, 1, 1),
            None,
        ),
        (
            "Overdose Response Pilot (ended)",
            ["rpd", "arc"],
            [("rpd", "arc", c.OVERDOSE_EVENTS)],
            date(2023, 7, 1),
            date(2025, 6, 30),
        ),
    ]
    for number, (name, parties, flows, starts, ends) in enumerate(mous, start=1):
        actions.partnership_create(
            by=None,
            name=name,
            parties=[a[k] for k in parties],
            flows=[Flow(a[src], a[dst], cat) for src, dst, cat in flows],
            starts_on=starts,
            ends_on=ends,
            document_reference=f"ALDER-MOU-{number:03d}",
        )
