"""The county's casework: people met by Riverton police, referred to treatment under consent,
and enrolled in the five programs, with the timings the programs report (issue 5).

Everything goes through the actions, at the times it would have happened. The mix is chosen so
every page has something to show: referrals in every status (two still unanswered past their
acknowledgement time; engaged people attending a further service or two), consents that hold,
expired and revoked ones, Angel walk-ins placed within hours (a few ineligible, one not placed),
LEAD intakes mostly within the deadline (two past it, one charge filed), QRT visits that take
several attempts, co-responder calls and CIT follow-ups with their 24-hour / 7-day / 30-day
contacts.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from crossroads.consent import actions as consent_actions
from crossroads.consent.models import Consent
from crossroads.core.models import Agency, User
from crossroads.demo.alder import FIRST_NAMES, LAST_NAMES
from crossroads.directory.models import SearchEntry, Service
from crossroads.encounters import actions as encounter_actions
from crossroads.encounters.models import Encounter
from crossroads.people.actions import flag_set, person_create
from crossroads.people.models import Person
from crossroads.programs import actions as program_actions
from crossroads.programs.models import Case, Program
from crossroads.referrals import actions as referral_actions
from crossroads.referrals.models import Referral

if TYPE_CHECKING:
    from crossroads.demo.county import County

PROGRAMS = [
    # agency key, type, name, slug
    ("acbh", "co_responder", "Alder Co-Responder Program", "alder-co-responder"),
    ("acbh", "cit_follow_up", "Riverton CIT Follow-up", "riverton-cit-follow-up"),
    ("acbh", "lead", "Alder County LEAD", "alder-lead"),
    ("arc", "angel", "Riverton Angel Initiative (PAARI)", "riverton-angel"),
    ("arc", "qrt", "Alder Quick Response Team", "alder-qrt"),
]

# Where Riverton's officers refer people, and for what (county agency key, directory category).
REFERRAL_TARGETS = [
    ("harbor", "withdrawal-management"),
    ("harbor", "residential-sud"),
    ("northside", "moud"),
    ("acbh", "outpatient-mental-health"),
    ("csu", "crisis-stabilisation"),
]

# Where each referral ends, in order (the loop of referrals/workflow.py, with its timings).
REFERRAL_ENDINGS = (
    ["draft"] * 2
    + ["sent_overdue"] * 2
    + ["sent"] * 2
    + ["expired"] * 2
    + ["received"] * 2
    + ["accepted"] * 3
    + ["declined"] * 3
    + ["scheduled"] * 4
    + ["no_show"] * 2
    + ["first_service"] * 8
    + ["completed"] * 5
    + ["disengaged"] * 3
)
PATHS = {
    "draft": [],
    "sent_overdue": ["sent"],
    "sent": ["sent"],
    "expired": ["sent"],  # and then nobody answered: the sweep expires it
    "received": ["sent", "received"],
    "accepted": ["sent", "received", "accepted"],
    "declined": ["sent", "declined"],
    "scheduled": ["sent", "accepted", "scheduled"],
    "no_show": ["sent", "accepted", "scheduled", "no_show"],
    "first_service": ["sent", "accepted", "scheduled", "first_service"],
    "completed": ["sent", "accepted", "first_service", "completed"],
    "disengaged": ["sent", "accepted", "scheduled", "first_service", "disengaged"],
}
AGES_IN_DAYS = {  # (fewest, most) days since the referral was started, by its ending
    "draft": (0.01, 0.05),
    "sent": (0.01, 0.03),
    "sent_overdue": (0.3, 0.45),
    "expired": (16, 30),
    "scheduled": (1, 3),
    "no_show": (8, 12),
    "first_service": (8, 25),
    "completed": (40, 80),
    "disengaged": (40, 80),
}
SHARED_WITH_POLICE = ["referral_status", "appointments", "engagement", "completion"]
DECLINE_REASONS = [
    "No bed for this level of care this week; referred on to Northside.",
    "Needs medical clearance first; please send via the ED.",
    "Outside our service area.",
]


@dataclass
class Casework:
    people: list[Person] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    programs: dict[str, Program] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    consents: int = 0


@dataclass
class _Cast:
    """Who does the casework: the demo sign-ins first, so their pages have work on them."""

    officers: list[User]
    intake: dict[str, User]  # provider key -> its intake worker
    case_manager: User
    clinician: User
    peer: User
    prosecutor: User


def load(
    county: County,
    *,
    seed: int,
    now: datetime,
    progress: Callable[[str], None],
) -> Casework:
    agencies = county.agencies
    cast = _cast(county, agencies)
    rng = random.Random(f"{seed}/casework")  # reproducible synthetic data  # nosec B311
    work = Casework()
    progress("programs: co-responder, CIT follow-up, LEAD, Angel, QRT")
    for key, kind, name, slug in PROGRAMS:
        work.programs[kind] = program_actions.program_create(
            by=None,
            agency=agencies[key],
            type=kind,
            name=name,
            slug=slug,
            at=now - timedelta(days=400),
        )
    progress(f"{len(REFERRAL_ENDINGS)} referrals, most under consent")
    # The services after the first draw from a stream of their own: the rest of the county
    # stays as it was without them.
    visits = _Visits(random.Random(f"{seed}/further-services"), now)  # nosec B311
    _referrals(work, cast, agencies, rng, visits)
    progress("program cases")
    _angel(work, cast, rng, now)
    _lead(work, cast, rng, now)
    _qrt(work, cast, rng, now)
    _co_responder(work, cast, rng, now)
    _cit_follow_up(work, cast, rng, now)
    referral_actions.referral_acknowledgements_check(now=now)
    referral_actions.referrals_expire(now=now)
    program_actions.lead_deadlines_check(now=now)
    return work


def _cast(county: County, agencies: dict[str, Agency]) -> _Cast:
    sign_ins = {user.username: user for user in county.sign_ins}
    staff = [*county.sign_ins, *county.staff]
    officers = county.officers["rpd"]

    def answering(key: str) -> User:
        """Who answers a provider's referrals: its intake worker, else a case manager."""
        at_agency = [u for u in staff if u.agency_id == agencies[key].pk]
        for role in ("provider_intake", "case_manager"):
            if chosen := next((u for u in at_agency if role in u.role_codes), None):
                return chosen
        raise LookupError(f"nobody at {key} answers referrals")

    return _Cast(
        officers=[sign_ins["officer"], *[o for o in officers if o.username != "officer"]],
        intake={key: answering(key) for key, _need in REFERRAL_TARGETS},
        case_manager=sign_ins["case.manager"],
        clinician=sign_ins["clinician"],
        peer=sign_ins["peer"],
        prosecutor=sign_ins["prosecutor"],
    )


# --- People met by police, and their referrals ----------------------------------------------------


@dataclass(frozen=True)
class _Met:
    """A person a Riverton officer met, and the encounter."""

    officer: User
    person: Person
    encounter: Encounter


def _met(cast: _Cast, rng: random.Random, at: datetime, disposition: str) -> _Met:
    officer = rng.choice(cast.officers[:8])
    person = person_create(
        by=officer,
        given_name=rng.choice(FIRST_NAMES),
        family_name=rng.choice(LAST_NAMES),
        date_of_birth=date(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28)),
    )
    encounter = encounter_actions.encounter_submit(
        by=officer,
        client_key=uuid.UUID(int=rng.getrandbits(128)),
        occurred_at=at,
        disposition=disposition,
        person=person,
        minutes_on_scene=rng.randint(20, 90),
        transport_destination="Alder General ED" if disposition in Encounter.TRANSPORTS else "",
    )
    return _Met(officer, person, encounter)


def _referrals(
    work: Casework, cast: _Cast, agencies: dict[str, Agency], rng: random.Random, visits: _Visits
) -> None:
    for number, ending in enumerate(REFERRAL_ENDINGS):
        key, need = REFERRAL_TARGETS[number % len(REFERRAL_TARGETS)]
        started = visits.now - _age(ending, rng)
        met = _met(cast, rng, started - timedelta(minutes=40), "referred_no_transport")
        officer, person = met.officer, met.person
        work.people.append(person)
        referral = referral_actions.referral_start(
            by=officer,
            service=_service(agencies[key], need),
            site=None,
            encounter=met.encounter,
            need=need,
            at=started,
            urgency=rng.choice(["now", "today", "today", "routine"]),
        )
        consent = _consent(work, officer, person, agencies[key], rng, started)
        if consent is not None:
            referral = referral_actions.referral_update(
                by=officer,
                referral=referral,
                urgency=referral.urgency,
                handoff=referral.handoff,
                note="Ready to go today; has a phone.",
                consent=consent,
                expected_version=referral.version,
            )
        work.referrals.append(
            _walk(referral, PATHS[ending], officer, cast.intake[key], rng, started, visits)
        )


def _age(ending: str, rng: random.Random) -> timedelta:
    """How long ago a referral with this ending was started: closed loops weeks ago, open ones
    recently, unanswered ones minutes ago (waiting), hours ago (past the acknowledgement time)
    or weeks ago (expired by the sweep)."""
    low, high = AGES_IN_DAYS.get(ending, (2, 12))
    return timedelta(days=rng.uniform(low, high))


def _service(provider: Agency, need: str) -> Service:
    """The provider's listing for this need (as the search index files it), else its first."""
    listings = Service.objects.filter(organization__agency=provider).order_by("name")
    for_need = SearchEntry.objects.filter(
        service__in=listings, categories__contains=f"|{need}|"
    ).values("service")
    return listings.filter(pk__in=for_need).first() or listings.earliest("name")


def _consent(
    work: Casework,
    officer: User,
    person: Person,
    provider: Agency,
    rng: random.Random,
    at: datetime,
) -> Consent | None:
    """Most people sign, on scene, a consent for the provider to tell the police how the
    referral goes; a few decline; a few consents have since expired or been revoked."""
    roll = rng.random()
    if roll < 0.2:
        return None
    signed_at = at - timedelta(minutes=5)
    expired = roll > 0.9
    consent = consent_actions.consent_record(
        by=officer,
        person=person,
        discloser=provider,
        information=SHARED_WITH_POLICE,
        recipients=[officer.agency],
        recipient_classes=[],
        purposes=["treatment"],
        right_to_revoke_acknowledged=True,
        expires_at=signed_at + (timedelta(days=14) if expired else timedelta(days=365)),
        expiry_event="",
        criminal_justice=False,
        irrevocable_until_event="",
        signature="typed",
        signed_by=f"{person.given_name} {person.family_name}",
        signed_at=signed_at,
    )
    work.consents += 1
    if 0.8 < roll <= 0.9:
        consent = consent_actions.consent_revoke(
            by=officer, consent=consent, note="Asked by phone to stop sharing.", expected_version=1
        )
    return consent


@dataclass(frozen=True)
class _Visits:
    """The services an engaged person attends after the first (what HEDIS engagement counts):
    none, one or two, each two to nine days after the one before, until the referral's next
    step or now."""

    rng: random.Random
    now: datetime
    planned: tuple[int, ...] = (0, 1, 2, 2)
    days_apart: tuple[float, float] = (2, 9)

    def record(self, referral: Referral, receiver: User, until: datetime) -> Referral:
        at = referral.first_service_at or self.now
        for _ in range(self.rng.choice(self.planned)):
            at += timedelta(days=self.rng.uniform(*self.days_apart))
            if at >= min(until, self.now):
                break
            referral = referral_actions.referral_move(
                by=receiver,
                referral=referral,
                to="first_service",
                note="Attended.",
                expected_version=referral.version,
                at=at,
            )
        return referral


def _walk(
    referral: Referral,
    path: list[str],
    sender: User,
    receiver: User,
    rng: random.Random,
    started: datetime,
    visits: _Visits,
) -> Referral:
    """Move a referral along `path` at the times each step takes; an engaged person attends
    further services before the next step (or now)."""
    at = started
    for step in path:
        at += _step_time(step, rng)
        if referral.status == "first_service":
            referral = visits.record(referral, receiver, until=at)
        by = sender if step == "sent" else receiver
        referral = referral_actions.referral_move(
            by=by,
            referral=referral,
            to=step,
            reason=rng.choice(DECLINE_REASONS) if step == "declined" else "",
            scheduled_for=at + timedelta(days=rng.randint(1, 4)) if step == "scheduled" else None,
            expected_version=referral.version,
            at=at,
        )
    if referral.status == "first_service":
        referral = visits.record(referral, receiver, until=visits.now)
    return referral


def _step_time(step: str, rng: random.Random) -> timedelta:
    minutes = {
        "sent": (5, 20),
        "received": (20, 180),
        "accepted": (30, 360),
        "declined": (30, 480),
        "scheduled": (60, 600),
        "first_service": (60 * 24, 60 * 24 * 4),
        "no_show": (60 * 24, 60 * 24 * 3),
        "completed": (60 * 24 * 21, 60 * 24 * 30),
        "disengaged": (60 * 24 * 7, 60 * 24 * 20),
    }[step]
    return timedelta(minutes=rng.uniform(*minutes))


# --- Program cases ----------------------------------------------------------------------------


def _moves(case: Case, by: User, steps: list[tuple[str, timedelta]], **extra: str) -> Case:
    """Move a case through `steps` (status, time after the previous step)."""
    at = case.opened_at
    for status, after in steps:
        at += after
        case = program_actions.case_move(
            by=by,
            case=case,
            to=status,
            expected_version=case.version,
            at=at,
            **(extra if status == "placed" else {}),
        )
    return case


def _angel(work: Casework, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """Walk-ins at the Riverton station: screened, and most placed within hours (Gloucester's
    first year placed 94.5% directly)."""
    program = work.programs["angel"]
    minutes = timedelta(minutes=1)
    for number in range(14):
        presented = now - timedelta(days=rng.uniform(2, 60))
        met = _met(cast, rng, presented, "resolved_on_scene")
        warrant = number in {3, 11}
        case = program_actions.case_open(
            by=met.officer,
            program=program,
            person=met.person,
            entry_path="walk_in",
            encounter=met.encounter,
            eligibility={
                "warrant": warrant,
                "officer_safety": False,
                "minor_without_guardian": False,
                "medical_cleared": True,
            },
            case_manager=cast.peer,
            at=presented,
        )
        if warrant:
            work.cases.append(_moves(case, cast.peer, [("ineligible", 15 * minutes)]))
            continue
        search = [("eligible", 10 * minutes), ("placement_search", 5 * minutes)]
        if number == 7:
            steps = [*search, ("not_placed", timedelta(hours=9)), ("follow_up", timedelta(days=1))]
            work.cases.append(_moves(case, cast.peer, steps))
            continue
        placed = ("placed", timedelta(hours=rng.uniform(1.5, 6)))
        steps = [*search, placed, ("follow_up", timedelta(days=1))]
        placement = rng.choice(["detox", "detox", "residential", "outpatient_mat"])
        work.cases.append(_moves(case, cast.peer, steps, placement_type=placement))


def _lead(work: Casework, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """Pre-booking diversions: the prosecutor signs off, intake mostly within the deadline."""
    program = work.programs["lead"]
    deadline = program.spec.intake_deadline_days or 30
    for number in range(12):
        late = number in {4, 9}  # still waiting for intake past the deadline
        opened = now - timedelta(days=deadline + rng.uniform(3, 20) if late else rng.uniform(5, 90))
        met = _met(cast, rng, opened, "pre_booking_diversion")
        case = program_actions.case_open(
            by=met.officer,
            program=program,
            person=met.person,
            entry_path="arrest_diversion" if number % 3 else "social_contact",
            encounter=met.encounter,
            eligibility={"eligible_offence": True, "violent_offence": False},
            case_manager=cast.case_manager,
            at=opened,
        )
        signed = opened + timedelta(hours=rng.uniform(4, 30))
        case = program_actions.case_answer_eligibility(
            by=cast.prosecutor, case=case, item="prosecutor_sign_off", answer=True, at=signed
        )
        steps = [("intake_pending", signed - opened + timedelta(hours=1))]
        if not late:
            intake = timedelta(days=rng.uniform(2, min(deadline - 2, 20)))
            steps += [("enrolled", intake), ("active", timedelta(days=1))]
        case = _moves(case, cast.case_manager, steps)
        if late and number == 9 and case.intake_deadline_at is not None:
            case = program_actions.case_charge_set(
                by=cast.prosecutor,
                case=case,
                charge_status="filed",
                note="No intake by the deadline; charge filed.",
                at=case.intake_deadline_at + timedelta(days=1),
            )
        if not late:
            _conference(case, cast, rng, now)
        work.cases.append(case)


def _conference(case: Case, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """The first case conference, two weeks in, for cases that have reached it."""
    held_at = case.opened_at + timedelta(days=rng.uniform(12, 15))
    if not case.events.latest("at").at <= held_at <= now:
        return
    program_actions.conference_record(
        by=cast.case_manager,
        case=case,
        held_at=held_at,
        attendees=[
            f"{cast.case_manager.display_name} (case manager)",
            "Riverton PD LEAD liaison",
            f"{cast.prosecutor.display_name} (prosecutor)",
            "Harbor Recovery Center outreach",
        ],
        decisions="Continue weekly contact; help with the ID application; next review in 14 days.",
    )


def _qrt(work: Casework, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """Post-overdose visits within days, often after more than one attempt."""
    program = work.programs["qrt"]
    day = timedelta(days=1)
    endings = [
        ["attempted", "contacted", "accepted", "referred", "engaged"],
        ["attempted", "attempted", "contacted", "accepted", "referred"],
        ["contacted", "declined"],
        ["attempted", "attempted"],
        ["contacted", "accepted", "referred", "engaged"],
    ]
    for number in range(10):
        overdose = now - timedelta(days=rng.uniform(8, 70))
        met = _met(cast, rng, overdose, "ems_transport")
        case = program_actions.case_open(
            by=met.officer,
            program=program,
            person=met.person,
            entry_path="overdose_report",
            encounter=met.encounter,
            case_manager=cast.peer,
            at=overdose + timedelta(hours=2),
        )
        steps = [(status, day * rng.uniform(0.5, 1.5)) for status in endings[number % 5]]
        work.cases.append(_moves(case, cast.peer, steps))


def _co_responder(work: Casework, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """Calls the clinician answered with officers, or by a remote consult."""
    program = work.programs["co_responder"]
    minutes = timedelta(minutes=1)
    for number in range(10):
        requested = now - timedelta(days=rng.uniform(2, 60))
        person = person_create(
            by=cast.clinician,
            given_name=rng.choice(FIRST_NAMES),
            family_name=rng.choice(LAST_NAMES),
        )
        case = program_actions.case_open(
            by=cast.clinician,
            program=program,
            person=person,
            entry_path="dispatch" if number % 2 else "officer_request",
            case_manager=cast.clinician,
            at=requested,
        )
        first = "consult" if number % 4 == 0 else "on_scene"
        steps = [(first, 20 * minutes), ("assessed", 40 * minutes), ("dispositioned", 30 * minutes)]
        steps.append(("follow_up" if number % 3 else "linked", timedelta(days=1)))
        if number % 3 == 1:
            steps.append(("linked", timedelta(days=rng.uniform(2, 9))))
        work.cases.append(_moves(case, cast.clinician, steps))


def _cit_follow_up(work: Casework, cast: _Cast, rng: random.Random, now: datetime) -> None:
    """Contacts 24 hours, 7 days and 30 days after a crisis encounter, some not reached."""
    program = work.programs["cit_follow_up"]
    for number in range(12):
        crisis = now - timedelta(days=rng.uniform(1, 45))
        met = _met(cast, rng, crisis, "resolved_on_scene")
        case = program_actions.case_open(
            by=met.officer,
            program=program,
            person=met.person,
            entry_path="encounter",
            encounter=met.encounter,
            case_manager=cast.case_manager,
            at=crisis + timedelta(hours=1),
        )
        if number % 4 == 0:
            flag_set(by=met.officer, person=met.person, kind="recent_crisis", days=90)
        for follow_up in case.follow_ups.filter(due_at__lt=now):
            reached = rng.random() < 0.7
            program_actions.contact_log(
                by=cast.case_manager,
                case=case,
                at=min(follow_up.due_at + timedelta(hours=rng.uniform(0, 20)), now),
                method=rng.choice(["phone", "phone", "home_visit", "text"]),
                reached=reached,
                note="Doing better; knows the crisis line." if reached else "",
                follow_up=follow_up,
            )
        if number % 4 == 1 and crisis < now - timedelta(days=8):
            case.refresh_from_db()
            case = _moves(case, cast.case_manager, [("linked", timedelta(days=7, hours=2))])
        work.cases.append(case)
