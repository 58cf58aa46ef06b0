"""Two years of a police agency's past calls, as records for the bulk import path.

The generator plays a records system's export: every call with its times and units, and for the
calls with a behavioural-health nexus (about one in ten, DOMAIN.md) the encounter with the person:
signs seen, de-escalation, weapon, force, injuries, disposition and the screens given. Outcomes
differ by whether the officer who handled the encounter was CIT-certified on that day, in the
direction the literature reports:

- arrests: odds ratio 0.47 for CIT officers, referrals 1.70 (Compton 2014, quoted in DOMAIN.md;
  the Taheri 2016 meta-analysis found no significant effect on arrests, so this is the optimistic
  end). "Referral" here is a referral without transport, a voluntary transport to the crisis
  facility and a pre-booking diversion; referral records themselves come with issue 5.
- force above verbal commands: odds ratio 0.55 for CIT officers. DOMAIN.md gives no figure: this
  is a demo assumption, chosen smaller than the arrest effect.

Everything else (presentations, their dispositions, time on scene, custody-transfer times,
screening patterns) is a plausible synthetic mix, not a published figure. Pure: no Django here.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Generic, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from crossroads.demo.alder import BEHAVIOURAL_HEALTH_SHARE, STREETS
from crossroads.demo.certifications import Interval, certified_on
from crossroads.demo.subjects import Subjects
from crossroads.encounters.history import (
    HistoricCall,
    HistoricEncounter,
    HistoricScreen,
    HistoricUnit,
)

T = TypeVar("T")


class Weighted(Generic[T]):
    """Draws one key at random in proportion to its weight (rng.choices, without its set-up)."""

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.keys = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        return self.keys[bisect(self.cumulative, rng.random() * self.total)]


CIT_ARREST_ODDS = 0.47  # Compton 2014 (DOMAIN.md)
CIT_REFERRAL_ODDS = 1.70  # Compton 2014 (DOMAIN.md)
CIT_FORCE_ODDS = 0.55  # demo assumption (see the module's docstring)
WEAPON_FORCE_ODDS = 3.0  # demo assumption
# How often a dispatcher gets a CIT officer to a behavioural-health call when one is on duty
# (the others are busy on other calls).
CIT_DISPATCH_SHARE = 0.6

RESOLVED = "resolved_on_scene"
REFERRED = "referred_no_transport"
CRISIS_FACILITY = "voluntary_transport_crisis_facility"
ED = "voluntary_transport_ed"
HOLD = "involuntary_hold"
EMS = "ems_transport"
CITATION = "citation"
DIVERSION = "pre_booking_diversion"
ARREST = "arrest_booked"
UNABLE_TO_LOCATE = "unable_to_locate"

# Shares for an officer without CIT training, before a presentation shifts them (percent).
DISPOSITIONS = {
    RESOLVED: 30,
    REFERRED: 12,
    CRISIS_FACILITY: 8,
    ED: 10,
    HOLD: 12,
    EMS: 8,
    CITATION: 4,
    DIVERSION: 2,
    ARREST: 8,
    UNABLE_TO_LOCATE: 6,
}
REFERRALS = (REFERRED, CRISIS_FACILITY, DIVERSION)

CSU = "Alder Crisis Stabilization Unit"
EMERGENCY_DEPARTMENTS = ("Riverton General Hospital ED", "Alder Valley Medical Center ED")
JAIL = "Alder County Jail"
HOLD_BASES = {
    "self": "Emergency custody for evaluation: danger to self",
    "others": "Emergency custody for evaluation: danger to others",
    "disabled": "Emergency custody for evaluation: gravely disabled",
}
TECHNIQUES = (
    "time_and_distance",
    "active_listening",
    "calm_voice",
    "reduced_stimuli",
    "offered_choices",
    "involved_support_person",
    "one_voice",
)  # "clinician_led" needs a clinician on scene: co-responder calls come later


@dataclass(frozen=True, slots=True)
class Presentation:
    """What the person showed: field-guide signs, the call type it ends as, how it tends to end,
    and the screens an officer might give (instrument, chance when the officer screens)."""

    weight: int
    signs: tuple[tuple[str, ...], ...]  # one or two signs are drawn from each group
    final_call_type: str
    dispositions: dict[str, float]  # multipliers of DISPOSITIONS
    screens: tuple[tuple[str, float], ...]
    hold_basis: str = "self"


PRESENTATIONS = {
    "suicide_risk": Presentation(
        24,
        (
            ("talks_of_dying", "has_plan_or_means", "recent_attempt", "saying_goodbye"),
            ("hopeless_statements", "withdrawn_flat"),
        ),
        "Suicidal person",
        {HOLD: 2.0, CRISIS_FACILITY: 1.6, ED: 1.6, ARREST: 0.3, CITATION: 0.2, DIVERSION: 0.2},
        (("cssrs_screener", 0.85), ("phq9", 0.3), ("phq2", 0.2), ("gad7", 0.1)),
    ),
    "depression": Presentation(
        9,
        (("hopeless_statements", "withdrawn_flat", "self_neglect"),),
        "Person in crisis",
        {REFERRED: 1.6, RESOLVED: 1.2, HOLD: 0.6, ARREST: 0.4, CITATION: 0.5},
        (("phq2", 0.45), ("phq9", 0.4), ("gad7", 0.35), ("k6", 0.35), ("cssrs_screener", 0.3)),
    ),
    "psychosis": Presentation(
        15,
        (("responding_to_voices", "fixed_false_beliefs", "disorganised_speech"),),
        "Disturbance (mental health)",
        {HOLD: 1.8, ARREST: 1.2, CRISIS_FACILITY: 1.3, REFERRED: 0.8},
        (("k6", 0.35), ("bjmhs", 0.4)),
        hold_basis="others",
    ),
    "mania": Presentation(
        5,
        (("pressured_speech", "no_sleep", "grandiose"),),
        "Disturbance (mental health)",
        {HOLD: 1.5, ARREST: 1.2},
        (("k6", 0.3), ("bjmhs", 0.35)),
        hold_basis="disabled",
    ),
    "alcohol": Presentation(
        15,
        (("odour_alcohol_cannabis",), ("slurred_speech", "unsteady")),
        "Intoxicated person",
        {ARREST: 1.5, CITATION: 2.0, EMS: 1.3, HOLD: 0.4, CRISIS_FACILITY: 0.7},
        (("auditc", 0.5), ("audit", 0.25), ("cageaid", 0.3)),
    ),
    "drugs": Presentation(
        12,
        (("paraphernalia", "reports_use"), ("stimulant_agitation", "unsteady")),
        "Person in crisis",
        {ARREST: 1.6, CITATION: 1.5, DIVERSION: 3.0, EMS: 1.2, HOLD: 0.6},
        (("dast10", 0.45), ("cageaid", 0.35)),
        hold_basis="others",
    ),
    "overdose": Presentation(
        6,
        (("pinpoint_pupils",), ("paraphernalia", "reports_use")),
        "Overdose",
        {EMS: 8.0, ARREST: 0.2, HOLD: 0.3, CITATION: 0.2, UNABLE_TO_LOCATE: 0.5},
        (("dast10", 0.1),),
    ),
    "withdrawal": Presentation(
        5,
        (("shaking_sweating", "vomiting_cramps", "seeing_things_withdrawal"),),
        "Person in crisis",
        {ED: 2.0, EMS: 2.0, ARREST: 0.5, CITATION: 0.5},
        (("cageaid", 0.4), ("audit", 0.3), ("dast10", 0.3)),
        hold_basis="disabled",
    ),
    "developmental_disability": Presentation(
        4,
        (("hard_to_understand_questions", "sensory_distress", "carries_id_card"),),
        "Welfare check",
        {RESOLVED: 1.8, REFERRED: 1.5, ARREST: 0.4, HOLD: 0.5, CITATION: 0.4},
        (),
    ),
}

# Calls without a behavioural-health nexus, by source, and the types a crisis call may start as.
OTHER_CALL_TYPES = Weighted(
    {
        "Traffic collision": 9,
        "Theft": 9,
        "Burglary report": 5,
        "Alarm": 9,
        "Disturbance": 10,
        "Noise complaint": 7,
        "Suspicious person": 7,
        "Suspicious vehicle": 6,
        "Assault": 4,
        "Domestic disturbance": 5,
        "Parking": 5,
        "Welfare check": 4,
        "Trespass": 4,
    }
)
OFFICER_INITIATED_TYPES = Weighted({"Traffic stop": 6, "Suspicious person": 2, "Patrol check": 3})
CRISIS_INITIAL_TYPES = Weighted({"Person in crisis": 5, "Welfare check": 4, "Suicidal person": 3})
MISLEADING_INITIAL_TYPES = Weighted(
    {"Disturbance": 4, "Trespass": 2, "Suspicious person": 2, "Theft": 1}
)
CRISIS_SOURCES = Weighted({"911": 85, "988_transfer": 5, "officer_initiated": 7, "walk_in": 3})
PRESENTATION_MIX = Weighted({name: p.weight for name, p in PRESENTATIONS.items()})
OTHER_UNITS = Weighted({1: 70, 2: 25, 3: 5})  # units sent, by how many
CRISIS_UNITS = Weighted({1: 30, 2: 60, 3: 10})  # crisis calls usually get two officers
CIT_TECHNIQUES = Weighted({1: 15, 2: 35, 3: 35, 4: 15})  # de-escalation techniques used
OTHER_TECHNIQUES = Weighted({0: 30, 1: 40, 2: 22, 3: 8})
FORCE_ABOVE_VERBAL = Weighted({"empty_hand": 70, "less_lethal": 25, "firearm": 5})
RECLASSIFIED_SHARE = 0.25  # crisis calls that came in as something else (DOMAIN.md: a measure)

# Calls by local hour: quiet before dawn, busiest from mid-afternoon into the evening.
HOUR_WEIGHTS = (4, 3, 3, 2, 2, 2, 3, 4, 5, 6, 6, 6, 6, 7, 7, 8, 8, 8, 8, 7, 7, 6, 5, 5)
WEEKDAY_FACTORS = (0.95, 0.93, 0.95, 0.98, 1.08, 1.12, 1.0)  # Monday first
SHIFT_STARTS = (7, 15, 23)  # days, evenings, nights


@dataclass(frozen=True, slots=True)
class Officer:
    """An officer on the roster: their account, shift, days off and CIT certifications."""

    id: UUID
    shift: int  # index into SHIFT_STARTS
    days_off: int  # offset of the two days off in the week
    cit: tuple[Interval, ...] = ()

    def on_duty(self, shift_day: date, shift: int) -> bool:
        return self.shift == shift and (shift_day.toordinal() + self.days_off) % 7 >= 2

    def cit_on(self, day: date) -> bool:
        return certified_on(self.cit, day)


def roster(officers: Sequence[UUID], certifications: dict[UUID, list[Interval]]) -> list[Officer]:
    """Officers spread over three shifts, days off staggered through the week."""
    return [
        Officer(
            id=officer,
            shift=n % 3,
            days_off=(n // 3) % 7,
            cit=tuple(certifications.get(officer, ())),
        )
        for n, officer in enumerate(officers)
    ]


@dataclass(frozen=True, slots=True)
class Area:
    """A police agency's patrol area: call-number prefix, volume and beats."""

    prefix: str
    calls_per_day: float
    # precinct (named as the roster names it, so calls and shift coverage meet in one area) ->
    # sector -> beats; the first sector of each precinct is downtown, where
    # crisis calls concentrate.
    precincts: dict[str, dict[str, tuple[str, ...]]]

    def beats(self, *, crisis: bool) -> dict[tuple[str, str, str], int]:
        """(precinct, sector, beat) -> its weight among all calls, or among crisis calls."""
        return {
            (precinct, sector, beat): (6 if crisis else 3) if number == 0 else 2
            for precinct, sectors in self.precincts.items()
            for number, (sector, beats) in enumerate(sectors.items())
            for beat in beats
        }


AREAS = {
    "rpd": Area(
        "RPD",
        35,
        {
            "North Precinct": {"N1": ("N1A", "N1B", "N1C"), "N2": ("N2A", "N2B")},
            "South Precinct": {
                "S1": ("S1A", "S1B", "S1C"),
                "S2": ("S2A", "S2B"),
                "S3": ("S3A", "S3B"),
            },
        },
    ),
    "acso": Area(
        "ACSO",
        15,
        {
            "East District": {"E1": ("E11", "E12"), "E2": ("E21", "E22", "E23")},
            "West District": {"W1": ("W11", "W12"), "W2": ("W21", "W22")},
        },
    ),
}


def with_odds_ratios(shares: dict[str, float], ratios: dict[str, float]) -> dict[str, float]:
    """Shares after the odds of some outcomes are multiplied; the others share what is left in
    their old proportions."""
    total = sum(shares.values())
    changed = {}
    for key, ratio in ratios.items():
        odds = shares[key] / (total - shares[key]) * ratio
        changed[key] = odds / (1 + odds)
    others = sum(share for key, share in shares.items() if key not in ratios)
    left = 1 - sum(changed.values())
    return {key: changed.get(key, share / others * left) for key, share in shares.items()}


def disposition_shares(presentation: Presentation, *, cit: bool) -> dict[str, float]:
    shares = {
        key: share * presentation.dispositions.get(key, 1.0) for key, share in DISPOSITIONS.items()
    }
    if cit:
        ratios = {ARREST: CIT_ARREST_ODDS} | dict.fromkeys(REFERRALS, CIT_REFERRAL_ODDS)
        return with_odds_ratios(shares, ratios)
    total = sum(shares.values())
    return {key: share / total for key, share in shares.items()}


# Chance of force above verbal commands for an officer without CIT training, by disposition.
FORCE_BY_DISPOSITION = {ARREST: 0.35, HOLD: 0.25, CITATION: 0.08, EMS: 0.08, DIVERSION: 0.06}
FORCE_OTHERWISE = 0.04
# Minutes on scene (median) by disposition; CIT officers take about a tenth longer.
MINUTES_ON_SCENE = {RESOLVED: 30, REFERRED: 38, UNABLE_TO_LOCATE: 12, ARREST: 55, HOLD: 60}
MINUTES_ON_SCENE_OTHERWISE = 45
# Custody-transfer minutes (median, spread) where officers hand the person over: the crisis
# facility takes police drop-offs at the door; an emergency department keeps officers waiting.
CUSTODY_TRANSFER = {"csu": (12, 0.4), "ed": (50, 0.6), "hold_ed": (150, 0.55), "jail": (40, 0.5)}


def police_history(
    area: Area,
    officers: Sequence[Officer],
    rng: random.Random,
    *,
    start: datetime,
    end: datetime,
    time_zone: str,
    people: random.Random | None = None,
) -> Iterator[HistoricCall]:
    """The agency's calls received from `start` to before `end`, oldest first.

    With `people`, each encounter names its person by a reference of the records system
    (subjects.py), drawn from that stream alone: the calls are the same with or without.
    """
    subjects = None
    if people is not None:
        days = (end - start).total_seconds() / 86400
        expected = area.calls_per_day * BEHAVIOURAL_HEALTH_SHARE * days
        subjects = Subjects(area.prefix, people, expected_encounters=expected)
    return _History(area, officers, rng, ZoneInfo(time_zone), subjects).calls(start, end)


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


def _season(day: date) -> float:
    """A little busier in summer: +/-6% over the year, peaking in mid-July."""
    return 1 + 0.06 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 196) / 365)


def _shift(local: datetime) -> tuple[int, date]:
    """The shift on duty at a local moment, and the day that shift started."""
    hour = local.hour
    if SHIFT_STARTS[0] <= hour < SHIFT_STARTS[1]:
        return 0, local.date()
    if SHIFT_STARTS[1] <= hour < SHIFT_STARTS[2]:
        return 1, local.date()
    return 2, local.date() if hour >= SHIFT_STARTS[2] else local.date() - timedelta(days=1)


class _History:
    def __init__(
        self,
        area: Area,
        officers: Sequence[Officer],
        rng: random.Random,
        zone: ZoneInfo,
        subjects: Subjects | None = None,
    ) -> None:
        if not officers:
            raise ValueError(f"{area.prefix}: a history needs officers to send")
        self.area, self.officers, self.rng, self.zone = area, list(officers), rng, zone
        self.subjects = subjects
        self.beats = {crisis: Weighted(area.beats(crisis=crisis)) for crisis in (False, True)}
        self.dispositions = {
            (name, cit): Weighted(disposition_shares(presentation, cit=cit))
            for name, presentation in PRESENTATIONS.items()
            for cit in (False, True)
        }
        self._on_duty: dict[tuple[int, date], list[Officer]] = {}
        self._trained: dict[tuple[int, date, date], list[Officer]] = {}

    def minutes(self, median: float, spread: float) -> timedelta:
        return timedelta(minutes=max(1.0, self.rng.lognormvariate(math.log(median), spread)))

    def calls(self, start: datetime, end: datetime) -> Iterator[HistoricCall]:
        rng, zone = self.rng, self.zone
        hours = _cumulative(HOUR_WEIGHTS)
        sequences: dict[int, int] = {}
        day = start.astimezone(zone).date()
        while (midnight := datetime.combine(day, time(), tzinfo=zone)) < end:
            mean = self.area.calls_per_day * WEEKDAY_FACTORS[day.weekday()] * _season(day)
            count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
            moments = sorted(
                (midnight + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(UTC)
                for hour in rng.choices(range(24), cum_weights=hours, k=count)
            )
            for received in moments:
                if not start <= received < end:
                    continue
                year = received.astimezone(zone).year
                sequences[year] = sequence = sequences.get(year, 0) + 1
                external_id = f"{self.area.prefix}-{year % 100:02d}-{sequence:06d}"
                if rng.random() < BEHAVIOURAL_HEALTH_SHARE:
                    yield self.crisis_call(external_id, received)
                else:
                    yield self.other_call(external_id, received)
            day += timedelta(days=1)

    def beat(self, *, crisis: bool) -> tuple[str, str, str]:
        return self.beats[crisis].draw(self.rng)

    def location(self) -> str:
        return f"{self.rng.randrange(100, 9999)} {self.rng.choice(STREETS)}"

    def other_call(self, external_id: str, received: datetime) -> HistoricCall:
        rng = self.rng
        initiated = rng.random() < 0.28
        call_type = (OFFICER_INITIATED_TYPES if initiated else OTHER_CALL_TYPES).draw(rng)
        if initiated:
            dispatched = received
            units = self.dispatch(dispatched, 1 if rng.random() < 0.8 else 2, crisis=False)
        else:
            dispatched = received + min(self.minutes(6, 0.8), timedelta(hours=3))
            count = OTHER_UNITS.draw(rng)
            units = self.dispatch(dispatched, count, crisis=False)
        arrived: datetime | None
        if not initiated and rng.random() < 0.07:  # cancelled, or gone on arrival
            arrived, cleared = None, dispatched + self.minutes(5, 0.5)
        else:
            arrived = dispatched if initiated else dispatched + self.minutes(7, 0.5)
            cleared = arrived + self.minutes(25, 0.7)
        precinct, sector, beat = self.beat(crisis=False)
        return HistoricCall(
            external_id=external_id,
            source="officer_initiated" if initiated else "911",
            initial_call_type=call_type,
            final_call_type=call_type,
            behavioural_health=False,
            received_at=received,
            dispatched_at=dispatched,
            arrived_at=arrived,
            cleared_at=cleared,
            location=self.location(),
            precinct=precinct,
            sector=sector,
            beat=beat,
            response="standard_police",
            units=units,
        )

    def crisis_call(self, external_id: str, received: datetime) -> HistoricCall:
        rng = self.rng
        name = PRESENTATION_MIX.draw(rng)
        presentation = PRESENTATIONS[name]
        source = CRISIS_SOURCES.draw(rng)
        first_hand = source in ("officer_initiated", "walk_in")  # no dispatch, no travel
        roll = rng.random()
        if roll < RECLASSIFIED_SHARE:
            initial = MISLEADING_INITIAL_TYPES.draw(rng)
        elif roll < 0.55:
            initial = CRISIS_INITIAL_TYPES.draw(rng)
        else:
            initial = presentation.final_call_type
        dispatched = received if first_hand else received + self.minutes(4, 0.7)
        count = 1 if first_hand else CRISIS_UNITS.draw(rng)
        units = self.dispatch(dispatched, count, crisis=True)
        arrived = dispatched if first_hand else dispatched + self.minutes(7, 0.5)
        encounter = self.encounter(name, presentation, units[0], arrived)
        if self.subjects is not None:
            ref = self.subjects.ref_for(
                received, disposition=encounter.disposition, presentation=name
            )
            encounter = replace(encounter, person_ref=ref)
        cleared = arrived + timedelta(minutes=encounter.minutes_on_scene or 0)
        if encounter.transport_destination:
            cleared += self.minutes(15, 0.4) + timedelta(
                minutes=encounter.custody_transfer_minutes or 0
            )
        precinct, sector, beat = self.beat(crisis=True)
        return HistoricCall(
            external_id=external_id,
            source=source,
            initial_call_type=initial,
            final_call_type=presentation.final_call_type,
            behavioural_health=True,
            received_at=received,
            dispatched_at=dispatched,
            arrived_at=arrived,
            cleared_at=cleared,
            location=self.location(),
            precinct=precinct,
            sector=sector,
            beat=beat,
            response="cit_officer" if units[0].cit_certified else "standard_police",
            units=units,
            encounters=(encounter,),
        )

    def on_duty(self, local: datetime) -> tuple[list[Officer], list[Officer]]:
        """Who is on duty at a local moment, and which of them are CIT-certified that day."""
        shift, shift_day = _shift(local)
        key = (shift, shift_day, local.date())
        if key not in self._trained:
            rostered = [o for o in self.officers if o.on_duty(shift_day, shift)]
            rostered = rostered or self.officers  # nobody rostered: someone is called in
            self._on_duty[key[:2]] = rostered
            self._trained[key] = [o for o in rostered if o.cit_on(local.date())]
        return self._on_duty[key[:2]], self._trained[key]

    def dispatch(self, at: datetime, count: int, *, crisis: bool) -> tuple[HistoricUnit, ...]:
        """The units sent: for a crisis call, a CIT officer first when one is on duty and free."""
        rng = self.rng
        local = at.astimezone(self.zone)
        on_duty, trained = self.on_duty(local)
        today = local.date()
        free_cit = crisis and trained and rng.random() < CIT_DISPATCH_SHARE
        primary = rng.choice(trained if free_cit else on_duty)
        others = [officer for officer in on_duty if officer is not primary]
        if len(others) < count - 1:
            others += [o for o in self.officers if o is not primary and o not in others]
        units = [
            HistoricUnit(cit_certified=primary.cit_on(today), dispatched_at=at, officer=primary.id)
        ]
        for officer in rng.sample(others, min(count - 1, len(others))):
            sent = at + timedelta(seconds=rng.randrange(30, 300))
            units.append(
                HistoricUnit(
                    cit_certified=officer.cit_on(sent.astimezone(self.zone).date()),
                    dispatched_at=sent,
                    officer=officer.id,
                )
            )
        return tuple(units)

    def encounter(
        self, name: str, presentation: Presentation, unit: HistoricUnit, at: datetime
    ) -> HistoricEncounter:
        rng = self.rng
        cit = unit.cit_certified
        disposition = self.dispositions[(name, cit)].draw(rng)
        on_scene = MINUTES_ON_SCENE.get(disposition, MINUTES_ON_SCENE_OTHERWISE)
        minutes_on_scene = round(
            self.minutes(on_scene * (1.1 if cit else 1.0), 0.45).total_seconds() / 60
        )
        if disposition == UNABLE_TO_LOCATE:
            return HistoricEncounter(
                disposition=disposition,
                occurred_at=at,
                officer=unit.officer,
                officer_cit_certified=cit,
                minutes_on_scene=minutes_on_scene,
            )
        weapon = rng.random() < (0.1 if name in ("psychosis", "mania", "drugs") else 0.06)
        force = self.force(disposition, cit=cit, weapon=weapon)
        destination, custody = self.destination(disposition)
        return HistoricEncounter(
            disposition=disposition,
            occurred_at=at,
            officer=unit.officer,
            officer_cit_certified=cit,
            signs=self.signs(name, presentation),
            deescalation=tuple(
                rng.sample(
                    TECHNIQUES,
                    (CIT_TECHNIQUES if cit else OTHER_TECHNIQUES).draw(rng),
                )
            ),
            weapon_present=weapon,
            highest_force=force,
            subject_injured=rng.random() < SUBJECT_INJURY.get(force, 0.05),
            officer_injured=rng.random() < OFFICER_INJURY.get(force, 0.02),
            hold_legal_basis=self.hold_basis(presentation) if disposition == HOLD else "",
            transport_destination=destination,
            minutes_on_scene=minutes_on_scene,
            custody_transfer_minutes=custody,
            screens=self.screens(name, presentation, disposition, cit=cit),
        )

    def signs(self, name: str, presentation: Presentation) -> tuple[str, ...]:
        rng = self.rng
        signs = {
            sign
            for group in presentation.signs
            for sign in rng.sample(group, min(len(group), rng.choice((1, 1, 2))))
        }
        if name not in ("alcohol", "drugs", "overdose") and rng.random() < 0.15:
            signs.add("odour_alcohol_cannabis")  # substance use alongside, often
        return tuple(sorted(signs))

    def force(self, disposition: str, *, cit: bool, weapon: bool) -> str:
        rng = self.rng
        chance = FORCE_BY_DISPOSITION.get(disposition, FORCE_OTHERWISE)
        odds = chance / (1 - chance) * (CIT_FORCE_ODDS if cit else 1.0)
        odds *= WEAPON_FORCE_ODDS if weapon else 1.0
        if rng.random() < odds / (1 + odds):
            return FORCE_ABOVE_VERBAL.draw(rng)
        return "verbal" if rng.random() < (0.22 if cit else 0.3) else "none"

    def hold_basis(self, presentation: Presentation) -> str:
        if self.rng.random() < 0.8:
            return HOLD_BASES[presentation.hold_basis]
        return HOLD_BASES[self.rng.choice(list(HOLD_BASES))]

    def destination(self, disposition: str) -> tuple[str, int | None]:
        """Where the person was taken, and the minutes officers waited to hand them over."""
        rng = self.rng
        place = ""
        if disposition == CRISIS_FACILITY or (disposition == HOLD and rng.random() < 0.3):
            place, wait = CSU, CUSTODY_TRANSFER["csu"]
        elif disposition in (ED, HOLD):
            place = rng.choice(EMERGENCY_DEPARTMENTS)
            wait = CUSTODY_TRANSFER["hold_ed" if disposition == HOLD else "ed"]
        elif disposition == EMS:
            return f"{rng.choice(EMERGENCY_DEPARTMENTS)} (by EMS)", None  # EMS takes custody
        elif disposition == ARREST:
            place, wait = JAIL, CUSTODY_TRANSFER["jail"]
        else:
            return "", None
        return place, round(self.minutes(*wait).total_seconds() / 60)

    def screens(
        self, name: str, presentation: Presentation, disposition: str, *, cit: bool
    ) -> tuple[HistoricScreen, ...]:
        """The screens given on scene: CIT officers screen about twice as often."""
        rng = self.rng
        if disposition == EMS:
            return ()  # a medical emergency first
        willing = 0.9 if cit else 0.45
        chosen = [code for code, chance in presentation.screens if rng.random() < chance * willing]
        if disposition in (ARREST, CITATION) and "bjmhs" not in chosen and rng.random() < 0.5:
            chosen.append("bjmhs")  # the jail's mental-health screen, begun at the scene
        if not chosen:
            return ()
        severity = rng.betavariate(3.5, 2.5) if disposition in SERIOUS else rng.betavariate(2, 3)
        sex = "male" if rng.random() < 0.6 else "female"
        return tuple(
            HistoricScreen(
                code,
                ANSWERS[code](rng, severity, name),
                sex=sex if code == "auditc" else None,
            )
            for code in chosen
        )


SERIOUS = frozenset({HOLD, CRISIS_FACILITY, ED})
# Injuries, by the highest force used: most come with hands-on force or a less-lethal weapon.
SUBJECT_INJURY = {"none": 0.004, "verbal": 0.004, "empty_hand": 0.2, "less_lethal": 0.45}
OFFICER_INJURY = {"none": 0.002, "verbal": 0.003, "empty_hand": 0.1, "less_lethal": 0.12}


# --- Screen answers: realistic patterns from one severity in [0, 1], valid for each instrument --

Answers = tuple[int | None, ...]


def _chance(rng: random.Random, level: float) -> float:
    return min(0.95, max(0.02, level + rng.gauss(0, 0.12)))


def _likert(rng: random.Random, level: float, top: int) -> int:
    """0..top, centred on level * top."""
    chance = _chance(rng, level)
    return sum(rng.random() < chance for _ in range(top))


def _yes(rng: random.Random, level: float) -> int:
    return int(rng.random() < _chance(rng, level))


SUICIDAL = frozenset({"suicide_risk", "depression"})
DRINKING = frozenset({"alcohol", "withdrawal"})
DRUGS = frozenset({"drugs", "overdose", "withdrawal"})
PSYCHOTIC = frozenset({"psychosis", "mania"})


def _phq9(rng: random.Random, s: float, name: str) -> Answers:
    item9 = _likert(rng, s if name in SUICIDAL else s * 0.3, 3)
    return (*(_likert(rng, s, 3) for _ in range(8)), item9)


def _phq2(rng: random.Random, s: float, name: str) -> Answers:
    return (_likert(rng, s, 3), _likert(rng, s, 3))


def _gad7(rng: random.Random, s: float, name: str) -> Answers:
    return tuple(_likert(rng, s * 0.9, 3) for _ in range(7))


def _k6(rng: random.Random, s: float, name: str) -> Answers:
    return tuple(_likert(rng, s, 4) for _ in range(6))


def _drinking(s: float, name: str) -> float:
    return s if name in DRINKING else s * 0.5


def _auditc(rng: random.Random, s: float, name: str) -> Answers:
    level = _drinking(s, name)
    often = max(_likert(rng, level, 4), 1 if name in DRINKING else 0)
    if not often:
        return (0, None, None)  # never drinks: the form skips items 2 and 3
    return (often, _likert(rng, level, 4), _likert(rng, level, 4))


def _audit(rng: random.Random, s: float, name: str) -> Answers:
    level = _drinking(s, name)
    first = _auditc(rng, s, name)
    if first[1] or first[2]:
        middle: Answers = tuple(_likert(rng, level * 0.8, 4) for _ in range(5))
    else:
        middle = (None,) * 5  # items 4-8 follow only a yes to items 2 or 3
    harm = tuple(rng.choices((0, 2, 4), weights=(1 - level, level / 2, level))[0] for _ in "ab")
    return (*first, *middle, *harm)


def _dast10(rng: random.Random, s: float, name: str) -> Answers:
    level = s if name in DRUGS else s * 0.3
    answers = [_yes(rng, level) for _ in range(10)]
    answers[0] = 1 if name in DRUGS else answers[0]
    answers[2] = 1 - _yes(rng, level)  # "always able to stop?": yes when little trouble
    return tuple(answers)


def _cageaid(rng: random.Random, s: float, name: str) -> Answers:
    level = s if name in DRINKING | DRUGS else s * 0.4
    return tuple(_yes(rng, level) for _ in range(4))


def _cssrs(rng: random.Random, s: float, name: str) -> Answers:
    level = 0.3 + 0.6 * s if name in SUICIDAL else 0.2 * s
    wish, thoughts = _yes(rng, level + 0.1), _yes(rng, level)
    if thoughts:
        plan: Answers = (_yes(rng, level), _yes(rng, level - 0.2), _yes(rng, level - 0.35))
    else:
        plan = (None, None, None)  # questions 3-5 follow only a yes to question 2
    behaviour = rng.choices((0, 1, 2), weights=(1.2 - level, 0.4, level))[0]
    return (wish, thoughts, *plan, behaviour)


def _bjmhs(rng: random.Random, s: float, name: str) -> Answers:
    psychotic = name in PSYCHOTIC
    low = s * 0.15
    return (
        _yes(rng, 0.2 + 0.5 * s if psychotic else low),  # thoughts controlled
        _yes(rng, 0.2 + 0.4 * s if psychotic else low),  # mind read
        _yes(rng, 0.1),  # weight change
        _yes(rng, 0.6 if name == "mania" else 0.08),  # more active
        _yes(rng, 0.4 if name in SUICIDAL else 0.08),  # slowed down
        _yes(rng, 0.45 if name in SUICIDAL else 0.1),  # useless or sinful
        _yes(rng, 0.35 if psychotic else 0.18),  # psychiatric medication
        _yes(rng, 0.35 if psychotic else 0.15),  # hospitalised before
        _yes(rng, 0.2),  # the officer's judgement
    )


ANSWERS: dict[str, Callable[[random.Random, float, str], Answers]] = {
    "phq9": _phq9,
    "phq2": _phq2,
    "gad7": _gad7,
    "k6": _k6,
    "auditc": _auditc,
    "audit": _audit,
    "dast10": _dast10,
    "cageaid": _cageaid,
    "cssrs_screener": _cssrs,
    "bjmhs": _bjmhs,
}
